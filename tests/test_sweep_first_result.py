"""A sweep's first result: its first configuration simulated ahead, and Hydra's mode known early.

Timings live in benchmarks/jobs.py (``first_result_row``); these tests check that the
mechanisms are there and change no byte.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from omegaconf import DictConfig

from sim.cli import preflight, sweep
from sim.cli.resume import resolved_yaml
from sim.run.api import simulate, tables
from sim.run.outputs import config_hash
from sim.run.registry import CONF_DIR, to_experiment
from tests.cli_helpers import SMALL, run

TABLES = ("metrics", "summary", "by_touch", "timeseries")
#: The one line a sweep with population.size=-1 gets.
REFUSED = "error: population.size=-1 is not allowed: a number >= 1"


def _task(overrides: list[str]) -> DictConfig:
    """The job's config, composed inside the ``hydra_context`` fixture."""
    return compose("config", overrides=overrides)


def _same_tables(a: object, b: object) -> None:
    for name in TABLES:
        left, right = getattr(a, name), getattr(b, name)
        assert left.to_csv(index=False) == right.to_csv(index=False), name


@pytest.fixture
def ahead_dir() -> object:
    yield
    sweep.end_ahead()


def test_results_simulated_ahead_are_the_jobs_own(ahead_dir: object, hydra_context: None) -> None:
    task = _task(SMALL)
    digest = config_hash(resolved_yaml(task))
    folder = Path(sweep.start_ahead(digest))
    sweep.simulate_ahead(folder, digest, task)
    assert (folder / f"{digest}.results").is_file()
    found = sweep.take_ahead(digest)
    assert found is not None
    exp = to_experiment(task)
    _same_tables(tables(exp, found), simulate(exp, checked=True))
    # Another configuration was not asked for: its job simulates it.
    assert sweep.take_ahead(config_hash("another config")) is None
    sweep.end_ahead()
    assert not folder.exists()


def test_whoever_claims_a_configuration_first_simulates_it(
    ahead_dir: object, hydra_context: None, exited_pid: int
) -> None:
    task = _task(SMALL)
    digest = config_hash(resolved_yaml(task))
    folder = Path(sweep.start_ahead(digest))
    paths = sweep.ahead_paths(folder, digest)
    # The job began first: it simulates the configuration, the worker ahead does nothing.
    assert sweep.take_ahead(digest) is None
    sweep.simulate_ahead(folder, digest, task)
    assert not paths["results"].exists()
    # A worker ahead that failed, or died, is not waited for.
    paths["failed"].touch()
    assert sweep.take_ahead(digest) is None
    paths["failed"].unlink()
    paths["claim"].write_text(str(exited_pid))
    assert sweep.take_ahead(digest) is None


def test_a_warm_worker_simulates_the_first_configuration_ahead(
    ahead_dir: object, hydra_context: None
) -> None:
    from sim.cli.workers import start_workers, stop_workers

    cfg = compose(
        "config",
        overrides=["hydra/launcher=joblib", "hydra.launcher.n_jobs=2", *SMALL],
        return_hydra_config=True,
    )
    task = _task(SMALL)
    digest = config_hash(resolved_yaml(task))
    try:
        start_workers(cfg, (digest, task))
        for thread in threading.enumerate():
            if thread.name == "outreach-sim-warm-workers":
                thread.join(timeout=300)
        results = sweep.ahead_paths(sweep.STATE.ahead, digest)["results"]
        assert results.is_file()
        found = sweep.take_ahead(digest)
        assert found is not None
        exp = to_experiment(task)
        _same_tables(tables(exp, found), simulate(exp, checked=True))
    finally:
        stop_workers()


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["seed=3", "population=mixed"],
        ["hydra.mode=MULTIRUN"],
        ["-m", "seed=1,2"],
        ["-m", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", "seed=range(0,3)"],
        ["-m", "seed=1,2", "population.size=100,200"],
        ["-m", "population=cold_list,mixed"],
        ["-m", "hydra.mode=RUN", "seed=1,2"],
    ],
)
def test_the_preflight_knows_hydras_mode_only_when_it_is_hydras(argv: list[str]) -> None:
    checked = preflight.check_command(argv)
    overrides = [a for a in argv if a != "-m"]
    GlobalHydra.instance().clear()
    with initialize_config_dir(str(CONF_DIR), version_base="1.3", job_name="outreach-sim"):
        hydras = GlobalHydra.instance().hydra
        assert hydras is not None
        mode = hydras.get_mode(config_name="config", overrides=overrides)
    if checked.mode_known:
        assert checked.mode == mode
    # The common commands need no extra composition; a sweep over a group does.
    assert checked.mode_known == (
        argv[1:2] != ["population=cold_list,mixed"] and "hydra.mode=RUN" not in argv
    )


def test_a_refused_parallel_sweep_leaves_nothing_behind(tmp_path: Path) -> None:
    spool = tmp_path / "tmp"
    spool.mkdir()
    sweep_args = ["-m", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", *SMALL[1:]]
    proc = run(
        [*sweep_args, "population.size=100,150,-1", "hydra.sweep.dir=sweep"],
        tmp_path,
        env={"TMPDIR": str(spool)},
    )
    # run() returns once every process holding the command's stderr has closed it: its workers
    # and loky's resource tracker, which prints its warnings (leaked folders) as it exits.
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines() == [REFUSED], proc.stderr
    assert not (tmp_path / "sweep").exists()
    assert list(spool.iterdir()) == []
    # A sweep that runs removes what its workers simulated ahead, once it ends.
    proc = run(
        [*sweep_args, "population.size=100,150", "hydra.sweep.dir=sweep"],
        tmp_path,
        env={"TMPDIR": str(spool)},
    )
    assert proc.returncode == 0, proc.stderr
    assert not any(p.name.startswith("outreach-sim-ahead-") for p in spool.iterdir())


#: The command, with its warm workers' thread paused (1 s) between registering joblib's temporary
#: folder with loky's resource tracker and registering what unregisters it at exit. Unless the
#: refusal waits for that thread (stop_workers), the command exits in between and the tracker
#: prints "There appear to be 1 leaked folder objects to clean up at shutdown" (two more lines).
SLOW_WARM_THREAD = """
import sys, threading, time
from joblib import _memmapping_reducer
register = _memmapping_reducer.resource_tracker.register
def paused(name, rtype):
    register(name, rtype)
    if rtype == "folder" and threading.current_thread().name == "outreach-sim-warm-workers":
        time.sleep(1.0)
_memmapping_reducer.resource_tracker.register = paused
from sim.cli.app import main
main()
"""


def test_a_refusal_waits_for_the_warm_workers_whatever_they_are_doing(tmp_path: Path) -> None:
    spool = tmp_path / "tmp"
    spool.mkdir()
    sweep_args = ["-m", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", *SMALL[1:]]
    proc = run(
        ["-c", SLOW_WARM_THREAD, *sweep_args, "population.size=100,150,-1", "hydra.sweep.dir=s"],
        tmp_path,
        env={"TMPDIR": str(spool)},
        program=sys.executable,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines() == [REFUSED], proc.stderr
    assert not (tmp_path / "s").exists()
    assert list(spool.iterdir()) == []


def test_folders_of_killed_commands_are_removed_by_the_next(
    ahead_dir: object, exited_pid: int
) -> None:
    left = Path(tempfile.mkdtemp(prefix=f"{sweep.AHEAD_PREFIX}{exited_pid}-"))
    (left / "x.results").write_bytes(b"")
    mine = Path(sweep.start_ahead("abc"))
    assert not left.exists()
    assert mine.name.startswith(f"{sweep.AHEAD_PREFIX}{os.getpid()}-")
