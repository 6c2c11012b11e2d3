"""Faults at a sweep's edges: its root or its tables cannot be written; its command is killed.

Each test is a row of the faults table of docs/reliability.md (tests/reliability/resources.py).
Before: a sweep whose tables hit a full disk exited 0 with a UserWarning ("on_multirun_end
raised OSError: [Errno 28]"), a read-only sweep root gave a traceback, and after SIGKILL of a
joblib sweep's command its loky workers simulated on to the end of their job (20 s measured for
jobs of 300,000 prospects; 60-200 s reported), holding the terminal's pipes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from sim.cli.preflight import NO_AHEAD_ENV
from tests.cli_helpers import APP, SMALL, manifest, run
from tests.test_faults import _read_only

pytestmark = pytest.mark.slow
TWO = ["-m", "seed=1,2", *SMALL, "hydra.sweep.dir=sweep"]

#: Imported at start-up by every Python process of the command (PYTHONPATH): the disk is full
#: as the sweep tables are written (each write is atomic: a temporary, then a rename).
FULL_DISK = """
import errno, os
_replace = os.replace
def _full(src, dst, *args, **kwargs):
    if os.path.basename(str(dst)).startswith("sweep_"):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    return _replace(src, dst, *args, **kwargs)
os.replace = _full
"""


def _full_disk(tmp_path: Path, names: str) -> dict[str, str]:
    """The environment of a command whose disk is full when it writes a file ``names`` matches."""
    inject = tmp_path / "inject"
    inject.mkdir()
    (inject / "sitecustomize.py").write_text(FULL_DISK.replace('.startswith("sweep_")', names))
    return {
        "PYTHONPATH": os.pathsep.join(filter(None, [str(inject), os.environ.get("PYTHONPATH")]))
    }


def _one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in proc.stderr and "Warning" not in proc.stderr, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, proc.stderr
    return errors[0]


def test_a_sweep_that_cannot_write_its_tables_exits_1_and_says_so(tmp_path: Path) -> None:
    proc = run(TWO, tmp_path, env=_full_disk(tmp_path, '.startswith("sweep_")'))
    assert proc.returncode == 1, proc.stderr
    line = _one_error_line(proc)
    assert "sweep tables could not be written" in line and "No space left on device" in line
    assert "outreach-sim-aggregate sweep" in line, line
    sweep = tmp_path / "sweep"
    assert all(manifest(sweep / job)["status"] == "ok" for job in ("0", "1"))
    assert not list(sweep.glob("sweep_*")) and not list(sweep.glob(".sweep_*")), "no table, no tmp"
    # Once there is room, the tables the sweep would have written.
    again = run(["sweep"], tmp_path, program=str(Path(APP).parent / "outreach-sim-aggregate"))
    assert again.returncode == 0 and (sweep / "sweep_metrics.csv").is_file(), again.stderr


def test_a_run_onto_a_full_disk_is_one_line_and_leaves_no_table(
    tmp_path: Path,
) -> None:
    proc = run(
        [*SMALL, "hydra.run.dir=run"], tmp_path, env=_full_disk(tmp_path, ' == "metrics.csv"')
    )
    assert proc.returncode == 1, proc.stderr
    line = _one_error_line(proc)
    assert line.startswith("error: the run failed") and "No space left on device" in line, line
    # The failure is recorded (a failed manifest); no table and no temporary is left.
    assert [p.name for p in (tmp_path / "run").iterdir()] == ["manifest.json"]
    assert manifest(tmp_path / "run")["status"] == "failed"


@pytest.mark.parametrize("where", ["root", "parent"])
def test_a_read_only_sweep_root_is_one_line(tmp_path: Path, where: str) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    if not _read_only(locked):
        pytest.skip("cannot make a folder read-only for root here (no chattr)")
    target = "locked" if where == "root" else "locked/sweep"
    try:
        proc = run([*TWO[:-1], f"hydra.sweep.dir={target}"], tmp_path)
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(locked)], check=False)
        locked.chmod(0o755)
    assert proc.returncode == 1, proc.stderr
    line = _one_error_line(proc)
    assert line.startswith(f"error: the sweep's folder {target} cannot be written"), line
    assert not list(locked.iterdir()), "nothing was written"


#: Two jobs of many seconds each (300,000 prospects, 4 replicates, two arms), one per worker.
LONG = [
    "-m",
    "seed=1,2",
    "population.size=300000",
    "replications=4",
    "strategy=[entitlement,benefit_led]",
    "hydra/launcher=joblib",
    "hydra.launcher.n_jobs=2",
    "hydra.sweep.dir=sweep",
]
#: Seconds the whole session may outlive a SIGKILL of its command: the workers' watch polls
#: every 0.25 s (sim.run.outputs.PARENT_POLL); the rest is slack for a loaded machine.
GONE_WITHIN = 10.0


def _session(sid: int) -> list[int]:
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            alive.append(int(stat.parent.name))
    return alive


def test_a_killed_sweeps_workers_and_trackers_exit_promptly(tmp_path: Path) -> None:
    env = {**os.environ, NO_AHEAD_ENV: "1"}
    env.pop("HYDRA_FULL_ERROR", None)
    proc = subprocess.Popen(
        [APP, *LONG],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    sweep = tmp_path / "sweep"
    deadline = time.monotonic() + 120
    while not all((sweep / j).is_dir() for j in "01") and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)  # both workers deep in their simulation, writing nothing
    workers = [p for p in _session(proc.pid) if p != proc.pid]
    assert proc.poll() is None and len(workers) >= 3, "workers and a resource tracker run"
    assert not list(sweep.glob("*/manifest.json")), "a job finished before the kill"
    os.kill(proc.pid, signal.SIGKILL)
    killed = time.monotonic()
    closed: list[float] = []
    assert proc.stderr is not None
    reader = threading.Thread(
        target=lambda: (proc.stderr.read(), closed.append(time.monotonic() - killed)),  # type: ignore[union-attr]
        daemon=True,
    )
    reader.start()
    proc.wait()
    while _session(proc.pid) and time.monotonic() - killed < 120:
        time.sleep(0.1)
    gone = time.monotonic() - killed
    reader.join(5)
    assert gone < GONE_WITHIN, f"the session outlived its command by {gone:.1f} s"
    assert closed and closed[0] < GONE_WITHIN, "the terminal's pipe was held"
    assert not list(sweep.glob("*/manifest.json")), "a worker wrote after its command died"
