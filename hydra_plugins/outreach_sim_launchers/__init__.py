"""outreach-sim's launchers: Hydra's basic and joblib launchers, each job guarded.

Hydra creates a job's folder before the job runs; when it cannot (a file in its place, a
read-only or full disk) Hydra's launchers raise and the whole sweep ends. These run the same jobs
the same way, but such a job becomes one failed job, recorded in ``job_errors/<job>.json`` at the
sweep's root (which the sweep tables list), and the rest run. A launched job of a sharded sweep
(``hydra.sweeper.shard_size``) is the Hydra job of its shard's first configuration: when that
folder cannot be set up, the shard's other configurations are launched one by one instead
(:func:`sim.cli.shard.rest_of_shard`), so one bad folder still fails one configuration. In parallel
sweeps each worker also watches the command that started it, and writes nothing once it is gone
(:func:`sim.run.outputs.watch_parent`), whichever configuration of its shard it is on. Hydra only
loads launchers from the ``hydra_plugins`` package, hence this module (and
:mod:`.submitit_launchers`, the slurm extra's); :func:`sim.run.registry.register_configs` points
``hydra/launcher=basic``, ``joblib``, ``submitit_local`` and ``submitit_slurm`` here.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

from hydra.core.config_loader import ConfigLoader
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
from hydra_plugins.hydra_joblib_launcher.joblib_launcher import JoblibLauncher
from joblib import Parallel, delayed
from omegaconf import DictConfig, open_dict

from sim.cli.shard import job_number, load_sweep_config, rest_of_shard, without_subdir
from sim.cli.sweep import STATE, progress_line
from sim.cli.workers import joblib_settings
from sim.run.compose import BasicLauncher, joblib_core
from sim.run.outputs import (
    job_error_path,
    manifest,
    now_iso,
    stop_if_orphaned,
    watch_parent,
    write_json,
)

#: The launchers' own lines (how many jobs, each job's overrides), logged at debug level: a
#: sweep's progress bar says what finished. ``hydra.verbose=outreach_sim.launch`` (Hydra's own
#: option, naming this logger) shows them; ``hydra.verbose=true`` shows every logger's.
LAUNCH_LOG = logging.getLogger("outreach_sim.launch")


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


def set_up_launch(config: DictConfig | None) -> Path:
    """What Hydra's launchers do first in ``launch``: globals, logging, the sweep folder."""
    setup_globals()
    assert config is not None
    configure_log(config.hydra.hydra_logging, config.hydra.verbose)
    sweep_dir = Path(str(config.hydra.sweep.dir))
    sweep_dir.mkdir(parents=True, exist_ok=True)
    return sweep_dir


class SafeBasicLauncher(BasicLauncher):
    """Hydra's basic launcher (jobs one after the other), a job that cannot start kept failed."""

    def launch(
        self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int
    ) -> Sequence[JobReturn]:
        """Run the jobs in order (Hydra's own loop, each job guarded)."""
        set_up_launch(self.config)
        assert self.hydra_context is not None and self.config is not None
        assert self.task_function is not None
        launcher_log = LAUNCH_LOG
        launcher_log.debug(f"Launching {len(job_overrides)} jobs locally")
        runs: list[JobReturn] = []
        for offset, overrides in enumerate(job_overrides):
            idx = initial_job_idx + offset
            # Each job's overrides only when asked (hydra.verbose=true): the progress bar or
            # line says what finished (sim.cli.sweep.progress_line).
            launcher_log.debug(f"\t#{idx} : {' '.join(filter_overrides(overrides))}")
            runs.append(run_guarded(self._run_one, self.config, idx, overrides))
        return runs

    def _run_one(self, idx: int, overrides: Sequence[str]) -> JobReturn:
        """Hydra's own set-up and run of one job (the body of its basic launcher's loop)."""
        assert self.hydra_context is not None and self.config is not None
        assert self.task_function is not None
        loader = self.hydra_context.config_loader
        sweep_config = load_sweep_config(loader, self.config, list(overrides))
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

    ``ahead``: the command's folder of results simulated ahead
    (:func:`sim.cli.workers.start_workers`).
    """
    watch_parent(parent)
    STATE.ahead = Path(ahead) if ahead else None
    stop_if_orphaned()  # a job handed out just before the command was killed does not start

    # Hydra's job, its config from the sweep's own or each choice of groups composed once here.
    context = HydraContext(
        config_loader=cast(ConfigLoader, _ComposedOnce(hydra_context.config_loader)),
        callbacks=hydra_context.callbacks,
    )

    def run(number: int, job: Sequence[str]) -> JobReturn:
        stop_if_orphaned()
        result: JobReturn = joblib_core.execute_job(
            number, job, context, config, task_function, singleton_state
        )
        return result

    return run_guarded(run, config, idx, overrides)


class _ComposedOnce:
    """Hydra's config loader, whose launched jobs' configs compose each choice of groups once."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader

    def load_sweep_config(self, master_config: DictConfig, overrides: list[str]) -> DictConfig:
        """Hydra's ``load_sweep_config`` (:func:`sim.cli.shard.load_sweep_config`)."""
        return load_sweep_config(self.loader, master_config, list(overrides))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.loader, name)


class SafeJoblibLauncher(JoblibLauncher):  # type: ignore[misc]
    """Hydra's joblib launcher (jobs in parallel processes), each job guarded as above."""

    def launch(
        self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int
    ) -> Sequence[JobReturn]:
        """Run the jobs in loky worker processes (the plugin's own launch, each job guarded)."""
        sweep_dir = set_up_launch(self.config)
        assert self.config is not None and self.hydra_context is not None
        joblib_cfg = joblib_settings(self.joblib)
        plugin_log = LAUNCH_LOG
        settings = ",".join(f"{k}={v}" for k, v in joblib_cfg.items())
        # Hydra's launch lines only when asked (hydra.verbose=true): the sweep's own first line
        # says how many jobs and shards, and where (sim.cli.sweep.SweepCallback).
        plugin_log.debug(f"Joblib.Parallel({settings}) is launching {len(job_overrides)} jobs")
        plugin_log.debug(f"Launching jobs, sweep output dir : {sweep_dir}")
        for idx, overrides in enumerate(job_overrides):
            plugin_log.debug(f"\t#{idx} : {' '.join(filter_overrides(overrides))}")
        state = Singleton.get_state()
        runs = Parallel(**joblib_cfg)(
            delayed(_execute_job)(
                os.getpid(),
                str(STATE.ahead) if STATE.ahead is not None else None,
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
