"""What a difference across worlds depends on: the world parameters it moves with.

PLACEHOLDER, to be replaced by task B2's :mod:`sim.run.drivers` (variance-based sensitivity
over the ensemble): :func:`driver_table` and :func:`named` keep the signatures of its
``drivers(diffs, worlds, k)`` and ``matters(table, arm, metric)``, so the swap is this module
becoming ``from sim.run.drivers import drivers as driver_table, matters as named``. Until then
the table ranks the parameters by the Spearman rank correlation (``scipy.stats.spearmanr``) of
the worlds' mean differences with the parameter's values over the same worlds (``index`` is
the squared correlation), and :func:`named` names those significant at 0.05, at most
:data:`MOST`, or the strongest one when none is.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from sim.model.worlds import WorldsConfig

#: Columns of the table: one row per (arm, metric, parameter), as sim.run.drivers has them.
COLUMNS: tuple[str, ...] = ("arm", "metric", "parameter", "index", "p_value", "status", "worlds")
#: Most parameters a verdict names.
MOST = 3
#: Significance of a rank correlation for the parameter to be named beside the strongest.
ALPHA = 0.05


def driver_table(diffs: pd.DataFrame, worlds: WorldsConfig, k: int) -> pd.DataFrame:
    """Each parameter's association with each (arm, metric) difference across the worlds.

    Args:
        diffs: A row per (arm, metric, world): ``diff``, the arm's mean paired difference from
            the baseline in that world (worlds numbered as the rows of ``worlds.values``).
        worlds: The ensemble the worlds came from.
        k: The worlds run (the first ``k`` rows of ``worlds.values``).

    Returns:
        :data:`COLUMNS`, parameters of a pair by ``index``, largest first (NaN last: a constant
        parameter or difference, or fewer than 3 worlds).
    """
    values = np.asarray(worlds.values[:k], dtype=np.float64)
    parts = []
    for (arm, metric), rows in diffs.groupby(["arm", "metric"], sort=False):
        at = rows["world"].to_numpy(np.int64)
        d = rows["diff"].to_numpy(np.float64)
        found = []
        for j, name in enumerate(worlds.parameters):
            x = values[at, j]
            rho, p = math.nan, math.nan
            if d.size >= 3 and np.ptp(x) > 0 and np.ptp(d) > 0:  # SciPy warns on constants
                rho, p = (float(v) for v in stats.spearmanr(x, d))
            status = worlds.status.get(name, "prior")
            found.append((arm, metric, name, rho * rho, p, status, int(d.size)))
        table = pd.DataFrame(found, columns=list(COLUMNS))
        parts.append(table.sort_values("index", ascending=False, kind="stable"))
    if not parts:
        return pd.DataFrame(columns=list(COLUMNS))
    return pd.concat(parts, ignore_index=True)


def named(table: pd.DataFrame, arm: str, metric: str) -> list[str]:
    """The parameters a pair's difference depends on, most first (see the module's rule)."""
    rows = table[(table["arm"] == arm) & (table["metric"] == metric) & table["index"].notna()]
    clear = [str(p) for p in rows[rows["p_value"] < ALPHA]["parameter"].head(MOST)]
    return clear or [str(p) for p in rows["parameter"].head(1)]
