"""Scheduling: who is due when, the cadence's caps, and the reps' minutes of a working day.

A :class:`Schedule` holds each prospect's place in its cadence (step, cool-down cycle, touches
in the cycle), when its next touch is due and when a reply stops it; each working day it hands
the due touches to the engine in rounds, oldest due first, until the team's minutes (or the
daily cap) run out, and counts what the limits did: touches made late, days the team ran out of
time, touches never made by the horizon (docs/model.md, 3).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from sim.model.arrays import F64, I64
from sim.model.channels import EMAIL
from sim.model.config import RepsConfig
from sim.model.deliverability import Mailboxes
from sim.model.due_order import oldest_first
from sim.model.population import Prospects
from sim.model.strategy import Plan

#: Reps start their working day at 09:00 (days are counted from midnight of enrolment day).
WORK_START = 9.0 / 24.0
MINUTES_PER_DAY = 24.0 * 60.0

#: Candidates of a round :meth:`Schedule.work_day` works out at once once they are in order:
#: the length of its per-touch temporaries (costs, clock, times), whatever the day's size.
ROUND_SLICE = 1 << 16


class Schedule:
    """The cadence position, due times, caps and rep minutes of one arm's prospects."""

    def __init__(
        self,
        plan: Plan,
        prospects: Prospects,
        reps: RepsConfig,
        horizon_days: float,
        variant_of: npt.NDArray[np.int8] | None,
        mail: Mailboxes | None = None,
    ) -> None:
        """``mail``: the team's mailboxes, whose daily caps hold emails back (None: no cap)."""
        n = prospects.n
        self.mail = mail
        # Every slot an email: the day's cap keeps a prefix of the due touches (_mail_cap).
        self.all_email = not plan.uses_preferred and bool((plan.channel == EMAIL).all())
        self.plan, self.reps, self.horizon = plan, reps, horizon_days
        self.preferred = prospects.preferred
        self.variant_of = variant_of
        level = plan.personalization
        factor = float(getattr(reps.personalization_minutes, level))
        minutes = reps.touch_minutes.array()
        # Minutes per touch: per slot, or per (slot, channel) when a step says ``preferred`` and
        # the channel, hence the cost, is the prospect's own (None: no preferred step).
        self.step_cost = plan.step_cost(minutes, reps.voicemail_minutes, factor)
        table = plan.cost_table(minutes, reps.voicemail_minutes, factor)
        self.cost_table = table if plan.uses_preferred else None
        # The same minutes per by_touch column (slot * channels + channel): a step's rep time.
        self.column_minutes = table.ravel()
        self.capacity = reps.count * reps.minutes_per_day
        # Cadence position per prospect; prospect i enters on day enrolled_at[i].
        self.step = np.zeros(n, np.int16)
        self.cycle = np.zeros(n, np.int8)
        self._in_cycle = np.zeros(n, np.int16)
        # Without a cool-down, in calendar days, a touch from step s moves to step s + 1, due
        # ``gap_after[s]`` after the touch (inf after the last step): what ``plan.advance`` works
        # out, looked up per step (:meth:`moved_on`). None: ``plan.advance`` for each touch.
        self.gap_after: F64 | None = None
        if plan.cooldown_after == 0 and not plan.business_days:
            steps = np.arange(plan.n_steps)
            nxt = np.minimum(steps + 1, plan.n_steps - 1)
            self.gap_after = plan.day[nxt] - plan.day[steps]  # the differences advance takes
            self.gap_after[-1] = np.inf
        self.next_due = plan.first_due(prospects.enrolled_at)
        self.stop_at = np.full(n, np.inf)  # when a reply that stops the cadence arrives
        # Caps of the cadence language; the weekly counters exist only when a cap is set.
        self.day_cap = plan.max_per_rep_day * reps.count if plan.max_per_rep_day else None
        self.week_of = np.full(n if plan.max_per_week else 0, -1, np.int16)
        self.week_touches = np.zeros(n if plan.max_per_week else 0, np.int16)
        self.minutes_used = 0.0
        self.minutes_used_today = 0.0
        # The earliest due time moved_on set since work_day's last round (whether any prospect
        # touched in the round is due again the same day).
        self.earliest_new_due = np.inf
        # Limits that bind (rep capacity, the horizon): made late, days the team ran out of time.
        self.touches_late = 0
        self.work_days = 0
        self.bound_days = 0

    def work_day(
        self, day: int, touch: Callable[[I64, F64], None], batch: int = ROUND_SLICE
    ) -> None:
        """Work the day's due touches, oldest due first, in rounds, until capacity runs out.

        ``touch(idx, t)`` makes the touches of a round; the cadence moves on in :meth:`moved_on`.
        It gets each round's touches in pieces of ``batch`` (the last one shorter): the pieces
        the whole round cut every ``batch`` touches would give.
        """
        day_end = min(day + 1.0, self.horizon)
        start = day + WORK_START
        late_before = self.late_before(day)
        cand = np.flatnonzero(self.next_due < day_end)
        touched_today = 0
        mail_bound = False  # the mailboxes' caps held an email back today
        self.work_days += 1
        while cand.size:
            due = self.next_due[cand]
            out = due >= self.stop_at[cand]  # a reply stopped the cadence before the touch was due
            if out.any():
                self.next_due[cand[out]] = np.inf
            if self.week_of.size:
                # Weekly cap: a prospect touched enough this calendar week waits for Monday.
                capped = (self.week_of[cand] == day // 7) & (
                    self.week_touches[cand] >= self.plan.max_per_week
                )
                capped &= ~out
                if capped.any():
                    self.next_due[cand[capped]] = (day // 7 + 1) * 7.0
                    out |= capped
            # Those out of today's work sort last (inf) and are cut off the order: the others
            # keep their order, and no array is compressed before the reordering gather.
            n_out = int(np.count_nonzero(out))
            if n_out:
                due[out] = np.inf
            del out
            order = oldest_first(due, day_end)  # every other due time is before the day's end
            del due
            cand = cand[order[: order.size - n_out]]
            del order
            if self.mail is not None:
                cand, capped = self._mail_cap(cand, day)
                if capped and not mail_bound:
                    mail_bound = True
                    self.mail.capped_days += 1
            limit = cand.size if self.day_cap is None else self.day_cap - touched_today
            n_take, made, cand_again = self._round(
                cand, min(limit, cand.size), (start, day_end, late_before), touch, batch
            )
            if n_take < cand.size:
                self.bound_days += 1  # due touches left for a later day: the limit bound today
                break
            touched_today += made
            cand = cand_again
        self.minutes_used += self.minutes_used_today
        self.minutes_used_today = 0.0

    def _round(
        self,
        cand: I64,
        limit: int,
        times: tuple[float, float, float],
        touch: Callable[[I64, F64], None],
        batch: int,
    ) -> tuple[int, int, I64]:
        """One round of :meth:`work_day` over ``cand``, due touches oldest first, in slices.

        Takes candidates in order while the day's minutes last, at most ``limit`` of them, and
        hands the touches to ``touch`` in pieces of ``batch``. Each slice's costs, clock and
        times are ``ROUND_SLICE`` long, not as long as the day's candidates (a million on the
        workload's busy days: tens of MB at once, docs/performance.md). A slice may be worked
        out after earlier pieces were touched: a touch changes only its own prospect's due and
        stop times and each prospect is in a round once, so the slices see what the whole round
        would. The running cumulative cost carries over from slice to slice, added in the same
        order, and the minutes spent are summed once, over the round's touches in a row, so
        every number is the one the whole round gives.

        Returns how many candidates were taken, the touches made, and the touched prospects
        that are due again before the day's end.
        """
        day_end = times[1]
        offset = self.minutes_used_today  # minutes used today before this round
        spent = np.empty(cand.size)  # the cost of each touch made, in the order made
        made = 0
        carried = 0.0  # the cumulative cost of the candidates before the slice
        held = _Held(self, touch, day_end, cand[:0])
        self.earliest_new_due = np.inf
        n_take = cand.size
        for lo in range(0, cand.size, ROUND_SLICE):
            who = cand[lo : lo + ROUND_SLICE]
            cost, used_after, carried = self._costs(who, carried, offset)
            take = int(np.searchsorted(used_after, self.capacity, side="right"))
            take = min(take, limit - lo)
            if take < who.size:
                n_take = lo + max(take, 0)
            if take <= 0:
                break
            idx, t, cost = self._timed(who[:take], cost[:take], used_after[:take], times)
            spent[made : made + cost.size] = cost
            made += cost.size
            held.add(idx, t)
            while held.count >= batch:
                held.hand(batch)
            if take < who.size:
                break
        if n_take <= 0:
            return n_take, 0, cand[:0]
        if held.count or held.calls == 0:  # the rest, or a round whose touches were all stopped
            held.hand(held.count)
        self.minutes_used_today += float(spent[:made].sum())
        return n_take, made, held.due_again()

    def _mail_cap(self, cand: I64, day: int) -> tuple[I64, bool]:
        """``cand`` without the emails over the mailboxes' cap of ``day``; whether any was held.

        The oldest due go first, as for the reps' minutes; an email held back keeps its due
        time and waits for a later working day (a late touch, docs/model.md 2.17).
        """
        assert self.mail is not None
        allowance = max(self.mail.allowance(day), 0)
        if cand.size <= allowance:
            return cand, False
        if self.all_email:
            return cand[:allowance], True
        email = self.channel_of(cand, self.slot_of(cand)) == EMAIL
        over = np.cumsum(email) > allowance
        over &= email
        if not over.any():
            return cand, False
        return cand[~over], True

    def _costs(self, who: I64, carried: float, offset: float) -> tuple[F64, F64, float]:
        """The minutes each touch of ``who`` costs, the day's minutes used after each, the carry.

        ``carried``: the round's cumulative cost before ``who`` (returned: after it); ``offset``:
        the minutes used today before the round.
        """
        slot = self.slot_of(who)
        if self.cost_table is None:
            cost = self.step_cost[slot]
        else:
            cost = self.cost_table[slot, self.channel_of(who, slot)]
        # np.cumsum over the round, one slice at a time: the first term carries the sum so far.
        used_after = cost.copy()
        used_after[0] += carried
        np.cumsum(used_after, out=used_after)
        carried = float(used_after[-1])
        used_after += offset
        return cost, used_after, carried

    def _timed(
        self, idx: I64, cost: F64, used_after: F64, times: tuple[float, float, float]
    ) -> tuple[I64, F64, F64]:
        """The touches of ``idx`` made today: who, when, at what cost (a stopped one is not).

        ``used_after``: the day's minutes used after each touch; ``times``: when the day's work
        starts and ends, and before when a touch made today is late.
        """
        start, day_end, late_before = times
        team_minutes = self.reps.count * MINUTES_PER_DAY
        due = self.next_due[idx]
        # Each touch happens when the rep gets to it: reps work in parallel from 09:00.
        clock = used_after - cost
        clock /= team_minutes
        clock += start
        t = np.maximum(due, clock, out=clock)
        # A reply that stops the cadence and arrives before the rep gets to the touch stops it.
        stopped = t >= self.stop_at[idx]
        self.next_due[idx[stopped]] = np.inf
        ok = t < day_end
        ok &= ~stopped
        if not ok.all():
            idx, t, due, cost = idx[ok], t[ok], due[ok], cost[ok]
        # Made on a later working day than its due day: due before ``late_before``, one
        # comparison instead of each due day.
        self.touches_late += int(np.count_nonzero(due < late_before))
        return idx, t, cost

    def late_before(self, day: int) -> float:
        """A touch made on ``day`` is late when it was due before this time.

        That is, made on a later working day than the one it was due on: a due time before
        ``day`` has an earlier working day, except a weekend's (when reps do not work weekends),
        whose working day is the Monday after it. So on a Monday the two weekend days before it
        are not late, and on a Sunday the Saturday.
        """
        if self.reps.work_weekends:
            return float(day)
        weekday = day % 7  # day 0 is a Monday
        return float(day - (2 if weekday == 0 else 1 if weekday == 6 else 0))

    def slot_of(self, idx: I64) -> npt.NDArray[np.int16]:
        """What each prospect in ``idx`` is sent next: its step, or its variant of the step."""
        return self.plan.slot(self.step[idx], self.variant_of, idx)

    def channel_of(self, idx: I64, slot: npt.NDArray[np.int16]) -> npt.NDArray[np.int8]:
        """The channel each prospect in ``idx`` is touched on from ``slot``.

        A ``preferred`` slot resolves to the prospect's own preferred channel; a plan without
        one indexes ``plan.channel`` only (no gather of ``Prospects.preferred``).
        """
        if self.cost_table is None:
            return self.plan.channel[slot]
        return self.plan.resolve_channel(slot, self.preferred[idx])

    @property
    def in_cycle(self) -> npt.NDArray[np.int16]:
        """Touches made in the current cool-down cycle, per prospect.

        Without a cool-down this is the step (both count the touches made), so only plans with
        one keep it (:meth:`moved_on`).
        """
        return self._in_cycle if self.gap_after is None else self.step

    def moved_on(self, idx: I64, t: F64, step: npt.NDArray[np.int16]) -> None:
        """After touches at ``t`` from ``step``: the weekly counters and each next due time."""
        if self.week_of.size:
            week = (t // 7).astype(np.int16)
            same = self.week_of[idx] == week
            self.week_touches[idx] = np.where(same, self.week_touches[idx] + 1, 1)
            self.week_of[idx] = week
        if self.gap_after is not None:
            # plan.advance without a cool-down: the next step, due t + gap (inf after the last
            # step); the cycle stays 0 and the touches in the cycle are the step.
            due = self.gap_after[step]
            due += t
            self.step[idx] = step + 1
        else:
            nxt, cyc, in_cycle, due = self.plan.advance(
                step, self.cycle[idx], self._in_cycle[idx], t
            )
            self.step[idx], self.cycle[idx], self._in_cycle[idx] = nxt, cyc, in_cycle
        self.next_due[idx] = due
        if due.size:
            self.earliest_new_due = min(self.earliest_new_due, float(due.min()))

    def stop(self, who: I64, at: F64) -> None:
        """A reply arriving at ``at`` ends the cadences of ``who`` from then on."""
        self.stop_at[who] = np.minimum(self.stop_at[who], at)

    def restart(self, who: I64, at: F64) -> None:
        """A new wave: every cadence ends; ``who`` start again from the first step, enrolled ``at``.

        Their stops and cool-down cycles are cleared; the weekly caps keep their counts.
        """
        self.next_due[:] = np.inf
        self.step[who] = 0
        self.cycle[who] = 0
        self._in_cycle[who] = 0
        self.stop_at[who] = np.inf
        self.next_due[who] = self.plan.first_due(at)


class _Held:
    """The touches of a round not yet handed over: handed to ``touch`` in pieces of a batch."""

    def __init__(
        self, schedule: Schedule, touch: Callable[[I64, F64], None], day_end: float, none: I64
    ) -> None:
        """Hold touches for ``schedule`` until ``day_end``; ``none``: an empty index array."""
        self.schedule, self.touch, self.day_end, self.none = schedule, touch, day_end, none
        self.idx: list[I64] = []
        self.t: list[F64] = []
        self.count = 0
        self.calls = 0
        self.again: list[I64] = []  # the touched that are due again before the day's end

    def add(self, idx: I64, t: F64) -> None:
        """Hold the touches of ``idx`` at ``t``."""
        if idx.size:
            self.idx.append(idx)
            self.t.append(t)
            self.count += idx.size

    def hand(self, k: int) -> None:
        """Touch the first ``k`` touches held; keep the touched that are due again today."""
        if len(self.idx) == 1:
            idx, t = self.idx[0], self.t[0]
        else:  # none held (an empty round) is the empty index array
            idx = np.concatenate(self.idx) if self.idx else self.none
            t = np.concatenate(self.t) if self.t else np.zeros(0)
        self.idx[:], self.t[:] = [idx[k:]], [t[k:]]
        self.count -= k
        self.calls += 1
        self.touch(idx[:k], t[:k])
        # Only a prospect whose new due time is before the day's end can be due again today;
        # Schedule.moved_on keeps the earliest new due time, so most days skip the gather.
        sched = self.schedule
        if sched.earliest_new_due < self.day_end:
            self.again.append(idx[:k][sched.next_due[idx[:k]] < self.day_end])

    def due_again(self) -> I64:
        """The touched prospects that are due again before the day's end."""
        return np.concatenate(self.again) if self.again else self.none
