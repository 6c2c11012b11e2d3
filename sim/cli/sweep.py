"""Sweeps: how the sweeper shards jobs, launchers guard them, the callback aggregates them.

Hydra skips ``on_multirun_end`` when a job raises, so the app never lets a job raise: a failing
job records ``status: failed`` in its own manifest and returns. The callback then always runs at
the end of the sweep, writes the sweep tables, figures and report (:mod:`sim.report.aggregate`),
prints a short table, and exits with status 1 when any job did not finish ok.

A sweep's *jobs* are its configurations (one folder ``<sweep>/<job>/`` each, numbered in the basic
sweeper's order). The sharded sweeper (the root config's ``hydra/sweeper``, a Hydra plugin in
``hydra_plugins/outreach_sim_sweeper``, where Hydra requires plugins to live) hands the launcher
one Hydra job per *shard* of ``shard_size`` consecutive configurations: the shard's first
configuration's overrides, written to that configuration's folder. The app
(:func:`shard_of`) then runs the shard's other configurations in the same process, each into its
own folder, so 10,000 small configurations need 1,000 launcher tasks (a SLURM array within its
default limit of 1,001), not 10,000 processes, and every file is what one job per configuration
writes.

Hydra creates a (shard's) job folder before the app runs, so a folder that cannot be created (a
file in its place, a read-only parent, a full disk) raised out of Hydra's launcher and ended the
whole sweep. The launchers (``hydra/launcher=basic``, ``joblib``, ``submitit_local`` and
``submitit_slurm``) therefore run Hydra's with each job guarded
(``hydra_plugins/outreach_sim_launchers``): such a configuration becomes one failed job, recorded
at the sweep's root (``job_errors/<job>.json``), and the rest run, the rest of its shard too
(:func:`rest_of_shard`). A configuration of a shard whose own folder cannot be written is
recorded the same way by the app. Workers on the same machine also watch their parent: once the
command is killed they write nothing more (:func:`sim.run.outputs.watch_parent`).
"""

from __future__ import annotations

import contextlib
import math
import os
import pickle
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf, open_dict

from sim.run.outputs import JOB_ERRORS, PLAN_FILE, now_iso, read_plan, sweep_total, write_json

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
    size = int(plan.get("shard_size", 1)) if plan else 1
    if not plan or size <= 1 or first % size:
        # (A configuration that does not start a shard is launched on its own when its shard's
        # first folder could not be set up: rest_of_shard.)
        return []
    jobs = plan["jobs"]
    end = min(first + size, len(jobs))
    return [(number, [str(o) for o in jobs[number]]) for number in range(first, end)]


#: Resumed sweeps: what the pre-flight found of each configuration's folder before launching,
#: by sweep folder, then configuration: complete already (True) or not (False); one it could
#: not judge is absent and its job tells for itself (:func:`sim.cli.app.preflight`). The sharded
#: sweeper does not launch a shard of complete ones, and moves the others' manifests aside.
JUDGED: dict[Path, dict[int, bool]] = {}


def complete_before(sweep_dir: Path) -> set[int]:
    """The configurations of the sweep at ``sweep_dir`` found complete before it was resumed."""
    return {k for k, done in JUDGED.get(sweep_dir.resolve(), {}).items() if done}


def incomplete_before(sweep_dir: Path) -> set[int]:
    """The configurations of the sweep at ``sweep_dir`` found incomplete before it was resumed."""
    return {k for k, done in JUDGED.get(sweep_dir.resolve(), {}).items() if not done}


#: Where a job's earlier manifest goes when the job runs again (a resume): kept for the user to
#: read, but no longer ``manifest.json``, which the progress count and the aggregation read.
PREVIOUS_MANIFEST = "manifest.previous.json"


def retire_manifest(job_dir: Path) -> None:
    """Move the manifest of a job that runs again aside, to :data:`PREVIOUS_MANIFEST`.

    A failed job's manifest, or one of results for another config, no longer holds once the job
    runs again; left as ``manifest.json``, the progress count (``[done/total]``) would count the
    job before it finished. The new attempt writes its own manifest at its end.
    """
    old = job_dir / "manifest.json"
    with contextlib.suppress(OSError):  # none (never ran), or a folder that cannot be written
        os.replace(old, job_dir / PREVIOUS_MANIFEST)


def job_number(overrides: Sequence[str], idx: int) -> int:
    """The configuration a launched Hydra job runs first: its shard's subdir, else ``idx``."""
    for override in overrides:
        key, _, value = override.partition("=")
        if key == SUBDIR_KEY and value.isdigit():
            return int(value)
    return idx


def rest_of_shard(sweep_dir: Path, overrides: Sequence[str]) -> list[tuple[int, list[str]]]:
    """The shard's other configurations, each as the overrides of a Hydra job of its own.

    For a launcher whose Hydra job could not set up its shard's first folder: the app never ran,
    so the shard's other configurations are launched one by one instead (each into its own
    folder; :func:`shard_of` gives such a job no shard of its own).
    """
    first = job_number(overrides, -1)
    if first < 0:
        return []
    return [
        (number, [*config, f"{SUBDIR_KEY}={number}"])
        for number, config in shard_of(sweep_dir, first)
        if number != first
    ]


def without_subdir(overrides: Sequence[str]) -> list[str]:
    """A launched job's overrides as its configuration's (the shard's subdir taken out)."""
    return [str(o) for o in overrides if not str(o).startswith(f"{SUBDIR_KEY}=")]


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
        from sim.cli.guard import sweeper_params

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
        from sim.report.aggregate import aggregate, overview

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
    """A workshop study's sweep report (:mod:`sim.report.study`) at the sweep root."""
    from sim.report.study import write_study_report
    from sim.run.registry import to_experiment

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
    # The line and its newline in one write: print() writes them apart, and a Ctrl-C between
    # the two glued the "interrupted:" line onto this one (seen under a slow CPU profile).
    sys.stderr.write(f"[{count}] job {job} {status} in {seconds:.1f} s: {shown}\n")
    sys.stderr.flush()


# A sweep's first result (issue 13: within 5 s of the command's start). Its first configuration
# is simulated by a worker while the command still checks the others and Hydra composes the
# sweep, instead of after: the job that runs it then writes those results. Nothing reaches the
# sweep folder before the pre-flight has passed: the results wait in a private folder of the
# command's (``ahead``), which the command removes when it ends.

#: This process's folder of results simulated ahead (set in the command and in its workers).
AHEAD: list[Path] = []
#: Seconds a job waits, at most, for the worker that simulates its configuration ahead.
AHEAD_WAIT = 600.0


#: The ahead folders' name: the prefix, then the pid of the command that made it.
AHEAD_PREFIX = "outreach-sim-ahead-"


def start_ahead(digest: str) -> str:
    """Make this command's folder of results simulated ahead, asking for config ``digest``.

    Folders that killed commands left behind (``SIGKILL`` leaves no time to remove one) are
    removed first: those whose command's pid no longer runs.
    """
    for old in Path(tempfile.gettempdir()).glob(f"{AHEAD_PREFIX}*-*"):
        pid = old.name.removeprefix(AHEAD_PREFIX).split("-")[0]
        if pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    ahead = Path(tempfile.mkdtemp(prefix=f"{AHEAD_PREFIX}{os.getpid()}-"))
    AHEAD[:] = [ahead]
    ahead_paths(ahead, digest)["wanted"].touch()
    return str(ahead)


def end_ahead() -> None:
    """Remove this command's folder of results simulated ahead (at its end, or when refused)."""
    if AHEAD:
        shutil.rmtree(AHEAD.pop(), ignore_errors=True)


def ahead_paths(ahead: Path, digest: str) -> dict[str, Path]:
    """The files of one configuration simulated ahead, by its config hash.

    ``wanted`` (the command asks for it), ``claim`` (the pid of the process that simulates it:
    whichever comes first, the worker ahead or the job itself), ``results`` (pickled) or
    ``failed`` (the job then simulates it itself, and reports its own error).
    """
    return {kind: ahead / f"{digest}.{kind}" for kind in ("wanted", "claim", "results", "failed")}


def _claim(path: Path) -> bool:
    """Take ``path`` for this process (atomically: only one process gets it)."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w") as out:
        out.write(str(os.getpid()))
    return True


def simulate_ahead(ahead: Path, digest: str, task: DictConfig) -> None:
    """Simulate ``task`` (a checked task config) into ``ahead``, unless its job has begun."""
    paths = ahead_paths(ahead, digest)
    if not paths["wanted"].exists() or not _claim(paths["claim"]):
        return
    try:
        from sim.run.api import run_arms
        from sim.run.registry import to_experiment

        # What sim.cli.app.run_configuration's simulate() runs, so that its results are the job's,
        # byte for byte. Only the arms: the job makes the tables (sim.run.api.tables), in a worker
        # that has pandas and SciPy imported already (about 0.8 s of imports in this one).
        arms = run_arms(to_experiment(task), checked=True, progress=False)
        tmp = paths["results"].with_suffix(".tmp")
        tmp.write_bytes(pickle.dumps(arms, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, paths["results"])
    except BaseException:
        # The job simulates it itself and records whatever goes wrong there.
        paths["failed"].touch()
        raise


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except PermissionError:
        return True  # another user's process
    except OSError:
        return False
    return True


def _alive(pid_file: Path) -> bool:
    """Whether the process that claimed ``pid_file`` still runs (a claim being written does)."""
    try:
        text = pid_file.read_text()
    except OSError:
        return False
    if not text:
        return True  # created, its pid not written yet
    return text.isdigit() and _running(int(text))


def take_ahead(digest: str) -> Any | None:
    """The arms simulated ahead for the configuration with config hash ``digest``, or None.

    None when it was not asked for, when this job claims it first (it then simulates it itself
    and the worker ahead does not), or when the worker ahead failed or died; otherwise waits for
    the worker that is simulating it.
    """
    if not AHEAD:
        return None
    paths = ahead_paths(AHEAD[0], digest)
    if not paths["wanted"].exists() or _claim(paths["claim"]):
        return None
    deadline = time.monotonic() + AHEAD_WAIT
    while time.monotonic() < deadline:
        if paths["results"].exists():
            with contextlib.suppress(Exception):
                return pickle.loads(paths["results"].read_bytes())
            return None
        if paths["failed"].exists() or not _alive(paths["claim"]):
            return None
        time.sleep(0.01)
    return None
