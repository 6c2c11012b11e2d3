"""The optimised engine paths against slow, obviously right reference versions of the same parts.

The reference is a subclass of ``ArmRun`` that undoes each optimisation in place: the day's mean
warmth, annoyance and familiarity over every prospect (``current(now).mean()``) instead of the
running sums of ``StateMeans``, and ``np.add.at`` instead of the ``np.bincount`` histogram. Both
run in the same test on the same config, so the check follows any change to the model. Slicing
a big day into batches changes only which random number goes to which prospect: it is checked
for statistical equivalence.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import sim.model.engine
import sim.run.api
from sim.model.engine import ArmRun
from sim.run.api import Results, simulate
from sim.run.registry import compose

ARMS = "strategy=[entitlement,benefit_led,cooldown_heatup,multichannel,bombard,referral]"


class ReferenceArmRun(ArmRun):
    """ArmRun with the unoptimised versions of the optimised parts."""

    made = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        books = self.books

        def count(number: Any, channel: Any, outcome: Any) -> None:
            np.add.at(books.by_touch, (number, channel, outcome), 1)

        books.count = count  # the books count with np.add.at wherever they count
        ReferenceArmRun.made += 1

    def state_means(self, now: float) -> tuple[float, float, float]:
        warmth, annoyance, familiarity = self.current(now)
        return float(warmth.mean()), float(annoyance.mean()), float(familiarity.mean())


def reference_simulate(cfg: Any, monkeypatch: pytest.MonkeyPatch) -> Results:
    with monkeypatch.context() as m:
        m.setattr(sim.run.api, "ArmRun", ReferenceArmRun)
        before = ReferenceArmRun.made
        res = simulate(cfg)
        # Guard against a vacuous pass if run_arms stops building arms through sim.run.api.ArmRun.
        assert ReferenceArmRun.made > before
    return res


def assert_same_tables(fast: Results, slow: Results) -> None:
    pd.testing.assert_frame_equal(fast.by_touch, slow.by_touch)
    pd.testing.assert_frame_equal(fast.metrics, slow.metrics, check_exact=False, rtol=1e-9)
    # Running sums and full means differ only by rounding (sums of ~1e3 terms, float64).
    pd.testing.assert_frame_equal(
        fast.timeseries, slow.timeseries, check_exact=False, rtol=1e-7, atol=1e-10
    )


@pytest.mark.parametrize("max_batch", [None, 37])
def test_optimised_tables_equal_reference(
    monkeypatch: pytest.MonkeyPatch, max_batch: int | None
) -> None:
    # Default capacity binds on this list, so backlogs, rounds and stops are all exercised; a
    # batch of 37 makes every day span many slices.
    if max_batch is not None:
        monkeypatch.setattr(sim.model.engine, "MAX_BATCH", max_batch)
    cfg = compose([ARMS, "population.size=400", "replications=2", "horizon_days=75"])
    fast, slow = simulate(cfg), reference_simulate(cfg, monkeypatch)
    assert (fast.metrics["touches"] > 0).all()
    assert_same_tables(fast, slow)


def test_running_means_survive_long_horizons_and_fast_decay(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 2^(t/h) at t = 1500, h = 0.05 overflows float64 many times over: the running sums must
    # keep every exponent <= 0 by moving their reference time forward.
    cfg = compose(
        [
            "strategy=[cooldown_heatup]",
            "baseline=cooldown_heatup",
            "population.size=150",
            "replications=1",
            "horizon_days=1500",
            "model.annoyance_half_life_days=0.05",
            "model.familiarity_half_life_days=3",
        ]
    )
    fast, slow = simulate(cfg), reference_simulate(cfg, monkeypatch)
    ts = fast.timeseries[["mean_warmth", "mean_annoyance", "mean_familiarity"]].to_numpy()
    assert np.isfinite(ts).all()
    assert ts[:, 1].max() > 0  # annoyance was there to track
    assert_same_tables(fast, slow)


def test_batch_slicing_is_statistically_equivalent(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = compose(
        [
            "strategy=[benefit_led]",
            "baseline=benefit_led",
            "population.size=4000",
            "replications=1",
            "horizon_days=60",
            "reps.count=200",  # every due touch is made: day batches of hundreds of prospects
        ]
    )
    whole = simulate(cfg).metrics.iloc[0]
    calls = {"touch": 0}
    original = ArmRun.touch

    def counting_touch(self: ArmRun, idx: Any, t: Any) -> None:
        calls["touch"] += 1
        original(self, idx, t)

    monkeypatch.setattr(sim.model.engine, "MAX_BATCH", 64)
    monkeypatch.setattr(ArmRun, "touch", counting_touch)
    sliced = simulate(cfg).metrics.iloc[0]
    assert calls["touch"] > 60  # slicing really happened (about 8 touches x 4000 / 64 batches)
    n = cfg.population.size
    # Same prospects, same cadence; only the random numbers are assigned in another order.
    assert abs(sliced["touches"] - whole["touches"]) < 0.03 * whole["touches"]
    for rate in ("response_rate", "opt_out_rate", "negative_rate"):
        p = 0.5 * (sliced[rate] + whole[rate])
        se = np.sqrt(2 * p * (1 - p) / n)
        assert abs(sliced[rate] - whole[rate]) < 4 * se + 1e-9, rate
