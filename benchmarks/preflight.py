"""Time the sweep pre-flight (``sim.cli.preflight.check_command``) in-process.

``python benchmarks/preflight.py`` times a 200-configuration sweep (two strategy choices, two
populations, 50 seeds; or the sweep given as arguments, e.g. ``-m 'seed=range(0,200)'
population.size=200``), first with every configuration fully composed
(``PreflightComposer.compose`` replaced by ``compose_job``), then as the pre-flight composes
them: each choice of groups once.
"""

from __future__ import annotations

import sys
import time

from sim.cli import preflight

SWEEP = [
    "-m",
    "strategy=[entitlement,nurture],[entitlement,bombard]",
    "population=cold_list,house_list",
    "seed=range(50)",
    "population.size=100",
]


def timed() -> float:
    start = time.perf_counter()
    preflight.check_command(sys.argv[1:] or SWEEP)
    return time.perf_counter() - start


def main() -> None:
    preflight.check_command(["population.size=100"])  # imports and Hydra's plugin scan, untimed
    fast = timed()
    composer = preflight.PreflightComposer
    original = composer.compose
    composer.compose = lambda self, job: preflight.compose_job(self.groups.config_name, job)  # type: ignore[method-assign]
    try:
        full = timed()
    finally:
        composer.compose = original  # type: ignore[method-assign]
    print(
        f"{' '.join(sys.argv[1:] or SWEEP)}:\n  every configuration composed: {full:.1f} s\n"
        f"  once per choice of groups: {fast:.1f} s"
    )


if __name__ == "__main__":
    main()
