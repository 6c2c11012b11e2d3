"""Property tests of the deliverability equations (sim/model/deliverability.py, docs/model.md 2.17).

Bounds and monotonicity of the pure functions, the calibration table's anchors, and the keyed
bad-address draw. The engine-level tests (each fails without the mechanism) are in
tests/test_mechanisms.py.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.deliverability import (
    ReputationWeights,
    bad_addresses,
    daily_cap,
    day_pressure,
    inbox_probability,
    reputation_after_day,
    steady_inbox,
)
from sim.run.registry import compose

settings.register_profile("deliver", max_examples=150, deadline=None)
settings.load_profile("deliver")

unit = st.floats(0.0, 1.0)
counts = st.floats(0.0, 500.0)
W = ReputationWeights(safe_volume=50.0, volume=0.006, complaints=7.8, bounces=0.04, identical=0.002)


@given(unit, st.floats(0.0, 2.0), st.floats(1.0, 365.0))
def test_reputation_stays_in_the_unit_interval(r: float, pressure: float, h: float) -> None:
    after = float(reputation_after_day(r, pressure, h))
    assert 0.0 <= after <= 1.0
    # Without pressure it only recovers toward 1, never past it.
    rested = float(reputation_after_day(r, 0.0, h))
    assert r - 1e-12 <= rested <= 1.0


@given(unit, st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.floats(1.0, 365.0))
def test_more_pressure_never_leaves_more_reputation(
    r: float, p1: float, p2: float, h: float
) -> None:
    low, high = sorted((p1, p2))
    assert float(reputation_after_day(r, high, h)) <= float(reputation_after_day(r, low, h))


@given(counts, counts, st.floats(0.0, 20.0), st.floats(0.0, 20.0), st.floats(0.0, 100.0))
def test_pressure_grows_with_each_signal(
    v: float, extra: float, complaints: float, bounces: float, identical: float
) -> None:
    base = float(day_pressure(v, 0.8, complaints, bounces, identical, W))
    assert base >= 0.0
    for more in (
        day_pressure(v, 0.8, complaints + 1, bounces, identical, W),
        day_pressure(v, 0.8, complaints, bounces + 1, identical, W),
        day_pressure(v, 0.8, complaints, bounces, identical + 1, W),
    ):
        assert float(more) > base
    # Volume alone: nothing up to the safe volume, then more with every email.
    assert float(day_pressure(min(v, 50.0), 0.8, 0, 0, 0, W)) == 0.0
    above = sorted((50.0 + v, 50.0 + v + extra))
    low, high = (float(day_pressure(x, 0.8, 0, 0, 0, W)) for x in above)
    assert low <= high


@given(unit, unit, st.floats(-10.0, 0.0), st.floats(0.0, 20.0))
def test_placement_rises_with_reputation(r1: float, r2: float, base: float, slope: float) -> None:
    low, high = sorted((r1, r2))
    p_low, p_high = (float(inbox_probability(r, base, slope)) for r in (low, high))
    assert 0.0 <= p_low <= p_high <= 1.0


@given(st.integers(1, 200), st.floats(0.0, 60.0), st.integers(0, 100))
def test_warm_up_ramps_the_cap(cap: int, warmup: float, day: int) -> None:
    today, tomorrow = daily_cap(cap, warmup, day), daily_cap(cap, warmup, day + 1)
    assert 1 <= today <= tomorrow <= cap
    if day + 1 >= warmup:
        assert today == cap


def test_the_defaults_land_on_the_public_anchors() -> None:
    # docs/model.md 2.17: a normal cold-email day near Validity's 83 %; complaints at Gmail and
    # Yahoo's 0.3 % limit halve it; at 0.5 % placement has collapsed.
    model = compose(["strategy=[entitlement]"]).model

    def inbox(complaints: float, sent: float = 30.0) -> float:
        return steady_inbox(model, sent, complaints, 0.023, 0.5 * max(sent - 6, 0))[1]

    assert 0.80 <= inbox(0.001) <= 0.87
    assert inbox(0.003) < 0.6
    assert inbox(0.005) < 0.25
    assert inbox(0.001, sent=100) < 0.6 < inbox(0.001, sent=5)


def test_bad_addresses_are_keyed_per_prospect() -> None:
    key = np.uint64(12345)
    short, long = bad_addresses(key, 1000, 0.2), bad_addresses(key, 200_000, 0.2)
    assert np.array_equal(short, long[:1000])  # prefix-stable: the same prospects bounce
    assert 0.19 < long.mean() < 0.21
    assert not bad_addresses(key, 1000, 0.0).any()
    assert not np.array_equal(long, bad_addresses(np.uint64(1), 200_000, 0.2))
