"""Running the real ``outreach-sim`` command in a subprocess, with small, fast settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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


def manifest(job_dir: Path) -> dict[str, Any]:
    return json.loads((job_dir / "manifest.json").read_text())
