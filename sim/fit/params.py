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
    """``log s(x) = min(x, 0) - log(1 + e^-|x|)``: without overflow, one exponential."""
    x = np.asarray(x, np.float64)
    tail = np.abs(x)
    np.negative(tail, out=tail)
    np.exp(tail, out=tail)
    np.log1p(tail, out=tail)
    return np.asarray(np.minimum(x, 0.0) - tail)


def sig_pair(x: F64) -> tuple[F64, F64]:
    """``s(x)`` and ``1 - s(x) = s(-x)``, each to full precision, from one exponential.

    With ``e = exp(-|x|)``: ``s(-|x|) = e / (1 + e)`` and ``s(|x|) = 1 / (1 + e)``; the two
    swap where ``x >= 0`` (few of the fit's log-odds are).
    """
    big = np.abs(x)
    np.negative(big, out=big)
    e = np.exp(big)
    np.add(e, 1.0, out=big)
    np.reciprocal(big, out=big)  # s(|x|)
    np.multiply(e, big, out=e)  # s(-|x|)
    up = np.flatnonzero(x.reshape(-1) >= 0.0)
    s, q = e.reshape(-1), big.reshape(-1)
    s_up = q[up]
    q[up] = s[up]
    s[up] = s_up
    return e, big


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
