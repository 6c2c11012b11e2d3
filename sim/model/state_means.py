"""Running sums of the prospects' decayed state: a day's mean warmth, familiarity, annoyance.

The engine's daily time series reads the means from these sums, which a touch updates for the
prospects it touched only, instead of decaying every prospect's state each day.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from sim.model.arrays import F64, I64
from sim.model.config import ModelConfig
from sim.model.population import Prospects, ProspectState


class StateMeans:
    """Running sums of decayed warmth, familiarity and annoyance: a day's means cost O(touches).

    Each quantity decays in closed form from its last update, ``x_i 2^{-(now - t_i)/h}`` (warmth
    decays toward its baseline, so its excess over the baseline is what decays). The sum over
    prospects is kept at a reference time ``t0``: ``S = sum_i x_i 2^{(t_i - t0)/h}``; moving
    ``t0`` forward multiplies ``S`` by one factor. ``t0`` is moved to the latest update before
    any term is added, so every exponent is <= 0 and nothing overflows, whatever the horizon.
    The engine takes a batch's terms out before a touch and puts them back after it.
    """

    def __init__(
        self, state: ProspectState, prospects: Prospects, cfg: ModelConfig, batch: int
    ) -> None:
        """Sum the initial terms in slices of ``batch`` prospects (the engine's ``MAX_BATCH``)."""
        self.state, self.base = state, prospects.warmth_base
        self.n = prospects.n
        self.half_life = np.array(
            [
                cfg.warmth_half_life_days,
                cfg.familiarity_half_life_days,
                cfg.annoyance_half_life_days,
            ]
        )
        self.base_mean = float(self.base.mean(dtype=np.float64))
        self.t0 = 0.0
        self.sums = np.zeros(3)
        # In slices: the float64 temporaries of a million terms at once would cost ~50 MB.
        for lo in range(0, self.n, batch):
            self.sums += self._terms(slice(lo, lo + batch))

    def _terms(self, idx: I64 | slice) -> F64:
        """Sums of the terms of prospects ``idx`` at the reference time ``t0``."""
        st = self.state
        return self._sums(
            st.t_state[idx],
            st.warmth[idx] - self.base[idx],
            st.familiarity[idx],
            st.annoyance[idx],
        )

    def _sums(
        self, t_state: F64, excess: npt.NDArray[np.float32], *values: npt.NDArray[np.float32]
    ) -> F64:
        """Sums of the terms of prospects whose stored state is given, at the reference time."""
        return np.array([np.sum(p) for p in self.products(t_state, excess, *values)])

    def products(
        self,
        t_state: F64,
        excess: npt.NDArray[np.float32],
        *values: npt.NDArray[np.float32],
        out: F64 | None = None,
        t0: float | None = None,
    ) -> list[F64]:
        """The terms themselves, one array per quantity, before they are summed (in ``out``).

        ``t0``: the reference time to use instead of the current one (the one a coming
        :meth:`rebase` will set).
        """
        dt = t_state - (self.t0 if t0 is None else t0)  # <= 0: t0 is never behind a term
        # The three factors 2^(dt/h) in one exp2 call over a (3, k) block.
        factor = np.divide(dt, self.half_life[:, None])
        np.exp2(factor, out=factor)
        # Float64 sums: the state is float32, but a sum over a million terms needs the digits.
        # np.sum of products, not np.dot: BLAS picks its kernel per CPU (README, "Reproducibility").
        # float32 * float64: the ufunc converts each value to float64 first, as astype did.
        if out is None:
            return [np.multiply(x, f) for x, f in zip((excess, *values), factor, strict=True)]
        for x, f, o in zip((excess, *values), factor, out, strict=True):
            np.multiply(x, f, out=o)
        return list(out)

    def rebase(self, t: float) -> None:
        """Move the reference time forward to ``t``."""
        if t > self.t0:
            self.sums *= np.exp2(-(t - self.t0) / self.half_life)
            self.t0 = t

    def replace(self, removed: F64, added: F64, t_max: float) -> None:
        """Swap a batch's terms: ``removed`` (before its touch), ``added`` (after, at ``t_max``).

        ``removed`` are the terms at the current reference time, ``added`` at the reference time
        after the rebase to ``t_max``; each is summed over the whole batch, one sum per quantity.
        """
        self.sums -= np.array([np.sum(r) for r in removed])
        self.rebase(t_max)
        self.sums += np.array([np.sum(r) for r in added])

    def at(self, now: float) -> tuple[float, float, float]:
        """Mean warmth, annoyance and familiarity over all prospects at ``now``."""
        self.rebase(now)
        w, f, a = self.sums / self.n
        return self.base_mean + float(w), float(a), float(f)
