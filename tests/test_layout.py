"""The package's structural limits: module and function sizes, and the depth of the import graph.

Sizes are measured with :mod:`ast` on the source files of ``sim/`` and of the project's own Hydra
plugins (``hydra_plugins/outreach_sim_*``). A module is at most :data:`MAX_MODULE_LINES` lines;
a function or method, from its ``def`` line to its last line (docstring and nested functions
included), at most :data:`MAX_FUNCTION_LINES`. Tables of data are exempt by construction: a
module-level assignment of a literal is not a function, so only functions are measured.

The depth of the import graph is counted in rooms, as issue 24 measured it ("35 files and
folders on 13 levels"): a room is a folder directly under ``sim/`` (``sim/model``, ``sim/cli``,
...), a module directly under it (``sim/__main__.py``), or one of the project's Hydra plugin
packages. Room A imports room B when a module of A imports a module of B (grimp reads the
imports). The depth is the number of rooms on the longest chain of imports from the command
line's room (:data:`ENTRY`) down; rooms must form no cycle, and modules none either.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
MAX_IMPORT_LEVELS = 9
ENTRY = "sim.__main__"
PLUGIN_PREFIX = "hydra_plugins.outreach_sim_"

#: Functions allowed over the limit, as ``"path/to/module.py:qualified.name": reason``. Keep it
#: short: an entry needs a reason a reader accepts (a table of data written as a function).
LONG_FUNCTIONS: dict[str, str] = {}


def _sources() -> list[Path]:
    """Every Python file of the package and of the project's own Hydra plugins."""
    plugins = sorted(ROOT.glob("hydra_plugins/outreach_sim_*"))
    return sorted(p for top in [ROOT / "sim", *plugins] for p in top.rglob("*.py"))


def _functions(tree: ast.AST, prefix: str = "") -> Iterator[tuple[str, int]]:
    """Each function or method under ``tree``: its qualified name and its length in lines."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            name = f"{prefix}{node.name}"
            assert node.end_lineno is not None
            yield name, node.end_lineno - node.lineno + 1
            yield from _functions(node, f"{name}.")
        elif isinstance(node, ast.ClassDef):
            yield from _functions(node, f"{prefix}{node.name}.")
        else:
            yield from _functions(node, prefix)


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_sources_are_found() -> None:
    names = {_relative(p) for p in _sources()}
    assert "sim/cli/app.py" in names
    assert any(n.startswith("hydra_plugins/outreach_sim_") for n in names)


def test_function_lengths_are_measured_from_def_to_last_line() -> None:
    tree = ast.parse("class A:\n    def f(self):\n        x = 1\n\n        return x\n")
    assert list(_functions(tree)) == [("A.f", 4)]


def test_no_module_over_the_line_limit() -> None:
    long = {
        _relative(p): n
        for p in _sources()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"modules over {MAX_MODULE_LINES} lines: {long}"


def test_no_function_over_the_line_limit() -> None:
    long = {}
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for name, lines in _functions(tree):
            key = f"{_relative(path)}:{name}"
            if lines > MAX_FUNCTION_LINES and key not in LONG_FUNCTIONS:
                long[key] = lines
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines: {long}"


def test_allowlisted_functions_still_exist_and_are_long() -> None:
    found = {}
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        found.update({f"{_relative(path)}:{name}": n for name, n in _functions(tree)})
    stale = [k for k in LONG_FUNCTIONS if found.get(k, 0) <= MAX_FUNCTION_LINES]
    assert not stale, f"remove from LONG_FUNCTIONS (gone or short now): {stale}"


@pytest.fixture(scope="module")
def imports() -> dict[str, set[str]]:
    """The project's own modules, each with the project's modules it imports directly."""
    graph = grimp.build_graph("sim", "hydra_plugins", cache_dir=None)
    ours = {m for m in graph.modules if m.split(".")[0] == "sim" or m.startswith(PLUGIN_PREFIX)}
    return {m: graph.find_modules_directly_imported_by(m) & ours for m in ours}


def _cycle(imports: dict[str, set[str]]) -> list[str] | None:
    """One import cycle among the modules, as the chain of modules that closes it, or None."""
    done: set[str] = set()

    def visit(module: str, chain: list[str]) -> list[str] | None:
        if module in chain:
            return [*chain[chain.index(module) :], module]
        if module in done:
            return None
        for imported in sorted(imports[module]):
            if (found := visit(imported, [*chain, module])) is not None:
                return found
        done.add(module)
        return None

    for module in sorted(imports):
        if (found := visit(module, [])) is not None:
            return found
    return None


def _longest_chain(imports: dict[str, set[str]], start: str) -> list[str]:
    """The longest chain of imports from ``start`` (the import graph must have no cycle)."""
    longest: dict[str, list[str]] = {}

    def chain(module: str) -> list[str]:
        if module not in longest:
            below = [chain(m) for m in sorted(imports[module])]
            longest[module] = [module, *max(below, key=len, default=[])]
        return longest[module]

    return chain(start)


def test_cycles_are_found() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_longest_chain_counts_modules() -> None:
    graph = {"a": {"b", "c"}, "b": {"c"}, "c": set()}
    assert _longest_chain(graph, "a") == ["a", "b", "c"]


def test_no_import_cycle(imports: dict[str, set[str]]) -> None:
    assert _cycle(imports) is None, f"import cycle: {' -> '.join(_cycle(imports) or [])}"


def room(module: str) -> str:
    """The room of a module: ``sim.<child>`` or ``hydra_plugins.<package>``."""
    return ".".join(module.split(".")[:2])


def rooms(imports: dict[str, set[str]]) -> dict[str, set[str]]:
    """The rooms, each with the other rooms its modules import."""
    graph: dict[str, set[str]] = {room(m): set() for m in imports}
    for module, imported in imports.items():
        graph[room(module)] |= {room(i) for i in imported} - {room(module)}
    return graph


def test_rooms_are_folders_and_loose_modules() -> None:
    graph = rooms({"sim.cli.app": {"sim.model.engine", "sim.cli.guard"}, "sim.model.engine": set()})
    assert graph == {"sim.cli": {"sim.model"}, "sim.model": set()}


def test_no_import_cycle_between_rooms(imports: dict[str, set[str]]) -> None:
    graph = rooms(imports)
    assert _cycle(graph) is None, f"rooms in a cycle: {' -> '.join(_cycle(graph) or [])}"


def test_import_chain_from_the_command_line_is_short(imports: dict[str, set[str]]) -> None:
    graph = rooms(imports)
    assert ENTRY in graph
    assert _cycle(graph) is None, "an import cycle: no longest chain to measure"
    chain = _longest_chain(graph, ENTRY)
    assert len(chain) <= MAX_IMPORT_LEVELS, (
        f"{len(chain)} levels from {ENTRY} (at most {MAX_IMPORT_LEVELS}): {' -> '.join(chain)}"
    )
