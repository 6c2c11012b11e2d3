"""What a ``depends`` verdict names: the parameters its difference moves with across the worlds.

The table is :func:`sim.run.drivers.drivers` (first-order variance shares over the ensemble,
docs/uncertainty.md, "What drives a difference"). A verdict of ``depends`` names the parameters
the evidence does not pin down (status ``weak`` or ``prior``) that clearly drive the difference
(:func:`sim.run.drivers.matters`); an identified parameter that moves it is the evidence
speaking, not an open question. When none stands out (20 worlds give rough indices), none is
named: the words then say the worlds do not single one out (naming the largest share anyway
named parameters that had nothing to do with the difference, e.g. a postal base for an
email-only cadence).
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
    """The open parameters a pair's difference clearly depends on, most first."""
    return matters(table, arm, metric, statuses=OPEN)
