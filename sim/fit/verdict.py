"""Whether a log identifies a fitted parameter, and if not, why (docs/fitting.md, 3).

A parameter is **not identified by this log** when the optimum pushes it to a bound, when the
likelihood is flat along it (the information is not positive definite there), or when its 95 %
interval is wider than a factor of 100. Every parameter the fit estimates lives on a log or
log-odds scale in the optimiser (half-lives and spreads as logarithms, bases, message values,
annoyance and habituation terms as log-odds or log-odds per unit), so one rule covers them all:
an interval wider than ``ln 100`` (about 4.6) on that scale. For a positive parameter fitted as a
logarithm it is exactly ``high / low > 100``; for a log-odds term it is a factor of 100 in the
odds the term multiplies. Such a parameter keeps the base model's value in the fitted model.
"""

from __future__ import annotations

import math

import numpy as np

from sim.fit.params import Param, natural
from sim.model.arrays import F64, B

#: The widest 95 % interval still called an estimate, on the fitting scale: a factor of 100.
MAX_WIDTH = math.log(100.0)
#: How close (on the fitting scale) to a bound counts as "at the bound".
AT_BOUND = 1e-3
NOT_IDENTIFIED = "not identified"


def too_wide(se: F64, z: float) -> B:
    """Whether each Wald interval ``u ± z se`` is wider than :data:`MAX_WIDTH` (nan: no)."""
    width = 2.0 * z * np.nan_to_num(np.asarray(se, np.float64), nan=0.0)
    return np.asarray(width > MAX_WIDTH)


def at_bound(u: F64, params: list[Param]) -> B:
    """Whether the optimum sits at (or within :data:`AT_BOUND` of) each parameter's bound."""
    return np.array(
        [u[j] <= p.lower + AT_BOUND or u[j] >= p.upper - AT_BOUND for j, p in enumerate(params)],
        np.bool_,
    )


def bound_reason(par: Param, u: float) -> str:
    """``at lower bound 0.02``: which bound, in the parameter's own units."""
    side = "lower" if u - par.lower <= par.upper - u else "upper"
    value = natural(par, par.lower if side == "lower" else par.upper)
    return f"at {side} bound {value:.4g}"


def wide_reason(par: Param, u: float, se: float, z: float) -> str:
    """``interval 4e-06 to 1.99e+04 wider than 100x``, in the parameter's own units."""
    lo, hi = natural(par, u - z * se), natural(par, u + z * se)
    if par.scale == "log":
        return f"interval {lo:.3g} to {hi:.3g} wider than 100x"
    return (
        f"interval {lo:.3g} to {hi:.3g} spans {2 * z * se:.3g} log-odds, wider than 100x "
        f"(ln 100 = {MAX_WIDTH:.2f})"
    )


FLAT_REASON = "flat: the likelihood does not curve along it"


def kept_note(optimum: float, default: float) -> str:
    """What the fitted model uses instead of the optimum, said in the estimate's note."""
    return f"the optimum was {optimum:.4g}; the fitted model keeps the base model's {default:.4g}"


def wide_natural(low: float, high: float, scale: str) -> bool:
    """A closed-form interval (reply delays) wider than 100x: ratio for positive values."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return False
    if scale == "log" or low > 0.0:
        return high > 100.0 * low
    return high - low > MAX_WIDTH
