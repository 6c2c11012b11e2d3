"""The user's config folders: configs are data, read before Hydra reads them.

A folder added with ``hydra.searchpath=[file://DIR]`` holds YAML files Hydra composes (a strategy,
a population, a fitted model, an experiment). Before Hydra opens any of them, every YAML file in
such a folder is read here once, and refused with one line naming the file when it could not be
composed safely:

- it is not UTF-8 (Hydra's own error names no file);
- it is larger than :data:`MAX_FILE_BYTES`, or its aliases expand to more than
  :data:`MAX_NODES` nodes (a "billion laughs" file: PyYAML shares an alias's node, OmegaConf
  copies it for every use, so composing it would not end);
- it sets Hydra's own settings (``hydra.mode: MULTIRUN``, a launcher, a folder): a
  ``# @package _global_`` file with a ``hydra`` key, a ``# @package hydra...`` file, or a
  defaults list that chooses a ``hydra/`` group. A strategy file would otherwise turn a single
  run into a sweep, or send its results elsewhere, without a word on the command line.

Only ``file://`` search paths are allowed (``pkg://MODULE`` imports the module to read it), and
no config value may read the process environment (``${oc.env:...}``): :func:`check_searchpath`
and :func:`check_no_environment`, shared by the command line's pre-flight
(:mod:`sim.cli.guard`) and :func:`sim.run.registry.compose`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from sim.model.config import ConfigError

if TYPE_CHECKING:
    from hydra.core.override_parser.types import Override

#: The only search path scheme: ``pkg://MODULE`` imports the module (its top-level code runs).
SEARCHPATH_SCHEME = "file://"
#: Interpolations that read the process environment into a config (and so into its outputs).
ENVIRONMENT_RESOLVERS = re.compile(r"\$\{\s*(oc\.env|env)\s*:")
#: Resolvers a config may call: they read the config, the clock or a fresh id, nothing else
#: (Hydra's ``now``, ``hydra``, ``python_version``; the program's ``unique_id``; OmegaConf's
#: selection of other keys).
RESOLVERS_ALLOWED = frozenset(
    {
        "now",
        "hydra",
        "python_version",
        "unique_id",
        "oc.select",
        "oc.dict.keys",
        "oc.dict.values",
        "oc.deprecated",
    }
)
_RESOLVER = re.compile(r"\$\{\s*([^\s:{}$]+)\s*:")
_NESTED_NAME = re.compile(r"\$\{\s*\$\{")
#: The largest config file read: the shipped fitted worlds are 23 KB; a larger file is not a
#: config someone wrote (and reading it would hold the command).
MAX_FILE_BYTES = 4 * 1024 * 1024
#: The most nodes a config file may expand to, its aliases expanded (a config of 10,000 steps
#: is about 40,000 nodes).
MAX_NODES = 200_000
#: The config groups a search-path folder may add options to (``sim/conf``'s, and Hydra's).
GROUPS = frozenset(
    {p.name for p in (Path(__file__).resolve().parents[1] / "conf").iterdir() if p.is_dir()}
    | {"hydra"}
)
#: How many entries of a group's folder are looked at (``file:///`` would walk the disk).
MAX_ENTRIES = 5_000
#: How deep config groups nest in a search-path folder (``model/worlds/NAME.yaml`` is 3).
MAX_DEPTH = 4
_PACKAGE = re.compile(r"^#\s*@package\s+(\S+)", re.MULTILINE)


def searchpath_folders(parsed: Sequence[Override]) -> list[tuple[str, Path]]:
    """Each ``hydra.searchpath`` entry of ``parsed`` and the folder it names.

    Raises:
        ConfigError: an entry that is not ``file://`` (``pkg://`` would import a module), or
            not a folder (Hydra would only warn, then blame the first config it cannot find).
    """
    found = []
    for override in parsed:
        if override.get_key_element() != "hydra.searchpath":
            continue
        value = override.value()
        for entry in value if isinstance(value, list) else [value]:
            if not str(entry).startswith(SEARCHPATH_SCHEME):
                raise ConfigError(
                    "hydra.searchpath",
                    str(entry),
                    "a folder, file://DIR (absolute, or relative to the current folder); "
                    "pkg:// would import a module",
                )
            folder = Path(str(entry).removeprefix(SEARCHPATH_SCHEME))
            if not folder.is_dir():
                raise ConfigError(
                    "hydra.searchpath",
                    str(entry),
                    f"no such folder {folder.resolve()} (a relative path is read from the "
                    "current folder)",
                )
            found.append((str(entry), folder))
    return found


def check_searchpath(parsed: Sequence[Override]) -> None:
    """The search path's folders, and the YAML files Hydra could read from them.

    Checked on the parsed overrides, before any composition: composing already imports
    (``pkg://``) and expands every alias of a file it reads. The files are those of the config
    groups (:data:`GROUPS`, any group an override names, and any group a scanned file's defaults
    list names), so a folder such as the current one (``file://.``) is read only where Hydra
    would read it.

    Raises:
        ConfigError: naming the search path entry, or the file and what is wrong with it.
    """
    named = {str(o.key_or_group).lstrip("+~").split("/")[0].split(".")[0] for o in parsed}
    for entry, folder in searchpath_folders(parsed):
        todo, done = sorted(GROUPS | named), set()
        while todo:
            group = todo.pop()
            done.add(group)
            for path in config_files(entry, folder, group):
                more = check_config_file(path)
                todo += sorted(more - done - set(todo))


def config_files(entry: str, folder: Path, group: str) -> Iterator[Path]:
    """The YAML files of ``group`` in a search-path folder, :data:`MAX_DEPTH` folders deep."""
    top = folder / group
    if not group or group.startswith(".") or not top.is_dir():
        return
    seen = 0
    for root, dirs, files in os.walk(top):
        depth = len(Path(root).relative_to(top).parts)
        seen += len(dirs) + len(files)
        if seen > MAX_ENTRIES:
            raise ConfigError(
                "hydra.searchpath",
                entry,
                f"a folder of configs (its {group}/ holds over {MAX_ENTRIES:,} entries within "
                f"{MAX_DEPTH} levels)",
            )
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")) if depth < MAX_DEPTH else []
        for name in sorted(files):
            if name.endswith((".yaml", ".yml")):
                yield Path(root) / name


def check_config_file(path: Path) -> set[str]:
    """One config file of the user's: UTF-8, bounded, and none of Hydra's own settings.

    Returns:
        The config groups its defaults list names (their files are read too).

    Raises:
        ConfigError: naming the file and what is wrong with it.
    """
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ConfigError(
                str(path),
                f"{size:,} bytes",
                f"a config file of at most {MAX_FILE_BYTES // 2**20} MiB",
            )
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            str(path),
            f"byte 0x{exc.object[exc.start]:02x} at offset {exc.start}",
            "a config file in UTF-8 (save it as UTF-8; this one looks like another encoding, "
            "such as Latin-1)",
        ) from None
    except OSError as exc:
        raise ConfigError(str(path), exc.strerror or str(exc), "a readable config file") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise ConfigError(str(path), "not valid YAML", _yaml_problem(exc)) from None
    if root is None:
        return set()
    _check_expansion(path, root)
    _check_hydra_keys(path, text, root)
    return _default_groups(root)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """What YAML found wrong, and where (one line)."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if isinstance(exc, yaml.reader.ReaderError):
        problem = f"character #x{exc.character:04x} at offset {exc.position} is not allowed"
    where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
    return f"a config file in YAML; {problem}{where}"


def _check_expansion(path: Path, root: yaml.Node) -> None:
    """Refuse a file whose aliases expand to more than :data:`MAX_NODES` nodes."""
    sizes: dict[int, int] = {}
    opened: set[int] = set()

    def size(node: yaml.Node) -> int:
        # Each distinct node is sized once (an alias is the same node object): linear time.
        known = sizes.get(id(node))
        if known is not None:
            return known
        if id(node) in opened:  # an alias inside its own anchor: endless once expanded
            raise ConfigError(
                str(path),
                f"an alias inside its own anchor (line {node.start_mark.line + 1})",
                "a config file whose aliases (*name) refer to finished values",
            )
        opened.add(id(node))
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        sizes[id(node)] = total
        return total

    expanded = size(root)
    if expanded > MAX_NODES:
        raise ConfigError(
            str(path),
            f"{expanded:,} values once its aliases (*name) are expanded",
            f"a config file of at most {MAX_NODES:,} values (write the values out, or use "
            "fewer nested aliases)",
        )


def _check_hydra_keys(path: Path, text: str, root: yaml.Node) -> None:
    """Refuse a user's file that sets Hydra's own settings (module docstring).

    A top-level ``hydra`` key is refused whatever the file's package: a defaults entry or an
    override can place a file at the root (``population@_global_``), and no group's options
    hold a key of that name.
    """
    header = _PACKAGE.search(text[:2000])
    package = header[1] if header else "_group_"
    if _into_hydra(package):
        _hydra_refused(path, *_first_leaf(root, package))
    hydra_node = next((v for k, v in _pairs(root) if k == "hydra"), None)
    if hydra_node is not None:
        _hydra_refused(path, *_first_leaf(hydra_node, "hydra"))
    defaults = next((v for k, v in _pairs(root) if k == "defaults"), None)
    for entry in defaults.value if isinstance(defaults, yaml.SequenceNode) else []:
        pairs = _pairs(entry) if isinstance(entry, yaml.MappingNode) else []
        if isinstance(entry, yaml.ScalarNode):
            pairs = [(str(entry.value), entry)]
        for name, value in pairs:
            words = name.split()
            group, _, into = (words[-1] if words else "").partition("@")
            if group.lstrip("/").split("/")[0] == "hydra" or (into and _into_hydra(into)):
                _hydra_refused(path, f"defaults: [{name.strip()}]", _scalar(value))


def _into_hydra(package: str) -> bool:
    """Whether a package (``hydra.run``, ``_global_.hydra``) places content in Hydra's node."""
    return package.removeprefix("_global_").lstrip(".").split(".")[0] == "hydra"


def _default_groups(root: yaml.Node) -> set[str]:
    """The top config groups a file's defaults list names (``- /evil: bomb``, ``- /evil/x``)."""
    defaults = next((v for k, v in _pairs(root) if k == "defaults"), None)
    found = set()
    for entry in defaults.value if isinstance(defaults, yaml.SequenceNode) else []:
        names = [k for k, _ in _pairs(entry)] if isinstance(entry, yaml.MappingNode) else []
        names += [str(entry.value)] if isinstance(entry, yaml.ScalarNode) else []
        for name in names:
            words = name.split()
            found.add(words[-1].lstrip("/").split("/")[0] if words else "")
    return found - {"", "_self_"}


def _first_leaf(node: yaml.Node, where: str) -> tuple[str, str]:
    """The dotted key of ``node``'s first value (under ``where``), and that value."""
    while isinstance(node, yaml.MappingNode) and node.value:
        key, node = node.value[0]
        where = f"{where}.{key.value}"
    return where, _scalar(node)


def _scalar(node: yaml.Node) -> str:
    return str(node.value) if isinstance(node, yaml.ScalarNode) else "..."


def _hydra_refused(path: Path, key: str, value: str) -> None:
    raise ConfigError(
        f"{path}: {key}",
        value,
        "Hydra's own settings (hydra.mode, launcher, callbacks, folders) come from the command "
        "line, not from a config file (a file could otherwise turn a run into a sweep or move "
        "its results)",
    )


def _pairs(node: yaml.Node) -> list[tuple[str, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        return []
    return [(str(k.value), v) for k, v in node.value if isinstance(k, yaml.ScalarNode)]


def _keys(node: yaml.Node) -> set[str]:
    return {k for k, _ in _pairs(node)}


def check_env_copy(parsed: Sequence[Override]) -> None:
    """Refuse ``hydra.job.env_copy``: Hydra copies those variables' values into the config.

    Composing does it (an unset variable raises ``KeyError`` there), so it is checked on the
    parsed overrides, before any composition.

    Raises:
        ConfigError: naming the override.
    """
    for override in parsed:
        if override.is_hydra_override() and "env_copy" in str(override.input_line):
            raise ConfigError(
                str(override.get_key_element()).lstrip("+~"),
                override.get_value_element_as_str(),
                "configs are data and cannot read the environment (hydra.job.env_copy copies "
                "variables into the config)",
            )


def interpolation_problem(value: str) -> str | None:
    """What a config value's interpolations would do that data cannot, or None.

    The check reads the text before anything is resolved, so a second stage that builds an
    interpolation at resolution time is refused too: a resolver named by another interpolation
    (``${${x}:HOME}`` with ``x: oc.env``), and ``oc.decode``/``oc.create``, which evaluate text
    (an escaped ``$`` unescaped at resolution).
    """
    if ENVIRONMENT_RESOLVERS.search(value):
        return "configs are data and cannot read the environment (${oc.env:...})"
    if _NESTED_NAME.search(value):
        return (
            "configs are data: an interpolation's resolver or key cannot itself be an "
            "interpolation (${${x}:...} could name oc.env)"
        )
    for name in _RESOLVER.findall(value):
        if name not in RESOLVERS_ALLOWED:
            return (
                f"configs are data: the resolver {name!r} is not one a config may call (one of "
                f"{', '.join(sorted(RESOLVERS_ALLOWED))}; oc.decode and oc.create evaluate "
                "text built at run time)"
            )
    return None


def interpolation_problems(tree: Any, path: str = "") -> Iterator[tuple[str, str, str]]:
    """Each ``(key, value, problem)`` of a plain, unresolved config tree (see above)."""
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from interpolation_problems(value, f"{path}.{key}" if path else str(key))
    elif isinstance(tree, list):
        for i, value in enumerate(tree):
            yield from interpolation_problems(value, f"{path}[{i}]")
    elif isinstance(tree, str) and "${" in tree:
        problem = interpolation_problem(tree)
        if problem is not None:
            yield path, tree, problem


def check_interpolations(tree: Any) -> None:
    """Refuse a config (a plain, unresolved tree) whose interpolations reach beyond data.

    Raises:
        ConfigError: naming the first such key, its value and why.
    """
    for key, value, problem in interpolation_problems(tree):
        raise ConfigError(key, value, problem)
