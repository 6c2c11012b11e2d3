"""Sweeps through the real command: parallel = serial, failures, kill and resume, unique dirs."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.cli_helpers import (
    AGGREGATE,
    APP,
    SMALL,
    complete_already,
    manifest,
    run,
    start_in_session,
)

pytestmark = pytest.mark.slow
SWEEP = ["-m", "population.size=100,150", "seed=1,2", *SMALL[1:]]
TABLES = ("sweep_metrics.csv", "sweep_summary.csv")
JOB_TABLES = ("metrics.csv", "summary.csv", "by_touch.csv", "timeseries.csv")


@pytest.fixture(scope="module")
def serial(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2x2 sweep with the basic launcher, run once for the whole module."""
    work = tmp_path_factory.mktemp("serial")
    proc = run([*SWEEP, "hydra.sweep.dir=sweep"], work)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count(" ok in ") == 4  # a progress line per finished job
    return work / "sweep"


def test_serial_sweep_writes_tables_and_figures(serial: Path) -> None:
    metrics = pd.read_csv(serial / "sweep_metrics.csv")
    assert list(metrics.columns[:5]) == ["job", "status", "error", "population.size", "seed"]
    assert set(metrics["status"]) == {"ok"} and sorted(metrics["job"].unique()) == [0, 1, 2, 3]
    assert set(metrics["population.size"]) == {100, 150}
    summary = pd.read_csv(serial / "sweep_summary.csv")
    assert {"arm", "metric", "mean", "p_value", "population.size", "seed"} <= set(summary.columns)
    assert (serial / "sweep_population_size.png").is_file()
    for job in range(4):
        assert manifest(serial / str(job))["status"] == "ok"


def test_joblib_sweep_matches_serial_byte_for_byte(serial: Path, tmp_path: Path) -> None:
    proc = run(
        [*SWEEP, "hydra.sweep.dir=sweep", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2"],
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    parallel = tmp_path / "sweep"
    for name in TABLES:
        assert (parallel / name).read_bytes() == (serial / name).read_bytes(), name
    for job in range(4):
        for name in JOB_TABLES:
            assert (parallel / str(job) / name).read_bytes() == (
                serial / str(job) / name
            ).read_bytes()


def test_failing_job_keeps_the_others_lists_the_error_and_exits_nonzero(tmp_path: Path) -> None:
    proc = run(
        ["-m", "seed=1,2", *SMALL, "hydra.sweep.dir=sweep"],
        tmp_path,
        env={"OUTREACH_SIM_FAIL_JOB": "seed=2"},
    )
    assert proc.returncode == 1
    sweep = tmp_path / "sweep"
    summary = pd.read_csv(sweep / "sweep_summary.csv")
    failed = summary[summary["status"] == "failed"]
    assert list(failed["job"]) == [1] and "deliberate failure" in failed["error"].iloc[0]
    assert (summary[summary["job"] == 0]["status"] == "ok").all()
    assert manifest(sweep / "1")["status"] == "failed"
    assert not (sweep / "1" / "metrics.csv").exists(), "a failed job writes no result files"
    assert (sweep / "0" / "metrics.csv").is_file()
    metrics = pd.read_csv(sweep / "sweep_metrics.csv")
    assert set(metrics["status"]) == {"ok", "failed"}


def test_killed_sweep_resumes_to_the_uninterrupted_tables(serial: Path, tmp_path: Path) -> None:
    args = [*SWEEP, "hydra.sweep.dir=sweep"]
    sweep = tmp_path / "sweep"
    proc = start_in_session(
        args, tmp_path, lambda: any(sweep.glob("*/manifest.json")), 300, subprocess.DEVNULL
    )
    assert proc.poll() is None, "the sweep finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = len(list(sweep.glob("*/manifest.json")))
    assert 1 <= done < 4
    assert not (sweep / "sweep_metrics.csv").exists()
    rebuilt = run([str(sweep)], tmp_path, program=AGGREGATE)  # whatever finished, listed
    assert rebuilt.returncode == 1
    partial = pd.read_csv(sweep / "sweep_summary.csv")
    assert (partial["status"] == "ok").any() and (partial["status"] != "ok").any()
    resumed = run([*args, "resume=true"], tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert complete_already(resumed.stderr) == done
    for name in TABLES:
        assert (sweep / name).read_bytes() == (serial / name).read_bytes(), name


def test_a_resumed_sweep_counts_a_rerun_job_when_it_finishes(tmp_path: Path) -> None:
    """The failed jobs' old manifests do not count as done while they run again."""
    args = [*SWEEP, "hydra.sweep.dir=sweep"]
    failed = run(args, tmp_path, env={"OUTREACH_SIM_FAIL_JOB": "population.size=150"})
    assert failed.returncode == 1 and failed.stderr.count(" FAILED in ") == 2
    resumed = run([*args, "resume=true"], tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    lines = [line for line in resumed.stderr.splitlines() if " ok in " in line]
    assert [line.split(" in ")[0] for line in lines] == ["[3/4] job 2 ok", "[4/4] job 3 ok"]
    for job in (2, 3):  # the earlier attempt's record is kept beside the new one
        previous = json.loads(
            (tmp_path / "sweep" / str(job) / "manifest.previous.json").read_text()
        )
        assert (
            previous["status"] == "failed"
            and manifest(tmp_path / "sweep" / str(job))["status"] == "ok"
        )
    assert not (tmp_path / "sweep" / "0" / "manifest.previous.json").exists()  # complete: kept


def test_resume_reruns_a_job_whose_config_changed(tmp_path: Path) -> None:
    args = ["-m", "seed=3", *SMALL, "hydra.sweep.dir=sweep", "resume=true"]
    assert run(args, tmp_path).returncode == 0
    first = manifest(tmp_path / "sweep" / "0")
    again = run(args, tmp_path)
    assert again.returncode == 0 and complete_already(again.stderr) == 1
    assert manifest(tmp_path / "sweep" / "0") == first
    changed = run([*args, "horizon_days=21"], tmp_path)
    assert changed.returncode == 0 and complete_already(changed.stderr) == 0
    assert manifest(tmp_path / "sweep" / "0")["config_hash"] != first["config_hash"]


def test_two_sweeps_started_together_get_different_dirs(tmp_path: Path) -> None:
    args = [
        APP,
        "-m",
        "seed=1",
        "population.size=50",
        "replications=1",
        "horizon_days=10",
        "strategy=[entitlement]",
    ]
    procs = [
        subprocess.Popen(args, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(2)
    ]
    assert [p.wait(timeout=300) for p in procs] == [0, 0]
    sweeps = sorted((tmp_path / "results" / "sweeps").iterdir())
    assert len(sweeps) == 2
    for sweep in sweeps:
        assert manifest(sweep / "0")["status"] == "ok"  # each sweep's job landed in its own dir


def test_aggregate_rebuilds_identical_tables(serial: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(serial, copy)
    for name in TABLES:
        (copy / name).unlink()
    proc = run([str(copy)], tmp_path, program=AGGREGATE)
    assert proc.returncode == 0, proc.stderr
    for name in TABLES:
        assert (copy / name).read_bytes() == (serial / name).read_bytes()


def test_resume_reruns_a_job_whose_tables_were_deleted_or_changed(tmp_path: Path) -> None:
    args = ["-m", "seed=1,2,3", *SMALL[1:], "population.size=60", "hydra.sweep.dir=sweep"]
    assert run(args, tmp_path).returncode == 0
    sweep = tmp_path / "sweep"
    deleted, edited = sweep / "0" / "metrics.csv", sweep / "1" / "summary.csv"
    original = {deleted: deleted.read_bytes(), edited: edited.read_bytes()}
    deleted.unlink()
    edited.write_bytes(original[edited].replace(b"0", b"9", 1))
    resumed = run([*args, "resume=true"], tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert complete_already(resumed.stderr) == 1  # job 2 only: 0 and 1 ran again
    for path, data in original.items():
        assert path.read_bytes() == data, path
    for job in ("0", "1", "2"):
        found = manifest(sweep / job)
        assert set(found["file_sha256"]) == set(found["files"])


def test_ctrl_c_prints_one_line_with_the_command_that_finishes_the_sweep(
    serial: Path, tmp_path: Path
) -> None:
    args = [*SWEEP, "hydra.sweep.dir=sweep"]
    sweep = tmp_path / "sweep"
    proc = start_in_session(args, tmp_path, lambda: any(sweep.glob("*/manifest.json")), 300)
    os.kill(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("interrupted: ") and " jobs finished in sweep" in last, last
    command = shlex.split(last.split("finish the rest with: ", 1)[1])
    # Pasted anywhere: this interpreter's full path and -m sim, each argument shell-quoted.
    assert command[:3] == [sys.executable, "-m", "sim"] and command[-1] == "resume=true"
    resumed = run(command[3:], tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    for name in TABLES:
        assert (sweep / name).read_bytes() == (serial / name).read_bytes(), name


class _Writes:
    """A stderr that keeps each write call apart."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def write(self, text: str) -> int:
        self.calls.append(text)
        return len(text)

    def flush(self) -> None:
        pass


def test_a_progress_line_and_the_interrupt_line_are_each_one_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C between a line and its newline glued the two lines together (a slow CPU saw it):
    each line goes out with its newline in one write, which a signal handler cannot split."""
    import sys

    from sim.cli import app
    from sim.cli.sweep import progress_line

    err = _Writes()
    monkeypatch.setattr(sys, "stderr", err)
    progress_line(tmp_path, 0, "ok", 1.0, ["seed=1"])
    assert err.calls == ["[0] job 0 ok in 1.0 s: seed=1\n"]
    monkeypatch.setattr(os, "_exit", lambda code: None)
    err.calls.clear()
    app._on_interrupt(signal.SIGINT, None)
    assert len(err.calls) == 1 and err.calls[0].startswith("interrupted: ")
    assert err.calls[0].endswith("\n")
