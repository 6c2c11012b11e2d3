"""Traces for journeys: every prospect followed through a few arms; two sweep jobs as one run.

A report follows one prospect through two arms (:mod:`sim.report.journey` draws and words it);
the runs it reads are made here. Arms of one config share prospects and random streams, so a
trace row's prospect ``i`` is the same person in every arm.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from pathlib import Path
from typing import cast

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from sim.model.config import ExperimentConfig, validate
from sim.model.population import Prospects
from sim.run.api import arm_sizes, replicate_runs
from sim.run.registry import to_experiment


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


def job_config(job_dir: Path) -> ExperimentConfig:
    """The config a finished job ran, read back from its ``config.yaml`` (no composition).

    A job's ``config.yaml`` is its composed config, resolved (less ``resume`` and ``outputs``,
    which change no result: they come back at their defaults), so reading it into the schema
    gives the config the job ran; unlike composing, this works while a Hydra app is running (a
    sweep's report is written from its callback).
    """
    schema = OmegaConf.structured(ExperimentConfig)
    merged = OmegaConf.merge(schema, OmegaConf.load(job_dir / "config.yaml"))
    # Merged into a structured mapping, the result is a mapping (a list would not merge).
    return to_experiment(cast(DictConfig, merged))


def pair_config(
    jobs: tuple[ExperimentConfig, ExperimentConfig],
    arms: tuple[str, str],
    suffixes: tuple[str, str],
) -> ExperimentConfig:
    """Two arms from two jobs of a sweep in one config: the baseline setting and the best.

    Arms of one config share prospects and random streams, so the journey follows the same
    person through both (a list-size sweep changes only the arm, never the model).

    Args:
        jobs: The configs of the baseline's job and of the best job (:func:`job_config`).
        arms: The baseline's arm in its job, the best arm in its job.
        suffixes: Added to each arm's label (the report says each job's setting in words).

    Returns:
        A config of one replicate with the arms ``baseline`` and ``best``; the best job's model.
    """
    base_cfg, best_cfg = jobs
    cfg = copy.deepcopy(best_cfg)
    first = copy.deepcopy(base_cfg.strategy[arms[0]])
    second = copy.deepcopy(best_cfg.strategy[arms[1]])
    first.label = f"{first.label or arms[0]}" + suffixes[0]
    second.label = f"{second.label or arms[1]}" + suffixes[1]
    cfg.strategy = {"baseline": first, "best": second}
    cfg.baseline = "baseline"
    cfg.replications = 1
    return cfg
