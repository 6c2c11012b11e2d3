"""History matching's emulator: which candidate worlds are worth simulating.

A world is accepted only by simulation (:mod:`sim.validation.worlds`), but most of a box of
thirty-odd parameters misses some target, and simulating every candidate would spend most of
the time on worlds that are rejected. History matching (Craig, Goldstein, Seheult and Smith
1997; Vernon, Goldstein and Bower 2010; Andrianakis et al. 2015) fits a cheap emulator of each
target to a first wave of simulations, and rules out the candidates whose emulated value is
*implausibly* far outside the target's range: more than :data:`CUTOFF` times the emulator's own
error. What remains ("not ruled out yet") is simulated and judged.

The emulator here is an ordinary least-squares regression (statsmodels) of each target, on a log
scale for a ratio or rate with a two-sided range, on a constant and the parameters' unit
coordinates, and their squares once there are enough runs (:data:`RUNS_PER_COLUMN`). Its error
is the root mean square of the leave-one-out (PRESS) residuals, so a candidate is ruled out only
when even an out-of-sample miss of three typical errors would not bring it in range. How many of
the worlds accepted so far each wave's screen would have ruled out is written in the record.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import statsmodels.api as sm

from sim.model.arrays import F64
from sim.validation.probes import Check

#: A candidate is ruled out when some target's emulated value lies more than this many emulator
#: errors outside its range (the usual three-sigma rule of history matching, Pukelsheim 1994).
CUTOFF = 3.0


#: Squares join the regression once there are this many runs per column: before that the
#: emulator is linear (a constant and the coordinates), which a first wave can support.
RUNS_PER_COLUMN = 3


def features(unit: F64, squares: bool) -> F64:
    """Regression columns: a constant, the centred unit coordinates, and their squares."""
    z = np.asarray(unit, dtype=np.float64) - 0.5
    cols = [np.ones((z.shape[0], 1)), z] + ([z * z] if squares else [])
    return np.hstack(cols)


def on_log(check: Check) -> bool:
    """Whether a target is emulated on a log scale: a positive range bounded on both sides."""
    return check.low is not None and check.high is not None and check.low > 0


def _scale(check: Check, values: F64) -> F64:
    v = np.asarray(values, dtype=np.float64)
    if not on_log(check):
        return v
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(v > 0, np.log(np.where(v > 0, v, 1.0)), -np.inf)


@dataclass(frozen=True)
class Emulator:
    """One regression per target: coefficients (features x targets) and errors (targets)."""

    checks: tuple[Check, ...]
    coef: F64
    error: F64
    squares: bool

    @classmethod
    def fit(
        cls, checks: Sequence[Check], unit: F64, values: Sequence[Mapping[str, float]]
    ) -> Emulator:
        """Fit every target's regression to simulated ``values`` at points ``unit``."""
        squares = len(unit) >= RUNS_PER_COLUMN * (2 * np.shape(unit)[1] + 1)
        x = features(unit, squares)
        coefs, errors = [], []
        for c in checks:
            y = _scale(c, np.array([v[c.key] for v in values]))
            ok = np.isfinite(y)
            res = sm.OLS(y[ok], x[ok]).fit()
            press = np.asarray(res.get_influence().resid_press)
            coefs.append(np.asarray(res.params))
            errors.append(math.sqrt(float(np.mean(press[np.isfinite(press)] ** 2))))
        return cls(tuple(checks), np.column_stack(coefs), np.array(errors), squares)

    def predict(self, unit: F64) -> F64:
        """Emulated targets (on their emulation scale), one row per point."""
        return np.asarray(features(unit, self.squares) @ self.coef)

    def implausibility(self, unit: F64) -> F64:
        """Per point, the largest distance outside a target's range, in emulator errors."""
        mean = self.predict(unit)
        worst = np.zeros(mean.shape[0])
        for j, c in enumerate(self.checks):
            outside = np.zeros(mean.shape[0])
            if c.low is not None:
                outside = np.maximum(outside, float(_scale(c, np.array(c.low))) - mean[:, j])
            if c.high is not None:
                outside = np.maximum(outside, mean[:, j] - float(_scale(c, np.array(c.high))))
            worst = np.maximum(worst, outside / max(float(self.error[j]), 1e-12))
        return worst

    def plausible(self, unit: F64, cutoff: float = CUTOFF) -> np.ndarray:
        """Which points are not ruled out (implausibility at most ``cutoff``)."""
        return np.asarray(self.implausibility(unit) <= cutoff)


#: At most this many emulators per screen, each refocused on what the ones before kept.
LEVELS = 3


@dataclass(frozen=True)
class Screen:
    """Refocused emulators: each fitted to the runs that the ones before it did not rule out.

    History matching's waves refit the emulator inside the space not yet ruled out, where it
    need not follow the targets across the whole box and so errs less (Vernon, Goldstein and
    Bower 2010). Here the runs of every wave so far are used again: the first emulator on all of
    them, the next on those the first keeps, while they are enough for a fit with squares
    (:data:`RUNS_PER_COLUMN` per column) and the focus narrows by a tenth or more. A point is
    kept when every emulator keeps it.
    """

    emulators: tuple[Emulator, ...]

    @classmethod
    def fit(
        cls, checks: Sequence[Check], unit: F64, values: Sequence[Mapping[str, float]]
    ) -> Screen:
        """The emulators for runs at ``unit`` with simulated ``values``."""
        inside = np.ones(len(unit), dtype=bool)
        # A refocused emulator is worth it only with its squares: a linear one errs more
        # inside the region than the full one fitted to every run.
        fewest = RUNS_PER_COLUMN * (2 * np.shape(unit)[1] + 1)
        emulators: list[Emulator] = []
        for _ in range(LEVELS):
            rows = np.flatnonzero(inside)
            emulators.append(Emulator.fit(checks, unit[rows], [values[int(i)] for i in rows]))
            kept = inside & emulators[-1].plausible(unit)
            if kept.sum() < fewest or kept.sum() > 0.9 * inside.sum():
                break
            inside = kept
        return cls(tuple(emulators))

    def plausible(self, unit: F64, cutoff: float = CUTOFF) -> np.ndarray:
        """Which points every emulator keeps: the last at ``cutoff``, the others at three.

        The refocused (last) emulator is the one that knows the region best: a final wave
        that samples inside the emulated region asks it for a smaller cutoff.
        """
        keep = np.ones(len(unit), dtype=bool)
        for i, emulator in enumerate(self.emulators):
            last = i == len(self.emulators) - 1
            keep &= emulator.plausible(unit, cutoff if last else CUTOFF)
        return keep


def held_out_recall(
    checks: Sequence[Check],
    unit: F64,
    values: Sequence[Mapping[str, float]],
    accepted: np.ndarray,
    cutoffs: Sequence[float],
) -> dict[str, float]:
    """Per cutoff, the share of the ``accepted`` runs a screen fitted without them keeps.

    The screen is fitted to the rejected runs alone: how often a cutoff would have ruled out a
    world that meets every target, judged by emulators that never saw it.
    """
    if not accepted.any():
        return {}
    rows = np.flatnonzero(~accepted)
    screen = Screen.fit(checks, unit[rows], [values[int(i)] for i in rows])
    return {f"{c:g}": float(screen.plausible(unit[accepted], c).mean()) for c in cutoffs}
