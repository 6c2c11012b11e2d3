"""How far to trust "what drives a difference" at a given number of worlds (docs/uncertainty.md).

`.venv/bin/python benchmarks/drivers.py [--trials N] [--worlds 10,20,40] [--parameters P]`. Each
trial draws P parameters uniformly over K worlds (as an ensemble spreads them), makes each world's
difference from a known function of them plus noise, and runs sim.run.drivers.drivers on it. Per
case it prints how often sim.run.drivers.matters names each driver and any parameter that drives
nothing, how often the 95 % bootstrap interval of a driver's index holds its true index, the mean
index, and the seconds per compared pair. The CI-sized checks are in tests/test_drivers.py.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from sim.model.worlds import MODEL_VERSION, WorldsConfig
from sim.run.drivers import drivers, matters

F = Callable[[np.ndarray], np.ndarray]
# (label, difference from the parameters' columns, true first-order index of a and of b, noise sd)
# Uniform a, b on [0, 1]: Var(c a) = c^2 / 12; Var((a - 1/2)^2) = 1/180.
CASES: list[tuple[str, F, float, float, float]] = [
    (
        "3a + 0.1b + noise",
        lambda x: 3 * x[:, 0] + 0.1 * x[:, 1],
        0.75 / 0.8408,
        0.00083 / 0.8408,
        0.3,
    ),
    (
        "a + b + noise",
        lambda x: x[:, 0] + x[:, 1],
        (1 / 12) / (2 / 12 + 0.04),
        (1 / 12) / (2 / 12 + 0.04),
        0.2,
    ),
    (
        "(a - 1/2)^2 + noise",
        lambda x: (x[:, 0] - 0.5) ** 2,
        (1 / 180) / (1 / 180 + 0.0004),
        0.0,
        0.02,
    ),
    ("noise only", lambda x: 0 * x[:, 0], 0.0, 0.0, 1.0),
]


def trial(f: F, sd: float, k: int, p: int, seed: int) -> tuple[pd.DataFrame, float]:
    """One ensemble of ``k`` worlds and ``p`` parameters: the drivers table and its seconds."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(size=(k, p))
    diff = f(x) + sd * rng.normal(size=k)
    names = ["a", "b", *(f"null{i}" for i in range(p - 2))]
    worlds = WorldsConfig(
        model_version=MODEL_VERSION,
        source="bench",
        method="uniform",
        parameters=names,
        values=x.tolist(),
    )
    diffs = pd.DataFrame({"arm": "x", "metric": "m", "world": range(k), "diff": diff})
    start = time.perf_counter()
    table = drivers(diffs, worlds, k)
    return table, time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=100)
    ap.add_argument("--worlds", default="10,20,40")
    ap.add_argument("--parameters", type=int, default=30)
    args = ap.parse_args()
    print(
        "| case | worlds | names a | names b | names a null parameter | a's interval holds S_a "
        "| mean index a (true) | mean index b (true) | s per pair |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for label, f, s_a, s_b, sd in CASES:
        for k in (int(v) for v in args.worlds.split(",")):
            named_a = named_b = named_null = holds = 0
            index_a, index_b, seconds = [], [], []
            for seed in range(args.trials):
                table, s = trial(f, sd, k, args.parameters, seed)
                names = matters(table, "x", "m")
                named_a += "a" in names
                named_b += "b" in names
                named_null += any(n.startswith("null") for n in names)
                a = table[table["parameter"] == "a"].iloc[0]
                holds += bool(a["index_low"] <= s_a <= a["index_high"])
                index_a.append(float(a["index"]))
                index_b.append(float(table[table["parameter"] == "b"]["index"].iloc[0]))
                seconds.append(s)
            n = args.trials
            print(
                f"| {label} | {k} | {named_a / n:.2f} | {named_b / n:.2f} | {named_null / n:.2f} "
                f"| {holds / n:.2f} | {np.mean(index_a):.2f} ({s_a:.2f}) "
                f"| {np.mean(index_b):.2f} ({s_b:.2f}) | {np.median(seconds):.3f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
