"""Outputs: atomic file writes, the job manifest, and writing one job's files in a safe order.

Every file is written to a temporary file in the same directory, flushed to disk, then renamed
over its final name with :func:`os.replace`, so a reader (or a resumed sweep) sees either the old
file, the new file, or no file, never half of one. A job's ``manifest.json`` is written last: its
``status`` says whether the files beside it are a completed result.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import platform
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

#: Distributions whose versions the manifest records (the package first).
VERSIONED: tuple[str, ...] = (
    "outreach-sim",
    "simpy",
    "numpy",
    "scipy",
    "pandas",
    "matplotlib",
    "statsmodels",
    "hydra-core",
    "omegaconf",
    "hydra-joblib-launcher",
    "joblib",
)

#: The project root (the package is installed editable): where ``.git`` is looked for.
PROJECT_DIR = Path(__file__).resolve().parents[2]


def _current_umask() -> int:
    # The umask can only be read by setting it; done once, at import, before any thread starts.
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


@dataclass
class ParentWatch:
    """In a parallel sweep's worker process, the pid of the command that started it.

    A worker whose command was killed must not go on writing into the sweep folder, and every
    write of the process checks it, wherever it is made (tables, figures, reports): so it is
    kept for the process, in :data:`PARENT` (part of :class:`sim.cli.sweep.SweepState`).
    """

    pid: int | None = None

    def orphaned(self) -> bool:
        """Whether this is a worker whose command is gone.

        A killed parent's workers are re-parented (to init or a subreaper), so ``getppid``
        changes.
        """
        return self.pid is not None and os.getppid() != self.pid


#: This process's watch (no parent to watch outside a parallel sweep's workers).
PARENT = ParentWatch()


#: Seconds between a worker's checks that its command still runs (:func:`watch_parent`).
PARENT_POLL = 0.25


def watch_parent(pid: int) -> None:
    """Make this worker exit once process ``pid``, its parent, is gone; and check every write.

    Every write checks first (:func:`stop_if_orphaned`), and a thread checks every
    :data:`PARENT_POLL` seconds: a worker in the middle of a long simulation (minutes, writing
    nothing) exits within a fraction of a second of its command's SIGKILL, instead of when the
    job would have ended. Loky's resource trackers, which exit once no worker holds their pipe,
    follow (tests/test_faults_sweep.py measures the whole session).
    """
    PARENT.pid = pid
    if not any(t.name == _WATCHER for t in threading.enumerate()):
        threading.Thread(target=_watch, name=_WATCHER, daemon=True).start()


_WATCHER = "outreach-sim-parent-watch"


def _watch() -> None:
    while True:
        stop_if_orphaned()
        time.sleep(PARENT_POLL)


def stop_if_orphaned() -> None:
    """Exit at once, writing nothing, when the command that started this worker is gone."""
    if PARENT.orphaned():
        os._exit(1)


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file in the same folder, then rename)."""
    stop_if_orphaned()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp creates the file 0600; give it the mode an ordinary write would (0666 - umask).
        os.fchmod(fd, 0o666 & ~_UMASK)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if PARENT.orphaned():
            Path(tmp).unlink(missing_ok=True)
            os._exit(1)
        os.replace(tmp, path)
    except BaseException:
        # Interrupted or failed: leave no temporary file behind, and no partial target.
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    write_bytes(path, text.encode("utf-8"))


def write_csv(path: Path, frame: pd.DataFrame) -> None:
    """Write ``frame`` as CSV (no index, Unix line ends) to ``path`` atomically."""
    write_text(path, frame.to_csv(index=False, lineterminator="\n"))


def write_json(path: Path, obj: Mapping[str, Any]) -> None:
    """Write ``obj`` as indented JSON to ``path`` atomically."""
    write_text(path, json.dumps(obj, indent=2, default=str) + "\n")


def read_manifest(job_dir: Path, name: str = "manifest.json") -> dict[str, Any] | None:
    """The job's manifest, or None when it has none (not finished) or it cannot be read."""
    try:
        data = json.loads((job_dir / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def config_hash(resolved_yaml: str) -> str:
    """SHA-256 of a resolved config's YAML text: what "the same config" means for resume."""
    return hashlib.sha256(resolved_yaml.encode("utf-8")).hexdigest()


def versions() -> dict[str, str]:
    """Python and the installed versions of the package and its main dependencies."""
    return dict(_versions())


@functools.cache
def _versions() -> dict[str, str]:
    # Once per process: a shard's manifests would otherwise search the installed distributions
    # ten times each (about 10 ms a configuration), and they cannot change under a running job.
    found = {"python": platform.python_version()}
    for dist in VERSIONED:
        try:
            found[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            found[dist] = "not installed"
    return found


def git_commit(root: Path = PROJECT_DIR) -> str | None:
    """The checked-out commit of ``root``'s repository, or None outside a git checkout.

    Reads ``.git`` directly rather than running ``git``: no subprocess, so nothing on ``PATH``
    (which a job's environment could change) is ever executed.
    """
    git = root / ".git"
    try:
        head = (git / "HEAD").read_text(encoding="utf-8").strip()
        if not head.startswith("ref: "):
            return head or None
        ref = head.removeprefix("ref: ")
        loose = git / ref
        if loose.is_file():
            return loose.read_text(encoding="utf-8").strip() or None
        for line in (git / "packed-refs").read_text(encoding="utf-8").splitlines():
            sha, _, name = line.partition(" ")
            if name == ref:
                return sha
    except OSError:
        return None
    return None


def now_iso() -> str:
    """The current time in UTC, ISO 8601 to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def manifest(
    *,
    seed: int,
    replications: int,
    config_hash: str,
    overrides: list[str],
    started: str,
    status: str,
    error: str | None = None,
    job: int | None = None,
    choices: Mapping[str, Any] | None = None,
    files: list[str] | None = None,
    file_sha256: Mapping[str, str] | None = None,
    warnings: Sequence[str] = (),
) -> dict[str, Any]:
    """The content of ``manifest.json`` (design section 5).

    ``file_sha256`` holds the SHA-256 of every file the job wrote, so that a resumed sweep can
    tell a complete job from one whose tables were deleted or changed since. ``warnings``: the
    steps outside a fitted model's log (sim.model.extrapolation), one line each.
    """
    return {
        "status": status,
        "error": error,
        "job": job,
        "seed": seed,
        "replications": replications,
        "config_hash": config_hash,
        "overrides": overrides,
        "choices": dict(choices or {}),
        "started": started,
        "ended": now_iso(),
        "git_commit": git_commit(),
        "versions": versions(),
        "command": [Path(sys.argv[0]).name, *sys.argv[1:]],
        "files": files or [],
        "file_sha256": dict(file_sha256 or {}),
        "warnings": list(warnings),
    }


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files_intact(job_dir: Path, found: Mapping[str, Any]) -> bool:
    """Every file a manifest lists is there, with the bytes it recorded."""
    sums = found.get("file_sha256") or {}
    names = found.get("files") or []
    if not isinstance(sums, dict) or not sums or set(names) - set(sums):
        return False  # a manifest from before file hashes, or an incomplete one: run again
    try:
        return all(file_digest(job_dir / name) == digest for name, digest in sums.items())
    except OSError:
        return False


#: Where a sweep records a job that could not write its own folder (``job_errors/<job>.json``).
JOB_ERRORS = "job_errors"


def job_error_path(sweep_dir: Path, job: int) -> Path:
    """The record of job ``job``'s failure when its folder could not hold its manifest."""
    return sweep_dir / JOB_ERRORS / f"{job}.json"


def read_job_error(sweep_dir: Path, job: int) -> dict[str, Any] | None:
    """Job ``job``'s failure record, or None."""
    return read_manifest(job_error_path(sweep_dir, job).parent, job_error_path(sweep_dir, job).name)


#: The plan a sweep writes at its root: every job's overrides, so missing jobs can be listed.
PLAN_FILE = "sweep.json"


def read_plan(sweep_dir: Path) -> dict[str, Any] | None:
    """The sweep's plan, or None when it has none."""
    try:
        data = json.loads((sweep_dir / PLAN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def sweep_total(sweep_dir: Path) -> int | None:
    """Number of jobs the sweep at ``sweep_dir`` runs, when its plan is known."""
    plan = read_plan(sweep_dir)
    return len(plan["jobs"]) if plan and isinstance(plan.get("jobs"), list) else None
