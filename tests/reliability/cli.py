"""Bad inputs, hostile configs and faults of ``outreach-sim`` and ``outreach-sim-aggregate``."""

from __future__ import annotations

from tests.reliability.kinds import (
    BAD,
    STEP,
    USE_FILES,
    Case,
    Fault,
    bad,
    bad_strategy,
    hostile,
    pwn_strategy,
    strategy_body,
)

#: How docs/reliability.md names this entry point.
TITLE = "`outreach-sim` and `outreach-sim-aggregate`"

BAD_INPUTS: list[Case] = [
    # Values out of range or of the wrong type.
    bad("seed not a number", "seed=abc", names=("seed", "abc")),
    bad("seed negative", "seed=-1", names=("seed", "-1")),
    bad("seed a fraction", "seed=1.5", names=("seed", "1.5")),
    bad("seed null", "seed=null", names=("seed",)),
    bad("replications a fraction", "replications=1.5", names=("replications", "1.5")),
    bad("replications zero", "replications=0", names=("replications", "0")),
    bad("replications negative", "replications=-3", names=("replications", "-3")),
    bad("replications not a number", "replications=abc", names=("replications", "abc")),
    bad("horizon negative", "horizon_days=-10", names=("horizon_days", "-10", "> 0")),
    bad("horizon zero", "horizon_days=0", names=("horizon_days", "> 0")),
    bad("horizon not a number", "horizon_days=soon", names=("horizon_days", "soon")),
    bad("horizon infinite", "horizon_days=inf", names=("horizon_days", "inf")),
    bad("horizon NaN", "horizon_days=nan", names=("horizon_days", "nan")),
    bad("population size negative", "population.size=-5", names=("population.size", "-5")),
    bad("population size zero", "population.size=0", names=("population.size", "0")),
    bad("population size a fraction", "population.size=1.5", names=("population.size", "1.5")),
    bad("population size not a number", "population.size=many", names=("population.size",)),
    bad("probability above 1", "model.answer_base=1.5", names=("model.answer_base", "0 to 1")),
    bad("probability below 0", "model.answer_base=-0.1", names=("model.answer_base", "-0.1")),
    bad("probability NaN", "model.answer_base=nan", names=("model.answer_base", "nan")),
    bad("rep count zero", "reps.count=0", names=("reps.count", "0")),
    bad("rep minutes negative", "reps.minutes_per_day=-1", names=("reps.minutes_per_day",)),
    # Sequence dynamics (docs/model.md 2.6, 2.14).
    bad(
        "tedium recovery zero",
        "model.wearout_recovery_days=0",
        names=("model.wearout_recovery_days", "0", "> 0"),
    ),
    bad(
        "attention spread negative",
        "model.notice_responsiveness=-0.5",
        names=("model.notice_responsiveness", "-0.5", ">= 0"),
    ),
    # Sending mailboxes and deliverability (docs/model.md 2.17).
    bad("mailbox count zero", "reps.mailboxes=0", names=("reps.mailboxes", "0", ">= 1")),
    bad("mailbox count a fraction", "reps.mailboxes=2.5", names=("reps.mailboxes", "2.5")),
    bad("mailbox cap negative", "reps.mailbox_daily_cap=-5", names=("reps.mailbox_daily_cap",)),
    bad("mailbox cap zero", "reps.mailbox_daily_cap=0", names=("reps.mailbox_daily_cap", "0")),
    bad("warm-up negative", "reps.warmup_days=-1", names=("reps.warmup_days", "-1", ">= 0")),
    bad("start reputation above 1", "reps.start_reputation=1.2", names=("start_reputation",)),
    bad("template share above 1", "reps.template_share.low=2", names=("template_share.low",)),
    bad(
        "bad-address share above 1",
        "population.bad_address_share=1.5",
        names=("population.bad_address_share", "0 to 1"),
    ),
    bad("complaint share negative", "model.complaint_share=-0.1", names=("complaint_share",)),
    bad(
        "safe mailbox volume zero",
        "model.reputation_safe_volume=0",
        names=("model.reputation_safe_volume", "> 0"),
    ),
    bad("credit rule unknown", "credit=first_touch", names=("credit", "decided or last_touch")),
    bad("resume not a boolean", "resume=maybe", names=("resume", "maybe")),
    bad(
        "list_multiplier negative",
        "strategy.benefit_led.list_multiplier=-1",
        names=("list_multiplier", "-1"),
    ),
    bad(
        "a step's channel unknown",
        "strategy.benefit_led.steps.0.channel=fax",
        names=("steps[0].channel", "fax", "email"),
    ),
    bad(
        "personalization unknown",
        "strategy.benefit_led.personalization=extreme",
        names=("personalization", "extreme"),
    ),
    bad(
        "weekly cap zero",
        "strategy.benefit_led.max_touches_per_week=0",
        names=("max_touches_per_week", "0"),
    ),
    bad(
        "stop_on unknown outcome",
        "strategy.benefit_led.stop_on=[never]",
        names=("stop_on", "never"),
    ),
    bad(
        "cool-down pause negative",
        "strategy.cooldown_heatup.cooldown.pause_days=-1",
        names=("cooldown.pause_days", "-1"),
    ),
    bad(
        "cool-down cycles zero",
        "strategy.cooldown_heatup.cooldown.cycles=0",
        names=("cooldown.cycles", "0"),
    ),
    bad(
        "cool-down after_unanswered zero",
        "strategy.cooldown_heatup.cooldown.after_unanswered=0",
        names=("after_unanswered", "0"),
    ),
    # Sizes that cannot fit: refused with the memory they would need.
    bad(
        "population of 1e12",
        "population.size=1000000000000",
        names=("population.size", "GiB", "fits in memory"),
    ),
    bad("horizon of 1e9 days", "horizon_days=1e9", names=("horizon_days", "GiB")),
    bad(
        "list_multiplier of 1e9",
        "strategy.high_volume.list_multiplier=1e9",
        names=("list_multiplier", "GiB"),
    ),
    bad("replications of 1e12", "replications=1000000000000", names=("replications",)),
    # Names: groups, arms, settings.
    bad("unknown population", "population=nowhere", names=("population", "nowhere", "cold_list")),
    bad("unknown model", "model=nope", names=("model", "nope", "default")),
    bad("unknown reps option", "reps=nope", names=("reps", "nope")),
    bad("unknown experiment", "+experiment=nope", names=("experiment", "nope", "cool_down")),
    bad("unknown baseline", "baseline=nope", names=("baseline", "nope", "entitlement")),
    bad(
        "baseline not among the arms",
        "baseline=bombard",
        "strategy=[entitlement,benefit_led]",
        names=("baseline", "bombard", "one of the arms"),
    ),
    bad(
        "unknown arm in a list",
        "strategy=[entitlement,nope]",
        names=("strategy", "nope", "benefit_led"),
    ),
    bad("unknown single arm", "strategy=nope", names=("strategy", "nope")),
    bad("no arms", "strategy=[]", names=("strategy", "at least one")),
    bad(
        "one arm, default baseline not among them",
        "strategy=[benefit_led]",
        names=("baseline", "entitlement", "benefit_led"),
    ),
    bad(
        "arm listed twice",
        "strategy=[entitlement,entitlement]",
        names=("strategy", "entitlement", "more than once"),
    ),
    bad("unknown top-level setting", "no_such_option=1", names=("no_such_option",)),
    bad(
        "+replication=5 (typo, appended)",
        "+replication=5",
        names=("replication", "did you mean replications?"),
    ),
    bad("replication=5 (typo)", "replication=5", names=("did you mean replications?",)),
    bad(
        "+population.sizee=100 (typo)",
        "+population.sizee=100",
        names=("population.sizee", "did you mean population.size?"),
    ),
    bad(
        "unknown model parameter",
        "model.answer_bas=0.1",
        names=("answer_bas", "did you mean answer_base?"),
    ),
    bad(
        "unknown strategy field",
        "+strategy.benefit_led.cooldwn=null",
        names=("cooldwn", "did you mean strategy.benefit_led.cooldown?"),
    ),
    bad("unknown reps field", "+reps.cuont=3", names=("cuont", "did you mean reps.count?")),
    # Syntax and flags.
    bad("unclosed list", "seed=[1,", names=("seed=[1,",)),
    bad("override without a key", "=5", names=("override",)),
    bad("override without '='", "seed", names=("seed",)),
    bad("a sweep without -m", "seed=1,2", names=("seed=1,2", "--multirun")),
    bad("a range sweep without -m", "seed=range(3)", names=("--multirun",)),
    bad("unknown flag", "--nope", names=("--nope",)),
    bad("--config-path", "--config-path=/tmp", names=("--config-path",)),
    bad("--config-dir", "--config-dir=/tmp", names=("--config-dir",)),
    bad("--experimental-rerun", "--experimental-rerun=x.pickle", names=("--experimental-rerun",)),
    bad("unknown primary config", "--config-name=nope", names=("nope",)),
    bad("unknown launcher", "hydra/launcher=nope", names=("hydra/launcher", "nope", "joblib")),
    # Sweeps: every job is checked before the first runs.
    bad(
        "a sweep whose second job is out of range",
        "-m",
        "population.size=100,-1",
        names=("population.size", "-1"),
    ),
    bad("a sweep over a value that is not a number", "-m", "seed=1,abc", names=("seed", "abc")),
    bad(
        "a sweep over an unknown arm",
        "-m",
        "strategy=[entitlement],[nope]",
        names=("strategy", "nope"),
    ),
    bad(
        "a sweep with an unknown setting",
        "-m",
        "seed=1,2",
        "+replication=2",
        names=("did you mean replications?",),
    ),
    # Search paths.
    bad(
        "search path of an unknown scheme",
        "hydra.searchpath=[nowhere://x]",
        names=("nowhere", "file://"),
    ),
    bad(
        "search path to a missing folder",
        "hydra.searchpath=[file:///no/such/folder]",
        "strategy=[entitlement,mine]",
        names=("/no/such/folder", "no such folder"),
    ),
    bad(
        "relative search path missing from here",
        "hydra.searchpath=[file://my_strategies]",
        "strategy=[entitlement,mine]",
        names=("my_strategies", "no such folder"),
    ),
    # Strategy files with mistakes.
    bad_strategy(
        "a channel that does not exist",
        "fax",
        strategy_body("fax", "[{day: 0, channel: fax, message: benefit_led}]"),
        "strategy.fax.steps[0].channel",
        "fax",
        "email",
    ),
    bad_strategy(
        "a file that is not valid YAML",
        "broken",
        "broken:\n  steps: [{day: 0, channel: email\n",
        "broken",
        "YAML",
    ),
    bad_strategy(
        "a step without its channel",
        "nochan",
        strategy_body("nochan", "[{day: 0, message: benefit_led}]"),
        "strategy.nochan.steps[0].channel",
        "missing",
    ),
    bad_strategy(
        "a step without its day",
        "noday",
        strategy_body("noday", "[{channel: email, message: benefit_led}]"),
        "steps[0].day",
    ),
    bad_strategy(
        "a step without its message",
        "nomsg",
        strategy_body("nomsg", "[{day: 0, channel: email}]"),
        "steps[0].message",
    ),
    bad_strategy(
        "a misspelt step key (mesage)",
        "typo",
        strategy_body("typo", "[{day: 0, channel: email, mesage: resource}]"),
        "mesage",
        "day, channel, message, voicemail, variants",
        "did you mean message?",
    ),
    bad_strategy(
        "voicemail on an email step",
        "vm",
        strategy_body("vm", "[{day: 0, channel: email, message: resource, voicemail: true}]"),
        "voicemail",
        "phone",
    ),
    bad_strategy(
        "a top key that differs from the file name",
        "mine",
        strategy_body("theirs"),
        "mine",
        "theirs",
    ),
    bad_strategy(
        "day: soon",
        "soon",
        strategy_body("soon", "[{day: soon, channel: email, message: resource}]"),
        "soon.yaml",
        "day",
        "soon",
    ),
    bad_strategy(
        "a negative day",
        "past",
        strategy_body("past", "[{day: -2, channel: email, message: resource}]"),
        "steps[0].day",
        "-2",
    ),
    bad_strategy(
        "steps out of order",
        "order",
        strategy_body("order", f"[{{day: 5, channel: email, message: resource}}, {STEP}]"),
        "steps[1].day",
        "in order",
    ),
    bad_strategy("no steps", "empty", strategy_body("empty", "[]"), "steps", "at least one"),
    bad_strategy(
        "steps not a list", "notlist", strategy_body("notlist", "5"), "notlist.yaml", "steps"
    ),
    bad_strategy(
        "an unknown message",
        "spam",
        strategy_body("spam", "[{day: 0, channel: email, message: spam}]"),
        "message",
        "spam",
        "benefit_led",
    ),
    bad_strategy(
        "a single A/B variant",
        "onevar",
        strategy_body(
            "onevar", "[{day: 0, channel: email, message: resource, variants: [{name: a}]}]"
        ),
        "variants",
        "two or more",
    ),
    bad_strategy(
        "a variant weight of zero",
        "weight",
        strategy_body(
            "weight",
            "[{day: 0, channel: email, message: resource, "
            "variants: [{name: a, weight: 0}, {name: b}]}]",
        ),
        "weight",
        "> 0",
    ),
    bad_strategy(
        "a negative list_multiplier in a file",
        "late",
        strategy_body("late", extra="  list_multiplier: -1\n"),
        "list_multiplier",
        "-1",
    ),
    bad_strategy(
        "an unknown stop_on outcome in a file",
        "stops",
        strategy_body("stops", extra="  stop_on: [bored]\n"),
        "stop_on",
        "bored",
    ),
    bad_strategy(
        "a negative cool-down pause in a file",
        "cool",
        strategy_body(
            "cool", extra="  cooldown: {after_unanswered: 2, pause_days: -1, cycles: 1}\n"
        ),
        "pause_days",
        "-1",
    ),
    bad_strategy(
        "business_days not a boolean",
        "bdays",
        strategy_body("bdays", extra="  business_days: maybe\n"),
        "bdays.yaml",
        "business_days",
        "maybe",
    ),
    bad_strategy("an empty file", "blank", "", "blank"),
    bad_strategy("a file holding a list", "alist", "- 1\n- 2\n", "alist"),
    Case(
        BAD,
        "a population file that leaves out required fields",
        [USE_FILES, "population=tiny"],
        ["population.relationship_mix", "missing"],
        {"population/tiny.yaml": "size: 30\n"},
    ),
    # outreach-sim-aggregate.
    Case(BAD, "aggregate: no folder given", [], ["DIR"], program="outreach-sim-aggregate"),
    Case(
        BAD,
        "aggregate: a folder that does not exist",
        ["{tmp}/missing"],
        ["DIR="],
        program="outreach-sim-aggregate",
    ),
    Case(
        BAD,
        "aggregate: a folder that is not a sweep",
        ["{dir}"],
        ["DIR=", "a sweep directory"],
        {"notes.txt": "hello\n"},
        program="outreach-sim-aggregate",
    ),
    Case(
        BAD,
        "aggregate: a file, not a folder",
        ["{victim}"],
        ["DIR="],
        program="outreach-sim-aggregate",
    ),
    Case(
        BAD,
        "aggregate: two folders",
        ["{dir}", "{dir}"],
        ["unrecognized arguments"],
        program="outreach-sim-aggregate",
    ),
    # The finite market and accounts (docs/model.md 2.15, 2.16).
    bad(
        "an account larger than the list",
        "population.size=100",
        "population.accounts.sizes=[500]",
        names=("population.accounts.sizes", "500", "population.size (100)"),
    ),
    bad(
        "an account of no contacts",
        "population.accounts.sizes=[0,3]",
        "population.accounts.weights=[1,1]",
        names=("population.accounts.sizes", "0", ">= 1"),
    ),
    bad(
        "account weights not one per size",
        "population.accounts.sizes=[1,3]",
        names=("population.accounts.weights", "one weight per size"),
    ),
    bad(
        "an account weight negative",
        "population.accounts.sizes=[1,3]",
        "population.accounts.weights=[1,-1]",
        names=("population.accounts.weights", "-1", ">= 0"),
    ),
    bad(
        "an opt-out's spread above 1",
        "population.accounts.optout_spread=1.5",
        names=("population.accounts.optout_spread", "1.5", "0 to 1"),
    ),
    bad(
        "a negative re-contact pause",
        "market.recontact_pause_days=-30",
        names=("market.recontact_pause_days", "-30", ">= 0"),
    ),
    bad(
        "a burn level of zero",
        "market.burn_annoyance=0",
        names=("market.burn_annoyance", "> 0"),
    ),
    bad(
        "a second wave after the horizon",
        "market.second_wave_day=200",
        names=("market.second_wave_day", "200", "horizon_days (120)"),
    ),
    bad(
        "a second wave on day 0",
        "market.second_wave_day=0",
        names=("market.second_wave_day", "a day > 0"),
    ),
    bad(
        "stop_on_account_reply not a boolean",
        "strategy.benefit_led.stop_on_account_reply=sometimes",
        names=("stop_on_account_reply", "sometimes"),
    ),
]

#: Text of hostile files, with ``{marker}`` and ``{victim}`` filled in per case.
_GLOBAL = "# @package _global_\n"
_ARM = "strategy:\n  pwn:\n    steps: [" + STEP + "]\n"


_FILE_HANDLER = (
    "    handlers:\n      f:\n        class: logging.FileHandler\n"
    "        filename: '{victim}'\n        mode: {mode}\n    root:\n      handlers: [f]\n"
)

HOSTILE_CONFIGS: list[Case] = [
    hostile(
        "a strategy naming a callable (_target_: os.system)",
        pwn_strategy(
            "pwn:\n  _target_: os.system\n  _args_: ['touch {marker}']\n  steps: [" + STEP + "]\n"
        ),
        names=("_target_",),
    ),
    hostile(
        "a strategy with _args_ only",
        pwn_strategy("pwn:\n  _args_: ['touch {marker}']\n  steps: [" + STEP + "]\n"),
        names=("_args_",),
    ),
    hostile(
        "a strategy with _partial_",
        pwn_strategy("pwn:\n  _partial_: true\n  steps: [" + STEP + "]\n"),
        names=("_partial_",),
    ),
    hostile(
        "a population naming a callable",
        {"population/pwn.yaml": ("size: 50\n_target_: os.system\n_args_: ['touch {marker}']\n")},
        USE_FILES,
        "population=pwn",
        names=("_target_",),
    ),
    hostile(
        "a _target_ added to the model on the command line",
        {},
        "+model._target_=os.system",
        names=("_target_",),
    ),
    hostile(
        "a Hydra callback from a strategy file",
        pwn_strategy(
            _GLOBAL + "hydra:\n  callbacks:\n    pwn:\n      _target_: os.system\n"
            "      command: 'touch {marker}'\n" + _ARM
        ),
        names=("hydra.callbacks",),
    ),
    hostile(
        "a Hydra callback on the command line",
        {},
        "+hydra.callbacks.pwn._target_=os.system",
        names=("os.system",),
    ),
    hostile(
        "the launcher swapped for a callable (file)",
        pwn_strategy(_GLOBAL + "hydra:\n  launcher:\n    _target_: os.system\n" + _ARM),
        names=("hydra.launcher",),
    ),
    hostile(
        "the launcher swapped for a callable (override)",
        {},
        "hydra.launcher._target_=os.system",
        names=("hydra.launcher",),
    ),
    hostile(
        "a launcher option file of one's own",
        {"hydra/launcher/pwn.yaml": ("_target_: os.system\ncommand: 'touch {marker}'\n")},
        USE_FILES,
        "hydra/launcher=pwn",
        names=("os.system",),
    ),
    hostile(
        "the sweeper swapped for a callable",
        pwn_strategy(_GLOBAL + "hydra:\n  sweeper:\n    _target_: os.system\n" + _ARM),
        names=("hydra.sweeper",),
    ),
    hostile(
        "a logging factory ('()': os.system)",
        pwn_strategy(
            _GLOBAL + "hydra:\n  job_logging:\n    version: 1\n    handlers:\n      x:\n"
            "        '()': os.system\n        command: 'touch {marker}'\n" + _ARM
        ),
        names=("hydra.job_logging",),
    ),
    hostile(
        "job logging to a FileHandler that appends to a file",
        pwn_strategy(
            _GLOBAL
            + "hydra:\n  job_logging:\n    version: 1\n"
            + _FILE_HANDLER.replace("{mode}", "a")
            + _ARM
        ),
        names=("hydra.job_logging",),
    ),
    hostile(
        "Hydra logging to a FileHandler that truncates a file",
        pwn_strategy(
            _GLOBAL + "hydra:\n  hydra_logging:\n" + _FILE_HANDLER.replace("{mode}", "w") + _ARM
        ),
        names=("hydra.hydra_logging",),
    ),
    hostile(
        "hydra/job_logging=default on the command line",
        {},
        "hydra/job_logging=default",
        names=("hydra.job_logging",),
    ),
    hostile(
        "hydra/hydra_logging=disabled on the command line",
        {},
        "hydra/hydra_logging=disabled",
        names=("hydra.hydra_logging",),
    ),
    hostile(
        "a FileHandler added on the command line",
        {},
        "+hydra.job_logging.handlers.f.class=logging.FileHandler",
        "+hydra.job_logging.handlers.f.filename={victim}",
        names=("hydra.job_logging",),
    ),
    hostile(
        "a logging level changed on the command line",
        {},
        "hydra.hydra_logging.root.level=DEBUG",
        names=("hydra.hydra_logging",),
    ),
    hostile(
        "a pkg:// search path (would import the module)",
        {"site/pwnpkg/__init__.py": "open({marker!r}, 'w').close()\n"},
        "hydra.searchpath=[pkg://pwnpkg]",
        names=("pkg://pwnpkg",),
    ),
    hostile(
        "a pkg:// search path in a sweep",
        {"site/pwnpkg/__init__.py": "open({marker!r}, 'w').close()\n"},
        "-m",
        "seed=1,2",
        "hydra.searchpath=[pkg://pwnpkg]",
        names=("pkg://pwnpkg",),
    ),
    hostile(
        "${oc.env:HOME} in a strategy label",
        pwn_strategy("pwn:\n  label: '${oc.env:HOME}'\n  steps: [" + STEP + "]\n"),
        names=("oc.env",),
    ),
    hostile(
        "${oc.env:...} with a default, on the command line",
        {},
        "strategy.benefit_led.label='${oc.env:SECRET,none}'",
        names=("oc.env",),
    ),
    hostile(
        "${oc.env:...} in the output folder",
        {},
        "hydra.run.dir=${oc.env:HOME}/x",
        names=("oc.env",),
    ),
    hostile(
        "the legacy ${env:...} resolver",
        pwn_strategy("pwn:\n  label: '${env:HOME}'\n  steps: [" + STEP + "]\n"),
        names=("env",),
    ),
    hostile(
        "hydra.job.env_set from a file",
        pwn_strategy(
            _GLOBAL + "hydra:\n  job:\n    env_set:\n      LD_PRELOAD: '{marker}'\n" + _ARM
        ),
        names=("env_set",),
    ),
    hostile(
        "hydra.job.env_set on the command line",
        {},
        "+hydra.job.env_set.PATH=/tmp",
        names=("env_set",),
    ),
    hostile(
        "a hostile file in a sweep (-m)",
        pwn_strategy(
            _GLOBAL + "hydra:\n  callbacks:\n    pwn:\n      _target_: os.system\n"
            "      command: 'touch {marker}'\n" + _ARM
        ),
        "-m",
        USE_FILES,
        "strategy=[entitlement,pwn]",
        "seed=1,2",
        names=("hydra.callbacks",),
    ),
    hostile(
        "--config-dir pointing at a folder of hostile configs",
        {"config.yaml": ("hydra:\n  callbacks:\n    pwn:\n      _target_: os.system\n")},
        "--config-dir={dir}",
        names=("--config-dir",),
    ),
]
for _case in HOSTILE_CONFIGS:
    if _case.what.startswith("a pkg://"):
        _case.pythonpath = "site"
    if "--config-dir" in _case.what:
        _case.names = ["--config-dir", "not supported"]


FAULTS: list[Fault] = [
    Fault(
        "a job raises an exception",
        "one failed job with its error in the sweep tables; the other jobs ok; exit 1",
        "tests/test_sweep.py::test_failing_job_keeps_the_others_lists_the_error_and_exits_nonzero",
    ),
    Fault(
        "a job's folder cannot be created (a file in its place)",
        "one failed job with the OS error; the rest run, tables written, exit 1",
        "tests/test_faults.py::test_a_job_folder_that_is_a_file_fails_that_job_only",
    ),
    Fault(
        "a job's folder is read-only",
        "one failed job with the OS error; the rest run, tables written, exit 1",
        "tests/test_faults.py::test_a_read_only_job_folder_fails_that_job_only",
    ),
    Fault(
        "a job's folder cannot be created, parallel sweep (joblib)",
        "one failed job with the OS error; the rest run, tables written, exit 1",
        "tests/test_faults.py::test_a_job_folder_that_is_a_file_fails_that_job_only_in_parallel",
    ),
    Fault(
        "a sharded sweep's job folder cannot be created: the shard's first (Hydra's) or second "
        "(the app's), serial, joblib or submitit_local",
        "that configuration alone failed with the OS error; the rest of its shard runs, tables "
        "written, exit 1",
        "tests/test_faults.py::test_a_folder_that_is_a_file_fails_one_configuration_of_a_shard",
    ),
    Fault(
        "the sweep is killed (SIGKILL) mid-job",
        "finished jobs kept; aggregate lists the rest; resume=true gives the uninterrupted tables",
        "tests/test_sweep.py::test_killed_sweep_resumes_to_the_uninterrupted_tables",
    ),
    Fault(
        "Ctrl-C (SIGINT) mid-sweep",
        "one line with what finished and the command that finishes it; exit 130; resume gives "
        "the uninterrupted tables",
        "tests/test_sweep.py::test_ctrl_c_prints_one_line_with_the_command_that_finishes_the_sweep",
    ),
    Fault(
        "the parent of a parallel sweep is killed (SIGKILL)",
        "no worker writes into the sweep folder afterwards; workers exit",
        "tests/test_faults.py::test_workers_stop_writing_when_the_parent_is_killed",
    ),
    Fault(
        "the parent of a parallel sweep is terminated (SIGTERM)",
        "the interrupted line and exit 143; no worker writes into the sweep folder afterwards",
        "tests/test_faults.py::test_workers_stop_writing_when_the_parent_is_terminated",
    ),
    Fault(
        "the parent of a sharded parallel sweep is killed (SIGKILL)",
        "no worker writes into the sweep folder afterwards, nor starts its shard's next "
        "configuration; workers exit",
        "tests/test_faults.py::test_sharded_workers_stop_writing_when_the_parent_is_killed",
    ),
    Fault(
        "a finished job's table is deleted, another's edited",
        "resume=true runs those two jobs again (the manifest's SHA-256 no longer matches)",
        "tests/test_sweep.py::test_resume_reruns_a_job_whose_tables_were_deleted_or_changed",
    ),
    Fault(
        "a finished job's config changed",
        "resume=true runs it again (config hash)",
        "tests/test_sweep.py::test_resume_reruns_a_job_whose_config_changed",
    ),
    Fault(
        "a job's manifest.json is corrupt (half-written JSON)",
        "counted as incomplete; resume=true runs that job again, the tables are the same",
        "tests/test_faults.py::test_a_corrupt_manifest_makes_the_job_run_again",
    ),
    Fault(
        "a write fails half-way (exception while writing a file)",
        "the old file is intact, no temporary file is left",
        "tests/test_faults.py::test_an_interrupted_write_leaves_the_old_file_and_no_temporary",
    ),
    Fault(
        "two sweeps started in the same second",
        "each writes to its own folder",
        "tests/test_sweep.py::test_two_sweeps_started_together_get_different_dirs",
    ),
    Fault(
        "a $ in an arm's label (invalid mathtext)",
        "the figures are drawn with the label as text",
        "tests/test_plots.py::test_dollar_signs_in_arm_names_are_text_not_math",
    ),
    Fault(
        "the run folder cannot be created (single run)",
        "one error line naming the folder, exit 1, no traceback",
        "tests/test_faults.py::test_a_run_folder_that_cannot_be_created_is_one_line",
    ),
]
