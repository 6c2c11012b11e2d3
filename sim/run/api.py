"""The Python API: run an experiment from a config and get its tables as DataFrames."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sim.model.accounts import account_membership
from sim.model.checks import ConfigError
from sim.model.config import ExperimentConfig, validate
from sim.model.draws import stream_key
from sim.model.engine import ArmResult, ArmRun, ModelArrays
from sim.model.population import daily_load_shocks, sample_prospects
from sim.model.seeding import replicate_streams
from sim.model.strategy import Plan, compile_plan
from sim.run.grid import check_sweep_inputs, combinations, compose_grid, override_value
from sim.run.worlds import world_configs

if TYPE_CHECKING:  # pandas is imported once a run's tables are built, not before it
    import pandas as pd


@dataclass
class Results:
    """The tables of one run (design section 5)."""

    metrics: pd.DataFrame
    by_touch: pd.DataFrame
    timeseries: pd.DataFrame
    # A row per (arm, metric): mean, CI, paired difference vs baseline, and the prospects per arm
    # a live A/B test needs to confirm that difference (ab_prospects_per_arm, sim.run.stats).
    summary: pd.DataFrame
    # Across plausible worlds only (worlds=K): a row per (arm, metric, parameter), how much each
    # world parameter drives the difference (sim.run.world_stats.WorldAnswers); else None.
    drivers: pd.DataFrame | None = None
    # The limits that shaped the results, a row per arm and limit (sim.run.metrics.limits_table:
    # rep capacity, mailbox caps, the horizon); empty when none bound. None: not computed.
    warnings: pd.DataFrame | None = None
    # Each compared arm's difference from the baseline in words, a row per directed metric
    # (sim.run.answers.answers_table): "b gets 6.0 points more positive replies than a ...".
    answers: pd.DataFrame | None = None


def arm_sizes(cfg: ExperimentConfig) -> dict[str, int]:
    """Prospects enrolled by each arm: ``population.size`` times its ``list_multiplier``."""
    return {
        name: max(1, round(cfg.population.size * s.list_multiplier))
        for name, s in cfg.strategy.items()
    }


def replicate_runs(
    cfg: ExperimentConfig,
    replicate: int,
    arms: Sequence[str] | None = None,
    plans: Mapping[str, Plan] | None = None,
    **options: Any,
) -> Iterator[ArmRun]:
    """The arms of one replicate, built (not yet run), one at a time.

    Arms of a replicate share the prospects (prefix-stable, so a ``list_multiplier`` arm works a
    longer list with the same head), the load shocks and fresh generators on the same streams:
    common random numbers. Every path that runs arms (:func:`run_arms`, the journey figure, the
    tests that inspect an ``ArmRun``) builds them here. ``plans`` are the compiled strategies
    when the caller has them (compiled once per run, not once per replicate); ``options`` go to
    :class:`ArmRun` (``trace``, ``record_touches``).
    """
    sizes = arm_sizes(cfg)
    streams = replicate_streams(cfg.seed, replicate)
    prospects = sample_prospects(cfg.population, cfg.model, max(sizes.values()), streams.population)
    shocks = daily_load_shocks(cfg.model, math.ceil(cfg.horizon_days) + 1, streams.load)
    model = ModelArrays(cfg.model)
    key = stream_key(streams.population)  # keyed draws: the same for every arm (sim.model.draws)
    # Accounts from the population's seed: the same companies in every arm (None: one each).
    account = account_membership(cfg.population.accounts, streams.population, prospects.n)
    for name in cfg.strategy if arms is None else arms:
        yield ArmRun(
            plans[name] if plans is not None else compile_plan(name, cfg.strategy[name]),
            prospects.head(sizes[name]),
            model,
            cfg.population,
            cfg.reps,
            cfg.horizon_days,
            shocks,
            streams.generator("responses"),
            schedule_rng=streams.generator("schedule"),
            key=key,
            credit=cfg.credit,
            market=cfg.market,
            account=None if account is None else account[: sizes[name]],
            **options,
        )


#: The grid's composer under its earlier name here (sim.run.grid now holds it; other modules,
#: such as an optimizer's evaluation, import it from the API as before).
_compose_grid = compose_grid

#: Seconds a run must have taken before its progress bar appears: short runs print nothing.
PROGRESS_DELAY = 2.0


def run_arms(
    cfg: ExperimentConfig, *, checked: bool = False, progress: bool = False
) -> list[ArmResult]:
    """Run every arm of every replicate; arms of a replicate share prospects and streams.

    With ``cfg.worlds = K >= 2`` the replicates run in each of the model's first ``K`` worlds in
    turn, with the same seed in every world (:mod:`sim.run.worlds`): the results come world
    after world (:func:`sim.run.worlds.world_numbers` tells which is which).

    ``checked``: the config was validated already (:func:`sim.run.registry.to_experiment` does it),
    so it is not checked again. ``progress``: a bar of finished replicates on stderr, shown once
    the run has taken :data:`PROGRESS_DELAY` seconds.
    """
    check_experiment(cfg)
    if not checked:
        validate(cfg)
    plans = {name: compile_plan(name, s, checked=True) for name, s in cfg.strategy.items()}
    worlds = world_configs(cfg) if cfg.worlds else [cfg]
    steps: Iterable[tuple[ExperimentConfig, int]] = [
        (one, r) for one in worlds for r in range(cfg.replications)
    ]
    if progress:
        from tqdm import tqdm  # only a run that shows progress pays for the library

        what = "worlds x replicates" if cfg.worlds else "replicates"
        steps = tqdm(steps, desc=what, unit="rep", delay=PROGRESS_DELAY)
    out: list[ArmResult] = []
    for one, r in steps:
        for arm in replicate_runs(one, r, plans=plans):
            arm.run()
            out.append(arm.result(r, cfg.seed))
            # Free this arm's state before the next is built: peak memory is one arm's state
            # plus one population, whatever the number of arms (and worlds).
            del arm
    return out


def simulate(cfg: ExperimentConfig, *, checked: bool = False, progress: bool = False) -> Results:
    """Run an experiment and return its tables (``checked``, ``progress``: see :func:`run_arms`).

    With ``cfg.worlds = K >= 2`` it runs over the model's plausible worlds and the summary is
    the answer across them (:mod:`sim.run.world_stats`).
    """
    return tables(cfg, run_arms(cfg, checked=checked, progress=progress))


def tables(cfg: ExperimentConfig, arms: Sequence[ArmResult]) -> Results:
    """The tables of ``cfg``'s arms (what :func:`run_arms` returned for it)."""
    # Imported after the simulation: pandas and scipy.stats cost ~70 MB and ~1 s to import, which
    # the simulation's peak memory need not carry (docs/performance.md).
    if cfg.worlds:
        from sim.run.answers import answers_table
        from sim.run.metrics import limits_table
        from sim.run.worlds import world_tables

        found = world_tables(cfg, arms)
        return Results(
            **found,
            warnings=limits_table(found["metrics"]),
            answers=answers_table(found["summary"], cfg.baseline),
        )
    from sim.run.answers import answers_table
    from sim.run.metrics import by_touch_table, limits_table, metrics_table, timeseries_table
    from sim.run.stats import summarize

    metrics = metrics_table(arms)
    summary = summarize(metrics, cfg.baseline)
    return Results(
        metrics=metrics,
        by_touch=by_touch_table(arms),
        timeseries=timeseries_table(arms),
        summary=summary,
        warnings=limits_table(metrics),
        answers=answers_table(summary, cfg.baseline),
    )


def check_experiment(cfg: object, name: str = "cfg") -> None:
    """Refuse what is not an :class:`ExperimentConfig` (None, a string, a DictConfig) at once.

    Raises:
        ConfigError: naming the argument, the value and what is allowed.
    """
    if not isinstance(cfg, ExperimentConfig):
        raise ConfigError(
            name,
            _short(cfg),
            "an ExperimentConfig, as sim.run.registry.compose(['population.size=500']) returns "
            f"(got {type(cfg).__name__})",
        )


def _short(value: object) -> object:
    text = repr(value)
    return value if len(text) <= 80 else text[:77] + "..."


@dataclass
class SweepResults:
    """The tables of a sweep: each run's tables, a row per configuration's row, ``config`` first.

    Every table has ``config`` (the combination's number, in the grid's order) and a column per
    swept key in front of the rows :func:`simulate` gives that configuration.
    """

    metrics: pd.DataFrame
    by_touch: pd.DataFrame
    # Each configuration's summary: means, intervals and paired differences from the baseline.
    summary: pd.DataFrame
    # Each configuration's limits that bound (sim.run.metrics.limits_table): empty when none did.
    warnings: pd.DataFrame
    # Each configuration's comparisons in words (sim.run.answers.answers_table).
    answers: pd.DataFrame


def _run_one(cfg: ExperimentConfig) -> Results:
    """One configuration's tables (a joblib task: module level, so that it pickles)."""
    return tables(cfg, run_arms(cfg))


def sweep(
    base: Sequence[str] = (),
    grid: Mapping[str, Sequence[object]] | None = None,
    *,
    replications: int | None = None,
    progress: bool = True,
    n_jobs: int = 1,
) -> SweepResults:
    """Run every combination of ``grid`` over the ``base`` overrides; tidy tables back.

    The notebook twin of a command-line sweep (like Mesa's ``batch_run``): ``base`` holds
    overrides as the command line takes them (``["population=house_list"]``), ``grid`` maps an
    override key to the values to try (``{"population.size": [500, 1000], "seed": [0, 1]}``);
    every combination is composed (each choice of config groups once,
    :func:`sim.run.registry.compose_all`) and validated, then simulated, with a progress bar on
    stderr: in this process (``n_jobs=1``) or in ``n_jobs`` worker processes (joblib's loky;
    -1: one per CPU), with the same rows either way. Each table's rows are exactly those
    :func:`simulate` gives the configuration (:class:`SweepResults`).

    Raises:
        ConfigError: a bad argument (:func:`check_sweep_inputs`), override or value, at once.
    """
    from tqdm import tqdm  # only sweeps pay for the progress library

    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0 or n_jobs < -1:
        raise ConfigError(
            "n_jobs", _short(n_jobs), "a number of processes >= 1, or -1 (one per CPU)"
        )
    lists = check_sweep_inputs(base, grid, replications)
    # Composed before the first simulation: a typo in the last combination fails fast.
    combos, configs = combinations(base, lists, replications)
    if n_jobs == 1:
        runs: Iterable[Results] = map(_run_one, configs)
    else:
        from joblib import Parallel, delayed

        parallel = Parallel(n_jobs=n_jobs, backend="loky", return_as="generator")
        runs = parallel(delayed(_run_one)(cfg) for cfg in configs)
    bar = tqdm(runs, total=len(configs), desc="configurations", unit="config", disable=not progress)
    frames: dict[str, list[pd.DataFrame]] = {k: [] for k in ("metrics", "by_touch", "summary")}
    frames["warnings"], frames["answers"] = [], []
    for number, (combo, results) in enumerate(zip(combos, bar, strict=True)):
        front = {"config": number, **dict(zip(lists, combo, strict=True))}
        for name, table in (
            ("metrics", results.metrics),
            ("by_touch", results.by_touch),
            ("summary", results.summary),
            ("warnings", _warnings(results)),
            ("answers", _answers(results, configs[number].baseline)),
        ):
            frames[name].append(_with_front(table, front))
    return SweepResults(**{name: _concat(parts) for name, parts in frames.items()})


def _warnings(results: Results) -> pd.DataFrame:
    if results.warnings is not None:
        return results.warnings
    from sim.run.metrics import limits_table

    return limits_table(results.metrics)


def _answers(results: Results, baseline: str) -> pd.DataFrame:
    if results.answers is not None:
        return results.answers
    from sim.run.answers import answers_table

    return answers_table(results.summary, baseline)


def _with_front(table: pd.DataFrame, front: Mapping[str, object]) -> pd.DataFrame:
    """``table`` with ``config`` and the swept keys in front (a key it has, seed, moves there)."""
    table = table.copy()
    for position, (key, value) in enumerate(front.items()):
        if key in table.columns:
            table.insert(position, key, table.pop(key))
        else:
            cell = value if isinstance(value, int | float) else override_value(value)
            table.insert(position, key, [cell] * len(table))
    return table


def _concat(parts: list[pd.DataFrame]) -> pd.DataFrame:
    import pandas as pd

    return pd.concat(parts, ignore_index=True)
