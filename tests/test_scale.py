"""Sweeps at scale: per-job outputs, the sharded sweeper, and every launcher giving the same bytes.

One small sweep (4 configurations, ``population.size=200``, one of them failing on purpose) runs
through the basic launcher, joblib, submitit_local, and sharded on the basic and submitit_local
launchers: the sweep tables, each job's tables and the failed job's record are the same bytes, and
a resume finishes the failed job alone (checked on the sharded runs: resume is the app's).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from sim.cli import guard, preflight, resume
from sim.cli.shard import effective_shard_size, job_number, rest_of_shard, shard_of, shards
from sim.cli.sweep import STATE
from sim.run.outputs import PLAN_FILE, write_json
from tests.cli_helpers import manifest, run

SWEEP = [
    "-m",
    "seed=1,2,3,4",
    "population.size=200",
    "replications=2",
    "horizon_days=20",
    "strategy=[entitlement,benefit_led]",
    "outputs=tables",
]
FAIL = {"OUTREACH_SIM_FAIL_JOB": "seed=3"}  # job 2 fails: every launcher must record it alike
TABLES = ("sweep_metrics.csv", "sweep_summary.csv")
JOB_TABLES = ("metrics.csv", "summary.csv", "by_touch.csv", "timeseries.csv", "config.yaml")
LAUNCHERS = {
    "joblib": ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"],
    "submitit_local": ["hydra/launcher=submitit_local"],
    "sharded": ["hydra.sweeper.shard_size=3"],  # shards of 3 and 1: uneven on purpose
    "sharded_submitit_local": ["hydra/launcher=submitit_local", "hydra.sweeper.max_jobs=2"],
}

#: The sweeper's line when a resumed sweep leaves complete shards out.
RESUMED = re.compile(r"Resumed: (\d+) of 4 jobs are complete already; (\d+) of (\d+) launched")


@pytest.fixture(scope="module")
def serial(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("serial")
    proc = run([*SWEEP, "hydra.sweep.dir=sweep"], work, env=FAIL)
    assert proc.returncode == 1, proc.stderr  # one job failed: the sweep says so
    return work / "sweep"


def same_files(one: Path, other: Path) -> None:
    for name in TABLES:
        assert (one / name).read_bytes() == (other / name).read_bytes(), name
    for job in ("0", "1", "3"):
        for name in JOB_TABLES:
            assert (one / job / name).read_bytes() == (other / job / name).read_bytes(), (job, name)


@pytest.mark.slow
@pytest.mark.parametrize("launcher", list(LAUNCHERS))
def test_every_launcher_writes_the_serial_bytes_records_failures_and_resumes(
    launcher: str, serial: Path, tmp_path: Path
) -> None:
    args = [*SWEEP, "hydra.sweep.dir=sweep", *LAUNCHERS[launcher]]
    proc = run(args, tmp_path, env=FAIL)
    assert proc.returncode == 1, proc.stderr
    sweep = tmp_path / "sweep"
    same_files(sweep, serial)
    # Resume, whatever the launcher: the sweeper leaves out complete shards, the app skips
    # complete jobs. The sharded runs (one of them on submitit_local) check it, and keep this
    # file's time under a minute; Ray checks it unsharded (tests/test_ray_launcher.py).
    failed_then_resumed(sweep, serial, args, tmp_path, resume=launcher.startswith("sharded"))


def failed_then_resumed(
    sweep: Path, serial: Path, args: list[str], cwd: Path, *, resume: bool = True
) -> None:
    """Job 2 (FAIL) is recorded failed as in the serial sweep; a resume runs it, and it alone."""
    failed = manifest(sweep / "2")
    assert failed["status"] == "failed" and "deliberate failure" in failed["error"]
    assert failed["job"] == 2 and failed["overrides"] == manifest(serial / "2")["overrides"]
    assert [manifest(sweep / j)["job"] for j in ("0", "1", "3")] == [0, 1, 3]
    if not resume:
        return
    kept = {j: (sweep / j / "manifest.json").read_bytes() for j in ("0", "1", "3")}
    resumed = run([*args, "resume=true"], cwd)
    assert resumed.returncode == 0, resumed.stderr
    assert manifest(sweep / "2")["status"] == "ok"
    for job, data in kept.items():
        assert (sweep / job / "manifest.json").read_bytes() == data, f"job {job} ran again"
    assert (sweep / "report.html").is_file() and (sweep / "sweep_seed.png").is_file()
    # The shards whose jobs were all complete were not launched (the sweeper's line; every
    # layout here has one); the complete jobs of the launched shard skipped themselves (above).
    found = RESUMED.search(resumed.stderr)
    assert found is not None, resumed.stderr
    assert 1 <= int(found[1]) <= 3 and int(found[2]) < int(found[3])
    tables = {name: (sweep / name).read_bytes() for name in TABLES}
    again = run([*args, "resume=true"], cwd)  # all complete: nothing launched, tables again
    assert again.returncode == 0, again.stderr
    assert "Resumed: 4 of 4 jobs are complete already; 0 of" in again.stderr
    assert {name: (sweep / name).read_bytes() for name in TABLES} == tables


@pytest.mark.slow
def test_outputs_tables_keeps_jobs_lean_and_the_root_gets_its_report(tmp_path: Path) -> None:
    # Eleven configurations (above resume.TABLES_ABOVE) in one shard: outputs=auto means tables.
    args = [
        "-m",
        "seed=range(0,11)",
        "population.size=50",
        "replications=1",
        "horizon_days=10",
        "strategy=[entitlement,benefit_led]",
        "hydra.sweeper.shard_size=11",
        "hydra.sweep.dir=sweep",
    ]
    proc = run(args, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Sweep of 11 jobs in 1 shards of up to 11" in proc.stderr
    sweep = tmp_path / "sweep"
    assert json.loads((sweep / "sweep.json").read_text())["shard_size"] == 11
    for job in range(11):
        found = manifest(sweep / str(job))
        assert found["status"] == "ok" and found["job"] == job
        assert sorted(found["files"]) == sorted(JOB_TABLES)
        assert not list((sweep / str(job)).glob("*.png"))
        assert not (sweep / str(job) / "report.html").exists()
    page = (sweep / "report.html").read_text()
    assert "11: 11 ok" in page and "data:image/png;base64," in page
    assert (sweep / "sweep_seed.png").is_file()
    # Asking for full outputs later: a tables-only result is not complete, the job runs again.
    full = run([*args, "resume=true", "outputs=full", "seed=0,1"], tmp_path)
    assert full.returncode == 0, full.stderr
    assert "already complete" not in full.stderr
    assert (sweep / "0" / "report.html").is_file() and (sweep / "1" / "response_rate.png").is_file()


def test_outputs_auto_is_full_for_runs_and_small_sweeps() -> None:
    assert resume.wants_full("auto", None) and resume.wants_full("auto", resume.TABLES_ABOVE)
    assert not resume.wants_full("auto", resume.TABLES_ABOVE + 1)
    assert resume.wants_full("full", 10_000) and not resume.wants_full("tables", None)


def test_outputs_does_not_change_the_config_hash() -> None:
    from omegaconf import OmegaConf

    tables = OmegaConf.create({"seed": 1, "outputs": "tables", "resume": True})
    full = OmegaConf.create({"seed": 1, "outputs": "full", "resume": False})
    assert resume.resolved_yaml(tables) == resume.resolved_yaml(full)


def test_ten_thousand_configurations_fit_a_default_slurm_array() -> None:
    size = effective_shard_size(10_000, 1, 1_000)
    assert size == 10 and len(shards(10_000, size)) == 1_000 <= 1_001
    assert effective_shard_size(10_001, 1, 1_000) == 11  # grows rather than exceed the cap
    assert effective_shard_size(50, 20, 1_000) == 20 and effective_shard_size(5, 1, None) == 1
    parts = shards(7, 3)
    assert [list(p) for p in parts] == [[0, 1, 2], [3, 4, 5], [6]]


def test_a_shard_whose_first_folder_failed_launches_its_other_configurations_alone(
    tmp_path: Path,
) -> None:
    # (the launchers' fallback, tests/test_faults.py runs it: a folder that is a file)
    jobs = [[f"seed={n}"] for n in range(5)]
    write_json(tmp_path / PLAN_FILE, {"overrides": [], "jobs": jobs, "shard_size": 2})
    assert [n for n, _ in shard_of(tmp_path, 2)] == [2, 3] and shard_of(tmp_path, 4) == [
        (4, jobs[4])
    ]
    assert shard_of(tmp_path, 3) == []  # not a shard's first: launched alone, runs alone
    head = ["seed=2", "hydra.sweep.subdir=2"]
    assert job_number(head, 1) == 2 and job_number(["seed=2"], 1) == 1
    assert rest_of_shard(tmp_path, head) == [(3, ["seed=3", "hydra.sweep.subdir=3"])]
    assert rest_of_shard(tmp_path, ["seed=1"]) == []  # an unsharded job: nothing more to run


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ("hydra.sweeper.shard_size=0", "hydra.sweeper.shard_size=0"),
        ("hydra.sweeper.shard_size=two", "hydra.sweeper.shard_size='two'"),
        ("hydra.sweeper.max_jobs=-1", "hydra.sweeper.max_jobs=-1"),
        ("outputs=pictures", "outputs='pictures'"),
        ("+hydra.launcher.setup=[rm -rf x]", "hydra.launcher.setup="),
        ("hydra.launcher.submitit_folder=/tmp/elsewhere", "hydra.launcher.submitit_folder="),
        (
            "+hydra.launcher.additional_parameters.output=/x",
            "hydra.launcher.additional_parameters.output=",
        ),
    ],
)
def test_the_guard_refuses_bad_scale_settings_in_one_line(override: str, named: str) -> None:
    launcher = (
        []
        if override.startswith(("outputs", "hydra.sweeper"))
        else ["hydra/launcher=submitit_slurm"]
    )
    with pytest.raises(guard.UserError) as err:
        preflight.check_command(["-m", "seed=1,2", *launcher, override])
    assert str(err.value).startswith(named) and "\n" not in str(err.value)


def test_the_guard_allows_submitit_with_scheduling_options() -> None:
    preflight.check_command(
        [
            "-m",
            "seed=1,2",
            "hydra/launcher=submitit_slurm",
            "hydra.launcher.partition=short",
            "+hydra.launcher.additional_parameters.mail_type=END",
            "hydra.sweeper.max_jobs=1000",
        ]
    )


def test_a_resumed_sweep_finds_complete_jobs_before_launching(tmp_path: Path) -> None:
    """The pre-flight's test is the job's own: same config hash, same outputs, files intact."""
    args = ["-m", "seed=1,2", "population.size=50", "replications=1", "horizon_days=5"]
    proc = run([*args, "hydra.sweep.dir=sweep", "outputs=tables"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    sweep = tmp_path / "sweep"

    def found(*more: str) -> set[int]:
        """The complete configurations; checks that the pre-flight judged every other one."""
        STATE.judged.clear()
        argv = [*args, f"hydra.sweep.dir={sweep}", *more]
        assert not isinstance(preflight.preflight(argv), int)
        complete, incomplete = STATE.complete_before(sweep), STATE.incomplete_before(sweep)
        judged = "resume=true" in more and "hydra.sweep.subdir" not in " ".join(more)
        assert complete | incomplete == ({0, 1} if judged else set())
        assert not complete & incomplete
        return complete

    assert found("outputs=tables", "resume=true") == {0, 1}
    assert found("outputs=tables") == set()  # not a resume: the jobs run again
    assert found("outputs=full", "resume=true") == set()  # a report is asked for: none there
    assert found("outputs=tables", "resume=true", "horizon_days=6") == set()  # another config
    (sweep / "1" / "metrics.csv").write_text("edited\n")
    assert found("outputs=tables", "resume=true") == {0}  # a table no longer the one written
    custom = found("outputs=tables", "resume=true", "hydra.sweep.subdir=job${hydra.job.num}")
    assert custom == set()  # folders of another layout: left to the jobs (judged neither way)
    STATE.judged.clear()
    # A configuration the pre-flight cannot resolve is judged neither way: its job tells.
    unresolved = OmegaConf.create({"seed": "${hydra:job.num}"})
    assert resume.completed_before(sweep, unresolved, 0, 2) is None
