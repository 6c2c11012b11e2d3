"""Benchmark: the batched engine beside a plain one-process-per-prospect SimPy model.

Run ``make benchmark`` (or ``.venv/bin/python benchmarks/engine.py``). Every measurement runs in
a fresh subprocess of this script (``--worker``), so peak memory is that size's alone: it is the
worker's peak resident set size from ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` (Linux: KiB),
which includes the interpreter and the imports; the ``base`` column is the resident set after
the imports, before any prospect exists, and ``per prospect`` is ``(peak - base) / n``.

The workload (``workload.py``) is one replicate of an 8-step email cadence on the cold list over
120 days, with rep capacity that never binds. ``--quick`` runs 10,000 and 100,000 prospects with
the plain model at 10,000 only. Beside both, a bare NumPy loop over the same prospects and steps
(:func:`bare_numpy`) gives the floor a touch costs; the job rows give the default job's wall
time through the command line and its per-job overhead (that time minus its ``simulate()``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

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


def worker(kind: str, n: int, horizon: float) -> dict[str, Any]:
    """One measurement in this (fresh) process: build the config, run, time and measure."""
    sys.path.insert(0, str(HERE))
    from plain_simpy import run_plain
    from workload import benchmark_config

    from sim.api import run_arms, simulate
    from sim.registry import compose

    if kind == "numpy":  # the floor: the same prospects and steps as bare NumPy passes
        return bare_numpy(n)
    if kind == "default":  # the default job, through the Python API
        cfg_default = compose([])
        base = current_rss_mb()
        t0 = time.perf_counter()
        simulate(cfg_default)
        return {"wall": time.perf_counter() - t0, "base_mb": base, "peak_mb": peak_rss_mb()}
    cfg = benchmark_config(n, horizon)
    base = current_rss_mb()
    t0 = time.perf_counter()
    if kind == "engine":
        metrics = run_arms(cfg)[0].metrics
        counts = {k: int(metrics[k]) for k in ("touches", "responses", "meetings", "opt_outs")}
    else:
        c = run_plain(cfg)
        counts = {
            "touches": c.touches,
            "responses": c.responses,
            "meetings": c.meetings,
            "opt_outs": c.opt_outs,
        }
    wall = time.perf_counter() - t0
    return {"wall": wall, "base_mb": base, "peak_mb": peak_rss_mb(), **counts}


def bare_numpy(n: int, steps: int = 8, seed: int = 0) -> dict[str, Any]:
    """The workload's shape with nothing but NumPy: one vectorised pass per cadence step.

    Per step, for the prospects still in the cadence: decay a state array, draw one uniform
    each, compare it with a probability that depends on the state, update the state and drop
    those who replied. No SimPy, no rep days, no keyed draws: a lower bound on the cost of a
    touch, the number the engine's touches per second are compared to.
    """
    rng = np.random.Generator(np.random.PCG64(seed))
    base = current_rss_mb()
    t0 = time.perf_counter()
    annoyance = np.zeros(n)
    active = np.arange(n)
    touches = replies = 0
    for _ in range(steps):
        annoyance[active] = annoyance[active] * 0.5 + 0.15
        p = 0.01 * np.exp(-0.5 * annoyance[active])
        replied = rng.random(active.size) < p
        touches += active.size
        replies += int(np.count_nonzero(replied))
        active = active[~replied]
    wall = time.perf_counter() - t0
    return {"wall": wall, "base_mb": base, "peak_mb": peak_rss_mb(), "touches": touches}


def measure(kind: str, n: int, horizon: float, timeout: float) -> dict[str, Any] | None:
    """Run one worker in a fresh interpreter; None if it timed out or failed."""
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        kind,
        "--n",
        str(n),
        "--horizon",
        str(horizon),
    ]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        print(f"  {kind} n={n}: no result within {timeout:.0f} s", file=sys.stderr)
        return None
    if done.returncode != 0:
        print(f"  {kind} n={n} failed:\n{done.stderr[-2000:]}", file=sys.stderr)
        return None
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def time_command(cmd: list[str], cwd: Path, timeout: float) -> float | None:
    """Wall seconds of a command, or None if it failed."""
    t0 = time.perf_counter()
    try:
        done = subprocess.run(
            cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        print(f"  {' '.join(cmd)} failed:\n{done.stderr[-1500:]}", file=sys.stderr)
        return None
    return time.perf_counter() - t0


def job_timings(timeout: float) -> list[tuple[str, str]]:
    """Wall time of the default ``make run`` job and of a 20-job sweep on the joblib launcher."""
    rows: list[tuple[str, str]] = []
    app = BIN / "outreach-sim"
    with tempfile.TemporaryDirectory(prefix="outreach-bench-") as tmp:
        out = Path(tmp)
        single = None
        if app.exists():
            single = time_command([str(app), f"hydra.run.dir={out / 'run'}"], out, timeout)
        if single is not None:
            rows.append(("default job: `outreach-sim` (what `make run` runs)", f"{single:.1f} s"))
            inner = measure("default", 0, 0.0, timeout)
            if inner is not None:
                label = "per-job overhead: the default job's wall time minus its `simulate()`"
                rows.append((label, f"{single - inner['wall']:.1f} s ({inner['wall']:.1f} s)"))
        else:
            res = measure("default", 0, 0.0, timeout)
            label = "default job via `sim.api.simulate(compose([]))` (CLI not usable)"
            rows.append((label, f"{res['wall']:.1f} s" if res else "failed"))
        sweep = None
        if app.exists():
            cmd = [
                str(app),
                "-m",
                "hydra/launcher=joblib",
                "seed=range(0,20)",
                f"hydra.sweep.dir={out / 'sweep'}",
            ]
            sweep = time_command(cmd, out, timeout)
        label = "20-job sweep: `outreach-sim -m hydra/launcher=joblib seed=range(0,20)`"
        rows.append(
            (label, f"{sweep:.1f} s" if sweep is not None else "not run (CLI failed or missing)")
        )
        peak = cli_peak_mb(out, timeout)
        label = "1,000,000 prospects x 120 days through `outreach-sim` (the workload): peak RSS"
        rows.append((label, f"{peak:.0f} MB" if peak is not None else "failed"))
        shutil.rmtree(out, ignore_errors=True)
    return rows


def cli_peak_mb(out: Path, timeout: float, n: int = 1_000_000) -> float | None:
    """Peak resident set of the workload run through the command line (the email8 cadence of
    ``benchmarks/conf/strategy/``, capacity that never binds), measured by a fresh parent whose
    only child is that command (``RUSAGE_CHILDREN``).
    """
    import math

    from workload import benchmark_config

    reps = benchmark_config(1000).reps
    minutes = reps.touch_minutes.email * reps.personalization_minutes.medium
    count = max(1, math.ceil(n * minutes / reps.minutes_per_day))
    cmd = [
        str(BIN / "outreach-sim"),
        f"hydra.searchpath=[file://{HERE / 'conf'}]",
        "strategy=[email8]",
        "baseline=email8",
        f"population.size={n}",
        "replications=1",
        f"reps.count={count}",
        f"hydra.run.dir={out / 'million'}",
    ]
    probe = (
        "import resource, subprocess, sys; "
        "done = subprocess.run(sys.argv[1:], capture_output=True); "
        "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", probe, *cmd],
            cwd=out,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None
    code, kib = done.stdout.split()
    return float(kib) / 1024.0 if code == "0" else None


def fmt_int(x: float) -> str:
    """Thousands separators."""
    return f"{x:,.0f}"


def main(argv: list[str] | None = None) -> int:
    """Parse flags, run every measurement in its own subprocess, print the tables."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--sizes", default="10000,100000,1000000", help="prospect counts, comma-separated"
    )
    ap.add_argument(
        "--plain-max", type=int, default=100_000, help="largest size the plain model runs at"
    )
    ap.add_argument("--horizon", type=float, default=120.0, help="days simulated")
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds allowed per measurement")
    ap.add_argument(
        "--quick", action="store_true", help="sizes 10,000 and 100,000; plain model at 10,000"
    )
    ap.add_argument(
        "--no-jobs", action="store_true", help="skip timing the default job and the sweep"
    )
    ap.add_argument(
        "--worker", choices=("engine", "plain", "numpy", "default"), help=argparse.SUPPRESS
    )
    ap.add_argument("--n", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.n, args.horizon)))
        return 0
    sizes = [10_000, 100_000] if args.quick else [int(s) for s in args.sizes.split(",")]
    plain_max = 10_000 if args.quick else args.plain_max
    cpus = os.cpu_count()
    print(f"8-step email cadence, cold list, {args.horizon:g} days, 1 replicate; {cpus} CPUs")
    print(f"plain SimPy model run at sizes <= {plain_max:,} (larger sizes take too long for it)\n")
    print(
        "| model | prospects | touches | wall s | touches/s | peak MB | base MB | KB/prospect "
        "| us/touch | engine/plain |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        eng = measure("engine", n, args.horizon, args.timeout)
        plain = measure("plain", n, args.horizon, args.timeout) if n <= plain_max else None
        floor = measure("numpy", n, args.horizon, args.timeout)
        for name, r in (("engine", eng), ("plain SimPy", plain), ("bare NumPy loop", floor)):
            if r is None:
                if name != "plain SimPy" or n <= plain_max:
                    print(f"| {name} | {fmt_int(n)} | failed or timed out | | | | | | | |")
                continue
            rate = r["touches"] / r["wall"]
            ratio = ""
            if name == "engine" and plain is not None:
                ratio = f"{rate / (plain['touches'] / plain['wall']):.0f}x"
            if name == "bare NumPy loop" and eng is not None:  # how far the engine is from it
                ratio = f"engine at {eng['touches'] / eng['wall'] / rate:.2g}x of it"
            per_kb = (r["peak_mb"] - r["base_mb"]) * 1024 / n
            us = 1e6 * r["wall"] / r["touches"]
            print(
                f"| {name} | {fmt_int(n)} | {fmt_int(r['touches'])} | {r['wall']:.2f} "
                f"| {fmt_int(rate)} | {r['peak_mb']:.0f} | {r['base_mb']:.0f} | {per_kb:.2f} "
                f"| {us:.2f} | {ratio} |"
            )
        sys.stdout.flush()
    if not args.no_jobs:
        print()
        for label, value in job_timings(args.timeout):
            print(f"- {label}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
