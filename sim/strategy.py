"""Strategies: a cadence (data, design section 4) compiled into arrays, and its interpreter.

A strategy is not a class of its own: it is a :class:`~sim.config.StrategyConfig` checked by
:func:`validate_strategy` and turned by :func:`compile_plan` into a :class:`Plan`, whose one verb,
:meth:`Plan.advance`, moves a batch of prospects to their next step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sim.channels import CHANNELS, CHANNEL_INDEX, PHONE
from sim.config import PERSONALIZATION, STOP_OUTCOMES, ConfigError, StrategyConfig
from sim.messages import MESSAGE_INDEX, MESSAGES

I16 = npt.NDArray[np.int16]
I8 = npt.NDArray[np.int8]
F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Plan:
    """A compiled cadence: one entry per step, plus the rules that apply between steps."""

    name: str
    label: str
    day: F64
    channel: I8
    message: I8
    voicemail: npt.NDArray[np.bool_]
    vary_messages: bool
    stop_positive: bool
    stop_negative: bool
    stop_opt_out: bool
    cooldown_after: int  # 0: no cool-down
    cooldown_pause: float
    cooldown_cycles: int
    list_multiplier: float
    personalization: str

    @property
    def n_steps(self) -> int:
        """Number of steps in one pass of the cadence."""
        return int(self.day.shape[0])

    def advance(
        self, step: I16, cycle: I8, in_cycle: I16, t: F64
    ) -> tuple[I16, I8, I16, F64]:
        """Next step, cycle, touches in cycle and due time of prospects just touched at ``t``.

        Gaps between steps are kept relative to the touch actually made, so a touch delayed by
        the rep's backlog delays the rest of the cadence, as sales-engagement platforms do. After
        ``cooldown_after`` unanswered touches in a cycle, or at the end of the steps, a cool-down
        pauses for ``cooldown_pause`` days before the next step (or the first, if none is left),
        at most ``cooldown_cycles`` times (seed 004: "cool down/heat up"). A finished cadence has
        due time ``inf``.
        """
        last = self.n_steps - 1
        nxt = (step + 1).astype(np.int16)
        in_cycle = (in_cycle + 1).astype(np.int16)
        cycle = cycle.copy()
        finished = nxt > last
        due = t + self.day[np.minimum(nxt, last)] - self.day[step]
        if self.cooldown_after > 0:
            cool = ((in_cycle >= self.cooldown_after) | finished) & (cycle < self.cooldown_cycles)
            nxt = np.where(cool & finished, 0, nxt).astype(np.int16)
            cycle = np.where(cool, cycle + 1, cycle).astype(np.int8)
            in_cycle = np.where(cool, 0, in_cycle).astype(np.int16)
            due = np.where(cool, t + self.cooldown_pause, due)
            finished = finished & ~cool
        due = np.where(finished, np.inf, due)
        return nxt, cycle, in_cycle, due

    def step_cost(self, touch_minutes: F64, voicemail_minutes: float, factor: float) -> F64:
        """Rep minutes each step costs: the channel's minutes scaled by personalization."""
        vm = np.where((self.channel == PHONE) & self.voicemail, voicemail_minutes, 0.0)
        return np.asarray(touch_minutes[self.channel] * factor + vm, dtype=np.float64)


def validate_strategy(name: str, s: StrategyConfig) -> None:
    """Check a strategy's fields; raise a :class:`ConfigError` that names strategy and field."""
    where = f"strategy.{name}"
    if not s.steps:
        raise ConfigError(f"{where}.steps", [], "at least one step")
    previous = 0.0
    for k, step in enumerate(s.steps):
        at = f"{where}.steps[{k}]"
        if step.channel not in CHANNEL_INDEX:
            raise ConfigError(f"{at}.channel", step.channel, f"one of {', '.join(CHANNELS)}")
        if step.message not in MESSAGE_INDEX:
            raise ConfigError(f"{at}.message", step.message, f"one of {', '.join(MESSAGES)}")
        if not np.isfinite(step.day) or step.day < 0:
            raise ConfigError(f"{at}.day", step.day, "a number of days >= 0")
        if step.day < previous:
            raise ConfigError(f"{at}.day", step.day, f"steps in order: a day >= {previous:g}")
        previous = step.day
    for outcome in s.stop_on:
        if outcome not in STOP_OUTCOMES:
            raise ConfigError(f"{where}.stop_on", outcome, f"any of {', '.join(STOP_OUTCOMES)}")
    if s.cooldown is not None:
        if s.cooldown.after_unanswered < 1:
            raise ConfigError(
                f"{where}.cooldown.after_unanswered", s.cooldown.after_unanswered, "an integer >= 1"
            )
        if not s.cooldown.pause_days > 0:
            raise ConfigError(f"{where}.cooldown.pause_days", s.cooldown.pause_days, "days > 0")
        if s.cooldown.cycles < 1:
            raise ConfigError(f"{where}.cooldown.cycles", s.cooldown.cycles, "an integer >= 1")
    if not (np.isfinite(s.list_multiplier) and s.list_multiplier > 0):
        raise ConfigError(f"{where}.list_multiplier", s.list_multiplier, "a number > 0")
    if s.personalization not in PERSONALIZATION:
        raise ConfigError(
            f"{where}.personalization", s.personalization, f"one of {', '.join(PERSONALIZATION)}"
        )


def compile_plan(name: str, s: StrategyConfig) -> Plan:
    """Validate a strategy and turn it into arrays the engine indexes by step."""
    validate_strategy(name, s)
    cd = s.cooldown
    return Plan(
        name=name,
        label=s.label or name,
        day=np.array([st.day for st in s.steps], dtype=np.float64),
        channel=np.array([CHANNEL_INDEX[st.channel] for st in s.steps], dtype=np.int8),
        message=np.array([MESSAGE_INDEX[st.message] for st in s.steps], dtype=np.int8),
        voicemail=np.array([st.voicemail for st in s.steps], dtype=np.bool_),
        vary_messages=s.vary_messages,
        stop_positive="positive" in s.stop_on,
        stop_negative="negative" in s.stop_on,
        stop_opt_out=True,  # an opt-out always ends contact: it is a legal stop, not a choice
        cooldown_after=cd.after_unanswered if cd else 0,
        cooldown_pause=cd.pause_days if cd else 0.0,
        cooldown_cycles=cd.cycles if cd else 0,
        list_multiplier=s.list_multiplier,
        personalization=s.personalization,
    )
