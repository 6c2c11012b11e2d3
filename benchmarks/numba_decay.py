"""How much a compiled touch step would gain: the decay step in Numba against NumPy.

Not part of the package and not run by the tests: Numba is not a dependency (docs/performance.md,
"Targets": what 3x would take). With ``numba`` installed (``pip install numba==0.68.1``),
``python benchmarks/numba_decay.py`` runs the benchmark's 100,000-prospect cadence, keeps one chunk
of a late working day as :func:`sim.model.touch.decay` saw it, and times the step's NumPy form (as
in ``decay``, without the need walk) against two ``@njit`` loops around NumPy's own ``exp2``
(NumPy's SIMD ``exp2`` and the C library's round differently, so the compiled loops leave it to
NumPy). It checks that both give the same bits, then prints the best of 30 calls each, with the
CPU's caches warm and with them evicted between calls (as the engine's other steps evict them).
"""

from __future__ import annotations

import copy
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

try:
    import numba
except ImportError:
    print(
        "numba_decay: needs numba (pip install numba==0.68.1); it is not a dependency",
        file=sys.stderr,
    )
    raise SystemExit(2) from None

from workload import benchmark_config  # noqa: E402

import sim.model.engine as engine  # noqa: E402
import sim.model.touch as touch  # noqa: E402
from sim.model.population import (  # noqa: E402
    A_COL,
    BASE_COL,
    COUNTS_COL,
    F_COL,
    T_STATE_COL64,
    W_COL,
)
from sim.run.api import run_arms  # noqa: E402

PROSPECTS = 100_000
REPEAT = 30
#: A form of the decay step: what it worked out, as arrays.
Step = Callable[[], tuple[np.ndarray, ...]]


def capture() -> tuple[Any, Any]:
    """The world and the touch of one large chunk after day 20, with the records as they were."""
    caught: list[tuple[Any, Any, np.ndarray]] = []

    def spy(world: Any, b: Any) -> None:
        if not caught and b.idx.size > 10_000 and float(b.t[0]) > 20.0:
            caught.append((world, copy.copy(b), world.state.rows.copy()))
        touch.decay(world, b)

    engine.PIPELINE = (spy, *touch.PIPELINE[1:])
    try:
        run_arms(benchmark_config(PROSPECTS))
    finally:
        engine.PIPELINE = touch.PIPELINE
    world, b, rows = caught[0]
    world.state.rows[:] = rows  # the records before this chunk's touch
    return world, b


@numba.njit(nogil=True)
def gather(rows, idx, t, half_lives, rec, t_state, exponent):  # type: ignore[no-untyped-def]
    """Each prospect's record, its time of last update, and the four decay exponents."""
    wide = rec.view(np.float64)
    for j in range(idx.size):
        i = idx[j]
        for c in range(rows.shape[1]):
            rec[j, c] = rows[i, c]
        ts = wide[j, T_STATE_COL64]
        t_state[j] = ts
        dt = t[j] - ts
        for h in range(4):
            exponent[h, j] = -dt / half_lives[h]


@numba.njit(nogil=True)
def apply(rec, factor, n_counts, base, w_excess, f_stored, a_stored, w, f, a, counts):  # type: ignore[no-untyped-def]
    """Warmth, familiarity, annoyance and the counts at the touch, as sim.model.touch.decay has
    them."""
    for j in range(rec.shape[0]):
        bs = rec[j, BASE_COL]
        excess = np.float32(rec[j, W_COL] - bs)
        base[j], w_excess[j] = bs, excess
        f_stored[j], a_stored[j] = rec[j, F_COL], rec[j, A_COL]
        w[j] = np.float64(bs) + np.float64(excess) * factor[0, j]
        f[j] = np.float64(rec[j, F_COL]) * factor[1, j]
        a[j] = np.float64(rec[j, A_COL]) * factor[2, j]
        for c in range(n_counts):
            counts[j, c] = np.float64(rec[j, COUNTS_COL + c]) * factor[3, j]


def steps(world: Any, b: Any) -> tuple[Step, Step]:
    """The decay step of chunk ``b`` compiled and as NumPy, each returning what it worked out."""
    st, cfg, idx, t = world.state, world.cfg, b.idx, b.t
    half_lives = np.array(
        [
            cfg.warmth_half_life_days,
            cfg.familiarity_half_life_days,
            cfg.annoyance_half_life_days,
            cfg.habituation_recovery_days,
        ]
    )
    nc = st.n_counts

    def compiled() -> tuple[np.ndarray, ...]:
        k = idx.size
        rec = np.empty((k, st.width), np.float32)
        t_state, factor = np.empty(k), np.empty((4, k))
        gather(st.rows, idx, t, half_lives, rec, t_state, factor)
        np.exp2(factor, out=factor)
        base, w_excess = np.empty(k, np.float32), np.empty(k, np.float32)
        f_stored, a_stored = np.empty(k, np.float32), np.empty(k, np.float32)
        w, f, a, counts = np.empty(k), np.empty(k), np.empty(k), np.empty((k, nc))
        apply(rec, factor, nc, base, w_excess, f_stored, a_stored, w, f, a, counts)
        return rec, t_state, w_excess, w, f, a, counts

    def numpy_step() -> tuple[np.ndarray, ...]:
        # The lines of sim.model.touch.decay before the need walk.
        rec = np.take(st.records, idx).view(np.float32).reshape(idx.size, st.width)
        t_state = rec.view(np.float64)[:, T_STATE_COL64].copy()
        dt = t - t_state
        base = rec[:, BASE_COL]
        w_excess = rec[:, W_COL] - base
        f_stored, a_stored = rec[:, F_COL].copy(), rec[:, A_COL].copy()
        factor = np.divide(-dt, half_lives[:, None])
        np.exp2(factor, out=factor)
        w = base + w_excess * factor[0]
        f = f_stored * factor[1]
        a = a_stored * factor[2]
        counts = np.empty((idx.size, nc))
        counts[...] = rec[:, COUNTS_COL : COUNTS_COL + nc]
        np.multiply(counts, factor[3][:, None], out=counts)
        return rec, t_state, w_excess, w, f, a, counts

    return compiled, numpy_step


def best(step: Step, evict: np.ndarray | None) -> float:
    """Microseconds of the fastest of ``REPEAT`` calls; ``evict``: an array written before each."""
    times = []
    for _ in range(REPEAT):
        if evict is not None:
            np.add(evict, 1.0, out=evict)
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return min(times) * 1e6


def main() -> int:
    world, b = capture()
    compiled, numpy_step = steps(world, b)
    for x, y in zip(compiled(), numpy_step(), strict=True):
        if not np.array_equal(np.ascontiguousarray(x).view(np.uint8), y.view(np.uint8)):
            print("numba_decay: the compiled step differs from NumPy's", file=sys.stderr)
            return 1
    print(f"a chunk of {b.idx.size} touches, records of {world.state.width} float32: the same bits")
    junk = np.zeros(1_000_000)  # 8 MB: more than the L2 cache, as a chunk's other steps use
    for evict in (None, junk):
        label = "caches warm" if evict is None else "caches evicted"
        print(
            f"{label}: NumPy {best(numpy_step, evict):.0f} us, "
            f"Numba {best(compiled, evict):.0f} us (best of {REPEAT})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
