"""Sweeps, resources and faults of ``outreach-sim``; ``sim.api`` called from Python.

The command line's cases: a sweep with no job or too many, parallel workers joblib cannot run or
the machine cannot hold, weights whose total overflows, and runs too large for this machine's
memory or for an hour of simulation (sim.model.cost; every case here is refused whatever the
machine: by memory on a small one, by time on a large one). ``sim.api`` is called from Python,
not a command: its cases are tests (tests/test_api_inputs.py), each a row of the faults table,
as are the faults a real process must meet (a full disk, a read-only folder, SIGKILL).
"""

from __future__ import annotations

from tests.reliability.kinds import BAD, USE_FILES, Case, Fault, bad

#: How docs/reliability.md names this entry point.
TITLE = "sweeps, resources and `sim.api`"

SMALL = ("population.size=50", "replications=1", "horizon_days=10", "strategy=[entitlement]")
JOBLIB = ("hydra/launcher=joblib",)
ONE_ARM = ("strategy=[entitlement]",)


def _sweep(what: str, *args: str, names: tuple[str, ...]) -> Case:
    """A sweep (``-m``) that must be refused before its folder exists."""
    return bad(what, "-m", *args, names=names)


def _long_strategy(what: str, steps: int, *args: str, names: tuple[str, ...]) -> Case:
    """A strategy ``long`` of ``steps`` email steps (ten a day) from the user's folder."""
    body = ", ".join(
        f"{{day: {k // 10}, channel: email, message: benefit_led}}" for k in range(steps)
    )
    return Case(
        BAD,
        what,
        [USE_FILES, "strategy=[long]", "baseline=long", *args],
        list(names),
        {"strategy/long.yaml": f"long:\n  steps: [{body}]\n"},
    )


SWEEPS: list[Case] = [
    _sweep(
        "empty sweep: range(0,0)",
        "seed=range(0,0)",
        *SMALL,
        names=("seed=range(0,0)", "at least one value"),
    ),
    _sweep("empty sweep: a reversed range", "seed=range(5,0)", *SMALL, names=("seed=range(5,0)",)),
    _sweep(
        "empty sweep: a range stepping away from its end",
        "seed=range(0,10,-1)",
        *SMALL,
        names=("seed=range(0,10,-1)",),
    ),
    _sweep(
        "empty sweep beside a full one",
        "seed=1,2",
        "population.size=range(9,9)",
        *SMALL[1:],
        names=("population.size=range(9,9)",),
    ),
    _sweep(
        "empty sweep in hydra.sweeper.params",
        "hydra.sweeper.params.seed=range(0,0)",
        *SMALL,
        names=("range(0,0)", "at least one value"),
    ),
    _sweep("empty sweep, parallel", "seed=range(0,0)", *SMALL, *JOBLIB, names=("seed=range(0,0)",)),
    bad(
        "empty sweep shown with --cfg",
        "--cfg",
        "job",
        "-m",
        "seed=range(3,1)",
        *SMALL,
        names=("seed=range(3,1)",),
    ),
    _sweep(
        "a sweep of 10^8 jobs",
        "seed=range(0,100000000)",
        *SMALL,
        names=("seed=range(0,100000000)", "100,000"),
    ),
    _sweep(
        "two sweeps whose product is 990,000 jobs",
        "seed=range(0,1000)",
        "population.size=range(100,10000,10)",
        *SMALL[1:],
        names=("seed=range(0,1000)", "990,000"),
    ),
    _sweep("sweep over an empty choice()", "seed=choice()", *SMALL, names=("seed=choice()",)),
]

WORKERS: list[Case] = [
    _sweep(
        "joblib n_jobs -5",
        "seed=1,2",
        *SMALL,
        *JOBLIB,
        "hydra.launcher.n_jobs=-5",
        names=("hydra.launcher.n_jobs=-5", "-1 for one per CPU"),
    ),
    _sweep(
        "joblib n_jobs 0",
        "seed=1,2",
        *SMALL,
        *JOBLIB,
        "hydra.launcher.n_jobs=0",
        names=("hydra.launcher.n_jobs=0",),
    ),
    _sweep(
        "joblib n_jobs -2",
        "seed=1,2",
        *SMALL,
        *JOBLIB,
        "hydra.launcher.n_jobs=-2",
        names=("hydra.launcher.n_jobs=-2",),
    ),
    _sweep(
        "joblib n_jobs not a number",
        "seed=1,2",
        *SMALL,
        *JOBLIB,
        "hydra.launcher.n_jobs=many",
        names=("n_jobs", "many"),
    ),
    _sweep(
        "joblib n_jobs a fraction",
        "seed=1,2",
        *SMALL,
        *JOBLIB,
        "hydra.launcher.n_jobs=1.5",
        names=("n_jobs", "1.5"),
    ),
    _sweep(
        "joblib n_jobs 100,000 workers",
        "seed=1,2",
        *SMALL,
        *JOBLIB,
        "hydra.launcher.n_jobs=100000",
        names=("hydra.launcher.n_jobs=100000", "fit in memory", "GiB"),
    ),
    _sweep(
        "joblib n_jobs 100,000 over an empty sweep",
        "seed=range(0,0)",
        *SMALL,
        *JOBLIB,
        "hydra.launcher.n_jobs=100000",
        names=("seed=range(0,0)",),
    ),
    bad(
        "n_jobs on the basic launcher",
        "-m",
        "seed=1,2",
        *SMALL,
        "hydra.launcher.n_jobs=-5",
        names=("n_jobs",),
    ),
]

WEIGHTS: list[Case] = [
    bad(
        "relationship mix of 1e308 twice (overflow)",
        *SMALL,
        "population.relationship_mix.stranger=1e308",
        "population.relationship_mix.client=1e308",
        names=("population.relationship_mix.", "1e+308", "finite"),
    ),
    bad(
        "relationship mix of 1e308 three times",
        *SMALL,
        "population.relationship_mix.stranger=1e308",
        "population.relationship_mix.met_once=1e308",
        "population.relationship_mix.client=1e308",
        names=("population.relationship_mix.", "finite"),
    ),
    bad(
        "relationship mix all zero",
        *SMALL,
        "population.relationship_mix.stranger=0",
        "population.relationship_mix.met_once=0",
        "population.relationship_mix.client=0",
        names=("population.relationship_mix", "a positive total"),
    ),
    bad(
        "relationship mix infinite",
        *SMALL,
        "population.relationship_mix.stranger=inf",
        names=("population.relationship_mix.stranger", "finite"),
    ),
    bad(
        "channel preference of 1e308 twice (overflow)",
        *SMALL,
        "population.channel_preference.email=1e308",
        "population.channel_preference.sms=1e308",
        names=("population.channel_preference.", "1e+308", "finite"),
    ),
    bad(
        "account weights of 1e308 twice (overflow)",
        *SMALL,
        "population.accounts.sizes=[1,2]",
        "population.accounts.weights=[1e308,1e308]",
        names=("population.accounts.weights[0]=1e+308", "finite"),
    ),
]

SIZES: list[Case] = [
    bad(
        "fifty million prospects, 40 replicates",
        *ONE_ARM,
        "population.size=50000000",
        "replications=40",
        names=("population.size=50000000",),
    ),
    bad(
        "twenty million prospects, 100 replicates",
        *ONE_ARM,
        "population.size=20000000",
        "replications=100",
        names=("population.size=20000000",),
    ),
    bad("replications of 200,000", "replications=200000", names=("replications=200000",)),
    bad("worlds of ten million", "worlds=10000000", names=("worlds=10000000",)),
    bad("horizon of 2e7 days", "horizon_days=2e7", names=("horizon_days=20000000.0",)),
    bad(
        "list multiplier of 2,000 on a million prospects",
        "population.size=1000000",
        "strategy.high_volume.list_multiplier=2000",
        names=("strategy.high_volume.list_multiplier=2000.0", "GiB"),
    ),
    bad(
        "cool-down of 500,000 cycles",
        "strategy.cooldown_heatup.cooldown.cycles=500000",
        names=("strategy.cooldown_heatup.cooldown.cycles=500000",),
    ),
    _sweep(
        "a sweep whose second job is fifty million prospects",
        "population.size=1000,50000000",
        *ONE_ARM,
        "replications=40",
        names=("population.size=50000000",),
    ),
    _long_strategy(
        "a strategy of 800 steps over 2,000 days, 60 replicates",
        800,
        "horizon_days=2000",
        "replications=60",
        names=("strategy.long.steps=[... 800 steps]",),
    ),
]

CASES: list[Case] = [*SWEEPS, *WORKERS, *WEIGHTS, *SIZES]

_API = "tests/test_api_inputs.py::"
FAULTS: list[Fault] = [
    Fault(
        "sim.api.simulate(None)",
        "ConfigError 'cfg=None is not allowed: an ExperimentConfig ...'",
        _API + "test_simulate_refuses_none",
    ),
    Fault(
        "sim.api.simulate of a string or a DictConfig",
        "ConfigError naming cfg and the type given",
        _API + "test_simulate_refuses_a_string_and_a_dictconfig",
    ),
    Fault(
        "sim.api.run_arms(None, checked=True)",
        "ConfigError naming cfg",
        _API + "test_run_arms_refuses_none_even_when_said_to_be_checked",
    ),
    Fault(
        "sim.api.sweep with a string as base",
        "ConfigError 'base=... a list of overrides'",
        _API + "test_sweep_refuses_a_string_as_base",
    ),
    Fault(
        "sim.api.sweep with a number in base",
        "ConfigError naming base[3]",
        _API + "test_sweep_refuses_a_base_item_that_is_not_a_string",
    ),
    Fault(
        "sim.api.sweep with an empty grid ({} or None)",
        "ConfigError 'grid=... at least one key'",
        _API + "test_sweep_refuses_an_empty_grid",
    ),
    Fault(
        "sim.api.sweep with a grid that is not a dict",
        "ConfigError naming grid",
        _API + "test_sweep_refuses_a_grid_that_is_not_a_dict",
    ),
    Fault(
        "sim.api.sweep(base, {'seed': '12'}) (ran seeds 1 and 2)",
        "ConfigError 'grid['seed']='12' ... a list of values'; nothing runs",
        _API + "test_sweep_refuses_a_string_of_values_instead_of_iterating_it",
    ),
    Fault(
        "sim.api.sweep with None as a key's values",
        "ConfigError naming grid['seed']",
        _API + "test_sweep_refuses_none_as_the_values_of_a_key",
    ),
    Fault(
        "sim.api.sweep with a key of no values",
        "ConfigError 'at least one value' (was pandas' 'No objects to concatenate')",
        _API + "test_sweep_refuses_a_key_with_no_values",
    ),
    Fault(
        "sim.api.sweep with n_jobs=0 (or -2, 1.5, True, '2')",
        "ConfigError 'n_jobs=0 ... a number of processes >= 1, or -1 (one per CPU)'",
        _API + "test_sweep_refuses_a_number_of_processes_that_is_not_one",
    ),
    Fault(
        "sim.api.sweep with a set of values",
        "ConfigError: a list, in the order to run them",
        _API + "test_sweep_refuses_a_set_of_values",
    ),
    Fault(
        "sim.api.sweep with an object as a value",
        "ConfigError naming grid['seed'][1]",
        _API + "test_sweep_refuses_a_value_that_is_no_override_value",
    ),
    Fault(
        "sim.api.sweep with a key 'seed=1' or 3",
        "ConfigError naming the grid key",
        _API + "test_sweep_refuses_a_key_that_is_not_an_override_key",
    ),
    Fault(
        "sim.api.sweep with replications 0, True, '2', 1.5",
        "ConfigError naming replications",
        _API + "test_sweep_refuses_bad_replications",
    ),
    Fault(
        "sim.api.sweep with a None grid value (null seed)",
        "ConfigError 'seed=null is not allowed' (was ConfigCompositionException)",
        _API + "test_sweep_words_a_none_value_as_the_config_does",
    ),
    Fault(
        "sim.api.sweep with an override Hydra cannot parse",
        "ConfigError of one line (was OverrideParseException)",
        _API + "test_sweep_words_an_override_hydra_cannot_parse",
    ),
    Fault(
        "sim.api.sweep with a misspelt key",
        "ConfigError with the settings allowed and a suggestion",
        _API + "test_sweep_words_an_unknown_key_with_the_settings_allowed",
    ),
    Fault(
        "a strategy of 10,000 steps (passed, then 26 GiB and 139 s)",
        "refused by validate, naming strategy.NAME.steps and the GiB it needs",
        "tests/test_cost.py::test_a_strategy_of_ten_thousand_steps_is_refused_naming_its_steps",
    ),
    Fault(
        "population.size=50000000 on a machine with memory enough",
        "refused for time: the hours it would simulate (over MAX_JOB_SECONDS, one hour)",
        "tests/test_cost.py::test_fifty_million_prospects_are_refused",
    ),
    Fault(
        "parallel workers whose jobs together exceed the machine's memory",
        "exit 2, one line naming hydra.launcher.n_jobs and how many jobs run at once",
        "tests/test_sweep_inputs.py::test_workers_are_refused_for_the_jobs_they_run_at_once",
    ),
    Fault(
        "a sweep's disk fills as its tables are written (ENOSPC)",
        "exit 1, one line 'error: the sweep tables could not be written ...' naming the fix "
        "(outreach-sim-aggregate); jobs' results kept, no table and no temporary left (was exit "
        "0 with a UserWarning)",
        "tests/test_faults_sweep.py::test_a_sweep_that_cannot_write_its_tables_exits_1_and_says_so",
    ),
    Fault(
        "a single run's disk fills as it writes its tables (ENOSPC)",
        "exit 1, one line 'error: the run failed: OSError ... No space left on device'; the "
        "folder holds the failed manifest only: no table, no temporary",
        "tests/test_faults_sweep.py::test_a_run_onto_a_full_disk_is_one_line_and_leaves_no_table",
    ),
    Fault(
        "a read-only sweep root, or its read-only parent",
        'exit 1, one line "error: the sweep\'s folder ... cannot be written", nothing written '
        "(was a traceback)",
        "tests/test_faults_sweep.py::test_a_read_only_sweep_root_is_one_line",
    ),
    Fault(
        "SIGKILL of a joblib sweep's command while its workers simulate long jobs",
        "every process of its session (loky workers, both resource trackers) gone and the "
        "terminal's pipe closed within 10 s (0.5 s measured; was the rest of the job: 20-28 s "
        "measured, 60-200 s reported); nothing written after the kill",
        "tests/test_faults_sweep.py::test_a_killed_sweeps_workers_and_trackers_exit_promptly",
    ),
]
