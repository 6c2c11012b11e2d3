"""Benchmark: the optimiser's candidate evaluations per second, and a 300-trial optimisation.

Run by ``make benchmark`` (or ``.venv/bin/python benchmarks/optimize.py``); the figures go into
docs/optimize.md as measured, with this command. Two rows:

1. **Evaluations per second** of default-size candidates: 6-step cadences drawn from
   ``examples/optimize/cadence.yaml``, each on the default experiment (a cold list of 2,000
   prospects, 5 replicates): one at a time (as the search runs them, one per trial) and in a
   batch, as arms of one experiment (as the selection stage runs its finalists). One process.
   The target (issue 29): 10,000 evaluations in under an hour on 2 cores, about 3 per second.
2. **A 300-trial optimisation** of a 6-step cadence: ``outreach-sim-optimize`` on the example
   space with ``steps={min: 6, max: 6}`` and the default experiment, ``--quiet``, end to end in
   a fresh process (search, selection, files; no worlds stage), with ``n_jobs=1`` and ``n_jobs=2``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPACE = ROOT / "examples" / "optimize" / "cadence.yaml"
SIX = ["steps={min: 6, max: 6}", "experiment=[population=cold_list]", "worlds=0"]


def candidates(n: int, seed: int = 0) -> tuple[object, list[object]]:
    """``n`` 6-step candidates of the example space that keep its constraints, and the config."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)

    from sim.optimize.api import load_space
    from sim.optimize.candidate import broken_constraint, suggest, to_strategy
    from sim.optimize.evaluate import base_config

    space = load_space(SPACE, SIX)
    cfg = base_config(space)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    out: list[object] = []
    while len(out) < n:
        trial = study.ask()
        params = suggest(trial, space)
        if broken_constraint(params, space, cfg.reps) is None:
            out.append(to_strategy(params, space))
        study.tell(trial, 0.0)
    return cfg, out


def evaluations_per_second(n: int) -> tuple[float, float]:
    """Candidates per second, one at a time and as one batch of ``n`` arms."""
    from sim.optimize.evaluate import run_candidates

    cfg, strategies = candidates(n)
    reps = range(cfg.replications)  # type: ignore[attr-defined]
    started = time.perf_counter()
    for s in strategies:
        run_candidates(cfg, {"c": s}, reps)  # type: ignore[arg-type]
    single = n / (time.perf_counter() - started)
    started = time.perf_counter()
    run_candidates(cfg, {f"c{i}": s for i, s in enumerate(strategies)}, reps)  # type: ignore[arg-type]
    batch = n / (time.perf_counter() - started)
    return single, batch


def optimisation_seconds(trials: int, n_jobs: int) -> float:
    """Wall time of ``outreach-sim-optimize`` with ``trials`` trials, in a fresh process."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "sim.optimize", str(SPACE), *SIX, f"budget={trials}"]
        cmd += [f"n_jobs={n_jobs}", "--out", str(Path(tmp) / "out"), "--quiet"]
        started = time.perf_counter()
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        subprocess.run(cmd, check=True, cwd=tmp, env=env, stdout=subprocess.DEVNULL)
        return time.perf_counter() - started


def main() -> None:
    """Print the rows."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=20)
    parser.add_argument("--trials", type=int, default=300)
    parser.add_argument("--jobs", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--skip-rate", action="store_true", help="only the optimisation rows")
    args = parser.parse_args()
    if not args.skip_rate:
        single, batch = evaluations_per_second(args.candidates)
        print(
            "evaluations per second (6-step candidates, 2,000 prospects x 5 replicates, "
            f"1 process): {single:.2f} one at a time, {batch:.2f} in a batch of {args.candidates}"
        )
        print(f"10,000 evaluations at that rate: {10_000 / single / 60:.0f} min on one core")
    for jobs in args.jobs:
        seconds = optimisation_seconds(args.trials, jobs)
        print(
            f"{args.trials}-trial optimisation of a 6-step cadence, n_jobs={jobs}: {seconds:.0f} s"
        )


if __name__ == "__main__":
    main()
