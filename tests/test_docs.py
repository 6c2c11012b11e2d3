"""docs/model.md's parameter tables must state the defaults the YAML files actually hold."""

import re
from dataclasses import asdict, fields
from pathlib import Path

import pytest
import yaml

from sim.model.config import PopulationConfig

ROOT = Path(__file__).resolve().parent.parent
ROW = re.compile(r"^\| `(model|population|reps|market)\.(\w+)` \|[^|]*\| ([^|]*) \|", re.MULTILINE)
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
DEFAULT_FILE = {
    "model": "model/default",
    "population": "population/cold_list",
    "reps": "reps/default",
    "market": "config",  # the market section of the root config (docs/model.md 2.15)
}


def _rows() -> list[tuple[str, str, str]]:
    text = (ROOT / "docs" / "model.md").read_text()
    return [m.groups() for m in ROW.finditer(text)]


def _numbers(value: object) -> list[float]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [float(value)]
    if isinstance(value, dict):
        return [x for v in value.values() for x in _numbers(v)]
    return []


def test_the_doc_has_parameter_tables() -> None:
    assert len(_rows()) > 50


@pytest.mark.parametrize(("group", "name", "documented"), _rows())
def test_documented_default_matches_the_yaml(group: str, name: str, documented: str) -> None:
    values = yaml.safe_load((ROOT / "sim" / "conf" / f"{DEFAULT_FILE[group]}.yaml").read_text())
    if group == "market":
        values = values["market"]
    if name not in values:  # a schema default: a column of the channel table
        default = next(f for f in fields(PopulationConfig) if f.name == name).default_factory
        values[name] = asdict(default())
    expected = _numbers(values[name])
    stated = [float(x) for x in NUMBER.findall(documented)]
    if not stated:  # e.g. "by preset": described, not a number
        return
    assert stated == pytest.approx(expected), f"docs/model.md {group}.{name}: {documented}"
