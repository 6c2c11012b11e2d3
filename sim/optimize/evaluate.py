"""Candidates through the engine: objectives a sales leader recognises, with common random numbers.

Every candidate runs on the same experiment and seed (:func:`base_config`): replicate ``r`` of
every candidate samples the same prospects, load shocks and keyed draws (sim.model.draws), so a
difference between two candidates is theirs, not the dice's (common random numbers). Several
candidates run as arms of one experiment share one population per replicate
(:func:`sim.run.api.replicate_runs`), so the per-candidate fixed costs are paid once.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sim.model.cadence import StrategyConfig
from sim.model.config import ExperimentConfig
from sim.model.strategy import compile_plan
from sim.optimize.space import OBJECTIVES, Space
from sim.run.api import replicate_runs

#: Objective values per replicate, per candidate.
Values = dict[str, float]


def base_config(space: Space) -> ExperimentConfig:
    """The experiment every candidate runs in: the space's overrides, one world, composed once.

    Raises:
        ConfigError: an override Hydra or the ranges refuse, as one line.
    """
    return dataclasses.replace(_composed(space.experiment), worlds=0)


@functools.lru_cache(maxsize=8)
def _composed(experiment: tuple[str, ...]) -> ExperimentConfig:
    # Composed once per process and overrides (Hydra takes about a second); never mutated: every
    # use replaces fields (dataclasses.replace) rather than setting them.
    from sim.run.api import _compose_grid  # Hydra's errors as one line, as sim.api.sweep gives

    (cfg,) = _compose_grid([[*experiment]])
    return cfg


def objectives(metrics: Mapping[str, Any]) -> Values:
    """The objectives of one arm on one replicate (docs/optimize.md, "Objectives").

    Rep hours per meeting counts at least one meeting, so a cadence that books none has the
    finite cost of its whole rep time.
    """
    n = max(1, int(metrics["prospects"]))
    return {
        "meetings_per_prospect": metrics["meetings"] / n,
        "opt_out_rate": metrics["opt_outs"] / n,
        "burned_rate": metrics["prospects_burned"] / n,
        "rep_hours_per_meeting": float(metrics["rep_hours"]) / max(1, int(metrics["meetings"])),
    }


def score(values: Mapping[str, float], weights: Mapping[str, float]) -> float:
    """The weighted objective, to maximise: each weight times the value, minimised ones negated."""
    return sum(
        w * (values[k] if OBJECTIVES[k] == "maximize" else -values[k])
        for k, w in weights.items()
        if w
    )


def run_candidates(
    cfg: ExperimentConfig,
    strategies: Mapping[str, StrategyConfig],
    replicates: Iterable[int],
) -> dict[str, list[Values]]:
    """Each strategy's objectives on each of ``replicates``, all as arms of one experiment.

    The arms of a replicate share its population and random streams (common random numbers).
    """
    names = list(strategies)
    one = dataclasses.replace(cfg, strategy=dict(strategies), baseline=names[0], worlds=0)
    plans = {name: compile_plan(name, s, checked=True) for name, s in strategies.items()}
    out: dict[str, list[Values]] = {name: [] for name in names}
    for r in replicates:
        for arm in replicate_runs(one, r, plans=plans):
            arm.run()
            result = arm.result(r, cfg.seed)
            out[result.arm].append(objectives(result.metrics))
            del arm
    return out


def mean_values(rows: Sequence[Values]) -> Values:
    """The objectives' means over replicates."""
    return {k: sum(r[k] for r in rows) / len(rows) for k in OBJECTIVES}
