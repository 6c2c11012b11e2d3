"""Extrapolation warnings (sim.model.support, sim.model.extrapolation): a fitted model's log has a
range, and each cadence step outside it is named."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.cadence import CooldownConfig, StepConfig, StrategyConfig, VariantConfig
from sim.model.channels import CHANNEL_INDEX
from sim.model.checks import ConfigError
from sim.model.extrapolation import plan_warnings, schedule
from sim.model.messages import MESSAGE_INDEX
from sim.model.strategy import compile_plan
from sim.model.support import LogSupport, check_support, support_of


def _support(**changes: object) -> LogSupport:
    """A log of phone and e-mail benefit-led touches (and e-mailed resources), 1-5 days apart."""
    values: dict[str, object] = {
        "log": "team.csv",
        "prospects": 500,
        "pairs": ["phone/benefit_led", "email/benefit_led", "email/resource"],
        "min_gap_days": 1.0 / 24.0,
        "max_gap_days": 5.0,
        "max_touches": 8,
        "max_touches_per_day": 2,
    }
    return LogSupport(**(values | changes))  # type: ignore[arg-type]


def _plan(*steps: tuple[float, str, str], **options: object):  # type: ignore[no-untyped-def]
    cadence = StrategyConfig(
        label="test",
        steps=[StepConfig(day=d, channel=c, message=m) for d, c, m in steps],
        **options,  # type: ignore[arg-type]
    )
    return compile_plan("mine", cadence)


BENEFIT_LED = (
    (0, "phone", "benefit_led"),
    (0, "email", "benefit_led"),
    (4, "email", "benefit_led"),
    (8, "phone", "benefit_led"),
    (8, "email", "resource"),
)


def test_the_support_of_a_log_is_its_pairs_gaps_and_counts() -> None:
    # Prospect 0: three touches, two within an hour; prospect 1: one touch; rows shuffled.
    prospect = np.array([1, 0, 0, 0])
    time = np.array([2.0, 10.0, 0.0, 0.0 + 1 / 24])
    channel = np.array([CHANNEL_INDEX["social"], CHANNEL_INDEX["email"], 0, 0])
    message = np.array([MESSAGE_INDEX["resource"], 1, 1, 1])
    s = support_of("log.csv", prospect, time, channel, message)
    assert s.pairs == ["phone/benefit_led", "email/benefit_led", "social/resource"]
    assert s.min_gap_days == pytest.approx(1 / 24) and s.max_gap_days == pytest.approx(10 - 1 / 24)
    assert (s.max_touches, s.max_touches_per_day, s.prospects) == (3, 2, 2)


def test_a_cadence_inside_the_log_gets_no_warning() -> None:
    assert plan_warnings(_plan(*BENEFIT_LED), _support()) == []
    assert plan_warnings(_plan(*BENEFIT_LED), None) == []  # a model not fitted: nothing to say


def test_a_linkedin_resource_step_absent_from_the_log_is_named() -> None:
    plan = _plan(*BENEFIT_LED[:2], (3, "social", "resource"), (7, "email", "benefit_led"))
    (line,) = plan_warnings(plan, _support())
    assert line.startswith("warning: strategy mine step 3 (social/resource): ")
    assert "not in the log" in line and "no social touches at all" in line
    # A known channel with a message it never carried in the log.
    (line,) = plan_warnings(_plan(*BENEFIT_LED[:2], (3, "phone", "resource")), _support())
    assert "phone with a resource message is not in the log" in line
    assert "the log's phone touches carry benefit_led" in line


def test_gaps_outside_the_logs_range_are_named() -> None:
    short = _plan((0, "email", "benefit_led"), (0.5, "email", "benefit_led"))
    (line,) = plan_warnings(short, _support(min_gap_days=1.0))
    assert "step 2" in line and "shorter than any" in line and "0.5 days" in line
    # A same-day step is inside a log whose touches on one day are an hour apart.
    assert plan_warnings(short, _support(min_gap_days=0.5 + 1 / 24)) == []
    long = _plan((0, "email", "benefit_led"), (12, "email", "benefit_led"))
    (line,) = plan_warnings(long, _support())
    assert "step 2" in line and "longer than any" in line and "(longest 5 days)" in line


def test_a_cool_down_pause_is_a_gap_too() -> None:
    plan = _plan(
        (0, "email", "benefit_led"),
        (2, "email", "benefit_led"),
        cooldown=CooldownConfig(after_unanswered=2, pause_days=30.0, cycles=1),
    )
    s = schedule(plan)
    assert list(s.t[0]) == [0.0, 2.0, 32.0, 34.0]
    lines = plan_warnings(plan, _support())
    assert any("step 1" in x and "30 days" in x and "cool-down pause" in x for x in lines)


def test_more_touches_than_any_prospect_received_are_named() -> None:
    plan = _plan(*[(2.0 * k, "email", "benefit_led") for k in range(10)])
    lines = plan_warnings(plan, _support())
    assert [x.split(":")[1].split("(")[0].strip() for x in lines] == [
        "strategy mine step 9",
        "strategy mine step 10",
    ]
    assert "is touch 9 of a prospect" in lines[0] and "(at most 8)" in lines[0]


def test_more_touches_in_a_day_than_the_log_are_named() -> None:
    plan = _plan(*[(0.05 * k, "email", "benefit_led") for k in range(4)])
    lines = plan_warnings(plan, _support())
    assert len(lines) == 2 and "step 3" in lines[0] and "3 touches within 24 hours" in lines[0]
    assert "4 touches within 24 hours" in lines[1]


def test_a_preferred_channel_and_a_variant_are_checked_for_every_channel_they_reach() -> None:
    cadence = StrategyConfig(
        label="test",
        steps=[
            StepConfig(day=0, channel="preferred", message="benefit_led"),
            StepConfig(
                day=1,
                channel="email",
                message="benefit_led",
                variants=[VariantConfig(name="A"), VariantConfig(name="B", message="deadline")],
            ),
        ],
    )
    lines = plan_warnings(compile_plan("mine", cadence), _support())
    assert "step 1 (preferred/benefit_led)" in lines[0] and "sms or social" in lines[0]
    assert "step 2 (variant B: email/deadline)" in lines[1]
    assert len(lines) == 2


def test_a_business_days_cadence_is_checked_from_every_weekday() -> None:
    # Two working days apart: four calendar days from a Thursday or a Friday.
    plan = _plan((0, "email", "benefit_led"), (2, "email", "benefit_led"), business_days=True)
    assert schedule(plan).t.shape[0] == 5
    (line,) = plan_warnings(plan, _support(max_gap_days=3.0))
    assert "4 days" in line and "longer than any" in line
    assert plan_warnings(plan, _support(max_gap_days=4.0)) == []


def test_a_support_that_names_an_unknown_pair_is_refused() -> None:
    with pytest.raises(ConfigError) as err:
        check_support(_support(pairs=["email/benefit_led", "fax/resource"]))
    assert err.value.path == "model.fitted_log.pairs" and "fax/resource" in str(err.value)
    with pytest.raises(ConfigError, match="min_gap_days"):
        check_support(_support(min_gap_days=6.0))
