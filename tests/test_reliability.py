"""Every bad input and hostile config of the catalogue is handled; docs/reliability.md is current.

The cases run in one batch process (tests/reliability_cases.py): each through the real entry
point with ``sys.argv`` set, in a fresh working folder, about 0.2 s a case.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from tests import reliability_cases as rc

CASES = rc.all_cases()


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    out = tmp_path_factory.mktemp("reliability") / "outcomes.json"
    env = {**os.environ, "PYTHONPATH": str(rc.ROOT)}
    env.pop("HYDRA_FULL_ERROR", None)
    subprocess.run(
        [sys.executable, "-m", "tests.reliability_cases", "--run", str(out)],
        cwd=rc.ROOT,
        env=env,
        check=True,
        timeout=600,
    )
    found: list[dict[str, Any]] = json.loads(out.read_text())
    return found


@pytest.mark.parametrize("number", range(len(CASES)), ids=[c.slug for c in CASES])
def test_case_is_handled(outcomes: list[dict[str, Any]], number: int) -> None:
    assert rc.problems(CASES[number], outcomes[number]) == [], CASES[number].what


def test_the_catalogue_is_as_large_as_promised() -> None:
    kinds = [c.kind for c in CASES]
    assert kinds.count(rc.BAD) >= 80 and kinds.count(rc.HOSTILE) >= 25
    assert len(rc.FAULTS) >= 12
    assert len({c.what for c in CASES}) == len(CASES), "each case is described once"


def test_every_fault_names_a_test_that_exists() -> None:
    for fault in rc.FAULTS:
        path, _, function = fault.test.partition("::")
        source = (rc.ROOT / path).read_text(encoding="utf-8")
        assert f"def {function}(" in source, fault.test


def test_docs_reliability_md_is_current(outcomes: list[dict[str, Any]]) -> None:
    expected = rc.render(outcomes)
    assert rc.DOC.is_file() and rc.DOC.read_text(encoding="utf-8") == expected, (
        "docs/reliability.md is stale: run `make reliability`"
    )
