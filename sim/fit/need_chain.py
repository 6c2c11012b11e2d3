"""Need as a two-state Markov chain between touches, summed by the forward-backward algorithm.

Between a prospect's touches ``k - 1`` and ``k`` the chain keeps the share ``x`` of its state:
``P(in at k) = pin + (state - pin) x`` (:func:`sim.model.response.need_probability`, with ``pin``
the stationary share). The fit (sim.fit.likelihood) sums the likelihood over the chain's paths.
"""

from __future__ import annotations

import numpy as np

from sim.model.arrays import F64


def forward_backward(E: F64, x: F64, pin: float) -> tuple[F64, F64, F64]:
    """Forward and backward variables of the chain, and the likelihood summed over its paths.

    ``E`` (R, n, K, Q, 2): the chance of what touch ``k`` shows in each need state (out, in);
    ``x`` (n, K): the chain's memory between touches. Returns alpha, beta and (R, n, Q).
    """
    K = E.shape[2]
    alpha = np.empty_like(E)
    prev = np.broadcast_to(np.array([1.0 - pin, pin]), E.shape[:2] + E.shape[3:]).copy()
    for k in range(K):
        if k:
            prev = step(alpha[:, :, k - 1], x[:, k], pin)
        alpha[:, :, k] = prev * E[:, :, k]
    L1q = alpha[:, :, K - 1].sum(axis=-1)  # (R, n, Q)
    beta = np.ones_like(E)
    for k in range(K - 1, 0, -1):
        beta[:, :, k - 1] = back(E[:, :, k] * beta[:, :, k], x[:, k], pin)
    return alpha, beta, L1q


def step(alpha: F64, x: F64, pin: float) -> F64:
    """One step of the need chain forward: ``alpha @ T`` with T from memory ``x`` (n,)."""
    xb = x[None, :, None]
    out_ = alpha[..., 0]
    in_ = alpha[..., 1]
    total = out_ + in_
    # P(in next) = pin + (state - pin) x ; P(out next) = 1 - that.
    to_in = pin * total * (1.0 - xb) + in_ * xb
    return np.stack([total - to_in, to_in], axis=-1)


def back(eb: F64, x: F64, pin: float) -> F64:
    """One step backward: ``T @ (E * beta)`` with T from memory ``x``."""
    xb = x[None, :, None]
    e_out, e_in = eb[..., 0], eb[..., 1]
    mean = (1.0 - pin) * e_out + pin * e_in  # from the stationary part
    from_out = (1.0 - xb) * mean + xb * e_out
    from_in = (1.0 - xb) * mean + xb * e_in
    return np.stack([from_out, from_in], axis=-1)
