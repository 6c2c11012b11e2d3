"""How much common random numbers pair the arms: Var(A - B) / (Var A + Var B) over replicates.

Independent arms give 1; the stronger the pairing, the smaller the ratio. Run:
``python scripts/crn_variance.py [replications] [overrides...]`` (defaults: 20 replicates of the
default comparison). The figures in docs/architecture.md come from it.
"""

from __future__ import annotations

import sys

from sim.run.api import simulate
from sim.run.registry import compose


def main() -> None:
    """Print the ratio for each arm against the baseline, per key metric."""
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    cfg = compose([f"replications={reps}", *sys.argv[2:]])
    metrics = simulate(cfg).metrics
    wide = {
        m: metrics.pivot(index="replicate", columns="arm", values=m)
        for m in ("response_rate", "meeting_rate", "opt_out_rate")
    }
    print(f"{reps} replicates of {cfg.population.size} prospects; baseline {cfg.baseline}")
    print(f"{'arm':<18}" + "".join(f"{m:>16}" for m in wide))
    for arm in cfg.strategy:
        if arm == cfg.baseline:
            continue
        cells = []
        for table in wide.values():
            a, b = table[arm], table[cfg.baseline]
            cells.append(f"{(a - b).var() / (a.var() + b.var()):>16.2f}")
        print(f"{arm:<18}" + "".join(cells))


if __name__ == "__main__":
    main()
