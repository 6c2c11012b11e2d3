"""A fitted model's evidence: what its touch log contains (``model.fitted_log``).

A model fitted to a team's log (``outreach-sim-fit``) knows the response to what the log holds:
its channel and message combinations, the gaps between one prospect's touches, how many touches
a prospect received, how many within a day. Outside that range the fitted model extrapolates: a
LinkedIn step with a resource message, when the log has none, gets whatever the fitted bases and
the default message values imply, with nothing in the log to check it. :class:`LogSupport` is
that range, as config data written by the fit (:func:`support_of`);
:mod:`sim.model.extrapolation` names each cadence step that leaves it (docs/fitting.md,
"Extrapolation warnings").
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from sim.model.arrays import F64
from sim.model.channels import CHANNELS
from sim.model.checks import ConfigError, nonneg, ranged
from sim.model.messages import MESSAGES


@dataclass(kw_only=True)
class LogSupport:
    """The range of what a fitted model's touch log contains (``model.fitted_log``)."""

    log: str  # the log the model was fitted to, as given to outreach-sim-fit
    prospects: int = ranged(1, None)
    pairs: list[str] = field(default_factory=list)  # "channel/message" combinations in the log
    min_gap_days: float = nonneg()  # shortest time between consecutive touches of one prospect
    max_gap_days: float = nonneg()  # longest such time
    max_touches: int = ranged(1, None)  # most touches one prospect received
    max_touches_per_day: int = ranged(1, None)  # most touches of one prospect within 24 hours


def pair_name(channel: int, message: int) -> str:
    """``social/resource``: a channel and message combination as the support lists it."""
    return f"{CHANNELS[channel]}/{MESSAGES[message]}"


def support_of(
    log: str,
    prospect: npt.NDArray[np.integer],
    time: F64,
    channel: npt.NDArray[np.integer],
    message: npt.NDArray[np.integer],
) -> LogSupport:
    """The support of a log given as one row per touch (``time`` in days; any row order)."""
    order = np.lexsort((time, prospect))
    p, t = np.asarray(prospect)[order], np.asarray(time, np.float64)[order]
    codes = np.unique(np.asarray(channel) * len(MESSAGES) + np.asarray(message))
    pairs = [pair_name(int(c) // len(MESSAGES), int(c) % len(MESSAGES)) for c in codes]
    same = p[1:] == p[:-1]
    gaps = np.diff(t)[same]
    # Touches of one prospect within [t, t + 1 day) of each touch: times keyed by prospect, a
    # stride apart wider than the log, so a window never reaches the next prospect's touches.
    stride = float(t.max() - t.min()) + 2.0 if t.size else 2.0
    key = (p - p.min() if p.size else p) * stride + (t - (t.min() if t.size else 0.0))
    in_day = np.searchsorted(key, key + 1.0, side="left") - np.arange(key.size)
    return LogSupport(
        log=log,
        prospects=int(np.unique(p).size),
        pairs=pairs,
        min_gap_days=float(gaps.min()) if gaps.size else 0.0,
        max_gap_days=float(gaps.max()) if gaps.size else 0.0,
        max_touches=int(np.bincount(np.unique(p, return_inverse=True)[1]).max()) if p.size else 1,
        max_touches_per_day=int(in_day.max()) if in_day.size else 1,
    )


def check_support(support: LogSupport | None, path: str = "model.fitted_log") -> None:
    """Refuse a support that names a channel or message that does not exist, or gaps reversed.

    Raises:
        ConfigError: naming the field, the value and what is allowed.
    """
    if support is None:
        return
    known = {f"{c}/{m}" for c in CHANNELS for m in MESSAGES}
    bad = [p for p in support.pairs if p not in known]
    if bad or not support.pairs:
        raise ConfigError(
            f"{path}.pairs",
            bad or [],
            f"channel/message pairs such as email/benefit_led (channels: {', '.join(CHANNELS)}; "
            f"messages: {', '.join(MESSAGES)})",
        )
    if support.min_gap_days > support.max_gap_days:
        raise ConfigError(
            f"{path}.min_gap_days",
            support.min_gap_days,
            f"at most max_gap_days ({support.max_gap_days})",
        )
