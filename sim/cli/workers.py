"""Warm workers: a parallel sweep's worker processes started while the sweep is still checked.

The joblib launcher (``hydra_plugins/outreach_sim_launchers``) would start its worker processes
only once Hydra launches the sweep, and each would then import the simulation stack before its
first job. Started here instead, during the pre-flight, they import while the command checks
every configuration and Hydra composes the sweep, and one simulates the first configuration
ahead (:func:`sim.cli.sweep.simulate_ahead`). The launcher plugin imports this module, never the
other way round.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from joblib import Parallel, delayed, effective_n_jobs
from joblib.executor import MemmappingExecutor
from omegaconf import DictConfig, OmegaConf

from sim.cli.sweep import STATE, SweepState, simulate_ahead, start_ahead
from sim.run.compose import joblib_core
from sim.run.outputs import watch_parent
from sim.run.registry import LAUNCHERS

#: What ``hydra/launcher=joblib`` names.
JOBLIB_TARGET = LAUNCHERS["joblib"]


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
    STATE.ahead = Path(ahead) if ahead else None
    if ahead and first is not None:
        # Any failure here only loses the head start: the job simulates it and reports it.
        with contextlib.suppress(Exception):
            simulate_ahead(Path(ahead), *first)
    # What run_configuration and simulate() import on a worker's first job: about 1.3 s of CPU
    # (pandas and SciPy most of it), which would otherwise delay the sweep's first result.
    for module in ("sim.cli.app", "sim.run.api", "sim.run.metrics", "sim.run.stats"):
        importlib.import_module(module)
    return os.getpid()


def start_workers(
    config: DictConfig,
    first: tuple[str, DictConfig] | None = None,
    *,
    state: SweepState = STATE,
) -> None:
    """Start a joblib sweep's worker processes now, in the background, importing what jobs need.

    Called while the sweep is being checked (:func:`sim.cli.preflight.preflight`): the workers
    start and import while this process checks every configuration and Hydra composes the sweep,
    so the first configuration starts at once when the launcher hands it out. Joblib keeps one
    executor per process and reuses it when ``Parallel`` is called with the same settings, which
    the launcher does (``hydra_plugins.outreach_sim_launchers.SafeJoblibLauncher.launch``).
    Anything else (another launcher, one job at a time) starts nothing. Nothing is written to the
    sweep's folder.

    ``first``: the config hash and checked task config of the sweep's first configuration; one
    worker simulates it at once, into a private folder of this command's (``state.ahead``,
    removed by :func:`sim.cli.sweep.end_ahead`), where its job finds the results (the sweep's
    first result within 5 s). The thread that starts them is kept in ``state.warming``.
    """
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
    ahead = start_ahead(first[0], state) if first is not None else None
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
    state.warming.append((thread, stop))
    thread.start()


def stop_workers(timeout: float = 60.0, *, state: SweepState = STATE) -> None:
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

    warming = list(state.warming)
    state.warming.clear()
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
