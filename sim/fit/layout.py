"""Where each hidden path's touches live: one flat array per quantity, laid out step by step.

A group of ``n`` prospects on ``R`` hidden paths has ``R x touches`` (path, touch) cells, not
``R x n x K`` with ``K`` the longest history: a log where most prospects got three calls and a few
got sixty would otherwise pay for sixty everywhere (a bank-like log: eleven times the cells, and
the fit's memory with them; docs/performance.md). Block ``k`` holds touch ``k`` of every prospect
that has one, as ``(R, n_k)`` path-major, with the prospects ordered by descending history length
(:attr:`Layout.rank`): block ``k``'s prospects are the first ``n_k`` of block ``k - 1``'s, so a
recursion over a prospect's touches (annoyance, the need chain) reads the previous block by
slicing, for every prospect and path at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Index = npt.NDArray[np.intp]


@dataclass(frozen=True)
class Layout:
    """The cells of ``R`` paths of ``n`` prospects' touches, step-major (see the module)."""

    R: int
    n: int
    rank: Index  # (n,) each prospect's place within a block
    order: Index  # (n,) the prospect at each place: rank's inverse
    sizes: Index  # (K,) prospects with a touch k: n_k
    off: Index  # (K + 1,) where block k starts
    row: Index  # (cells,) the log row of each cell
    path: Index  # (cells,) r * n + i: the path and prospect of each cell

    @classmethod
    def of(cls, prospect: npt.NDArray[np.int64], pos: Index, n: int, R: int) -> Layout:
        """The layout of a log's rows (``prospect`` and touch number ``pos`` of each) on R paths."""
        lengths = np.bincount(prospect, minlength=n)
        K = int(lengths.max()) if n else 0
        order = np.argsort(-lengths, kind="stable").astype(np.intp)
        rank = np.empty(n, np.intp)
        rank[order] = np.arange(n)
        sizes = (n - np.cumsum(np.bincount(lengths, minlength=K + 1))[:K]).astype(np.intp)
        off = np.concatenate([[0], np.cumsum(R * sizes)]).astype(np.intp)
        r = np.arange(R)[:, None]
        cells = off[pos][None, :] + r * sizes[pos][None, :] + rank[prospect][None, :]
        row = np.empty(int(off[-1]), np.intp)
        path = np.empty(int(off[-1]), np.intp)
        row[cells] = np.arange(prospect.size)[None, :]
        path[cells] = r * n + prospect[None, :]
        return cls(R, n, rank, order, sizes, off, row, path)

    @property
    def steps(self) -> int:
        """The most touches of one prospect."""
        return int(self.sizes.size)

    @property
    def cells(self) -> int:
        """Number of (path, touch) cells."""
        return int(self.off[-1])

    def block(self, k: int) -> slice:
        """Block ``k``'s cells."""
        return slice(int(self.off[k]), int(self.off[k + 1]))

    def at(self, k: int, r: Index, i: Index) -> Index:
        """The cells of touch ``k`` of prospects ``i`` on paths ``r``."""
        return np.asarray(self.off[k] + r * self.sizes[k] + self.rank[i], np.intp)

    def carried(self, k: int, values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Block ``k - 1``'s ``values`` (first axis) of the prospects that have a touch ``k``."""
        before = values.reshape(self.R, int(self.sizes[k - 1]), *values.shape[1:])
        return before[:, : self.sizes[k]].reshape(-1, *values.shape[1:])

    def ending(self, k: int) -> tuple[slice, Index]:
        """Block ``k``'s places of the prospects whose last touch is ``k``, and their r * n + i."""
        nk = int(self.sizes[k])
        nxt = int(self.sizes[k + 1]) if k + 1 < self.steps else 0
        ids = np.arange(self.R)[:, None] * self.n + self.order[None, nxt:nk]
        return slice(nxt, nk), ids.ravel()
