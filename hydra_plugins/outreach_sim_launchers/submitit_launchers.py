"""The slurm extra's launchers (Hydra's submitit_local and submitit_slurm), each job guarded.

Each submitit job sets up its own Hydra job in the process submitit started for it (on this
machine or a cluster node): a folder that cannot be created there is one failed job, recorded in
``job_errors/<job>.json``, and the rest of its shard runs, as with the basic and joblib launchers
(:func:`hydra_plugins.outreach_sim_launchers.run_guarded`). Submitit's jobs are meant to outlive
the command that submitted them (a SLURM array goes on after a login shell closes; submitit_local
copies that), so they do not watch it: a killed command's jobs finish and write their folders
atomically, and a resume skips them. Without the slurm extra this module defines nothing, and
Hydra's plugin scan imports it without a warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hydra.core.utils import JobReturn

try:
    from hydra_plugins.hydra_submitit_launcher.submitit_launcher import (
        LocalLauncher,
        SlurmLauncher,
    )
except ImportError:  # the slurm extra is not installed: nothing to guard
    pass
else:
    from hydra_plugins.outreach_sim_launchers import run_guarded

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
        """Hydra's submitit_slurm launcher, each job guarded."""
