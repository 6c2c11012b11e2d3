"""Latent need: whether a prospect is in market, as a property of the prospect over time.

Each prospect alternates between in-market and out-of-market episodes whose lengths are
exponential with means ``need_mean_in_market_days`` and ``need_mean_out_of_market_days`` (an
alternating renewal process; with exponential lengths, the two-state Markov chain of seed 004's
"what they required yesterday may not be on the radar today"). Episode ``k`` of prospect ``i`` has
its length drawn from the keyed draw (replicate, ``i``, ``k``): the whole trajectory is fixed by the
prospect and the replicate, so every arm meets the same need at the same time, whatever it did
before. The trajectory is advanced lazily, only for the prospects an event looks at.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from sim.model.arrays import F64, B
from sim.model.draws import Purpose, counters, uniform

#: Prospects whose first episode is drawn at once (bounds the temporaries).
CHUNK = 1 << 16


def need_at_start(key: np.uint64, n: int, share: float) -> B:
    """In market at day 0: with the stationary share, a keyed draw per prospect."""
    out = np.empty(n, np.bool_)
    for lo in range(0, n, CHUNK):
        idx = np.arange(lo, min(lo + CHUNK, n))
        out[idx] = uniform(counters(key, idx, 0), Purpose.NEED_START) < share
    return out


class NeedTrack:
    """The in-market state of ``n`` prospects, advanced lazily episode by episode."""

    def __init__(
        self,
        key: np.uint64,
        start: B,
        mean_in: float,
        mean_out: float,
        until: F64 | None = None,
        state: B | None = None,
    ) -> None:
        """A track of ``start.size`` prospects, in market at first where ``start``.

        ``until`` and ``state``: arrays of ``start.size`` to keep the track in (filled here),
        such as the columns of a prospect record (sim.model.population.ProspectState); default: new.
        """
        self.key = key
        self.mean = np.array([mean_out, mean_in], dtype=np.float64)  # by state (False, True)
        self.state = np.empty(start.size, np.bool_) if state is None else state
        self.state[:] = start
        self.episode = np.zeros(start.size, np.uint16)
        self.until = np.empty(start.size, np.float64) if until is None else until
        # In slices: the draws' temporaries for a million prospects at once would cost ~50 MB.
        for lo in range(0, start.size, CHUNK):
            idx = np.arange(lo, min(lo + CHUNK, start.size))
            self.until[idx] = self._length(idx, 0, self.state[idx])

    def _length(self, idx: npt.NDArray[np.intp], episode: npt.ArrayLike, state: B) -> F64:
        """Length of episode ``episode`` of prospects ``idx`` in ``state``: exponential."""
        u = uniform(counters(self.key, idx, episode), Purpose.NEED_EPISODE)
        return -self.mean[state.astype(np.intp)] * np.log1p(-u)

    def at(self, idx: npt.NDArray[np.intp], t: F64 | float) -> B:
        """In market or not, for prospects ``idx`` at times ``t`` (never earlier than before).

        ``idx`` holds each prospect once (as a touch batch or the day's replies do).
        """
        t = np.asarray(t, np.float64)
        # Fancy indexing, not ``take``: ``until`` and ``state`` may be strided columns of the
        # prospect records, and ``take`` first copies a strided array whole (every prospect).
        until = self.until[idx]
        hit = np.flatnonzero(until <= t)  # a few in a hundred: positions, not a mask to compress
        if hit.size:
            # The prospects whose episode ended: their state, episode and end time, carried from
            # pass to pass (a few passes: each prospect moves one episode per pass), so that a
            # pass gathers nothing and stores what changed.
            who, end = idx.take(hit), until.take(hit)
            t_hit = t if t.ndim == 0 else t.take(hit)  # one time for all (the day's replies)
            state, episode = self.state[who], self.episode[who]
            while True:
                state = ~state
                episode = episode + 1
                end += self._length(who, episode, state)
                self.state[who], self.episode[who], self.until[who] = state, episode, end
                more = end <= t_hit
                if not more.any():
                    break
                who, end = who[more], end[more]
                t_hit = t_hit if t_hit.ndim == 0 else t_hit[more]
                state, episode = state[more], episode[more]
        return self.state[idx]
