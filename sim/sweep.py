"""Sweeps: the sweeper that shards a sweep's jobs, and the callback that records and aggregates it.

Hydra skips ``on_multirun_end`` when a job raises, so the app never lets a job raise: a failing
job records ``status: failed`` in its own manifest and returns. The callback then always runs at
the end of the sweep, writes the sweep tables, figures and report (:mod:`sim.aggregate`), prints a
short table, and exits with status 1 when any job did not finish ok.

A sweep's *jobs* are its configurations (one folder ``<sweep>/<job>/`` each, numbered in the basic
sweeper's order). The sharded sweeper (the root config's ``hydra/sweeper``, a Hydra plugin in
``hydra_plugins/outreach_sim_sweeper``, where Hydra requires plugins to live) hands the launcher
one Hydra job per *shard* of ``shard_size`` consecutive configurations: the shard's first
configuration's overrides, written to that configuration's folder. The app
(:func:`shard_of`) then runs the shard's other configurations in the same process, each into its
own folder, so 10,000 small configurations need 1,000 launcher tasks (a SLURM array within its
default limit of 1,001), not 10,000 processes, and every file is what one job per configuration
writes.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf, open_dict

from sim.outputs import PLAN_FILE, now_iso, read_plan, write_json

#: The subdirectory of a shard's Hydra job: its first configuration's number (Hydra's own
#: ``${hydra.job.num}`` would count shards, and point at another configuration's folder).
SUBDIR_KEY = "hydra.sweep.subdir"


def effective_shard_size(jobs: int, shard_size: int, max_jobs: int | None) -> int:
    """Configurations per shard: ``shard_size``, or more when ``max_jobs`` shards would not do.

    ``max_jobs`` caps the number of launcher tasks (SLURM's ``MaxArraySize`` is 1,001 by
    default), whatever the number of configurations.
    """
    if max_jobs is None or jobs <= 0:
        return max(1, shard_size)
    return max(1, shard_size, math.ceil(jobs / max_jobs))


def sweeper_shard_size(config: DictConfig, jobs: int) -> int:
    """The shard size a composed config's sweeper gives a sweep of ``jobs`` configurations."""
    node = OmegaConf.select(config, "hydra.sweeper")
    if node is None or "shard_size" not in node:
        return 1  # another sweeper (hydra/sweeper=basic): one Hydra job per configuration
    return effective_shard_size(jobs, int(node.shard_size or 1), node.get("max_jobs"))


def shards(jobs: int, size: int) -> list[range]:
    """The configurations of each shard, in order: ``[0, size)``, ``[size, 2 size)``, ..."""
    return [range(start, min(start + size, jobs)) for start in range(0, jobs, size)]


def shard_of(sweep_dir: Path, first: int) -> list[tuple[int, list[str]]]:
    """The configurations (number, overrides) of the shard that starts at ``first``.

    Read from the sweep's plan (``sweep.json``), which the callback writes before any job is
    launched; without a plan, or unsharded, the shard is the one configuration.
    """
    plan = read_plan(sweep_dir)
    if not plan or int(plan.get("shard_size", 1)) <= 1:
        return []
    jobs = plan["jobs"]
    end = min(first + int(plan["shard_size"]), len(jobs))
    return [(number, [str(o) for o in jobs[number]]) for number in range(first, end)]


def planned_jobs(task_overrides: list[str]) -> list[list[str]]:
    """Every job's overrides, in Hydra's job order (the basic sweeper's cartesian product)."""
    parsed = OverridesParser.create().parse_overrides(task_overrides)
    return [job for batch in BasicSweeper.split_arguments(parsed, None) for job in batch]


#: Sweep folders this process has started, newest last: what an interrupted command reports.
STARTED: list[Path] = []


class SweepCallback(Callback):
    """Writes the sweep plan at the start and the sweep tables at the end of every sweep."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Record the jobs this sweep will run."""
        sweep_dir = Path(str(config.hydra.sweep.dir))
        STARTED.append(sweep_dir)
        from sim.guard import sweeper_params

        task = OmegaConf.to_container(config.hydra.overrides.task, resolve=False)
        assert isinstance(task, list)
        overrides = [*sweeper_params(config), *(str(o) for o in task)]
        jobs = planned_jobs(overrides)
        size = sweeper_shard_size(config, len(jobs))
        write_json(
            sweep_dir / PLAN_FILE,
            {"overrides": overrides, "jobs": jobs, "shard_size": size, "started": now_iso()},
        )
        sharded = f" in {math.ceil(len(jobs) / size)} shards of up to {size}" if size > 1 else ""
        print(f"Sweep of {len(jobs)} jobs{sharded}: {sweep_dir}", file=sys.stderr, flush=True)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Aggregate whatever finished; exit non-zero when a job failed or is missing."""
        from sim.aggregate import aggregate, overview

        sweep_dir = Path(str(config.hydra.sweep.dir))
        result = aggregate(sweep_dir)
        print(overview(result))
        if config.get("study"):
            _study_report(sweep_dir, config)
        print(f"\nSweep output: {sweep_dir}")
        if result.problems:
            # SystemExit passes through Hydra's callback wrapper, which only catches Exception.
            raise SystemExit(1)


def _study_report(sweep_dir: Path, config: DictConfig) -> None:
    """A workshop study's sweep report (:mod:`sim.study`) at the sweep root."""
    from sim.registry import to_experiment
    from sim.study import write_study_report

    task = config.copy()
    with open_dict(task):
        del task["hydra"]
    try:
        write_study_report(sweep_dir, to_experiment(task))
    except Exception as exc:  # the sweep tables are written: report the problem, keep them
        print(f"warning: the study report failed: {type(exc).__name__}: {exc}", file=sys.stderr)
