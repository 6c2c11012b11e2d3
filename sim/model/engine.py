"""The engine: a SimPy discrete-event simulation whose events act on batches of prospects.

Two processes run per arm. ``rep_days`` wakes at the start of each working day and works the
touches that are due, oldest first, in rounds (a round touches each due prospect once, as one
vectorised batch) until the rep's minutes run out; what is left waits for the next working day.
``inbox`` wakes at the end of each day and delivers, as one batch, every reply that has arrived,
turning positive replies into meetings, then records the day. No prospect has a process of its
own: cost grows with events and array work. Decays are applied lazily, in closed form, from each
prospect's last update time.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import simpy

from sim.model import response as rf
from sim.model.arrays import F64, I64, Floats
from sim.model.channels import CHANNELS, N_CHANNELS, PHONE
from sim.model.config import ModelConfig, PopulationConfig, RepsConfig
from sim.model.draws import Purpose, counters, uniform
from sim.model.messages import MESSAGES
from sim.model.need import NeedTrack
from sim.model.population import Prospects, ProspectState
from sim.model.schedule import WORK_START, Schedule
from sim.model.strategy import Plan
from sim.model.touch import MEETING, NEGATIVE, NONE, OPT_OUT, PIPELINE, POSITIVE, Touch, World

#: Most prospects one ``touch`` call handles: bounds its temporaries (~250 bytes per prospect).
MAX_BATCH = 1 << 16
#: Most prospects one pass of the model steps handles: their temporaries (~50 arrays of CHUNK
#: numbers) stay in the CPU's cache. Smaller chunks cost more Python overhead per touch
#: (docs/performance.md: 16,384 was fastest of 2,048-65,536 at 100,000 prospects).
CHUNK = 1 << 14
#: The columns of ``by_touch``'s last axis: touches, then one per outcome code (sim.model.touch),
# the : last the meetings that came of a positive reply.
BY_TOUCH_COUNTS = ("touches", "responses", "negative_replies", "opt_outs", "meetings")
#: Named tallies of the phone funnel, reported as metrics.
PHONE_TALLIES = (
    "dials",
    "live_answers",
    "voicemails_left",
    "voicemail_replies",
    "voicemail_callbacks",
)
#: How outcomes are credited in ``by_touch``: to the touch whose response decided them, or, as
#: sales-engagement platforms report replies, to the last touch made before the reply arrived.
CREDIT_RULES = ("decided", "last_touch")
TIMESERIES_COLUMNS = (
    "touches",
    "responses",
    "meetings",
    "negative_replies",
    "opt_outs",
    "mean_warmth",
    "mean_annoyance",
    "mean_familiarity",
)
#: A warmth move of at least this much counts as a relationship built (or burned, downward).
RELATIONSHIP_SHIFT = 0.05


@dataclass
class ModelArrays:
    """Per-channel and per-message parameters as arrays, made once per run from the config."""

    cfg: ModelConfig
    load: F64 = field(init=False)
    half_load: F64 = field(init=False)
    salience: F64 = field(init=False)
    response_base: F64 = field(init=False)
    message_value: F64 = field(init=False)
    negative_message: F64 = field(init=False)
    optout_base: F64 = field(init=False)
    warmth_deposit: F64 = field(init=False)
    familiarity_gain: F64 = field(init=False)
    annoyance_increment: F64 = field(init=False)
    annoyance_message: F64 = field(init=False)
    reply_delay: F64 = field(init=False)

    def __post_init__(self) -> None:
        for name in (
            "load",
            "half_load",
            "salience",
            "response_base",
            "message_value",
            "negative_message",
            "optout_base",
            "warmth_deposit",
            "familiarity_gain",
            "annoyance_increment",
            "annoyance_message",
        ):
            setattr(self, name, getattr(self.cfg, name).array())
        self.reply_delay = self.cfg.reply_delay_days.array()


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


@dataclass(frozen=True)
class TouchLog:
    """Every touch of an arm, in the order made: who, when, which step and what was sent."""

    prospect: I64
    time: F64
    step: npt.NDArray[np.int16]
    number: npt.NDArray[np.int16]  # the prospect's touch number (1 = first touch)
    cycle: npt.NDArray[np.int8]  # cool-down pauses before this touch
    channel: npt.NDArray[np.int8]  # the channel used: a ``preferred`` step's is the prospect's
    message: npt.NDArray[np.int8]
    voicemail: npt.NDArray[np.bool_]  # the step says leave one (phone), whether or not needed
    variant: npt.NDArray[np.int16]  # index into variant_names (0: the step has no variants)
    variant_names: tuple[str, ...]

    def columns(self) -> dict[str, npt.NDArray[Any]]:
        """The log as named columns with channel, message and variant names decoded."""
        return {
            "prospect": self.prospect,
            "time": self.time,
            "step": self.step,
            "number": self.number,
            "cycle": self.cycle,
            "channel": np.asarray(CHANNELS)[self.channel],
            "message": np.asarray(MESSAGES)[self.message],
            "voicemail": self.voicemail,
            "variant": np.asarray(self.variant_names)[self.variant],
        }


def side_stream(rng: np.random.Generator) -> np.random.Generator:
    """A stream independent of ``rng``, made without drawing from it (a PCG64 jump-ahead)."""
    bits = rng.bit_generator
    if not isinstance(bits, np.random.PCG64):
        raise TypeError("pass schedule_rng explicitly when the generator is not PCG64")
    return np.random.Generator(bits.jumped())


class StateMeans:
    """Running sums of decayed warmth, familiarity and annoyance: a day's means cost O(touches).

    Each quantity decays in closed form from its last update, ``x_i 2^{-(now - t_i)/h}`` (warmth
    decays toward its baseline, so its excess over the baseline is what decays). The sum over
    prospects is kept at a reference time ``t0``: ``S = sum_i x_i 2^{(t_i - t0)/h}``; moving
    ``t0`` forward multiplies ``S`` by one factor. ``t0`` is moved to the latest update before
    any term is added, so every exponent is <= 0 and nothing overflows, whatever the horizon.
    The engine removes a batch's terms before a touch and adds them back after it.
    """

    def __init__(self, state: ProspectState, prospects: Prospects, cfg: ModelConfig) -> None:
        self.state, self.base = state, prospects.warmth_base
        self.n = prospects.n
        self.half_life = np.array(
            [
                cfg.warmth_half_life_days,
                cfg.familiarity_half_life_days,
                cfg.annoyance_half_life_days,
            ]
        )
        self.base_mean = float(self.base.mean(dtype=np.float64))
        self.t0 = 0.0
        self.sums = np.zeros(3)
        # In slices: the float64 temporaries of a million terms at once would cost ~50 MB.
        for lo in range(0, self.n, MAX_BATCH):
            self.sums += self._terms(slice(lo, lo + MAX_BATCH))

    def _terms(self, idx: I64 | slice) -> F64:
        """Sums of the terms of prospects ``idx`` at the reference time ``t0``."""
        st = self.state
        return self._sums(
            st.t_state[idx],
            st.warmth[idx] - self.base[idx],
            st.familiarity[idx],
            st.annoyance[idx],
        )

    def _sums(
        self, t_state: F64, excess: npt.NDArray[np.float32], *values: npt.NDArray[np.float32]
    ) -> F64:
        """Sums of the terms of prospects whose stored state is given, at the reference time."""
        return np.array([np.sum(p) for p in self.products(t_state, excess, *values)])

    def products(
        self,
        t_state: F64,
        excess: npt.NDArray[np.float32],
        *values: npt.NDArray[np.float32],
        out: F64 | None = None,
        t0: float | None = None,
    ) -> list[F64]:
        """The terms themselves, one array per quantity, before they are summed (in ``out``).

        ``t0``: the reference time to use instead of the current one (the one a coming
        :meth:`rebase` will set).
        """
        dt = t_state - (self.t0 if t0 is None else t0)  # <= 0: t0 is never behind a term
        # The three factors 2^(dt/h) in one exp2 call over a (3, k) block.
        factor = np.divide(dt, self.half_life[:, None])
        np.exp2(factor, out=factor)
        # Float64 sums: the state is float32, but a sum over a million terms needs the digits.
        # np.sum of products, not np.dot: BLAS picks its kernel per CPU (README, "Reproducibility").
        # float32 * float64: the ufunc converts each value to float64 first, as astype did.
        if out is None:
            return [np.multiply(x, f) for x, f in zip((excess, *values), factor, strict=True)]
        for x, f, o in zip((excess, *values), factor, out, strict=True):
            np.multiply(x, f, out=o)
        return list(out)

    def rebase(self, t: float) -> None:
        """Move the reference time forward to ``t``."""
        if t > self.t0:
            self.sums *= np.exp2(-(t - self.t0) / self.half_life)
            self.t0 = t

    def remove(self, idx: I64) -> None:
        """Take out the terms of ``idx`` (before their state changes)."""
        self.sums -= self._terms(idx)

    def add(self, idx: I64) -> None:
        """Put back the terms of ``idx`` (after their state changed)."""
        if idx.size:
            self.rebase(float(self.state.t_state[idx].max()))
        self.sums += self._terms(idx)

    def at(self, now: float) -> tuple[float, float, float]:
        """Mean warmth, annoyance and familiarity over all prospects at ``now``."""
        self.rebase(now)
        w, f, a = self.sums / self.n
        return self.base_mean + float(w), float(a), float(f)


class ArmRun:
    """The state of one arm of one replicate while its SimPy environment runs."""

    def __init__(
        self,
        plan: Plan,
        prospects: Prospects,
        model: ModelArrays,
        population: PopulationConfig,
        reps: RepsConfig,
        horizon_days: float,
        load_shocks: npt.NDArray[np.float32],
        rng: np.random.Generator,
        trace: Sequence[int] = (),
        record_touches: bool = False,
        schedule_rng: np.random.Generator | None = None,
        key: np.uint64 | None = None,
        credit: str = "decided",
    ) -> None:
        self.plan, self.p, self.m, self.reps = plan, prospects, model, reps
        self.connector_warmth = population.connector_warmth
        self.horizon = horizon_days
        self.shocks = load_shocks
        self.rng = rng
        # Every random decision is a keyed draw of (key, prospect, touch or event number, purpose)
        # (sim.model.draws): arms built with the same key give a prospect the same chances.
        self.key = np.uint64(rng.integers(2**63)) if key is None else key
        self.credit_last = credit == "last_touch"
        n = prospects.n
        # Counts (exposures, touches received) only for the message kinds and channels this
        # arm can use: a shorter row to gather and scatter per touch (sim.model.population).
        channels = range(N_CHANNELS) if plan.uses_preferred else plan.channel.tolist()
        self.state = ProspectState.initial(prospects, plan.message.tolist(), channels)
        msg_col, ch_col = self.state.columns()
        cfg = model.cfg
        self.need = NeedTrack(
            self.key,
            prospects.need0,
            cfg.need_mean_in_market_days,
            cfg.need_mean_out_of_market_days,
            until=self.state.need_until,  # kept in the prospects' records (sim.model.population)
            state=self.state.in_market,
        )
        self.wrong_name_rate = float(getattr(reps.wrong_name_rate, plan.personalization))
        # A/B steps: each prospect's variant, drawn once from the schedule stream (strategy.py).
        variant_of = (
            plan.assign_variants(n, schedule_rng or side_stream(rng))
            if plan.n_variant_steps
            else None
        )
        # Who is due when, the caps and the reps' minutes (sim.model.schedule).
        self.schedule = Schedule(plan, prospects, reps, horizon_days, variant_of)
        # Optional log of every touch (TouchLog); None costs nothing.
        self.touch_parts: list[tuple[npt.NDArray[Any], ...]] | None = None
        if record_touches:
            self.touch_parts = []
        self.touch_count = np.zeros(n, np.int16)
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
        self.by_touch = np.zeros((plan.max_touches + 2, columns, len(BY_TOUCH_COUNTS)), np.int64)
        # Named tallies of the phone funnel (tally_phone), reported as metrics.
        self.tally = dict.fromkeys(PHONE_TALLIES, 0)
        self.days: list[F64] = []
        self.means = StateMeans(self.state, prospects, model.cfg)
        self.world = World(
            cfg=model.cfg,
            model=model,
            prospects=prospects,
            state=self.state,
            plan=plan,
            need=self.need,
            shocks=load_shocks,
            outcome=self.outcome,
            pending_at=self.pending_at,
            wrong_name_rate=self.wrong_name_rate,
            connector_warmth=self.connector_warmth,
            callback_matches=reps.callback_number_matches,
            msg_col=msg_col,
            ch_col=ch_col,
            # An arm of one channel: per-channel parameters are scalars
            # (sim.model.touch.per_channel).
            channel=(self.state.count_channels[0] if len(self.state.count_channels) == 1 else -1),
        )
        self.max_batch = MAX_BATCH
        self.message_of = plan.message.astype(np.intp)  # each slot's message kind, as an index
        # Optional per-touch record of a few prospects (sim.report.journey); None costs nothing.
        self.traced: npt.NDArray[np.bool_] | None = None
        self.trace_rows: list[dict[str, Any]] = []
        ids = np.asarray(trace, dtype=np.intp)
        ids = ids[ids < n]  # a prospect beyond this arm's (shorter) list is not in it
        if ids.size:
            self.traced = np.zeros(n, np.bool_)
            self.traced[ids] = True

    @property
    def stop_at(self) -> F64:
        """When a reply that stops each prospect's cadence arrives (inf: none)."""
        return self.schedule.stop_at

    @property
    def responded_at(self) -> F64:
        """Days from enrolment to each prospect's (latest) positive reply; NaN: none."""
        out = np.full(self.p.n, np.nan)
        for who, days in self.responses:  # in delivery order: a later reply overwrites
            out[who] = days
        return out

    @property
    def minutes_used(self) -> float:
        """Rep minutes spent so far."""
        return self.schedule.minutes_used

    # --- SimPy processes -------------------------------------------------------------------

    def rep_days(self, env: simpy.Environment) -> Any:
        """Process: each working day, work the due touches within the rep's capacity."""
        for day in range(math.ceil(self.horizon)):
            yield env.timeout(day + WORK_START - env.now)
            if self.reps.work_weekends or day % 7 < 5:
                self.schedule.work_day(day, self.touch_batches, self.max_batch)

    def inbox(self, env: simpy.Environment) -> Any:
        """Process: at the end of each day, deliver the replies that arrived; record the day."""
        for day in range(math.ceil(self.horizon)):
            yield env.timeout(min(day + 1.0, self.horizon) - env.now)
            self.deliver(env.now)
            self.record_day(env.now)

    def run(self) -> None:
        """Run both processes to the horizon."""
        env = simpy.Environment()
        env.process(self.rep_days(env))
        env.process(self.inbox(env))
        env.run()

    # --- batch events ----------------------------------------------------------------------

    def touch_batches(self, idx: I64, t: F64) -> None:
        """Touch ``idx`` at ``t`` in slices of at most ``max_batch`` (``touch`` keeps the means).

        Slicing bounds the memory a huge day (a million due touches) needs for temporaries; each
        prospect appears once in ``idx``, so slices are independent apart from the order in which
        they draw random numbers.
        """
        for s in range(0, idx.size, self.max_batch):
            self.touch(idx[s : s + self.max_batch], t[s : s + self.max_batch])

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

    def touch(self, idx: I64, t: F64) -> None:
        """One touch to each prospect in ``idx`` at times ``t``: the model steps, then the books.

        The model steps (:data:`sim.model.touch.PIPELINE`) decide what happens; :meth:`touch_chunk`
        records the outcome the touch decided, tallies it, and moves each prospect's cadence on.
        They run in chunks of at most ``CHUNK`` touches, so that a step's temporaries stay in
        the CPU's cache (and the allocator reuses their memory instead of returning it to the
        system). Each prospect appears once in ``idx`` and its draws are keyed, so chunks are
        independent; the running means take out and put back the terms of all of ``idx`` at
        once, summed over the whole batch as before, so chunking changes no table.
        """
        k = idx.size
        if k == 0:
            return
        means = self.means
        t_max = float(t.max())
        t0_after = max(means.t0, t_max)  # the reference time once the batch is rebased
        removed = np.empty((3, k))  # the batch's terms before the touch, at the reference time
        added = np.empty((3, k))  # and after it, at the reference time after the rebase
        for lo in range(0, k, CHUNK):
            hi = min(lo + CHUNK, k)
            b = self.touch_chunk(idx[lo:hi], t[lo:hi])
            means.products(b.t_state, b.w_excess, b.f_stored, b.a_stored, out=removed[:, lo:hi])
            # The terms after the touch, worked out while the chunk is in cache; summed below
            # over the whole batch, after the removed ones, as one sum per quantity.
            means.products(
                b.t, b.w_after - b.base, b.f_after, b.a_after, out=added[:, lo:hi], t0=t0_after
            )
        means.sums -= np.array([np.sum(r) for r in removed])
        means.rebase(t_max)
        means.sums += np.array([np.sum(r) for r in added])

    def touch_chunk(self, idx: I64, t: F64) -> Touch:
        """The model steps and the books of one chunk of :meth:`touch`; its :class:`Touch`."""
        # This touch's number for each prospect keys its draws: the n-th touch of prospect i
        # meets the same chances in every arm (sim.model.draws).
        number = self.touch_count[idx].astype(np.int64) + 1
        sched = self.schedule
        step = sched.step[idx]
        slot = self.plan.slot(step, sched.variant_of, idx)  # sched.slot_of, step gathered once
        ch = sched.channel_of(idx, slot).astype(np.intp)
        b = Touch(
            idx=idx,
            t=t,
            counter=counters(self.key, idx, number),
            slot=slot,
            ch=ch,
            msg=self.message_of[slot],
        )
        for model_step in PIPELINE:
            model_step(self.world, b)
        column = slot.astype(np.intp) * N_CHANNELS + ch  # by_touch's column for each touch
        self.decided(b, number, column)
        self.tally_phone(b)
        if self.traced is not None:
            hit = self.traced[idx]
            if hit.any():
                attn = rf.attention(b.load, self.m.half_load[ch])
                cols = (ch, b.msg, b.noticed, b.answered, b.voicemail, b.need, attn, b.p_notice)
                self._trace_touches(idx[hit], t[hit], *(c[hit] for c in (*cols, b.kind)))
        # Step analytics and the cadence's next step.
        self.touch_count[idx] = number  # one more touch each
        self.touches_made += idx.size
        self.count(number, column, 0)
        if self.credit_last:
            # Platforms' rule: a reply belongs to the last touch made before it arrived.
            waiting = np.isfinite(self.pending_at[idx]) & (self.pending_at[idx] >= t)
            self.credit_num[idx[waiting]] = number[waiting]
            self.credit_ch[idx[waiting]] = column[waiting]
        if self.touch_parts is not None:
            parts = (idx.copy(), t.copy(), step, number, sched.cycle[idx], slot, ch.astype(np.int8))
            self.touch_parts.append(parts)
        sched.moved_on(idx, t, step)
        return b

    def decided(self, b: Touch, number: I64, column: npt.NDArray[np.intp]) -> None:
        """Put each outcome the touch decided in the prospect's reply slot, with its credit."""
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
        plan = self.plan
        stops = (
            (kind == OPT_OUT)
            | ((kind == POSITIVE) & plan.stop_positive)
            | ((kind == NEGATIVE) & plan.stop_negative)
        )
        self.schedule.stop(who[stops], arrival[stops])

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

    def _trace_touches(self, idx: I64, t: F64, *cols: npt.NDArray[Any]) -> None:
        """Append one row per traced touch: what was sent, what was noticed, the state after."""
        ch, msg, noticed, answered, voicemail, need, attn, p_notice, kind = cols
        st = self.state
        for j, i in enumerate(idx):
            self.trace_rows.append(
                {
                    "event": "touch",
                    "prospect": int(i),
                    "time": float(t[j]),
                    "channel": int(ch[j]),
                    "message": int(msg[j]),
                    "noticed": bool(noticed[j]),
                    "answered": bool(answered[j]),
                    "voicemail": bool(voicemail[j]),
                    "in_market": bool(need[j]),
                    "attention": float(attn[j]),
                    "p_notice": float(p_notice[j]),
                    "warmth": float(st.warmth[i]),
                    "annoyance": float(st.annoyance[i]),
                    "familiarity": float(st.familiarity[i]),
                    "decided": int(kind[j]),
                    "reply_at": float(self.pending_at[i]) if kind[j] != NONE else math.nan,
                }
            )

    def deliver(self, now: float) -> None:
        """Deliver every reply that has arrived by ``now``; positive ones may become meetings."""
        if not self.pending_who:
            return
        waiting = (
            self.pending_who[0] if len(self.pending_who) == 1 else np.concatenate(self.pending_who)
        )
        arrived = self.pending_at[waiting] <= now
        # In prospect order, as a scan of every prospect would find them.
        ready = np.sort(waiting[arrived])
        self.pending_who = [waiting[~arrived]] if ready.size < waiting.size else []
        if ready.size == 0:
            return
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
        self.responses.append((pos, self.pending_at[pos] - self.p.enrolled_at[pos]))
        st, cfg = self.state, self.m.cfg
        dt = now - st.t_state[pos]
        warmth = rf.relax(st.warmth[pos], self.p.warmth_base[pos], dt, cfg.warmth_half_life_days)
        need = self.need.at(pos, now).astype(np.float64)
        p_meet = rf.meeting_probability(
            warmth, need, cfg.meeting_base, cfg.meeting_warmth, cfg.meeting_need
        )
        self.n_met -= int(np.count_nonzero(self.met[pos]))
        self.met[pos] = uniform(counters(self.key, pos, 0), Purpose.MEETING) < p_meet
        self.n_met += int(np.count_nonzero(self.met[pos]))
        met = pos[self.met[pos]]
        self.count(self.credit_num[met], self.credit_ch[met], MEETING)
        if self.traced is not None:
            for i in ready[self.traced[ready]]:
                self.trace_rows.append(
                    {
                        "event": "reply",
                        "prospect": int(i),
                        "time": float(self.pending_at[i]),
                        "decided": int(self.pending_kind[i]),
                        "meeting": bool(self.met[i]),
                    }
                )
        self.pending_at[ready] = np.inf

    def current(self, now: float, part: slice = slice(None)) -> tuple[Floats, Floats, Floats]:
        """Warmth, annoyance and familiarity of prospects ``part`` (all), decayed to ``now``."""
        st, cfg = self.state, self.m.cfg
        dt = now - st.t_state[part]
        return (
            rf.relax(st.warmth[part], self.p.warmth_base[part], dt, cfg.warmth_half_life_days),
            rf.decay(st.annoyance[part], dt, cfg.annoyance_half_life_days),
            rf.decay(st.familiarity[part], dt, cfg.familiarity_half_life_days),
        )

    def state_means(self, now: float) -> tuple[float, float, float]:
        """Mean warmth, annoyance and familiarity at ``now``, from running sums (no O(n) pass).

        Equal, up to rounding, to the means of :meth:`current`; tests/test_engine_equivalence.py
        checks it. Any code that changes warmth, familiarity, annoyance or ``t_state`` must run
        between the removal of its terms from ``self.means.sums`` and their return (as
        :meth:`touch` does).
        """
        return self.means.at(now)

    def record_day(self, now: float) -> None:
        """Append the day's cumulative counts and mean state to the time series."""
        warmth, annoyance, familiarity = self.state_means(now)
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
                ],
                dtype=np.float64,
            )
        )

    def result(self, replicate: int, seed: int) -> ArmResult:
        """The arm's metric values and tables at the horizon."""
        n = self.p.n
        opted = self.outcome == OPT_OUT
        # Sums over prospects in slices: a million prospects' decayed state at once would add
        # tens of MB to the run's peak memory (docs/performance.md).
        shift_sum = familiarity_sum = annoyance_sum = 0.0
        built = burned = 0
        for lo in range(0, n, self.max_batch):
            part = slice(lo, lo + self.max_batch)
            warmth, annoyance, familiarity = self.current(self.horizon, part)
            shift = warmth - self.p.warmth_base[part]
            shift_sum += float(shift.sum())
            familiarity_sum += float(familiarity.sum())
            annoyance_sum += float(annoyance.sum())
            built += int(np.count_nonzero((shift >= RELATIONSHIP_SHIFT) & ~opted[part]))
            burned += int(np.count_nonzero((shift <= -RELATIONSHIP_SHIFT) | opted[part]))
        responses = int(np.count_nonzero(self.outcome == POSITIVE))
        meetings = int(np.count_nonzero(self.met))
        hours = self.schedule.minutes_used / 60.0
        responded_at = self.responded_at
        days = responded_at[np.isfinite(responded_at)]
        metrics: dict[str, float] = {
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
            "prospects_touched": int(np.count_nonzero(self.touch_count)),
            "mean_warmth_change": shift_sum / n,
            "relationships_built": built,
            "relationships_burned": burned,
            "mean_familiarity": familiarity_sum / n,
            "mean_annoyance": annoyance_sum / n,
            **self.tally,
        }
        metrics.update(self.schedule.limits(int(self.by_touch[:, :, 0].sum())))
        used = int(np.max(np.nonzero(self.by_touch.sum(axis=(1, 2)))[0], initial=0)) + 1
        plan = self.plan
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
            timeseries=np.vstack(self.days) if self.days else np.zeros((0, 8)),
            slots=slots,
        )

    def touch_log(self) -> TouchLog:
        """Every touch made, in order; needs ``record_touches=True``."""
        if self.touch_parts is None:
            raise RuntimeError("ArmRun(..., record_touches=True) keeps the touch log")
        parts = self.touch_parts or [
            (
                np.zeros(0, np.int64),
                np.zeros(0),
                *(np.zeros(0, np.int16),) * 4,
                np.zeros(0, np.int8),
            )
        ]
        columns = (np.concatenate(c) for c in zip(*parts, strict=True))
        prospect, time, step, number, cycle, slot, channel = columns
        plan = self.plan
        return TouchLog(
            prospect=prospect.astype(np.int64),
            time=time.astype(np.float64),
            step=step.astype(np.int16),
            number=number.astype(np.int16),
            cycle=cycle.astype(np.int8),
            channel=channel.astype(np.int8),  # the channel used (``preferred`` resolved)
            message=plan.message[slot],
            voicemail=plan.voicemail[slot],
            variant=plan.variant_code[slot],
            variant_names=plan.variant_names,
        )
