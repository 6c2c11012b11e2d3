"""``NeedTrack.at`` equals the straightforward episode-by-episode walk of main at 807a10e.

The optimised walk carries the moving prospects' state, episode and end time from pass to pass
instead of gathering them again; the trajectory (and so every table) must not change.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from sim.need import NeedTrack


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
