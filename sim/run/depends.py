"""What a ``depends`` verdict names: the parameters its difference moves with across the worlds.

The table is :func:`sim.run.drivers.drivers` (first-order variance shares over the ensemble,
docs/uncertainty.md, "What drives a difference"). A verdict of ``depends`` names the parameters
the evidence does not pin down (status ``weak`` or ``prior``) that clearly drive the difference
(:func:`sim.run.drivers.matters`); an identified parameter that moves it is the evidence
speaking, not an open question. When none stands out (20 worlds give rough indices), the
verdict still names the largest share among them, so that it never says "depends" on nothing.
"""

from __future__ import annotations

import pandas as pd

from sim.run.drivers import DRIVER_COLUMNS as COLUMNS
from sim.run.drivers import drivers as driver_table
from sim.run.drivers import matters

__all__ = ["COLUMNS", "OPEN", "driver_table", "named"]

#: The statuses of a parameter the evidence does not pin down.
OPEN = ("weak", "prior")


def named(table: pd.DataFrame, arm: str, metric: str) -> list[str]:
    """The open parameters a pair's difference depends on, most first (see the module's rule)."""
    clear = matters(table, arm, metric, statuses=OPEN)
    if clear:
        return clear
    rows = table[
        (table["arm"] == arm)
        & (table["metric"] == metric)
        & table["status"].isin(OPEN)
        & (table["index"] > 0)
    ]
    return [str(p) for p in rows.sort_values("index", ascending=False)["parameter"].head(1)]
