"""The slurm extra's launchers (Hydra's submitit_local and submitit_slurm), each job guarded.

Each submitit job sets up its own Hydra job in the process submitit started for it (on this
machine or a cluster node): a folder that cannot be created there is one failed job, recorded in
``job_errors/<job>.json``, and the rest of its shard runs, as with the basic and joblib launchers
(:func:`hydra_plugins.outreach_sim_launchers.run_guarded`). Submitit's jobs are meant to outlive
the command that submitted them (a SLURM array goes on after a login shell closes; submitit_local
copies that), so they do not watch it: a killed command's jobs finish and write their folders
atomically, and a resume skips them. Without the slurm extra this module defines nothing, and
Hydra's plugin scan imports it without a warning.

On SLURM the launcher also sees array tasks cancelled before they started, which submitit alone
waits for forever (:class:`ArrayWatcher`; found on a real cluster, ``tests/test_slurm_cluster.py``).
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Sequence
from typing import Any

from hydra.core.utils import JobReturn

try:
    from hydra_plugins.hydra_submitit_launcher.submitit_launcher import (
        LocalLauncher,
        SlurmLauncher,
    )
    from submitit.slurm.slurm import SlurmInfoWatcher, SlurmJob
except ImportError:  # the slurm extra is not installed: nothing to guard
    pass
else:
    from hydra_plugins.outreach_sim_launchers import run_guarded

    class ArrayWatcher(SlurmInfoWatcher):
        """The sacct watcher of submitit, which also sees array tasks cancelled before they started.

        SLURM keeps no accounting record of an array task cancelled while pending, and its
        controller drops it at once (SLURM 22.05, measured: ``sacct`` lists the array's other
        tasks, ``squeue --states=all`` lists nothing for it). submitit then reads its state as
        UNKNOWN, which is not done, and the sweep waits forever. So a task that sacct does not
        list while it lists its array is looked up with squeue: what squeue says, or CANCELLED
        when squeue does not know it either. A controller that does not answer changes nothing.
        """

        def tasks(self) -> list[str]:
            """The array tasks registered (not the arrays' own ids, which sacct never lists)."""
            return sorted(job for job in self._registered if "_" in job)

        def update(self) -> None:
            """Read sacct (submitit's update), then look up the array tasks it does not list."""
            super().update()
            arrays = {job.split("_")[0] for job in self._info_dict}
            lost = sorted(
                job
                for job in self._registered - self._finished
                if "_" in job and job not in self._info_dict and job.split("_")[0] in arrays
            )
            if not lost:
                return
            # --array: one line a task, never a pending range such as 7_[2-3]
            command = ["squeue", "-h", "--array", "--states=all", "-o", "%i %T"]
            command += ["-j", ",".join(lost)]
            try:
                proc = subprocess.run(command, capture_output=True, text=True, check=False)
            except OSError:
                return
            if proc.returncode != 0 and "Invalid job id" not in proc.stderr:
                return  # the controller did not answer: sacct and squeue are asked again later
            live = dict(line.split(maxsplit=1) for line in proc.stdout.splitlines() if " " in line)
            for job in lost:
                self._info_dict[job] = {"State": live.get(job, "CANCELLED").strip()}
                if self.is_done(job, mode="cache"):
                    self._finished.add(job)

    class _Guarded:
        """A submitit launcher's per-job call, guarded: a folder that cannot be set up fails."""

        config: Any

        def __call__(
            self,
            sweep_overrides: list[str],
            job_dir_key: str,
            job_num: int,
            job_id: str,
            singleton_state: dict[Any, Any],
        ) -> JobReturn:
            """Run one job in the process submitit started for it (Hydra's own call, guarded)."""
            launch = super().__call__  # type: ignore[misc]  # the submitit launcher's, next in the MRO

            def run(number: int, overrides: Sequence[str]) -> JobReturn:
                result: JobReturn = launch(
                    list(overrides), job_dir_key, number, job_id, singleton_state
                )
                return result

            assert self.config is not None
            return run_guarded(run, self.config, job_num, sweep_overrides)

    class SafeLocalLauncher(_Guarded, LocalLauncher):  # type: ignore[misc]
        """Hydra's submitit_local launcher, each job guarded."""

    class SafeSlurmLauncher(_Guarded, SlurmLauncher):  # type: ignore[misc]
        """Hydra's submitit_slurm launcher, each job guarded, cancelled array tasks seen."""

        def launch(
            self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int
        ) -> Sequence[JobReturn]:
            """Hydra's submitit launch, its jobs watched by :class:`ArrayWatcher`.

            Hydra's launcher collects the array's results in order and raises at the first task
            that ended without one (cancelled, killed, out of time), while the later tasks run
            on. Their folders would then be written after the sweep root was aggregated, listed
            missing there; so the launch waits for every task to end before it raises.
            """
            # submitit's jobs share one watcher, a class attribute: swapped for this launch only
            previous = SlurmJob.watcher
            watcher = SlurmJob.watcher = ArrayWatcher(delay_s=previous._delay_s)
            try:
                result: Sequence[JobReturn] = super().launch(job_overrides, initial_job_idx)
            except Exception:
                # one sacct call every 5 s: submitit's own pacing (half the time since the array
                # was submitted) would leave the sweep waiting minutes after its last task
                watcher.update()
                while not all(watcher.is_done(job, mode="cache") for job in watcher.tasks()):
                    time.sleep(5)
                    watcher.update()
                raise
            finally:
                SlurmJob.watcher = previous
            return result
