"""docs/model.md's parameter tables must state the defaults the YAML files actually hold."""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
ROW = re.compile(r"^\| `(model|population|reps)\.(\w+)` \|[^|]*\| ([^|]*) \|", re.MULTILINE)
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
DEFAULT_FILE = {
    "model": "model/default",
    "population": "population/cold_list",
    "reps": "reps/default",
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
    expected = _numbers(values[name])
    stated = [float(x) for x in NUMBER.findall(documented)]
    if not stated:  # e.g. "by preset": described, not a number
        return
    assert stated == pytest.approx(expected), f"docs/model.md {group}.{name}: {documented}"
