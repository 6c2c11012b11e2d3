"""What the command line costs beside the simulation: the default job, sweeps, the first result.

The default job's wall time against the same config's in-process ``simulate()`` (the per-job
overhead); joblib sweeps of default-size and small configurations against their floor (the sum of
the same configurations' serial ``simulate()`` times); the seconds to a 20-configuration sweep's
first result; the peak memory of 1,000,000 prospects through ``outreach-sim``. ``engine.py``
prints these after its engine table, or alone with ``--only-sweeps`` and ``--only-first N``.
"""

from __future__ import annotations

import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import BIN, HERE, fmt_int, measure


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
