"""The Python API: run an experiment from a config and get its tables as DataFrames."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from sim.config import ExperimentConfig, validate
from sim.engine import ArmResult, ArmRun, ModelArrays
from sim.metrics import by_touch_table, metrics_table, timeseries_table
from sim.population import daily_load_shocks, sample_prospects
from sim.seeding import replicate_streams
from sim.strategy import compile_plan


@dataclass
class Results:
    """The tables of one run (design section 5)."""

    metrics: pd.DataFrame
    by_touch: pd.DataFrame
    timeseries: pd.DataFrame
    summary: pd.DataFrame  # a row per (arm, metric): mean, CI, paired difference vs baseline


def arm_sizes(cfg: ExperimentConfig) -> dict[str, int]:
    """Prospects enrolled by each arm: ``population.size`` times its ``list_multiplier``."""
    return {
        name: max(1, round(cfg.population.size * s.list_multiplier))
        for name, s in cfg.strategy.items()
    }


def run_arms(cfg: ExperimentConfig) -> list[ArmResult]:
    """Run every arm of every replicate; arms of a replicate share prospects and streams."""
    validate(cfg)
    plans = [compile_plan(name, s) for name, s in cfg.strategy.items()]
    sizes = arm_sizes(cfg)
    model = ModelArrays(cfg.model)
    days = math.ceil(cfg.horizon_days) + 1
    out: list[ArmResult] = []
    for r in range(cfg.replications):
        streams = replicate_streams(cfg.seed, r)
        prospects = sample_prospects(
            cfg.population, cfg.model, max(sizes.values()), streams.population
        )
        shocks = daily_load_shocks(cfg.model, days, streams.load)
        for plan in plans:
            arm = ArmRun(
                plan,
                prospects.head(sizes[plan.name]),
                model,
                cfg.population,
                cfg.reps,
                cfg.horizon_days,
                shocks,
                streams.generator("responses"),
                schedule_rng=streams.generator("schedule"),
            )
            arm.run()
            out.append(arm.result(r, cfg.seed))
            # Free this arm's state (and below, this replicate's prospects) before the next is
            # allocated: peak memory is one arm's state plus one population, whatever the count.
            del arm
        del prospects
    return out


def simulate(cfg: ExperimentConfig) -> Results:
    """Run an experiment and return its tables."""
    # Imported here: scipy.stats costs ~45 MB and ~0.8 s to import, which run_arms (benchmarks,
    # workers that only need the arms) should not pay (docs/performance.md).
    from sim.stats import summarize

    arms = run_arms(cfg)
    metrics = metrics_table(arms)
    return Results(
        metrics=metrics,
        by_touch=by_touch_table(arms),
        timeseries=timeseries_table(arms),
        summary=summarize(metrics, cfg.baseline),
    )
