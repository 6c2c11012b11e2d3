"""Extrapolation warnings: the steps of a cadence outside what a fitted model's log contains.

:func:`plan_warnings` compares a compiled cadence (:class:`~sim.model.strategy.Plan`) with the
log's range (:class:`~sim.model.support.LogSupport`, ``model.fitted_log``): the channel and
message of each step, the gap from the touch before, the touch's number, the touches within 24
hours. :func:`experiment_warnings` does it for every strategy of an experiment; the command line
prints the lines before it simulates and a job writes them into ``manifest.json`` and
``report.html`` (docs/fitting.md, "Extrapolation warnings"). Pure: a plan in, sentences out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sim.model.arrays import F64
from sim.model.channels import CHANNELS, REFERRAL
from sim.model.config import ExperimentConfig
from sim.model.messages import MESSAGES
from sim.model.strategy import Plan, compile_plan
from sim.model.support import LogSupport, pair_name

#: A gap of the plan within this much of the log's shortest or longest gap is inside: a log's
#: touches "on the same day" are minutes or an hour apart, a plan's same-day steps zero days.
GAP_TOLERANCE = 1.0 / 24.0 + 1.0 / 86_400.0
#: Start days tried for a business-days cadence (Monday to Friday, at noon): its calendar gaps
#: depend on the weekday a prospect starts.
WEEKDAY_STARTS = np.arange(5.0) + 0.5


def experiment_warnings(exp: ExperimentConfig) -> list[str]:
    """One line per strategy step outside the fitted model's log; none for a model not fitted."""
    support = exp.model.fitted_log
    if support is None:
        return []
    return [
        line
        for name, strategy in exp.strategy.items()
        for line in plan_warnings(compile_plan(name, strategy, checked=True), support)
    ]


@dataclass(frozen=True)
class Schedule:
    """The touches of a cadence to a prospect who never replies, from each start tried."""

    t: F64  # (starts, touches): when, in days since enrolment; inf after the cadence ends
    step: npt.NDArray[np.int16]  # the step each touch makes
    paused: npt.NDArray[np.bool_]  # the touch comes after a cool-down pause


def schedule(plan: Plan) -> Schedule:
    """Every touch the cadence makes to a prospect who never answers, as the engine spaces them.

    Follows :meth:`Plan.advance`, the engine's own rule, through every cool-down cycle; a
    business-days cadence from each weekday (its calendar gaps depend on the start).
    """
    starts = WEEKDAY_STARTS if plan.business_days else np.zeros(1)
    n = starts.size
    step = np.zeros(n, np.int16)
    cycle = np.zeros(n, np.int8)
    in_cycle = np.zeros(n, np.int16)
    due = plan.first_due(starts)
    times, steps, pauses = [due - starts], [step], [np.zeros(n, np.bool_)]
    for _ in range(plan.max_touches - 1):
        before = cycle
        step, cycle, in_cycle, due = plan.advance(step, cycle, in_cycle, due)
        if not np.isfinite(due).any():
            break
        times.append(due - starts)
        steps.append(step)
        pauses.append(cycle != before)
    return Schedule(np.stack(times, 1), np.stack(steps, 1), np.stack(pauses, 1))


def plan_warnings(plan: Plan, support: LogSupport | None) -> list[str]:
    """One sentence per step of ``plan`` (and problem) outside what the fitted log contains.

    The channel and message of each of its slots (a ``preferred`` channel may be any but
    referral), the gap from the touch before (a cool-down pause included), the touch's number
    and how many touches fall within 24 hours: each against the log's own range.
    """
    if support is None:
        return []
    out: list[str] = []
    s = schedule(plan)
    made = np.isfinite(s.t)
    for k in range(plan.n_steps):
        slots = np.flatnonzero(plan.slot_step == k)
        at = made & (s.step == k)
        problems = [(_label(plan, [slot]), text) for slot, text in _pairs(plan, slots, support)]
        if at.any():
            problems += [(_label(plan, slots), text) for text in _timing(s, at, support)]
        for label, text in problems:
            out.append(f"warning: strategy {plan.name} step {k + 1} ({label}): {text}")
    return out


def _label(plan: Plan, slots: npt.NDArray[np.intp] | list[int]) -> str:
    """``social/resource`` (``preferred/resource``; an A/B step's variants by name)."""
    names = []
    for slot in slots:
        ch = int(plan.channel[slot])
        name = CHANNELS[ch] if ch < len(CHANNELS) else "preferred"
        code = int(plan.variant_code[slot])  # 0: a step without variants
        variant = plan.variant_names[code] if code else ""
        text = f"{name}/{MESSAGES[int(plan.message[slot])]}"
        names.append(f"variant {variant}: {text}" if variant else text)
    return "; ".join(names)


def _pairs(plan: Plan, slots: npt.NDArray[np.intp], support: LogSupport) -> list[tuple[int, str]]:
    """Each slot whose channel (any a ``preferred`` step may use) and message the log lacks."""
    held = set(support.pairs)
    out = []
    for slot in slots:
        ch, m = int(plan.channel[slot]), int(plan.message[slot])
        channels = (
            [ch] if ch < len(CHANNELS) else [c for c in range(len(CHANNELS)) if c != REFERRAL]
        )
        missing = [CHANNELS[c] for c in channels if pair_name(c, m) not in held]
        if not missing:
            continue
        logged = sorted({p.split("/")[1] for p in held if p.split("/")[0] in missing})
        what = " or ".join(missing)
        seen = (
            f"the log's {what} touches carry {', '.join(logged)}"
            if logged
            else f"the log has no {what} touches at all"
        )
        out.append(
            (
                int(slot),
                f"{what} with a {MESSAGES[m]} message is not in the log ({seen}): the fitted "
                "model extrapolates",
            )
        )
    return out


def _timing(s: Schedule, at: npt.NDArray[np.bool_], support: LogSupport) -> list[str]:
    """The step's gap, touch number and touches within a day against the log's."""
    out: list[str] = []
    gap = np.full(s.t.shape, np.nan)
    gap[:, 1:] = s.t[:, 1:] - s.t[:, :-1]
    has_gap = at & np.isfinite(gap)
    if support.max_touches > 1 and has_gap.any():
        shortest, longest = float(gap[has_gap].min()), float(gap[has_gap].max())
        low, high = _days(support.min_gap_days), _days(support.max_gap_days)
        if shortest < support.min_gap_days - GAP_TOLERANCE:
            out.append(
                f"comes {_days(shortest)} after the touch before it, a gap shorter than any "
                f"between two touches of a prospect in the log (shortest {low})"
            )
        if longest > support.max_gap_days + GAP_TOLERANCE:
            pause = " (a cool-down pause)" if (s.paused & has_gap & (gap >= longest)).any() else ""
            out.append(
                f"comes {_days(longest)} after the touch before it{pause}, a gap longer than any "
                f"between two touches of a prospect in the log (longest {high})"
            )
    number = np.broadcast_to(np.arange(1, s.t.shape[1] + 1), s.t.shape)
    beyond = at & (number > support.max_touches)
    if beyond.any():
        out.append(
            f"is touch {int(number[beyond].min())} of a prospect, more touches than any prospect "
            f"in the log received (at most {support.max_touches})"
        )
    day = _within_a_day(s.t)
    crowded = at & (day > support.max_touches_per_day)
    if crowded.any():
        out.append(
            f"makes {int(day[crowded].max())} touches within 24 hours, more than any prospect in "
            f"the log received in a day (at most {support.max_touches_per_day})"
        )
    return out


def _within_a_day(t: F64) -> npt.NDArray[np.intp]:
    """For each touch, the touches of the same start within the 24 hours up to it (itself too)."""
    out = np.zeros(t.shape, np.intp)
    for row in range(t.shape[0]):
        times = t[row][np.isfinite(t[row])]
        count = np.arange(times.size) + 1 - np.searchsorted(times, times - 1.0, side="right")
        out[row, : times.size] = count
    return out


def _days(d: float) -> str:
    """``0.5 days``, ``1 day``, ``30 days``."""
    return "1 day" if abs(d - 1.0) < 1e-9 else f"{d:.3g} days"
