"""What a sweep asks of the machine, checked before it starts: its jobs and its parallel workers.

Each job's own memory and time are bounded by :func:`sim.model.config.validate`
(:mod:`sim.model.cost`). A sweep adds two things a job cannot see: how many jobs it has (an empty
sweep, ``-m seed=range(0,0)``, used to create its folder, run nothing and exit 0), and how many
of them run at once (``hydra/launcher=joblib``: every worker holds the imports and one job's
peak, so ``hydra.launcher.n_jobs=1000`` would start a thousand processes). Both are refused here
with one line, as the pre-flight refuses a bad value (:mod:`sim.cli.preflight`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from omegaconf import DictConfig, OmegaConf

from sim.cli.guard import UserError
from sim.model.cost import MEMORY_SHARE, machine_memory

if TYPE_CHECKING:
    from hydra.core.override_parser.types import Override

#: Resident bytes of a parallel sweep's worker before its job: the interpreter, NumPy, pandas,
#: SciPy and the simulator imported (about 150 MB measured; docs/performance.md).
WORKER_BYTES = 200 * 2**20
#: What the joblib launchers are named (``hydra/launcher=joblib``), Hydra's and ours.
JOBLIB_TARGETS = frozenset(
    {
        "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher",
        "hydra_plugins.outreach_sim_launchers.SafeJoblibLauncher",
    }
)


#: The most jobs one sweep may have: the pre-flight composes and checks each (about 0.04 s of CPU
#: a job, so an hour for these), and ``-m seed=range(0,100000000)`` would otherwise fill the
#: memory listing its jobs before the first is checked.
MAX_SWEEP_JOBS = 100_000


def values_of(override: Override) -> int:
    """How many values a sweep override takes, counted without listing a range's values."""
    value = override.value()
    start, stop, step = (getattr(value, k, None) for k in ("start", "stop", "step"))
    if isinstance(start, int | float) and isinstance(stop, int | float) and step:
        return max(0, math.ceil((stop - start) / float(step)))
    return sum(1 for _ in override.sweep_string_iterator())


def check_sweep_size(parsed: Sequence[Override]) -> None:
    """Refuse a sweep of no job or of more than :data:`MAX_SWEEP_JOBS`, before listing them."""
    counts = {str(o.input_line): values_of(o) for o in parsed if o.is_sweep_override()}
    empty = [line for line, n in counts.items() if n == 0]
    if empty:
        raise UserError(
            f"{empty[0]} is not allowed: a sweep over at least one value (this one has none, so "
            "the sweep would run nothing)"
        )
    jobs = math.prod(counts.values())
    if jobs > MAX_SWEEP_JOBS:
        widest = max(counts, key=lambda line: counts[line])
        raise UserError(
            f"{widest} is not allowed: a sweep of at most {MAX_SWEEP_JOBS:,} jobs: this one has "
            f"{jobs:,} ({' x '.join(f'{n:,}' for n in counts.values())} values); split it into "
            "several sweeps"
        )


def check_not_empty(parsed: Sequence[Override], jobs: Sequence[object]) -> None:
    """Refuse a sweep with no job: name the swept override that has no value."""
    if jobs:
        return
    for override in parsed:
        if override.is_sweep_override() and not list(override.sweep_string_iterator()):
            raise UserError(
                f"{override.input_line} is not allowed: a sweep over at least one value (this "
                "one has none, so the sweep would run nothing)"
            )
    raise UserError("the sweep has no jobs: give every swept key at least one value")


def joblib_workers(sweep: DictConfig) -> int | None:
    """How many worker processes a joblib sweep starts (None: another launcher).

    Raises:
        UserError: ``hydra.launcher.n_jobs`` is 0 or below -1, which joblib reads as "every CPU
            but some" and this launcher cannot run (it exited 1 with no message).
    """
    launcher = OmegaConf.select(sweep, "hydra.launcher")
    if launcher is None or str(launcher.get("_target_")) not in JOBLIB_TARGETS:
        return None
    n_jobs: Any = launcher.get("n_jobs")
    if n_jobs is None:
        return 1
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0 or n_jobs < -1:
        raise UserError(
            f"hydra.launcher.n_jobs={n_jobs!r} is not allowed: a number of worker processes "
            ">= 1, or -1 for one per CPU"
        )
    return n_jobs if n_jobs > 0 else (os.cpu_count() or 1)


def check_workers_fit(workers: int, job_bytes: float = 0.0, jobs: int = 1) -> None:
    """Refuse parallel workers that together need more memory than the machine has.

    Every worker holds its imports; as many as run jobs at once (at most ``jobs``) each hold a
    job's peak: ``job_bytes``, the largest of the sweep's (:func:`sim.model.cost.memory_needed`).
    """
    running = min(workers, jobs)
    need = workers * WORKER_BYTES + running * job_bytes
    have = machine_memory()
    if workers <= 1 or need <= MEMORY_SHARE * have:
        return
    each = f"{WORKER_BYTES / 2**30:.2f} GiB each for its imports"
    if job_bytes:
        each += f", and up to {job_bytes / 2**30:,.2f} GiB for each of the {running} jobs at once"
    raise UserError(
        f"hydra.launcher.n_jobs={workers} is not allowed: parallel workers that fit in memory "
        f"together: {workers} workers need about {need / 2**30:,.1f} GiB ({each}), the machine "
        f"has {have / 2**30:,.1f} GiB; fewer workers, or hydra/launcher=basic for one job at a time"
    )
