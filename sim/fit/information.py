"""The observed information of a fit, and what it says: covariances, and confounded pairs.

The information is the Hessian of the negative log-likelihood at the optimum, by finite
differences of the exact gradient; its inverse is the covariance of the estimates (docs/fitting.md).
Where it is not positive definite, the parameter the log cannot pin down is set aside.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
from scipy import optimize

from sim.fit.likelihood import Likelihood
from sim.model.arrays import F64, B, IntArray

#: |correlation| of two estimates at which the pair is reported as confounded.
CONFOUNDED = 0.9
#: Threads the groups of a likelihood are worked out on (the 2 cores of the target machine).
THREADS = 2


class Joint:
    """The sum of independent groups' likelihoods (prospects are independent).

    The groups are worked out on two threads: NumPy's array work releases the GIL, so the two
    groups of a fit (silent prospects, and those with an outcome) use both cores. The sum is
    taken in the groups' order, whatever finishes first. The last point's value is kept: the
    optimiser and the information often ask for the point they were just given.
    """

    def __init__(self, groups: list[Likelihood]) -> None:
        self.groups = groups
        self._last: tuple[bytes, float, F64] | None = None

    def __call__(self, u: F64) -> tuple[float, F64]:
        """Negative log-likelihood and gradient, summed over the groups."""
        key = np.asarray(u, np.float64).tobytes()
        if self._last is not None and self._last[0] == key:
            return self._last[1], self._last[2].copy()
        if len(self.groups) > 1:
            with ThreadPoolExecutor(max_workers=THREADS) as pool:
                parts = list(pool.map(lambda g: g(u), self.groups))
        else:
            parts = [g(u) for g in self.groups]
        total, grad = 0.0, np.zeros(u.size)
        for v, d in parts:
            total += v
            grad += d
        self._last = (key, total, grad.copy())
        return total, grad


def information(lik: Joint, u: F64, inner: IntArray) -> F64:
    """Observed information (u.size square; nan outside ``inner``): the Hessian of -log L.

    By forward differences of the exact gradient, symmetrised; parameters outside ``inner``
    (at a bound) are held fixed.
    """
    step = 1e-4 * np.maximum(1.0, np.abs(u[inner]))

    def gradient(v: F64) -> F64:
        full = u.copy()
        full[inner] = v
        return lik(full)[1][inner]

    H = np.full((u.size, u.size), np.nan)
    sub = optimize.approx_fprime(u[inner], gradient, step)
    H[np.ix_(inner, inner)] = 0.5 * (sub + sub.T)
    return H


def covariance(H: F64, use: B) -> tuple[F64, B]:
    """Inverse of the information over ``use``; and the parameters found not identified.

    Where the information is not positive definite, the likelihood is flat (or curves the wrong
    way) along some direction: the parameter that weighs most in the eigenvector of the smallest
    eigenvalue is set aside, as not identified, and the rest inverted again.
    """
    use = use.copy()
    flat = np.zeros(use.size, np.bool_)
    cov = np.full_like(H, np.nan)
    while use.any():
        idx = np.flatnonzero(use)
        sub = H[np.ix_(idx, idx)]
        values, vectors = np.linalg.eigh(sub)
        if values[0] > 1e-8 * max(1.0, float(values[-1])):
            cov[np.ix_(idx, idx)] = np.linalg.inv(sub)
            break
        worst = idx[int(np.argmax(np.abs(vectors[:, 0])))]
        use[worst] = False
        flat[worst] = True
    return cov, flat


def confounded_pairs(names: list[str], cov: F64) -> list[tuple[str, str, float]]:
    """Pairs whose estimates correlate at least :data:`CONFOUNDED` in absolute value."""
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)
    out = []
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            if abs(corr[i, j]) >= CONFOUNDED:
                out.append((names[i], names[j], float(corr[i, j])))
    return out
