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
(:func:`sim.cli.shard.shard_of`) then runs the shard's other configurations in the same process,
each into its own folder, so 10,000 small configurations need 1,000 launcher tasks (a SLURM array
within its default limit of 1,001), not 10,000 processes, and every file is what one job per
configuration writes.

Hydra creates a (shard's) job folder before the app runs, so a folder that cannot be created (a
file in its place, a read-only parent, a full disk) raised out of Hydra's launcher and ended the
whole sweep. The launchers (``hydra/launcher=basic``, ``joblib``, ``submitit_local`` and
``submitit_slurm``) therefore run Hydra's with each job guarded
(``hydra_plugins/outreach_sim_launchers``): such a configuration becomes one failed job, recorded
at the sweep's root (``job_errors/<job>.json``), and the rest run, the rest of its shard too
(:func:`sim.cli.shard.rest_of_shard`). A configuration of a shard whose own folder cannot be
written is recorded the same way by the app. Workers on the same machine also watch their parent:
once the command is killed they write nothing more (:func:`sim.run.outputs.watch_parent`).
"""

from __future__ import annotations

import contextlib
import importlib
import math
import os
import pickle
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf, open_dict

from sim.cli.shard import ShardBases, sweeper_shard_size
from sim.run.compose import parse, sweep_jobs
from sim.run.outputs import (
    JOB_ERRORS,
    PARENT,
    PLAN_FILE,
    ParentWatch,
    now_iso,
    sweep_total,
    write_json,
)


@dataclass
class SweepState:
    """What one process knows of the sweep it checks, launches or runs jobs of.

    Hydra instantiates the sweep callback, the sweeper and the launchers itself, from their names
    in the config, and calls the app's task function with a config alone: the command cannot
    hand them an object. So what the pre-flight learns and the callback, the sweeper, the
    launchers and the jobs read is kept in this one object per process, :data:`STATE`, which the
    functions that need it take as an argument.
    """

    #: Resumed sweeps: what the pre-flight found of each configuration's folder before launching,
    #: by sweep folder, then configuration: complete already (True) or not (False); one it could
    #: not judge is absent and its job tells for itself (:func:`sim.cli.preflight.preflight`). The
    #: sharded sweeper does not launch a shard of complete ones, and moves the others' manifests
    #: aside.
    judged: dict[Path, dict[int, bool]] = field(default_factory=dict)
    #: Sweep folders this process has started, newest last: what an interrupted command reports.
    started: list[Path] = field(default_factory=list)
    #: This process's folder of results simulated ahead (set in the command and in its workers).
    ahead: Path | None = None
    #: The compositions a worker's shards share (:class:`sim.cli.shard.ShardComposer`).
    shard_bases: ShardBases = field(default_factory=dict)
    #: The threads :func:`sim.cli.workers.start_workers` started, each with the event that stops
    #: it handing out work.
    warming: list[tuple[threading.Thread, threading.Event]] = field(default_factory=list)
    #: In a parallel sweep's worker, the command that started it (every write checks it:
    #: :func:`sim.run.outputs.watch_parent`).
    parent: ParentWatch = field(default_factory=lambda: PARENT)

    def complete_before(self, sweep_dir: Path) -> set[int]:
        """The configurations of the sweep at ``sweep_dir`` found complete before its resume."""
        return {k for k, done in self.judged.get(sweep_dir.resolve(), {}).items() if done}

    def incomplete_before(self, sweep_dir: Path) -> set[int]:
        """The configurations of the sweep at ``sweep_dir`` found incomplete before its resume."""
        return {k for k, done in self.judged.get(sweep_dir.resolve(), {}).items() if not done}


#: This process's sweep state.
STATE = SweepState()


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


def sweeper_params(cfg: DictConfig) -> list[str]:
    """``hydra.sweeper.params`` as overrides (the basic sweeper puts them before the command's)."""
    params = OmegaConf.select(cfg, "hydra.sweeper.params")
    if not params:
        return []
    plain = OmegaConf.to_container(params, resolve=False)
    assert isinstance(plain, dict)
    return [f"{k!s}={v}" for k, v in plain.items()]


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
        STATE.started.append(sweep_dir)
        task = OmegaConf.to_container(config.hydra.overrides.task, resolve=False)
        assert isinstance(task, list)
        overrides = [*sweeper_params(config), *(str(o) for o in task)]
        jobs = sweep_jobs(parse(overrides))
        size = sweeper_shard_size(config, len(jobs))
        plan = {"overrides": overrides, "jobs": jobs, "shard_size": size, "started": now_iso()}
        try:
            write_json(sweep_dir / PLAN_FILE, plan)
        except OSError as exc:  # a read-only or full sweep root: before any job runs
            _fail(f"the sweep's folder {sweep_dir} cannot be written: {_reason(exc)}")
        sharded = f" in {math.ceil(len(jobs) / size)} shards of up to {size}" if size > 1 else ""
        print(f"Sweep of {len(jobs)} jobs{sharded}: {sweep_dir}", file=sys.stderr, flush=True)
        # While the jobs run, this process mostly waits: what the sweep's tables, figures and
        # report import (Matplotlib, about half a second) is imported meanwhile, not after them.
        threading.Thread(
            target=_import_report, name="outreach-sim-report-imports", daemon=True
        ).start()

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Aggregate whatever finished; exit non-zero when a job failed or is missing."""
        from sim.report.aggregate import aggregate, overview

        sweep_dir = Path(str(config.hydra.sweep.dir))
        try:
            result = aggregate(sweep_dir)
        except Exception as exc:
            # Hydra would turn this into a warning and exit 0: the sweep did not end well.
            _fail(
                f"the sweep tables could not be written to {sweep_dir}: {_reason(exc)}; the jobs' "
                f"results are in their folders, and outreach-sim-aggregate {sweep_dir} writes the "
                "tables once this is fixed"
            )
        print(overview(result))
        if config.get("study"):
            _study_report(sweep_dir, config)
        print(f"\nSweep output: {sweep_dir}")
        if result.problems:
            # SystemExit passes through Hydra's callback wrapper, which only catches Exception.
            raise SystemExit(1)


def _import_report() -> None:
    # A module that fails to import here fails again, with its error, where it is used.
    for module in ("sim.report.aggregate", "sim.report.sweep_answers", "sim.report.comparison"):
        with contextlib.suppress(Exception):
            importlib.import_module(module)


def _reason(exc: BaseException) -> str:
    """An OS error as its strerror (no repeated path), anything else as its type and message."""
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror} (errno {exc.errno})"
    return f"{type(exc).__name__}: {exc}".splitlines()[0]


def _fail(line: str) -> NoReturn:
    """One error line and exit status 1, from inside a Hydra callback."""
    sys.stderr.write(f"error: {line}\n")
    sys.stderr.flush()
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
    except Exception as exc:
        # A study run for its report has failed without it: exit 1 with the reason (the sweep
        # tables are written and kept), never a warning and exit 0.
        _fail(f"the study report could not be written to {sweep_dir}: {_reason(exc)}")


#: The widest progress line: a job's overrides beyond it are cut (``...``); the full list is in
#: its folder's manifest and in ``sweep.json``.
LINE_WIDTH = 100


def progress_line(
    sweep_dir: Path, job: int, status: str, seconds: float, overrides: list[str]
) -> None:
    """A finished sweep job on stderr, so the tables on stdout stay clean.

    On a terminal: one bar for the whole sweep, redrawn in place (``[7/36] ####---- 19%``), and
    a line of its own for a job that failed. Elsewhere (a log, a pipe): one short line per job,
    its overrides cut at :data:`LINE_WIDTH`.
    """
    total = sweep_total(sweep_dir)
    done = sum(1 for _ in sweep_dir.glob("*/manifest.json"))
    done += sum(1 for _ in sweep_dir.glob(f"{JOB_ERRORS}/*.json"))
    count = f"{done}/{total}" if total else str(done)
    shown = " ".join(o for o in overrides if not o.startswith("resume="))
    line = f"[{count}] job {job} {status} in {seconds:.1f} s: {shown}"
    if len(line) > LINE_WIDTH:
        line = line[: LINE_WIDTH - 3] + "..."
    # The line and its newline in one write: print() writes them apart, and a Ctrl-C between
    # the two glued the "interrupted:" line onto this one (seen under a slow CPU profile).
    isatty = getattr(sys.stderr, "isatty", None)  # a replaced stderr may have none
    if isatty is not None and isatty():
        failed = f"\r\x1b[K{line}\n" if status == "FAILED" else ""
        end = "\n" if total and done >= total else ""
        sys.stderr.write(f"{failed}\r\x1b[K{_bar(done, total)}{end}")
    else:
        sys.stderr.write(line + "\n")
    sys.stderr.flush()


def _bar(done: int, total: int | None, width: int = 30) -> str:
    """``[7/36] #####------------------------- 19% jobs``: the sweep's progress bar."""
    if not total:
        return f"[{done}] jobs finished"
    filled = min(width, width * done // total)
    return f"[{done}/{total}] {'#' * filled}{'-' * (width - filled)} {done / total:.0%} jobs"


# A sweep's first result (within 5 s of the command's start). Its first configuration
# is simulated by a worker while the command still checks the others and Hydra composes the
# sweep, instead of after: the job that runs it then writes those results. Nothing reaches the
# sweep folder before the pre-flight has passed: the results wait in a private folder of the
# command's (``ahead``), which the command removes when it ends.

#: Seconds a job waits, at most, for the worker that simulates its configuration ahead.
AHEAD_WAIT = 600.0


#: The ahead folders' name: the prefix, then the pid of the command that made it.
AHEAD_PREFIX = "outreach-sim-ahead-"


def start_ahead(digest: str, state: SweepState = STATE) -> str:
    """Make this command's folder of results simulated ahead, asking for config ``digest``.

    Folders that killed commands left behind (``SIGKILL`` leaves no time to remove one) are
    removed first: those whose command's pid no longer runs.
    """
    for old in Path(tempfile.gettempdir()).glob(f"{AHEAD_PREFIX}*-*"):
        pid = old.name.removeprefix(AHEAD_PREFIX).split("-")[0]
        if pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    ahead = Path(tempfile.mkdtemp(prefix=f"{AHEAD_PREFIX}{os.getpid()}-"))
    state.ahead = ahead
    ahead_paths(ahead, digest)["wanted"].touch()
    return str(ahead)


def end_ahead(state: SweepState = STATE) -> None:
    """Remove this command's folder of results simulated ahead (at its end, or when refused)."""
    if state.ahead is not None:
        ahead, state.ahead = state.ahead, None
        shutil.rmtree(ahead, ignore_errors=True)


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

        # What sim.cli.job.run_configuration's simulate() runs, so that its results are the job's,
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


def take_ahead(digest: str, state: SweepState = STATE) -> Any | None:
    """The arms simulated ahead for the configuration with config hash ``digest``, or None.

    None when it was not asked for, when this job claims it first (it then simulates it itself
    and the worker ahead does not), or when the worker ahead failed or died; otherwise waits for
    the worker that is simulating it.
    """
    if state.ahead is None:
        return None
    paths = ahead_paths(state.ahead, digest)
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
