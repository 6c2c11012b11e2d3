"""Traces for journeys: every prospect followed through a few arms, and two sweep jobs as one run.

A report follows one prospect through two arms (:mod:`sim.report.journey` draws and words it);
the runs it reads are made here. Arms of one config share prospects and random streams, so a
trace row's prospect ``i`` is the same person in every arm.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence

import pandas as pd

from sim.model.config import ExperimentConfig, validate
from sim.model.population import Prospects
from sim.run.api import arm_sizes, replicate_runs
from sim.run.registry import compose


def follow_everyone(
    cfg: ExperimentConfig, arms: Sequence[str], replicate: int = 0
) -> tuple[dict[str, pd.DataFrame], Prospects]:
    """Every prospect's touches and replies in each of ``arms`` (one replicate, traced in full).

    Each arm is built by :func:`sim.run.api.replicate_runs` with its whole list traced, so the rows
    are the engine's own record (``ArmRun.trace_rows``). Meant for the small runs of a report or
    the workshop page: tracing costs a Python row per touch.

    Returns:
        The trace rows by arm, and the prospects of the longest list (prefix-stable).
    """
    validate(cfg)
    sizes = arm_sizes(cfg)
    rows: dict[str, pd.DataFrame] = {}
    prospects: Prospects | None = None
    for arm in arms:
        (run,) = replicate_runs(cfg, replicate, [arm], trace=range(sizes[arm]))
        run.run()
        frame = pd.DataFrame(run.trace_rows)
        if frame.empty:
            frame = pd.DataFrame({"event": pd.Series(dtype=str), "prospect": pd.Series(dtype=int)})
        rows[arm] = frame
        if prospects is None or run.p.n > prospects.n:
            prospects = run.p
    assert prospects is not None, "at least one arm"
    return rows, prospects


def pair_config(
    study: str,
    jobs: tuple[Mapping[str, str], Mapping[str, str]],
    arms: tuple[str, str],
    suffixes: tuple[str, str],
) -> ExperimentConfig:
    """Two arms from two jobs of a study's sweep in one config: the baseline setting and the best.

    Arms of one config share prospects and random streams, so the journey follows the same
    person through both (a list-size sweep changes only the arm, never the model).

    Args:
        study: The study (``+experiment=NAME``).
        jobs: The swept overrides of the baseline's job and of the best job.
        arms: The baseline's arm in its job, the best arm in its job.
        suffixes: Added to each arm's label (the report says each job's setting in words).

    Returns:
        A config of one replicate with the arms ``baseline`` and ``best``; the best job's model.
    """
    base, best = jobs
    base_cfg = compose([f"+experiment={study}", *(f"{k}={v}" for k, v in base.items())])
    best_cfg = compose([f"+experiment={study}", *(f"{k}={v}" for k, v in best.items())])
    cfg = copy.deepcopy(best_cfg)
    first = copy.deepcopy(base_cfg.strategy[arms[0]])
    second = copy.deepcopy(best_cfg.strategy[arms[1]])
    first.label = f"{first.label or arms[0]}" + suffixes[0]
    second.label = f"{second.label or arms[1]}" + suffixes[1]
    cfg.strategy = {"baseline": first, "best": second}
    cfg.baseline = "baseline"
    cfg.replications = 1
    return cfg
