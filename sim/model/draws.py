"""Keyed random draws: each random decision is a pure function of who, when and what for.

A counter-based generator (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011)
in place of a stream: the uniform for a decision is a hash of (replicate key, prospect, the
prospect's touch number or event number, purpose). Two arms that treat a prospect alike meet the
same chance, whatever happened to other prospects or in other arms before (common random numbers
per prospect, not merely per position in a stream). The hash is SplitMix64's finaliser (Steele,
Lea and Flood, OOPSLA 2014) applied in a chain: integer arithmetic only, so every CPU gives the
same bits.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
import numpy.typing as npt

from sim.model.arrays import F64, U64

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_TO_UNIT = 2.0**-53


class Purpose(IntEnum):
    """What a draw decides; each purpose is an independent uniform for the same (prospect, n)."""

    NOTICE = 1
    ANSWER = 2
    WRONG_NAME = 3
    OUTCOME = 4
    DELAY = 5
    MEETING = 6
    NEED_START = 7
    NEED_EPISODE = 8
    DELAY_ANGLE = 9
    LISTEN = 10
    PLACEMENT = 11  # an email lands in the inbox (deliverability)
    ADDRESS = 12  # a prospect's email address bounces (n = 0)
    COMPLAINT = 13  # an email opt-out marks the email as spam


def _finish(z: U64) -> U64:
    """SplitMix64's finaliser after the increment, in place on ``z`` (a fresh array), returned.

    In place with one scratch array: four passes fewer over memory than building a temporary
    per operation, the same bits.
    """
    t = np.right_shift(z, _S30, out=np.empty_like(z))
    z ^= t
    z *= _M1
    np.right_shift(z, _S27, out=t)
    z ^= t
    z *= _M2
    np.right_shift(z, _S31, out=t)
    z ^= t
    return z


def _plus(x: npt.ArrayLike, c: np.uint64) -> U64:
    """``x + c`` modulo 2**64 as a new array (also for a scalar ``x``)."""
    x = np.asarray(x, dtype=np.uint64)
    out: U64 = np.empty(x.shape, np.uint64)
    np.add(x, c, out=out)
    return out


def mix(x: U64) -> U64:
    """SplitMix64's finaliser: a bijection of 64-bit integers that scatters every input bit."""
    return _finish(_plus(x, _GOLDEN))


def counters(key: np.uint64, prospect: npt.NDArray[np.integer], number: npt.ArrayLike) -> U64:
    """Per-prospect counters for event ``number`` (e.g. the touch number) under ``key``."""
    # mix(mix(p + key) + n), in place on one array: additions modulo 2**64 are associative, so
    # each mix's increment joins the addition before it.
    # No np.errstate: array arithmetic on unsigned integers wraps without a check (only NumPy
    # scalars warn on overflow), and ``c`` is always an array.
    c = np.array(prospect, dtype=np.uint64, copy=True, ndmin=1)
    c += np.uint64((int(key) + int(_GOLDEN)) % 2**64)
    _finish(c)
    c += np.asarray(number).astype(np.uint64)
    c += _GOLDEN
    _finish(c)
    return c if np.ndim(prospect) else c.reshape(np.shape(prospect))


def _unit(bits: U64) -> F64:
    """The top 53 bits of ``bits`` (overwritten) as a uniform in [0, 1)."""
    np.right_shift(bits, _S11, out=bits)
    # One pass: the ufunc converts each integer to float64 before the multiply (exact below 2**53).
    u: F64 = np.multiply(bits, _TO_UNIT)
    return u


#: The constant a purpose adds to a counter before the finaliser: ``(purpose + 1) * golden``
#: mod 2**64 (the purpose's offset and the finaliser's own increment in one addition).
_OFFSET = {p: np.uint64((int(p) + 1) * int(_GOLDEN) % 2**64) for p in (*Purpose, 0)}


def uniform(counter: U64, purpose: Purpose) -> F64:
    """A uniform in [0, 1) for ``purpose``, from counters made by :func:`counters`."""
    return _unit(_finish(_plus(counter, _OFFSET[purpose])))


def stream_key(seq: np.random.SeedSequence) -> np.uint64:
    """The 64-bit key of the keyed draws that belong with ``seq`` (a replicate's stream)."""
    child = np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, 0xD2A5))
    return np.uint64(child.generate_state(1, np.uint64)[0])


def normal(counter: U64) -> F64:
    """A standard normal score per counter (Box-Muller from the DELAY and DELAY_ANGLE draws)."""
    radius = np.sqrt(-2.0 * np.log1p(-uniform(counter, Purpose.DELAY)))
    return np.asarray(radius * np.cos(2.0 * np.pi * uniform(counter, Purpose.DELAY_ANGLE)))
