"""What a ``depends`` verdict depends on: the world parameters its difference moves with.

PLACEHOLDER, to be replaced by task B2's :mod:`sim.run.drivers` (variance-based sensitivity
over the ensemble, with each parameter's identification): :func:`depends_on` keeps its
signature and becomes a call to ``drivers(diffs, worlds, k)`` and its naming helper. Until then
it ranks the parameters by the Spearman rank correlation (``scipy.stats.spearmanr``) of the
worlds' mean differences with the parameter's values over the same worlds, and names those
with a correlation significant at 0.05 (at most :data:`MOST`), or the strongest one when none
is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

if TYPE_CHECKING:
    from sim.model.worlds import WorldsConfig

#: Most parameters a verdict names.
MOST = 3
#: Significance of a rank correlation for the parameter to be named beside the strongest.
ALPHA = 0.05


def depends_on(
    diffs: pd.DataFrame, worlds: WorldsConfig | None, k: int
) -> dict[tuple[str, str], list[str]]:
    """The parameters each (arm, metric) pair of ``diffs`` depends on, most influential first.

    Args:
        diffs: A row per (arm, metric, world): ``diff``, the arm's mean paired difference from
            the baseline in that world (worlds numbered as the rows of ``worlds.values``).
        worlds: The ensemble the worlds came from; None names nothing.
        k: The worlds run (the first ``k`` rows of ``worlds.values``).

    Returns:
        ``{(arm, metric): [parameter, ...]}`` for every pair of ``diffs``.
    """
    if worlds is None or diffs.empty:
        return {}
    values = np.asarray(worlds.values[:k], dtype=np.float64)
    out: dict[tuple[str, str], list[str]] = {}
    for (arm, metric), rows in diffs.groupby(["arm", "metric"], sort=False):
        at = rows["world"].to_numpy(np.int64)
        d = rows["diff"].to_numpy(np.float64)
        ranked = []
        for j, name in enumerate(worlds.parameters):
            x = values[at, j]
            if d.size < 3 or np.ptp(x) == 0 or np.ptp(d) == 0:
                continue  # a constant has no rank correlation (and SciPy would warn)
            rho, p = stats.spearmanr(x, d)
            ranked.append((abs(float(rho)), float(p), name))
        ranked.sort(key=lambda t: -t[0])
        named = [name for _, p, name in ranked[:MOST] if p < ALPHA]
        out[(str(arm), str(metric))] = named or [name for _, _, name in ranked[:1]]
    return out
