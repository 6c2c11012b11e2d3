"""Guard: the checks a command line passes before Hydra runs anything (errors, and configs as data).

:func:`check_command` parses the command line as Hydra would, expands a sweep into its jobs and
composes every job's config (with Hydra's compose API once per choice of config groups, then
each job's plain values applied as Hydra applies them: :class:`JobComposer`), so that an unknown
group option, a value of the wrong type, an out-of-range number or a missing strategy file is
reported once, as a :class:`UserError`, before any directory exists.

It also enforces that configs are data. Hydra instantiates a few nodes of its own config
(``_target_`` of the launcher, the sweeper and callbacks) and hands the logging nodes to
:func:`logging.config.dictConfig` (whose ``()``, ``class`` and ``ext://`` import and call
objects). A YAML file from a search path can reach those nodes (``# @package _global_`` or a
``hydra/launcher`` option of its own), so every such node must name an allowlisted object; the
task config may name none at all, and this program never calls ``hydra.utils.instantiate``.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import os
import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn

import yaml
from hydra import compose, initialize_config_dir
from hydra._internal.config_loader_impl import ConfigLoaderImpl, get_overrides_dirname
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra._internal.utils import get_args_parser
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from hydra.errors import ConfigCompositionException, HydraException, OverrideParseException
from omegaconf import DictConfig, OmegaConf, open_dict
from omegaconf.errors import OmegaConfBaseException

from sim.model import config as sim_config
from sim.model.config import ConfigError
from sim.run.hydra_errors import describe_hydra_error, describe_yaml_error
from sim.run.registry import CONF_DIR, group_test, register_configs, split_overrides, to_experiment

#: The submitit launchers (the slurm extra): Hydra's, and each job guarded
#: (``hydra_plugins/outreach_sim_launchers``, what ``hydra/launcher=submitit_*`` names).
SUBMITIT_LAUNCHERS = frozenset(
    {
        "hydra_plugins.hydra_submitit_launcher.submitit_launcher.LocalLauncher",
        "hydra_plugins.hydra_submitit_launcher.submitit_launcher.SlurmLauncher",
        "hydra_plugins.outreach_sim_launchers.submitit_launchers.SafeLocalLauncher",
        "hydra_plugins.outreach_sim_launchers.submitit_launchers.SafeSlurmLauncher",
    }
)
#: The ray launcher (the ray extra): Hydra's, and each job guarded and composed in its task.
RAY_LAUNCHERS = frozenset(
    {
        "hydra_plugins.hydra_ray_launcher.ray_launcher.RayLauncher",
        "hydra_plugins.outreach_sim_launchers.ray_launcher.SafeRayLauncher",
    }
)
#: ``hydra.launcher.ray.init`` options a config may set: where the cluster is and what a local one
#: holds. Others install packages or set the tasks' environment (``runtime_env``), write files
#: elsewhere (``_temp_dir``, ``storage``), or serve the cluster on the network (``dashboard_host``).
RAY_INIT_ALLOWED = frozenset(
    {
        "address",
        "num_cpus",
        "num_gpus",
        "resources",
        "object_store_memory",
        "include_dashboard",
        "namespace",
        "log_to_driver",
    }
)
#: ``hydra.launcher.ray.remote`` options a config may set: what one launched job needs.
RAY_REMOTE_ALLOWED = frozenset({"num_cpus", "num_gpus", "memory", "resources", "max_retries"})
#: Objects Hydra may instantiate, by the config node that names them.
ALLOWED_TARGETS: dict[str, frozenset[str]] = {
    "hydra.launcher": frozenset(
        {
            "hydra._internal.core_plugins.basic_launcher.BasicLauncher",
            "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher",
            # Hydra's basic and joblib launchers, each job guarded (hydra_plugins/
            # outreach_sim_launchers: hydra/launcher=basic and joblib name these).
            "hydra_plugins.outreach_sim_launchers.SafeBasicLauncher",
            "hydra_plugins.outreach_sim_launchers.SafeJoblibLauncher",
            # The slurm extra (docs/scaling.md), Hydra's and guarded as above (what
            # hydra/launcher=submitit_local and submitit_slurm name): checked by check_launcher.
            *SUBMITIT_LAUNCHERS,
            # The ray extra (docs/scaling.md), checked by check_launcher.
            *RAY_LAUNCHERS,
        }
    ),
    "hydra.sweeper": frozenset(
        {
            "hydra._internal.core_plugins.basic_sweeper.BasicSweeper",
            "hydra_plugins.outreach_sim_sweeper.sharded_sweeper.ShardedSweeper",
        }
    ),
    "hydra.callbacks": frozenset({"sim.cli.sweep.SweepCallback"}),
}
#: Logging is the program's own: the composed logging nodes must be these files of Hydra's, the
#: options the root config chooses (``hydra/job_logging: none``, ``hydra/hydra_logging:
#: default``). A config or an override that changes them could open, append to or truncate any
#: file the user can write (``logging.FileHandler``), so none may.
OWN_LOGGING = {
    "hydra.job_logging": "job_logging/none.yaml",
    "hydra.hydra_logging": "hydra_logging/default.yaml",
}
#: The only search path scheme: ``pkg://MODULE`` imports the module (its top-level code runs).
SEARCHPATH_SCHEME = "file://"
#: Interpolations that read the process environment into a config (and so into its outputs).
ENVIRONMENT_RESOLVERS = re.compile(r"\$\{\s*(oc\.env|env)\s*:")
#: Keys :func:`hydra.utils.instantiate` acts on; the task config may hold none of them.
INSTANTIATE_KEYS = frozenset({"_target_", "_args_", "_partial_", "_recursive_", "_convert_"})
#: Where the submitit launchers keep their pickles and logs: inside the sweep folder, as their
#: default says. Elsewhere would be a file outside the output folder.
SUBMITIT_FOLDER = "${hydra.sweep.dir}/.submitit/%j"
#: ``sbatch`` options ``hydra.launcher.additional_parameters`` may set: scheduling and mail only.
#: Others name files (``output``, ``error``, ``chdir``), change the job's environment
#: (``export``, ``get-user-env``) or the command it runs (``wrap``).
SBATCH_ALLOWED = frozenset(
    {
        "begin",
        "clusters",
        "dependency",
        "hint",
        "licenses",
        "mail_type",
        "mail_user",
        "nice",
        "requeue",
        "reservation",
        "time",
        "time_min",
        "wckey",
    }
)


@dataclasses.dataclass(frozen=True)
class Checked:
    """What the check of a command line found out that Hydra would compose a config to learn.

    ``mode_known``: ``mode`` is what Hydra's ``get_mode`` returns for these overrides (the
    ``hydra.mode`` a config composed from them sets, None when unset), so the app need not
    have Hydra compose the whole config once more to read it (about 0.25 s, issue 13).
    """

    mode_known: bool = False
    mode: Any = None


class UserError(Exception):
    """A mistake in the command line or a config: the message says what and what is allowed."""


def register_resolvers() -> None:
    """Register ``${unique_id:}``: a short random id, fixed for the life of one config.

    ``use_cache`` keeps the first value; Hydra copies the master config's resolver cache into
    every sweep job's config (also in joblib workers, which receive the master config pickled),
    so all jobs of a sweep agree on the sweep directory while two sweeps never share one.
    """
    if not OmegaConf.has_resolver("unique_id"):
        OmegaConf.register_new_resolver("unique_id", lambda: uuid.uuid4().hex[:8], use_cache=True)


def _walk(node: Any, path: str) -> Iterator[tuple[str, str, Any]]:
    """Yield ``(parent_path, key, value)`` for every key of nested dicts and lists."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield path, str(key), value
            yield from _walk(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{path}[{i}]")


def _target_allowed(parent: str, target: object) -> bool:
    for node, allowed in ALLOWED_TARGETS.items():
        if parent == node or (node == "hydra.callbacks" and parent.startswith(node + ".")):
            return target in allowed
    return False


def check_safe(cfg: DictConfig) -> None:
    """Reject a composed config (with its ``hydra`` node) that names anything executable.

    Values are read unresolved, so an interpolation cannot smuggle a name past the check.

    Raises:
        UserError: naming the offending node, its value and what is allowed.
    """
    tree = OmegaConf.to_container(cfg, resolve=False)
    assert isinstance(tree, dict)
    hydra_node = tree.pop("hydra", {})
    for parent, key, value in _walk(tree, ""):
        if key in INSTANTIATE_KEYS:
            raise UserError(
                f"{parent + '.' if parent else ''}{key}={value!r} is not allowed: configs are "
                "data; strategies, populations and models cannot name code to import or call"
            )
    for parent, key, value in _walk({"hydra": hydra_node}, ""):
        where = f"{parent}.{key}"
        if key == "_target_" and not _target_allowed(parent, value):
            allowed = next(
                (sorted(a) for n, a in ALLOWED_TARGETS.items() if parent.startswith(n)), []
            )
            raise UserError(
                f"{where}={value!r} is not allowed: configs are data; only "
                f"{', '.join(allowed) or 'nothing'} may be named here"
            )
    for node, expected in own_logging().items():
        found = hydra_node.get(node.split(".")[1])
        if found != expected:
            raise UserError(
                f"{node}={_short(found)} is not allowed: logging is the program's own; configs "
                "and overrides cannot set hydra.job_logging, hydra.hydra_logging or their groups"
            )
    for parent, key, value in _walk(tree | {"hydra": hydra_node}, ""):
        if isinstance(value, str) and ENVIRONMENT_RESOLVERS.search(value):
            raise UserError(
                f"{parent + '.' if parent else ''}{key}={value!r} is not allowed: configs are data "
                "and cannot read the environment (${oc.env:...})"
            )
    check_launcher(hydra_node.get("launcher") or {})
    check_sweeper(hydra_node.get("sweeper") or {})
    env_set = hydra_node.get("job", {}).get("env_set") or {}
    if env_set:
        raise UserError(
            f"hydra.job.env_set={env_set!r} is not allowed: outreach-sim jobs do not change "
            "their environment (a config could otherwise change what a process loads)"
        )


def check_launcher(launcher: dict[str, Any]) -> None:
    """Refuse what a submitit or ray launcher would run, or write outside the sweep folder.

    The submitit launchers run shell lines (``setup``) and pass options to ``sbatch``: none of
    that may come from a config, and their files stay in the sweep folder. The ray launcher passes
    its options to ``ray.init`` and ``ray.remote``: only sizes and the cluster's address.
    """
    if str(launcher.get("_target_", "")) in RAY_LAUNCHERS:
        check_ray(launcher.get("ray") or {})
        return
    if str(launcher.get("_target_", "")) not in SUBMITIT_LAUNCHERS:
        return
    if launcher.get("setup"):
        raise UserError(
            f"hydra.launcher.setup={_short(launcher['setup'])} is not allowed: configs are data "
            "and cannot run commands; prepare the environment in the shell that starts the sweep "
            "(SLURM jobs inherit it)"
        )
    folder = launcher.get("submitit_folder", SUBMITIT_FOLDER)
    if folder != SUBMITIT_FOLDER:
        raise UserError(
            f"hydra.launcher.submitit_folder={folder!r} is not allowed: the launcher's files stay "
            f"in the sweep folder ({SUBMITIT_FOLDER}); choose the folder with hydra.sweep.dir"
        )
    extra = launcher.get("additional_parameters") or {}
    for key in extra if isinstance(extra, dict) else []:
        if str(key).replace("-", "_") not in SBATCH_ALLOWED:
            raise UserError(
                f"hydra.launcher.additional_parameters.{key}={_short(extra[key])} is not allowed: "
                f"one of {', '.join(sorted(SBATCH_ALLOWED))} (options that name files, the "
                "environment or a command cannot come from a config)"
            )


def check_ray(ray: dict[str, Any]) -> None:
    """Refuse ``ray.init`` and ``ray.remote`` options that reach beyond where and how much."""
    for node, allowed in (("init", RAY_INIT_ALLOWED), ("remote", RAY_REMOTE_ALLOWED)):
        options = ray.get(node) or {}
        for key in options if isinstance(options, dict) else []:
            if str(key) not in allowed:
                raise UserError(
                    f"hydra.launcher.ray.{node}.{key}={_short(options[key])} is not allowed: one "
                    f"of {', '.join(sorted(allowed))} (options that install packages, set the "
                    "environment, write files elsewhere or serve the cluster cannot come from a "
                    "config)"
                )


def check_sweeper(sweeper: dict[str, Any]) -> None:
    """``hydra.sweeper.shard_size`` and ``max_jobs``: whole numbers, at least 1 (or no cap)."""
    for key, allowed_none in (("shard_size", False), ("max_jobs", True)):
        if key not in sweeper:
            continue
        value = sweeper[key]
        if value is None and allowed_none:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            allowed = "an integer >= 1" + (", or null for no cap" if allowed_none else "")
            raise UserError(f"hydra.sweeper.{key}={value!r} is not allowed: {allowed}")


@functools.cache
def own_logging() -> dict[str, Any]:
    """The logging nodes the program composes, read from Hydra's own config files."""
    root = resources.files("hydra.conf.hydra")
    return {
        node: yaml.safe_load(root.joinpath(path).read_text(encoding="utf-8"))
        for node, path in OWN_LOGGING.items()
    }


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def check_searchpath(overrides: Sequence[Override]) -> None:
    """Only ``file://`` search paths: ``pkg://MODULE`` would import the module to read it.

    Checked on the parsed overrides, before any composition: composing already imports.
    """
    for override in overrides:
        if override.get_key_element() != "hydra.searchpath":
            continue
        value = override.value()
        for entry in value if isinstance(value, list) else [value]:
            if not str(entry).startswith(SEARCHPATH_SCHEME):
                raise UserError(
                    f"hydra.searchpath={entry!r} is not allowed: a folder, file://DIR (absolute, "
                    "or relative to the current folder); pkg:// would import a module"
                )
            folder = Path(str(entry).removeprefix(SEARCHPATH_SCHEME))
            if not folder.is_dir():
                # Hydra would only warn, then blame the first strategy it cannot find.
                raise UserError(
                    f"hydra.searchpath={entry!r} is not allowed: no such folder "
                    f"{folder.resolve()} (a relative path is read from the current folder)"
                )


def check_arms(overrides: Sequence[Override]) -> None:
    """An arm named twice (``strategy=[a,a]``) would silently run once: refuse it."""
    for override in overrides:
        if override.get_key_element() != "strategy" or override.is_sweep_override():
            continue
        value = override.value()
        names = [str(v) for v in value] if isinstance(value, list) else [str(value)]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise UserError(
                f"strategy={override.get_value_element_as_str()} is not allowed: each arm once "
                f"({', '.join(twice)} is listed more than once)"
            )


def check_arm_names(overrides: Sequence[str], cfg: DictConfig) -> None:
    """Each arm a job names is a strategy of that name: a file's top key must be its file name.

    ``strategy=[entitlement,mine]`` with a file ``strategy/mine.yaml`` that holds ``theirs:``
    (or nothing) would otherwise run an arm called ``theirs`` (or none) without a word.
    """
    strategies = cfg.get("strategy") or {}
    parsed = _parse(overrides)
    folders = [
        Path(str(entry).removeprefix(SEARCHPATH_SCHEME))
        for o in parsed
        if o.get_key_element() == "hydra.searchpath"
        for entry in (o.value() if isinstance(o.value(), list) else [o.value()])  # type: ignore[union-attr]
    ]
    for override in parsed:
        if override.get_key_element() != "strategy" or override.is_sweep_override():
            continue
        value = override.value()
        names = [str(v) for v in value] if isinstance(value, list) else [str(value)]
        extra = sorted(set(strategies) - set(names))
        for name in names:
            for folder in (*folders, CONF_DIR):
                path = folder / "strategy" / f"{name}.yaml"
                if path.is_file():
                    try:
                        sim_config.check_voicemail_steps(
                            yaml.safe_load(path.read_text(encoding="utf-8"))
                        )
                    except ConfigError as exc:
                        raise UserError(f"{exc} (in {path})") from None
                    break
            if name not in strategies:
                raise UserError(
                    f"strategy={name!r} is not allowed: its file strategy/{name}.yaml holds "
                    f"{', '.join(repr(e) for e in extra) or 'no strategy'}, not {name!r} (a "
                    f"strategy file's content sits under its file name: {name}:)"
                )


def _parse(overrides: Sequence[str]) -> list[Override]:
    try:
        return OverridesParser.create().parse_overrides(list(overrides))
    except OverrideParseException as exc:
        raise UserError(describe_hydra_error(exc)) from None


def sweeper_params(cfg: DictConfig) -> list[str]:
    """``hydra.sweeper.params`` as overrides (the basic sweeper puts them before the command's)."""
    params = OmegaConf.select(cfg, "hydra.sweeper.params")
    if not params:
        return []
    plain = OmegaConf.to_container(params, resolve=False)
    assert isinstance(plain, dict)
    return [f"{k!s}={v}" for k, v in plain.items()]


def is_multirun(cfg: DictConfig) -> bool:
    """True when the composed config asks for a sweep (``hydra.mode: MULTIRUN``)."""
    return str(OmegaConf.select(cfg, "hydra.mode")) in {"MULTIRUN", "RunMode.MULTIRUN"}


def _jobs(
    composer: JobComposer, overrides: Sequence[str], multirun: bool, show_only: bool
) -> tuple[list[tuple[list[str], DictConfig | None]], DictConfig | None, Checked]:
    """Every job the command would run (only the first when showing), with its composition.

    A job is its overrides and, when the probe composition already is that job's config (a
    single run), that config, so it is not composed again. The probe is composed by
    ``composer``, so a sweep's jobs that choose the same groups start from its composition.
    Returned with the probe when the command runs a sweep (None otherwise), and what the probe
    says about Hydra's mode (:class:`Checked`).
    """
    parsed = _parse(overrides)
    check_searchpath(parsed)
    check_arms(parsed)
    plain = [str(o.input_line) for o in parsed if not o.is_sweep_override()]
    probe = composer.compose(plain)
    multirun = multirun or is_multirun(probe)
    sweeps = [str(o.input_line) for o in parsed if o.is_sweep_override()]
    checked = _mode(composer, parsed, probe)
    if sweeps and not multirun and not show_only:
        raise UserError(
            f"{sweeps[0]} is a sweep over several values: add -m (--multirun) to run a sweep, or "
            "give one value (a list for a multi-select group: strategy=[a,b])"
        )
    if not multirun:
        # A single run's probe is its composed config: it is not composed a second time.
        return [(plain, probe) if show_only else (list(overrides), probe)], None, checked
    try:
        batches = BasicSweeper.split_arguments(_parse([*sweeper_params(probe), *overrides]), None)
    except HydraException as exc:
        raise UserError(describe_hydra_error(exc)) from None
    jobs: list[tuple[list[str], DictConfig | None]] = [
        (job, None) for batch in batches for job in batch
    ]
    if show_only:
        return jobs[:1], None, checked
    return jobs, probe, checked


def _mode(composer: JobComposer, parsed: list[Override], probe: DictConfig) -> Checked:
    """What Hydra's ``get_mode`` would return for ``parsed``, when the probe tells.

    ``get_mode`` composes every override, sweeps included, and returns the config's
    ``hydra.mode``, or None when composing fails. The probe is the composition of the overrides
    that are not sweeps. Without sweeps, the two are the same composition. Sweeps over plain
    values (not a config group, not ``hydra.*``) choose the same config files and leave
    ``hydra.mode`` alone, or make composing fail: either way None when the probe's is unset.
    Otherwise (a sweep over a group, whose files could set it) Hydra has to compose.
    """
    mode = OmegaConf.select(probe, "hydra.mode")
    sweeps = [o for o in parsed if o.is_sweep_override()]
    if not sweeps:
        return Checked(mode_known=True, mode=mode)
    searchpath = next(
        (str(o.input_line) for o in parsed if o.get_key_element() == "hydra.searchpath"), ""
    )
    plain = all(not o.is_hydra_override() and not composer.is_group(searchpath, o) for o in sweeps)
    return Checked(mode_known=mode is None and plain, mode=None)


def compose_job(config_name: str, overrides: list[str]) -> DictConfig:
    """Compose one job's config with its ``hydra`` node, turning Hydra errors into UserErrors."""
    try:
        return compose(config_name, overrides=overrides, return_hydra_config=True)
    except (HydraException, OmegaConfBaseException, ValueError) as exc:
        raise UserError(describe_hydra_error(exc)) from None
    except yaml.YAMLError as exc:  # a config file that is not valid YAML
        raise UserError(describe_yaml_error(exc)) from None


class JobComposer:
    """Each job's config as :func:`compose_job` gives it, composed once per choice of groups.

    Composing costs about 0.28 s a job (issue 13: 50 minutes of pre-flight for 10,000 jobs),
    and a sweep's jobs mostly differ in plain values. Hydra composes a config from the defaults
    list (the group choices, and the search path that says where groups are found), then applies
    the other overrides to it in order (``ConfigLoaderImpl._apply_overrides_to_config``). So a
    job's group overrides and search path are composed once per distinct tuple, and its plain
    overrides applied to a copy with Hydra's own function, after which the ``hydra`` node's
    fields Hydra derives from the overrides are set as Hydra sets them: the same config, the same
    errors, in the same job order.
    """

    def __init__(self, config_name: str) -> None:
        self.config_name = config_name
        self.bases: dict[tuple[str, ...], DictConfig] = {}
        self.tests: dict[str, Callable[[Override], bool]] = {}

    def is_group(self, searchpath: str, override: Override) -> bool:
        """Whether Hydra reads ``override`` as a group choice (``Overrides.__init__``).

        Read from the repository Hydra would compose from, with the job's search path.
        """
        if searchpath not in self.tests:
            paths = [searchpath] if searchpath else []
            self.tests[searchpath] = group_test(self.config_name, paths)
        return self.tests[searchpath](override)

    def compose(self, overrides: list[str]) -> DictConfig:
        """The job's config with its ``hydra`` node; Hydra's errors as UserErrors."""
        parsed = _parse(overrides)
        searchpath = next(
            (str(o.input_line) for o in parsed if o.get_key_element() == "hydra.searchpath"), ""
        )
        try:
            key, plain = split_overrides(parsed, lambda o: self.is_group(searchpath, o))
        except (HydraException, OmegaConfBaseException, ValueError) as exc:
            raise UserError(describe_hydra_error(exc)) from None
        except yaml.YAMLError as exc:
            raise UserError(describe_yaml_error(exc)) from None
        if key not in self.bases:
            self.bases[key] = compose_job(self.config_name, list(key))
        cfg = copy.deepcopy(self.bases[key])
        try:
            with_plain_overrides(cfg, parsed, plain)
        except (HydraException, ValueError) as exc:
            raise UserError(describe_hydra_error(exc)) from None
        except OmegaConfBaseException as exc:
            # As ConfigLoaderImpl.load_configuration wraps it.
            try:
                raise ConfigCompositionException() from exc
            except ConfigCompositionException as wrapped:
                raise UserError(describe_hydra_error(wrapped)) from None
        return cfg


def with_plain_overrides(cfg: DictConfig, parsed: list[Override], plain: list[Override]) -> None:
    """Apply ``plain`` to a config composed without them, as Hydra's loader does.

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


def check_job(cfg: DictConfig, *, validate: bool, owned: bool = False) -> None:
    """Check one composed job: nothing executable and, when ``validate``, every value in range.

    ``owned``: ``cfg`` is the caller's own copy, which the check may take the ``hydra`` node out
    of instead of copying the whole config first (a copy costs about a third of a sweep
    configuration's pre-flight, issue 13).
    """
    check_safe(cfg)
    if not validate:
        return
    task = cfg if owned else cfg.copy()
    with open_dict(task):
        del task["hydra"]
    try:
        to_experiment(task)
    except ConfigError as exc:
        raise UserError(str(exc)) from None
    except (OmegaConfBaseException, ValueError) as exc:
        raise UserError(describe_hydra_error(exc)) from None


def _argument_error(message: str) -> NoReturn:
    # argparse would print its usage block, then the message: one line instead.
    raise UserError(f"{message}; outreach-sim --help lists the options")


def check_command(
    argv: Sequence[str],
    on_sweep: Callable[[DictConfig, DictConfig], None] | None = None,
    on_job: Callable[[DictConfig, DictConfig, int, int], None] | None = None,
) -> Checked:
    """Check a whole ``outreach-sim`` command line before Hydra runs it.

    ``on_sweep``: called with a sweep's config (its ``hydra`` node: launcher, sweeper) and its
    first job's task config (checked, without ``hydra``) once that job has passed, before the
    others are checked (the app starts its workers then, and has them simulate the first job
    ahead, :func:`sim.cli.app.main`); a check that fails afterwards still raises. ``on_job``:
    called for every job of a sweep once it has passed, before ``on_sweep``, with the sweep's
    config, the job's task config, its number and the number of jobs (a resumed sweep looks for
    the jobs that are complete already, :func:`sim.cli.app.preflight`).

    Returns:
        What the check learnt that Hydra would compose again to learn (:class:`Checked`).

    Raises:
        UserError: on the first problem found, with a message naming the field.
    """
    parser = get_args_parser()
    parser.error = _argument_error  # type: ignore[method-assign]
    args = parser.parse_args(list(argv))
    if args.help or args.hydra_help or args.shell_completion:
        return Checked()
    for flag, given in (
        ("--config-path", args.config_path),
        ("--config-dir", args.config_dir),
        ("--experimental-rerun", args.experimental_rerun),
    ):
        if given:
            raise UserError(
                f"{flag}={given} is not supported: add a folder of your own configs with "
                "hydra.searchpath=[file://DIR]"
            )
    show_only = bool(args.cfg or args.info)
    name = args.config_name or "config"
    register_configs()
    register_resolvers()
    with initialize_config_dir(str(CONF_DIR), version_base="1.3", job_name="outreach-sim"):
        composer = JobComposer(name)
        jobs, sweep, checked = _jobs(composer, args.overrides, bool(args.multirun), show_only)
        for number, (job, composed) in enumerate(jobs):
            cfg = composed or composer.compose(job)
            # Each job's config is composed for this check alone: the check may consume it.
            check_job(cfg, validate=not show_only, owned=True)
            check_arm_names(job, cfg)
            if sweep is not None and on_job is not None:
                on_job(sweep, cfg, number, len(jobs))
            if number == 0 and sweep is not None and on_sweep is not None:
                on_sweep(sweep, cfg)  # check_job took out its hydra node: the task config
    return checked
