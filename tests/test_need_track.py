"""``NeedTrack.at`` equals the straightforward episode-by-episode walk of main at 807a10e.

The optimised walk carries the moving prospects' state, episode and end time from pass to pass
instead of gathering them again; the trajectory (and so every table) must not change.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import numpy.typing as npt

from sim.model.need import NeedTrack


class ReferenceNeedTrack(NeedTrack):
    """``NeedTrack`` with main's ``at`` (807a10e), kept verbatim."""

    def at(
        self, idx: npt.NDArray[np.intp], t: npt.NDArray[np.float64] | float
    ) -> npt.NDArray[np.bool_]:
        t = np.broadcast_to(np.asarray(t, np.float64), idx.shape)
        sel = np.flatnonzero(self.until[idx] <= t)
        while sel.size:
            who = idx[sel]
            self.state[who] = ~self.state[who]
            self.episode[who] += 1
            self.until[who] += self._length(who, self.episode[who], self.state[who])
            sel = sel[self.until[who] <= t[sel]]
        return self.state[idx]


def test_at_walks_the_same_trajectory() -> None:
    rng = np.random.default_rng(0)
    n = 5000
    start = rng.random(n) < 0.3
    key = np.uint64(12345)
    new, ref = NeedTrack(key, start, 3.0, 9.0), ReferenceNeedTrack(key, start, 3.0, 9.0)
    now = np.zeros(n)
    for step in range(60):
        idx = rng.choice(n, size=int(rng.integers(1, 3000)), replace=False)
        # Times never earlier than a prospect's last look; some jump many episodes ahead.
        now[idx] += rng.exponential(1.0 if step % 5 else 40.0, idx.size)
        t: npt.NDArray[np.float64] | float = now[idx]
        if step % 7 == 0:  # a scalar time, as the day's replies are looked at
            t = float(now[idx].max())
            now[idx] = t
        np.testing.assert_array_equal(new.at(idx, t), ref.at(idx, t))
    for name in ("state", "episode", "until"):
        np.testing.assert_array_equal(getattr(new, name), getattr(ref, name))
    assert new.episode.max() > 10  # many passes of the walk


def test_at_reads_only_the_prospects_it_is_asked_about() -> None:
    """A look at a few prospects allocates for those few, not for every prospect.

    The engine keeps ``until`` and ``state`` in the prospects' records, strided columns of one
    array. ``ndarray.take`` copies a strided source whole before it gathers: with it, each look
    at a handful of prospects copied every prospect's column (8 MB a call at a million
    prospects; docs/performance.md, "The touch path").
    """
    n = 200_000
    records = np.zeros((n, 8))  # 64-byte rows, as the prospect records
    state = records.view(np.uint8)[:, 40].view(np.bool_)
    track = NeedTrack(np.uint64(7), np.zeros(n, np.bool_), 3.0, 9.0, records[:, 3], state)
    assert track.until.strides == (64,) and track.state.strides == (64,)
    idx = np.array([5, 70_000, 199_999])
    when = float(track.until[idx].max()) + 1.0  # every one of them has moved on
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        moved = track.at(idx, when)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert peak < 64_000, f"{peak} bytes for 3 prospects: a whole column was copied"
    np.testing.assert_array_equal(moved, track.state[idx])
    assert (track.until[idx] > when).all()
