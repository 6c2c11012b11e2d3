"""Config registry: the dataclass schemas in Hydra's ConfigStore, and composing a config in Python.

The schemas are registered under the names the YAML files name in their ``defaults`` lists, so
Hydra checks every value's type as it merges; :func:`compose` gives notebooks and tests the same
config the command line would, with no subprocess.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any, cast

from hydra import compose as hydra_compose
from hydra import initialize_config_dir
from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import MissingMandatoryValue

from sim.model.config import ConfigError, ExperimentConfig, check_known_keys, validate
from sim.run.compose import BasicLauncherConf, GroupComposer, parse, ray_launcher_confs, with_plain
from sim.run.userfiles import check_env_copy, check_interpolations, check_searchpath

#: The package's ``conf/`` folder (``sim/conf``), shipped as package data: it is found from this
#: file, so an editable install and a wheel install read the same configs.
CONF_DIR = Path(__file__).resolve().parents[1] / "conf"


#: The classes that run ``hydra/launcher=basic``, ``joblib``, ``submitit_local``,
#: ``submitit_slurm`` and ``ray``: Hydra's own, each job guarded
#: (``hydra_plugins/outreach_sim_launchers``), named here as text.
LAUNCHERS = {
    "basic": "hydra_plugins.outreach_sim_launchers.SafeBasicLauncher",
    "joblib": "hydra_plugins.outreach_sim_launchers.SafeJoblibLauncher",
    "submitit_local": "hydra_plugins.outreach_sim_launchers.submitit_launchers.SafeLocalLauncher",
    "submitit_slurm": "hydra_plugins.outreach_sim_launchers.submitit_launchers.SafeSlurmLauncher",
    "ray": "hydra_plugins.outreach_sim_launchers.ray_launcher.SafeRayLauncher",
}
#: ``hydra/launcher=ray``'s ``ray.init`` options: a local Ray instance on every CPU (``num_cpus``
#: null), without its dashboard (a web server and its processes that a sweep does not need). With
#: ``address`` set (``auto`` or HOST:PORT) the sweep joins that cluster instead; a null
#: ``object_store_memory`` is then the cluster's own, and 75 MiB for a local instance
#: (:data:`LOCAL_OBJECT_STORE`). Every key is listed so that an override needs no ``+``.
RAY_INIT = {
    "address": None,
    "num_cpus": None,
    "object_store_memory": None,
    "include_dashboard": False,
}
#: ``ray.remote`` options of each launched job: Ray's defaults, listed to be overridable.
RAY_REMOTE = {"num_cpus": 1, "max_retries": 3}


def register_configs() -> None:
    """Register the root schema and the launchers (idempotent: ConfigStore replaces by name)."""
    store = ConfigStore.instance()
    store.store(name="schema", node=ExperimentConfig)
    # Hydra stores its own entries when its plugin scan (once per process) runs their modules:
    # scan first, so that ours replace them and nothing later puts them back.
    from hydra.core.plugins import Plugins
    from hydra_plugins.hydra_joblib_launcher.config import JobLibLauncherConf

    Plugins.instance()

    confs: list[tuple[str, Any]] = [("basic", BasicLauncherConf), ("joblib", JobLibLauncherConf)]
    try:  # the slurm extra (docs/scaling.md), when installed
        from hydra_plugins.hydra_submitit_launcher.config import LocalQueueConf, SlurmQueueConf
    except ImportError:
        pass
    else:
        confs += [("submitit_local", LocalQueueConf), ("submitit_slurm", SlurmQueueConf)]
    ray = ray_launcher_confs()  # the ray extra (docs/scaling.md), when installed
    if ray is not None:
        RayConf, RayLauncherConf = ray  # noqa: N806 (the classes' own names)
        confs.append(
            (
                "ray",
                partial(RayLauncherConf, ray=RayConf(init=dict(RAY_INIT), remote=dict(RAY_REMOTE))),
            )
        )
        # Hydra's ray plugin also offers ray_aws, which creates AWS machines and runs shell
        # commands on them from its config (setup_commands, rsync): not something a config may
        # do here, so it is not offered (and the guard would refuse its target).
        store.repo.get("hydra", {}).get("launcher", {}).pop("ray_aws.yaml", None)
    for name, conf in confs:
        store.store(
            group="hydra/launcher",
            name=name,
            node=conf(_target_=LAUNCHERS[name]),
            provider="outreach-sim",
        )


def to_experiment(cfg: DictConfig) -> ExperimentConfig:
    """Turn a composed config into typed dataclasses and check every range."""
    plain = OmegaConf.to_container(cfg, resolve=False)
    check_interpolations(plain)  # before anything is resolved
    if isinstance(plain, dict):
        check_known_keys({k: v for k, v in plain.items() if k != "hydra"}, ExperimentConfig)
    try:
        exp = cast(ExperimentConfig, OmegaConf.to_object(cfg))
    except MissingMandatoryValue as exc:
        # e.g. a strategy step with no channel: name the field rather than guess a default.
        raise ConfigError.missing(str(exc.full_key)) from None
    validate(exp)
    return exp


def compose(overrides: Sequence[str] = (), config_dir: Path | None = None) -> ExperimentConfig:
    """Compose ``sim/conf/config.yaml`` with command-line style overrides, as the app would.

    Configs are data here as on the command line (:mod:`sim.run.userfiles`): a ``pkg://`` search
    path, a config file that is not safe to compose, or a value that reads the environment is a
    :class:`~sim.model.config.ConfigError`, before anything is imported or resolved.
    """
    register_configs()
    parsed = parse(overrides)
    check_searchpath(parsed)
    check_env_copy(parsed)
    with initialize_config_dir(str(config_dir or CONF_DIR), version_base="1.3"):
        cfg = hydra_compose("config", overrides=list(overrides))
    return to_experiment(cfg)


def compose_all(
    overrides: Sequence[Sequence[str]], config_dir: Path | None = None
) -> list[ExperimentConfig]:
    """:func:`compose` of each list of overrides, each choice of config groups composed once.

    Through :class:`sim.run.compose.GroupComposer`. Raises the errors :func:`compose` raises,
    for the first configuration that has one.
    """
    register_configs()
    out: list[ExperimentConfig] = []
    with initialize_config_dir(str(config_dir or CONF_DIR), version_base="1.3"):
        composer: GroupComposer[DictConfig] = GroupComposer(
            "config", lambda key: hydra_compose("config", overrides=key)
        )
        for one in overrides:
            parsed = parse(one)
            check_searchpath(parsed)
            check_env_copy(parsed)
            if any(
                o.is_hydra_override() and o.get_key_element() != "hydra.searchpath" for o in parsed
            ):
                # Hydra's own settings shape the composition itself: composed in full.
                out.append(to_experiment(hydra_compose("config", overrides=list(one))))
                continue
            key, plain = composer.split(parsed)
            out.append(to_experiment(with_plain(composer.base(key), plain)))
    return out
