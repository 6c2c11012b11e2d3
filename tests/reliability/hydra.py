"""Hydra's own options, output paths, configs as data on every path."""

from __future__ import annotations

from tests.reliability.kinds import (
    BAD,
    HOSTILE,
    STEP,
    USE_FILES,
    Case,
    Fault,
    bad,
    bad_strategy,
    strategy_body,
)

#: How docs/reliability.md names this entry point.
TITLE = "Hydra's own options and output paths"

#: A quick single run and a quick sweep: a case that is not refused finishes in seconds.
SMALL = ["population.size=20", "replications=1", "horizon_days=5", "strategy=[entitlement]"]
SWEEP = ["-m", "seed=1,2", *SMALL]
#: The user's own files where a careless output folder would write.
USERS_FILES = {"config.yaml": "mine: true\n", "metrics.csv": "a,b\n1,2\n"}
_GLOBAL = "# @package _global_\n"
_ARM = "strategy:\n  pwn:\n    steps: [" + STEP + "]\n"
#: A "billion laughs": nine levels of nine aliases, 9**9 values once expanded.
_BOMB = (
    "bomb:\n  steps: ["
    + STEP
    + "]\n  label: &a0 x\n"
    + "".join(f"  l{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10))
)


def _out(
    what: str, *args: str, names: tuple[str, ...], files: dict[str, str] | None = None
) -> Case:
    """An output folder a run or a sweep must not write into."""
    return Case(BAD, what, list(args), list(names), dict(files or {}))


def _pkg(what: str, *args: str) -> Case:
    """A ``pkg://`` search path on a side path (help pages): the module must not be imported."""
    return Case(
        HOSTILE,
        what,
        ["hydra.searchpath=[pkg://pwnpkg]", *args],
        ["pkg://pwnpkg"],
        {"site/pwnpkg/__init__.py": "open({marker!r}, 'w').close()\n"},
        pythonpath="site",
    )


def _env(
    what: str, *args: str, files: dict[str, str] | None = None, names: tuple[str, ...] = ("oc.env",)
) -> Case:
    """A value that reads the environment, on a path that prints it."""
    return Case(HOSTILE, what, list(args), list(names), dict(files or {}))


def _hydra_file(what: str, rel: str, text: str, *args: str, names: tuple[str, ...]) -> Case:
    """A user's config file that sets Hydra's own settings."""
    return Case(HOSTILE, what, [USE_FILES, *args], list(names), {rel: text})


CASES: list[Case] = [
    # --- Output folders (docs/outputs.md) ------------------------------------------------------
    _out(
        "hydra.run.dir empty (an unset shell variable)",
        "hydra.run.dir=",
        *SMALL,
        names=("hydra.run.dir", "current folder"),
    ),
    _out("hydra.run.dir blank", "hydra.run.dir=' '", *SMALL, names=("hydra.run.dir",)),
    _out(
        "hydra.run.dir=. (the current folder)",
        "hydra.run.dir=.",
        *SMALL,
        names=("hydra.run.dir", "the current folder"),
    ),
    _out(
        "hydra.run.dir=.. (a parent of the current folder)",
        "hydra.run.dir=..",
        *SMALL,
        names=("hydra.run.dir", "a parent of the current folder"),
    ),
    _out("hydra.run.dir=/ (the root)", "hydra.run.dir=/", *SMALL, names=("hydra.run.dir", "'/'")),
    _out(
        "hydra.run.dir into a folder of the user's files",
        "hydra.run.dir={dir}",
        *SMALL,
        names=("hydra.run.dir", "config.yaml", "did not write"),
        files=USERS_FILES,
    ),
    _out(
        "hydra.run.dir into a folder holding one file",
        "hydra.run.dir={dir}",
        *SMALL,
        names=("hydra.run.dir", "notes.txt", "did not write"),
        files={"notes.txt": "mine\n"},
    ),
    _out(
        "hydra.run.dir reaching the user's folder through ..",
        "hydra.run.dir={dir}/new/..",
        *SMALL,
        names=("hydra.run.dir", "did not write"),
        files=USERS_FILES,
    ),
    _out(
        "hydra.run.dir from Hydra's own cwd",
        "hydra.run.dir=${hydra:runtime.cwd}",
        *SMALL,
        names=("hydra.run.dir", "the current folder"),
    ),
    _out(
        "hydra.run.dir with an unknown resolver",
        "hydra.run.dir=out_${nope:x}",
        *SMALL,
        names=("hydra.run.dir", "known before the run"),
    ),
    _out(
        "hydra.sweep.dir empty",
        *SWEEP,
        "hydra.sweep.dir=",
        names=("hydra.sweep.dir", "current folder"),
    ),
    _out(
        "hydra.sweep.dir=.",
        *SWEEP,
        "hydra.sweep.dir=.",
        names=("hydra.sweep.dir", "the current folder"),
    ),
    _out(
        "hydra.sweep.dir into a folder of the user's files",
        *SWEEP,
        "hydra.sweep.dir={dir}",
        names=("hydra.sweep.dir", "config.yaml"),
        files=USERS_FILES,
    ),
    _out("hydra.sweep.dir=/", *SWEEP, "hydra.sweep.dir=/", names=("hydra.sweep.dir",)),
    _out(
        "hydra.sweep.subdir climbing out (../../../../x_${hydra.job.num})",
        *SWEEP,
        "hydra.sweep.dir={tmp}/sweep",
        "hydra.sweep.subdir=../../../../x_${hydra.job.num}",
        names=("hydra.sweep.subdir", "without '..'"),
    ),
    _out(
        "hydra.sweep.subdir absolute",
        *SWEEP,
        "hydra.sweep.dir={tmp}/sweep",
        "hydra.sweep.subdir={tmp}/abs_${hydra.job.num}",
        names=("hydra.sweep.subdir",),
    ),
    _out(
        "hydra.sweep.subdir=. (jobs in the sweep's root)",
        *SWEEP,
        "hydra.sweep.dir={tmp}/sweep",
        "hydra.sweep.subdir=.",
        names=("hydra.sweep.subdir",),
    ),
    _out(
        "hydra.sweep.subdir empty",
        *SWEEP,
        "hydra.sweep.dir={tmp}/sweep",
        "hydra.sweep.subdir=",
        names=("hydra.sweep.subdir",),
    ),
    _out(
        "two jobs in one folder (hydra.sweep.subdir=same)",
        *SWEEP,
        "hydra.sweep.dir={tmp}/sweep",
        "hydra.sweep.subdir=same",
        names=("hydra.sweep.subdir", "jobs 0 and 1"),
    ),
    _out(
        "hydra.sweep.subdir climbing out through a value",
        *SWEEP,
        "hydra.sweep.dir={tmp}/sweep",
        "hydra.sweep.subdir=../x_${seed}",
        names=("hydra.sweep.subdir", "../x_1"),
    ),
    _out(
        "hydra.output_subdir absolute (Hydra's config.yaml elsewhere)",
        *SMALL,
        "hydra.run.dir={tmp}/run",
        "hydra.output_subdir={tmp}/hy",
        names=("hydra.output_subdir",),
    ),
    _out(
        "hydra.output_subdir climbing out",
        *SMALL,
        "hydra.run.dir={tmp}/run",
        "hydra.output_subdir=../hy",
        names=("hydra.output_subdir", "without '..'"),
    ),
    _out(
        "hydra.output_subdir=. (over the run's own config.yaml)",
        *SMALL,
        "hydra.run.dir={tmp}/run",
        "hydra.output_subdir=.",
        names=("hydra.output_subdir",),
    ),
    _out(
        "hydra.output_subdir climbing out of a sweep job",
        *SWEEP,
        "hydra.sweep.dir={tmp}/sweep",
        "hydra.output_subdir=../../x",
        names=("hydra.output_subdir",),
    ),
    # --- Configs are data on the help pages ----------------------------------------------------
    _pkg("a pkg:// search path with --help", "--help"),
    _pkg("a pkg:// search path with --hydra-help", "--hydra-help"),
    Case(
        HOSTILE,
        "a pkg:// search path with -m --help",
        ["-m", "--help", "hydra.searchpath=[pkg://pwnpkg]", "seed=1,2"],
        ["pkg://pwnpkg"],
        {"site/pwnpkg/__init__.py": "open({marker!r}, 'w').close()\n"},
        pythonpath="site",
    ),
    _env(
        "the help template reading the environment", "hydra.help.template=${oc.env:HOME}", "--help"
    ),
    _env("the help header reading the environment", "hydra.help.header=${oc.env:HOME}", "--help"),
    _env(
        "Hydra's help template reading the environment",
        "hydra.hydra_help.template=${oc.env:HOME}",
        "--hydra-help",
    ),
    _env(
        "a value reading the environment, with --help",
        "strategy.benefit_led.label=${oc.env:HOME}",
        "--help",
    ),
    _env("${oc.env:...} with spaces inside", "strategy.benefit_led.label='${ oc.env : HOME }'"),
    _env(
        "${oc.env:...} inside ${oc.decode:...}",
        USE_FILES,
        "strategy=[entitlement,pwn]",
        files={
            "strategy/pwn.yaml": "pwn:\n  label: \"${oc.decode:'${oc.env:HOME}'}\"\n"
            "  steps: [" + STEP + "]\n"
        },
    ),
    _env(
        "a strategy file reading the environment, with --help",
        USE_FILES,
        "strategy=[entitlement,pwn]",
        "--help",
        files={"strategy/pwn.yaml": "pwn:\n  label: '${oc.env:HOME}'\n  steps: [" + STEP + "]\n"},
    ),
    # A second stage: an interpolation built while the config resolves (caught unresolved).
    _env(
        "a resolver named by another value (${${x}:HOME} with x: oc.env) in a strategy file",
        USE_FILES,
        "strategy=[entitlement,pwn]",
        files={
            "strategy/pwn.yaml": "pwn:\n  label: '${${strategy.entitlement.label}:HOME}'\n"
            "  steps: [" + STEP + "]\n"
        },
        names=("strategy.pwn.label", "cannot itself be an interpolation"),
    ),
    _env(
        "a resolver named by another value, in the help template",
        "hydra.help.header=oc.env",
        "hydra.help.template='${${hydra.help.header}:HOME}'",
        "--help",
        names=("hydra.help.template", "cannot itself be an interpolation"),
    ),
    _env(
        "oc.decode of an escaped ${oc.env:...} built from pieces",
        "strategy.entitlement.label=oc.env",
        "strategy.benefit_led.label='\\${${strategy.entitlement.label}:HOME}'",
        "strategy.bombard.label='${oc.decode:${strategy.benefit_led.label}}'",
        names=("strategy.benefit_led.label", "cannot itself be an interpolation"),
    ),
    _env(
        "oc.create of text built at run time",
        USE_FILES,
        "strategy=[entitlement,pwn]",
        files={
            "strategy/pwn.yaml": "pwn:\n  label: '${oc.create:${strategy.entitlement.label}}'\n"
            "  steps: [" + STEP + "]\n"
        },
        names=("oc.create",),
    ),
    _env(
        "an unknown resolver",
        "strategy.benefit_led.label='${shell:id}'",
        names=("'shell'", "not one a config may call"),
    ),
    # --- Hydra's own settings from a user's config file ----------------------------------------
    _hydra_file(
        "a strategy file setting hydra.mode: MULTIRUN",
        "strategy/pwn.yaml",
        _GLOBAL + "hydra:\n  mode: MULTIRUN\n" + _ARM,
        "strategy=[entitlement,pwn]",
        names=("strategy/pwn.yaml", "hydra.mode", "MULTIRUN"),
    ),
    _hydra_file(
        "a strategy file moving the run's folder",
        "strategy/pwn.yaml",
        _GLOBAL + "hydra:\n  run:\n    dir: .\n" + _ARM,
        "strategy=[entitlement,pwn]",
        names=("strategy/pwn.yaml", "hydra.run.dir"),
    ),
    _hydra_file(
        "a strategy file choosing a launcher in its defaults",
        "strategy/pwn.yaml",
        "defaults:\n  - override /hydra/launcher: joblib\n" + strategy_body("pwn"),
        "strategy=[entitlement,pwn]",
        names=("strategy/pwn.yaml", "hydra/launcher"),
    ),
    _hydra_file(
        "a population file in Hydra's package (# @package hydra.run)",
        "population/pwn.yaml",
        "# @package hydra.run\ndir: .\n",
        "population=pwn",
        names=("population/pwn.yaml", "hydra.run.dir"),
    ),
    _hydra_file(
        "an experiment of one's own setting the sweep's folder",
        "experiment/pwn.yaml",
        _GLOBAL + "hydra:\n  sweep:\n    dir: /\nseed: 3\n",
        "+experiment=pwn",
        names=("experiment/pwn.yaml", "hydra.sweep.dir"),
    ),
    _hydra_file(
        "a strategy file setting hydra.output_subdir",
        "strategy/pwn.yaml",
        _GLOBAL + "hydra:\n  output_subdir: /tmp\n" + _ARM,
        "strategy=[entitlement,pwn]",
        names=("hydra.output_subdir",),
    ),
    _hydra_file(
        "a file in package _global_.hydra",
        "strategy/pwn.yaml",
        "# @package _global_.hydra\nmode: MULTIRUN\n",
        "strategy=[entitlement,pwn]",
        names=("strategy/pwn.yaml", "mode"),
    ),
    Case(
        HOSTILE,
        "a population placed at the root by a defaults entry (population@_global_)",
        [USE_FILES, "strategy=[entitlement,pwn]"],
        ["population/evil.yaml", "hydra.mode"],
        {
            "strategy/pwn.yaml": "defaults:\n  - /population@_global_: evil\n"
            + strategy_body("pwn"),
            "population/evil.yaml": "hydra:\n  mode: MULTIRUN\n",
        },
    ),
    _hydra_file(
        "a hydra key in a population file placed at the root on the command line",
        "population/evil.yaml",
        "hydra:\n  mode: MULTIRUN\n",
        "+population@_global_=evil",
        names=("population/evil.yaml", "hydra.mode"),
    ),
    _hydra_file(
        "an optional Hydra group in a strategy's defaults",
        "strategy/pwn.yaml",
        "defaults:\n  - optional /hydra/launcher: joblib\n" + strategy_body("pwn"),
        "strategy=[entitlement,pwn]",
        names=("strategy/pwn.yaml", "hydra/launcher"),
    ),
    # --- YAML that cannot be composed safely ---------------------------------------------------
    bad_strategy(
        "an alias bomb (billion laughs) in a strategy file",
        "bomb",
        _BOMB,
        "strategy/bomb.yaml",
        "aliases",
    ),
    bad_strategy("a NUL byte in a strategy file", "nul", strategy_body("nul") + "\x00\n", "nul"),
    bad_strategy(
        "stop_on: positive (a scalar where a list goes)",
        "so",
        strategy_body("so", extra="  stop_on: positive\n"),
        "stop_on",
        "a list is needed",
    ),
    bad(
        "stop_on=positive on the command line",
        "strategy.benefit_led.stop_on=positive",
        names=("stop_on", "a list is needed"),
    ),
    bad(
        "steps=email on the command line",
        "strategy.benefit_led.steps=email",
        names=("steps", "a list is needed"),
    ),
    bad(
        "relationship_mix a number",
        "population.relationship_mix=5",
        names=("relationship_mix", "a mapping"),
    ),
    # --- Overrides Hydra's grammar cannot read: quote them -------------------------------------
    bad("an accented value unquoted", "seed=café", names=("seed=café", "quoted")),
    bad("braces unquoted", "seed={1}", names=("seed={1}", "quoted")),
    bad("an emoji in an arm's name", "strategy=[entitlement,🙂]", names=("quoted",)),
    bad(
        "a shell substitution left in",
        "strategy.benefit_led.label=$(id)",
        names=("label", "quoted"),
    ),
    bad("a search path not a folder list", "hydra.searchpath=[file://{dir}", names=("searchpath",)),
    # --- The program's own callback ----------------------------------------------------------
    Case(
        BAD,
        "the sweep callback removed (~hydra.callbacks.sweep): no sweep tables",
        [*SWEEP, "~hydra.callbacks.sweep", "hydra.sweep.dir={tmp}/sweep"],
        ["hydra.callbacks", "sim.cli.sweep.SweepCallback"],
    ),
    Case(
        BAD,
        "the sweep callback replaced by another name",
        [
            *SWEEP,
            "~hydra.callbacks.sweep",
            "+hydra.callbacks.mine._target_=sim.cli.sweep.SweepCallback",
        ],
        ["hydra.callbacks"],
    ),
    # --- More side paths ------------------------------------------------------------------------
    _env(
        "hydra.job.env_copy of a secret (its value would be in the error)",
        "hydra.job.env_copy=[HOME]",
        names=("env_copy",),
    ),
    Case(
        BAD,
        "hydra.job.env_copy of an unset variable",
        ["hydra.job.env_copy=[NOPE_UNSET]"],
        ["hydra.job.env_copy", "environment"],
    ),
    _env(
        "hydra.job.env_copy inside a hydra.job mapping",
        "hydra.job={env_copy:[HOME]}",
        names=("env_copy",),
    ),
    _env(
        "hydra.job.env_copy with --help",
        "+hydra.job.env_copy=[HOME]",
        "--help",
        names=("env_copy",),
    ),
    Case(
        HOSTILE,
        "an alias bomb with --help",
        [USE_FILES, "--help"],
        ["strategy/bomb.yaml", "aliases"],
        {"strategy/bomb.yaml": _BOMB},
    ),
    Case(
        HOSTILE,
        "an alias bomb in a sweep",
        [*SWEEP, USE_FILES],
        ["strategy/bomb.yaml", "aliases"],
        {"strategy/bomb.yaml": _BOMB},
    ),
    Case(
        HOSTILE,
        "an alias bomb with --cfg job",
        [USE_FILES, "--cfg", "job"],
        ["strategy/bomb.yaml", "aliases"],
        {"strategy/bomb.yaml": _BOMB},
    ),
    _hydra_file(
        "hydra.mode from a file, with --hydra-help",
        "strategy/pwn.yaml",
        _GLOBAL + "hydra:\n  mode: MULTIRUN\n" + _ARM,
        "--hydra-help",
        names=("strategy/pwn.yaml", "hydra.mode"),
    ),
    bad_strategy(
        "a recursive alias", "loop", "loop: &l\n  steps: [" + STEP + "]\n  me: *l\n", "loop"
    ),
    bad_strategy(
        "a tab in the indentation",
        "tab",
        "tab:\n\tsteps: [" + STEP + "]\n",
        "strategy/tab.yaml",
        "YAML",
        "line 2",
    ),
    _out(
        "hydra.output_subdir empty",
        *SMALL,
        "hydra.run.dir={tmp}/run",
        "hydra.output_subdir=",
        names=("hydra.output_subdir",),
    ),
    _out(
        "a job folder climbing out through override_dirname",
        "-m",
        "seed=1,2",
        "strategy.entitlement.label=../../../x",
        "hydra.sweep.dir={tmp}/sweep",
        "hydra.sweep.subdir=${hydra.job.override_dirname}",
        *SMALL,
        names=("hydra.sweep.subdir", "without '..'"),
    ),
    Case(
        HOSTILE,
        "a search path of the whole disk (file:///): only its group folders are read",
        ["hydra.searchpath=[file:///]", "strategy=[entitlement,mine]"],
        ["strategy", "mine"],
    ),
    Case(
        HOSTILE,
        "an alias bomb in a group of one's own, named by a strategy's defaults list",
        [USE_FILES, "strategy=[entitlement,pwn]"],
        ["evil/bomb.yaml", "aliases"],
        {
            "strategy/pwn.yaml": "defaults:\n  - /evil: bomb\n" + strategy_body("pwn"),
            "evil/bomb.yaml": _BOMB,
        },
    ),
    Case(
        HOSTILE,
        "an alias bomb in a group of one's own, added on the command line",
        [USE_FILES, "+evil=bomb"],
        ["evil/bomb.yaml", "aliases"],
        {"evil/bomb.yaml": _BOMB},
    ),
    Case(
        BAD,
        "a NUL byte in a file of a group of one's own, named by a population's defaults",
        [USE_FILES, "population=mine"],
        ["extra/x.yaml"],
        {
            "population/mine.yaml": "defaults:\n  - /extra/x\nsize: 30\n",
            "extra/x.yaml": "a: 1\n\x00",
        },
    ),
]

FAULTS: list[Fault] = [
    Fault(
        "sim.run.registry.compose (and compose_all) with hydra.searchpath=[pkg://MODULE]",
        "a ConfigError naming pkg://MODULE; the module is not imported (no marker file)",
        "tests/test_registry_hostile.py::test_registry_compose_refuses_a_pkg_searchpath_without_importing",
    ),
    Fault(
        "sim.run.registry.compose with ${oc.env:SECRET} in an override",
        "a ConfigError naming the key, 'cannot read the environment'; the secret in no message",
        "tests/test_registry_hostile.py::test_registry_compose_does_not_resolve_the_environment",
    ),
    Fault(
        "sim.run.registry.compose with a strategy file setting hydra.mode: MULTIRUN",
        "a ConfigError naming the file and hydra.mode",
        "tests/test_registry_hostile.py::test_registry_compose_refuses_hydra_settings_in_a_users_file",
    ),
    Fault(
        "a strategy file saved in Latin-1 (not UTF-8)",
        "exit 2, one line naming strategy/NAME.yaml, UTF-8 and the byte; nothing written",
        "tests/test_registry_hostile.py::test_a_latin1_strategy_file_is_named",
    ),
    Fault(
        "a config file larger than the bound (4 MiB; lowered in the test)",
        "refused before it is parsed, naming the file and its size",
        "tests/test_registry_hostile.py::test_a_config_file_too_large_is_refused_before_it_is_read",
    ),
    Fault(
        "hydra.run.dir=$HOME, or a parent of the current folder",
        "exit 2, one line naming the home folder (or the parent); nothing written",
        "tests/test_registry_hostile.py::test_the_home_folder_is_not_an_output_folder",
    ),
    Fault(
        "an output folder that exists: the program's own (a sweep to resume) or the user's",
        "a sweep's or a job's folder is reused; a folder with a file the program did not "
        "write is named",
        "tests/test_registry_hostile.py::test_the_programs_own_folders_are_reused_and_others_refused",
    ),
    Fault(
        "shell completion (TAB: -sc query=bash) of a line with hydra.searchpath=[pkg://MODULE]",
        "exit 2, one line naming pkg://MODULE; the module is not imported (no marker file)",
        "tests/test_registry_hostile.py::test_shell_completion_does_not_import_a_pkg_searchpath",
    ),
    Fault(
        "a search-path folder holding a Latin-1 file outside any config group",
        "the run composes (only what Hydra could read is read); the same file in a group an "
        "override names is refused, naming it",
        "tests/test_registry_hostile.py::test_only_the_folders_hydra_could_read_are_checked",
    ),
    Fault(
        "a single run into a folder holding a metrics.csv of the user's, then of an earlier run",
        "refused naming metrics.csv while the folder holds no manifest; accepted once it does",
        "tests/test_registry_hostile.py::test_a_run_folder_the_program_wrote_is_accepted_again",
    ),
]
