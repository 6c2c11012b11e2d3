"""The Python API: run an experiment from a config and get its tables as DataFrames."""

from __future__ import annotations

import itertools
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
from sim.run.worlds import world_configs, world_numbers

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
        from sim.run.worlds import world_tables

        return Results(**world_tables(cfg, arms))
    from sim.run.metrics import by_touch_table, metrics_table, timeseries_table
    from sim.run.stats import summarize

    metrics = metrics_table(arms)
    return Results(
        metrics=metrics,
        by_touch=by_touch_table(arms),
        timeseries=timeseries_table(arms),
        summary=summarize(metrics, cfg.baseline),
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


#: What a grid value may be: a value Hydra's override grammar writes as text (None as null).
GRID_VALUES = (str, int, float, bool)


def check_sweep_inputs(base: object, grid: object, replications: object) -> dict[str, list[object]]:
    """The sweep's arguments checked before anything is composed; the grid as lists.

    A string where a list belongs is refused, not iterated character by character
    (``{"seed": "12"}`` would otherwise run seeds 1 and 2), and a grid that gives no
    configuration at all (no key, or a key with no value) is refused rather than returning an
    empty table.

    Raises:
        ConfigError: naming the argument, the value and what is allowed.
    """
    if isinstance(base, str | bytes) or not isinstance(base, Sequence):
        raise ConfigError(
            "base", _short(base), "a list of overrides, e.g. ['population=house_list']"
        )
    for k, one in enumerate(base):
        if not isinstance(one, str):
            raise ConfigError(f"base[{k}]", _short(one), "an override KEY=VALUE, as a string")
    if replications is not None and (
        isinstance(replications, bool) or not isinstance(replications, int) or replications < 1
    ):
        raise ConfigError("replications", _short(replications), "an integer >= 1, or None")
    if grid is None:
        grid = {}
    if not isinstance(grid, Mapping):
        raise ConfigError("grid", _short(grid), "a dict of override key -> list of values")
    if not grid:
        raise ConfigError(
            "grid",
            _short(grid),
            "at least one key with values to sweep, e.g. {'seed': [1, 2]} (one configuration "
            "alone: simulate(compose(base)))",
        )
    return {_grid_key(key): _grid_values(key, values) for key, values in grid.items()}


def _grid_key(key: object) -> str:
    if not isinstance(key, str) or not key or "=" in key or key != key.strip():
        raise ConfigError("grid key", _short(key), "an override key, e.g. 'population.size'")
    return key


def _grid_values(key: str, values: object) -> list[object]:
    where = f"grid[{key!r}]"
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        hint = " (a string is one value, not a list of its characters)" if values else ""
        raise ConfigError(where, _short(values), f"a list of values, e.g. [{values!r}]{hint}")
    if isinstance(values, Mapping | set | frozenset):
        raise ConfigError(where, _short(values), "a list of values, in the order to run them")
    # A NumPy array's items as Python numbers (np.linspace(...) is a fine list of values).
    tolist = getattr(values, "tolist", None)
    listed: list[object] = tolist() if callable(tolist) else list(values)
    if not listed:
        raise ConfigError(where, _short(values), "at least one value")
    for k, value in enumerate(listed):
        items = value if isinstance(value, list | tuple) else [value]
        if not all(v is None or isinstance(v, GRID_VALUES) for v in items):
            raise ConfigError(
                f"{where}[{k}]",
                _short(value),
                "a number, a string, a bool, None or a list of them",
            )
    return listed


def _override_value(value: object) -> str:
    """``value`` written as a Hydra override value: lists as ``[a,b]``, None as null."""
    if isinstance(value, list | tuple):
        return "[" + ",".join(_override_value(v) for v in value) + "]"
    if value is None:
        return "null"
    return str(value)


def sweep(
    base: Sequence[str] = (),
    grid: Mapping[str, Sequence[object]] | None = None,
    *,
    replications: int | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Run every combination of ``grid`` over the ``base`` overrides; one tidy table back.

    The notebook twin of a command-line sweep (like Mesa's ``batch_run``): ``base`` holds
    overrides as the command line takes them (``["population=house_list"]``), ``grid`` maps an
    override key to the values to try (``{"population.size": [500, 1000], "seed": [0, 1]}``);
    every combination is composed (each choice of config groups once,
    :func:`sim.run.registry.compose_all`) and validated, then simulated in this process, one
    after the other, with a progress bar on stderr. Each row of the result is one (configuration,
    arm, replicate) row of ``metrics.csv``, preceded by ``config`` (the combination's number, in
    the grid's order) and a column per swept key; exactly the rows :func:`simulate` gives it.

    Raises:
        ConfigError: a bad argument (:func:`check_sweep_inputs`), override or value, at once.
    """
    import pandas as pd
    from tqdm import tqdm  # only sweeps pay for the progress library

    from sim.run.metrics import metrics_table

    lists = check_sweep_inputs(base, grid, replications)
    keys = list(lists)
    combos = list(itertools.product(*(lists[k] for k in keys)))
    extra = [] if replications is None else [f"replications={replications}"]
    # Compose every combination before the first simulation: a typo in the last one fails fast.
    # Each choice of config groups is composed once (sim.run.registry.compose_all).
    configs = _compose_grid(
        [
            [
                *base,
                *extra,
                *(f"{k}={_override_value(v)}" for k, v in zip(keys, combo, strict=True)),
            ]
            for combo in combos
        ]
    )
    frames = []
    bar = tqdm(configs, desc="configurations", unit="config", disable=not progress)
    for number, (combo, cfg) in enumerate(zip(combos, bar, strict=True)):
        arms = run_arms(cfg)
        frame = metrics_table(arms)
        if cfg.worlds:  # across plausible worlds: each row's world after its arm
            frame.insert(1, "world", world_numbers(cfg, arms))
        for position, (key, value) in enumerate(zip(keys, combo, strict=True)):
            # A swept key the table already has (seed) moves to the front, as in sweep tables.
            if key in frame.columns:
                frame.insert(position, key, frame.pop(key))
            else:
                cell = value if isinstance(value, int | float) else _override_value(value)
                frame.insert(position, key, cell)
        frame.insert(0, "config", number)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _compose_grid(overrides: list[list[str]]) -> list[ExperimentConfig]:
    """Every configuration composed; Hydra's and YAML's errors as a one-line ConfigError."""
    import yaml
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    from sim.run.hydra_errors import describe_hydra_error, describe_yaml_error
    from sim.run.registry import compose_all  # Hydra's compose API: not needed by simulate()

    try:
        return compose_all(overrides)
    except (HydraException, OmegaConfBaseException) as exc:
        message = describe_hydra_error(exc)
    except yaml.YAMLError as exc:
        message = describe_yaml_error(exc)
    error = ConfigError("overrides", None, message)
    error.args = (message,)
    raise error from None
