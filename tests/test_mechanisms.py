"""One engine-level test per mechanism of design section 2: each fails if the mechanism is removed.

Every test runs small populations through :func:`sim.run.api.simulate` with tiny ad-hoc strategies
and compares arms (or runs) that differ in one thing only. Arms of one replicate share prospects
and random streams, so most comparisons are paired and stable at a few thousand prospects.
Directions are checked, not golden numbers, so the tests survive re-calibration.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sim.model import response as rf
from sim.model.config import ExperimentConfig, StepConfig, StrategyConfig
from sim.model.deliverability import inbox_probability
from sim.model.engine import NEGATIVE, POSITIVE, ArmRun
from sim.model.population import daily_load_shocks
from sim.run.api import Results, replicate_runs, simulate
from sim.run.metrics import limits_warnings
from sim.run.registry import compose

N = 3000


@cache
def _base(population: str) -> ExperimentConfig:
    return compose([f"population={population}", "strategy=[entitlement]", "replications=1"])


def config(
    arms: dict[str, StrategyConfig],
    *,
    population: str = "cold_list",
    size: int = N,
    replications: int = 1,
    horizon: float = 120.0,
    seed: int = 0,
    edit: Callable[[ExperimentConfig], None] | None = None,
) -> ExperimentConfig:
    """A composed config with the given arms; ``edit`` mutates its dataclasses in place."""
    cfg = copy.deepcopy(_base(population))
    cfg.strategy = arms
    cfg.baseline = next(iter(arms))
    cfg.population.size = size
    cfg.replications = replications
    cfg.horizon_days = horizon
    cfg.seed = seed
    # Ample capacity unless a test is about capacity: touches happen when the cadence says.
    cfg.reps.count = 1000
    if edit is not None:
        edit(cfg)
    return cfg


def cadence(
    steps: Sequence[tuple[float, str, str] | tuple[float, str, str, bool]], **kw: Any
) -> StrategyConfig:
    """A strategy from ``(day, channel, message[, voicemail])`` tuples."""
    made = [
        StepConfig(
            day=s[0], channel=s[1], message=s[2], voicemail=bool(s[3]) if len(s) > 3 else True
        )
        for s in steps
    ]
    return StrategyConfig(label="", steps=made, **kw)


def emails(message: str, days: Sequence[float], **kw: Any) -> StrategyConfig:
    """An email-only cadence, one touch on each of ``days``."""
    return cadence([(d, "email", message) for d in days], **kw)


def metric(res: Results, arm: str, column: str) -> float:
    """Sum of a metric over an arm's replicates (a mean for rates would do as well)."""
    frame = res.metrics
    return float(frame.loc[frame["arm"] == arm, column].sum())


def run(cfg: ExperimentConfig) -> Results:
    return simulate(cfg)


def arm_run(cfg: ExperimentConfig, arm: str) -> ArmRun:
    """Run one arm of replicate 0 directly, to inspect per-prospect state after the horizon."""
    (runner,) = replicate_runs(cfg, 0, [arm])
    runner.run()
    return runner


WEEKLY = [0, 7, 14, 21, 28]


def every_email_arrives(cfg: ExperimentConfig) -> None:
    """No spam folder, no bad address (docs/model.md 2.17): for tests that need every email seen."""
    cfg.model.inbox_base = 40.0
    cfg.population.bad_address_share = 0.0


# --- relationship warmth (seeds 001, 002) --------------------------------------------------


def test_warmer_population_responds_more() -> None:
    arms = {"benefit": emails("benefit_led", WEEKLY)}
    cold = run(config(arms))
    warm = run(config(arms, population="house_list"))
    assert metric(warm, "benefit", "response_rate") > 1.3 * metric(cold, "benefit", "response_rate")


def test_warmth_parameters_drive_the_warm_list_advantage() -> None:
    # Neutralise every warmth coefficient of notice, answer and reply: the advantage collapses.
    def neutral(cfg: ExperimentConfig) -> None:
        cfg.model.response_warmth = 0.0
        cfg.model.notice_warmth = 0.0
        cfg.model.answer_warmth = 0.0

    arms = {"benefit": emails("benefit_led", WEEKLY)}
    ratio = metric(run(config(arms, population="house_list")), "benefit", "responses") / metric(
        run(config(arms)), "benefit", "responses"
    )
    flat = metric(
        run(config(arms, population="house_list", edit=neutral)), "benefit", "responses"
    ) / metric(run(config(arms, edit=neutral)), "benefit", "responses")
    assert flat < ratio


def test_value_giving_messages_deposit_warmth_and_self_serving_ones_withdraw_it() -> None:
    arms = {
        "resource": emails("resource", WEEKLY, stop_on=["opt_out"]),
        "deadline": emails("deadline", WEEKLY, stop_on=["opt_out"]),
    }
    res = run(config(arms))
    assert metric(res, "resource", "mean_warmth_change") > 0
    assert metric(res, "deadline", "mean_warmth_change") < 0
    assert metric(res, "resource", "relationships_built") > metric(
        res, "deadline", "relationships_built"
    )


def test_warmth_decays_slowly_back_to_baseline() -> None:
    # A burst of helpful resources, then one more touch on day 60. Warmth must have drifted back
    # to baseline by then, both in the day's mean state and in what that later touch builds on.
    arms = {"resource": emails("resource", [0, 1, 2, 3, 4, 60], stop_on=["opt_out"])}

    def short_memory(cfg: ExperimentConfig) -> None:
        cfg.model.warmth_half_life_days = 5.0
        cfg.population.enrollment_days = 0.0

    res = run(config(arms, horizon=61, edit=short_memory))
    warmth = res.timeseries.set_index("day")["mean_warmth"]
    assert warmth[6] > warmth[60] + 0.01  # gained, then drifted back
    assert warmth[30] > warmth[60]
    assert warmth[61] < warmth[6] - 0.01  # the day-60 touch starts from the decayed level


# --- familiarity (seed 002) ----------------------------------------------------------------


def test_leaving_voicemails_builds_familiarity_where_hanging_up_does_not() -> None:
    days = [0, 2, 4, 6, 8]
    arms = {
        "voicemail": cadence([(d, "phone", "self_focused", True) for d in days], stop_on=[]),
        "hang_up": cadence([(d, "phone", "self_focused", False) for d in days], stop_on=[]),
    }
    res = run(config(arms, horizon=30))
    assert metric(res, "voicemail", "mean_familiarity") > 1.5 * metric(
        res, "hang_up", "mean_familiarity"
    )
    assert metric(res, "voicemail", "responses") > metric(res, "hang_up", "responses")


def _familiarity(value: float, *, only: str) -> Callable[[ExperimentConfig], None]:
    """Initial familiarity ``value``, with every familiarity effect but ``only`` neutralised."""

    def edit(cfg: ExperimentConfig) -> None:
        cfg.population.familiarity.stranger = value
        cfg.model.response_familiarity = 0.0
        cfg.model.notice_familiarity = 0.0
        cfg.model.answer_familiarity = 0.0
        setattr(cfg.model, only, 2.0)

    return edit


def test_a_known_name_is_picked_up_more_often() -> None:
    # Calls that hang up: only live conversations can get a reply, so the gap is the pickup rate.
    assert rf.answer_probability(0.8, 0.0, 0.055, 0.8, 1.0) > rf.answer_probability(
        0.0, 0.0, 0.055, 0.8, 1.0
    )
    days = [0, 2, 4, 6, 8, 10, 12, 14]
    arms = {"calls": cadence([(d, "phone", "benefit_led", False) for d in days])}
    known = run(config(arms, edit=_familiarity(0.8, only="answer_familiarity")))
    unknown = run(config(arms, edit=_familiarity(0.0, only="answer_familiarity")))
    assert metric(known, "calls", "responses") > 1.3 * metric(unknown, "calls", "responses")


def test_a_known_name_is_noticed_more_often() -> None:
    arms = {"benefit": emails("benefit_led", WEEKLY)}
    known = run(config(arms, edit=_familiarity(0.8, only="notice_familiarity")))
    unknown = run(config(arms, edit=_familiarity(0.0, only="notice_familiarity")))
    assert metric(known, "benefit", "responses") > 1.2 * metric(unknown, "benefit", "responses")


def test_a_known_name_gets_more_replies_once_noticed() -> None:
    arms = {"benefit": emails("benefit_led", WEEKLY)}
    known = run(config(arms, edit=_familiarity(0.8, only="response_familiarity")))
    unknown = run(config(arms, edit=_familiarity(0.0, only="response_familiarity")))
    assert metric(known, "benefit", "responses") > 1.5 * metric(unknown, "benefit", "responses")


# --- interruption load (seed 004) ----------------------------------------------------------


def test_more_interruption_load_lowers_responses() -> None:
    arms = {"benefit": emails("benefit_led", WEEKLY)}

    def load(value: float) -> Callable[[ExperimentConfig], None]:
        def edit(cfg: ExperimentConfig) -> None:
            cfg.model.load.email = value

        return edit

    light = metric(run(config(arms, edit=load(20.0))), "benefit", "responses")
    heavy = metric(run(config(arms, edit=load(400.0))), "benefit", "responses")
    assert heavy < 0.8 * light


def test_load_varies_from_day_to_day() -> None:
    cfg = _base("cold_list")
    shocks = daily_load_shocks(cfg.model, 400, np.random.SeedSequence(1))
    assert shocks.shape[0] == 400
    assert np.all(shocks > 0)
    assert np.std(np.log(shocks[:, 0])) > 0.5 * cfg.model.load_daily_sd
    assert abs(float(shocks.mean()) - 1.0) < 0.05  # mean one: shocks do not shift the level
    calm = copy.deepcopy(cfg.model)
    calm.load_daily_sd = 0.0
    assert np.all(daily_load_shocks(calm, 50, np.random.SeedSequence(1)) == 1.0)


# --- channel preference (seeds 001, 003, 004) ----------------------------------------------


def test_a_channel_the_prospect_prefers_gets_more_responses() -> None:
    arms = {"benefit": emails("benefit_led", WEEKLY)}

    def prefer(email: float) -> Callable[[ExperimentConfig], None]:
        def edit(cfg: ExperimentConfig) -> None:
            cfg.population.channel_preference.email = email
            cfg.population.affinity.email = 0.2

        return edit

    likes = metric(run(config(arms, edit=prefer(100.0))), "benefit", "responses")
    ignores = metric(run(config(arms, edit=prefer(0.0))), "benefit", "responses")
    assert likes > 1.5 * ignores


def test_prospects_who_never_listen_to_voicemail_ignore_it() -> None:
    days = [0, 2, 4, 6, 8]
    arms = {"voicemail": cadence([(d, "phone", "benefit_led", True) for d in days])}

    def listeners(share: float) -> Callable[[ExperimentConfig], None]:
        def edit(cfg: ExperimentConfig) -> None:
            cfg.population.voicemail_listeners = share

        return edit

    everyone = run(config(arms, edit=listeners(1.0)))
    nobody = run(config(arms, edit=listeners(0.0)))
    assert metric(everyone, "voicemail", "responses") > 1.3 * metric(
        nobody, "voicemail", "responses"
    )
    assert metric(everyone, "voicemail", "mean_familiarity") > metric(
        nobody, "voicemail", "mean_familiarity"
    )


# --- message content (seeds 000, 001, 002, 003) --------------------------------------------


def test_benefit_led_beats_self_focused_and_lazy_questions_do_worst() -> None:
    arms = {
        "benefit": emails("benefit_led", WEEKLY),
        "self": emails("self_focused", WEEKLY),
        "lazy": emails("lazy_question", WEEKLY),
    }
    res = run(config(arms, replications=2))
    benefit, self_, lazy = (metric(res, a, "responses") for a in ("benefit", "self", "lazy"))
    assert benefit > 1.3 * self_
    assert self_ > lazy


# --- habituation (seed 004) ----------------------------------------------------------------


def test_identical_repeats_earn_less_than_varied_messages_at_equal_touch_count() -> None:
    steps = [(d, "email", "benefit_led") for d in (0, 4, 8, 12, 16, 20, 24, 28)]
    arms = {
        "varied": cadence(steps, vary_messages=True, stop_on=["opt_out"]),
        "identical": cadence(steps, vary_messages=False, stop_on=["opt_out"]),
    }
    res = run(config(arms, replications=2))
    assert metric(res, "identical", "responses") < 0.9 * metric(res, "varied", "responses")
    # Same touches, so the difference is per touch, not from fewer attempts.
    assert abs(metric(res, "identical", "touches") / metric(res, "varied", "touches") - 1) < 0.02


def test_habituation_is_the_only_difference_between_identical_and_varied() -> None:
    def same(cfg: ExperimentConfig) -> None:
        cfg.model.habituation_identical = cfg.model.habituation_varied

    steps = [(d, "email", "benefit_led") for d in (0, 4, 8, 12)]
    arms = {
        "varied": cadence(steps, vary_messages=True),
        "identical": cadence(steps, vary_messages=False),
    }
    m = run(config(arms, size=1000, edit=same)).metrics.drop(columns="arm")
    pd.testing.assert_frame_equal(
        m.iloc[[0]].reset_index(drop=True), m.iloc[[1]].reset_index(drop=True)
    )


# --- annoyance, opt-out and "not interested" (seeds 003, 004) ------------------------------

TEN_IN_A_DAY = [0.05 * k for k in range(10)]
TEN_OVER_WEEKS = [7.0 * k for k in range(10)]


def test_ten_touches_in_a_day_produce_more_opt_outs_than_ten_over_weeks() -> None:
    arms = {
        "bombard": emails("check_in", TEN_IN_A_DAY, stop_on=["opt_out"]),
        "spread": emails("check_in", TEN_OVER_WEEKS, stop_on=["opt_out"]),
    }
    res = run(config(arms, size=4000, replications=2))
    assert metric(res, "bombard", "opt_outs") > 1.1 * metric(res, "spread", "opt_outs")


def test_without_annoyance_bombarding_is_no_worse_for_opt_outs() -> None:
    # The opt-out gap comes from annoyance: with no increment per touch it shrinks to noise.
    def calm(cfg: ExperimentConfig) -> None:
        for ch in ("phone", "email", "sms", "social", "postal", "drop_in", "referral"):
            setattr(cfg.model.annoyance_increment, ch, 0.0)

    arms = {
        "bombard": emails("check_in", TEN_IN_A_DAY, stop_on=["opt_out"]),
        "spread": emails("check_in", TEN_OVER_WEEKS, stop_on=["opt_out"]),
    }
    res = run(config(arms, edit=calm))
    assert metric(res, "bombard", "opt_outs") < 1.3 * metric(res, "spread", "opt_outs")
    assert metric(res, "bombard", "mean_annoyance") == 0.0


def test_a_pause_lets_annoyance_decay() -> None:
    arms = {"burst": emails("check_in", TEN_IN_A_DAY, stop_on=["opt_out"])}

    def at_once(cfg: ExperimentConfig) -> None:
        cfg.population.enrollment_days = 0.0

    ts = run(config(arms, horizon=30, edit=at_once)).timeseries.set_index("day")
    peak = ts.loc[1, "mean_annoyance"]
    assert peak > 0.3
    assert ts.loc[5, "mean_annoyance"] < 0.6 * peak
    assert ts.loc[30, "mean_annoyance"] < 0.01 * peak
    assert np.all(np.diff(ts["mean_annoyance"].to_numpy()) <= 1e-12)


def test_coming_back_after_a_pause_burns_fewer_prospects_than_pressing_on() -> None:
    # The same nine touches: the last three right after a burst of six, or after 30 days of
    # cool-down, when the burst's annoyance has decayed (seed 004 #5).
    burst = [0.05 * k for k in range(6)]
    arms = {
        "press_on": emails("check_in", [*burst, 0.35, 0.4, 0.45]),
        "pause": emails("check_in", [*burst, 30.0, 30.05, 30.1]),
    }
    res = run(config(arms, size=4000, replications=2))
    assert metric(res, "pause", "opt_outs") < 0.95 * metric(res, "press_on", "opt_outs")


def test_an_opt_out_is_lost_for_good_even_when_the_cadence_would_go_on() -> None:
    # stop_on is empty, reply delays are exactly one day and steps a week apart: every opt-out
    # credited to touch k removes exactly one touch from step k + 1 on; no other reply stops.
    def exact(cfg: ExperimentConfig) -> None:
        cfg.model.reply_delay_sd = 0.0
        cfg.model.reply_delay_days.email = 1.0
        cfg.model.optout_base.email = -2.0

    arms = {"weekly": emails("check_in", TEN_OVER_WEEKS[:6], stop_on=[])}
    res = run(config(arms, size=2000, edit=exact))
    bt = res.by_touch.groupby("touch_number")[["touches", "opt_outs"]].sum()
    assert bt["opt_outs"].sum() == metric(res, "weekly", "opt_outs") > 0
    for k in range(1, 6):
        assert bt.loc[k + 1, "touches"] == bt.loc[k, "touches"] - bt.loc[k, "opt_outs"]


def test_not_interested_is_a_softer_stop() -> None:
    # Without "negative" in stop_on a prospect who said no keeps being touched, may still opt
    # out, but never replies positively afterwards.
    def touchy(cfg: ExperimentConfig) -> None:
        cfg.model.negative_base = 0.0
        cfg.population.size = 2000

    arms = {
        "soft": emails("check_in", TEN_OVER_WEEKS[:6], stop_on=["opt_out"]),
        "hard": emails("check_in", TEN_OVER_WEEKS[:6]),
    }
    cfg = config(arms, edit=touchy)
    soft = arm_run(cfg, "soft")
    assert soft.books.said_no.sum() > 100
    assert not np.any(soft.books.said_no & (soft.outcome == POSITIVE))
    assert np.any(soft.books.said_no & (soft.touch_count > 1))
    hard = arm_run(cfg, "hard")
    said_no_first = hard.outcome == NEGATIVE
    assert hard.touch_count[said_no_first].mean() < soft.touch_count[soft.books.said_no].mean()


# --- need and timing (seed 004) ------------------------------------------------------------


def test_need_comes_and_goes_so_a_later_touch_can_catch_it() -> None:
    # Replies come only from prospects in market. With need frozen, a prospect out of market at
    # the first touch is still out at the second; with need coming and going, some are now in.
    def need(mean_days: float) -> Callable[[ExperimentConfig], None]:
        def edit(cfg: ExperimentConfig) -> None:
            # Everyone notices, and in market (only) nearly everyone who notices replies.
            every_email_arrives(cfg)
            cfg.model.salience.email = 50.0
            cfg.population.affinity.email = 1.0
            cfg.population.preferred_affinity = 1.0
            cfg.model.response_base.email = -6.0
            cfg.model.response_need = 10.0
            cfg.model.need_mean_in_market_days = mean_days
            cfg.model.need_mean_out_of_market_days = mean_days

        return edit

    arms = {"twice": emails("benefit_led", [0, 90])}
    moving = run(config(arms, horizon=150, edit=need(20.0))).by_touch
    frozen = run(config(arms, horizon=150, edit=need(1e7))).by_touch

    def second(bt: pd.DataFrame) -> float:
        row = bt[bt["touch_number"] == 2]
        return float(row["responses"].sum() / row["touches"].sum())

    assert second(moving) > 3.0 * second(frozen)


# --- call-back friction (seeds 000, 003) ---------------------------------------------------


def _calls() -> dict[str, StrategyConfig]:
    return {"calls": cadence([(d, "phone", "benefit_led", True) for d in (0, 3, 6, 9, 12)])}


def test_a_callback_number_that_does_not_match_lowers_responses() -> None:
    def mismatch(cfg: ExperimentConfig) -> None:
        cfg.reps.callback_number_matches = False

    same = metric(run(config(_calls(), replications=2)), "calls", "responses")
    other = metric(run(config(_calls(), replications=2, edit=mismatch)), "calls", "responses")
    assert other < 0.95 * same


def test_callback_mismatch_only_matters_through_its_parameter() -> None:
    def neutral(cfg: ExperimentConfig) -> None:
        cfg.model.callback_mismatch = 0.0

    def both(cfg: ExperimentConfig) -> None:
        neutral(cfg)
        cfg.reps.callback_number_matches = False

    same = run(config(_calls(), size=1000, edit=neutral)).metrics
    other = run(config(_calls(), size=1000, edit=both)).metrics
    pd.testing.assert_frame_equal(same, other)


def test_a_wrong_name_lowers_responses() -> None:
    arms = {"benefit": emails("benefit_led", WEEKLY)}

    def wrong(rate: float) -> Callable[[ExperimentConfig], None]:
        def edit(cfg: ExperimentConfig) -> None:
            cfg.reps.wrong_name_rate.medium = rate

        return edit

    right = metric(run(config(arms, replications=2, edit=wrong(0.0))), "benefit", "responses")
    wrong_ = metric(run(config(arms, replications=2, edit=wrong(0.8))), "benefit", "responses")
    assert wrong_ < 0.97 * right


def test_low_personalization_gets_names_wrong_more_often_than_high() -> None:
    # The default cost and rate of wrong names are small; enlarge both so the personalization
    # effect shows at this size (capacity is ample: personalization changes names and minutes).
    def costly(cfg: ExperimentConfig) -> None:
        cfg.model.wrong_name = -3.0
        cfg.reps.wrong_name_rate.low = 0.5
        cfg.reps.wrong_name_rate.high = 0.0

    arms = {
        "low": emails("benefit_led", WEEKLY, personalization="low"),
        "high": emails("benefit_led", WEEKLY, personalization="high"),
    }
    res = run(config(arms, replications=2, edit=costly))
    assert metric(res, "low", "responses") < 0.8 * metric(res, "high", "responses")
    assert metric(res, "low", "rep_hours") < metric(res, "high", "rep_hours")


def test_a_lazy_question_lowers_responses() -> None:
    arms = {
        "question": emails("lazy_question", WEEKLY),
        "check_in": emails("check_in", WEEKLY),
    }
    res = run(config(arms, replications=2))
    assert metric(res, "question", "responses") < metric(res, "check_in", "responses")


# --- response delay (all seeds) ------------------------------------------------------------


def test_response_delay_grows_with_the_channel_median_delay() -> None:
    arms = {"once": emails("benefit_led", [0])}

    def delay(days: float) -> Callable[[ExperimentConfig], None]:
        def edit(cfg: ExperimentConfig) -> None:
            cfg.model.reply_delay_days.email = days
            cfg.population.enrollment_days = 0.0

        return edit

    medians = [
        metric(run(config(arms, edit=delay(d))), "once", "median_days_to_response")
        for d in (0.5, 3.0, 12.0)
    ]
    assert medians[0] < medians[1] < medians[2]
    assert 2.0 < medians[1] < 5.0  # about the touch time (09:00+) plus the median delay


def test_replies_arrive_after_a_delay_while_the_cadence_goes_on() -> None:
    # A slow channel: the cadence touches again before the letter's reply arrives. By default
    # by_touch credits the reply to the letter that decided it; with credit=last_touch, as
    # sales-engagement platforms report it, to the last touch before it arrived (the email).
    def slow(cfg: ExperimentConfig, credit: str) -> None:
        cfg.model.reply_delay_days.postal = 10.0
        cfg.model.reply_delay_sd = 0.0
        cfg.credit = credit

    arms = {"letters": cadence([(0, "postal", "benefit_led"), (5, "email", "check_in")])}
    decided = run(config(arms, edit=lambda c: slow(c, "decided"))).by_touch
    last = run(config(arms, edit=lambda c: slow(c, "last_touch"))).by_touch
    assert decided.groupby("channel")["responses"].sum()["postal"] > 0
    assert last.groupby("channel")["responses"].sum().get("postal", 0) == 0
    # The same replies, credited to different touches.
    assert decided["responses"].sum() == last["responses"].sum()
    assert decided["meetings"].sum() == last["meetings"].sum()


def test_a_letters_replies_appear_on_the_letter_when_an_email_goes_the_same_day() -> None:
    arms = {"same_day": cadence([(0, "postal", "benefit_led"), (0, "email", "check_in")])}
    bt = run(config(arms)).by_touch
    letter = bt[bt["channel"] == "postal"]
    assert (letter["step"] == 1).all() and letter["replies"].sum() > 0
    assert letter["opt_outs"].sum() + letter["negative_replies"].sum() > 0


# --- meetings (seed 001) -------------------------------------------------------------------


def test_meetings_rise_with_warmth() -> None:
    arms = {"benefit": emails("benefit_led", WEEKLY)}

    def share(res: Results) -> float:
        return metric(res, "benefit", "meetings") / metric(res, "benefit", "responses")

    cold = share(run(config(arms)))
    warm = share(run(config(arms, population="house_list")))
    assert warm > cold + 0.1

    def neutral(cfg: ExperimentConfig) -> None:
        cfg.model.meeting_warmth = 0.0

    flat_gap = share(run(config(arms, population="house_list", edit=neutral))) - share(
        run(config(arms, edit=neutral))
    )
    assert flat_gap < (warm - cold) / 2


# --- rep capacity (seed 004, hook volume) --------------------------------------------------


def _one_email_capacity(count: int) -> Callable[[ExperimentConfig], None]:
    def edit(cfg: ExperimentConfig) -> None:
        cfg.reps.count = count
        cfg.reps.minutes_per_day = 400.0
        cfg.reps.touch_minutes.email = 4.0
        cfg.reps.mailbox_daily_cap = 10_000  # the reps' minutes bind, not the mailboxes' caps
        cfg.population.enrollment_days = 0.0

    return edit


def test_less_capacity_sends_fewer_touches_and_they_queue_to_the_next_day() -> None:
    arms = {"once": emails("benefit_led", [0], personalization="medium")}
    # 400 minutes at 4 minutes an email: 100 emails a working day; 2000 prospects, 20 days.
    small = run(config(arms, size=2000, horizon=40, edit=_one_email_capacity(1)))
    big = run(config(arms, size=2000, horizon=40, edit=_one_email_capacity(1000)))
    ts = small.timeseries.set_index("day")["touches"]
    assert ts[1] == 100  # the first day's capacity, no more
    assert ts[2] == 200  # the rest queued to the next day
    assert ts[6] == ts[5] == ts[7]  # no work at the weekend (days 6 and 7 from a Monday)
    assert ts[40] == 2000  # everyone is reached in the end
    assert big.timeseries.set_index("day")["touches"][1] == 2000
    # A cadence of several steps loses touches within the horizon when capacity is short.
    arms = {"three": emails("benefit_led", [0, 3, 6], stop_on=[])}
    few = run(config(arms, size=2000, horizon=20, edit=_one_email_capacity(1)))
    many = run(config(arms, size=2000, horizon=20, edit=_one_email_capacity(1000)))
    assert metric(few, "three", "touches") < 0.5 * metric(many, "three", "touches")
    assert metric(few, "three", "rep_hours") < metric(many, "three", "rep_hours")


def test_a_larger_list_means_fewer_touches_each() -> None:
    def tight(cfg: ExperimentConfig) -> None:
        cfg.reps.count = 2
        cfg.reps.minutes_per_day = 360.0

    arms = {
        "list": emails("benefit_led", WEEKLY),
        "big_list": emails("benefit_led", WEEKLY, list_multiplier=4.0),
    }
    m = run(config(arms, size=1000, horizon=60, edit=tight)).metrics.set_index("arm")
    per_prospect = m["touches"] / m["prospects"]
    assert m.loc["big_list", "prospects"] == 4 * m.loc["list", "prospects"]
    assert per_prospect["big_list"] < 0.5 * per_prospect["list"]


# --- introductions (seeds 001, 004) --------------------------------------------------------


def test_introductions_only_reach_prospects_with_a_connector_and_carry_warmth() -> None:
    arms = {"intro": cadence([(0, "referral", "benefit_led")], stop_on=["opt_out"])}

    def connectors(share: float) -> Callable[[ExperimentConfig], None]:
        def edit(cfg: ExperimentConfig) -> None:
            cfg.population.connector_share = share
            cfg.population.size = 2000

        return edit

    none = run(config(arms, edit=connectors(0.0)))
    assert metric(none, "intro", "responses") == 0
    assert metric(none, "intro", "mean_warmth_change") == pytest.approx(0.0, abs=1e-6)
    assert metric(none, "intro", "mean_familiarity") < 1e-3  # strangers: Beta draws near zero

    cfg = config(arms, edit=connectors(0.3))
    runner = arm_run(cfg, "intro")
    has = runner.p.has_connector
    assert 0 < has.sum() < has.size
    assert np.all(runner.outcome[~has] == 0)  # nobody without a connector replies
    assert runner.outcome[has].astype(bool).any()
    gained = runner.state.warmth - runner.p.warmth_base
    assert np.all(np.abs(gained[~has]) < 1e-6)
    assert gained[has].mean() > 0.5 * cfg.population.connector_warmth * (
        1 - float(runner.p.warmth_base[has].mean())
    )


# --- model v2: heterogeneity, relationship terms, recovery, wear-out, screening ------------


def test_prospects_who_cannot_be_reached_never_reply_but_may_opt_out() -> None:
    runner = arm_run(config({"e": emails("benefit_led", WEEKLY)}, size=6000), "e")
    stayers = ~runner.p.reachable
    assert 0.1 < stayers.mean() < 0.95  # a mixture: some can answer, some cannot
    replied = (runner.outcome == POSITIVE) | (runner.outcome == NEGATIVE)
    assert replied.any()
    assert not (replied & stayers).any()


def test_everyone_reachable_gets_more_replies() -> None:
    def all_reachable(cfg: ExperimentConfig) -> None:
        cfg.model.reachable.stranger = 1.0

    arms = {"e": emails("benefit_led", WEEKLY)}
    assert metric(run(config(arms, edit=all_reachable)), "e", "responses") > 1.3 * metric(
        run(config(arms)), "e", "responses"
    )


def test_responsive_prospects_reply_more_and_answer_early() -> None:
    runner = arm_run(config({"e": emails("benefit_led", WEEKLY)}, size=6000), "e")
    z = runner.p.responsiveness
    replied = (runner.outcome == POSITIVE) | (runner.outcome == NEGATIVE)
    assert z[replied].mean() > z.mean() + 0.3  # frailty: the same people reply, whatever the step

    def no_frailty(cfg: ExperimentConfig) -> None:
        cfg.model.responsiveness_sd = 0.0
        cfg.model.notice_responsiveness = 0.0  # the score's second role: attention (2.14)

    flat = arm_run(config({"e": emails("benefit_led", WEEKLY)}, size=6000, edit=no_frailty), "e")
    replied = (flat.outcome == POSITIVE) | (flat.outcome == NEGATIVE)
    assert abs(z[replied].mean() - z.mean()) < 0.2


def _optouts(population: str, edit: Callable[[ExperimentConfig], None] | None = None) -> float:
    arms = {"e": emails("check_in", [0, 2, 4, 6, 8, 10], stop_on=["opt_out"])}
    return metric(run(config(arms, population=population, size=6000, edit=edit)), "e", "opt_outs")


def test_a_relationship_shields_from_opt_outs() -> None:
    assert _optouts("house_list") < _optouts("cold_list")

    def no_shield(cfg: ExperimentConfig) -> None:
        cfg.model.optout_warmth = 0.0
        cfg.model.optout_familiarity = 0.0

    assert _optouts("house_list", no_shield) > 1.5 * _optouts("house_list")


def test_a_valuable_message_is_met_with_fewer_opt_outs() -> None:
    def value_only(cfg: ExperimentConfig) -> None:  # same annoyance for both messages
        cfg.model.annoyance_message.resource = cfg.model.annoyance_message.lazy_question

    days = [0, 3, 6, 9]
    arms = {
        "resource": emails("resource", days, stop_on=["opt_out"]),
        "lazy": emails("lazy_question", days, stop_on=["opt_out"]),
    }
    res = run(config(arms, size=8000, edit=value_only))
    assert metric(res, "resource", "opt_outs") < 0.9 * metric(res, "lazy", "opt_outs")

    def no_value_term(cfg: ExperimentConfig) -> None:
        value_only(cfg)
        cfg.model.optout_value = 0.0
        cfg.model.negative_message.resource = cfg.model.negative_message.lazy_question
        cfg.model.message_value.resource = cfg.model.message_value.lazy_question
        cfg.model.warmth_deposit.resource = cfg.model.warmth_deposit.lazy_question

    res = run(config(arms, size=8000, edit=no_value_term))
    assert metric(res, "resource", "opt_outs") == metric(res, "lazy", "opt_outs")


def test_warmth_makes_not_interested_rarer() -> None:
    arms = {"e": emails("self_focused", WEEKLY)}

    def neg_rate(edit: Callable[[ExperimentConfig], None] | None = None) -> float:
        res = run(config(arms, population="house_list", size=6000, edit=edit))
        return metric(res, "e", "negative_replies") / metric(res, "e", "touches")

    def no_term(cfg: ExperimentConfig) -> None:
        cfg.model.negative_warmth = 0.0

    assert neg_rate() < 0.8 * neg_rate(no_term)


def test_habituation_recovers_over_a_pause() -> None:
    steps = [(d, "email", "benefit_led") for d in (0, 3, 6, 60, 63)]
    arms = {"identical": cadence(steps, vary_messages=False)}

    def never(cfg: ExperimentConfig) -> None:
        cfg.model.habituation_recovery_days = 1e9

    recovered = metric(run(config(arms, size=8000)), "identical", "responses")
    stuck = metric(run(config(arms, size=8000, edit=never)), "identical", "responses")
    assert recovered > 1.05 * stuck


def test_repeated_touches_on_a_channel_wear_out() -> None:
    days = [0, 2, 4, 6, 8, 10, 12, 14]
    arms = {"e": emails("benefit_led", days, stop_on=["opt_out"])}

    def no_wearout(cfg: ExperimentConfig) -> None:
        cfg.model.wearout = 0.0

    def late_rate(res: Results) -> float:
        late = res.by_touch[res.by_touch["touch_number"] >= 5]
        return float((late["responses"] + late["negative_replies"]).sum() / late["touches"].sum())

    assert late_rate(run(config(arms, size=8000))) < 0.9 * late_rate(
        run(config(arms, size=8000, edit=no_wearout))
    )


def test_a_voicemail_makes_the_next_call_less_likely_to_be_answered() -> None:
    arms = {
        "no_vm": cadence([(0, "phone", "benefit_led", False), (2, "phone", "benefit_led", False)]),
        "vm": cadence([(0, "phone", "benefit_led", True), (2, "phone", "benefit_led", False)]),
    }

    def live(edit: Callable[[ExperimentConfig], None] | None = None) -> tuple[float, float]:
        res = run(config(arms, size=20000, edit=edit))
        return metric(res, "vm", "live_answers"), metric(res, "no_vm", "live_answers")

    vm, no_vm = live()
    assert vm < 0.97 * no_vm

    def no_screening(cfg: ExperimentConfig) -> None:
        cfg.model.answer_voicemail = 0.0

    vm, no_vm = live(no_screening)
    assert vm >= no_vm  # without screening, the voicemail's familiarity only helps


def test_most_prospects_are_out_of_market_at_any_time() -> None:
    from sim.model.population import need_stationary_share

    share = need_stationary_share(_base("cold_list").model)
    assert 0.03 <= share <= 0.07  # the 95:5 rule (Dawes 2021)


def test_a_known_callers_voicemail_is_played_even_by_those_who_never_listen() -> None:
    arms = {"voicemail": cadence([(d, "phone", "benefit_led", True) for d in (0, 3, 6)])}

    def nobody_listens(cfg: ExperimentConfig) -> None:
        cfg.population.voicemail_listeners = 0.0

    house = run(config(arms, population="house_list", size=6000, edit=nobody_listens))
    cold = run(config(arms, size=6000, edit=nobody_listens))
    # Warmth lets a voicemail through: clients (W ~ 0.55) play some, strangers (W ~ 0.03) few.
    assert metric(house, "voicemail", "voicemail_replies") > 0
    assert metric(house, "voicemail", "voicemail_replies") > 3 * metric(
        cold, "voicemail", "voicemail_replies"
    )


# --- model v3: sequence dynamics (docs/model.md 2.6, 2.14) ----------------------------------

SIX_EMAILS = [0, 3, 7, 10, 14, 21]


def _step_rates(res: Results, arm: str) -> np.ndarray:
    """Replies of any kind per touch at each touch number of an arm (all replicates)."""
    rows = res.by_touch[res.by_touch["arm"] == arm].groupby("touch_number").sum(numeric_only=True)
    return np.asarray((rows["responses"] + rows["negative_replies"]) / rows["touches"])


def test_attentive_prospects_answer_early_so_later_steps_reach_fewer_of_them() -> None:
    def attention_spread(sd: float) -> Callable[[ExperimentConfig], None]:
        def edit(cfg: ExperimentConfig) -> None:
            cfg.model.notice_responsiveness = sd

        return edit

    attentive = attention_spread(1.2)
    arms = {"e": emails("benefit_led", SIX_EMAILS)}
    on = _step_rates(run(config(arms, size=20_000, edit=attentive)), "e")
    off = _step_rates(run(config(arms, size=20_000, edit=attention_spread(0.0))), "e")
    # Whoever reads cold email is whoever answers it: they answer at the first steps and leave
    # the later ones to those who rarely read (front-loaded frailty), so the curve falls.
    assert on[4:6].mean() / on[0] < off[4:6].mean() / off[0] - 0.1
    runner = arm_run(config(arms, size=6000, edit=attentive), "e")
    z = runner.p.responsiveness
    replied = (runner.outcome == POSITIVE) | (runner.outcome == NEGATIVE)
    assert z[replied].mean() > 1.0  # attention and reply share the prospect's score


def test_attentiveness_spreads_notice_without_moving_its_mean() -> None:
    z = np.random.default_rng(0).standard_normal(400_000)
    r = rf.attentiveness(z, 1.2)
    assert r.mean() == pytest.approx(1.0, rel=0.02)
    assert np.corrcoef(z, np.log(r))[0, 1] == pytest.approx(1.0)
    assert np.all(rf.attentiveness(z, 0.0) == 1.0)


def test_tedium_recovers_on_its_own_clock_not_habituations() -> None:
    days = [0, 2, 4, 6, 8, 38, 40]  # a burst, a month's pause, two more
    arms = {"e": emails("benefit_led", days, stop_on=["opt_out"])}

    def clocks(tedium_days: float) -> Callable[[ExperimentConfig], None]:
        def edit(cfg: ExperimentConfig) -> None:
            cfg.model.wearout = 0.5
            cfg.model.habituation_recovery_days = 1e9  # habituation never recovers in both
            cfg.model.wearout_recovery_days = tedium_days

        return edit

    def after_pause(res: Results) -> float:
        late = res.by_touch[res.by_touch["touch_number"] >= 6]
        return float((late["responses"] + late["negative_replies"]).sum() / late["touches"].sum())

    fast = after_pause(run(config(arms, size=8000, edit=clocks(5.0))))
    never = after_pause(run(config(arms, size=8000, edit=clocks(1e9))))
    assert fast > 1.3 * never  # the pause drained tedium, though habituation stayed


def test_irritation_from_a_burst_fades_before_familiarity_does() -> None:
    # Kronrod and Huber 2019: annoyance with massed repetition decays fast, memory of the name
    # stays. The same last email right after a burst of six, or four weeks later.
    burst = [0.1 * k for k in range(6)]
    arms = {
        "at_once": emails("check_in", [*burst, 1.0], stop_on=["opt_out"]),
        "later": emails("check_in", [*burst, 28.0], stop_on=["opt_out"]),
    }

    def only_irritation(response_annoyance: float) -> Callable[[ExperimentConfig], None]:
        def edit(cfg: ExperimentConfig) -> None:
            cfg.model.wearout = 0.0  # tedium and habituation out: irritation alone
            cfg.model.habituation_varied = 0.0
            cfg.model.response_annoyance = response_annoyance
            cfg.model.negative_annoyance = 0.0

        return edit

    def last_rate(res: Results, arm: str) -> float:
        return float(_step_rates(res, arm)[-1])

    def gain(response_annoyance: float) -> float:
        """How much more the last email gets four weeks on than at once."""
        res = run(config(arms, size=20_000, edit=only_irritation(response_annoyance)))
        return last_rate(res, "later") / last_rate(res, "at_once")

    # Other things differ too (replies still in flight right after the burst): the comparison is
    # the same pair of arms with and without irritation's hold on replies.
    assert gain(-3.0) > gain(0.0) + 0.05


# --- deliverability: mailboxes, sender reputation, inbox placement (seed 004, docs 2.17) ---------


def _quiet_mailboxes(cfg: ExperimentConfig) -> None:
    """Deliverability on, with no reputation pressure and no bad address: each test below turns
    on one signal."""
    m = cfg.model
    m.deliverability = True
    m.reputation_volume = m.reputation_complaints = 0.0
    m.reputation_bounces = m.reputation_identical = 0.0
    cfg.population.bad_address_share = 0.0
    cfg.population.enrollment_days = 0.0


def _busy_mailboxes(cfg: ExperimentConfig) -> None:
    """One rep with two mailboxes and time to spare: each mailbox sends a thousand emails a day."""
    _quiet_mailboxes(cfg)
    cfg.reps.count, cfg.reps.mailboxes = 1, 2
    cfg.reps.minutes_per_day = 1e6
    cfg.reps.touch_minutes.email = 0.1  # the rep's clock holds 9,000 emails a day
    cfg.reps.mailbox_daily_cap = 10_000


DAILY = [0, 1, 2, 3]


def test_reputation_falls_with_volume_above_the_safe_level() -> None:
    arms = {"e": emails("benefit_led", DAILY)}

    def volume(weight: float, safe: float) -> Callable[[ExperimentConfig], None]:
        def edit(cfg: ExperimentConfig) -> None:
            _busy_mailboxes(cfg)
            cfg.model.reputation_volume = weight
            cfg.model.reputation_safe_volume = safe

        return edit

    def day_two(res: Results) -> pd.Series:
        return res.timeseries.set_index("day").loc[2]

    heavy = run(config(arms, size=2000, horizon=6, edit=volume(0.05, 50.0)))
    within = run(config(arms, size=2000, horizon=6, edit=volume(0.05, 5000.0)))
    none = run(config(arms, size=2000, horizon=6, edit=volume(0.0, 50.0)))
    # A thousand emails a mailbox on day 0: 19 safe volumes above the safe level.
    assert day_two(heavy)["mean_reputation"] < day_two(within)["mean_reputation"] - 0.5
    assert day_two(within)["mean_reputation"] == day_two(none)["mean_reputation"]
    assert day_two(heavy)["inbox_placement"] < 0.6 * day_two(within)["inbox_placement"]
    assert metric(heavy, "e", "responses") < metric(within, "e", "responses")


def test_spam_complaints_lower_reputation() -> None:
    arms = {"e": emails("check_in", DAILY, stop_on=[])}

    def complaints(share: float) -> Callable[[ExperimentConfig], None]:
        def edit(cfg: ExperimentConfig) -> None:
            _busy_mailboxes(cfg)
            cfg.model.reputation_complaints = 7.8
            cfg.model.complaint_share = share
            cfg.model.optout_base.email = -3.0  # opt-outs aplenty
            cfg.model.reply_delay_sd = 0.0  # every opt-out arrives a day later, by the horizon

        return edit

    marked = run(config(arms, size=3000, horizon=6, edit=complaints(1.0)))
    never = run(config(arms, size=3000, horizon=6, edit=complaints(0.0)))
    assert metric(never, "e", "spam_complaints") == 0
    # Every email opt-out is a complaint (the first day's opt-outs are all from emails).
    assert metric(marked, "e", "spam_complaints") == metric(marked, "e", "opt_outs") > 50
    assert metric(marked, "e", "complaint_rate") > 0.003  # above Gmail and Yahoo's limit
    assert metric(marked, "e", "final_reputation") < metric(never, "e", "final_reputation") - 0.1
    assert metric(marked, "e", "inbox_placement_rate") < metric(never, "e", "inbox_placement_rate")


def test_bounces_and_identical_content_lower_reputation() -> None:
    arms = {
        "template": emails("benefit_led", DAILY, vary_messages=False, personalization="low"),
        "written": emails("benefit_led", DAILY, vary_messages=True, personalization="high"),
    }

    def signals(bad: float, identical: float) -> Callable[[ExperimentConfig], None]:
        def edit(cfg: ExperimentConfig) -> None:
            _busy_mailboxes(cfg)
            cfg.population.bad_address_share = bad
            cfg.model.reputation_bounces = 0.5
            cfg.model.reputation_identical = identical

        return edit

    clean = run(config(arms, size=2000, horizon=5, edit=signals(0.0, 0.0)))
    bouncy = run(config(arms, size=2000, horizon=5, edit=signals(0.3, 0.0)))
    assert metric(clean, "written", "emails_bounced") == 0
    bounced = metric(bouncy, "written", "emails_bounced") / metric(bouncy, "written", "emails")
    assert 0.25 < bounced < 0.35  # the bad addresses' share of the list
    for arm in arms:
        assert metric(bouncy, arm, "final_reputation") < metric(clean, arm, "final_reputation")
    same = run(config(arms, size=2000, horizon=5, edit=signals(0.0, 0.05)))
    # One text for every recipient: the template loses reputation, the written emails do not.
    assert metric(same, "template", "final_reputation") < metric(
        clean, "template", "final_reputation"
    )
    assert metric(same, "written", "final_reputation") == metric(
        clean, "written", "final_reputation"
    )


def test_placement_rises_with_reputation() -> None:
    p = inbox_probability
    assert float(p(0.9, -2.91, 5.5)) > float(p(0.5, -2.91, 5.5)) > float(p(0.1, -2.91, 5.5))
    arms = {"e": emails("benefit_led", WEEKLY)}

    def start(reputation: float) -> Callable[[ExperimentConfig], None]:
        def edit(cfg: ExperimentConfig) -> None:
            _quiet_mailboxes(cfg)
            cfg.reps.start_reputation = reputation

        return edit

    good = run(config(arms, size=3000, horizon=40, edit=start(1.0)))
    poor = run(config(arms, size=3000, horizon=40, edit=start(0.3)))
    assert metric(good, "e", "inbox_placement_rate") > 0.9
    assert metric(poor, "e", "inbox_placement_rate") < 0.6
    assert metric(poor, "e", "responses") < 0.8 * metric(good, "e", "responses")


def test_an_email_that_misses_the_inbox_gets_no_reply() -> None:
    arms = {
        "mixed": cadence([(0, "email", "benefit_led"), (2, "social", "benefit_led")], stop_on=[])
    }

    def never_inbox(cfg: ExperimentConfig) -> None:
        _quiet_mailboxes(cfg)
        cfg.model.inbox_base = -40.0  # placement ~ 0: every email in the spam folder

    res = run(config(arms, edit=never_inbox))
    bt = res.by_touch.groupby("channel")[["touches", "replies", "opt_outs"]].sum()
    assert bt.loc["email", "touches"] == N and bt.loc["email", "replies"] == 0
    assert bt.loc["email", "opt_outs"] == 0
    assert bt.loc["social", "replies"] > 0  # the other channel is untouched by the spam folder
    assert metric(res, "mixed", "inbox_placement_rate") == 0.0
    # Nobody saw the emails: they annoyed nobody either.
    only_email = {"email": emails("benefit_led", [0])}
    unseen = run(config(only_email, edit=never_inbox))
    seen = run(config(only_email, edit=_quiet_mailboxes))
    assert (
        metric(unseen, "email", "mean_annoyance") == 0.0 < metric(seen, "email", "mean_annoyance")
    )

    def all_bounce(cfg: ExperimentConfig) -> None:
        _quiet_mailboxes(cfg)
        cfg.population.bad_address_share = 1.0

    bounced = run(config(only_email, edit=all_bounce))
    assert metric(bounced, "email", "emails_bounced") == metric(bounced, "email", "emails") == N
    assert metric(bounced, "email", "responses") + metric(bounced, "email", "opt_outs") == 0


def test_mailbox_caps_delay_emails_to_the_next_working_day() -> None:
    arms = {
        "both": cadence(
            [(0, "phone", "benefit_led", False), (0, "email", "benefit_led")], stop_on=[]
        ),
    }

    def capped(cap: int, warmup: float = 0.0) -> Callable[[ExperimentConfig], None]:
        def edit(cfg: ExperimentConfig) -> None:
            _quiet_mailboxes(cfg)
            cfg.reps.count, cfg.reps.mailboxes = 2, 3
            cfg.reps.minutes_per_day = 1e6
            cfg.reps.touch_minutes.email = cfg.reps.touch_minutes.phone = 0.1
            cfg.reps.mailbox_daily_cap = cap
            cfg.reps.warmup_days = warmup

        return edit

    # 6 mailboxes x 50 = 300 emails a working day; 2,000 prospects due on day 0.
    res = run(config(arms, size=2000, horizon=20, edit=capped(50)))
    bt = res.timeseries.set_index("day")["touches"]
    emails_made = res.by_touch.groupby("channel")["touches"].sum()["email"]
    assert bt[1] == 2000 + 300  # every call, and the emails the caps allow
    assert bt[2] == 2000 + 600
    assert bt[6] == bt[5]  # weekends: nobody sends
    assert emails_made > 1990  # every email but those to the few who opted out on the phone
    assert metric(res, "both", "touches_late") == emails_made - 300  # all but day 0's emails
    assert metric(res, "both", "mailbox_capped_days") == 6
    (line,) = limits_warnings(res.metrics)  # the mailboxes bound, not the reps' minutes
    assert line.startswith("warning: both: mailbox caps held emails back on 6 of ")
    free = run(config(arms, size=2000, horizon=20, edit=capped(10_000)))
    assert free.timeseries.set_index("day")["touches"][1] == 2000 + emails_made
    assert metric(free, "both", "mailbox_capped_days") == 0
    # New mailboxes warming up over 10 days may send a tenth of the cap on day 0.
    warming = run(config(arms, size=2000, horizon=20, edit=capped(50, warmup=10.0)))
    assert warming.timeseries.set_index("day")["touches"][1] == 2000 + 6 * 5


def test_deliverability_is_reproducible_and_arms_share_placement_draws() -> None:
    one_email = {"short": emails("benefit_led", [0]), "long": emails("benefit_led", [0])}
    one_email["long"].list_multiplier = 3.0

    def coin(cfg: ExperimentConfig) -> None:
        _quiet_mailboxes(cfg)
        cfg.reps.start_reputation = 1.0  # no pressure: every mailbox stays at 1
        cfg.model.inbox_base = -cfg.model.inbox_reputation  # placement 0.5
        cfg.model.response_base.email = 0.0  # replies aplenty among those who see it
        cfg.population.enrollment_days = 5.0

    cfg = config(one_email, size=2000, edit=coin)
    short, long = arm_run(cfg, "short"), arm_run(cfg, "long")
    rate = long.mail.metrics()["inbox_placement_rate"]
    assert 0.45 < rate < 0.55
    # The long arm sends three times the emails in another order from other mailboxes, yet
    # each of the short arm's prospects meets the same placement, notice and reply draws.
    n = short.p.n
    assert short.outcome.astype(bool).sum() > 30
    assert np.array_equal(short.outcome, long.outcome[:n])

    def pressured(cfg: ExperimentConfig) -> None:
        cfg.model.deliverability = True
        cfg.model.reputation_volume = 0.05
        cfg.model.complaint_share = 0.5
        cfg.reps.count, cfg.reps.mailboxes = 2, 1
        cfg.reps.minutes_per_day = 1e6
        cfg.reps.mailbox_daily_cap = 400

    arms = {"e": emails("check_in", DAILY)}
    first, again = (run(config(arms, size=2000, horizon=20, edit=pressured)) for _ in range(2))
    other = run(config(arms, size=2000, horizon=20, seed=1, edit=pressured))
    for table in ("metrics", "timeseries", "by_touch"):
        pd.testing.assert_frame_equal(getattr(first, table), getattr(again, table))
    assert not first.timeseries["mean_reputation"].equals(other.timeseries["mean_reputation"])
