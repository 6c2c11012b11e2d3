"""The ``outreach-sim-aggregate DIR`` command: a sweep's tables and figures rebuilt on their own.

For a sweep whose command was killed, or whose jobs finished elsewhere: the same aggregation the
sweep callback runs at the end of a sweep (:func:`sim.report.aggregate.aggregate`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from sim.report.aggregate import aggregate, overview


def _argument_error(message: str) -> NoReturn:
    # argparse would print its usage block first: one line instead, as for any bad input.
    print(f"error: {message} (usage: outreach-sim-aggregate DIR, a sweep folder)", file=sys.stderr)
    sys.exit(2)


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point of ``outreach-sim-aggregate DIR``: exit 1 when a job is not ok."""
    parser = argparse.ArgumentParser(
        prog="outreach-sim-aggregate",
        description="Rebuild a sweep's tables and figures from whatever jobs finished.",
    )
    parser.add_argument("sweep_dir", metavar="DIR", type=Path, help="a sweep directory")
    parser.error = _argument_error  # type: ignore[method-assign]
    args = parser.parse_args(argv)
    sweep_dir: Path = args.sweep_dir
    if not sweep_dir.is_dir() or not (
        (sweep_dir / "sweep.json").is_file() or any(p.name.isdigit() for p in sweep_dir.iterdir())
    ):
        print(
            f"error: DIR={str(sweep_dir)!r} is not allowed: a sweep directory "
            "(results/sweeps/<time>_<id>, holding job folders 0/, 1/, ...)",
            file=sys.stderr,
        )
        sys.exit(2)
    result = aggregate(sweep_dir)
    print(overview(result))
    print(
        f"\nWrote {sweep_dir / 'sweep_metrics.csv'}, {sweep_dir / 'sweep_summary.csv'}, the "
        "sweep figures and report.html"
    )
    sys.exit(1 if result.problems else 0)
