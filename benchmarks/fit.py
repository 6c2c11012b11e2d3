"""Fit benchmark: `outreach-sim-fit` on a synthetic log of about 100,000 touches.

Target: under two minutes on 2 cores, end to end (reading and checking the log, the fit, the
report with its replayed curves, the files). Run: `make benchmark-fit` or
`.venv/bin/python benchmarks/fit.py [--touches N]`. The log is made by sim.fit.synthetic
(benefit_led cadence, cold_list, the default model) in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sim.fit.synthetic import simulate_log
from sim.model.strategy import compile_plan
from sim.run.registry import compose

TARGET_SECONDS = 120.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--touches", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=3)
    args = ap.parse_args()
    cfg = compose(["strategy=[benefit_led]", "baseline=benefit_led"])
    plan = compile_plan("benefit_led", cfg.strategy["benefit_led"])
    rate = float(cfg.reps.wrong_name_rate.medium)
    # About 7.3 touches per prospect on this cadence: size the list to the touches asked for.
    n = max(100, round(args.touches / 7.3))
    with tempfile.TemporaryDirectory() as tmp:
        log = simulate_log(cfg.model, cfg.population, plan, n, args.seed, rate)
        path = Path(tmp) / "bench_log.csv"
        log.to_csv(path, index=False)
        cmd = [sys.executable, "-m", "sim.fit", str(path), "--name", "bench"]
        began = time.perf_counter()
        done = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - began
    if done.returncode != 0:
        print(done.stdout, done.stderr)
        raise SystemExit(done.returncode)
    load = os.getloadavg()[0]
    verdict = "pass" if wall <= TARGET_SECONDS else "FAIL"
    print("| log touches | prospects | wall s | target s | result | load (1 min) |")
    print("|---:|---:|---:|---:|---|---:|")
    print(f"| {len(log):,} | {n:,} | {wall:.1f} | {TARGET_SECONDS:.0f} | {verdict} | {load:.1f} |")
    print(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
