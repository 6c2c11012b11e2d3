"""The ray extra's launcher (Hydra's ray launcher), each job guarded and composed where it runs.

Hydra's own ray launcher composes every job's config in the command's process and ships it to a
Ray task. This one ships only the job's overrides: the task composes its config in the Ray worker
(as the submitit launchers do in their jobs), so a sweep of many shards does not compose them all
up front, and each job is guarded like the other launchers' (a folder that cannot be set up is
one failed job, recorded in ``job_errors/<job>.json``; :func:`run_guarded`). A task works in the
command's working directory (``hydra.runtime.cwd``): on a cluster of several machines the sweep
folder must be on a file system every node mounts at the same path, as on SLURM.

``ray.init`` starts a local Ray instance when ``hydra.launcher.ray.init.address`` is null (and
``RAY_ADDRESS`` is unset: Ray's own rule) and joins an existing cluster at ``auto`` or
``HOST:PORT``. Hydra's plugin always sizes the object store, which Ray refuses when joining a
cluster ("object_store_memory must not be provided"); here a null size stays null when joining
and is :data:`LOCAL_OBJECT_STORE` for a local instance (docs/scaling.md). The options a config
may set are checked before anything runs (:func:`sim.cli.guard.check_launcher`). Without the ray
extra this module defines nothing, and Hydra's plugin scan imports it without a warning.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.core.singleton import Singleton
from hydra.core.utils import (
    JobReturn,
    filter_overrides,
    run_job,
    setup_globals,
)
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, OmegaConf, open_dict

try:
    from hydra_plugins.hydra_ray_launcher.ray_launcher import RayLauncher
except ImportError:  # the ray extra is not installed: nothing to guard
    pass
else:
    from hydra_plugins.outreach_sim_launchers import run_guarded, set_up_launch

    log = logging.getLogger("hydra_plugins.hydra_ray_launcher._core")
    #: A local Ray instance's object store, bytes: Hydra's plugin's size (75 MiB). Jobs return only
    #: their status, and Ray's own default (30 % of memory) would claim gigabytes of /dev/shm.
    LOCAL_OBJECT_STORE = 78_643_200

    def init_options(node: Any) -> dict[str, Any]:
        """``ray.init``'s keyword arguments: a null object store sized only for a local instance."""
        init = ray_options(node)
        joining = init.get("address") is not None or bool(os.environ.get("RAY_ADDRESS"))
        if init.get("object_store_memory") is None and not joining:
            init["object_store_memory"] = LOCAL_OBJECT_STORE
        return init

    def _ray_job(
        hydra_context: HydraContext,
        config: DictConfig,
        task_function: TaskFunction,
        singleton_state: dict[Any, Any],
        idx: int,
        overrides: Sequence[str],
    ) -> JobReturn:
        """One launched job in a Ray worker: composed here, run in the command's folder."""
        # Ray reuses its worker processes: each task sets the state it needs, all of it.
        setup_globals()
        Singleton.set_state(singleton_state)
        os.chdir(str(config.hydra.runtime.cwd))

        def run(number: int, job: Sequence[str]) -> JobReturn:
            sweep_config = hydra_context.config_loader.load_sweep_config(config, list(job))
            with open_dict(sweep_config):
                sweep_config.hydra.job.id = f"ray_{number}"
                sweep_config.hydra.job.num = number
            HydraConfig.instance().set_config(sweep_config)
            try:
                return run_job(
                    hydra_context=hydra_context,
                    task_function=task_function,
                    config=sweep_config,
                    job_dir_key="hydra.sweep.dir",
                    job_subdir_key="hydra.sweep.subdir",
                )
            except Exception:
                # The failed job's config must not stay current for the record and the next job.
                HydraConfig.instance().set_config(config)
                raise

        return run_guarded(run, config, idx, overrides)

    def ray_options(node: Any) -> dict[str, Any]:
        """A ``ray.init`` or ``ray.remote`` node as keyword arguments (None for an absent node)."""
        if node is None:
            return {}
        plain = OmegaConf.to_container(node, resolve=True) if OmegaConf.is_config(node) else node
        assert isinstance(plain, dict)
        return {str(k): v for k, v in plain.items()}

    class SafeRayLauncher(RayLauncher):
        """Hydra's ray launcher: jobs as Ray tasks, each composed in its task and guarded."""

        def launch(
            self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int
        ) -> Sequence[JobReturn]:
            """Start or join Ray, submit every launched job as a task, wait for them in order."""
            import ray  # only when a sweep runs on Ray: its import takes about a second

            sweep_dir = set_up_launch(self.config)
            assert self.config is not None and self.hydra_context is not None
            assert self.task_function is not None
            log.info(
                f"Ray Launcher is launching {len(job_overrides)} jobs, "
                f"sweep output dir: {sweep_dir}"
            )
            init = init_options(self.ray_cfg.get("init"))
            if not ray.is_initialized():
                ray.init(**init)
            remote = ray_options(self.ray_cfg.get("remote"))
            task = ray.remote(**remote)(_ray_job) if remote else ray.remote(_ray_job)
            state = Singleton.get_state()
            refs = []
            for offset, overrides in enumerate(job_overrides):
                idx = initial_job_idx + offset
                log.info(f"\t#{idx} : {' '.join(filter_overrides(overrides))}")
                refs.append(
                    task.remote(
                        self.hydra_context,
                        self.config,
                        self.task_function,
                        state,
                        idx,
                        list(overrides),
                    )
                )
            return list(ray.get(refs))
