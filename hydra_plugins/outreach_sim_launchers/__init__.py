"""outreach-sim's launchers: Hydra's basic and joblib launchers, each job guarded.

Hydra creates a job's folder before the job runs; when it cannot (a file in its place, a
read-only or full disk) Hydra's launchers raise and the whole sweep ends. These run the same jobs
the same way, but such a job becomes one failed job, recorded in ``job_errors/<job>.json`` at the
sweep's root (which the sweep tables list), and the rest run. A launched job of a sharded sweep
(``hydra.sweeper.shard_size``) is the Hydra job of its shard's first configuration: when that
folder cannot be set up, the shard's other configurations are launched one by one instead
(:func:`sim.cli.sweep.rest_of_shard`), so one bad folder still fails one configuration. In parallel
sweeps each worker also watches the command that started it, and writes nothing once it is gone
(:func:`sim.run.outputs.watch_parent`), whichever configuration of its shard it is on. Hydra only
loads launchers from the ``hydra_plugins`` package, hence this module (and
:mod:`.submitit_launchers`, the slurm extra's); :func:`sim.run.registry.register_configs` points
``hydra/launcher=basic``, ``joblib``, ``submitit_local`` and ``submitit_slurm`` here.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from hydra._internal.core_plugins.basic_launcher import BasicLauncher
from hydra.core.hydra_config import HydraConfig
from hydra.core.singleton import Singleton
from hydra.core.utils import (
    JobReturn,
    JobStatus,
    configure_log,
    filter_overrides,
    run_job,
    setup_globals,
)
from hydra.types import HydraContext, TaskFunction
from hydra_plugins.hydra_joblib_launcher import _core as joblib_core
from hydra_plugins.hydra_joblib_launcher.joblib_launcher import JoblibLauncher
from joblib import Parallel, delayed
from joblib.executor import MemmappingExecutor
from omegaconf import DictConfig, open_dict

from sim.cli.sweep import (
    AHEAD,
    job_number,
    progress_line,
    rest_of_shard,
    simulate_ahead,
    start_ahead,
    without_subdir,
)
from sim.run.outputs import (
    job_error_path,
    manifest,
    now_iso,
    stop_if_orphaned,
    watch_parent,
    write_json,
)


def _setup_failed(
    config: DictConfig, idx: int, overrides: Sequence[str], exc: Exception
) -> JobReturn:
    """A job Hydra could not start (its folder): record it as one failed job, let the rest run."""
    sweep_dir = Path(str(config.hydra.sweep.dir))
    job = job_number(overrides, idx)  # a shard's Hydra job: its first configuration's number
    shown = without_subdir(overrides)
    error = f"{type(exc).__name__}: {exc}"
    record = manifest(
        seed=config.get("seed"),
        replications=config.get("replications"),
        config_hash="",
        overrides=shown,
        started=now_iso(),
        status="failed",
        error=f"the job's folder could not be set up: {error}",
        job=job,
    )
    write_json(job_error_path(sweep_dir, job), record)
    progress_line(sweep_dir, job, "FAILED", 0.0, shown)
    ret = JobReturn()
    ret.overrides = shown
    ret.status = JobStatus.COMPLETED  # the sweep goes on; the sweep tables list the failure
    ret.return_value = 1
    return ret


def run_guarded(
    run: Callable[[int, Sequence[str]], JobReturn],
    config: DictConfig,
    idx: int,
    overrides: Sequence[str],
) -> JobReturn:
    """``run(idx, overrides)``, Hydra's set-up of one launched job, with its folder guarded.

    A job whose folder cannot be set up is recorded failed; when it is a shard's, the shard's
    other configurations then run as jobs of their own (job number = configuration number), each
    guarded the same way. Only Hydra's set-up can raise here: the app never lets a job raise.
    """
    try:
        return run(idx, overrides)
    except Exception as exc:  # Hydra's set-up of the job (its folder), not the job
        failed = _setup_failed(config, idx, overrides, exc)
    for number, alone in rest_of_shard(Path(str(config.hydra.sweep.dir)), overrides):
        try:
            run(number, alone)
        except Exception as exc:
            _setup_failed(config, number, alone, exc)
    return failed


class SafeBasicLauncher(BasicLauncher):
    """Hydra's basic launcher (jobs one after the other), a job that cannot start kept failed."""

    def launch(
        self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int
    ) -> Sequence[JobReturn]:
        """Run the jobs in order (Hydra's own loop, each job guarded)."""
        setup_globals()
        assert self.hydra_context is not None and self.config is not None
        assert self.task_function is not None
        configure_log(self.config.hydra.hydra_logging, self.config.hydra.verbose)
        Path(str(self.config.hydra.sweep.dir)).mkdir(parents=True, exist_ok=True)
        # The logger of Hydra's own launcher: the lines read as before.
        launcher_log = logging.getLogger("hydra._internal.core_plugins.basic_launcher")
        launcher_log.info(f"Launching {len(job_overrides)} jobs locally")
        runs: list[JobReturn] = []
        for offset, overrides in enumerate(job_overrides):
            idx = initial_job_idx + offset
            launcher_log.info(f"\t#{idx} : {' '.join(filter_overrides(overrides))}")
            runs.append(run_guarded(self._run_one, self.config, idx, overrides))
        return runs

    def _run_one(self, idx: int, overrides: Sequence[str]) -> JobReturn:
        """Hydra's own set-up and run of one job (the body of its basic launcher's loop)."""
        assert self.hydra_context is not None and self.config is not None
        assert self.task_function is not None
        sweep_config = self.hydra_context.config_loader.load_sweep_config(
            self.config, list(overrides)
        )
        with open_dict(sweep_config):
            sweep_config.hydra.job.id = idx
            sweep_config.hydra.job.num = idx
        try:
            return run_job(
                hydra_context=self.hydra_context,
                task_function=self.task_function,
                config=sweep_config,
                job_dir_key="hydra.sweep.dir",
                job_subdir_key="hydra.sweep.subdir",
            )
        except Exception:
            # Hydra left the failed job's config current: the next job and the record read ours.
            HydraConfig.instance().set_config(self.config)
            raise


def _execute_job(
    parent: int,
    ahead: str | None,
    idx: int,
    overrides: Sequence[str],
    hydra_context: HydraContext,
    config: DictConfig,
    task_function: TaskFunction,
    singleton_state: dict[Any, Any],
) -> JobReturn:
    """One job in a joblib worker: the worker stops writing once ``parent`` is gone.

    ``ahead``: the command's folder of results simulated ahead (:func:`start_workers`).
    """
    watch_parent(parent)
    AHEAD[:] = [Path(ahead)] if ahead else []
    stop_if_orphaned()  # a job handed out just before the command was killed does not start

    def run(number: int, job: Sequence[str]) -> JobReturn:
        stop_if_orphaned()
        result: JobReturn = joblib_core.execute_job(
            number, job, hydra_context, config, task_function, singleton_state
        )
        return result

    return run_guarded(run, config, idx, overrides)


class SafeJoblibLauncher(JoblibLauncher):  # type: ignore[misc]
    """Hydra's joblib launcher (jobs in parallel processes), each job guarded as above."""

    def launch(
        self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int
    ) -> Sequence[JobReturn]:
        """Run the jobs in loky worker processes (the plugin's own launch, each job guarded)."""
        setup_globals()
        assert self.config is not None and self.hydra_context is not None
        configure_log(self.config.hydra.hydra_logging, self.config.hydra.verbose)
        sweep_dir = Path(str(self.config.hydra.sweep.dir))
        sweep_dir.mkdir(parents=True, exist_ok=True)
        joblib_cfg = joblib_settings(self.joblib)
        plugin_log = logging.getLogger(joblib_core.__name__)
        settings = ",".join(f"{k}={v}" for k, v in joblib_cfg.items())
        plugin_log.info(f"Joblib.Parallel({settings}) is launching {len(job_overrides)} jobs")
        plugin_log.info(f"Launching jobs, sweep output dir : {sweep_dir}")
        for idx, overrides in enumerate(job_overrides):
            plugin_log.info(f"\t#{idx} : {' '.join(filter_overrides(overrides))}")
        state = Singleton.get_state()
        runs = Parallel(**joblib_cfg)(
            delayed(_execute_job)(
                os.getpid(),
                str(AHEAD[0]) if AHEAD else None,
                initial_job_idx + idx,
                overrides,
                self.hydra_context,
                self.config,
                self.task_function,
                state,
            )
            for idx, overrides in enumerate(job_overrides)
        )
        return list(runs)


#: What ``hydra/launcher=joblib`` names (sim.run.registry.LAUNCHERS).
JOBLIB_TARGET = f"{__name__}.SafeJoblibLauncher"


def joblib_settings(launcher: Mapping[str, Any]) -> dict[str, Any]:
    """The ``joblib.Parallel`` settings of a joblib launcher's config, as the plugin makes them."""
    settings = {k: v for k, v in launcher.items() if k != "_target_"}
    settings["backend"] = "loky"  # the threading backend is incompatible with Hydra
    joblib_core.process_joblib_cfg(settings)
    return settings


def _warm_worker(parent: int, ahead: str | None, first: tuple[str, DictConfig] | None) -> int:
    """Import what a job needs, in a worker, before its first job arrives.

    ``first``: the config hash and task config of the sweep's first configuration, to simulate
    ahead into ``ahead`` (:func:`sim.cli.sweep.simulate_ahead`).
    """
    watch_parent(parent)
    AHEAD[:] = [Path(ahead)] if ahead else []
    if ahead and first is not None:
        # Any failure here only loses the head start: the job simulates it and reports it.
        with contextlib.suppress(Exception):
            simulate_ahead(Path(ahead), *first)
    # What run_configuration and simulate() import on a worker's first job: about 1.3 s of CPU
    # (pandas and SciPy most of it), which would otherwise delay the sweep's first result.
    for module in ("sim.cli.app", "sim.run.api", "sim.run.metrics", "sim.run.stats"):
        importlib.import_module(module)
    return os.getpid()


#: The threads :func:`start_workers` started, each with the event that stops it handing out work.
_WARMING: list[tuple[threading.Thread, threading.Event]] = []


def start_workers(config: DictConfig, first: tuple[str, DictConfig] | None = None) -> None:
    """Start a joblib sweep's worker processes now, in the background, importing what jobs need.

    Called while the sweep is being checked (:func:`sim.cli.app.main`): the workers start and import
    while this process checks every configuration and Hydra composes the sweep, so the first
    configuration starts at once when the launcher hands it out. Joblib keeps one executor per
    process and reuses it when ``Parallel`` is called with the same settings, which the launcher
    does (:meth:`SafeJoblibLauncher.launch`). Anything else (another launcher, one job at a
    time) starts nothing. Nothing is written to the sweep's folder.

    ``first``: the config hash and checked task config of the sweep's first configuration; one
    worker simulates it at once, into a private folder of this command's (``sim.cli.sweep.AHEAD``,
    removed by :func:`sim.cli.sweep.end_ahead`), where its job finds the results (issue 13: the
    sweep's first result within 5 s).
    """
    from joblib import effective_n_jobs
    from omegaconf import OmegaConf

    launcher = OmegaConf.select(config, "hydra.launcher")
    if launcher is None or launcher.get("_target_") != JOBLIB_TARGET:
        return
    plain = OmegaConf.to_container(launcher, resolve=True)
    assert isinstance(plain, dict)
    settings = joblib_settings({str(k): v for k, v in plain.items()})
    workers = effective_n_jobs(settings.get("n_jobs"))
    if workers <= 1:
        return
    parent = os.getpid()
    ahead = start_ahead(first[0]) if first is not None else None
    stop = threading.Event()

    def tasks() -> Iterator[Any]:
        # Checked as each task is handed out: once stop_workers() is called, none more is.
        for n in range(workers):
            if stop.is_set():
                return
            yield delayed(_warm_worker)(parent, ahead, first if n == 0 else None)

    def warm() -> None:
        # A failure here only loses the head start: the launcher starts the workers itself.
        with contextlib.suppress(Exception):
            Parallel(**settings)(tasks())

    thread = threading.Thread(target=warm, name="outreach-sim-warm-workers", daemon=True)
    _WARMING.append((thread, stop))
    thread.start()


def stop_workers(timeout: float = 60.0) -> None:
    """Stop workers :func:`start_workers` started (a command refused after they started).

    Returns once the thread that starts them has returned (``timeout`` seconds at most) and the
    workers have exited, their temporary folders removed. The thread may still be creating the
    executor when the command is refused: it is told to hand out nothing more, and each
    executor found meanwhile is terminated, until the thread is gone. Each ``Parallel`` call
    registers its temporary folder with loky's resource tracker, then an ``atexit`` handler
    that unregisters it; a thread left running as the command exits can do the first and not
    the second (or do it after the handlers ran), and the tracker then prints "There appear to
    be 1 leaked folder objects to clean up at shutdown" after the command's one error line.
    """
    from joblib.externals.loky import reusable_executor

    warming = list(_WARMING)
    _WARMING.clear()
    for _, stop in warming:
        stop.set()
    stopped: list[object] = []
    deadline = time.monotonic() + timeout
    while True:
        executor = reusable_executor._executor
        if executor is not None and not any(executor is done for done in stopped):
            stopped.append(executor)
            _terminate(executor)
        alive = [thread for thread, _ in warming if thread.is_alive()]
        if not alive or time.monotonic() >= deadline:
            return
        alive[0].join(0.05)


def _terminate(executor: Any) -> None:
    """Kill an executor's workers, wait for them, and remove (and unregister) its folders."""
    if isinstance(executor, MemmappingExecutor):
        executor.terminate(kill_workers=True)  # shutdown(wait=True), then the temporary folders
    else:
        executor.shutdown(wait=True, kill_workers=True)
