"""The plausible range of each parameter the default model's worlds vary, and why.

Two kinds of parameter vary across the worlds (:mod:`sim.validation.worlds`):

- the **calibrated** ones (:data:`sim.validation.calibration_loss.FREE`): the published targets pin
  them down, and the ensemble samples a box around the fit. The box is the fit record's
  one-at-a-time interval where every target holds (``docs/calibration/fit.json``), widened
  :data:`BOX_WIDEN` times about the current value on each side plus :data:`BOX_PAD` of the
  calibration bounds (the profile's own resolution), clipped to the bounds. How far the targets
  narrow such a parameter is measured against the calibration bounds: the range the fit was
  allowed to search.
- the **judgement** ones (:data:`JUDGEMENT`): the spacing, annoyance, habituation, recovery,
  decay, need and meeting terms that comparisons of cadences depend on and that no target pins
  down. Each is drawn over a range set by one rule per kind of parameter, around its current
  value, never with a seed claim or a study's lesson in view:

  - a **duration or a size** (a half-life, a mean episode, an increment per touch): log-uniform
    over the value divided and multiplied by a factor (3 where only judgement stands behind the
    value; 2 where a published figure anchors it);
  - a **signed effect** (log-odds per unit of a state or per exposure): uniform from 0 (the
    mechanism absent) to twice the value. The seeds give the direction of each effect, not its
    size.

:func:`status` turns the accepted worlds' spread into identified / weak / prior.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from sim.model.arrays import F64
from sim.validation.calibration_loss import FREE

#: The calibrated parameters' box: the one-at-a-time "every target holds" distance on each side
#: of the value, times this, ...
BOX_WIDEN = 3.0
#: ... plus this share of the calibration bounds (the profile's resolution is 1 %).
BOX_PAD = 0.02
#: Without a profile (``make calibrate ARGS=--no-ranges``): this share of the bounds each side.
BOX_NO_PROFILE = 0.05

#: Status rule: the accepted worlds' 5-95 % range as a share of the prior range (on the scale
#: the parameter is drawn on). Below this: ``identified``; ...
IDENTIFIED_BELOW = 0.25
#: ... below this: ``weak``; otherwise ``prior`` (a uniform prior's own 5-95 % range is 0.9).
WEAK_BELOW = 0.75


@dataclass(frozen=True)
class Prior:
    """A varied parameter: where it is drawn, on what scale, and what its spread is judged by.

    ``low``-``high`` is the sampling range; ``ref_low``-``ref_high`` the prior range that the
    status compares the accepted spread with (the same range for a judgement parameter, the
    calibration bounds for a calibrated one).
    """

    name: str  # dotted ModelConfig path, as reported (the first of ``paths``)
    paths: tuple[str, ...]  # every dotted path it sets (tied values)
    low: float
    high: float
    log: bool
    ref_low: float
    ref_high: float
    kind: str  # "calibrated" or "judgement"
    reason: str

    def values(self, unit: F64) -> F64:
        """Values for points of the unit interval (log-uniform when ``log``)."""
        u = np.asarray(unit, dtype=np.float64)
        if self.log:
            return np.asarray(np.exp(np.log(self.low) + u * math.log(self.high / self.low)))
        return np.asarray(self.low + u * (self.high - self.low))

    def scaled(self, value: F64 | float) -> F64:
        """A value on the drawing scale (its log when ``log``), for widths and ranges."""
        v = np.asarray(value, dtype=np.float64)
        return np.log(v) if self.log else v


@dataclass(frozen=True)
class Judgement:
    """A judgement parameter's rule: ``scale`` (log-uniform, / and x factor) or ``signed``."""

    path: str
    rule: str  # "scale" or "signed"
    factor: float  # scale: the factor either way; signed: 2 (0 to twice the value)
    reason: str


def _scale(path: str, reason: str, factor: float = 3.0) -> Judgement:
    return Judgement(path, "scale", factor, reason)


def _signed(path: str, reason: str) -> Judgement:
    return Judgement(path, "signed", 2.0, reason)


#: The judgement parameters the worlds vary (docs/model.md gives each its mechanism and source).
JUDGEMENT: tuple[Judgement, ...] = (
    _scale(
        "annoyance_half_life_days",
        "how long irritation lasts: judgement of days, not measured; spacing depends on it",
    ),
    _scale("annoyance_increment.phone", "annoyance per call: judgement, no published figure"),
    _scale("annoyance_increment.email", "annoyance per email: judgement, no published figure"),
    _scale("annoyance_increment.sms", "annoyance per text: judgement, no published figure"),
    _scale("annoyance_increment.social", "annoyance per social message: judgement"),
    _signed("response_annoyance", "size of annoyance's effect on liking: judgement"),
    _signed("habituation_identical", "cost of repeating one identical message: judgement"),
    _signed("habituation_varied", "cost of a varied message of the same kind: judgement"),
    _scale(
        "habituation_recovery_days",
        "spontaneous recovery within weeks (Rankin et al. 2009); the half-life is judgement",
    ),
    _scale("familiarity_half_life_days", "how long a name is remembered: judgement of months"),
    _scale("warmth_half_life_days", "slow decay of a relationship: judgement of months"),
    _signed("response_need", "lift of being in market on a reply: judgement"),
    _scale(
        "need_mean_in_market_days",
        "Dawes 2021 (95:5): a buying window of about a month; categories differ",
        2.0,
    ),
    _scale(
        "need_mean_out_of_market_days",
        "Dawes 2021 (95:5): 5 % in market; with the window, 1-17 % at the range's corners",
        2.0,
    ),
    _signed("meeting_warmth", "a relationship's lift on booking a meeting: judgement"),
)


def judgement_prior(j: Judgement, value: float) -> Prior:
    """The prior of a judgement parameter around its current ``value``."""
    log = j.rule == "scale"
    if log:
        low, high = value / j.factor, value * j.factor
    else:
        low, high = min(0.0, j.factor * value), max(0.0, j.factor * value)
    return Prior(j.path, (j.path,), low, high, log, low, high, "judgement", j.reason)


def calibrated_prior(
    index: int, value: float, holds: Sequence[float] | None, fitted: float | None
) -> Prior:
    """The box of calibrated parameter ``FREE[index]`` around its current ``value``.

    ``holds`` and ``fitted`` are the fit record's interval and value: the interval's distances
    from the fitted value, widened, are laid around ``value``.
    """
    f = FREE[index]
    width = f.high - f.low
    if holds is None or fitted is None:
        below = above = BOX_NO_PROFILE * width
    else:
        below = BOX_WIDEN * (fitted - holds[0]) + BOX_PAD * width
        above = BOX_WIDEN * (holds[1] - fitted) + BOX_PAD * width
    low, high = max(f.low, value - below), min(f.high, value + above)
    paths = tuple(p.removeprefix("model.") for p in f.paths)
    reason = "calibrated: the fit's every-target-holds interval, widened"
    return Prior(f.name, paths, low, high, False, f.low, f.high, "calibrated", reason)


def priors(current: Mapping[str, float], fit_record: Mapping[str, object] | None) -> list[Prior]:
    """Every varied parameter's prior: the calibrated ones, then the judgement ones.

    ``current`` maps each dotted path to the model's current value; ``fit_record`` is
    ``docs/calibration/fit.json`` (None: no profile, a narrow box).
    """
    records: dict[str, Mapping[str, object]] = {}
    if fit_record is not None:
        params = fit_record.get("parameters", [])
        assert isinstance(params, list)
        records = {str(p["name"]): p for p in params}
    out = []
    for i, f in enumerate(FREE):
        rec = records.get(f.name, {})
        holds = rec.get("holds")
        fitted = rec.get("fitted")
        out.append(
            calibrated_prior(
                i,
                current[f.name],
                holds if isinstance(holds, list) else None,
                float(fitted) if isinstance(fitted, int | float) else None,
            )
        )
    out += [judgement_prior(j, current[j.path]) for j in JUDGEMENT]
    return out


def status(prior: Prior, accepted: F64) -> tuple[str, float]:
    """Identified / weak / prior for a parameter's accepted values, and the width ratio.

    The ratio is the accepted 5-95 % range over the prior range, both on the drawing scale.
    """
    q05, q95 = np.quantile(prior.scaled(accepted), [0.05, 0.95])
    ref = float(prior.scaled(prior.ref_high) - prior.scaled(prior.ref_low))
    ratio = float(q95 - q05) / ref if ref > 0 else 0.0
    if ratio < IDENTIFIED_BELOW:
        return "identified", ratio
    return ("weak" if ratio < WEAK_BELOW else "prior"), ratio
