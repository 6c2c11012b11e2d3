"""The engine: a SimPy discrete-event simulation whose events act on batches of prospects.

Two processes run per arm (:mod:`sim.model.processes`). ``rep_days`` wakes at the start of each
working day and works the touches that are due, oldest first, in rounds (a round touches each due
prospect once, as one vectorised batch) until the rep's minutes run out; what is left waits for
the next working day. ``inbox`` wakes at the end of each day and delivers, as one batch, every
reply that has arrived, turning positive replies into meetings, then records the day. No prospect
has a process of its own: cost grows with events and array work. Decays are applied lazily, in
closed form, from each prospect's last update time.

:class:`ArmRun` holds one arm's state and runs the model steps of a touch
(:data:`sim.model.touch.PIPELINE`); its counts are in :mod:`sim.model.books`, its running means
in :mod:`sim.model.state_means`, its touch log and journeys in :mod:`sim.model.trace`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import simpy

from sim.model import response as rf
from sim.model.accounts import I32
from sim.model.arrays import F64, I64, Floats
from sim.model.batch import Touch, World
from sim.model.books import BY_TOUCH_COUNTS, TIMESERIES_COLUMNS, ArmResult, Books
from sim.model.channels import N_CHANNELS
from sim.model.config import PopulationConfig, RepsConfig
from sim.model.deliverability import arm_mailboxes
from sim.model.draws import Purpose, counters, uniform
from sim.model.limits import limits
from sim.model.market import Market, second_wave
from sim.model.market_config import MarketConfig
from sim.model.model_arrays import ModelArrays
from sim.model.need import NeedTrack
from sim.model.population import Prospects, ProspectState
from sim.model.processes import inbox, rep_days
from sim.model.schedule import WORK_START, Schedule
from sim.model.seeding import side_stream
from sim.model.state_means import StateMeans
from sim.model.strategy import Plan
from sim.model.touch import NEGATIVE, NONE, OPT_OUT, PIPELINE, POSITIVE
from sim.model.trace import Journeys, TouchLog, TouchRecorder

# Names other layers import from here (the engine's public face).
__all__ = [
    "BY_TOUCH_COUNTS",
    "CHUNK",
    "MAX_BATCH",
    "NEGATIVE",
    "NONE",
    "OPT_OUT",
    "POSITIVE",
    "TIMESERIES_COLUMNS",
    "WORK_START",
    "ArmResult",
    "ArmRun",
    "ModelArrays",
    "StateMeans",
    "TouchLog",
    "side_stream",
]

#: Most prospects one ``touch`` call handles: bounds its temporaries (~250 bytes per prospect).
MAX_BATCH = 1 << 16
#: Most prospects one pass of the model steps handles: their temporaries (~50 arrays of CHUNK
#: numbers) stay in the CPU's cache. Smaller chunks cost more Python overhead per touch
#: (docs/performance.md: 16,384 was fastest of 2,048-65,536 at 100,000 prospects).
CHUNK = 1 << 14
#: A warmth move of at least this much counts as a relationship built (or burned, downward).
RELATIONSHIP_SHIFT = 0.05


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
        market: MarketConfig | None = None,
        account: I32 | None = None,
    ) -> None:
        self.plan, self.p, self.m, self.reps = plan, prospects, model, reps
        self.horizon = horizon_days
        # Every random decision is a keyed draw of (key, prospect, touch or event number, purpose)
        # (sim.model.draws): arms built with the same key give a prospect the same chances.
        self.key = np.uint64(rng.integers(2**63)) if key is None else key
        n = prospects.n
        # Counts only for the kinds and channels this arm uses: shorter rows (sim.model.population).
        channels = range(N_CHANNELS) if plan.uses_preferred else plan.channel.tolist()
        self.state = ProspectState.initial(prospects, plan.message.tolist(), channels)
        cfg = model.cfg
        days = (cfg.need_mean_in_market_days, cfg.need_mean_out_of_market_days)
        # Need's clock is kept in the prospects' records (sim.model.population).
        self.need = NeedTrack(
            self.key,
            prospects.need0,
            *days,
            until=self.state.need_until,
            state=self.state.in_market,
        )
        # A/B steps: each prospect's variant, drawn once from the schedule stream (strategy.py).
        variant_of = None
        if plan.n_variant_steps:
            variant_of = plan.assign_variants(n, schedule_rng or side_stream(rng))
        # The team's mailboxes (sim.model.deliverability): off, every email reaches the inbox.
        self.delivering = bool(cfg.deliverability)
        self.emails, self.mail = arm_mailboxes(plan, reps, cfg, self.key, n, population)
        mail = self.mail if self.emails else None
        # Who is due when, the caps and the reps' minutes (sim.model.schedule).
        self.schedule = Schedule(plan, prospects, reps, horizon_days, variant_of, mail)
        self.touch_count = np.zeros(n, np.int16)
        market = market or MarketConfig()
        self.books = Books(n, plan, credit, waves=1 if market.second_wave_day is None else 2)
        self.max_batch = MAX_BATCH
        self.means = StateMeans(self.state, prospects, cfg, self.max_batch)
        # Burns, the second wave, accounts (sim.model.market): the list as an asset.
        parts = (prospects, self.state, self.means, self.need, model, self.books, self.schedule)
        self.market = Market(market, population.accounts, account, parts)
        self.world = self._world(population, load_shocks)
        self.message_of = plan.message.astype(np.intp)  # each slot's message kind, as an index
        # Optional log of every touch, and a few prospects' journeys; None costs nothing.
        self.recorder = TouchRecorder() if record_touches else None
        self.journeys = Journeys.of(trace, n)

    def _world(self, population: PopulationConfig, load_shocks: npt.NDArray[np.float32]) -> World:
        """What the model steps read: parameters, traits, this arm's state and books."""
        msg_col, ch_col = self.state.columns()
        reps, plan = self.reps, self.plan
        return World(
            cfg=self.m.cfg,
            model=self.m,
            prospects=self.p,
            state=self.state,
            plan=plan,
            need=self.need,
            shocks=load_shocks,
            outcome=self.books.outcome,
            pending_at=self.books.pending_at,
            wrong_name_rate=float(getattr(reps.wrong_name_rate, plan.personalization)),
            connector_warmth=population.connector_warmth,
            callback_matches=reps.callback_number_matches,
            msg_col=msg_col,
            ch_col=ch_col,
            # An arm of one channel: per-channel parameters are scalars
            # (sim.model.touch.per_channel).
            channel=(self.state.count_channels[0] if len(self.state.count_channels) == 1 else -1),
            mail=self.mail if self.emails else None,
        )

    @property
    def outcome(self) -> npt.NDArray[np.int8]:
        """The latest delivered outcome per prospect (an outcome code of sim.model.touch)."""
        return self.books.outcome

    @property
    def trace_rows(self) -> list[dict[str, object]]:
        """The traced prospects' journeys: one row per touch and per reply (empty: none)."""
        return [] if self.journeys is None else self.journeys.rows

    def run(self) -> None:
        """Run both processes to the horizon."""
        env = simpy.Environment()
        work_weekends = self.reps.work_weekends
        batches = self.touch_batches
        env.process(
            rep_days(env, self.schedule, batches, self.horizon, work_weekends, self.max_batch)
        )
        env.process(inbox(env, self.deliver, self.record_day, self.horizon))
        day = self.market.cfg.second_wave_day
        if day is not None:
            env.process(second_wave(env, day, self.market.start_wave))
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

    def touch(self, idx: I64, t: F64) -> None:
        """One touch to each prospect in ``idx`` at times ``t``: the model steps, then the books.

        The model steps (:data:`sim.model.touch.PIPELINE`) decide what happens; :meth:`touch_chunk`
        records the outcome the touch decided, tallies it, and moves each prospect's cadence on.
        They run in chunks of at most ``CHUNK`` touches, so that a step's temporaries stay in
        the CPU's cache (and the allocator reuses their memory instead of returning it to the
        system). Each prospect appears once in ``idx`` and its draws are keyed, so chunks are
        independent; the running means take out and put back the terms of all of ``idx`` at
        once, summed over the whole batch, so chunking changes no table.
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
        means.replace(removed, added, t_max)

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
        self.market.touched(idx, t, b.a)  # a burn (sim.model.market)
        column = slot.astype(np.intp) * N_CHANNELS + ch  # by_touch's column for each touch
        self.stop_cadences(*self.books.decided(b, number, column))
        self.books.tally_phone(b)
        if self.journeys is not None:
            self.trace_touches(b)
        # Step analytics and the cadence's next step.
        self.touch_count[idx] = number  # one more touch each
        self.books.touched(idx, t, number, column)
        if self.recorder is not None:
            cycle, channel = sched.cycle[idx], ch.astype(np.int8)
            self.recorder.append(idx.copy(), t.copy(), step, number, cycle, slot, channel)
        sched.moved_on(idx, t, step)
        return b

    def stop_cadences(self, who: I64, kind: npt.NDArray[np.int8], arrival: F64) -> None:
        """End the cadences the plan stops on the outcomes just decided, when the reply arrives."""
        plan = self.plan
        stops = (
            (kind == OPT_OUT)
            | ((kind == POSITIVE) & plan.stop_positive)
            | ((kind == NEGATIVE) & plan.stop_negative)
        )
        self.schedule.stop(who[stops], arrival[stops])
        if plan.stop_account:  # HubSpot's rule: a colleague's reply ends the cadence too
            self.market.colleagues_stop(who, kind, arrival)

    def trace_touches(self, b: Touch) -> None:
        """Record the touches of ``b`` to traced prospects in their journeys."""
        assert self.journeys is not None
        hit = self.journeys.traced[b.idx]
        if hit.any():
            attn = rf.attention(b.load, self.m.half_load[b.ch])
            cols = (b.ch, b.msg, b.noticed, b.answered, b.voicemail, b.need, attn, b.p_notice)
            self.journeys.touches(
                self.state,
                self.books.pending_at,
                b.idx[hit],
                b.t[hit],
                *(c[hit] for c in (*cols, b.kind)),
            )

    def deliver(self, now: float) -> None:
        """Deliver every reply that has arrived by ``now``; positive ones may become meetings."""
        books = self.books
        ready = books.arrived(now)
        if ready.size == 0:
            return
        pos = books.replied(ready, self.p.enrolled_at)
        books.meetings(pos, self.meetings(pos, now))
        if self.journeys is not None:
            self.journeys.replies(ready, books.pending_at, books.pending_kind, books.met)
        self.market.delivered(ready, books.pending_kind[ready], books.pending_at[ready], now)
        books.pending_at[ready] = np.inf

    def meetings(self, pos: I64, now: float) -> npt.NDArray[np.bool_]:
        """Whether each positive reply of ``pos``, arriving at ``now``, becomes a meeting."""
        st, cfg = self.state, self.m.cfg
        dt = now - st.t_state[pos]
        warmth = rf.relax(st.warmth[pos], self.p.warmth_base[pos], dt, cfg.warmth_half_life_days)
        need = self.need.at(pos, now).astype(np.float64)
        p_meet = rf.meeting_probability(
            warmth, need, cfg.meeting_base, cfg.meeting_warmth, cfg.meeting_need
        )
        return np.asarray(uniform(counters(self.key, pos, 0), Purpose.MEETING) < p_meet)

    # --- the state and the books at a time -----------------------------------------------

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
        placement, reputation = self.mail.end_day()
        if not self.delivering:  # no mailboxes ran: nothing to say of them
            placement, reputation = math.nan, math.nan
        self.books.record_day(self.state_means(now), (placement, self.mail.complaints, reputation))

    def end_state(self) -> dict[str, float]:
        """The relationship metrics at the horizon: warmth moved, relationships built, burned."""
        n = self.p.n
        opted = self.books.outcome == OPT_OUT
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
        return {
            "mean_warmth_change": shift_sum / n,
            "relationships_built": built,
            "relationships_burned": burned,
            "mean_familiarity": familiarity_sum / n,
            "mean_annoyance": annoyance_sum / n,
        }

    def result(self, replicate: int, seed: int) -> ArmResult:
        """The arm's metric values and tables at the horizon."""
        books = self.books
        hours = self.schedule.minutes_used / 60.0
        touched = int(np.count_nonzero(self.touch_count))
        metrics = books.metrics(self.p.n, hours, touched, self.end_state())
        metrics.update(limits(self.schedule, int(books.by_touch[:, :, 0].sum())))
        arrival = self.mail.arrival if self.emails else None  # a re-touch through the mailboxes
        metrics.update(self.market.results(self.horizon, arrival))  # what the list has left
        mail = self.mail.metrics()
        metrics.update(mail if self.delivering else dict.fromkeys(mail, math.nan))
        return books.result(self.plan, replicate, seed, metrics, self.schedule.column_minutes)

    def touch_log(self) -> TouchLog:
        """Every touch made, in order; needs ``record_touches=True``."""
        if self.recorder is None:
            raise RuntimeError("ArmRun(..., record_touches=True) keeps the touch log")
        return self.recorder.log(self.plan)
