"""The finite market (docs/model.md 2.15): burns, the re-contact pause, what the list has left,
and the second wave. Each test fails if its mechanism is removed.

Small populations through :func:`sim.run.api.simulate` or one :class:`ArmRun` of replicate 0;
arms of a replicate share prospects and keyed draws, so comparisons are paired.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

import numpy as np
import pytest

from sim.model.config import ExperimentConfig, StepConfig, StrategyConfig
from sim.model.engine import OPT_OUT, POSITIVE, ArmRun
from sim.model.market import Market
from sim.run.api import Results, replicate_runs, simulate
from sim.run.metrics import METRIC_COLUMNS
from sim.run.registry import compose

#: The columns of metrics.csv before the market and accounts (sim.model.market, accounts).
MARKET_COLUMNS = METRIC_COLUMNS[METRIC_COLUMNS.index("prospects_reachable") :]


@cache
def _base() -> ExperimentConfig:
    return compose(["strategy=[entitlement,benefit_led,bombard]", "replications=1"])


def config(
    arms: dict[str, StrategyConfig] | None = None,
    *,
    size: int = 2000,
    horizon: float = 120.0,
    edit: Callable[[ExperimentConfig], None] | None = None,
) -> ExperimentConfig:
    """The base config (presets entitlement, benefit_led, bombard) or ``arms``, ample reps."""
    cfg = copy.deepcopy(_base())
    if arms is not None:
        cfg.strategy = arms
        cfg.baseline = next(iter(arms))
    cfg.population.size = size
    cfg.horizon_days = horizon
    cfg.reps.count = 1000
    if edit is not None:
        edit(cfg)
    return cfg


def emails(message: str, days: Sequence[float], **kw: Any) -> StrategyConfig:
    """An email-only cadence, one touch on each of ``days``."""
    steps = [StepConfig(day=d, channel="email", message=message) for d in days]
    return StrategyConfig(label="", steps=steps, **kw)


def arm_run(cfg: ExperimentConfig, arm: str, **options: Any) -> ArmRun:
    """One arm of replicate 0, run to the horizon."""
    (runner,) = replicate_runs(cfg, 0, [arm], **options)
    runner.run()
    return runner


def value(res: Results, arm: str, column: str) -> float:
    """A metric of one arm (one replicate)."""
    frame = res.metrics
    return float(frame.loc[frame["arm"] == arm, column].sum())


def test_a_strategy_that_burns_the_list_leaves_less_of_it() -> None:
    res = simulate(config())
    for arm in ("benefit_led", "entitlement"):
        assert value(res, "bombard", "prospects_burned") > 2 * value(res, arm, "prospects_burned")
        assert value(res, "bombard", "prospects_reachable") < value(res, arm, "prospects_reachable")
    for arm in ("benefit_led", "entitlement", "bombard"):
        # Reachable: neither burned nor engaged (a positive reply); the three add up to the list.
        burned, left = value(res, arm, "prospects_burned"), value(res, arm, "prospects_reachable")
        assert left + burned + value(res, arm, "responses") == value(res, arm, "prospects")


def test_a_burn_is_an_opt_out_a_no_or_annoyance_at_the_burn_level() -> None:
    def market(level: float, pause: float) -> Callable[[ExperimentConfig], None]:
        def edit(cfg: ExperimentConfig) -> None:
            cfg.market.burn_annoyance, cfg.market.recontact_pause_days = level, pause

        return edit

    runs = {
        "default": arm_run(config(), "bombard"),
        "no annoyance burn": arm_run(config(edit=market(1e9, 180.0)), "bombard"),
        "no pause": arm_run(config(edit=market(2.0, 0.0)), "bombard"),
    }
    horizon = 120.0
    blocked = {k: r.market.blocked_until > horizon for k, r in runs.items()}
    books = runs["default"].books
    opted = books.outcome == OPT_OUT
    # The same prospects and draws in every run: only what counts as burned differs.
    for r in runs.values():
        np.testing.assert_array_equal(r.books.outcome, books.outcome)
    # Without a pause only opt-outs stay out of reach; without the annoyance burn, opt-outs and
    # "no"s; by default also whoever a touch left at the burn level (bombard: many).
    np.testing.assert_array_equal(blocked["no pause"], opted)
    np.testing.assert_array_equal(blocked["no annoyance burn"], opted | books.said_no)
    annoyed = blocked["default"] & ~(opted | books.said_no)
    assert annoyed.sum() > 20
    # Burned: out of reach and not engaged (a positive reply), at the horizon.
    burned = blocked["default"] & (books.outcome != POSITIVE)
    assert burned.sum() == runs["default"].result(0, 0).metrics["prospects_burned"]


def test_burned_prospects_are_not_reached_in_a_second_wave() -> None:
    start, horizon = 60.0, 120.0

    def wave(cfg: ExperimentConfig) -> None:
        cfg.market.second_wave_day = start

    # Up to the wave's start the two runs are the same (keyed draws, prefix-stable load shocks):
    # the first tells who is burned, engaged or waiting for a reply at the start of the second.
    first = arm_run(config(horizon=start), "bombard")
    burned = first.market.blocked_until > start
    engaged = first.outcome == POSITIVE
    second = arm_run(config(horizon=horizon, edit=wave), "bombard", record_touches=True)
    log = second.touch_log()
    later = np.unique(log.prospect[log.time >= start])
    assert burned.sum() > 500 and later.size > 500
    assert not burned[later].any() and not engaged[later].any()
    assert second.market.wave2 is not None
    np.testing.assert_array_equal(np.flatnonzero(second.market.wave2), later)
    # The second wave runs the same ten touches again: its touches are numbered on.
    assert log.number[log.time < start].max() == 10 < log.number.max() <= 20


def test_the_second_wave_is_off_by_default_and_counts_its_own_results() -> None:
    def wave(cfg: ExperimentConfig) -> None:
        cfg.market.second_wave_day = 120.0

    plain = simulate(config())
    twice = simulate(config(horizon=240.0, edit=wave))
    for arm in ("entitlement", "benefit_led", "bombard"):
        assert value(plain, arm, "second_wave_prospects") == 0
        # Wave two enrols exactly the prospects the first wave left reachable at its end.
        left = value(plain, arm, "prospects_reachable")
        assert value(twice, arm, "second_wave_prospects") == left
        gained = value(twice, arm, "responses") - value(plain, arm, "responses")
        assert value(twice, arm, "second_wave_responses") == gained > 0
    # The list bombard burned books less in wave two than benefit_led's.
    assert value(twice, "bombard", "second_wave_meetings") < value(
        twice, "benefit_led", "second_wave_meetings"
    )


def test_expected_future_meetings_are_what_one_retouch_books() -> None:
    # A list worked by one benefit-led email on day 0. At day 60 the model expects E meetings
    # from one more such email to each reachable prospect; a second wave of that one email on
    # day 60 books them. Expectation and realisation agree within the noise (3 Poisson sd).
    def at_once(cfg: ExperimentConfig) -> None:
        cfg.population.enrollment_days = 0.0
        cfg.reps.wrong_name_rate.medium = 0.0  # the expectation's re-touch gets names right
        cfg.replications = 2

    def wave(cfg: ExperimentConfig) -> None:
        at_once(cfg)
        cfg.market.second_wave_day = 60.0

    arms = {"one": emails("benefit_led", [0.0])}
    before = simulate(config(arms, size=60_000, horizon=60.0, edit=at_once))
    after = simulate(config(arms, size=60_000, horizon=90.0, edit=wave))
    expected = value(before, "one", "expected_future_meetings")
    booked = value(after, "one", "second_wave_meetings")
    assert value(after, "one", "second_wave_prospects") == value(
        before, "one", "prospects_reachable"
    )
    assert expected > 200
    assert abs(booked - expected) < 3 * np.sqrt(expected), (booked, expected)


def test_the_market_changes_no_other_column_at_its_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The market's code paths off (no burns, no replies seen, no wave, no colleagues): every
    # other column of metrics, by_touch and timeseries is the same (docs/model.md 2.15).
    cfg = config(size=1000)
    with_market = simulate(cfg)
    for option in ("touched", "delivered", "start_wave", "colleagues_stop"):
        monkeypatch.setattr(Market, option, lambda self, *args: None)
    without = simulate(cfg)
    old = [c for c in with_market.metrics.columns if c not in MARKET_COLUMNS]
    assert with_market.metrics[old].equals(without.metrics[old])
    assert with_market.by_touch.equals(without.by_touch)
    assert with_market.timeseries.equals(without.timeseries)
    assert not with_market.metrics["prospects_burned"].equals(without.metrics["prospects_burned"])
