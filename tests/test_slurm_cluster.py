"""Sweeps through ``hydra/launcher=submitit_slurm`` on a real SLURM cluster.

Run against the single-node cluster of ``scripts/slurm-local.sh`` (``make slurm-check`` starts
it with ``MaxArraySize=4``, runs this file and tears it down), or any cluster whose ``sinfo``
shows an idle node: ``SLURM_CONF`` if set, else the local cluster's config. Skipped, with the
reason, when none answers. The sweep folders are under pytest's temporary folder, so the nodes
must share it with this machine: true of the local cluster, not of most sites (docs/scaling.md).

- The sweep tables, and each job's tables, are the bytes the basic (serial) and joblib launchers
  write, with one array task per configuration and sharded.
- A sweep of more configurations than ``MaxArraySize`` is refused by SLURM unsharded, and runs
  with ``hydra.sweeper.max_jobs`` as one array of at most that many tasks, with the same bytes.
- A configuration that fails at run time is recorded failed in its own manifest; an array task
  cancelled before it started (``scancel``) is listed missing. Either way the sweep root is
  aggregated, the command exits 1, and ``resume=true`` finishes the sweep with the serial bytes.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli_helpers import APP, manifest, run

LOCAL_CONF = Path(os.environ.get("SLURM_LOCAL_DIR", "/tmp/outreach-slurm")) / "etc/slurm.conf"
TABLES = ("sweep_metrics.csv", "sweep_summary.csv")
JOB_TABLES = ("metrics.csv", "summary.csv", "by_touch.csv", "timeseries.csv", "config.yaml")
SMALL = ["population.size=200", "replications=2", "horizon_days=20", "outputs=tables"]
STRATEGIES = "strategy=[entitlement,benefit_led],[entitlement,nurture]"
#: Four configurations (two seeds by two strategies), small and quick.
SWEEP = ["-m", "seed=1,2", STRATEGIES, *SMALL, "hydra.sweep.dir=sweep"]
#: Six: more than the local cluster's MaxArraySize in make slurm-check.
BIG = ["-m", "seed=1,2,3", STRATEGIES, *SMALL, "hydra.sweep.dir=sweep"]
FAIL = {"OUTREACH_SIM_FAIL_JOB": "seed=2"}  # configurations 2 and 3 (seed 2) fail


def _slurm_env() -> dict[str, str]:
    env = dict(os.environ)
    if "SLURM_CONF" not in env and LOCAL_CONF.is_file():
        env["SLURM_CONF"] = str(LOCAL_CONF)
    return env


def _ask(*command: str) -> str:
    """A SLURM command's output ('' when it fails or is not installed)."""
    try:
        proc = subprocess.run(
            command, env=_slurm_env(), capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return proc.stdout if proc.returncode == 0 else ""


def _cluster() -> tuple[str, int] | str:
    """(default partition, MaxArraySize) of a cluster with an idle node, or why there is none."""
    if shutil.which("sinfo") is None:
        return "no SLURM: sinfo is not installed (make slurm-check installs and starts one)"
    rows = [line.split() for line in _ask("sinfo", "-h", "-o", "%P %t").splitlines()]
    if not rows:
        return "no SLURM cluster answers sinfo (make slurm-check starts one)"
    if not any(state == "idle" for _, state in rows):
        return f"no idle SLURM node (sinfo: {rows})"
    default = next((p for p, _ in rows if p.endswith("*")), rows[0][0]).rstrip("*")
    found = re.search(r"^MaxArraySize\s*=\s*(\d+)", _ask("scontrol", "show", "config"), re.M)
    return default, int(found.group(1)) if found else 1001


CLUSTER = _cluster()
if isinstance(CLUSTER, str) and os.environ.get("SLURM_CHECK_REQUIRED"):
    pytest.fail(f"SLURM_CHECK_REQUIRED is set and {CLUSTER}", pytrace=False)  # make slurm-check
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(isinstance(CLUSTER, str), reason=str(CLUSTER)),
]


@pytest.fixture(scope="module")
def cluster() -> tuple[str, int]:
    assert not isinstance(CLUSTER, str)
    return CLUSTER


def _slurm(partition: str) -> list[str]:
    return [
        "hydra/launcher=submitit_slurm",
        f"hydra.launcher.partition={partition}",
        "hydra.launcher.timeout_min=10",
    ]


def _sweep(args: list[str], cwd: Path, env: dict[str, str] | None = None, rc: int = 0) -> Path:
    cwd.mkdir(exist_ok=True)
    proc = run(args, cwd, env={**_slurm_env(), **(env or {})})
    assert proc.returncode == rc, proc.stderr
    return cwd / "sweep"


def _same_files(one: Path, other: Path, jobs: range) -> None:
    for name in TABLES:
        assert (one / name).read_bytes() == (other / name).read_bytes(), name
    for job in jobs:
        for name in JOB_TABLES:
            got, want = (one / str(job) / name).read_bytes(), (other / str(job) / name).read_bytes()
            assert got == want, (job, name)


def _arrays(sweep: Path) -> dict[str, int]:
    """The SLURM arrays a sweep submitted, each with its number of tasks (its .submitit folders)."""
    arrays: dict[str, int] = {}
    for folder in (sweep / ".submitit").iterdir():
        task = re.fullmatch(r"(\d+)_\d+", folder.name)  # not submitit's .submission_file_*.sh
        if task:
            arrays[task[1]] = arrays.get(task[1], 0) + 1
    return arrays


@pytest.fixture(scope="module")
def serial(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _sweep(SWEEP, tmp_path_factory.mktemp("serial"))


def test_slurm_sweeps_write_the_serial_and_joblib_bytes(
    serial: Path, cluster: tuple[str, int], tmp_path: Path
) -> None:
    partition, max_array = cluster
    joblib = _sweep([*SWEEP, "hydra/launcher=joblib", "hydra.launcher.n_jobs=2"], tmp_path / "jl")
    _same_files(joblib, serial, range(4))
    if max_array >= 4:  # one array task per configuration
        slurm = _sweep([*SWEEP, *_slurm(partition)], tmp_path / "slurm")
        _same_files(slurm, serial, range(4))
        assert list(_arrays(slurm).values()) == [4]
        assert [manifest(slurm / str(j))["status"] for j in range(4)] == ["ok"] * 4
    sharded = _sweep([*SWEEP, *_slurm(partition), "hydra.sweeper.max_jobs=2"], tmp_path / "sh")
    _same_files(sharded, serial, range(4))
    assert list(_arrays(sharded).values()) == [2]  # two tasks of two configurations


def test_sharding_fits_a_sweep_larger_than_max_array_size(
    cluster: tuple[str, int], tmp_path: Path
) -> None:
    partition, max_array = cluster
    if max_array >= 6:
        pytest.skip(
            f"MaxArraySize is {max_array}: a 6-configuration sweep fits unsharded "
            "(make slurm-check starts a cluster with MaxArraySize=4)"
        )
    whole = _sweep([*BIG, *_slurm(partition)], tmp_path / "whole", rc=1)
    assert not (whole / "0").exists() and (whole / "sweep_summary.csv").is_file()
    sharded = _sweep([*BIG, *_slurm(partition), f"hydra.sweeper.max_jobs={max_array}"], tmp_path)
    _same_files(sharded, _sweep(BIG, tmp_path / "serial"), range(6))
    arrays = _arrays(sharded)
    assert len(arrays) == 1 and next(iter(arrays.values())) <= max_array, arrays


def _resumes_to_serial(sweep: Path, serial: Path, args: list[str], kept: tuple[int, ...]) -> None:
    before = {j: (sweep / str(j) / "manifest.json").read_bytes() for j in kept}
    tasks = _tasks(sweep)
    _sweep([*args, "resume=true"], sweep.parent)
    for job, data in before.items():
        assert (sweep / str(job) / "manifest.json").read_bytes() == data, f"job {job} ran again"
    _same_files(sweep, serial, range(4))
    # The resume submitted the incomplete configurations only: the complete ones get no task
    # that would start Python only to find its results.
    assert len(_tasks(sweep) - tasks) == 4 - len(kept), sorted(_tasks(sweep) - tasks)


def _tasks(sweep: Path) -> set[str]:
    """The SLURM tasks a sweep submitted: array tasks, and jobs of one (submitit submits a
    single job as a plain job, not an array of one)."""
    names = {folder.name for folder in (sweep / ".submitit").iterdir()}
    arrays = {name.split("_")[0] for name in names if re.fullmatch(r"\d+_\d+", name)}
    return {n for n in names if re.fullmatch(r"\d+_\d+", n) or (n.isdigit() and n not in arrays)}


def test_a_failed_configuration_is_recorded_aggregated_and_resumed(
    serial: Path, cluster: tuple[str, int], tmp_path: Path
) -> None:
    args = [*SWEEP, *_slurm(cluster[0])]
    sweep = _sweep(args, tmp_path, env=FAIL, rc=1)  # the job environment reaches the tasks
    for job in (2, 3):
        failed = manifest(sweep / str(job))
        assert failed["status"] == "failed" and "deliberate failure" in failed["error"]
    assert (sweep / "sweep_summary.csv").is_file() and (sweep / "report.html").is_file()
    _resumes_to_serial(sweep, serial, args, kept=(0, 1))


#: Seconds the sweep has, once tasks 0 and 2 are done, to find task 1 cancelled (submitit asks
#: sacct every 2 s at first, then every half of the time since the array was submitted).
WAIT = 20


def _submitted_array(sweep: Path) -> str:
    """The SLURM array id of the sweep's submission ('' before it is submitted)."""
    submitted = sweep / ".submitit"
    names = [p.name for p in submitted.iterdir()] if submitted.is_dir() else []
    return next((n for n in names if n.isdigit()), "")


def _wait_for(ready: Callable[[], object], proc: subprocess.Popen[str], seconds: float) -> object:
    """``ready()`` once it is true, or its last value after ``seconds`` or once ``proc`` ended."""
    deadline = time.monotonic() + seconds
    while not (value := ready()) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    return value


def test_a_cancelled_array_task_is_listed_missing_aggregated_and_resumed(
    serial: Path, cluster: tuple[str, int], tmp_path: Path
) -> None:
    # The array is held (begin) while task 1 is cancelled and task 3 held, then released: a
    # task cancelled before it started has no record in sacct, which submitit alone waited for
    # forever. Task 3 is released only once tasks 0 and 2 are done and the command has had
    # WAIT seconds to find task 1 cancelled: the sweep must wait for task 3 before it aggregates.
    args = [*SWEEP, *_slurm(cluster[0])]
    held = [*args, "+hydra.launcher.additional_parameters.begin=now+600"]
    slurm = _slurm_env()
    proc = subprocess.Popen(
        [APP, *held], cwd=tmp_path, env=slurm, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    sweep = tmp_path / "sweep"
    try:
        array = _wait_for(lambda: _submitted_array(sweep), proc, 120)
        assert array, "the sweep submitted no array"
        subprocess.run(["scancel", f"{array}_1"], env=slurm, check=True)
        subprocess.run(["scontrol", "hold", f"{array}_3"], env=slurm, check=True)
        subprocess.run(["scontrol", "update", f"JobId={array}", "StartTime=now"], env=slurm)
        done = lambda: all((sweep / j / "manifest.json").is_file() for j in "02")  # noqa: E731
        assert _wait_for(done, proc, 180), "tasks 0 and 2 did not finish"
        _wait_for(lambda: False, proc, WAIT)
        assert proc.poll() is None, "the sweep ended while task 3 was still to run"
        subprocess.run(["scontrol", "release", f"{array}_3"], env=slurm, check=True)
        subprocess.run(["scontrol", "update", f"JobId={array}_3", "StartTime=now"], env=slurm)
        stdout, stderr = proc.communicate(timeout=300)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 1, stderr
    assert "CANCELLED" in stderr, stderr
    assert not (sweep / "1" / "manifest.json").exists()
    assert "4 jobs, 3 ok, 1 missing" in stdout + stderr and "job 1 missing" in stdout + stderr
    assert [manifest(sweep / str(j))["status"] for j in (0, 2, 3)] == ["ok"] * 3
    assert (sweep / "report.html").is_file()
    _resumes_to_serial(sweep, serial, args, kept=(0, 2, 3))
