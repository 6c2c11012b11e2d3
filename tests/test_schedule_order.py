"""The schedule's order and counters equal a straightforward reference, touch for touch.

``ReferenceSchedule.work_day`` is a plain ``Schedule.work_day``, kept fixed: a full stable
argsort of the due times each round, and the due day of every touch made (``due_day``) for the
late count. The optimised schedule (``oldest_first``, ``late_before``, the gathers made once per
round, the skipped second round) must hand the touch path the same prospects at the same times in
the same order, and count the same late touches, bound days and minutes, on random due times with
ties, neighbours one float apart, overdue touches, binding capacity, caps, stops and Mondays.
"""

from __future__ import annotations

import copy
import tracemalloc
from collections.abc import Callable

import numpy as np
import pytest

import sim.model.schedule
from sim.model.config import ExperimentConfig, StepConfig, StrategyConfig
from sim.model.due_order import oldest_first
from sim.model.population import sample_prospects
from sim.model.schedule import MINUTES_PER_DAY, WORK_START, Schedule
from sim.model.strategy import compile_plan
from sim.run.registry import compose

F64 = np.ndarray
I64 = np.ndarray
Log = list[tuple[np.ndarray, np.ndarray]]  # (prospects, times) of each round, in order


def due_day(schedule: Schedule, due: F64) -> F64:
    """The working day a touch due at ``due`` is made on when no limit binds."""
    day = np.floor(due)
    if schedule.reps.work_weekends:
        return day
    weekday = day % 7  # day 0 is a Monday; 5 and 6 are the weekend
    return day + np.where(weekday >= 5, 7 - weekday, 0)


class ReferenceSchedule(Schedule):
    """``Schedule`` with a plain ``work_day``, the order the optimised one must keep."""

    def work_day(self, day: int, touch: Callable[[I64, F64], None]) -> None:
        day_end = min(day + 1.0, self.horizon)
        start = day + WORK_START
        cand = np.flatnonzero(self.next_due < day_end)
        touched_today = 0
        self.work_days += 1
        while cand.size:
            ended = self.next_due[cand] >= self.stop_at[cand]
            if ended.any():
                self.next_due[cand[ended]] = np.inf
                cand = cand[~ended]
            if self.week_of.size:
                capped = (self.week_of[cand] == day // 7) & (
                    self.week_touches[cand] >= self.plan.max_per_week
                )
                if capped.any():
                    self.next_due[cand[capped]] = (day // 7 + 1) * 7.0
                    cand = cand[~capped]
            cand = cand[np.argsort(self.next_due[cand], kind="stable")]
            slot = self.slot_of(cand)
            if self.cost_table is None:
                cost = self.step_cost[slot]
            else:
                cost = self.cost_table[slot, self.channel_of(cand, slot)]
            used_after = self.minutes_used_today + np.cumsum(cost)
            n_take = int(np.searchsorted(used_after, self.capacity, side="right"))
            if self.day_cap is not None:
                n_take = min(n_take, self.day_cap - touched_today)
            if n_take < cand.size:
                self.bound_days += 1
            if n_take <= 0:
                break
            idx = cand[:n_take]
            team_minutes = self.reps.count * MINUTES_PER_DAY
            clock = start + (used_after[:n_take] - cost[:n_take]) / team_minutes
            t = np.maximum(self.next_due[idx], clock)
            stopped = t >= self.stop_at[idx]
            self.next_due[idx[stopped]] = np.inf
            ok = (t < day_end) & ~stopped
            idx, t, spent = idx[ok], t[ok], cost[:n_take][ok]
            self.touches_late += int(np.count_nonzero(day > due_day(self, self.next_due[idx])))
            self.minutes_used_today += float(spent.sum())
            touched_today += idx.size
            touch(idx, t)
            if n_take < cand.size:
                break
            cand = idx[self.next_due[idx] < day_end]
        self.minutes_used += self.minutes_used_today
        self.minutes_used_today = 0.0


def _strategy(kind: str) -> StrategyConfig:
    """Cadences that exercise each path: same-day steps, caps, a preferred channel, cool-downs."""
    steps = [
        StepConfig(day=0, channel="email", message="benefit_led", voicemail=False),
        StepConfig(day=0.2, channel="phone", message="check_in"),  # due again the same day
        StepConfig(day=1, channel="email", message="resource", voicemail=False),
        StepConfig(day=3, channel="phone", message="check_in", voicemail=False),
        StepConfig(day=5, channel="email", message="breakup", voicemail=False),
    ]
    s = StrategyConfig(label=kind, steps=steps, stop_on=["positive", "negative", "opt_out"])
    if kind == "capped":
        s.max_touches_per_week = 2
        s.max_touches_per_rep_day = 40
    elif kind == "preferred":
        s.steps[2].channel = "preferred"
    elif kind == "business":
        s.business_days = True
    return s


def _schedules(kind: str, n: int, reps: int, weekends: bool, seed: int) -> list[Schedule]:
    """The optimised and the reference schedule of one arm, with the same random due times."""
    cfg: ExperimentConfig = copy.deepcopy(compose(["population=cold_list"]))
    cfg.reps.count = reps
    cfg.reps.work_weekends = weekends
    plan = compile_plan(kind, _strategy(kind))
    prospects = sample_prospects(cfg.population, cfg.model, n, np.random.SeedSequence(seed))
    rng = np.random.default_rng(seed)
    # Due times with ties (whole days, the start of a working day), neighbours one float apart,
    # overdue touches and times after the horizon's start, plus a few replies that stop cadences.
    whole = rng.integers(0, 12, n).astype(np.float64)
    frac = whole + WORK_START + rng.integers(0, 50, n) * 1e-5
    due = np.where(rng.random(n) < 0.4, whole, frac)
    nudge = rng.random(n) < 0.2
    due[nudge] = np.nextafter(due[nudge], np.inf)
    stop_at = np.where(rng.random(n) < 0.1, rng.random(n) * 20.0, np.inf)
    out = []
    for cls in (Schedule, ReferenceSchedule):
        s = cls(plan, prospects, cfg.reps, 40.0, None)
        s.next_due = due.copy()
        s.stop_at = stop_at.copy()
        out.append(s)
    return out


@pytest.mark.parametrize(
    ("kind", "n", "reps", "weekends", "binds"),
    [
        ("plain", 3000, 1, False, True),  # capacity binds every day: most touches wait
        ("plain", 3000, 12, False, True),  # capacity binds on the busiest days only
        ("plain", 3000, 400, True, False),  # ample capacity, reps work weekends
        ("capped", 3000, 5, False, True),  # weekly and daily caps
        ("preferred", 3000, 3, False, True),  # per-prospect cost table
        ("business", 3000, 8, False, True),  # business-day gaps
        ("plain", 300, 1, False, True),  # below SMALL_SORT: one stable argsort
    ],
)
def test_work_day_matches_the_reference_order(
    kind: str, n: int, reps: int, weekends: bool, binds: bool
) -> None:
    new, ref = _schedules(kind, n, reps, weekends, seed=n + reps)
    logs: list[list[tuple[np.ndarray, np.ndarray]]] = [[], []]

    def toucher(
        s: Schedule, log: list[tuple[np.ndarray, np.ndarray]]
    ) -> Callable[[I64, F64], None]:
        def touch(idx: I64, t: F64) -> None:
            log.append((idx.copy(), t.copy()))
            # A reply to every seventh prospect stops its cadence a little later (stop paths).
            reply = idx[idx % 7 == 0]
            s.stop(reply, t[idx % 7 == 0] + 0.05)
            s.moved_on(idx, t, s.step[idx])

        return touch

    for day in range(30):
        if weekends or day % 7 < 5:
            for s, log in zip((new, ref), logs, strict=True):
                s.work_day(day, toucher(s, log))
    assert len(logs[0]) == len(logs[1]) > 10
    for (i_new, t_new), (i_ref, t_ref) in zip(*logs, strict=True):
        np.testing.assert_array_equal(i_new, i_ref)
        np.testing.assert_array_equal(t_new, t_ref)
    for name in ("touches_late", "bound_days", "work_days", "minutes_used"):
        assert getattr(new, name) == getattr(ref, name), name
    np.testing.assert_array_equal(new.next_due, ref.next_due)
    assert (ref.bound_days > 0) == binds
    assert (ref.touches_late > 0) == binds


@pytest.mark.parametrize(
    ("kind", "reps", "weekends"),
    [("plain", 1, False), ("plain", 400, True), ("capped", 5, False), ("preferred", 3, False)],
)
def test_work_day_in_slices_hands_the_same_pieces(
    kind: str, reps: int, weekends: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rounds worked out in slices of 100 candidates, touches handed in pieces of 37: the pieces
    are the reference's rounds cut every 37 touches, and every counter is the reference's (the
    cumulative cost carried across slices, capacity and the daily cap binding inside a slice).
    """
    monkeypatch.setattr(sim.model.schedule, "ROUND_SLICE", 100)
    new, ref = _schedules(kind, 3000, reps, weekends, seed=11 + reps)
    logs: list[Log] = [[], []]

    def toucher(s: Schedule, log: Log, cut: int) -> Callable[[I64, F64], None]:
        def touch(idx: I64, t: F64) -> None:
            for lo in range(0, max(idx.size, 1), cut):  # an empty round is one empty piece
                log.append((idx[lo : lo + cut].copy(), t[lo : lo + cut].copy()))
            reply = idx[idx % 7 == 0]
            s.stop(reply, t[idx % 7 == 0] + 0.05)
            s.moved_on(idx, t, s.step[idx])

        return touch

    for day in range(30):
        if weekends or day % 7 < 5:
            new.work_day(day, toucher(new, logs[0], 10**9), batch=37)
            ref.work_day(day, toucher(ref, logs[1], 37))
    assert len(logs[0]) == len(logs[1]) > 30
    assert max(i.size for i, _ in logs[0]) == 37
    for (i_new, t_new), (i_ref, t_ref) in zip(*logs, strict=True):
        np.testing.assert_array_equal(i_new, i_ref)
        np.testing.assert_array_equal(t_new, t_ref)
    for name in ("touches_late", "bound_days", "work_days", "minutes_used"):
        assert getattr(new, name) == getattr(ref, name), name
    np.testing.assert_array_equal(new.next_due, ref.next_due)
    np.testing.assert_array_equal(new.stop_at, ref.stop_at)


def test_work_day_holds_little_while_touching(monkeypatch: pytest.MonkeyPatch) -> None:
    """While the touches are made, work_day holds the ordered candidates, the minutes spent and
    one slice's arrays: about 16 bytes per candidate, not the ~80 of per-candidate costs, clock,
    times and their filtered copies (the 1,000,000-prospect peak, docs/performance.md).
    """
    monkeypatch.setattr(sim.model.schedule, "ROUND_SLICE", 4096)
    n = 60_000
    new, _ = _schedules("plain", n, 10_000, True, seed=3)
    new.next_due = np.full(n, WORK_START)  # everyone due at once, capacity to spare
    new.stop_at = np.full(n, np.inf)
    held: list[int] = []

    def touch(idx: I64, t: F64) -> None:
        held.append(tracemalloc.get_traced_memory()[0] - before)
        new.next_due[idx] = np.inf  # done for the day (no second round to hold)

    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        new.work_day(0, touch, batch=4096)
    finally:
        tracemalloc.stop()
    assert len(held) == -(-n // 4096) and np.isinf(new.next_due).all()  # everyone, in pieces
    assert max(held) < 24 * n, max(held) / n  # ~17 bytes a candidate; 80 or more before


@pytest.mark.parametrize("weekends", [False, True])
def test_late_before_agrees_with_due_day(weekends: bool) -> None:
    new, _ = _schedules("plain", 600, 1, weekends, seed=1)
    due = np.sort(np.random.default_rng(2).random(5000) * 30.0)
    due = np.concatenate([due, np.arange(31.0), np.nextafter(np.arange(1.0, 31.0), 0.0)])
    for day in range(1, 30):  # every weekday, Saturdays and Sundays included
        late = day > due_day(new, due)
        np.testing.assert_array_equal(due < new.late_before(day), late, err_msg=f"day {day}")


def test_oldest_first_is_a_stable_argsort() -> None:
    rng = np.random.default_rng(3)
    cases = [
        rng.random(5000),
        np.floor(rng.random(5000) * 10),  # many ties
        np.full(4000, 2.5),  # all equal
        np.nextafter(np.full(3000, 7.0), rng.choice([0.0, 8.0], 3000)),  # one float apart
        np.concatenate([rng.random(2000) * 1e-300, [0.0] * 100]),  # a tiny span
        np.concatenate([rng.random(2000), [1e15, 0.0]]),  # one far outlier: one bucket for most
        rng.random(100),  # short: the plain argsort
    ]
    for due in cases:
        np.testing.assert_array_equal(oldest_first(due), np.argsort(due, kind="stable"))
    # With a bound most times are below: times above it, and inf, share the last bucket.
    due = np.floor(rng.random(6000) * 40) / 4
    due[rng.random(6000) < 0.1] = np.inf
    for upper in (10.0, 5.0, 0.5):
        np.testing.assert_array_equal(oldest_first(due, upper), np.argsort(due, kind="stable"))
    all_out = np.full(3000, np.inf)  # every touch out of the day's work
    np.testing.assert_array_equal(oldest_first(all_out, 3.0), np.arange(3000))


@pytest.mark.parametrize("kind", ["plain", "preferred", "capped"])
def test_moved_on_without_a_cooldown_is_plan_advance(kind: str) -> None:
    new, _ = _schedules(kind, 2000, 1, False, seed=4)
    assert new.gap_after is not None  # the per-step lookup, not plan.advance
    rng = np.random.default_rng(5)
    plan = new.plan
    for _ in range(3 * plan.n_steps):
        live = np.flatnonzero(new.step < plan.n_steps)
        idx = rng.choice(live, size=min(live.size, 700), replace=False)
        t = rng.random(idx.size) * 50.0
        step = new.step[idx]
        nxt, cycle, in_cycle, due = plan.advance(step, new.cycle[idx], new.in_cycle[idx], t)
        new.moved_on(idx, t, step)
        np.testing.assert_array_equal(new.step[idx], nxt)
        np.testing.assert_array_equal(new.cycle[idx], cycle)
        np.testing.assert_array_equal(new.in_cycle[idx], in_cycle)
        np.testing.assert_array_equal(new.next_due[idx], due)
    assert (new.step == plan.n_steps).any() and np.isinf(new.next_due).any()
