"""Need as a two-state Markov chain between touches, summed by the forward-backward algorithm.

Between a prospect's touches the chain keeps the share ``x`` of its state:
``P(in later) = pin + (state - pin) x`` with ``x = e^{-(on + off) gap}``
(:func:`sim.model.response.need_probability`, with ``pin`` the stationary share). The fit
(sim.fit.likelihood) sums the likelihood over the chain's paths.

Only the rows where a reply may come depend on the need state; on every other touch the chain
just moves on. So it visits those rows alone: two steps compose into one
(``x`` multiplies: ``e^{-(on+off)(t2 - t0)} = x1 x2``), and the chain starts at its stationary
share, which the steps before a path's first reply row leave as it is. The rows are laid out by
their order within each (path, prospect) (:class:`sim.fit.layout.Layout`, ``R = 1``, a
"prospect" per path and prospect): the recursions run over that order, every path at once, and
memory follows the reply rows, not prospects times the longest history.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.fit.layout import Index, Layout
from sim.fit.world import padded
from sim.model.arrays import F64


@dataclass(frozen=True)
class Chain:
    """The reply rows in the order the chain visits them."""

    lay: Layout  # over the reply rows: "prospect" r * n + i, "touch" the row's order within it
    cells: Index  # (m,) the likelihood's cell of each of the chain's rows, in chain order
    x: F64  # (m,) the chain's memory since the path's previous reply row (1: its first)

    @classmethod
    def of(cls, cells: Index, path: Index, t: F64, paths: int, rate: float) -> Chain:
        """The chain over ``cells``, given each cell's ``path`` and time ``t``; ``rate``: on+off."""
        who = path[cells]
        order = np.lexsort((cells, who))  # by path, then touch (cells are step-major)
        cells, who = cells[order], who[order]
        nth, _ = padded(who.astype(np.int64), paths)
        when = t[cells]
        gap = when - when[np.where(nth > 0, np.arange(nth.size) - 1, np.arange(nth.size))]
        lay = Layout.of(who.astype(np.int64), nth, paths, 1)
        return cls(lay, cells[lay.row], np.exp(-rate * gap)[lay.row])

    @property
    def path(self) -> Index:
        """(m,) r * n + i of each of the chain's rows."""
        return self.lay.path


def forward(chain: Chain, E: F64, pin: float) -> tuple[F64, F64]:
    """The forward variables (m, Q, 2) and each path's total over the chain (paths, Q).

    ``E`` (m, Q, 2): the chance of what each reply row shows in each need state (out, in), in
    chain order. A path with no reply row has the total 1.
    """
    lay = chain.lay
    Q = E.shape[1]
    alpha = np.empty_like(E)
    total = np.ones((lay.n, Q))
    for k in range(lay.steps):
        blk = lay.block(k)
        if k == 0:
            cur = np.array([1.0 - pin, pin]) * E[blk]
        else:
            cur = step(lay.carried(k, alpha[lay.block(k - 1)]), chain.x[blk], pin) * E[blk]
        alpha[blk] = cur
        places, ids = lay.ending(k)
        total[ids] = cur[places].sum(axis=-1)
    return alpha, total


def backward(chain: Chain, E: F64, pin: float) -> F64:
    """The backward variables (m, Q, 2): the chance of what the path's later reply rows show."""
    lay = chain.lay
    beta = np.empty_like(E)
    for k in range(lay.steps - 1, -1, -1):
        cur = np.ones((int(lay.sizes[k]), *E.shape[1:]))
        if k + 1 < lay.steps:
            nxt = lay.block(k + 1)
            cur[: lay.sizes[k + 1]] = back(E[nxt] * beta[nxt], chain.x[nxt], pin)
        beta[lay.block(k)] = cur
    return beta


def step(alpha: F64, x: F64, pin: float) -> F64:
    """One step of the need chain forward: ``alpha @ T`` with T from memory ``x`` (one per row)."""
    xb = x[:, None]
    out_ = alpha[..., 0]
    in_ = alpha[..., 1]
    total = out_ + in_
    # P(in next) = pin + (state - pin) x ; P(out next) = 1 - that.
    to_in = pin * total * (1.0 - xb) + in_ * xb
    return np.stack([total - to_in, to_in], axis=-1)


def back(eb: F64, x: F64, pin: float) -> F64:
    """One step backward: ``T @ (E * beta)`` with T from memory ``x`` (one per row)."""
    xb = x[:, None]
    e_out, e_in = eb[..., 0], eb[..., 1]
    mean = (1.0 - pin) * e_out + pin * e_in  # from the stationary part
    from_out = (1.0 - xb) * mean + xb * e_out
    from_in = (1.0 - xb) * mean + xb * e_in
    return np.stack([from_out, from_in], axis=-1)
