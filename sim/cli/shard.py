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

from hydra.core.override_parser.types import Override, OverrideType
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf, open_dict

from sim.run.aside import Aside, Light, in_one_world, leaves_worlds, set_aside
from sim.run.compose import (
    GroupComposer,
    compose_in_app,
    copy_config,
    parse,
    with_hydra_fields,
    with_plain,
)
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


@dataclass
class ShardBase:
    """One choice of groups in a shard's process, composed once.

    ``light``: the task config without its worlds (:func:`sim.run.aside.set_aside`) once made;
    None when they cannot be set aside.
    """

    task: DictConfig
    choices: dict[str, Any]
    light: Light | bool | None = False  # False: not made yet
    # Keys of the plain overrides ``task`` has applied already: a shard head's own config serving
    # as the base (ShardComposer._from_head); None: the composition of the groups alone.
    applied: tuple[str, ...] | None = None


#: Where a shard head's own config serves as a base, in :data:`ShardBases` (before the key).
HEAD = "<shard head>"

#: A shard's task configs (and group choices) by sweep (config name, folder, Hydra overrides),
#: then by the configuration's group overrides (:class:`ShardComposer`).
ShardBases = dict[tuple[str, ...], dict[tuple[str, ...], ShardBase]]


@dataclass
class Configuration:
    """One configuration to run: its task config and where and under which name it goes."""

    cfg: DictConfig  # the task config (no ``hydra`` node)
    job_dir: Path
    overrides: list[str]
    choices: dict[str, Any]
    number: int | None  # its job number in a sweep; None for a single run
    aside: Aside | None = None  # its worlds, when it was made without them (sim.run.aside)


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
        self.groups: GroupComposer[ShardBase] = GroupComposer(
            str(hc.job.config_name),
            self._base,
            fixed=hydra_overrides,
            bases=shared.setdefault(sweep, {}),
        )

    def _base(self, key: list[str]) -> ShardBase:
        base = compose_configuration(self.hc, self.head_cfg, key, Path(), 0)
        return ShardBase(base.cfg, base.choices)

    def _base_for(self, key: tuple[str, ...], plain: list[Override]) -> ShardBase:
        """The base ``plain`` is applied to: the shard head's own config when it serves."""
        keys = tuple(str(o.key_or_group) for o in plain)
        slot = (HEAD, *key)
        if all(_sets_value(o) for o in plain) and (
            slot in self.groups.bases or key not in self.groups.bases
        ):
            head = self.groups.bases.get(slot) or self._from_head(key)
            if head is not None:
                self.groups.bases[slot] = head
                if head.applied == keys:
                    return head
        return self.groups.base(key)

    def _from_head(self, key: tuple[str, ...]) -> ShardBase | None:
        """The shard head's own task config as the base of ``key``, when it can serve as one.

        A configuration of a sweep mostly sets the same values as the head, to other values: a
        head whose overrides choose the same groups and otherwise only set values (no ``+``,
        ``~`` or dict to merge) is the base with those values set, and a configuration that sets
        the same keys, in the same order, overwrites every one of them. This spares each worker
        process one composition (about 0.6 s at model v3).
        """
        head_key, head_plain = self.groups.split(parse([str(o) for o in self.hc.overrides.task]))
        if head_key != key or not all(_sets_value(o) for o in head_plain):
            return None
        task = copy_config(self.head_cfg)
        if "hydra" in task:  # (the app's task config has none: Hydra took it out)
            with open_dict(task):
                del task["hydra"]
        applied = tuple(str(o.key_or_group) for o in head_plain)
        return ShardBase(task, choices_of(self.hc), applied=applied)

    def configuration(self, overrides: list[str], job_dir: Path, number: int) -> Configuration:
        """The configuration of ``overrides``, to run into ``job_dir``."""
        parsed = parse(overrides)
        if any(o.is_hydra_override() for o in parsed):
            return compose_configuration(self.hc, self.head_cfg, overrides, job_dir, number)
        key, plain = self.groups.split(parsed)
        base = self._base_for(key, plain)
        cfg, aside = None, None
        if leaves_worlds(plain):  # made without the worlds when it runs in one world
            if base.light is False:
                base.light = set_aside(base.task)
            if isinstance(base.light, Light):
                cfg, aside = with_plain(base.light.cfg, plain), base.light.aside
                if not in_one_world(cfg):
                    cfg, aside = None, None
        if cfg is None:
            cfg = with_plain(base.task, plain)
        # As load_sweep_config does: ${now:} and ${unique_id:} as the rest of the sweep has them.
        OmegaConf.copy_cache(from_config=self.head_cfg, to_config=cfg)
        overrides = [str(o.input_line) for o in parsed]
        return Configuration(cfg, job_dir, overrides, base.choices, number, aside)


def _sets_value(override: Override) -> bool:
    """Whether ``override`` only sets a value (``key=value``), replacing whatever was there."""
    return override.type == OverrideType.CHANGE and not isinstance(override.value(), dict)


#: This process's compositions of launched jobs' choices of groups, by config name
#: (:func:`load_sweep_config`); a joblib worker runs several launched jobs.
LAUNCHED: dict[str, GroupComposer[DictConfig]] = {}


def load_sweep_config(loader: Any, master_config: DictConfig, overrides: list[str]) -> DictConfig:
    """Hydra's ``load_sweep_config`` (a launched job's config), each choice of groups once.

    Hydra composes every launched job in full (about 0.6 s at model v3): a joblib worker that
    runs a second shard composed the same groups again. Here each choice of groups (with the
    sweep's Hydra overrides) is composed once per process by ``loader`` (Hydra's config loader)
    and the job's plain overrides applied to a copy as Hydra applies them, its ``hydra`` fields
    set as Hydra sets them (:func:`sim.run.compose.with_hydra_fields`): the same config
    (tests/test_launched_config.py).
    """
    name = str(master_config.hydra.job.config_name)
    parsed = parse([*(str(o) for o in master_config.hydra.overrides.hydra), *overrides])
    if name not in LAUNCHED:
        LAUNCHED[name] = GroupComposer(
            name,
            lambda key: loader.load_configuration(
                config_name=name, overrides=key, run_mode=RunMode.RUN
            ),
        )
    composer = LAUNCHED[name]
    key, plain = composer.split(parsed)
    served = key not in composer.bases and _serves(composer, master_config, key, plain)
    cfg = copy_config(master_config if served else composer.base(key))
    if served:  # HydraConfig.set_config made the sweep's hydra node read-only; a new one is not
        OmegaConf.set_readonly(cfg.hydra, None)
    with_hydra_fields(cfg, parsed, plain)
    # As Hydra does: ${now:} and the like resolve to the sweep's values.
    OmegaConf.copy_cache(from_config=master_config, to_config=cfg)
    return cfg


def _serves(
    composer: GroupComposer[DictConfig], master: DictConfig, key: tuple[str, ...], plain: list[Any]
) -> bool:
    """Whether the sweep's own config is a base of ``key`` for a job that sets ``plain``.

    Hydra composed the sweep's config from the same overrides, the sweeps left out: a job of the
    same groups whose plain overrides only set values (no ``+``, ``~`` or dict to merge) and set
    again every value the sweep's config set, gets from it what it gets from the groups alone.
    This spares each worker its first composition too (about 0.6 s at model v3).
    """
    hydra_node = master.hydra.overrides
    overrides = parse([*(str(o) for o in hydra_node.hydra), *(str(o) for o in hydra_node.task)])
    master_key, master_plain = composer.split(overrides)
    applied = [o for o in master_plain if not o.is_sweep_override()]
    return (
        master_key == key
        and all(_sets_value(o) for o in [*applied, *plain])
        and {o.key_or_group for o in applied} <= {o.key_or_group for o in plain}
    )
