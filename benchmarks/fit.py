"""Fit benchmark: `outreach-sim-fit` end to end on synthetic logs, one row per case.

Cases (``--case``, default both):

- ``cadence``: about 100,000 touches of the benefit_led cadence (cold_list, the default model,
  sim.fit.synthetic), 7.3 touches per prospect; target two minutes on 2 cores.
- ``long``: a log shaped like the UCI bank telemarketing data as issue 25 describes it: 22,606
  prospects, about 125,000 calls, histories from 1 to 63 calls with a heavy tail; target three
  minutes and 2 GB peak memory on 2 cores. Made by the project's generator (:func:`long_log`):
  every prospect on one 63-call phone cadence (gaps of 1, 2, 3 and 5 days in turn, one message
  kind), each cut after its own number of calls, drawn from a lognormal (a campaign that called
  some people once and a few people sixty times); a reply still stops the calls.

End to end means reading and checking the log, the fit, the report with its replayed curves and
sequences, the files. Wall seconds are timed around the child process; the peak memory is the
child's maximum resident set size (``os.wait4``'s resource usage of that child).
Run: `make benchmark-fit` or `.venv/bin/python benchmarks/fit.py [--case long] [--touches N]`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sim.fit.estimate import with_values
from sim.fit.synthetic import calls_plan, cut_histories, simulate_log
from sim.model.strategy import compile_plan
from sim.run.registry import compose

TARGETS = {"cadence": (120.0, None), "long": (180.0, 2048.0)}  # (wall s, peak MB)
LONG_PROSPECTS, LONGEST = 22_606, 63


def cadence_log(touches: int, seed: int) -> pd.DataFrame:
    """About ``touches`` touches of benefit_led (7.3 per prospect) under the default model."""
    cfg = compose(["strategy=[benefit_led]", "baseline=benefit_led"])
    plan = compile_plan("benefit_led", cfg.strategy["benefit_led"])
    n = max(100, round(touches / 7.3))
    return simulate_log(cfg.model, cfg.population, plan, n, seed, _wrong_name(cfg))


def long_log(n: int, seed: int) -> pd.DataFrame:
    """``n`` prospects on a 63-call cadence, each cut after a heavy-tailed number of calls.

    The number of calls is ``clip(round(exp(N(1.37, 1.0))), 1, 63)``: median 4, about one
    prospect in a hundred past 35 (the bank's campaign counts run from 1 to 63). Calls are
    answered more often than a cold list's and say yes more (``answer_base`` 0.35,
    ``response_base.phone`` -2.5): about one prospect in eight replies with interest, as one
    client in nine subscribed in the bank's data. The fit's base model is the default: the log
    is not from it, as a real one is not.
    """
    cfg = compose(["strategy=[entitlement]", "baseline=entitlement"])
    truth = with_values(cfg.model, {"answer_base": 0.35, "response_base.phone": -2.5})
    frame = simulate_log(truth, cfg.population, calls_plan(LONGEST), n, seed, _wrong_name(cfg))
    rng = np.random.default_rng(seed)
    calls = np.clip(np.round(np.exp(rng.normal(1.37, 1.0, n))), 1, LONGEST).astype(np.int64)
    return cut_histories(frame, calls)


def _wrong_name(cfg: object) -> float:
    return float(cfg.reps.wrong_name_rate.medium)  # type: ignore[attr-defined]


def run_case(case: str, log: pd.DataFrame) -> dict[str, object]:
    """Fit ``log`` with `outreach-sim-fit` in a fresh process: its row of the table."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{case}.csv"
        log.to_csv(path, index=False)
        cmd = [sys.executable, "-m", "sim.fit", str(path), "--name", case]
        out, err = Path(tmp) / "stdout.txt", Path(tmp) / "stderr.txt"
        began = time.perf_counter()
        with out.open("w") as o, err.open("w") as e:
            child = subprocess.Popen(cmd, cwd=tmp, stdout=o, stderr=e, text=True)
            # wait4: this child's own peak memory, not the largest of every child so far.
            _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - began
        stdout, stderr = out.read_text(), err.read_text()
    if os.waitstatus_to_exitcode(status) != 0:
        print(stdout, stderr)
        raise SystemExit(1)
    lengths = log.groupby("prospect_id").size()
    return {
        "case": case,
        "touches": len(log),
        "prospects": int(lengths.size),
        "longest": int(lengths.max()),
        "wall": wall,
        "peak": usage.ru_maxrss / 1024.0,  # KB on Linux
        "load": os.getloadavg()[0],
        "last": stdout.strip().splitlines()[-1],
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--case", choices=("all", *TARGETS), default="all")
    ap.add_argument("--touches", type=int, default=100_000, help="the cadence case's size")
    ap.add_argument("--prospects", type=int, default=LONG_PROSPECTS, help="the long case's size")
    ap.add_argument("--seed", type=int, default=3)
    args = ap.parse_args()
    cases = list(TARGETS) if args.case == "all" else [args.case]
    head = ("case", "log touches", "prospects", "longest", "wall s", "peak MB", "target", "result")
    print("| " + " | ".join(head) + " | load (1 min) |")
    print("|---|---:|---:|---:|---:|---:|---|---|---:|")
    lasts = []
    for case in cases:
        log = (
            cadence_log(args.touches, args.seed)
            if case == "cadence"
            else long_log(args.prospects, args.seed)
        )
        row = run_case(case, log)
        wall_target, mb_target = TARGETS[case]
        ok = row["wall"] <= wall_target and (mb_target is None or row["peak"] <= mb_target)  # type: ignore[operator]
        target = f"{wall_target:.0f} s" + (f", {mb_target:.0f} MB" if mb_target else "")
        print(
            f"| {case} | {row['touches']:,} | {row['prospects']:,} | {row['longest']} | "
            f"{row['wall']:.1f} | {row['peak']:.0f} | {target} | {'pass' if ok else 'FAIL'} | "
            f"{row['load']:.1f} |",
            flush=True,
        )
        lasts.append(f"{case}: {row['last']}")
    print("\n".join(lasts))


if __name__ == "__main__":
    main()
