"""Sweeps: the launchers that run the jobs, and the callback that records and aggregates them.

Hydra skips ``on_multirun_end`` when a job raises, so the app never lets a job raise: a failing
job records ``status: failed`` in its own manifest and returns. The callback then always runs at
the end of the sweep, writes the sweep tables and figures (:mod:`sim.aggregate`), prints a short
table, and exits with status 1 when any job did not finish ok.

Hydra creates a job's folder before the app runs, so a folder that cannot be created (a file in
its place, a read-only parent, a full disk) raised out of Hydra's launcher and ended the whole
sweep. ``hydra/launcher=basic`` and ``hydra/launcher=joblib`` therefore run Hydra's launchers
with each job guarded (``hydra_plugins/outreach_sim_launchers``; Hydra loads launchers only from
the ``hydra_plugins`` package): such a job becomes one failed job, recorded at the sweep's root
(``job_errors/<job>.json``), and the rest run. Parallel workers also watch their parent: once the
command is killed they write nothing more (:func:`sim.outputs.watch_parent`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf, open_dict

from sim.outputs import JOB_ERRORS, PLAN_FILE, now_iso, sweep_total, write_json


def planned_jobs(task_overrides: list[str]) -> list[list[str]]:
    """Every job's overrides, in Hydra's job order (the basic sweeper's cartesian product)."""
    parsed = OverridesParser.create().parse_overrides(task_overrides)
    return [job for batch in BasicSweeper.split_arguments(parsed, None) for job in batch]


#: Sweep folders this process has started, newest last: what an interrupted command reports.
STARTED: list[Path] = []


class SweepCallback(Callback):
    """Writes the sweep plan at the start and the sweep tables at the end of every sweep."""

    # (It also checks a single run's folder before Hydra creates it: on_run_start.)

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        """A single run whose folder cannot be created: one line and exit 1, not a traceback."""
        run_dir = Path(str(config.hydra.run.dir))
        try:
            run_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            print(f"error: the run's folder {run_dir} cannot be created: {exc}", file=sys.stderr)
            # SystemExit passes through Hydra's callback wrapper, which only catches Exception.
            raise SystemExit(1) from None

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Record the jobs this sweep will run."""
        sweep_dir = Path(str(config.hydra.sweep.dir))
        STARTED.append(sweep_dir)
        from sim.guard import sweeper_params

        task = OmegaConf.to_container(config.hydra.overrides.task, resolve=False)
        assert isinstance(task, list)
        overrides = [*sweeper_params(config), *(str(o) for o in task)]
        jobs = planned_jobs(overrides)
        write_json(
            sweep_dir / PLAN_FILE,
            {"overrides": overrides, "jobs": jobs, "started": now_iso()},
        )
        print(f"Sweep of {len(jobs)} jobs: {sweep_dir}", file=sys.stderr, flush=True)

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


def progress_line(
    sweep_dir: Path, job: int, status: str, seconds: float, overrides: list[str]
) -> None:
    """One line per finished sweep job, on stderr so the tables on stdout stay clean."""
    total = sweep_total(sweep_dir)
    done = sum(1 for _ in sweep_dir.glob("*/manifest.json"))
    done += sum(1 for _ in sweep_dir.glob(f"{JOB_ERRORS}/*.json"))
    count = f"{done}/{total}" if total else str(done)
    shown = " ".join(o for o in overrides if not o.startswith("resume="))
    print(f"[{count}] job {job} {status} in {seconds:.1f} s: {shown}", file=sys.stderr, flush=True)
