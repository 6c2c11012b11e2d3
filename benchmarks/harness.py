"""What every benchmark script shares: where things are, memory readings, a worker's run.

Each measurement of ``engine.py`` runs in a fresh interpreter (``engine.py --worker KIND``), so
that peak memory is its own; :func:`measure` starts one and reads the JSON line it prints.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, MB (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def current_rss_mb() -> float:
    """Resident set size now, MB (from /proc; falls back to the peak elsewhere)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except OSError:
        return peak_rss_mb()
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def fmt_int(x: float) -> str:
    """Thousands separators."""
    return f"{x:,.0f}"


def measure(
    kind: str, n: int, horizon: float, timeout: float, size: int = 0, root: Path = ROOT
) -> dict[str, Any] | None:
    """Run one worker in a fresh interpreter; None if it timed out or failed.

    ``root``: the source tree whose engine the worker imports (another checkout, for
    ``--compare-with``), with ``PYTHONPATH=root``. The worker is always this script, with this
    tree's workload, so that both engines are measured the same way.
    """
    cmd = [
        sys.executable,
        str(HERE / "engine.py"),
        "--worker",
        kind,
        "--n",
        str(n),
        "--horizon",
        str(horizon),
        "--size",
        str(size),
    ]
    env = None
    if root != ROOT:
        env = {**os.environ, "PYTHONPATH": str(root)}
    try:
        done = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, check=False, cwd=root, env=env
        )
    except subprocess.TimeoutExpired:
        print(f"  {kind} n={n}: no result within {timeout:.0f} s", file=sys.stderr)
        return None
    if done.returncode != 0:
        print(f"  {kind} n={n} failed:\n{done.stderr[-2000:]}", file=sys.stderr)
        return None
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result
