"""Running the real ``outreach-sim`` command in a subprocess, with small, fast settings."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent
APP = str(BIN / "outreach-sim")
AGGREGATE = str(BIN / "outreach-sim-aggregate")
#: Small enough that a job takes about a second, large enough that arms differ.
SMALL = [
    "population.size=100",
    "replications=2",
    "horizon_days=20",
    "strategy=[entitlement,benefit_led]",
]


def run(
    args: list[str], cwd: Path, env: dict[str, str] | None = None, program: str = APP
) -> subprocess.CompletedProcess[str]:
    """Run the command in ``cwd`` and capture its output."""
    full_env = {**os.environ, **(env or {})}
    full_env.pop("HYDRA_FULL_ERROR", None)
    return subprocess.run(
        [program, *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=600
    )


def start_in_session(
    args: list[str], cwd: Path, ready: Callable[[], bool], timeout: float, stderr: int = -1
) -> subprocess.Popen[str]:
    """Start the command in a session of its own (to signal it and its workers) and wait until
    ``ready()`` holds or ``timeout`` seconds pass; ``stderr`` is captured unless DEVNULL."""
    proc = subprocess.Popen(
        [APP, *args],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    while not ready() and time.monotonic() < deadline:
        time.sleep(0.02)
    return proc


def manifest(job_dir: Path) -> dict[str, Any]:
    return json.loads((job_dir / "manifest.json").read_text())


def complete_already(stderr: str) -> int:
    """How many jobs a resumed sweep found complete: the sweeper's count of those it did not
    launch (``Resumed: N of M jobs are complete already``) plus the launched ones that said so."""
    found = re.search(r"Resumed: (\d+) of \d+ jobs are complete already", stderr)
    return (int(found[1]) if found else 0) + stderr.count("already complete in")
