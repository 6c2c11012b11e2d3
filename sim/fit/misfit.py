"""How far the fitted model misses the log beyond noise: a spread the plausible worlds carry.

The per-sequence check (:mod:`sim.fit.sequences`) replays each common sequence of the log with the
fitted model. Where the model's form does not match the world that wrote the log, the replays
miss some sequences' positive replies (what an answer's response rate counts) by more than
their noise; the parameters' covariance knows nothing of that. The spread of those misses is
measured as a random-effects between-sequence variance of the log ratio observed / replayed
(DerSimonian-Laird,
:func:`statsmodels.stats.meta_analysis.combine_effects`):

    d_g = log((O_g + 0.5) / (E_g + 0.5)),   v_g = 1 / (O_g + 0.5) + s_g^2 / (E_g + 0.5)^2,

with ``O_g`` the observed positive replies of sequence ``g``, ``E_g`` the replays' mean and ``s_g``
their standard deviation (from the replays' 95 % interval); ``tau`` is the square root of the DL
estimate of the variance of ``d_g`` beyond ``v_g``, ``mu`` the random-effects mean and ``se`` its
standard error. A cadence the worlds answer for is one more sequence: its miss follows the
random-effects predictive distribution (Higgins, Thompson and Spiegelhalter 2009, J R Stat Soc A
172:137), ``mu + sqrt(tau^2 + se^2) t_{k-2}`` over ``k`` sequences. Each fitted world shifts the
log-odds of a reply on every fitted channel by one draw of it (docs/uncertainty.md, "Plausible
worlds of a fitted model"): a model that replays its log well (tau = 0) is left as it is; one that
misses it answers with wider intervals, centred where its misses are on average.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from sim.model.arrays import F64

#: Fewest checked sequences from which a spread is estimated (fewer: none is added).
MIN_SEQUENCES = 3


@dataclass(frozen=True)
class Misfit:
    """How the fitted model's replays miss the log's sequences, beyond their noise."""

    sd: float  # tau: the spread of the misses between sequences (log ratio)
    mean: float  # mu: their random-effects mean
    mean_se: float  # its standard error
    sequences: int  # k: the checked sequences

    @property
    def found(self) -> bool:
        """Misses beyond noise: a spread between sequences, or a mean miss beyond its 95 % CI."""
        z = float(stats.norm.ppf(0.975))
        return self.sd > 0.0 or (
            self.sequences >= MIN_SEQUENCES and abs(self.mean) > z * self.mean_se
        )

    def shifts(self, n: int, rng: np.random.Generator) -> F64:
        """``n`` draws of the predictive distribution of one more sequence's miss (0: none)."""
        if not self.found:
            return np.zeros(n)
        scale = math.sqrt(self.sd**2 + self.mean_se**2)
        return self.mean + scale * rng.standard_t(self.sequences - 2, n)


def misfit_of(sequences: Sequence[Any]) -> Misfit:
    """``tau``, ``mu`` and its standard error from the per-sequence checks (zeros: too few)."""
    if len(sequences) < MIN_SEQUENCES:
        return Misfit(0.0, 0.0, 0.0, len(sequences))
    from statsmodels.stats.meta_analysis import combine_effects

    z = float(stats.norm.ppf(0.975))
    observed = np.array([s.observed_positives for s in sequences], np.float64)
    replayed = np.array([s.replayed_positives for s in sequences], np.float64)
    spread = np.array([(s.positives_high - s.positives_low) / (2 * z) for s in sequences])
    d = np.log((observed + 0.5) / (replayed + 0.5))
    v = 1.0 / (observed + 0.5) + spread**2 / (replayed + 0.5) ** 2
    found = combine_effects(d, v, method_re="dl")
    tau2 = float(found.tau2)
    tau = math.sqrt(tau2) if math.isfinite(tau2) and tau2 > 0 else 0.0
    return Misfit(tau, float(found.mean_effect_re), float(found.sd_eff_w_re), len(sequences))


def misfit_sd(sequences: Sequence[Any]) -> float:
    """``tau``: the between-sequence spread of log(observed / replayed positives), 0 without one."""
    return misfit_of(sequences).sd
