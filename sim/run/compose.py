"""Composing configs with Hydra: the one composer, and every use of Hydra's private API.

Composing a config costs about 0.3 s, as much as a small configuration's simulation, and the
configurations of a sweep mostly differ in plain values. Hydra composes a config from its
defaults list (the group choices, and the search path that says where groups are found), then
applies the other overrides to it one by one (``ConfigLoaderImpl._apply_overrides_to_config``).
So :class:`GroupComposer` composes each choice of groups once and applies each configuration's
plain overrides to a copy with Hydra's own function: the same config. The pre-flight
(:mod:`sim.cli.preflight`), a shard's configurations (:mod:`sim.cli.shard`) and the notebook
sweep (:func:`sim.run.registry.compose_all`) compose through it.

Hydra's and OmegaConf's private modules (``hydra._internal``, ``omegaconf._utils``, the private
modules of Hydra's launcher plugins) are imported here and nowhere else
(``tests/test_private_api.py`` keeps it so): a Hydra release that moves them changes this module
alone.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import io
import os
import pickle
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import yaml
from hydra._internal.config_loader_impl import ConfigLoaderImpl, get_overrides_dirname
from hydra._internal.utils import get_args_parser
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf, open_dict
from omegaconf._utils import get_omega_conf_dumper

if TYPE_CHECKING:
    from types import ModuleType

    from hydra._internal.core_plugins.basic_launcher import BasicLauncher, BasicLauncherConf
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.types import Override

    joblib_core: ModuleType

__all__ = [
    "BasicLauncher",
    "BasicLauncherConf",
    "BasicSweeper",
    "GroupComposer",
    "get_args_parser",
    "joblib_core",
]

#: Where the private names this module lends out are found (:func:`__getattr__`).
_LENT = {
    "BasicLauncher": ("hydra._internal.core_plugins.basic_launcher", "BasicLauncher"),
    "BasicLauncherConf": ("hydra._internal.core_plugins.basic_launcher", "BasicLauncherConf"),
    "BasicSweeper": ("hydra._internal.core_plugins.basic_sweeper", "BasicSweeper"),
    "joblib_core": ("hydra_plugins.hydra_joblib_launcher._core", ""),
}


def __getattr__(name: str) -> Any:
    """Hydra's core plugin classes and the joblib plugin's core, as they are when asked for.

    Hydra's plugin scan executes the modules of its plugins again (once per process), so a class
    taken at this module's import could be an older copy than the one Hydra instantiates: a
    launcher or sweeper subclassing it then fails (``super(type, obj)``). Looked up on each use,
    it is the class the modules hold at the time, as an import in the plugin's own module gives.
    """
    if name not in _LENT:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attribute = _LENT[name]
    found = importlib.import_module(module)
    return getattr(found, attribute) if attribute else found


#: What :meth:`GroupComposer.base` composes, by its composer: a config, or a config and more.
Base = TypeVar("Base")


def register_resolvers() -> None:
    """Register ``${unique_id:}``: a short random id, fixed for the life of one config.

    ``use_cache`` keeps the first value; Hydra copies the master config's resolver cache into
    every sweep job's config (also in joblib workers, which receive the master config pickled),
    so all jobs of a sweep agree on the sweep directory while two sweeps never share one.
    """
    if not OmegaConf.has_resolver("unique_id"):
        OmegaConf.register_new_resolver("unique_id", lambda: uuid.uuid4().hex[:8], use_cache=True)


def ray_launcher_confs() -> tuple[Any, Any] | None:
    """The ray extra's launcher schemas (``RayConf``, ``RayLauncherConf``); None without it."""
    try:
        from hydra_plugins.hydra_ray_launcher._config import RayConf, RayLauncherConf
    except ImportError:
        return None
    return RayConf, RayLauncherConf


def parse(overrides: Sequence[str]) -> list[Override]:
    """Command-line overrides as Hydra parses them (Hydra's parse errors raised as they are)."""
    return OverridesParser.create().parse_overrides(list(overrides))


def sweep_jobs(parsed: list[Override]) -> list[list[str]]:
    """Every job's overrides, in Hydra's job order (the basic sweeper's cartesian product)."""
    sweeper: type[BasicSweeper] = __getattr__("BasicSweeper")
    return [job for batch in sweeper.split_arguments(parsed, None) for job in batch]


def searchpath_of(parsed: Sequence[Override]) -> tuple[str, ...]:
    """The ``hydra.searchpath`` overrides among ``parsed`` (they say where groups are)."""
    return tuple(str(o.input_line) for o in parsed if o.get_key_element() == "hydra.searchpath")


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


def copy_config(cfg: DictConfig) -> DictConfig:
    """A deep copy of ``cfg``: the same nodes, types, flags and values.

    Through pickle, which copies an OmegaConf tree two to three times as fast as ``deepcopy``
    (19 ms against 56 ms for the default task config; a sweep copies one per configuration in
    its check and again in its job). Hydra's own ``hydra`` node holds launcher classes that its
    config store re-created, which pickle cannot find by name: classes are then handed over
    as they are (:class:`_SharedTypes`, 32 ms with the ``hydra`` node). Anything else pickle
    cannot take is deep-copied.
    """
    try:
        copied: DictConfig = pickle.loads(pickle.dumps(cfg, protocol=pickle.HIGHEST_PROTOCOL))
    except pickle.PicklingError:
        return _SharedTypes.copy(cfg)
    except (TypeError, AttributeError):
        return copy.deepcopy(cfg)
    return copied


class _SharedTypes(pickle.Pickler):
    """A pickler for copies within this process: classes go by reference, not by name."""

    def __init__(self, out: io.BytesIO) -> None:
        super().__init__(out, protocol=pickle.HIGHEST_PROTOCOL)
        self.types: list[type] = []

    def persistent_id(self, obj: object) -> int | None:
        if isinstance(obj, type):
            self.types.append(obj)
            return len(self.types) - 1
        return None

    @classmethod
    def copy(cls, cfg: DictConfig) -> DictConfig:
        out = io.BytesIO()
        pickler = cls(out)
        pickler.dump(cfg)
        out.seek(0)
        unpickler = pickle.Unpickler(out)
        unpickler.persistent_load = pickler.types.__getitem__  # type: ignore[method-assign]
        copied: DictConfig = unpickler.load()
        return copied


def with_plain(base: DictConfig, plain: Sequence[Override]) -> DictConfig:
    """A copy of ``base`` with ``plain`` applied in order, as Hydra applies them."""
    cfg = copy_config(base)
    ConfigLoaderImpl._apply_overrides_to_config(list(plain), cfg)
    return cfg


def with_hydra_fields(cfg: DictConfig, parsed: list[Override], plain: list[Override]) -> None:
    """Apply ``plain`` to a config composed without them, ``hydra`` node included, as Hydra does.

    The steps of ``ConfigLoaderImpl._load_configuration_impl`` after composition, for the
    ``hydra`` fields that depend on the overrides (the recorded overrides, ``env_set``, the
    override dirname); the group choices and the rest are the base composition's.
    """
    ConfigLoaderImpl._apply_overrides_to_config(plain, cfg)
    cfg.hydra.overrides.hydra = []
    cfg.hydra.overrides.task = []
    app_overrides = []
    for override in parsed:
        if override.is_hydra_override():
            cfg.hydra.overrides.hydra.append(override.input_line)
        else:
            cfg.hydra.overrides.task.append(override.input_line)
            app_overrides.append(override)
    with open_dict(cfg.hydra):
        for key in cfg.hydra.job.env_copy:
            cfg.hydra.job.env_set[key] = os.environ[key]
    cfg.hydra.job.override_dirname = get_overrides_dirname(
        overrides=app_overrides,
        kv_sep=cfg.hydra.job.config.override_dirname.kv_sep,
        item_sep=cfg.hydra.job.config.override_dirname.item_sep,
        exclude_keys=cfg.hydra.job.config.override_dirname.exclude_keys,
    )


def group_test(config_name: str, searchpath: Sequence[str] = ()) -> Callable[[Override], bool]:
    """Whether Hydra reads an override as a group choice (with ``searchpath``), cached by key.

    ``searchpath``: the overrides that say where groups are found. Call inside an initialised
    Hydra (``initialize_config_dir``, or a running app).
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


class GroupComposer(Generic[Base]):
    """Each choice of config groups composed once; what a configuration adds is applied after.

    ``compose``: composes the base of one choice of groups from its key (the group overrides and
    the search path, in the configuration's order). ``fixed``: Hydra overrides every
    configuration shares (a shard's), read with each one's own search path to tell which
    overrides choose groups. ``bases``: the cache of compositions, given to share it (by the
    shards of one sweep that a worker process runs).
    """

    def __init__(
        self,
        config_name: str,
        compose: Callable[[list[str]], Base],
        *,
        fixed: Sequence[str] = (),
        bases: dict[tuple[str, ...], Base] | None = None,
    ) -> None:
        self.config_name = config_name
        self.compose = compose
        self.fixed = list(fixed)
        self.bases: dict[tuple[str, ...], Base] = {} if bases is None else bases
        self.tests: dict[tuple[str, ...], Callable[[Override], bool]] = {}

    def is_group(self, searchpath: tuple[str, ...], override: Override) -> bool:
        """Whether Hydra reads ``override`` as a group choice (``Overrides.__init__``).

        Read from the repository Hydra would compose from, with the configuration's search path.
        """
        if searchpath not in self.tests:
            self.tests[searchpath] = group_test(self.config_name, [*self.fixed, *searchpath])
        return self.tests[searchpath](override)

    def split(self, parsed: Sequence[Override]) -> tuple[tuple[str, ...], list[Override]]:
        """The key of ``parsed``'s choice of groups and its plain overrides (in order)."""
        searchpath = searchpath_of(parsed)
        return split_overrides(parsed, lambda o: self.is_group(searchpath, o))

    def base(self, key: tuple[str, ...]) -> Base:
        """The composition of one choice of groups, composed on first use."""
        if key not in self.bases:
            self.bases[key] = self.compose(list(key))
        return self.bases[key]


def compose_in_app(
    config_name: str, hydra_overrides: Sequence[str], overrides: Sequence[str]
) -> DictConfig:
    """A configuration composed inside a running app, as a launcher composes a sweep's job.

    Hydra's ``load_sweep_config`` without its job fields: ``hydra_overrides`` (the sweep's search
    path, launcher, folder) first, then the configuration's ``overrides``.
    """
    from hydra.core.global_hydra import GlobalHydra

    loader = GlobalHydra.instance().config_loader()
    return loader.load_configuration(
        config_name=config_name,
        overrides=[*hydra_overrides, *overrides],
        run_mode=RunMode.RUN,
    )


def dump_yaml(plain: dict[Any, Any]) -> str:
    """``plain`` as ``OmegaConf.to_yaml(OmegaConf.create(plain))`` writes it (dumper, options).

    Without building a config from ``plain`` and taking it apart again: a third of a sweep job's
    cost of writing its config.
    """
    text: str = yaml.dump(
        plain,
        default_flow_style=False,
        allow_unicode=True,
        sort_keys=False,
        Dumper=get_omega_conf_dumper(),
    )
    return text


@contextlib.contextmanager
def known_mode(known: bool, mode: Any) -> Iterator[None]:
    """Hydra's ``get_mode`` answered with ``mode``, when ``known``.

    Hydra composes the whole config once only to read ``hydra.mode`` before it composes the
    run's or the sweep's config (about 0.25 s of a command's start); the pre-flight composed the
    same overrides already (:func:`sim.cli.preflight.mode_of` says when it is the same).
    """
    if not known:
        yield
        return
    from hydra._internal.hydra import Hydra

    own = Hydra.get_mode

    def get_mode(self: Hydra, config_name: str | None, overrides: list[str]) -> Any:
        return mode

    Hydra.get_mode = get_mode  # type: ignore[method-assign]
    try:
        yield
    finally:
        Hydra.get_mode = own  # type: ignore[method-assign]
