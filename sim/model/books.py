"""An arm's books: outcomes and replies in flight, the by-touch counts, tallies, the time series.

The engine's touch step and daily delivery write here; at the horizon the books give the arm's
metric values and tables (:class:`ArmResult`). Every count is kept as it changes, so neither a
day's row of the time series nor the result needs a pass over every prospect's outcome.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from sim.model.arrays import F64, I64
from sim.model.batch import Touch
from sim.model.channels import N_CHANNELS, PHONE
from sim.model.messages import MESSAGES
from sim.model.strategy import Plan
from sim.model.touch import MEETING, NEGATIVE, NONE, OPT_OUT, POSITIVE

#: The columns of ``by_touch``'s last axis: touches, then one per outcome code (sim.model.touch),
#: last the meetings that came of a positive reply.
BY_TOUCH_COUNTS = ("touches", "responses", "negative_replies", "opt_outs", "meetings")
#: Named tallies of the phone funnel, reported as metrics.
PHONE_TALLIES = (
    "dials",
    "live_answers",
    "voicemails_left",
    "voicemail_replies",
    "voicemail_callbacks",
)
TIMESERIES_COLUMNS = (
    "touches",
    "responses",
    "meetings",
    "negative_replies",
    "opt_outs",
    "mean_warmth",
    "mean_annoyance",
    "mean_familiarity",
    # Deliverability (2.17): the day's share of emails in the inbox (NaN: no email that day),
    # spam complaints so far, and the mailboxes' mean reputation at the day's end.
    "inbox_placement",
    "spam_complaints",
    "mean_reputation",
)


@dataclass
class ArmResult:
    """What one arm of one replicate produced: metric values and raw counts for the tables."""

    arm: str
    replicate: int
    seed: int
    metrics: dict[str, float]
    # (touch_number, slot * channels + channel, BY_TOUCH_COUNTS)
    by_touch: npt.NDArray[np.int64]
    timeseries: F64  # (days, len(TIMESERIES_COLUMNS))
    # Per slot (by_touch's column // channels): (step, planned day, message, variant).
    slots: tuple[tuple[int, float, str, str], ...] = ()
    # Rep minutes of one touch in each of by_touch's columns (slot * channels + channel): a
    # touch's cost is fixed by its slot and channel (sim.model.schedule), so a step's rep time
    # is its touches times this, with no tally per touch.
    column_minutes: F64 = field(default_factory=lambda: np.zeros(0))


class Books:
    """The running counts of one arm: replies in flight, outcomes, credit, tallies, days."""

    def __init__(self, n: int, plan: Plan, credit: str, waves: int = 1) -> None:
        """Empty books for ``n`` prospects worked with ``plan``; ``credit``: the credit rule.

        ``waves``: how many times the cadence may run (a second wave numbers its touches on).
        """
        self.credit_last = credit == "last_touch"
        # Outcomes: a decided reply waits in a per-prospect slot until it arrives.
        self.outcome = np.zeros(n, np.int8)
        self.pending_at = np.full(n, np.inf)
        self.pending_kind = np.zeros(n, np.int8)
        # The prospects with a reply in flight (finite pending_at), each once: the daily
        # delivery looks at these, not at every prospect.
        self.pending_who: list[I64] = []
        # Running counts for the daily time series (no pass over every prospect each day):
        # touches made, prospects per latest outcome code, meetings, "not interested" replies.
        self.touches_made = 0
        self.outcome_counts = np.zeros(MEETING + 1, np.int64)
        self.outcome_counts[NONE] = n
        self.n_met = 0
        self.n_said_no = 0
        self.credit_num = np.zeros(n, np.int16)
        self.credit_ch = np.zeros(n, np.int16)  # by_touch column: slot * channels + channel
        # (prospects, days from enrolment to their positive reply) per delivery: a few
        # thousand entries instead of a float64 per prospect (peak memory, docs/performance.md).
        self.responses: list[tuple[I64, F64]] = []
        self.met = np.zeros(n, np.bool_)
        self.said_no = np.zeros(n, np.bool_)
        columns = N_CHANNELS * plan.n_slots
        rows = plan.max_touches * waves + 2
        self.by_touch = np.zeros((rows, columns, len(BY_TOUCH_COUNTS)), np.int64)
        # Named tallies of the phone funnel (tally_phone), reported as metrics.
        self.tally = dict.fromkeys(PHONE_TALLIES, 0)
        self.days: list[F64] = []

    def count(
        self,
        number: npt.NDArray[np.integer[Any]],
        channel: npt.NDArray[np.integer[Any]],
        outcome: int | npt.NDArray[np.integer[Any]],
    ) -> None:
        """Add one to ``by_touch[number, channel, outcome]`` per entry (a histogram, not a loop)."""
        _, columns, outcomes = self.by_touch.shape
        # The flat index of ravel_multi_index; an entry out of range makes a longer histogram,
        # which the reshape refuses.
        flat = np.multiply(number, columns, dtype=np.intp)  # int16 counts would overflow
        flat += channel
        flat *= outcomes
        flat += outcome
        hist = np.bincount(flat, minlength=self.by_touch.size)
        self.by_touch += hist.reshape(self.by_touch.shape)

    def decided(
        self, b: Touch, number: I64, column: npt.NDArray[np.intp]
    ) -> tuple[I64, npt.NDArray[np.int8], F64]:
        """Put each outcome the touch decided in the prospect's reply slot, with its credit.

        Returns who decided an outcome, which one, and when its reply arrives.
        """
        new = b.kind != NONE
        who = b.idx[new]
        arrival = b.t[new] + b.delay[new]
        kind = b.kind[new]
        self.pending_at[who] = arrival
        self.pending_kind[who] = kind
        if who.size:  # only a prospect without a reply in flight decides (sim.model.touch.respond)
            self.pending_who.append(who)
        # Credit: the touch whose response decided the outcome (by_touch's row and column).
        self.credit_num[who] = number[new]
        self.credit_ch[who] = column[new]
        return who, kind, arrival

    def tally_phone(self, b: Touch) -> None:
        """The phone funnel (calibration targets: answers per dial, call-backs per voicemail)."""
        if not b.phone:  # no dial: nothing answered, no voicemail left, every tally adds 0
            return
        replied = (b.kind == POSITIVE) | (b.kind == NEGATIVE)
        counts = self.tally
        counts["dials"] += int(np.count_nonzero(b.ch == PHONE))
        counts["live_answers"] += int(np.count_nonzero(b.answered))
        counts["voicemails_left"] += int(np.count_nonzero(b.voicemail))
        counts["voicemail_replies"] += int(np.count_nonzero(replied & b.voicemail))
        counts["voicemail_callbacks"] += int(np.count_nonzero((b.kind == POSITIVE) & b.voicemail))

    def touched(self, idx: I64, t: F64, number: I64, column: npt.NDArray[np.intp]) -> None:
        """Count the touches made to ``idx`` at ``t`` (the ``number``-th touch of each)."""
        self.touches_made += idx.size
        self.count(number, column, 0)
        if self.credit_last:
            # Platforms' rule: a reply belongs to the last touch made before it arrived.
            waiting = np.isfinite(self.pending_at[idx]) & (self.pending_at[idx] >= t)
            self.credit_num[idx[waiting]] = number[waiting]
            self.credit_ch[idx[waiting]] = column[waiting]

    def arrived(self, now: float) -> I64:
        """The prospects whose reply arrived by ``now``, sorted (off the waiting list)."""
        if not self.pending_who:
            return np.zeros(0, np.int64)
        waiting = (
            self.pending_who[0] if len(self.pending_who) == 1 else np.concatenate(self.pending_who)
        )
        arrived = self.pending_at[waiting] <= now
        # In prospect order, as a scan of every prospect would find them.
        ready = np.sort(waiting[arrived])
        self.pending_who = [waiting[~arrived]] if ready.size < waiting.size else []
        return ready

    def replied(self, ready: I64, enrolled_at: F64) -> I64:
        """Deliver the replies of ``ready``: their outcomes and credit; the positive ones."""
        kind = self.pending_kind[ready]
        self.count(self.credit_num[ready], self.credit_ch[ready], kind)
        size = self.outcome_counts.size
        self.outcome_counts -= np.bincount(self.outcome[ready], minlength=size)
        self.outcome_counts += np.bincount(kind, minlength=size)
        self.outcome[ready] = kind
        no = ready[kind == NEGATIVE]
        self.n_said_no += int(np.count_nonzero(~self.said_no[no]))
        self.said_no[no] = True
        pos = ready[kind == POSITIVE]
        self.responses.append((pos, self.pending_at[pos] - enrolled_at[pos]))
        return np.asarray(pos)

    def meetings(self, pos: I64, met: npt.NDArray[np.bool_]) -> None:
        """Whether each positive reply of ``pos`` became a meeting (``met``), credited."""
        self.n_met -= int(np.count_nonzero(self.met[pos]))
        self.met[pos] = met
        self.n_met += int(np.count_nonzero(self.met[pos]))
        done = pos[self.met[pos]]
        self.count(self.credit_num[done], self.credit_ch[done], MEETING)

    def record_day(
        self, means: tuple[float, float, float], mail: tuple[float, float, float]
    ) -> None:
        """Append the day's cumulative counts and mean state (warmth, annoyance, familiarity).

        ``mail``: the day's inbox placement, the spam complaints so far, the mean reputation.
        """
        warmth, annoyance, familiarity = means
        self.days.append(
            np.array(
                [
                    self.touches_made,  # by_touch[:, :, 0].sum()
                    self.outcome_counts[POSITIVE],
                    self.n_met,
                    self.n_said_no,
                    self.outcome_counts[OPT_OUT],
                    warmth,
                    annoyance,
                    familiarity,
                    *mail,
                ],
                dtype=np.float64,
            )
        )

    def responded_at(self, n: int) -> F64:
        """Days from enrolment to each prospect's (latest) positive reply; NaN: none."""
        out = np.full(n, np.nan)
        for who, days in self.responses:  # in delivery order: a later reply overwrites
            out[who] = days
        return out

    def metrics(
        self, n: int, hours: float, touched: int, end_state: dict[str, float]
    ) -> dict[str, float]:
        """The arm's metric values: counts, rates, per rep hour, ``end_state``, phone tallies.

        ``touched``: prospects touched at least once; ``end_state``: the relationship metrics at
        the horizon, in their order among the metrics.
        """
        opted = self.outcome == OPT_OUT
        responses = int(np.count_nonzero(self.outcome == POSITIVE))
        meetings = int(np.count_nonzero(self.met))
        responded_at = self.responded_at(n)
        days = responded_at[np.isfinite(responded_at)]
        return {
            "prospects": n,
            "touches": int(self.by_touch[:, :, 0].sum()),
            "responses": responses,
            "meetings": meetings,
            "negative_replies": int(np.count_nonzero(self.said_no)),
            "opt_outs": int(np.count_nonzero(opted)),
            "response_rate": responses / n,
            "meeting_rate": meetings / n,
            "opt_out_rate": np.count_nonzero(opted) / n,
            "negative_rate": np.count_nonzero(self.said_no) / n,
            "rep_hours": hours,
            "responses_per_rep_hour": responses / hours if hours > 0 else 0.0,
            "meetings_per_rep_hour": meetings / hours if hours > 0 else 0.0,
            "touches_per_rep_hour": self.by_touch[:, :, 0].sum() / hours if hours > 0 else 0.0,
            "median_days_to_response": float(np.median(days)) if days.size else math.nan,
            "responses_per_touch": responses / max(int(self.by_touch[:, :, 0].sum()), 1),
            "prospects_touched": touched,
            **end_state,
            **self.tally,
        }

    def result(
        self,
        plan: Plan,
        replicate: int,
        seed: int,
        metrics: dict[str, float],
        column_minutes: F64,
    ) -> ArmResult:
        """The arm's :class:`ArmResult`: ``metrics``, the used rows of by_touch, the time series.

        ``column_minutes``: the rep minutes of a touch in each of by_touch's columns.
        """
        used = int(np.max(np.nonzero(self.by_touch.sum(axis=(1, 2)))[0], initial=0)) + 1
        slots = tuple(
            (
                int(plan.slot_step[k]),
                float(plan.day[plan.slot_step[k]]),
                MESSAGES[int(plan.message[k])],
                plan.variant_names[int(plan.variant_code[k])],
            )
            for k in range(plan.n_slots)
        )
        return ArmResult(
            arm=plan.name,
            replicate=replicate,
            seed=seed,
            metrics=metrics,
            by_touch=self.by_touch[:used],
            timeseries=np.vstack(self.days)
            if self.days
            else np.zeros((0, len(TIMESERIES_COLUMNS))),
            slots=slots,
            column_minutes=column_minutes,
        )
