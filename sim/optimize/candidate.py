"""A candidate cadence: the optimiser's choices, compiled to an ordinary strategy, and its checks.

A candidate is a dict of choices (Optuna's ``trial.params``): ``steps``, ``gap_K`` (days before
step K, K >= 1), ``channel_K``, ``message_K``, ``voicemail_K`` (phone steps, when the space
offers both), ``cooldown`` with ``cooldown_after`` and ``cooldown_pause``, ``stop_on``.
:func:`to_strategy` turns it into a :class:`~sim.model.cadence.StrategyConfig`, the schema of
``sim/conf/strategy/*.yaml``; :func:`broken_constraint` says which constraint it breaks (before
anything is simulated); :func:`every_candidate` lists a small space's candidates (brute force).
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any, Protocol

from sim.model.cadence import CooldownConfig, StepConfig, StrategyConfig, validate_strategy
from sim.model.channels import CHANNEL_INDEX
from sim.model.checks import ConfigError
from sim.model.config import RepsConfig
from sim.optimize.space import Space

Params = dict[str, Any]


class Trial(Protocol):
    """What :func:`suggest` asks of an Optuna trial."""

    def suggest_int(self, name: str, low: int, high: int) -> int: ...  # noqa: D102

    def suggest_categorical(self, name: str, choices: Any) -> Any: ...  # noqa: D102


def _stop_key(rule: tuple[str, ...]) -> str:
    return "+".join(rule)


def suggest(trial: Trial, space: Space) -> Params:
    """A candidate's choices sampled by ``trial`` (per-step choices only for the steps it has)."""
    p: Params = {"steps": trial.suggest_int("steps", space.steps.low, space.steps.high)}
    for k in range(p["steps"]):
        if k:
            p[f"gap_{k}"] = trial.suggest_int(f"gap_{k}", space.gap_days.low, space.gap_days.high)
        p[f"channel_{k}"] = trial.suggest_categorical(f"channel_{k}", list(space.channels))
        p[f"message_{k}"] = trial.suggest_categorical(f"message_{k}", list(space.messages))
        if p[f"channel_{k}"] == "phone" and len(space.voicemail) > 1:
            p[f"voicemail_{k}"] = trial.suggest_categorical(f"voicemail_{k}", list(space.voicemail))
    if space.cooldown is not None:
        p["cooldown"] = trial.suggest_categorical("cooldown", [False, True])
        if p["cooldown"]:
            c = space.cooldown
            lo, hi = c.after_unanswered.low, c.after_unanswered.high
            p["cooldown_after"] = trial.suggest_int("cooldown_after", lo, hi)
            lo, hi = c.pause_days.low, c.pause_days.high
            p["cooldown_pause"] = trial.suggest_int("cooldown_pause", lo, hi)
    if len(space.stop_on) > 1:
        keys = [_stop_key(r) for r in space.stop_on]
        p["stop_on"] = trial.suggest_categorical("stop_on", keys)
    return p


def days(params: Mapping[str, Any]) -> list[float]:
    """Each step's day after enrolment (the gaps summed: whole days for a candidate)."""
    out = [0.0]
    for k in range(1, int(params["steps"])):
        out.append(out[-1] + params[f"gap_{k}"])
    return out


def to_strategy(params: Mapping[str, Any], space: Space, label: str = "") -> StrategyConfig:
    """The candidate as a strategy of the cadence language (checked by its own rules)."""
    steps = []
    for k, day in enumerate(days(params)):
        channel = params[f"channel_{k}"]
        voicemail = bool(params.get(f"voicemail_{k}", space.voicemail[0])) and channel == "phone"
        steps.append(
            StepConfig(
                day=float(day), channel=channel, message=params[f"message_{k}"], voicemail=voicemail
            )
        )
    cooldown = None
    if params.get("cooldown"):
        cooldown = CooldownConfig(
            after_unanswered=int(params["cooldown_after"]),
            pause_days=float(params["cooldown_pause"]),
        )
    stop = params.get("stop_on", _stop_key(space.stop_on[0]))
    strategy = StrategyConfig(
        label=label or describe(params),
        steps=steps,
        vary_messages=False,
        stop_on=list(stop.split("+")) if stop else [],
        cooldown=cooldown,
        personalization=space.personalization,
        business_days=space.business_days,
        max_touches_per_rep_day=space.constraints.max_touches_per_rep_day,
    )
    validate_strategy("candidate", strategy)
    return strategy


def describe(params: Mapping[str, Any]) -> str:
    """The candidate in a line: ``email d0 benefit_led, phone d3 resource (no vm)...``."""
    parts = []
    for k, day in enumerate(days(params)):
        vm = " (no vm)" if params.get(f"voicemail_{k}") is False else ""
        parts.append(f"{params[f'channel_{k}']} d{day:g} {params[f'message_{k}']}{vm}")
    if params.get("cooldown"):
        parts.append(f"pause {params['cooldown_pause']}d after {params['cooldown_after']}")
    return ", ".join(parts)


def params_of(s: StrategyConfig) -> Params | None:
    """A strategy as a candidate's choices, to check its constraints.

    None when it has variants or a ``preferred`` channel (its cost depends on the prospect).
    """
    if any(step.variants or step.channel not in CHANNEL_INDEX for step in s.steps):
        return None
    p: Params = {"steps": len(s.steps)}
    for k, step in enumerate(s.steps):
        if k:
            p[f"gap_{k}"] = step.day - s.steps[k - 1].day
        p[f"channel_{k}"], p[f"message_{k}"] = step.channel, step.message
        p[f"voicemail_{k}"] = bool(step.voicemail)
    return p


def rep_minutes(params: Mapping[str, Any], space: Space, reps: RepsConfig) -> float:
    """Rep minutes a prospect costs if every step is made (the space's personalization)."""
    factor = float(getattr(reps.personalization_minutes, space.personalization))
    total = 0.0
    for k in range(int(params["steps"])):
        channel = params[f"channel_{k}"]
        total += float(getattr(reps.touch_minutes, channel)) * factor
        if channel == "phone" and params.get(f"voicemail_{k}", space.voicemail[0]):
            total += float(reps.voicemail_minutes)
    return total


def broken_constraint(params: Mapping[str, Any], space: Space, reps: RepsConfig) -> str | None:
    """The first constraint the candidate breaks, in words; None when it keeps them all."""
    c = space.constraints
    at = days(params)
    if c.max_steps is not None and len(at) > c.max_steps:
        return f"{len(at)} steps > the platform's {c.max_steps}"
    if c.max_touches_per_day is not None:
        most = max(Counter(math.floor(d) for d in at).values())
        if most > c.max_touches_per_day:
            return f"{most} touches in a day > the platform's {c.max_touches_per_day}"
    if c.max_touches_per_week is not None:
        week = 5 if space.business_days else 7
        most = max(sum(d <= x < d + week for x in at) for d in at)
        if most > c.max_touches_per_week:
            return f"{most} touches in a week > {c.max_touches_per_week}"
    if c.max_rep_minutes_per_prospect is not None:
        minutes = rep_minutes(params, space, reps)
        if minutes > c.max_rep_minutes_per_prospect:
            return f"{minutes:g} rep minutes per prospect > {c.max_rep_minutes_per_prospect:g}"
    return None


def least_demanding(space: Space, reps: RepsConfig) -> Params:
    """The candidate that strains every constraint least: fewest steps, longest gaps, cheapest.

    Every constraint grows with steps, shrinks with gaps and grows with minutes, so when this
    candidate breaks one, every candidate does.
    """
    factor = float(getattr(reps.personalization_minutes, space.personalization))
    cheapest = min(space.channels, key=lambda ch: float(getattr(reps.touch_minutes, ch)) * factor)
    p: Params = {"steps": space.steps.low}
    for k in range(space.steps.low):
        if k:
            p[f"gap_{k}"] = space.gap_days.high
        p[f"channel_{k}"] = cheapest
        p[f"message_{k}"] = space.messages[0]
        if cheapest == "phone" and len(space.voicemail) > 1:
            p[f"voicemail_{k}"] = False
    return p


def check_feasible(space: Space, reps: RepsConfig) -> None:
    """Refuse a space in which no candidate satisfies the constraints.

    Raises:
        ConfigError: naming the constraint even the least demanding candidate breaks.
    """
    broken = broken_constraint(least_demanding(space, reps), space, reps)
    if broken is not None:
        raise ConfigError(
            "constraints",
            broken,
            "a space with at least one candidate that keeps them (even the fewest steps, the "
            "longest gaps and the cheapest channel break this one)",
        )


def every_candidate(space: Space) -> Iterator[Params]:
    """Every candidate of a (small) space, in a fixed order: brute force for the tests.

    Steps, gaps, channels, messages and voicemail; a space's cool-down and stop-rule choices
    are left at their first (no cool-down, the first stop rule).
    """
    for n in range(space.steps.low, space.steps.high + 1):
        per_step: list[list[Params]] = []
        for k in range(n):
            options: list[Params] = []
            gaps = range(space.gap_days.low, space.gap_days.high + 1) if k else [None]
            vms: list[bool | None] = list(space.voicemail) if len(space.voicemail) > 1 else [None]
            for gap, ch, msg in itertools.product(gaps, space.channels, space.messages):
                for vm in vms if ch == "phone" else [None]:
                    one: Params = {f"channel_{k}": ch, f"message_{k}": msg}
                    if gap is not None:
                        one[f"gap_{k}"] = gap
                    if vm is not None:
                        one[f"voicemail_{k}"] = vm
                    options.append(one)
            per_step.append(options)
        for combo in itertools.product(*per_step):
            p: Params = {"steps": n}
            for one in combo:
                p.update(one)
            yield p


def check_strategy(params: Mapping[str, Any], space: Space) -> StrategyConfig:
    """:func:`to_strategy`, with its error as a one-line :class:`ConfigError` on the space."""
    try:
        return to_strategy(params, space)
    except ConfigError as exc:
        raise ConfigError(
            "space", dict(params), f"a candidate the cadence rules accept ({exc})"
        ) from None
