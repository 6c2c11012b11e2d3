"""Hydra's and OmegaConf's private modules are imported by one module only: sim.run.compose.

A Hydra or OmegaConf release that moves a private name then changes that module alone; and the
launcher plugins sit above the command line, which never imports them.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The one module allowed to import private modules of Hydra, OmegaConf and Hydra's plugins.
COMPOSER = ROOT / "sim" / "run" / "compose.py"
#: Packages whose private parts (a dotted component starting with ``_``) are private API.
PRIVATE_OWNERS = ("hydra", "omegaconf", "hydra_plugins.hydra_")


def _sources() -> list[Path]:
    plugins = sorted((ROOT / "hydra_plugins").glob("outreach_sim_*/**/*.py"))
    return [*sorted((ROOT / "sim").rglob("*.py")), *plugins]


def _imports(path: Path) -> list[str]:
    """Every module (and ``module.name``) ``path`` imports, wherever the import statement is."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found += [f"{node.module}.{alias.name}" for alias in node.names]
    return found


def _private(name: str) -> bool:
    owned = name.split(".")[0] in {"hydra", "omegaconf"} or name.startswith(PRIVATE_OWNERS[2])
    return owned and any(part.startswith("_") for part in name.split("."))


def test_only_the_composer_imports_private_hydra_or_omegaconf_modules() -> None:
    offenders = {
        str(path.relative_to(ROOT)): [name for name in _imports(path) if _private(name)]
        for path in _sources()
        if path != COMPOSER
    }
    assert {path: names for path, names in offenders.items() if names} == {}
    assert any(_private(name) for name in _imports(COMPOSER))


def test_sim_never_imports_its_own_hydra_plugins() -> None:
    """The plugins import sim.cli; the other way round would tie the two both ways."""
    found = {
        str(path.relative_to(ROOT)): [
            name for name in _imports(path) if name.startswith("hydra_plugins.outreach_sim")
        ]
        for path in sorted((ROOT / "sim").rglob("*.py"))
    }
    assert {path: names for path, names in found.items() if names} == {}
