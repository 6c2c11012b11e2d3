"""Recovery study: fit logs simulated at known parameters; report interval coverage.

`.venv/bin/python benchmarks/fit_recovery.py [--quick]`. Each case simulates a log with
sim.fit.synthetic at a known truth, fits it with sim.fit.estimate.fit at its default settings,
and counts how often the 95 % intervals hold the truth, and their median width. The CI-sized
version of this check is tests/test_fit_recovery.py.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from sim.fit.estimate import fit, with_values
from sim.fit.example import ALTERNATIVE_TRUTH
from sim.fit.replay import prepare
from sim.fit.synthetic import simulate_log
from sim.model.strategy import compile_plan
from sim.run.registry import compose
from sim.run.touchlog import read_touch_log

ALTERNATIVE = ALTERNATIVE_TRUTH
CASES = [  # (label, strategy, truth, prospects, seeds)
    ("default", "benefit_led", {}, 2000, (101, 102, 103, 104)),
    ("default", "benefit_led", {}, 10000, (111, 112)),
    ("default", "benefit_led", {}, 50000, (121,)),
    ("alternative", "breakup", ALTERNATIVE, 3000, (131, 132, 133)),
]


def truth_of(model, path: str) -> float:  # type: ignore[no-untyped-def]
    head, _, tail = path.partition(".")
    if head == "reachable":
        return float(model.reachable.stranger)
    value = getattr(model, head)
    return float(getattr(value, tail)) if tail else float(value)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="skip the 50,000-prospect case")
    args = ap.parse_args()
    print(
        "| truth | cadence | prospects | seed | touches | fit s | intervals "
        "| hold the truth | not identified |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    held = total = 0
    for label, strategy, values, n, seeds in CASES:
        if args.quick and n > 10000:
            continue
        cfg = compose([f"strategy=[{strategy}]", f"baseline={strategy}"])
        truth = with_values(cfg.model, values)
        plan = compile_plan(strategy, cfg.strategy[strategy])
        for seed in seeds:
            frame = simulate_log(truth, cfg.population, plan, n, seed, 0.03)
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "log.csv"
                frame.to_csv(path, index=False)
                log = prepare(read_touch_log(path))
            began = time.perf_counter()
            result = fit(log, cfg.model, cfg.population, seed=seed, wrong_name_rate=0.03)
            seconds = time.perf_counter() - began
            finite = [
                e for e in result.estimates if np.isfinite(e.ci_low) and np.isfinite(e.ci_high)
            ]
            inside = sum(e.ci_low <= truth_of(truth, e.path) <= e.ci_high for e in finite)
            bound = sum(e.status == "not identified" for e in result.estimates)
            held, total = held + inside, total + len(finite)
            print(
                f"| {label} | {strategy} | {n:,} | {seed} | {len(frame):,} | {seconds:.0f} | "
                f"{len(finite)} | {inside} | {bound} |",
                flush=True,
            )
    print(f"\nall: {held} of {total} intervals hold the truth ({held / max(total, 1):.1%})")


if __name__ == "__main__":
    main()
