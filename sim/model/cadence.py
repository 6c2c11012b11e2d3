"""The cadence language's schema and rules: a strategy's steps, variants and cool-down.

A strategy is data (design section 4): these classes give each of its fields a type, and
:func:`validate_strategy` checks what a type cannot (days in order, variant names, caps).
:mod:`sim.model.strategy` compiles a checked strategy into arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from omegaconf import MISSING

from sim.model.channels import CHANNEL_INDEX, CHANNELS
from sim.model.checks import ConfigError
from sim.model.messages import MESSAGE_INDEX, MESSAGES

#: ``variant`` of a touch from a step that has no variants.
NO_VARIANT = "-"
#: ``channel: preferred``: a step reaches each prospect on its own preferred channel.
PREFERRED = "preferred"
#: Replies a strategy may stop on.
STOP_OUTCOMES: tuple[str, ...] = ("positive", "negative", "opt_out")
#: Personalization levels of a strategy (``reps.personalization_minutes`` has one value each).
PERSONALIZATION: tuple[str, ...] = ("low", "medium", "high")


@dataclass
class VariantConfig:
    """One A/B variant of a step: what it changes from the step, and its share of prospects.

    Fields left ``None`` keep the step's value. Prospects are split between a step's variants
    at random in proportion to ``weight`` (once per prospect and step, from the run's seed).
    """

    name: str = ""  # reported in by_touch's ``variant`` column; "" means A, B, C... by position
    channel: str | None = None
    message: str | None = None
    voicemail: bool | None = None
    weight: float = 1.0


@dataclass
class StepConfig:
    """One step of a cadence: when (``day``), where (``channel``), what (``message``)."""

    # Required: a step that forgets its channel or message must not silently become an email.
    day: float = MISSING  # days after enrolment (business days if the strategy says so)
    channel: str = MISSING
    message: str = MISSING
    voicemail: bool = True  # phone only: leave a voicemail when nobody answers (false: hang up)
    variants: list[VariantConfig] = field(default_factory=list)  # A/B test: two or more, or none


@dataclass
class CooldownConfig:
    """After N unanswered touches, pause, then come back with a new angle (seed 004 #5)."""

    after_unanswered: int = 3
    pause_days: float = 30.0
    cycles: int = 1


@dataclass
class StrategyConfig:
    """A strategy in the cadence language of design section 4."""

    label: str = ""
    steps: list[StepConfig] = field(default_factory=list)
    vary_messages: bool = True
    stop_on: list[str] = field(default_factory=lambda: ["positive", "negative", "opt_out"])
    cooldown: CooldownConfig | None = None
    list_multiplier: float = 1.0
    personalization: str = "medium"
    business_days: bool = False  # count step days and pauses in working days (Mon-Fri)
    max_touches_per_week: int | None = None  # per prospect, per calendar week (Mon-Sun)
    max_touches_per_rep_day: int | None = None  # per rep per working day, times reps.count
    # HubSpot's "Unenroll contacts from the same company": a reply from anyone at the account
    # ends the colleagues' cadences when it arrives (docs/model.md, 2.16).
    stop_on_account_reply: bool = False


def _check_content(at: str, channel: str | None, message: str | None) -> None:
    # A StepConfig built in Python without a channel or message holds OmegaConf's MISSING.
    for name, value in (("channel", channel), ("message", message)):
        if value == MISSING:
            raise ConfigError.missing(f"{at}.{name}")
    if channel is not None and channel not in CHANNEL_INDEX and channel != PREFERRED:
        raise ConfigError(f"{at}.channel", channel, f"one of {', '.join((*CHANNELS, PREFERRED))}")
    if message is not None and message not in MESSAGE_INDEX:
        raise ConfigError(f"{at}.message", message, f"one of {', '.join(MESSAGES)}")


def variant_names(s: StrategyConfig) -> list[list[str]]:
    """Each step's variant names, defaulting to A, B, C... by position."""
    return [[v.name or chr(ord("A") + k) for k, v in enumerate(step.variants)] for step in s.steps]


def _check_cap(path: str, value: int | None) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ConfigError(path, value, "an integer >= 1, or null for no cap")


def validate_strategy(name: str, s: StrategyConfig) -> None:
    """Check a strategy's fields; raise a :class:`ConfigError` that names strategy and field."""
    where = f"strategy.{name}"
    if not s.steps:
        raise ConfigError(f"{where}.steps", [], "at least one step")
    previous = 0.0
    names = variant_names(s)
    for k, step in enumerate(s.steps):
        at = f"{where}.steps[{k}]"
        _check_content(at, step.channel, step.message)
        if step.day == MISSING:
            raise ConfigError.missing(f"{at}.day")
        if not np.isfinite(step.day) or step.day < 0:
            raise ConfigError(f"{at}.day", step.day, "a number of days >= 0")
        if step.day < previous:
            raise ConfigError(f"{at}.day", step.day, f"steps in order: a day >= {previous:g}")
        previous = step.day
        if len(step.variants) == 1:
            raise ConfigError(f"{at}.variants", "1 variant", "two or more variants, or none")
        if len(step.variants) > 26:
            raise ConfigError(f"{at}.variants", len(step.variants), "at most 26 variants")
        for j, variant in enumerate(step.variants):
            vat = f"{at}.variants[{j}]"
            _check_content(vat, variant.channel, variant.message)
            if not (np.isfinite(variant.weight) and variant.weight > 0):
                raise ConfigError(f"{vat}.weight", variant.weight, "a number > 0")
            if names[k][j] == NO_VARIANT or names[k].count(names[k][j]) > 1:
                raise ConfigError(
                    f"{vat}.name",
                    names[k][j],
                    f"a name unique in the step, other than {NO_VARIANT!r}",
                )
    for outcome in s.stop_on:
        if outcome not in STOP_OUTCOMES:
            raise ConfigError(f"{where}.stop_on", outcome, f"any of {', '.join(STOP_OUTCOMES)}")
    if s.cooldown is not None:
        if s.cooldown.after_unanswered < 1:
            raise ConfigError(
                f"{where}.cooldown.after_unanswered", s.cooldown.after_unanswered, "an integer >= 1"
            )
        if not (np.isfinite(s.cooldown.pause_days) and s.cooldown.pause_days > 0):
            raise ConfigError(
                f"{where}.cooldown.pause_days",
                s.cooldown.pause_days,
                "days > 0 (a cool-down needs a pause; cooldown: null for none)",
            )
        if s.cooldown.cycles < 1:
            raise ConfigError(f"{where}.cooldown.cycles", s.cooldown.cycles, "an integer >= 1")
    if not (np.isfinite(s.list_multiplier) and s.list_multiplier > 0):
        raise ConfigError(f"{where}.list_multiplier", s.list_multiplier, "a number > 0")
    if s.personalization not in PERSONALIZATION:
        raise ConfigError(
            f"{where}.personalization", s.personalization, f"one of {', '.join(PERSONALIZATION)}"
        )
    _check_cap(f"{where}.max_touches_per_week", s.max_touches_per_week)
    _check_cap(f"{where}.max_touches_per_rep_day", s.max_touches_per_rep_day)


def check_voicemail_steps(strategies: object) -> None:
    """A step (or variant) that asks for a voicemail on a channel that has none is an error.

    Read on the strategy files as written (``{name: {steps: [...]}}``): in a composed config
    ``voicemail`` already holds its default, true, so only the file tells what was set.
    """
    if not isinstance(strategies, dict):
        return
    for name, strategy in strategies.items():
        steps = strategy.get("steps") if isinstance(strategy, dict) else None
        for k, step in enumerate(steps if isinstance(steps, list) else []):
            if not isinstance(step, dict):
                continue
            variants = step.get("variants") or []
            found = [(f"strategy.{name}.steps[{k}]", step, step.get("channel"))]
            found += [
                (
                    f"strategy.{name}.steps[{k}].variants[{j}]",
                    v,
                    v.get("channel") or step.get("channel"),
                )
                for j, v in enumerate(variants if isinstance(variants, list) else [])
                if isinstance(v, dict)
            ]
            for at, node, channel in found:
                if node.get("voicemail") is True and channel not in ("phone", PREFERRED, None):
                    raise ConfigError(
                        f"{at}.voicemail",
                        True,
                        f"only on a phone step (or channel: {PREFERRED}); this one is {channel}",
                    )
