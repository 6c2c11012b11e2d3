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
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
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


#: Per-step stop probability of the bare NumPy loop: with it a prospect gets on average
#: sum_{k<8} (1 - p)^k = 7.5 of the 8 touches, about as many as in the engine's workload
#: (74,412 touches at 10,000 prospects with model v2).
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


def children_cpu() -> float:
    """CPU seconds (user + system) of this process's children that have been waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_command(
    cmd: list[str], cwd: Path, timeout: float, first: Path | None = None
) -> tuple[float, float | None] | None:
    """Wall seconds of a command, or None if it failed; with ``first`` (a sweep folder), also the
    seconds until the first configuration's ``manifest.json`` (written last, so: its first result)
    appeared, polled every 0.1 s. The command's CPU seconds (with its workers') are in
    ``LAST_CPU``.
    """
    cpu0 = children_cpu()
    t0 = time.perf_counter()
    first_at: float | None = None
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err, text=True)
        while proc.poll() is None:
            now = time.perf_counter()
            if now - t0 > timeout:
                proc.kill()
                proc.wait()
                return None
            if first is not None and first_at is None and any(first.glob("*/manifest.json")):
                first_at = now - t0
            time.sleep(0.1)
        wall = time.perf_counter() - t0
        LAST_CPU[:] = [children_cpu() - cpu0]
        if proc.returncode != 0:
            err.seek(0)
            print(f"  {' '.join(cmd)} failed:\n{err.read()[-1500:]}", file=sys.stderr)
            return None
    return wall, first_at


#: CPU seconds of the last command :func:`time_command` ran, its workers' included (a machine
#: shared with other work stretches wall times; CPU time shows the work itself).
LAST_CPU: list[float] = [0.0]

#: The sweep targets: a sweep's wall time over the sum of its configurations' serial
#: in-process simulate() times (two cores make 0.5x at best).
SWEEP_TARGETS = {"default-size": 0.65, "small (population.size=200)": 1.0}
N_JOBS = 2


def overhead_rows(out: Path, app: Path, timeout: float) -> list[tuple[str, str]]:
    """Wall time of the default ``make run`` job and its overhead over ``simulate()``."""
    rows: list[tuple[str, str]] = []
    timed = time_command([str(app), f"hydra.run.dir={out / 'run'}"], out, timeout)
    res = measure("default", 0, 0.0, timeout)
    inproc = res["wall"] if res else None
    if timed is not None:
        rows.append(("default job: `outreach-sim` (what `make run` runs)", f"{timed[0]:.1f} s"))
    else:
        rows.append(("default job: `outreach-sim` (what `make run` runs)", "failed"))
    rows.append(
        (
            "same config in-process: `sim.run.api.simulate(compose([]))`",
            f"{inproc:.2f} s" if inproc is not None else "failed",
        )
    )
    if timed is not None and inproc is not None:
        overhead = timed[0] - inproc
        rows.append(
            (
                "per-job overhead (job wall - in-process simulate)",
                f"{overhead:.1f} s ({overhead / timed[0]:.0%} of the job)",
            )
        )
    return rows


def sweep_rows(
    out: Path, app: Path, configs: int, timeout: float, unsharded: bool = True
) -> list[str]:
    """Markdown rows: joblib sweeps of ``configs`` default-size and small configurations, sharded
    (and, with ``unsharded``, one launched job per configuration), against the serial in-process
    simulate() sum.
    """
    shard = max(1, math.ceil(configs / (2 * N_JOBS)))  # two shards a worker: fewer, larger tasks
    rows: list[str] = []
    for kind, size in (("default-size", 0), ("small (population.size=200)", 200)):
        serial = measure("serial", configs, 0.0, timeout, size=size)
        floor = serial["wall"] if serial else None
        floor_cpu = serial.get("cpu") if serial else None
        for shard_size in (1, shard) if unsharded else (shard,):
            where = out / f"sweep-{size}-{shard_size}"
            cmd = [
                str(app),
                "-m",
                "hydra/launcher=joblib",
                f"hydra.launcher.n_jobs={N_JOBS}",
                f"seed=range(0,{configs})",
                f"hydra.sweeper.shard_size={shard_size}",
                f"hydra.sweep.dir={where}",
            ]
            if size:
                cmd.append(f"population.size={size}")
            timed = time_command(cmd, out, timeout, first=where)
            label = f"{kind}, shard_size={shard_size}"
            floor_s = f"{floor:.1f}" if floor is not None else "failed"
            if timed is None:
                rows.append(f"| {label} | {configs} | failed | | | {floor_s} | | | | |")
                continue
            cpu = LAST_CPU[0]
            cpu_ratio = f"{cpu / floor_cpu:.2f}x" if floor_cpu else ""
            wall, first_at = timed
            first_s = f"{first_at:.1f}" if first_at is not None else "n/a"
            per_hour = fmt_int(3600 * configs / wall)
            target = SWEEP_TARGETS[kind]
            if floor is None:
                verdict, ratio = "n/a", ""
            else:
                ratio = f"{wall / floor:.2f}x"
                verdict = ("pass" if wall / floor <= target else "FAIL") + f" (<= {target}x)"
            rows.append(
                f"| {label} | {configs} | {wall:.1f} | {first_s} | {per_hour} | {floor_s} "
                f"| {ratio} | {verdict} | {cpu:.1f} | {cpu_ratio} |"
            )
            shutil.rmtree(where, ignore_errors=True)
            print(rows[-1], file=sys.stderr)  # progress: the table is printed at the end
    rows.append(first_result_row(out, app, timeout))
    print(rows[-1], file=sys.stderr)
    return rows


#: The target for the first result of a 20-configuration sweep, seconds.
FIRST_TARGET = 5.0
FIRST_CONFIGS = 20


def first_result_row(out: Path, app: Path, timeout: float, code: str = "") -> str:
    """Markdown row: seconds to the first result (``manifest.json``) of a 20-configuration
    default-size joblib sweep (shards of 5), against the 5 s target (``code``: a label for the
    row's checkout, added to its first cell).
    """
    where = out / "sweep-first"
    cmd = [
        str(app),
        "-m",
        "hydra/launcher=joblib",
        f"hydra.launcher.n_jobs={N_JOBS}",
        f"seed=range(0,{FIRST_CONFIGS})",
        f"hydra.sweeper.shard_size={math.ceil(FIRST_CONFIGS / (2 * N_JOBS))}",
        f"hydra.sweep.dir={where}",
    ]
    timed = time_command(cmd, out, timeout, first=where)
    shutil.rmtree(where, ignore_errors=True)
    label = f"default-size, first result, shard_size={math.ceil(FIRST_CONFIGS / (2 * N_JOBS))}"
    label += f" ({code})" if code else ""
    if timed is None or timed[1] is None:
        return f"| {label} | {FIRST_CONFIGS} | failed | | | | | | | |"
    wall, first_at = timed
    verdict = ("pass" if first_at <= FIRST_TARGET else "FAIL") + f" (first <= {FIRST_TARGET:g} s)"
    per_hour = fmt_int(3600 * FIRST_CONFIGS / wall)
    timing = f"{wall:.1f} | {first_at:.1f} | {per_hour}"
    return f"| {label} | {FIRST_CONFIGS} | {timing} | | | {verdict} | {LAST_CPU[0]:.1f} | |"


def job_timings(
    timeout: float, configs: int, unsharded: bool = True
) -> tuple[list[tuple[str, str]], list[str]]:
    """Per-job overhead, the sweeps, and peak memory of the 1M workload through the command."""
    rows: list[tuple[str, str]] = []
    app = BIN / "outreach-sim"
    if not app.exists():
        return [("`outreach-sim`", f"not found in {BIN}: jobs and sweeps not timed")], []
    with tempfile.TemporaryDirectory(prefix="outreach-bench-") as tmp:
        out = Path(tmp)
        rows += overhead_rows(out, app, timeout)
        sweeps = sweep_rows(out, app, configs, timeout, unsharded)
        peak = cli_peak_mb(out, timeout)
        label = "1,000,000 prospects x 120 days through `outreach-sim` (the workload): peak RSS"
        rows.append((label, f"{peak:.0f} MB" if peak is not None else "failed"))
        shutil.rmtree(out, ignore_errors=True)
    return rows, sweeps


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
    args = ap.parse_args(argv)
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
            print(
                f"| {name} | {fmt_int(n)} | {fmt_int(r['touches'])} | {r['wall']:.2f} "
                f"| {fmt_int(rate)} | {r['peak_mb']:.0f} | {r['base_mb']:.0f} | {per_kb:.2f} "
                f"| {us:.3g} | {ratio} |"
            )
        sys.stdout.flush()
    if not args.no_jobs:
        # --quick times the sharded sweeps only, to stay within about three minutes.
        rows, sweeps = job_timings(args.timeout, configs, unsharded=not args.quick)
        print()
        for label, value in rows:
            print(f"- {label}: {value}")
        if sweeps:
            print_sweep_table(sweeps, configs)
    return 0


def print_sweep_table(sweeps: list[str], configs: int) -> None:
    """The sweep rows under their header."""
    print(
        f"\nSweeps: `outreach-sim -m hydra/launcher=joblib hydra.launcher.n_jobs={N_JOBS} "
        f"seed=range(0,{configs})`; floor = sum of the same configurations' serial "
        "in-process simulate() times; first = seconds to the first manifest.json; cpu = CPU "
        "seconds of the sweep with its workers, against the floor's CPU seconds\n"
    )
    print(
        "| sweep | configs | wall s | first s | configs/hour | floor s | wall/floor | target "
        "| cpu s | cpu/floor cpu |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|---:|---:|")
    for row in sweeps:
        print(row)


def print_sweeps(timeout: float, configs: int) -> int:
    """``--only-sweeps``: the sharded sweeps and the first-result row, nothing else."""
    app = BIN / "outreach-sim"
    if not app.exists():
        print(f"benchmark: outreach-sim not found in {BIN}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="outreach-bench-") as tmp:
        sweeps = sweep_rows(Path(tmp), app, configs, timeout, unsharded=False)
    print_sweep_table(sweeps, configs)
    return 0


def print_first(timeout: float, times: int, other: Path | None) -> int:
    """``--only-first N``: the first-result row N times, in turn with another checkout's."""
    apps = [("this checkout", BIN / "outreach-sim")]
    if other is not None:
        apps.append((str(other), other / ".venv" / "bin" / "outreach-sim"))
    for _, app in apps:
        if not app.exists():
            print(f"benchmark: {app} not found", file=sys.stderr)
            return 1
    rows = []
    with tempfile.TemporaryDirectory(prefix="outreach-bench-") as tmp:
        for _ in range(times):
            for code, app in apps:
                rows.append(first_result_row(Path(tmp), app, timeout, code))
                print(rows[-1], f"(load average {os.getloadavg()[0]:.1f})", file=sys.stderr)
    print_sweep_table(rows, FIRST_CONFIGS)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
