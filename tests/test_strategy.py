"""The cadence language's schema, checks and compiled plan (sim/model/strategy.py).

Every user error stops before the run with one :class:`ConfigError` naming the strategy, the
field, the value and what is allowed; the plan's arithmetic (business days, cool-down cycles,
variant slots and splits) is checked on small arrays.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from sim.model.config import ConfigError, CooldownConfig, StepConfig, StrategyConfig, VariantConfig
from sim.model.strategy import (
    NO_VARIANT,
    business_time,
    calendar_time,
    compile_plan,
    validate_strategy,
)
from sim.run.registry import compose


def good() -> StrategyConfig:
    return StrategyConfig(
        label="good",
        steps=[
            StepConfig(day=0, channel="phone", message="benefit_led"),
            StepConfig(day=2, channel="email", message="resource"),
            StepConfig(day=5, channel="email", message="check_in"),
        ],
    )


def _set(**fields: object) -> Callable[[StrategyConfig], None]:
    def edit(s: StrategyConfig) -> None:
        for key, value in fields.items():
            setattr(s, key, value)

    return edit


def _step(k: int, **fields: object) -> Callable[[StrategyConfig], None]:
    def edit(s: StrategyConfig) -> None:
        for key, value in fields.items():
            setattr(s.steps[k], key, value)

    return edit


def _variants(*variants: VariantConfig) -> Callable[[StrategyConfig], None]:
    return _step(1, variants=list(variants))


BAD: dict[str, tuple[Callable[[StrategyConfig], None], str, object, str]] = {
    # case: (edit, field path after "strategy.mine.", bad value, words of what is allowed)
    "unknown channel": (_step(1, channel="fax"), "steps[1].channel", "fax", "phone, email"),
    "unknown message": (_step(0, message="pitch"), "steps[0].message", "pitch", "self_focused"),
    "negative day": (_step(0, day=-1.0), "steps[0].day", -1.0, ">= 0"),
    "day not a number": (_step(2, day=float("nan")), "steps[2].day", None, ">= 0"),
    "steps out of order": (_step(2, day=1.0), "steps[2].day", 1.0, "in order: a day >= 2"),
    "empty cadence": (_set(steps=[]), "steps", [], "at least one step"),
    "cool-down with no pause": (
        _set(cooldown=CooldownConfig(after_unanswered=2, pause_days=0.0)),
        "cooldown.pause_days",
        0.0,
        "days > 0",
    ),
    "cool-down after zero": (
        _set(cooldown=CooldownConfig(after_unanswered=0)),
        "cooldown.after_unanswered",
        0,
        ">= 1",
    ),
    "cool-down zero cycles": (
        _set(cooldown=CooldownConfig(cycles=0)),
        "cooldown.cycles",
        0,
        ">= 1",
    ),
    "multiplier of zero": (_set(list_multiplier=0.0), "list_multiplier", 0.0, "> 0"),
    "unknown personalization": (
        _set(personalization="extreme"),
        "personalization",
        "extreme",
        "low, medium, high",
    ),
    "unknown stop_on": (_set(stop_on=["meeting"]), "stop_on", "meeting", "positive, negative"),
    "weekly cap of zero": (_set(max_touches_per_week=0), "max_touches_per_week", 0, ">= 1"),
    "daily cap of zero": (_set(max_touches_per_rep_day=0), "max_touches_per_rep_day", 0, ">= 1"),
    "a single variant": (
        _variants(VariantConfig(message="resource")),
        "steps[1].variants",
        "1 variant",
        "two or more",
    ),
    "variant channel": (
        _variants(VariantConfig(), VariantConfig(channel="pigeon")),
        "steps[1].variants[1].channel",
        "pigeon",
        "phone, email",
    ),
    "variant message": (
        _variants(VariantConfig(message="spam"), VariantConfig()),
        "steps[1].variants[0].message",
        "spam",
        "benefit_led",
    ),
    "variant weight": (
        _variants(VariantConfig(), VariantConfig(weight=0.0)),
        "steps[1].variants[1].weight",
        0.0,
        "> 0",
    ),
    "variant names clash": (
        _variants(VariantConfig(name="x"), VariantConfig(name="x", message="resource")),
        "steps[1].variants[0].name",
        "x",
        "unique",
    ),
    "variant named like no variant": (
        _variants(VariantConfig(name=NO_VARIANT), VariantConfig()),
        "steps[1].variants[0].name",
        NO_VARIANT,
        "unique",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_each_bad_field_is_one_clear_error(case: str) -> None:
    edit, path, value, allowed = BAD[case]
    s = good()
    edit(s)
    with pytest.raises(ConfigError) as info:
        validate_strategy("mine", s)
    err = info.value
    assert err.path == f"strategy.mine.{path}"
    if value is not None:
        assert err.value == value
    assert allowed in err.allowed
    assert str(err).startswith(f"strategy.mine.{path}=")


def test_the_good_strategy_and_every_feature_validate() -> None:
    s = good()
    s.business_days = True
    s.max_touches_per_week = 2
    s.max_touches_per_rep_day = 50
    s.cooldown = CooldownConfig(after_unanswered=2, pause_days=14.0, cycles=3)
    s.steps[1].variants = [VariantConfig(), VariantConfig(channel="sms", weight=2.0)]
    validate_strategy("mine", s)
    plan = compile_plan("mine", s)
    assert plan.business_days and plan.max_per_week == 2 and plan.max_per_rep_day == 50


def test_a_bad_user_strategy_stops_compose_with_the_strategy_named(tmp_path: Path) -> None:
    (tmp_path / "strategy").mkdir()
    (tmp_path / "strategy" / "mine.yaml").write_text(
        "mine:\n  steps:\n    - {day: 0, channel: email, message: benefit_led}\n"
        "    - {day: 3, channel: fax, message: benefit_led}\n"
    )
    with pytest.raises(ConfigError, match=r"strategy\.mine\.steps\[1\]\.channel='fax'"):
        compose([f"hydra.searchpath=[file://{tmp_path}]", "strategy=[mine,entitlement]"])


def test_a_bad_override_of_a_preset_stops_compose() -> None:
    with pytest.raises(ConfigError, match=r"strategy\.entitlement\.list_multiplier=0"):
        compose(["strategy=[entitlement]", "strategy.entitlement.list_multiplier=0"])
    with pytest.raises(ConfigError, match=r"strategy\.cooldown_heatup\.cooldown\.pause_days"):
        compose(
            [
                "strategy=[entitlement,cooldown_heatup]",
                "strategy.cooldown_heatup.cooldown.pause_days=0",
            ]
        )


# --- business days --------------------------------------------------------------------------


def test_business_time_skips_weekends() -> None:
    monday_noon, friday_noon, saturday = 7.5, 11.5, 12.25
    assert business_time(np.array([monday_noon]))[0] == 5.5
    assert business_time(np.array([saturday]))[0] == business_time(np.array([13.99]))[0] == 10.0
    # Friday noon plus one working day is Monday noon; plus half a day, Monday 00:00.
    assert calendar_time(business_time(np.array([friday_noon])) + 1.0)[0] == 14.5
    assert calendar_time(business_time(np.array([friday_noon])) + 0.5)[0] == 14.0
    # A weekend moment plus zero working days is Monday 00:00.
    assert calendar_time(business_time(np.array([saturday])))[0] == 14.0


def test_business_time_round_trips_on_working_days() -> None:
    t = np.linspace(0.0, 70.0, 7001)
    weekday = np.floor(t) % 7 < 5
    back = calendar_time(business_time(t))
    assert np.allclose(back[weekday], t[weekday])
    assert (np.floor(back) % 7 < 5).all()  # never a weekend
    assert (np.diff(business_time(t)) >= 0).all()


def test_plan_later_uses_the_strategy_clock() -> None:
    s = good()
    friday = np.array([4.5])
    assert compile_plan("c", s).later(friday, 3.0)[0] == 7.5  # Monday
    s.business_days = True
    assert compile_plan("b", s).later(friday, 3.0)[0] == 9.5  # Wednesday


# --- cool-down ------------------------------------------------------------------------------


def _walk(s: StrategyConfig, touches: int) -> list[tuple[int, int, float]]:
    """(step, cycle, gap to the next touch) over successive touches of one prospect."""
    plan = compile_plan("w", s)
    step, cycle, in_cycle = np.zeros(1, np.int16), np.zeros(1, np.int8), np.zeros(1, np.int16)
    t = np.zeros(1)
    out = []
    for _ in range(touches):
        nxt, cycle2, in_cycle, due = plan.advance(step, cycle, in_cycle, t)
        out.append((int(step[0]), int(cycle[0]), float(due[0] - t[0])))
        if not np.isfinite(due[0]):
            break
        step, cycle, t = nxt, cycle2, due
    return out


def test_cooldown_pauses_after_n_touches_then_goes_on() -> None:
    s = good()
    s.steps += [
        StepConfig(day=6 + k, channel="email", message="benefit_led") for k in range(3)
    ]  # 6 steps
    s.cooldown = CooldownConfig(after_unanswered=2, pause_days=20.0, cycles=2)
    walk = _walk(s, 20)
    assert [w[0] for w in walk] == [0, 1, 2, 3, 4, 5]
    assert [w[1] for w in walk] == [0, 0, 1, 1, 2, 2]
    # Pauses after the 2nd and 4th touch; after the last pause the steps run to the end.
    assert [w[2] for w in walk] == [2.0, 20.0, 1.0, 20.0, 1.0, np.inf]


def test_cooldown_restarts_the_cadence_when_steps_run_out() -> None:
    s = good()
    s.cooldown = CooldownConfig(after_unanswered=10, pause_days=30.0, cycles=1)
    walk = _walk(s, 20)
    assert [w[0] for w in walk] == [0, 1, 2, 0, 1, 2]
    assert [w[2] for w in walk] == [2.0, 3.0, 30.0, 2.0, 3.0, np.inf]


def test_without_cooldown_the_cadence_ends_with_its_last_step() -> None:
    walk = _walk(good(), 20)
    assert [(w[0], w[2]) for w in walk] == [(0, 2.0), (1, 3.0), (2, np.inf)]


# --- variants -------------------------------------------------------------------------------


def _ab() -> StrategyConfig:
    s = good()
    s.steps[1].variants = [
        VariantConfig(name="plain"),
        VariantConfig(name="text", channel="sms", message="check_in", weight=3.0),
    ]
    s.steps[2].variants = [VariantConfig(), VariantConfig(voicemail=False, channel="phone")]
    return s


def test_variant_slots_inherit_what_they_do_not_change() -> None:
    plan = compile_plan("ab", _ab())
    assert plan.n_steps == 3 and plan.n_slots == 5
    assert plan.first_slot.tolist() == [0, 1, 3]
    assert plan.slot_step.tolist() == [0, 1, 1, 2, 2]
    names = [plan.variant_names[c] for c in plan.variant_code]
    assert names == [NO_VARIANT, "plain", "text", "A", "B"]
    channels = plan.channel.tolist()
    assert channels[1:3] == [1, 2]  # email kept, sms changed
    assert plan.message[1] != plan.message[2]
    assert plan.voicemail.tolist()[3:] == [True, False]
    idx = np.arange(4)
    variant_of = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], np.int8)
    step = np.array([1, 1, 2, 0], np.int16)
    assert plan.slot(step, variant_of, idx).tolist() == [1, 2, 4, 0]


def test_variant_split_follows_weights_and_is_prefix_stable() -> None:
    plan = compile_plan("ab", _ab())
    big = plan.assign_variants(40_000, np.random.default_rng(7))
    small = plan.assign_variants(1_000, np.random.default_rng(7))
    assert big is not None and small is not None
    assert np.array_equal(big[:1_000], small)
    assert abs(big[:, 0].mean() - 0.75) < 0.01  # weights 1:3
    assert abs(big[:, 1].mean() - 0.5) < 0.01
    # Steps are split independently of each other.
    assert abs(np.corrcoef(big[:, 0], big[:, 1])[0, 1]) < 0.02
    assert compile_plan("g", good()).assign_variants(10, np.random.default_rng(0)) is None


def test_step_cost_scales_with_personalization_and_adds_voicemail_minutes() -> None:
    plan = compile_plan("ab", _ab())
    minutes = np.arange(1.0, 8.0)  # per channel
    low, high = plan.step_cost(minutes, 1.5, 0.5), plan.step_cost(minutes, 1.5, 2.0)
    assert np.allclose(high[1:] / low[1:], 4.0)  # only slot 0 (phone) leaves a voicemail
    vm = (plan.channel == 0) & plan.voicemail
    assert np.allclose(high - 2.0 * minutes[plan.channel], np.where(vm, 1.5, 0.0))


@pytest.mark.parametrize("field", ["day", "channel", "message"])
def test_a_step_without_day_channel_or_message_is_an_error_not_a_default(
    field: str, tmp_path: Path
) -> None:
    step = {"day": "0", "channel": "email", "message": "benefit_led"}
    del step[field]
    body = ", ".join(f"{k}: {v}" for k, v in step.items())
    (tmp_path / "strategy").mkdir()
    (tmp_path / "strategy" / "t.yaml").write_text(f"t:\n  steps: [{{{body}}}]\n")
    with pytest.raises(ConfigError, match=rf"strategy\.t\.steps\[0\]\.{field} is missing"):
        compose([f"hydra.searchpath=[file://{tmp_path}]", "strategy=[entitlement,t]"])
