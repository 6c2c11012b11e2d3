"""The submitit_slurm launcher sees array tasks cancelled before they started.

SLURM keeps no accounting record of an array task cancelled while pending, and its controller
drops it: ``sacct`` lists the array's other tasks only, and submitit alone waits for the task
forever (found on the local cluster, ``tests/test_slurm_cluster.py``). Here ``sacct`` and
``squeue`` are stand-ins on PATH that print what SLURM 22.05 printed, so this runs without a
cluster.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

slurm = pytest.importorskip("submitit.slurm.slurm")
launchers = pytest.importorskip("hydra_plugins.outreach_sim_launchers.submitit_launchers")

#: sacct once task 7_3 was cancelled while pending and the others ran (as on the local cluster)
SACCT = """JobID|State|NodeList
7_0|COMPLETED|vm
7_0.batch|COMPLETED|vm
7_1|COMPLETED|vm
7_2|RUNNING|vm
"""


def _fake(bin_dir: Path, name: str, stdout: str, stderr: str = "", code: int = 0) -> None:
    (bin_dir / f"{name}.out").write_text(stdout)
    (bin_dir / f"{name}.err").write_text(stderr)
    script = bin_dir / name
    script.write_text(
        f"#!/bin/sh\ncat '{bin_dir}/{name}.out'\ncat '{bin_dir}/{name}.err' >&2\nexit {code}\n"
    )
    script.chmod(0o755)


@pytest.fixture
def fake_bin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    _fake(tmp_path, "sacct", SACCT)
    return tmp_path


def _states(watcher: object) -> dict[str, str]:
    for job in ("7_0", "7_1", "7_2", "7_3"):
        watcher.register_job(job)  # type: ignore[attr-defined]
    watcher.update()  # type: ignore[attr-defined]
    return {job: watcher.get_state(job, mode="cache") for job in ("7_0", "7_2", "7_3")}  # type: ignore[attr-defined]


def test_a_task_neither_sacct_nor_squeue_lists_is_cancelled(fake_bin: Path) -> None:
    _fake(fake_bin, "squeue", "")  # what squeue --states=all printed for the cancelled task
    watcher = launchers.ArrayWatcher()
    assert _states(watcher) == {"7_0": "COMPLETED", "7_2": "RUNNING", "7_3": "CANCELLED"}
    # is_done is what submitit's wait asks
    assert watcher.is_done("7_3", mode="cache") and not watcher.is_done("7_2", mode="cache")
    # submitit's own watcher: the same task is UNKNOWN, which is never done (the hang it fixes)
    plain = slurm.SlurmInfoWatcher()
    assert _states(plain)["7_3"] == "UNKNOWN" and not plain.is_done("7_3", mode="cache")


def test_what_squeue_says_is_taken_and_a_silent_controller_changes_nothing(fake_bin: Path) -> None:
    _fake(fake_bin, "squeue", "7_3 PENDING\n")  # not yet in the accounting database
    assert _states(launchers.ArrayWatcher())["7_3"] == "PENDING"
    _fake(fake_bin, "squeue", "", "slurm_load_jobs error: Unable to contact slurm controller", 1)
    assert _states(launchers.ArrayWatcher())["7_3"] == "UNKNOWN"
    _fake(fake_bin, "squeue", "", "slurm_load_jobs error: Invalid job id specified", 1)
    assert _states(launchers.ArrayWatcher())["7_3"] == "CANCELLED"  # the controller forgot it


def test_the_slurm_launcher_watches_with_it_during_a_launch_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[object] = []

    def launch(self: object, job_overrides: object, initial_job_idx: int) -> list[object]:
        seen.append(slurm.SlurmJob.watcher)
        return []

    monkeypatch.setattr(launchers.SlurmLauncher, "launch", launch)
    before = slurm.SlurmJob.watcher
    launchers.SafeSlurmLauncher.launch(object.__new__(launchers.SafeSlurmLauncher), [], 0)
    assert isinstance(seen[0], launchers.ArrayWatcher)
    assert slurm.SlurmJob.watcher is before


def test_a_failed_launch_waits_for_the_arrays_other_tasks(
    fake_bin: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake(fake_bin, "squeue", "")

    def launch(self: object, job_overrides: object, initial_job_idx: int) -> list[object]:
        for job in ("7_0", "7_1", "7_2", "7_3"):  # as submitit registers an array's tasks
            slurm.SlurmJob.watcher.register_job(job)
        raise RuntimeError("Job 7_3 has not produced any output (state: CANCELLED)")

    slept: list[float] = []
    pause = time.sleep

    def sleep(seconds: float) -> None:  # task 7_2 ends while the launch waits
        slept.append(seconds)
        _fake(fake_bin, "sacct", SACCT.replace("7_2|RUNNING", "7_2|COMPLETED"))
        pause(0.05)

    monkeypatch.setattr(launchers.SlurmLauncher, "launch", launch)
    monkeypatch.setattr(launchers.time, "sleep", sleep)
    with pytest.raises(RuntimeError, match="7_3"):
        launchers.SafeSlurmLauncher.launch(object.__new__(launchers.SafeSlurmLauncher), [], 0)
    assert slept  # it raised only once 7_2 had ended
