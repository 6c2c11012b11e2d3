"""The sharded sweeper: Hydra's basic sweeper that launches shards of configurations.

Hydra instantiates a sweeper only from the ``hydra_plugins`` package, so the class lives here;
what a shard is, and how the app runs one, is in :mod:`sim.cli.shard`.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import OmegaConf

from sim.cli.shard import SUBDIR_KEY, shards, sweeper_shard_size
from sim.cli.sweep import STATE, retire_manifest
from sim.run.compose import BasicSweeper


class ShardedSweeper(BasicSweeper):
    """Hydra's basic sweeper (same jobs, same order) that launches shards of configurations.

    With ``shard_size: 1`` and no ``max_jobs`` it launches exactly what the basic sweeper does;
    with ``shard_size: null`` (the default) the size is chosen for the launcher
    (:func:`sim.cli.shard.auto_shard_size`).
    It does not compose every job again before launching (the basic sweeper's
    ``validate_batch_is_legal``): the app's pre-flight (:mod:`sim.cli.preflight`) composed and
    checked every configuration already, before any directory existed.
    """

    def __init__(
        self,
        max_batch_size: int | None = None,
        params: dict[str, str] | None = None,
        shard_size: int | None = None,
        max_jobs: int | None = None,
    ) -> None:
        super().__init__(max_batch_size=max_batch_size, params=params)
        self.shard_size = shard_size
        self.max_jobs = max_jobs

    def _resumed(self, sweep_dir: Path) -> set[int]:
        """A resumed sweep's configurations complete already; the others' manifests moved aside.

        The shards whose configurations are all complete are not launched (on SLURM each would
        be an array task that starts Python only to find its results). The configurations found
        incomplete run again: their earlier manifests (failures, results of another config) go
        aside before any job runs, so that every progress count of this attempt is the jobs
        complete before plus those finished since.
        """
        assert self.config is not None
        if not self.config.get("resume"):
            return set()
        complete = STATE.complete_before(sweep_dir)
        for number in sorted(STATE.incomplete_before(sweep_dir)):
            retire_manifest(sweep_dir / str(number))
        return complete

    def sweep(self, arguments: list[str]) -> Any:
        """Launch one Hydra job per shard; a launcher that fails leaves the files to tell."""
        assert self.config is not None and self.launcher is not None
        assert self.hydra_context is not None
        parser = OverridesParser.create(config_loader=self.hydra_context.config_loader)
        parsed = parser.parse_overrides([*self._parse_config(), *arguments])
        configurations = [job for batch in self.split_arguments(parsed, None) for job in batch]
        # The callback planned the same size (sim.cli.shard.sweeper_shard_size): null chooses it.
        size = sweeper_shard_size(self.config, len(configurations))
        # As the basic sweeper does: the sweep's config, beside its jobs.
        sweep_dir = Path(str(self.config.hydra.sweep.dir))
        sweep_dir.mkdir(parents=True, exist_ok=True)
        OmegaConf.save(self.config, sweep_dir / "multirun.yaml")
        complete = self._resumed(sweep_dir)
        heads: list[tuple[int, list[str]]] = []
        every = shards(len(configurations), size)
        for shard in every:
            if complete.issuperset(shard):
                continue
            overrides = list(configurations[shard.start])
            if size > 1 or complete:  # its folder, whatever Hydra's job number
                overrides.append(f"{SUBDIR_KEY}={shard.start}")
            heads.append((shard.start, overrides))
        if len(heads) < len(every):
            done = sum(len(shard) for shard in every if complete.issuperset(shard))
            print(
                f"Resumed: {done} of {len(configurations)} jobs are complete already; "
                f"{len(heads)} of {len(every)} launched",
                file=sys.stderr,
                flush=True,
            )
        if not heads:
            return []
        batch = self.max_batch_size or len(heads) or 1
        returns: list[Sequence[Any]] = []
        for start in range(0, len(heads), batch):
            part = heads[start : start + batch]
            try:
                results = self.launcher.launch([o for _, o in part], initial_job_idx=start)
                for r in results:
                    _ = r.return_value  # a job that raised: reported below, not fatal
            except Exception as exc:
                # A dead worker or a failed array task is those jobs' failure: every other job
                # already wrote its files, and the callback still aggregates them (design 8).
                last = min(part[-1][0] + size, len(configurations)) - 1
                print(
                    f"warning: the launcher reported a failure in jobs {part[0][0]} to "
                    f"{last}: {type(exc).__name__}: {exc}",
                    file=sys.stderr,
                    flush=True,
                )
                continue
            returns.append(results)
        return returns
