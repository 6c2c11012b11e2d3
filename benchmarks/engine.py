"""Benchmark: the batched engine beside a plain one-process-per-prospect SimPy model.

Run ``make benchmark`` (or ``.venv/bin/python benchmarks/engine.py``). Every measurement runs in
a fresh subprocess of this script (``--worker``), so peak memory is that size's alone: it is the
worker's peak resident set size from ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` (Linux: KiB),
which includes the interpreter and the imports; the ``base`` column is the resident set after
the imports, before any prospect exists, and ``per prospect`` is ``(peak - base) / n``.

The workload (``workload.py``) is one replicate of an 8-step email cadence on the cold list over
120 days, with rep capacity that never binds. ``--quick`` runs 10,000 and 100,000 prospects with
the plain model at 10,000 only, and sharded 12-configuration sweeps instead of 200-configuration
sweeps both sharded and not.

Beside the engine and the plain model, one run reports:

- a bare NumPy loop (``numpy_floor``) over the same prospects and the same eight steps, one
  vectorised pass per step: the floor the engine's touches per second is compared to;
- the per-job overhead: wall time of one default ``outreach-sim`` job (a subprocess) minus the
  in-process ``simulate()`` time of the same config;
- configurations per hour of joblib sweeps (``n_jobs=2``) of default-size and of small
  (``population.size=200``) configurations, one launched job per configuration and sharded,
  and their wall time over the sum of the same configurations' serial in-process ``simulate()``
  times, against the targets (0.65x default-size, 1x small; docs/performance.md). Targets are
  checked here, never in timed unit tests.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # harness, jobs, workload

from harness import HERE, ROOT, current_rss_mb, fmt_int, measure, peak_rss_mb
from jobs import job_timings, print_first, print_sweep_table, print_sweeps

#: Per-step stop probability of the bare NumPy loop: with it a prospect gets on average
#: sum_{k<8} (1 - p)^k = 7.5 of the 8 touches, about as many as in the engine's workload
#: (74,412 touches at 10,000 prospects).
FLOOR_STOP_P = 0.02


def numpy_floor(n: int, steps: int, seed: int = 0) -> dict[str, Any]:
    """The bare NumPy loop: per step, draw a uniform per prospect, compare it to a probability and
    update the state array. No model, no days, no capacity: what any engine of this shape costs at
    least, so the engine's distance from it is the cost of its model and bookkeeping.
    """
    import numpy as np

    base = current_rss_mb()
    walls = []
    touches = 0
    # The best of five: a pass takes milliseconds, so one timing is mostly scheduler noise.
    for _ in range(5):
        rng = np.random.default_rng(seed)  # a generator of its own: no global random state
        t0 = time.perf_counter()
        stopped = np.zeros(n, dtype=bool)
        touches = 0
        for _ in range(steps):
            active = ~stopped
            touches += int(np.count_nonzero(active))
            stopped |= active & (rng.random(n) < FLOOR_STOP_P)
        walls.append(time.perf_counter() - t0)
    return {"wall": min(walls), "base_mb": base, "peak_mb": peak_rss_mb(), "touches": touches}


def serial_simulate(configs: int, size: int) -> dict[str, Any]:
    """The sum of ``simulate()`` times of a sweep's configurations (``seed=0..configs-1``, the
    default config, ``population.size=size`` unless 0), one after another in this process: the
    floor a sweep is compared to. Composing is not timed, as a sharded sweep composes too.
    """
    from sim.run.api import simulate
    from sim.run.registry import compose

    extra = [f"population.size={size}"] if size else []
    # One untimed run first: the first simulate() imports pandas and SciPy (about a second),
    # which is per-process overhead, not simulation, so the floor leaves it out.
    simulate(compose(["seed=0", *extra]))
    total = 0.0
    cpu = 0.0
    for seed in range(configs):
        cfg = compose([f"seed={seed}", *extra])
        t0, c0 = time.perf_counter(), time.process_time()
        simulate(cfg)
        total += time.perf_counter() - t0
        cpu += time.process_time() - c0
    return {"wall": total, "cpu": cpu, "base_mb": 0.0, "peak_mb": peak_rss_mb()}


def worker(kind: str, n: int, horizon: float, size: int = 0) -> dict[str, Any]:
    """One measurement in this (fresh) process: build the config, run, time and measure."""
    sys.path.insert(0, str(HERE))
    if kind == "numpy":
        from workload import EMAIL_CADENCE

        return numpy_floor(n, len(EMAIL_CADENCE))
    if kind == "serial":
        return serial_simulate(n, size)
    from plain_simpy import run_plain
    from workload import benchmark_config

    from sim.run.api import run_arms, simulate
    from sim.run.registry import compose

    if kind == "default":  # the default job, through the Python API
        cfg_default = compose([])
        base = current_rss_mb()
        # One untimed run first, as in serial_simulate: its imports are per-process overhead.
        simulate(compose([]))
        t0 = time.perf_counter()
        simulate(cfg_default)
        return {"wall": time.perf_counter() - t0, "base_mb": base, "peak_mb": peak_rss_mb()}
    cfg = benchmark_config(n, horizon)
    if kind == "engine":
        # One untimed run of 100 prospects first: the modules a run imports on first use
        # (numpy.random, and numpy.ma through np.median) are per-process overhead, as in
        # serial_simulate, not the engine's. Too small to warm the caches or the heap.
        run_arms(benchmark_config(100, horizon))
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


def best_engines(
    n: int, horizon: float, timeout: float, repeat: int, roots: list[Path]
) -> list[dict[str, Any] | None]:
    """The engine of each source tree in ``roots`` at ``n`` prospects, best wall of ``repeat``
    fresh processes each, run in turn (A B A B ...) so that they share the machine's load.
    """
    runs: list[list[dict[str, Any]]] = [[] for _ in roots]
    for _ in range(repeat):
        for tree, root in enumerate(roots):
            r = measure("engine", n, horizon, timeout, root=root)
            if r is not None:
                runs[tree].append(r)
    return [min(r, key=lambda x: x["wall"]) if r else None for r in runs]


def parser() -> argparse.ArgumentParser:
    """The benchmark's flags."""
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
        "--quick",
        action="store_true",
        help="sizes 10,000 and 100,000; plain model at 10,000; sharded 12-configuration sweeps",
    )
    ap.add_argument(
        "--no-jobs", action="store_true", help="skip timing the default job and the sweeps"
    )
    ap.add_argument(
        "--only-sweeps",
        action="store_true",
        help="only the sweep rows (sharded; with their floors and the first-result row)",
    )
    ap.add_argument(
        "--sweep-configs",
        type=int,
        default=None,
        help="configurations per timed sweep (default 200; 12 with --quick)",
    )
    ap.add_argument(
        "--worker",
        choices=("engine", "plain", "numpy", "default", "serial"),
        help=argparse.SUPPRESS,
    )
    ap.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="engine rows: the best of this many runs, each in a fresh process (default 1)",
    )
    ap.add_argument(
        "--compare-with",
        type=Path,
        default=None,
        metavar="DIR",
        help="also run the engine of another checkout (e.g. a git worktree of main), "
        "alternating with this one, as an extra row per size",
    )
    ap.add_argument(
        "--only-first",
        type=int,
        default=0,
        metavar="N",
        help="only the first-result row, N times; with --compare-with, each time also the "
        "outreach-sim of that checkout (DIR/.venv/bin/outreach-sim), in turn",
    )
    ap.add_argument("--n", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--size", type=int, default=0, help=argparse.SUPPRESS)
    return ap


def main(argv: list[str] | None = None) -> int:
    """Parse flags, run every measurement in its own subprocess, print the tables."""
    args = parser().parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.n, args.horizon, args.size)))
        return 0
    configs = args.sweep_configs if args.sweep_configs is not None else (12 if args.quick else 200)
    if configs < 1:
        print("benchmark: --sweep-configs must be at least 1", file=sys.stderr)
        return 2
    if args.repeat < 1:
        print("benchmark: --repeat must be at least 1", file=sys.stderr)
        return 2
    other = args.compare_with.resolve() if args.compare_with is not None else None
    if other is not None and not (other / "benchmarks" / "engine.py").is_file():
        print(f"benchmark: --compare-with {other}: no benchmarks/engine.py there", file=sys.stderr)
        return 2
    if args.only_first:
        return print_first(args.timeout, args.only_first, other)
    if args.only_sweeps:
        return print_sweeps(args.timeout, configs)
    print_engine_table(args, other)
    if not args.no_jobs:
        # --quick times the sharded sweeps only, to stay within about three minutes.
        rows, sweeps = job_timings(args.timeout, configs, unsharded=not args.quick)
        print()
        for label, value in rows:
            print(f"- {label}: {value}")
        if sweeps:
            print_sweep_table(sweeps, configs)
    return 0


def print_engine_table(args: argparse.Namespace, other: Path | None) -> None:
    """The engine, the other checkout's engine, the plain model and the NumPy loop per size."""
    sizes = [10_000, 100_000] if args.quick else [int(s) for s in args.sizes.split(",")]
    plain_max = 10_000 if args.quick else args.plain_max
    cpus = os.cpu_count()
    print(f"8-step email cadence, cold list, {args.horizon:g} days, 1 replicate; {cpus} CPUs")
    print(f"plain SimPy model run at sizes <= {plain_max:,} (larger sizes take too long for it)\n")
    if args.repeat > 1 or other is not None:
        print(f"engine rows: best of {args.repeat} runs, each in a fresh process")
        if other is not None:
            print(f"`engine at {other.name}`: the engine of {other}, run in turn with this one")
        print()
    print(
        "| model | prospects | touches | wall s | touches/s | peak MB | base MB | KB/prospect "
        "| us/touch | ratio |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        roots = [ROOT] if other is None else [ROOT, other]
        eng, *base = best_engines(n, args.horizon, args.timeout, args.repeat, roots)
        plain = measure("plain", n, args.horizon, args.timeout) if n <= plain_max else None
        floor = measure("numpy", n, args.horizon, args.timeout)
        rows: list[tuple[str, dict[str, Any] | None]] = [("engine", eng)]
        if other is not None:
            rows.append((f"engine at {other.name}", base[0]))
        rows += [("plain SimPy", plain), ("bare NumPy loop", floor)]
        for name, r in rows:
            if r is None:
                if name != "plain SimPy" or n <= plain_max:
                    print(f"| {name} | {fmt_int(n)} | failed or timed out | | | | | | | |")
                continue
            print(engine_row(name, n, r, eng, plain))
        sys.stdout.flush()


def engine_row(
    name: str,
    n: int,
    r: dict[str, Any],
    eng: dict[str, Any] | None,
    plain: dict[str, Any] | None,
) -> str:
    """One Markdown row of the engine table; the ratio column compares with the engine's row."""
    rate = r["touches"] / r["wall"]
    ratio = ""
    if name == "engine" and plain is not None:
        ratio = f"{rate / (plain['touches'] / plain['wall']):.0f}x"
    if name.startswith("engine at") and eng is not None:
        ratio = f"this engine: {(eng['touches'] / eng['wall']) / rate:.2f}x"
    if name == "bare NumPy loop" and eng is not None:
        ratio = f"{rate / (eng['touches'] / eng['wall']):.0f}x the engine"
    per_kb = (r["peak_mb"] - r["base_mb"]) * 1024 / n
    us = 1e6 * r["wall"] / r["touches"]
    return (
        f"| {name} | {fmt_int(n)} | {fmt_int(r['touches'])} | {r['wall']:.2f} "
        f"| {fmt_int(rate)} | {r['peak_mb']:.0f} | {r['base_mb']:.0f} | {per_kb:.2f} "
        f"| {us:.3g} | {ratio} |"
    )


if __name__ == "__main__":
    raise SystemExit(main())
