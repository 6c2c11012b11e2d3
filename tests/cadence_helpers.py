"""Helpers of the cadence tests: run one arm with its touch log, and the schedule a cadence implies.

The expected schedule is written here as plain per-prospect Python loops (the cadence rules of
``sim/model/strategy.py``'s docstring, read literally), independent of the vectorised
``Plan.advance``, ``business_time`` and ``calendar_time`` they check.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from functools import cache

import numpy as np
import pandas as pd

from sim.model.channels import N_CHANNELS
from sim.model.config import ExperimentConfig, PerChannel, StrategyConfig
from sim.model.engine import WORK_START, ArmRun
from sim.run.api import replicate_runs
from sim.run.registry import compose

#: Touches happen at most this long after the working moment a cadence says (the rep's clock
#: advances by the minutes of the touches worked before, spread over many reps).
CLOCK_TOL = 2e-3


@cache
def _composed(overrides: tuple[str, ...]) -> ExperimentConfig:
    return compose(list(overrides))


def experiment(
    strategies: Sequence[str] = ("entitlement",),
    overrides: Sequence[str] = (),
    *,
    size: int = 150,
    horizon: float = 120.0,
    no_stops: bool = True,
    ample_capacity: bool = True,
    edit: Callable[[ExperimentConfig], None] | None = None,
) -> ExperimentConfig:
    """A composed config (a private copy) set up to observe schedules.

    ``ample_capacity`` gives the team so many reps that nothing waits; ``edit`` then mutates
    the config; last, ``no_stops`` clears every ``stop_on`` and makes opt-outs impossible, so
    each prospect runs the whole cadence.
    """
    names = ",".join(strategies)
    base = _composed((f"strategy=[{names}]", f"baseline={strategies[0]}", *overrides))
    cfg = copy.deepcopy(base)
    cfg.population.size = size
    cfg.horizon_days = horizon
    cfg.replications = 1
    if ample_capacity:
        cfg.reps.count = 10_000
    if edit is not None:
        edit(cfg)
    if no_stops:
        for s in cfg.strategy.values():
            s.stop_on = []
        cfg.model.optout_base = PerChannel(*([-1e3] * N_CHANNELS))
        cfg.model.optout_annoyance = 0.0
    return cfg


def run_arm(
    cfg: ExperimentConfig, arm: str, *, replicate: int = 0, record_touches: bool = True
) -> ArmRun:
    """Run one arm of ``cfg`` exactly as :func:`sim.run.api.run_arms` would, keeping the ArmRun."""
    (run,) = replicate_runs(cfg, replicate, [arm], record_touches=record_touches)
    run.run()
    return run


def log_frame(run: ArmRun) -> pd.DataFrame:
    """The touch log as a DataFrame sorted by prospect and time."""
    frame = pd.DataFrame(run.touch_log().columns())
    return frame.sort_values(["prospect", "time"], kind="stable").reset_index(drop=True)


def is_workday(t: float, weekends: bool = False) -> bool:
    """Whether the day containing time ``t`` is a working day (day 0 is a Monday)."""
    return weekends or math.floor(t) % 7 < 5


def work_moment(due: float, weekends: bool = False) -> float:
    """When a rep with nothing else to do makes a touch due at ``due``."""
    day = math.floor(due)
    if is_workday(day, weekends):
        return max(due, day + WORK_START)
    while not is_workday(day, weekends):
        day += 1
    return day + WORK_START


def add_business_days(t: float, days: float) -> float:
    """``t`` plus ``days`` working days, walking the calendar day by day.

    Weekend time does not count; a result that would fall on a weekend (or exactly on the
    midnight ending a Friday) is the next Monday 00:00.
    """
    while not is_workday(t):
        t = math.floor(t) + 1.0
    remaining = days
    while True:
        room = math.floor(t) + 1.0 - t
        if remaining < room:
            return t + remaining
        remaining -= room
        t = math.floor(t) + 1.0
        while not is_workday(t):
            t += 1.0


def expected_steps(s: StrategyConfig) -> list[tuple[int, int, float]]:
    """(step, cycle, gap before the touch) of every touch a cadence makes, in order.

    The first gap is measured from enrolment, a pause's gap is the pause, any other gap is the
    difference of the two steps' days (the rule in ``sim/model/strategy.py``).
    """
    days = [st.day for st in s.steps]
    last = len(days) - 1
    cd = s.cooldown
    out: list[tuple[int, int, float]] = []
    step, cycle, in_cycle, gap = 0, 0, 0, days[0]
    while True:
        out.append((step, cycle, gap))
        in_cycle += 1
        finished = step == last
        if cd is not None and (in_cycle >= cd.after_unanswered or finished) and cycle < cd.cycles:
            cycle, in_cycle, gap = cycle + 1, 0, cd.pause_days
            step = 0 if finished else step + 1
            continue
        if finished:
            return out
        gap = days[step + 1] - days[step]
        step += 1


def sent(s: StrategyConfig, step: int, variant: str) -> tuple[str, str, bool]:
    """Channel, message and voicemail a step sends to a prospect in ``variant`` ("-": none)."""
    st = s.steps[step]
    if not st.variants:
        assert variant == "-", (step, variant)
        return st.channel, st.message, st.voicemail
    names = [v.name or chr(ord("A") + j) for j, v in enumerate(st.variants)]
    v = st.variants[names.index(variant)]
    return (
        v.channel or st.channel,
        v.message or st.message,
        st.voicemail if v.voicemail is None else v.voicemail,
    )


def check_schedule(
    cfg: ExperimentConfig, arm: str, run: ArmRun, log: pd.DataFrame | None = None
) -> int:
    """Assert every prospect's touches happen when, where and how the cadence says.

    For each prospect: the k-th touch is the k-th entry of :func:`expected_steps` (step,
    cycle, channel, message, voicemail), made at the working moment its due time implies, due
    time counted from the touch before (in business days if the strategy says so), or on the
    next Monday when the week's cap is reached. A cadence cut short must be cut by the horizon.
    The daily rep cap is not modelled here (use ample capacity). Returns the touches checked.
    """
    s = cfg.strategy[arm]
    weekends = cfg.reps.work_weekends
    plan_steps = expected_steps(s)
    log = log_frame(run) if log is None else log
    enrolled = run.p.enrolled_at
    checked = 0
    for prospect, rows in log.groupby("prospect", sort=True):
        previous = float(enrolled[int(str(prospect))])
        week: dict[float, int] = {}
        for k, row in enumerate(rows.itertuples(index=False)):
            assert k < len(plan_steps), f"prospect {prospect}: more touches than the cadence has"
            step, cycle, gap = plan_steps[k]
            assert (row.step, row.cycle) == (step, cycle), (prospect, k, row)
            assert (row.channel, row.message, bool(row.voicemail)) == sent(s, step, row.variant)
            due = add_business_days(previous, gap) if s.business_days else previous + gap
            moment = work_moment(due, weekends)
            # Weekly cap: a touch over it waits for Monday 00:00 (then the rep's morning).
            while s.max_touches_per_week and week.get(moment // 7, 0) >= s.max_touches_per_week:
                moment = work_moment((moment // 7 + 1) * 7.0, weekends)
            week[row.time // 7] = week.get(row.time // 7, 0) + 1
            assert moment - 1e-9 <= row.time <= moment + CLOCK_TOL, (prospect, k, due, row)
            previous = float(row.time)
            checked += 1
        n = len(rows)
        if n < len(plan_steps):
            _, _, gap = plan_steps[n]
            due = add_business_days(previous, gap) if s.business_days else previous + gap
            assert work_moment(due, weekends) >= cfg.horizon_days - CLOCK_TOL, (prospect, n)
    untouched = np.setdiff1d(np.arange(run.p.n), log["prospect"].to_numpy())
    for i in untouched:
        first = float(enrolled[i])
        day0 = s.steps[0].day
        due = add_business_days(first, day0) if s.business_days else first + day0
        assert work_moment(due, weekends) >= cfg.horizon_days - CLOCK_TOL, i
    return checked
