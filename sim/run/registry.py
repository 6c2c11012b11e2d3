"""Config registry: the dataclass schemas in Hydra's ConfigStore, and composing a config in Python.

The schemas are registered under the names the YAML files name in their ``defaults`` lists, so
Hydra checks every value's type as it merges; :func:`compose` gives notebooks and tests the same
config the command line would, with no subprocess.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from hydra import compose as hydra_compose
from hydra import initialize_config_dir
from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import MissingMandatoryValue

if TYPE_CHECKING:
    from hydra.core.override_parser.types import Override

from sim.model.config import ConfigError, ExperimentConfig, check_known_keys, validate

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
    from hydra._internal.core_plugins.basic_launcher import BasicLauncherConf
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
    try:  # the ray extra (docs/scaling.md), when installed
        from hydra_plugins.hydra_ray_launcher._config import RayConf, RayLauncherConf
    except ImportError:
        pass
    else:
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
    """Compose ``sim/conf/config.yaml`` with command-line style overrides, as the app would."""
    register_configs()
    with initialize_config_dir(str(config_dir or CONF_DIR), version_base="1.3"):
        cfg = hydra_compose("config", overrides=list(overrides))
    return to_experiment(cfg)


# Composing a config costs about 0.3 s (issue 13), as much as a small configuration's
# simulation, and the configurations of a sweep mostly differ in plain values. Hydra composes a
# config from its defaults list (the group choices, and the search path that says where groups
# are found), then applies the other overrides to it one by one
# (``ConfigLoaderImpl._apply_overrides_to_config``). So each choice of groups is composed once,
# and each configuration's plain overrides applied to a copy with Hydra's own function: the same
# config. The pre-flight (sim.cli.guard.JobComposer), a shard's configurations
# (sim.cli.app.ShardComposer) and the notebook sweep (sim.run.api.sweep, :func:`compose_all`) do
# this.


def split_overrides(
    parsed: Sequence[Override], is_group: Callable[[Override], bool]
) -> tuple[tuple[str, ...], list[Override]]:
    """The overrides a composition is made from, as a key, and the plain ones applied after.

    ``is_group``: whether Hydra reads an override as a group choice (a dict value is merged
    into the config instead). The search path is part of the key: it says where groups are.
    """
    structural = [
        o
        for o in parsed
        if o.get_key_element() == "hydra.searchpath"
        or (is_group(o) and not isinstance(o.value(), dict))
    ]
    plain = [o for o in parsed if all(o is not s for s in structural)]
    return tuple(str(o.input_line) for o in structural), plain


def with_plain(base: DictConfig, plain: Sequence[Override]) -> DictConfig:
    """A copy of ``base`` with ``plain`` applied in order, as Hydra applies them."""
    from hydra._internal.config_loader_impl import ConfigLoaderImpl

    cfg = copy.deepcopy(base)
    ConfigLoaderImpl._apply_overrides_to_config(list(plain), cfg)
    return cfg


def group_test(config_name: str, searchpath: Sequence[str] = ()) -> Callable[[Override], bool]:
    """Whether Hydra reads an override as a group choice (with ``searchpath``), cached by key.

    Call inside an initialised Hydra (``initialize_config_dir``, or a running app).
    """
    from hydra.core.global_hydra import GlobalHydra

    known: dict[str, bool] = {}
    repo: list[Any] = []

    def is_group(override: Override) -> bool:
        key = override.key_or_group
        if key not in known:
            if not repo:
                loader = GlobalHydra.instance().config_loader()
                repo.append(
                    loader._parse_overrides_and_create_caching_repo(  # type: ignore[attr-defined]
                        config_name, list(searchpath)
                    )[1]
                )
            known[key] = bool(repo[0].group_exists(key))
        return known[key]

    return is_group


def compose_all(
    overrides: Sequence[Sequence[str]], config_dir: Path | None = None
) -> list[ExperimentConfig]:
    """:func:`compose` of each list of overrides, each choice of config groups composed once.

    Raises the errors :func:`compose` raises, for the first configuration that has one.
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser

    register_configs()
    out: list[ExperimentConfig] = []
    with initialize_config_dir(str(config_dir or CONF_DIR), version_base="1.3"):
        parser = OverridesParser.create()
        bases: dict[tuple[str, ...], DictConfig] = {}
        tests: dict[tuple[str, ...], Callable[[Override], bool]] = {}
        for one in overrides:
            parsed = parser.parse_overrides(list(one))
            searchpath = tuple(
                str(o.input_line) for o in parsed if o.get_key_element() == "hydra.searchpath"
            )
            if any(
                o.is_hydra_override() and o.get_key_element() != "hydra.searchpath" for o in parsed
            ):
                # Hydra's own settings shape the composition itself: composed in full.
                out.append(to_experiment(hydra_compose("config", overrides=list(one))))
                continue
            if searchpath not in tests:
                tests[searchpath] = group_test("config", searchpath)
            key, plain = split_overrides(parsed, tests[searchpath])
            if key not in bases:
                bases[key] = hydra_compose("config", overrides=list(key))
            out.append(to_experiment(with_plain(bases[key], plain)))
    return out
