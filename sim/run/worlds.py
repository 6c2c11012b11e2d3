"""Runs over plausible worlds: the experiment once in each of the model's first K worlds.

With ``worlds=K`` (K >= 2) every world (:func:`sim.model.worlds.world_models`) runs the whole
experiment, ``replications`` replicates each, with the same seed: replicate ``r`` of every world
samples its prospects, load shocks and keyed draws from ``SeedSequence(seed, spawn_key=(r,))``,
so arms AND worlds share their random numbers (a world's difference from another is the
parameters', not the dice's). :func:`sim.run.api.run_arms` runs them, world after world, from
:func:`world_configs`; :func:`world_tables` gives ``metrics.csv``, ``by_touch.csv`` and
``timeseries.csv`` a ``world`` column after ``arm`` (the world's row in ``model.worlds.values``)
and the summary across worlds (:func:`sim.run.world_stats.summarize_worlds`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from sim.model.config import ExperimentConfig
from sim.model.engine import ArmResult
from sim.model.worlds import world_models

if TYPE_CHECKING:
    import pandas as pd


def world_configs(cfg: ExperimentConfig) -> list[ExperimentConfig]:
    """The experiment in each of its ``cfg.worlds`` worlds, each a one-world experiment."""
    return [
        dataclasses.replace(cfg, model=model, worlds=0)
        for model in world_models(cfg.model, cfg.worlds)
    ]


def world_numbers(cfg: ExperimentConfig, arms: Sequence[ArmResult]) -> list[int]:
    """The world of each of ``arms``, as :func:`sim.run.api.run_arms` returns them.

    The runs come world after world, each world the same replicates of the same arms; so the
    ``i``-th of ``n`` results belongs to world ``i // (n / K)``.

    Raises:
        ValueError: ``arms`` are not ``cfg.worlds`` equal runs of the same replicates and arms.
    """
    k = cfg.worlds
    each, rest = divmod(len(arms), k)
    keys = [(a.replicate, a.arm) for a in arms]
    if rest or any(keys[w * each : (w + 1) * each] != keys[:each] for w in range(k)):
        raise ValueError(f"{len(arms)} arm results are not {k} worlds of the same runs")
    return [i // each for i in range(len(arms))]


def world_tables(cfg: ExperimentConfig, arms: Sequence[ArmResult]) -> dict[str, pd.DataFrame]:
    """The tables of a run over worlds.

    ``metrics``, ``by_touch``, ``timeseries`` with ``world`` after ``arm``; the ``summary``
    across worlds, and ``drivers``: what the differences depend on
    (:class:`sim.run.world_stats.WorldAnswers`).
    """
    import pandas as pd

    from sim.run.metrics import by_touch_table, metrics_table, timeseries_table
    from sim.run.world_stats import answer_worlds

    world = world_numbers(cfg, arms)
    metrics = _with_world(metrics_table(arms), world)

    def per_world(build: Callable[[Sequence[ArmResult]], pd.DataFrame]) -> pd.DataFrame:
        # Built world by world: the per-(arm, replicate) rows of one world, then its number.
        frames = [
            _with_world(build([a for a, w in zip(arms, world, strict=True) if w == k]), k)
            for k in range(cfg.worlds)
        ]
        return pd.concat(frames, ignore_index=True)

    answers = answer_worlds(metrics, cfg.baseline, cfg.model.worlds)
    return {
        "metrics": metrics,
        "by_touch": per_world(by_touch_table),
        "timeseries": per_world(timeseries_table),
        "summary": answers.summary,
        "drivers": answers.drivers,
    }


def _with_world(frame: pd.DataFrame, world: Sequence[int] | int) -> pd.DataFrame:
    """``frame`` with the column ``world`` (int64) after ``arm``."""
    frame.insert(1, "world", world)
    frame["world"] = frame["world"].astype("int64")
    return frame
