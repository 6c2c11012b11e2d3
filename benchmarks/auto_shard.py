"""A parallel sweep with no sharding option against the same configurations run serially in-process.

Issue 28: 36 configurations (population.size=1000, 3 replicates, two arms) took 13.6 s through
``sim.api.sweep`` in one process and 22.1 s through ``outreach-sim -m ... hydra/launcher=joblib
hydra.launcher.n_jobs=2``: a user who did not know ``hydra.sweeper.shard_size`` paid for a process
hand-off and a composition per configuration. The sweep now chooses its shard size
(:func:`sim.cli.shard.auto_shard_size`: about two shards per worker). Target: the joblib sweep, with
no sharding option, no slower than the serial API (ratio <= 1.0x).

Both are timed as commands (a fresh interpreter each: imports and compositions included on both
sides), after one untimed warm-up of each (file caches). ``make benchmark`` prints the row;
docs/scaling.md records a measured one.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

CONFIGS = 36
N_JOBS = 2
BASE = ["strategy=[entitlement,benefit_led]", "population.size=1000", "replications=3"]
TARGET = 1.0


def _timed(cmd: list[str], cwd: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, capture_output=True, text=True)
    return time.perf_counter() - t0


def serial_api(cwd: Path) -> float:
    """Wall seconds of ``sim.api.sweep`` over the configurations, one process, no progress bar."""
    code = (
        "from sim.run.api import sweep; "
        f"sweep({BASE!r}, {{'seed': list(range({CONFIGS}))}}, progress=False)"
    )
    return _timed([sys.executable, "-c", code], cwd)


def joblib_command(cwd: Path, where: str) -> float:
    """Wall seconds of the command-line sweep on joblib, with no sharding option given."""
    cmd = [
        sys.executable,
        "-m",
        "sim",
        "-m",
        *BASE,
        f"seed=range(0,{CONFIGS})",
        "hydra/launcher=joblib",
        f"hydra.launcher.n_jobs={N_JOBS}",
        f"hydra.sweep.dir={where}",
    ]
    return _timed(cmd, cwd)


def main() -> None:
    """Print the markdown row: both wall times, their ratio and the verdict."""
    with tempfile.TemporaryDirectory(prefix="outreach-auto-shard-") as tmp:
        out = Path(tmp)
        serial_api(out)  # warm-ups: file caches, compiled bytecode
        joblib_command(out, "warm")
        api = serial_api(out)
        cli = joblib_command(out, "timed")
    ratio = cli / api
    verdict = ("pass" if ratio <= TARGET else "FAIL") + f" (<= {TARGET:g}x)"
    print(
        "| sweep | configurations | serial `sim.api.sweep` (s) | `outreach-sim -m` joblib "
        f"n_jobs={N_JOBS}, no shard option (s) | ratio | target |"
    )
    print("|---|---|---|---|---|---|")
    print(
        f"| population.size=1000, 3 replicates, two arms | {CONFIGS} | {api:.1f} | {cli:.1f} "
        f"| {ratio:.2f}x | {verdict} |"
    )


if __name__ == "__main__":
    main()
