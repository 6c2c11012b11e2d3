"""A fitted parameter: its config path, the term it moves, and the scale the optimiser sees.

Half-lives and spreads are fitted as logarithms, shares as log-odds, the rest as they are; an
interval is made on that scale and mapped back (docs/fitting.md, 3).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.arrays import F64, Floats


@dataclass(frozen=True)
class Param:
    """One fitted parameter: its config path, what it moves, and its scale in the optimiser.

    ``kind`` names the term it enters; ``index`` the channel or message for per-channel and
    per-message parameters. ``scale`` is ``linear``, ``log`` (a positive number, fitted as its
    logarithm) or ``logit`` (a share, fitted as its log-odds); intervals are made on that scale.
    """

    path: str
    kind: str
    index: int = -1
    scale: str = "linear"
    lower: float = -np.inf
    upper: float = np.inf


def sig(x: F64) -> F64:
    """The logistic function, without overflow."""
    return np.asarray(0.5 + 0.5 * np.tanh(0.5 * x))


def logsig(x: Floats) -> F64:
    """``log s(x)`` without overflow."""
    return np.asarray(-np.logaddexp(0.0, -x))


def natural(par: Param, v: float) -> float:
    """The parameter's natural value from its optimiser scale."""
    if par.scale == "log":
        return float(np.exp(v))
    if par.scale == "logit":
        return float(sig(np.asarray(v)))
    return float(v)


def dnatural(par: Param, v: float) -> float:
    """D natural / d optimiser value."""
    if par.scale == "log":
        return float(np.exp(v))
    if par.scale == "logit":
        s = float(sig(np.asarray(v)))
        return s * (1.0 - s)
    return 1.0


def to_scale(par: Param, value: float) -> float:
    """The optimiser's value for a natural ``value``."""
    if par.scale == "log":
        return float(np.log(value))
    if par.scale == "logit":
        return float(np.log(value) - np.log1p(-value))
    return float(value)
