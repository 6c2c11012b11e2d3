"""Shards: the configurations one launched Hydra job runs, and how they are composed there.

The sharded sweeper (``hydra_plugins/outreach_sim_sweeper``) hands the launcher one Hydra job per
*shard* of ``shard_size`` consecutive configurations: the shard's first configuration's overrides,
written to that configuration's folder. The job (:func:`sim.cli.job.run_job`) then runs the
shard's other configurations in the same process, each into its own folder, composed by
:class:`ShardComposer` as a launcher would compose them.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf, open_dict

from sim.run.compose import GroupComposer, compose_in_app, parse, with_plain
from sim.run.outputs import read_plan

#: The subdirectory of a shard's Hydra job: its first configuration's number (Hydra's own
#: ``${hydra.job.num}`` would count shards, and point at another configuration's folder).
SUBDIR_KEY = "hydra.sweep.subdir"


def effective_shard_size(jobs: int, shard_size: int, max_jobs: int | None) -> int:
    """Configurations per shard: ``shard_size``, or more when ``max_jobs`` shards would not do.

    ``max_jobs`` caps the number of launcher tasks (SLURM's ``MaxArraySize`` is 1,001 by
    default), whatever the number of configurations.
    """
    if max_jobs is None or jobs <= 0:
        return max(1, shard_size)
    return max(1, shard_size, math.ceil(jobs / max_jobs))


#: Shards per local worker when the sweep chooses the shard size: two, so that a worker whose
#: shard ends early takes another (uneven configurations even out), while each worker still pays
#: for its imports and compositions about twice, not once per configuration.
SHARDS_PER_WORKER = 2
#: Launchers that run jobs in local processes of this machine, by their target's last name.
LOCAL_LAUNCHERS = frozenset({"SafeBasicLauncher", "BasicLauncher"})
JOBLIB_LAUNCHERS = frozenset({"SafeJoblibLauncher", "JoblibLauncher"})


def local_workers(config: DictConfig) -> int | None:
    """How many local processes run a sweep's jobs at once; None for a cluster launcher.

    The basic launcher runs them one after the other (1); joblib runs ``n_jobs`` (-1: one per
    CPU; checked by :func:`sim.cli.capacity.joblib_workers` before the sweep starts).
    """
    target = str(OmegaConf.select(config, "hydra.launcher._target_") or "").rsplit(".", 1)[-1]
    if target in LOCAL_LAUNCHERS:
        return 1
    if target not in JOBLIB_LAUNCHERS:
        return None  # submitit, ray: each launched job is a task of its own, sized by the user
    n_jobs = OmegaConf.select(config, "hydra.launcher.n_jobs")
    if isinstance(n_jobs, int) and not isinstance(n_jobs, bool) and n_jobs > 0:
        return n_jobs
    return (os.cpu_count() or 1) if n_jobs == -1 else 1


def auto_shard_size(config: DictConfig, jobs: int) -> int:
    """The shard size a sweep chooses when ``hydra.sweeper.shard_size`` is null.

    About :data:`SHARDS_PER_WORKER` shards per local worker: a 36-configuration sweep on two
    joblib workers runs 4 shards of 9, not 36 processes' worth of compositions and hand-offs
    (docs/scaling.md). A cluster launcher gets one configuration per launched job, as before.
    """
    workers = local_workers(config)
    if workers is None or jobs <= 0:
        return 1
    return max(1, math.ceil(jobs / (SHARDS_PER_WORKER * workers)))


def sweeper_shard_size(config: DictConfig, jobs: int) -> int:
    """The shard size a composed config's sweeper gives a sweep of ``jobs`` configurations."""
    node = OmegaConf.select(config, "hydra.sweeper")
    if node is None or "shard_size" not in node:
        return 1  # another sweeper (hydra/sweeper=basic): one Hydra job per configuration
    size = node.shard_size if node.shard_size is not None else auto_shard_size(config, jobs)
    return effective_shard_size(jobs, int(size), node.get("max_jobs"))


def shards(jobs: int, size: int) -> list[range]:
    """The configurations of each shard, in order: ``[0, size)``, ``[size, 2 size)``, ..."""
    return [range(start, min(start + size, jobs)) for start in range(0, jobs, size)]


def shard_of(sweep_dir: Path, first: int) -> list[tuple[int, list[str]]]:
    """The configurations (number, overrides) of the shard that starts at ``first``.

    Read from the sweep's plan (``sweep.json``), which the callback writes before any job is
    launched; without a plan, or unsharded, the shard is the one configuration.
    """
    plan = read_plan(sweep_dir)
    size = int(plan.get("shard_size", 1)) if plan else 1
    if not plan or size <= 1 or first % size:
        # (A configuration that does not start a shard is launched on its own when its shard's
        # first folder could not be set up: rest_of_shard.)
        return []
    jobs = plan["jobs"]
    end = min(first + size, len(jobs))
    return [(number, [str(o) for o in jobs[number]]) for number in range(first, end)]


def job_number(overrides: Sequence[str], idx: int) -> int:
    """The configuration a launched Hydra job runs first: its shard's subdir, else ``idx``."""
    for override in overrides:
        key, _, value = override.partition("=")
        if key == SUBDIR_KEY and value.isdigit():
            return int(value)
    return idx


def rest_of_shard(sweep_dir: Path, overrides: Sequence[str]) -> list[tuple[int, list[str]]]:
    """The shard's other configurations, each as the overrides of a Hydra job of its own.

    For a launcher whose Hydra job could not set up its shard's first folder: the app never ran,
    so the shard's other configurations are launched one by one instead (each into its own
    folder; :func:`shard_of` gives such a job no shard of its own).
    """
    first = job_number(overrides, -1)
    if first < 0:
        return []
    return [
        (number, [*config, f"{SUBDIR_KEY}={number}"])
        for number, config in shard_of(sweep_dir, first)
        if number != first
    ]


def without_subdir(overrides: Sequence[str]) -> list[str]:
    """A launched job's overrides as its configuration's (the shard's subdir taken out)."""
    return [str(o) for o in overrides if not str(o).startswith(f"{SUBDIR_KEY}=")]


#: A shard's task configs (and group choices) by sweep (config name, folder, Hydra overrides),
#: then by the configuration's group overrides (:class:`ShardComposer`).
ShardBases = dict[tuple[str, ...], dict[tuple[str, ...], tuple[DictConfig, dict[str, Any]]]]


@dataclass
class Configuration:
    """One configuration to run: its task config and where and under which name it goes."""

    cfg: DictConfig  # the task config (no ``hydra`` node)
    job_dir: Path
    overrides: list[str]
    choices: dict[str, Any]
    number: int | None  # its job number in a sweep; None for a single run


def choices_of(hydra_node: Any) -> dict[str, Any]:
    """A composed config's group choices, Hydra's own (``hydra/...``) left out."""
    return {k: v for k, v in hydra_node.runtime.choices.items() if not k.startswith("hydra/")}


def compose_configuration(
    hc: Any, head_cfg: DictConfig, overrides: list[str], job_dir: Path, number: int
) -> Configuration:
    """Compose a shard's configuration as its launcher would (:meth:`load_sweep_config`).

    The shard's own Hydra overrides (search path, launcher, sweep dir) come first, then the
    configuration's; the head's resolver cache is copied so ``${now:}`` and ``${unique_id:}``
    give every job of the sweep the same value.
    """
    composed = compose_in_app(hc.job.config_name, [str(o) for o in hc.overrides.hydra], overrides)
    OmegaConf.copy_cache(from_config=head_cfg, to_config=composed)
    hydra_node = composed.hydra
    task = composed.copy()
    with open_dict(task):
        del task["hydra"]
    return Configuration(
        task, job_dir, [str(o) for o in hydra_node.overrides.task], choices_of(hydra_node), number
    )


class ShardComposer:
    """A shard's configurations as :func:`compose_configuration` gives them, composed less.

    Composing a configuration costs about 0.28 s, a quarter of a small configuration's
    simulation; a shard's configurations mostly differ in plain values. The group choices
    (``population=``, ``strategy=``, ...) are composed once with the shard's Hydra overrides, and
    each configuration's plain overrides applied to a copy of that task config
    (:class:`sim.run.compose.GroupComposer`): the same config, the same ``config.yaml`` bytes. A
    configuration that overrides ``hydra.*`` itself is composed in full.

    ``shared``: the compositions of every sweep this process runs shards of (a joblib worker
    runs several), so that each choice of groups is composed once per process.
    """

    def __init__(self, hc: Any, head_cfg: DictConfig, shared: ShardBases) -> None:
        self.hc = hc
        self.head_cfg = head_cfg
        # The shard's own subdir only places the head's folder: the task config never reads it.
        hydra_overrides = without_subdir([str(o) for o in hc.overrides.hydra])
        sweep = (str(hc.job.config_name), str(hc.sweep.dir), *hydra_overrides)
        self.groups: GroupComposer[tuple[DictConfig, dict[str, Any]]] = GroupComposer(
            str(hc.job.config_name),
            self._base,
            fixed=hydra_overrides,
            bases=shared.setdefault(sweep, {}),
        )

    def _base(self, key: list[str]) -> tuple[DictConfig, dict[str, Any]]:
        base = compose_configuration(self.hc, self.head_cfg, key, Path(), 0)
        return base.cfg, base.choices

    def configuration(self, overrides: list[str], job_dir: Path, number: int) -> Configuration:
        """The configuration of ``overrides``, to run into ``job_dir``."""
        parsed = parse(overrides)
        if any(o.is_hydra_override() for o in parsed):
            return compose_configuration(self.hc, self.head_cfg, overrides, job_dir, number)
        key, plain = self.groups.split(parsed)
        task, choices = self.groups.base(key)
        cfg = with_plain(task, plain)
        # As load_sweep_config does: ${now:} and ${unique_id:} as the rest of the sweep has them.
        OmegaConf.copy_cache(from_config=self.head_cfg, to_config=cfg)
        return Configuration(cfg, job_dir, [str(o.input_line) for o in parsed], choices, number)
