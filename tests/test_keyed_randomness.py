"""Keyed randomness per prospect, need as a prospect's own trajectory, and limits made visible."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd

from sim.model.config import ExperimentConfig
from sim.model.draws import Purpose, counters, uniform
from sim.model.need import NeedTrack
from sim.run.api import simulate
from sim.run.metrics import limits_warnings
from tests.test_mechanisms import cadence, config

FIRST = [(0, "phone", "benefit_led", True), (0, "email", "benefit_led"), (3, "social", "resource")]


def _no_delay_spread(cfg: ExperimentConfig) -> None:
    cfg.model.reply_delay_sd = 0.0  # replies arrive before the arms part ways (day 40)


def test_arms_identical_for_three_steps_give_identical_rows_for_those_touches() -> None:
    arms = {
        "then_call": cadence([*FIRST, (40, "phone", "check_in", True)]),
        "then_letters": cadence([*FIRST, (40, "postal", "deadline"), (41, "postal", "breakup")]),
    }
    bt = simulate(config(arms, size=3000, replications=2, edit=_no_delay_spread)).by_touch
    counts = ["touches", "replies", "responses", "negative_replies", "opt_outs", "meetings"]
    keys = ["replicate", "touch_number", "step", "channel", "message"]

    def first_three(arm: str) -> pd.DataFrame:
        rows = bt[(bt["arm"] == arm) & (bt["touch_number"] <= 3)]
        return rows[keys + counts].reset_index(drop=True)

    a, b = first_three("then_call"), first_three("then_letters")
    assert a["replies"].sum() > 0
    pd.testing.assert_frame_equal(a, b)
    # ... and the arms do differ afterwards.
    later = bt[bt["touch_number"] == 4].groupby("arm")["channel"].first()
    assert later["then_call"] == "phone" and later["then_letters"] == "postal"


def test_keyed_draws_depend_only_on_key_prospect_number_and_purpose() -> None:
    key = np.uint64(12345)
    u = uniform(counters(key, np.arange(10), 3), Purpose.NOTICE)
    again = uniform(counters(key, np.array([7, 2]), np.array([3, 3])), Purpose.NOTICE)
    assert np.array_equal(again, u[[7, 2]])
    assert not np.array_equal(u, uniform(counters(key, np.arange(10), 3), Purpose.OUTCOME))
    assert not np.array_equal(u, uniform(counters(key, np.arange(10), 4), Purpose.NOTICE))
    many = uniform(counters(key, np.arange(200_000), 1), Purpose.NOTICE)
    assert many.min() >= 0.0 and many.max() < 1.0
    assert abs(many.mean() - 0.5) < 0.005 and abs(many.var() - 1 / 12) < 0.002


def test_need_is_the_same_trajectory_whenever_it_is_looked_at() -> None:
    key, n = np.uint64(7), 5000
    start = np.random.default_rng(0).random(n) < 0.2
    dense, sparse = NeedTrack(key, start, 10.0, 40.0), NeedTrack(key, start, 10.0, 40.0)
    idx = np.arange(n)
    for t in np.arange(0.0, 100.0, 0.5):
        seen = dense.at(idx, t)
    assert np.array_equal(sparse.at(idx, 99.5), seen)
    # Long-run share in market: mean_in / (mean_in + mean_out).
    share = np.mean([dense.at(idx, t).mean() for t in np.arange(100.0, 600.0, 25.0)])
    assert abs(share - 0.2) < 0.02


def test_rep_capacity_that_binds_is_reported_and_warned() -> None:
    arms = {"calls": cadence([(d, "phone", "benefit_led", True) for d in (0, 2, 4, 6, 8, 10)])}

    def tight(cfg: ExperimentConfig) -> None:
        cfg.reps.count = 1
        cfg.population.enrollment_days = 1

    metrics = simulate(config(arms, size=600, horizon=40, edit=tight)).metrics.iloc[0]
    made = metrics["touches"]
    assert metrics["touches_late"] > 0.3 * made
    assert metrics["touches_planned"] == (
        made + metrics["touches_never_made_capacity"] + metrics["touches_never_made_horizon"]
    )
    assert metrics["touches_on_time"] + metrics["touches_late"] == made
    assert metrics["capacity_bound_days"] > 10 and 0.7 < metrics["rep_utilisation"] <= 1.0
    (line,) = limits_warnings(pd.DataFrame([metrics]))
    assert line.startswith("warning: calls: rep capacity bound on ")


def test_a_pause_past_the_horizon_is_reported_as_touches_never_made() -> None:
    steps = [(0, "email", "benefit_led"), (2, "email", "resource"), (70, "email", "check_in")]
    arms = {"long_pause": cadence(steps)}
    cfg = config(arms, size=400, horizon=60)
    metrics = simulate(cfg).metrics.iloc[0]
    assert metrics["touches_late"] == 0 and metrics["touches_never_made_capacity"] == 0
    assert metrics["touches_never_made_horizon"] > 0.5 * metrics["prospects"]
    assert any(
        "horizon ended the cadence early" in w for w in limits_warnings(simulate(cfg).metrics)
    )
    longer = copy.deepcopy(cfg)
    longer.horizon_days = 120
    assert simulate(longer).metrics.iloc[0]["touches_never_made_horizon"] == 0


def test_common_random_numbers_pair_twin_cadences_across_replicates() -> None:
    # persistent and cooldown_heatup are the same cadence until the first pause: keyed draws make
    # their replicate outcomes move together (independent draws give a ratio near 1).
    from sim.run.registry import compose

    cfg = compose(
        [
            "strategy=[persistent,cooldown_heatup]",
            "baseline=persistent",
            "population.size=1500",
            "replications=12",
        ]
    )
    wide = simulate(cfg).metrics.pivot(index="replicate", columns="arm", values="opt_out_rate")
    a, b = wide["cooldown_heatup"], wide["persistent"]
    assert (a - b).var() / (a.var() + b.var()) < 0.4
