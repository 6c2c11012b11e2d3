"""How far the fitted model misses the log beyond noise: a spread the plausible worlds carry.

The per-sequence check (:mod:`sim.fit.sequences`) replays each common sequence of the log with the
fitted model. Where the model's form does not match the world that wrote the log, the replays
miss some sequences' reply totals by more than their noise, in both directions; the parameters'
covariance knows nothing of that. The spread of those misses is measured as a random-effects
between-sequence variance of the log ratio observed / replayed (DerSimonian-Laird,
:func:`statsmodels.stats.meta_analysis.combine_effects`):

    d_g = log((O_g + 0.5) / (E_g + 0.5)),   v_g = 1 / (O_g + 0.5) + s_g^2 / (E_g + 0.5)^2,

with ``O_g`` the observed replies of sequence ``g``, ``E_g`` the replays' mean and ``s_g`` their
standard deviation (from the replays' 95 % interval); ``tau`` is the square root of the DL
estimate of the variance of ``d_g`` beyond ``v_g``. Each fitted world then shifts the log-odds of
a reply on every channel by one draw of N(0, tau^2) (docs/uncertainty.md, "Plausible worlds of a
fitted model"): a model that replays its log well (tau = 0) is left as it is; one that misses it
answers with wider intervals, as wide as its misses.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats

#: Fewest checked sequences from which a spread is estimated (fewer: none is added).
MIN_SEQUENCES = 3


def misfit_sd(sequences: Sequence[Any]) -> float:
    """``tau``: the between-sequence spread of log(observed / replayed replies), 0 without one."""
    if len(sequences) < MIN_SEQUENCES:
        return 0.0
    from statsmodels.stats.meta_analysis import combine_effects

    z = float(stats.norm.ppf(0.975))
    observed = np.array([s.observed_replies for s in sequences], np.float64)
    replayed = np.array([s.replayed_replies for s in sequences], np.float64)
    spread = np.array([(s.replies_high - s.replies_low) / (2 * z) for s in sequences])
    d = np.log((observed + 0.5) / (replayed + 0.5))
    v = 1.0 / (observed + 0.5) + spread**2 / (replayed + 0.5) ** 2
    tau2 = float(combine_effects(d, v, method_re="dl").tau2)
    return math.sqrt(tau2) if math.isfinite(tau2) and tau2 > 0 else 0.0
