"""The cadence language in the engine: touches happen when, where and how the steps say.

Every test reads the engine's touch log (``ArmRun(..., record_touches=True)``) and checks it
against the cadence, mostly with :func:`cadence_helpers.check_schedule`, which recomputes each
prospect's schedule with plain loops. Business days, both caps, cool-down cycles, A/B variants,
``stop_on``, ``list_multiplier`` and personalization cost each get a test that fails without
the mechanism.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from cadence_helpers import check_schedule, experiment, log_frame, run_arm

from sim.model.config import (
    CooldownConfig,
    ExperimentConfig,
    StepConfig,
    StrategyConfig,
    VariantConfig,
)
from sim.model.engine import POSITIVE
from sim.run.api import simulate
from sim.run.metrics import by_touch_table


def custom(cfg: ExperimentConfig, name: str, strategy: StrategyConfig) -> None:
    """Replace the arms of ``cfg`` by one custom strategy."""
    cfg.strategy = {name: strategy}
    cfg.baseline = name


def weekday(t: pd.Series) -> pd.Series:
    return np.floor(t).astype(int) % 7


# --- the touch log --------------------------------------------------------------------------


def test_touch_log_is_off_by_default_and_matches_by_touch_when_on() -> None:
    cfg = experiment(["benefit_led"], no_stops=False)
    quiet = run_arm(cfg, "benefit_led", record_touches=False)
    assert quiet.recorder is None
    with pytest.raises(RuntimeError, match="record_touches"):
        quiet.touch_log()
    run = run_arm(cfg, "benefit_led")
    log = log_frame(run)
    assert len(log) == int(run.books.by_touch[:, :, 0].sum()) > 0
    # Recording changes nothing: same touches, same outcomes.
    assert np.array_equal(run.books.by_touch, quiet.books.by_touch)
    # Touch numbers count each prospect's touches from 1, in time order.
    numbers = log.groupby("prospect")["number"].apply(list)
    assert all(n == list(range(1, len(n) + 1)) for n in numbers)


# --- business days --------------------------------------------------------------------------


def _two_steps(business: bool) -> StrategyConfig:
    return StrategyConfig(
        label="two steps",
        steps=[
            StepConfig(day=0, channel="email", message="benefit_led"),
            StepConfig(day=3, channel="email", message="benefit_led"),
        ],
        business_days=business,
    )


@pytest.mark.parametrize("business", [False, True])
def test_business_days_count_only_monday_to_friday(business: bool) -> None:
    def edit(cfg: ExperimentConfig) -> None:
        custom(cfg, "two", _two_steps(business))
        cfg.reps.work_weekends = True  # reps would work weekends: only the cadence can skip them

    cfg = experiment(edit=edit, size=300)
    run = run_arm(cfg, "two")
    log = log_frame(run)
    assert check_schedule(cfg, "two", run, log) == len(log) > 0
    second = log[log["number"] == 2]
    first = log[log["number"] == 1].set_index("prospect").loc[second["prospect"]]
    from_friday = (weekday(first["time"]) == 4).to_numpy()
    assert from_friday.any()
    days = weekday(second["time"]).to_numpy()
    if business:
        assert not np.isin(days, [5, 6]).any()
        assert (days[from_friday] == 2).all()  # Friday + 3 working days = Wednesday
    else:
        assert np.isin(days, [5, 6]).any()
        assert (days[from_friday] == 0).all()  # Friday + 3 days = Monday


@pytest.mark.parametrize("arm", ["entitlement", "cooldown_heatup", "breakup"])
def test_business_days_apply_to_presets_and_pauses(arm: str) -> None:
    def edit(cfg: ExperimentConfig) -> None:
        cfg.strategy[arm].business_days = True

    cfg = experiment([arm], edit=edit)
    run = run_arm(cfg, arm)
    assert check_schedule(cfg, arm, run) > 0


# --- caps -----------------------------------------------------------------------------------


@pytest.mark.parametrize("cap", [None, 3])
def test_weekly_cap_per_prospect(cap: int | None) -> None:
    def edit(cfg: ExperimentConfig) -> None:
        cfg.strategy["bombard"].max_touches_per_week = cap

    cfg = experiment(["bombard"], edit=edit, horizon=60.0)
    log = log_frame(run_arm(cfg, "bombard"))
    per_week = log.groupby(["prospect", np.floor(log["time"] / 7)]).size()
    # Nothing is dropped: every prospect still gets all ten touches, spread over weeks.
    assert (log.groupby("prospect").size() == 10).all()
    if cap is None:
        assert per_week.max() == 10
    else:
        assert per_week.max() == cap
        # A touch over the cap waits for Monday: each later week starts on a Monday morning.
        starts = log.groupby(["prospect", np.floor(log["time"] / 7)])["time"].min()
        later = starts[starts.groupby(level="prospect").cumcount() > 0]
        assert (weekday(later) == 0).all()


@pytest.mark.parametrize("cap", [None, 4])
def test_daily_cap_per_rep(cap: int | None) -> None:
    reps = 3

    def edit(cfg: ExperimentConfig) -> None:
        cfg.strategy["entitlement"].max_touches_per_rep_day = cap
        cfg.reps.count = reps

    cfg = experiment(["entitlement"], edit=edit, size=200)
    run = run_arm(cfg, "entitlement")
    log = log_frame(run)
    per_day = log.groupby(np.floor(log["time"])).size()
    if cap is None:
        assert per_day.max() > 4 * reps
    else:
        assert per_day.max() == cap * reps  # the pool's cap binds, and is never exceeded
        # Deferred touches keep the cadence's order.
        steps = log.groupby("prospect")["step"].apply(list)
        assert all(s == list(range(len(s))) for s in steps)


# --- cool-down ------------------------------------------------------------------------------


def test_cooldown_pauses_after_unanswered_touches_at_most_cycles_times() -> None:
    cfg = experiment(["cooldown_heatup", "persistent"])
    heat = log_frame(run_arm(cfg, "cooldown_heatup"))
    flat = log_frame(run_arm(cfg, "persistent"))
    pause = cfg.strategy["cooldown_heatup"].cooldown
    assert pause is not None
    gaps = heat.groupby("prospect")["time"].diff()
    done = heat.groupby("prospect")["number"].transform("max") == 9
    assert done.sum() > 100
    long = heat[done & (gaps >= pause.pause_days - 1e-9)]["number"]
    # Pauses come before the 4th and the 7th touch (after 3 unanswered each), and nowhere else.
    assert set(long.unique()) == {4, 7}
    assert (long.value_counts() == heat[done]["prospect"].nunique()).all()
    assert heat.loc[done, "cycle"].tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2] * int(done.sum() // 9)
    # The twin makes the same touches, in the same order, without the pauses.
    assert flat["time"].groupby(flat["prospect"]).diff().max() < pause.pause_days
    seq = ["channel", "message"]
    first = heat[heat["prospect"] == 0][seq].to_numpy()
    assert (flat[flat["prospect"] == 0][seq].to_numpy() == first).all()
    check_schedule(cfg, "cooldown_heatup", run_arm(cfg, "cooldown_heatup"), heat)


def test_cooldown_restarts_from_the_first_step_when_steps_run_out() -> None:
    strategy = StrategyConfig(
        steps=[
            StepConfig(day=0, channel="email", message="benefit_led"),
            StepConfig(day=2, channel="sms", message="benefit_led"),
        ],
        cooldown=CooldownConfig(after_unanswered=5, pause_days=10.0, cycles=2),
    )
    cfg = experiment(edit=lambda c: custom(c, "loop", strategy), horizon=80.0)
    run = run_arm(cfg, "loop")
    log = log_frame(run)
    check_schedule(cfg, "loop", run, log)
    steps = log.groupby("prospect")["step"].apply(list)
    assert (steps.apply(len) == 6).all()
    assert all(s == [0, 1, 0, 1, 0, 1] for s in steps)


# --- A/B variants ---------------------------------------------------------------------------


def _ab_strategy(weights: tuple[float, float] = (3.0, 1.0)) -> StrategyConfig:
    return StrategyConfig(
        label="A/B",
        steps=[
            StepConfig(day=0, channel="phone", message="benefit_led"),
            StepConfig(
                day=3,
                channel="email",
                message="benefit_led",
                variants=[
                    VariantConfig(name="long", weight=weights[0]),
                    VariantConfig(
                        name="text", channel="sms", message="check_in", weight=weights[1]
                    ),
                ],
            ),
            StepConfig(day=6, channel="email", message="resource"),
        ],
    )


def test_variants_split_prospects_and_send_their_own_content() -> None:
    cfg = experiment(edit=lambda c: custom(c, "ab", _ab_strategy()), size=2000, horizon=40)
    run = run_arm(cfg, "ab")
    log = log_frame(run)
    check_schedule(cfg, "ab", run, log)  # each variant's channel and message (helpers.sent)
    second = log[log["step"] == 1]
    assert set(second["variant"]) == {"long", "text"}
    assert set(log.loc[log["step"] != 1, "variant"]) == {"-"}
    share = (second["variant"] == "long").mean()
    assert 0.70 < share < 0.80  # weights 3:1
    # Both variants are reported in by_touch, with their own counts.
    table = by_touch_table([run.result(0, cfg.seed)])
    rows = table[table["touch_number"] == 2].set_index("variant")["touches"]
    counts = second["variant"].value_counts()
    assert rows.to_dict() == counts.to_dict()
    assert set(table.loc[table["touch_number"] == 2, "channel"]) == {"email", "sms"}


def test_variant_assignment_is_reproducible_and_prefix_stable() -> None:
    def assignment(size: int) -> pd.Series:
        cfg = experiment(edit=lambda c: custom(c, "ab", _ab_strategy((1, 1))), size=size)
        log = log_frame(run_arm(cfg, "ab"))
        return log[log["step"] == 1].set_index("prospect")["variant"]

    small, again, large = assignment(300), assignment(300), assignment(600)
    assert small.equals(again)
    assert small.equals(large.loc[small.index])
    assert large.nunique() == 2


def test_variants_reach_the_by_touch_table_through_the_api() -> None:
    cfg = experiment(edit=lambda c: custom(c, "ab", _ab_strategy()), no_stops=False, size=400)
    res = simulate(cfg)
    assert list(res.by_touch.columns[:8]) == [
        "arm",
        "replicate",
        "touch_number",
        "step",
        "planned_day",
        "channel",
        "message",
        "variant",
    ]
    assert {"long", "text", "-"} <= set(res.by_touch["variant"])
    assert res.by_touch["touches"].sum() == res.metrics["touches"].sum()


# --- stop_on, list_multiplier, personalization ---------------------------------------------


def test_default_stop_on_ends_the_cadence_when_a_reply_arrives() -> None:
    cfg = experiment(["benefit_led"], ["population=house_list"], no_stops=False, size=600)
    run = run_arm(cfg, "benefit_led")
    log = log_frame(run)
    stop = run.schedule.stop_at[log["prospect"].to_numpy()]
    assert np.isfinite(run.schedule.stop_at).sum() > 20
    time = log["time"].to_numpy()
    # Nothing after the reply; only the touch a live conversation answered on the spot shares
    # its time (a reply with no delay).
    assert (time <= stop).all()
    assert log[time == stop].groupby("prospect").size().max() == 1


@pytest.mark.parametrize("stop_on", [["positive", "negative", "opt_out"], ["negative"]])
def test_stop_on_decides_whether_positive_responders_are_touched_again(
    stop_on: list[str],
) -> None:
    def edit(cfg: ExperimentConfig) -> None:
        cfg.strategy["benefit_led"].stop_on = stop_on

    cfg = experiment(
        ["benefit_led"], ["population=house_list"], no_stops=False, edit=edit, size=600
    )
    run = run_arm(cfg, "benefit_led")
    log = log_frame(run)
    responded = run.p.enrolled_at + np.nan_to_num(run.books.responded_at(run.p.n), nan=np.inf)
    positive = run.outcome == POSITIVE
    assert positive.sum() > 20
    after = log["time"].to_numpy() > responded[log["prospect"].to_numpy()]
    touched_after = np.unique(log["prospect"].to_numpy()[after])
    if "positive" in stop_on:
        assert touched_after.size == 0
    else:
        assert positive[touched_after].sum() > 0


def test_list_multiplier_enrolls_a_longer_list_with_the_same_reps() -> None:
    cfg = experiment(["high_volume", "entitlement"], size=100)
    volume, base = run_arm(cfg, "high_volume"), run_arm(cfg, "entitlement")
    assert (volume.p.n, base.p.n) == (500, 100)
    assert volume.schedule.capacity == base.schedule.capacity
    assert log_frame(volume)["prospect"].nunique() > 400
    # The longer list's head is the shorter list: prospect i is the same person in both arms.
    assert np.array_equal(volume.p.warmth_base[:100], base.p.warmth_base)


@pytest.mark.parametrize("level", ["low", "medium", "high"])
def test_personalization_sets_rep_minutes_per_touch(level: str) -> None:
    strategy = StrategyConfig(
        steps=[
            StepConfig(day=0, channel="email", message="benefit_led"),
            StepConfig(day=4, channel="social", message="benefit_led"),
        ],
        personalization=level,
    )
    cfg = experiment(edit=lambda c: custom(c, "p", strategy), no_stops=False)
    run = run_arm(cfg, "p")
    log = log_frame(run)
    factor = getattr(cfg.reps.personalization_minutes, level)
    per_touch = log["channel"].map(
        {"email": cfg.reps.touch_minutes.email, "social": cfg.reps.touch_minutes.social}
    )
    assert math.isclose(run.schedule.minutes_used, factor * per_touch.sum(), rel_tol=1e-9)
    assert run.world.wrong_name_rate == getattr(cfg.reps.wrong_name_rate, level)
