"""The README's worked examples are real: each ``$ outreach-sim ...`` command runs as shown."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tests.cli_helpers import APP, run

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"```console\n(.*?)```", re.DOTALL)


def _examples() -> list[tuple[list[str], list[str]]]:
    """(arguments, printed lines) of every console example in the README."""
    out = []
    for block in BLOCK.findall((ROOT / "README.md").read_text()):
        first, *printed = block.strip().splitlines()
        assert first.startswith("$ outreach-sim"), first
        out.append((shlex.split(first.removeprefix("$ outreach-sim")), printed))
    return out


def test_the_readme_has_worked_examples() -> None:
    assert len(_examples()) >= 3


@pytest.mark.slow
@pytest.mark.parametrize(("args", "printed"), _examples(), ids=lambda v: str(v)[:40])
def test_readme_example_runs_as_shown(args: list[str], printed: list[str], tmp_path: Path) -> None:
    proc = run(args, tmp_path, program=APP)
    error = printed[0].startswith("error:")
    assert proc.returncode == (2 if error else 0), proc.stderr
    # The README's first printed line (heading, sweep line or error) is printed as shown.
    lines = (proc.stdout + proc.stderr).splitlines()
    assert printed[0] in lines
    if error:
        assert proc.stderr.strip() == printed[0]  # one line, no traceback
    # Every arm row of a printed table names an arm the command really ran.
    for line in printed:
        arm = line.split(" ", 1)[0]
        if arm in {"entitlement", "benefit_led", "cooldown_heatup", "multichannel"}:
            assert arm in proc.stdout
