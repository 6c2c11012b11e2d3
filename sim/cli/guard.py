"""Guard: the policy a command line and its configs must meet (configs are data), and user errors.

Hydra instantiates a few nodes of its own config (``_target_`` of the launcher, the sweeper and
callbacks) and hands the logging nodes to :func:`logging.config.dictConfig` (whose ``()``,
``class`` and ``ext://`` import and call objects). A YAML file from a search path can reach those
nodes (``# @package _global_`` or a ``hydra/launcher`` option of its own), so every such node must
name an allowlisted object; the task config may name none at all, and this program never calls
``hydra.utils.instantiate``. Search paths are folders only, the environment cannot be read into a
config, and the launchers' options that run commands or write elsewhere are refused.

The pre-flight (:mod:`sim.cli.preflight`) composes every job of a command and applies these
checks to each; a problem is a :class:`UserError`, whose message names the field, the value and
what is allowed.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from hydra.core.override_parser.types import Override
from hydra.errors import OverrideParseException
from omegaconf import DictConfig, OmegaConf, open_dict
from omegaconf.errors import OmegaConfBaseException

from sim.model import config as sim_config
from sim.model.config import ConfigError
from sim.run import userfiles
from sim.run.compose import parse
from sim.run.hydra_errors import describe_hydra_error
from sim.run.registry import CONF_DIR, to_experiment
from sim.run.userfiles import SEARCHPATH_SCHEME

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
#: The program's own callback (``hydra.callbacks.sweep`` in sim/conf/config.yaml).
SWEEP_CALLBACK = "sim.cli.sweep.SweepCallback"
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
    "hydra.callbacks": frozenset({SWEEP_CALLBACK}),
}
#: Logging is the program's own: the composed logging nodes must be these files of Hydra's, the
#: options the root config chooses (``hydra/job_logging: none``, ``hydra/hydra_logging:
#: default``). A config or an override that changes them could open, append to or truncate any
#: file the user can write (``logging.FileHandler``), so none may.
OWN_LOGGING = {
    "hydra.job_logging": "job_logging/none.yaml",
    "hydra.hydra_logging": "hydra_logging/default.yaml",
}
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


class UserError(Exception):
    """A mistake in the command line or a config: the message says what and what is allowed."""


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
    try:
        userfiles.check_interpolations(tree | {"hydra": hydra_node})
    except ConfigError as exc:
        raise UserError(str(exc)) from None
    check_callbacks(hydra_node.get("callbacks"))
    check_launcher(hydra_node.get("launcher") or {})
    check_sweeper(hydra_node.get("sweeper") or {})
    env_set = hydra_node.get("job", {}).get("env_set") or {}
    if env_set:
        raise UserError(
            # The names only: a value may be a secret (copied in by hydra.job.env_copy).
            f"hydra.job.env_set={sorted(env_set)!r} is not allowed: outreach-sim jobs do not "
            "change their environment (a config could otherwise change what a process loads)"
        )


def check_callbacks(callbacks: Any) -> None:
    """The program's own sweep callback stays: it writes a sweep's tables and failed jobs."""
    own = (callbacks or {}).get("sweep") if isinstance(callbacks, dict) else None
    if not isinstance(own, dict) or own.get("_target_") != SWEEP_CALLBACK:
        raise UserError(
            f"hydra.callbacks={_short(callbacks)} is not allowed: the program's own callback "
            f"(hydra.callbacks.sweep: {SWEEP_CALLBACK}) stays; it writes a sweep's tables and "
            "records its failed jobs"
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
    """``hydra.sweeper.shard_size`` and ``max_jobs``: whole numbers, at least 1, or null.

    A null ``shard_size`` is chosen by the sweep (:func:`sim.cli.shard.auto_shard_size`); a null
    ``max_jobs`` is no cap.
    """
    for key, allowed_none in (("shard_size", True), ("max_jobs", True)):
        if key not in sweeper:
            continue
        value = sweeper[key]
        if value is None and allowed_none:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            allowed = "an integer >= 1, or null" + (
                " for no cap" if key == "max_jobs" else " to let the sweep choose"
            )
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
    """Only ``file://`` search paths, and every config file in them safe to compose.

    Checked on the parsed overrides, before any composition: composing already imports
    (``pkg://``) and expands every alias of a file (:func:`sim.run.userfiles.check_searchpath`).
    """
    try:
        userfiles.check_searchpath(overrides)
        userfiles.check_env_copy(overrides)
    except ConfigError as exc:
        raise UserError(str(exc)) from None


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
    parsed = parse_overrides(overrides)
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


def parse_overrides(overrides: Sequence[str]) -> list[Override]:
    """Command-line overrides as Hydra parses them; a parse error as a :class:`UserError`."""
    try:
        return parse(overrides)
    except OverrideParseException as exc:
        raise UserError(describe_hydra_error(exc)) from None


def check_job(
    cfg: DictConfig, *, validate: bool, owned: bool = False
) -> sim_config.ExperimentConfig | None:
    """Check one composed job: nothing executable and, when ``validate``, every value in range.

    ``owned``: ``cfg`` is the caller's own copy, which the check may take the ``hydra`` node out
    of instead of copying the whole config first (a copy costs about a third of a sweep
    configuration's pre-flight).

    Returns:
        The validated experiment when ``validate``, else None.
    """
    check_safe(cfg)
    if not validate:
        return None
    task = cfg if owned else cfg.copy()
    with open_dict(task):
        del task["hydra"]
    try:
        return to_experiment(task)
    except ConfigError as exc:
        raise UserError(str(exc)) from None
    except (OmegaConfBaseException, ValueError) as exc:
        raise UserError(describe_hydra_error(exc)) from None
