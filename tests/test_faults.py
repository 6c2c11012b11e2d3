"""Faults a sweep survives with nothing lost: unwritable job folders, a killed parent, torn files.

Each test here is a row of the faults table in docs/reliability.md (tests/reliability_cases.py).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.cli.preflight import NO_AHEAD_ENV
from sim.run import outputs
from tests.cli_helpers import SMALL, complete_already, manifest, run, start_in_session

pytestmark = pytest.mark.slow
#: One launched job per configuration (the sweep would otherwise choose shards): Hydra's own
#: set-up of each job's folder is what these faults are about; the sharded tests pass a size.
THREE = ["-m", "seed=1,2,3", *SMALL, "hydra.sweep.dir=sweep", "hydra.sweeper.shard_size=1"]


def _assert_one_failed_job(
    proc: subprocess.CompletedProcess[str], sweep: Path, job: int, *, lines: bool = True
) -> None:
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    summary = pd.read_csv(sweep / "sweep_summary.csv")
    statuses = summary.groupby("job")["status"].first().to_dict()
    assert statuses == {j: ("failed" if j == job else "ok") for j in range(3)}, statuses
    error = summary[summary["job"] == job]["error"].iloc[0]
    assert "Error" in error, error  # the OS error, e.g. FileExistsError or PermissionError
    for other in {0, 1, 2} - {job}:
        assert manifest(sweep / str(other))["status"] == "ok"
    assert f"job {job} FAILED" in proc.stderr or not lines


def _in_the_way(tmp_path: Path, job: str) -> None:
    """A sweep folder this program wrote before (its ``job_errors/``), job ``job``'s now a file.

    A folder the program did not write is refused before anything runs (docs/outputs.md); a
    file in the way of one job inside the program's own folder fails that job alone.
    """
    (tmp_path / "sweep" / "job_errors").mkdir(parents=True)
    (tmp_path / "sweep" / job).write_text("in the way\n")


def test_a_job_folder_that_is_a_file_fails_that_job_only(tmp_path: Path) -> None:
    _in_the_way(tmp_path, "1")
    proc = run(THREE, tmp_path)
    _assert_one_failed_job(proc, tmp_path / "sweep", 1)
    assert (
        "FileExistsError"
        in pd.read_csv(tmp_path / "sweep" / "sweep_metrics.csv")["error"][2:].str.cat()
    )
    assert (tmp_path / "sweep" / "1").read_text() == "in the way\n"


def test_a_job_folder_that_is_a_file_fails_that_job_only_in_parallel(tmp_path: Path) -> None:
    _in_the_way(tmp_path, "2")
    proc = run([*THREE, "hydra/launcher=joblib", "hydra.launcher.n_jobs=2"], tmp_path)
    _assert_one_failed_job(proc, tmp_path / "sweep", 2)


@pytest.mark.parametrize(
    ("taken", "launcher"),
    [
        ("0", []),  # the shard's first folder: Hydra's own, so the launcher records it
        ("1", []),  # a folder the app writes for the shard's second configuration
        ("0", ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"]),
        ("0", ["hydra/launcher=submitit_local"]),
    ],
    ids=["first", "second", "first-joblib", "first-submitit_local"],
)
def test_a_folder_that_is_a_file_fails_one_configuration_of_a_shard(
    taken: str, launcher: list[str], tmp_path: Path
) -> None:
    # All three configurations in one shard (one launched job): the others still run.
    _in_the_way(tmp_path, taken)
    proc = run([*THREE, "hydra.sweeper.shard_size=3", *launcher], tmp_path)
    # (submitit_local's jobs print their progress lines into their own logs, not here)
    _assert_one_failed_job(
        proc, tmp_path / "sweep", int(taken), lines="submitit" not in str(launcher)
    )
    assert "1 shards of up to 3" in proc.stderr
    record = json.loads((tmp_path / "sweep" / "job_errors" / f"{taken}.json").read_text())
    # Hydra's mkdir (FileExistsError) or the app's first write into it (NotADirectoryError)
    assert record["job"] == int(taken)
    assert "FileExistsError" in record["error"] or "NotADirectoryError" in record["error"]
    assert not any(o.startswith("hydra.") for o in record["overrides"]), record["overrides"]
    assert (tmp_path / "sweep" / taken).read_text() == "in the way\n"


def _read_only(folder: Path) -> bool:
    """Make ``folder`` unwritable, also for root (chattr +i); False when that is impossible."""
    folder.chmod(0o555)
    if os.geteuid() != 0:
        return True
    chattr = shutil.which("chattr")
    return chattr is not None and subprocess.run([chattr, "+i", str(folder)]).returncode == 0


def test_a_read_only_job_folder_fails_that_job_only(tmp_path: Path) -> None:
    job = tmp_path / "sweep" / "0"
    job.mkdir(parents=True)
    if not _read_only(job):
        pytest.skip("cannot make a folder read-only for root here (no chattr)")
    try:
        proc = run(THREE, tmp_path)
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(job)], check=False)
        job.chmod(0o755)
    _assert_one_failed_job(proc, tmp_path / "sweep", 0)
    assert not list(job.iterdir()), "nothing was written into the read-only folder"
    record = json.loads((tmp_path / "sweep" / "job_errors" / "0.json").read_text())
    assert record["status"] == "failed" and "PermissionError" in record["error"]


def test_a_run_folder_that_cannot_be_created_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file\n")
    proc = run([*SMALL, "hydra.run.dir=taken/run"], tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: the run's folder taken/run"), lines
    assert (tmp_path / "taken").read_text() == "a file\n"


def test_a_corrupt_manifest_makes_the_job_run_again(tmp_path: Path) -> None:
    args = ["-m", "seed=1,2", *SMALL, "hydra.sweep.dir=sweep"]
    assert run(args, tmp_path).returncode == 0
    sweep = tmp_path / "sweep"
    tables = {n: (sweep / n).read_bytes() for n in ("sweep_metrics.csv", "sweep_summary.csv")}
    torn = sweep / "1" / "manifest.json"
    torn.write_text(torn.read_text()[:40])  # a half-written manifest (not atomic, e.g. by hand)
    resumed = run([*args, "resume=true"], tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert complete_already(resumed.stderr) == 1  # job 0 only
    assert manifest(sweep / "1")["status"] == "ok"
    for name, data in tables.items():
        assert (sweep / name).read_bytes() == data, name


def test_an_interrupted_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "metrics.csv"
    outputs.write_text(target, "old\n")

    class Torn(bytes):
        pass

    def fail(*args: object) -> None:
        raise OSError(28, "No space left on device")

    original = os.fsync
    os.fsync = fail  # type: ignore[assignment]
    try:
        with pytest.raises(OSError, match="No space left"):
            outputs.write_bytes(target, Torn(b"new, half written"))
    finally:
        os.fsync = original
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.csv"], "no temporary file is left"


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


#: Two jobs of a few seconds each, one per worker: the parent is killed while both run.
SLOW = [
    "-m",
    "seed=1,2",
    "population.size=40000",
    "replications=2",
    "strategy=[entitlement,benefit_led]",
    "hydra/launcher=joblib",
    "hydra.launcher.n_jobs=2",
    "hydra.sweep.dir=sweep",
]


def _files(folder: Path) -> dict[str, float]:
    return {str(p.relative_to(folder)): p.stat().st_mtime for p in folder.rglob("*") if p.is_file()}


#: The same, sharded: four configurations, two per launched job (shards [0, 1] and [2, 3]).
SLOW_SHARDED = [*SLOW[:1], "seed=1,2,3,4", *SLOW[2:], "hydra.sweeper.shard_size=2"]


def _kill_parent_mid_sweep(
    tmp_path: Path, sig: signal.Signals, args: list[str] = SLOW, heads: tuple[str, ...] = ("0", "1")
) -> subprocess.Popen[str]:
    sweep = tmp_path / "sweep"
    # Every job simulates when it starts (none simulated ahead, sim.cli.sweep.simulate_ahead): the
    # kill lands while each simulates, not while the first writes its files.
    os.environ[NO_AHEAD_ENV] = "1"
    try:
        proc = start_in_session(
            args, tmp_path, lambda: all((sweep / h).is_dir() for h in heads), 60
        )
    finally:
        del os.environ[NO_AHEAD_ENV]
    assert all((sweep / h).is_dir() for h in heads), "the jobs did not start"
    workers = _children(proc.pid)
    assert proc.poll() is None, "the sweep finished before it could be killed"
    os.kill(proc.pid, sig)
    at_kill = _files(sweep)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 30
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(w) for w in workers), "a worker outlived its parent by 30 s"
    assert _files(sweep) == at_kill, "a worker wrote into the sweep after its parent was killed"
    assert not [f for f in at_kill if f[0].isdigit()], "a job finished too soon"
    return proc


def test_workers_stop_writing_when_the_parent_is_killed(tmp_path: Path) -> None:
    proc = _kill_parent_mid_sweep(tmp_path, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL


def test_workers_stop_writing_when_the_parent_is_terminated(tmp_path: Path) -> None:
    proc = _kill_parent_mid_sweep(tmp_path, signal.SIGTERM)
    assert proc.returncode == 143
    err = proc.stderr.read() if proc.stderr else ""
    # (loky's resource tracker, a child that outlives the parent, may add its clean-up warnings)
    assert any(line.startswith("interrupted: 0 of 2 jobs finished") for line in err.splitlines())
    assert "Traceback" not in err


def test_sharded_workers_stop_writing_when_the_parent_is_killed(tmp_path: Path) -> None:
    # A worker running a shard checks before each configuration and each write, not only once.
    proc = _kill_parent_mid_sweep(tmp_path, signal.SIGKILL, SLOW_SHARDED, ("0", "2"))
    assert proc.returncode == -signal.SIGKILL
