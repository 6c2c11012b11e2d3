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
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import simpy
from scipy.special import ndtri

from sim import response as rf
from sim.channels import N_CHANNELS, PHONE, REFERRAL
from sim.config import ModelConfig, PopulationConfig, RepsConfig
from sim.population import ProspectState, Prospects
from sim.strategy import Plan

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

#: Reps start their working day at 09:00 (days are counted from midnight of enrolment day).
WORK_START = 9.0 / 24.0
MINUTES_PER_DAY = 24.0 * 60.0
#: Outcome codes, also the order of the outcome columns of ``by_touch``.
NONE, POSITIVE, NEGATIVE, OPT_OUT = 0, 1, 2, 3
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
    by_touch: npt.NDArray[np.int64]  # (touch_number, channel, [touches, pos, neg, opt])
    timeseries: F64  # (days, len(TIMESERIES_COLUMNS))


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
    ) -> None:
        self.plan, self.p, self.m, self.reps = plan, prospects, model, reps
        self.connector_warmth = population.connector_warmth
        self.horizon = horizon_days
        self.shocks = load_shocks
        self.rng = rng
        n = prospects.n
        self.state = ProspectState.initial(prospects)
        level = plan.personalization
        self.wrong_name_rate = float(getattr(reps.wrong_name_rate, level))
        factor = float(getattr(reps.personalization_minutes, level))
        self.step_cost = plan.step_cost(reps.touch_minutes.array(), reps.voicemail_minutes, factor)
        self.capacity = reps.count * reps.minutes_per_day
        # Cadence position per prospect; everyone is enrolled at time 0.
        self.step = np.zeros(n, np.int16)
        self.cycle = np.zeros(n, np.int8)
        self.in_cycle = np.zeros(n, np.int16)
        self.next_due = prospects.enrolled_at + plan.day[0]
        self.touch_count = np.zeros(n, np.int16)
        # Outcomes: a decided reply waits in a per-prospect slot until it arrives.
        self.outcome = np.zeros(n, np.int8)
        self.pending_at = np.full(n, np.inf)
        self.pending_kind = np.zeros(n, np.int8)
        self.stop_at = np.full(n, np.inf)
        self.credit_num = np.zeros(n, np.int16)
        self.credit_ch = np.zeros(n, np.int8)
        self.responded_at = np.full(n, np.nan)
        self.met = np.zeros(n, np.bool_)
        self.said_no = np.zeros(n, np.bool_)
        max_touches = plan.n_steps * (plan.cooldown_cycles + 1) + 1
        self.by_touch = np.zeros((max_touches + 1, N_CHANNELS, 4), np.int64)
        self.minutes_used = 0.0
        self.minutes_used_today = 0.0
        self.days: list[F64] = []

    # --- SimPy processes -------------------------------------------------------------------

    def rep_days(self, env: simpy.Environment) -> Any:
        """Process: each working day, work the due touches within the rep's capacity."""
        for day in range(math.ceil(self.horizon)):
            yield env.timeout(day + WORK_START - env.now)
            if self.reps.work_weekends or day % 7 < 5:
                self.work_day(day)

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

    def work_day(self, day: int) -> None:
        """Work the day's due touches, oldest due first, in rounds, until capacity runs out."""
        day_end = min(day + 1.0, self.horizon)
        start = day + WORK_START
        cand = np.flatnonzero(self.next_due < day_end)
        while cand.size:
            ended = self.next_due[cand] >= self.stop_at[cand]
            if ended.any():
                self.next_due[cand[ended]] = np.inf
                cand = cand[~ended]
            cand = cand[np.argsort(self.next_due[cand], kind="stable")]
            cost = self.step_cost[self.step[cand]]
            used_after = self.minutes_used_today + np.cumsum(cost)
            n_take = int(np.searchsorted(used_after, self.capacity, side="right"))
            if n_take == 0:
                break
            idx = cand[:n_take]
            # Each touch happens when the rep gets to it: reps work in parallel from 09:00.
            clock = start + (used_after[:n_take] - cost[:n_take]) / (self.reps.count * MINUTES_PER_DAY)
            t = np.maximum(self.next_due[idx], clock)
            ok = t < day_end
            idx, t, spent = idx[ok], t[ok], cost[:n_take][ok]
            self.minutes_used_today += float(spent.sum())
            self.touch(idx, t)
            if n_take < cand.size:
                break
            cand = idx[self.next_due[idx] < day_end]
        self.minutes_used += self.minutes_used_today
        self.minutes_used_today = 0.0

    def touch(self, idx: I64, t: F64) -> None:
        """One touch to each prospect in ``idx`` at times ``t``: notice, respond, update state."""
        k = idx.size
        if k == 0:
            return
        m, cfg, p, st, plan = self.m, self.m.cfg, self.p, self.state, self.plan
        u = self.rng.random((k, 5))  # need, answer, notice, wrong name, outcome
        z = ndtri(np.clip(self.rng.random(k), 1e-12, 1 - 1e-12))  # reply delay score
        # Lazy closed-form decay from each prospect's last update to now.
        dt = t - st.t_state[idx]
        w = rf.relax(st.warmth[idx], p.warmth_base[idx], dt, cfg.warmth_half_life_days)
        f = rf.decay(st.familiarity[idx], dt, cfg.familiarity_half_life_days)
        a = rf.decay(st.annoyance[idx], dt, cfg.annoyance_half_life_days)
        p_need = rf.need_probability(
            st.need[idx],
            t - st.t_need[idx],
            cfg.need_mean_in_market_days,
            cfg.need_mean_out_of_market_days,
        )
        need = u[:, 0] < p_need
        step = self.step[idx]
        ch = plan.channel[step].astype(np.intp)
        msg = plan.message[step].astype(np.intp)
        day = np.minimum(t.astype(np.intp), self.shocks.shape[0] - 1)
        load = m.load[ch] * p.busyness[idx] * self.shocks[day, p.load_group[idx]]
        p_notice = rf.notice_probability(
            p.affinity[idx, ch],
            m.salience[ch],
            load,
            m.half_load[ch],
            f,
            w,
            cfg.notice_familiarity,
            cfg.notice_warmth,
        )
        is_phone = ch == PHONE
        p_answer = rf.answer_probability(
            f, w, cfg.answer_base, cfg.answer_familiarity, cfg.answer_warmth
        )
        answered = is_phone & (u[:, 1] < p_answer)
        voicemail = is_phone & ~answered & plan.voicemail[step]
        heard = p.listens_voicemail[idx] & (u[:, 2] < p_notice)
        noticed = np.where(is_phone, answered | (voicemail & heard), u[:, 2] < p_notice)
        referral = ch == REFERRAL
        intro = referral & p.has_connector[idx]
        # A referral touch only reaches the prospect through a connector (seeds 001, 004).
        noticed = np.where(referral, intro, noticed)
        wrong_name = u[:, 3] < self.wrong_name_rate
        inc = m.annoyance_increment[ch] * m.annoyance_message[msg]
        inc = np.where(noticed, inc, inc * cfg.annoyance_unnoticed)
        inc = np.where(referral & ~intro, 0.0, inc)
        a = a + inc

        # Outcome of a noticed touch; at most one reply in flight per prospect.
        free = ~np.isfinite(self.pending_at[idx])
        prior = self.outcome[idx]
        eligible = noticed & free & ((prior == NONE) | (prior == NEGATIVE))
        habit = cfg.habituation_varied if plan.vary_messages else cfg.habituation_identical
        mismatch = 0.0 if self.reps.callback_number_matches else cfg.callback_mismatch
        pos_logit = (
            m.response_base[ch]
            + m.message_value[msg]
            + cfg.response_warmth * w
            + cfg.response_familiarity * f
            + cfg.response_need * need
            + cfg.response_annoyance * a
            + habit * st.exposures[idx, msg]
            + cfg.wrong_name * wrong_name
            + mismatch * voicemail
            + cfg.conversation_bonus * answered
        )
        neg_logit = (
            cfg.negative_base
            + m.negative_message[msg]
            + cfg.negative_annoyance * a
            + cfg.negative_need * need
        )
        opt_logit = m.optout_base[ch] + cfg.optout_annoyance * a
        p_pos, p_neg, p_opt = rf.outcome_probabilities(pos_logit, neg_logit, opt_logit)
        # Someone who already said no can still opt out, but will not reply again.
        said_no = prior == NEGATIVE
        p_pos = np.where(said_no, 0.0, p_pos)
        p_neg = np.where(said_no, 0.0, p_neg)
        uo = u[:, 4]
        kind = np.select(
            [uo < p_opt, uo < p_opt + p_pos, uo < p_opt + p_pos + p_neg],
            [OPT_OUT, POSITIVE, NEGATIVE],
            NONE,
        ).astype(np.int8)
        kind[~eligible] = NONE
        delay = rf.reply_delay_quantile(z, m.reply_delay[ch], cfg.reply_delay_sd)
        delay = np.where(answered, 0.0, delay)  # a live conversation answers on the spot
        new = kind != NONE
        who = idx[new]
        arrival = t[new] + delay[new]
        self.pending_at[who] = arrival
        self.pending_kind[who] = kind[new]
        stops = (
            (kind[new] == OPT_OUT)
            | ((kind[new] == POSITIVE) & plan.stop_positive)
            | ((kind[new] == NEGATIVE) & plan.stop_negative)
        )
        self.stop_at[who[stops]] = np.minimum(self.stop_at[who[stops]], arrival[stops])

        # Relationship state after the touch.
        seen = idx[noticed]
        st.exposures[seen, msg[noticed]] = np.minimum(st.exposures[seen, msg[noticed]], 254) + 1
        w_new = rf.warmth_after_touch(w, m.warmth_deposit[msg], a, cfg.warmth_annoyance)
        w_new = np.where(intro, w_new + self.connector_warmth * (1.0 - w_new), w_new)
        f_new = rf.familiarity_after_touch(f, m.familiarity_gain[ch])
        f_new = np.where(intro, np.maximum(f_new, cfg.introduction_familiarity), f_new)
        st.warmth[idx] = np.where(noticed, w_new, w)
        st.familiarity[idx] = np.where(noticed, f_new, f)
        st.annoyance[idx] = a
        st.t_state[idx] = t
        st.need[idx] = need
        st.t_need[idx] = t

        # Step analytics and the cadence's next step.
        self.touch_count[idx] += 1
        number = self.touch_count[idx]
        np.add.at(self.by_touch, (number, ch, 0), 1)
        waiting = np.isfinite(self.pending_at[idx]) & (self.pending_at[idx] >= t)
        self.credit_num[idx[waiting]] = number[waiting]
        self.credit_ch[idx[waiting]] = ch[waiting]
        nxt, cyc, inc_cycle, due = plan.advance(step, self.cycle[idx], self.in_cycle[idx], t)
        self.step[idx], self.cycle[idx], self.in_cycle[idx], self.next_due[idx] = (
            nxt,
            cyc,
            inc_cycle,
            due,
        )

    def deliver(self, now: float) -> None:
        """Deliver every reply that has arrived by ``now``; positive ones may become meetings."""
        ready = np.flatnonzero(self.pending_at <= now)
        if ready.size == 0:
            return
        kind = self.pending_kind[ready]
        np.add.at(self.by_touch, (self.credit_num[ready], self.credit_ch[ready], kind), 1)
        self.outcome[ready] = kind
        self.said_no[ready[kind == NEGATIVE]] = True
        pos = ready[kind == POSITIVE]
        self.responded_at[pos] = self.pending_at[pos] - self.p.enrolled_at[pos]
        st, cfg = self.state, self.m.cfg
        warmth = rf.relax(
            st.warmth[pos], self.p.warmth_base[pos], now - st.t_state[pos], cfg.warmth_half_life_days
        )
        p_meet = rf.meeting_probability(
            warmth, st.need[pos], cfg.meeting_base, cfg.meeting_warmth, cfg.meeting_need
        )
        self.met[pos] = self.rng.random(pos.size) < p_meet
        self.pending_at[ready] = np.inf

    def current(self, now: float) -> tuple[F64, F64, F64]:
        """Warmth, annoyance and familiarity of every prospect, decayed to ``now``."""
        st, cfg = self.state, self.m.cfg
        dt = now - st.t_state
        return (
            rf.relax(st.warmth, self.p.warmth_base, dt, cfg.warmth_half_life_days),
            rf.decay(st.annoyance, dt, cfg.annoyance_half_life_days),
            rf.decay(st.familiarity, dt, cfg.familiarity_half_life_days),
        )

    def record_day(self, now: float) -> None:
        """Append the day's cumulative counts and mean state to the time series."""
        warmth, annoyance, familiarity = self.current(now)
        self.days.append(
            np.array(
                [
                    self.by_touch[:, :, 0].sum(),
                    np.count_nonzero(self.outcome == POSITIVE),
                    np.count_nonzero(self.met),
                    np.count_nonzero(self.said_no),
                    np.count_nonzero(self.outcome == OPT_OUT),
                    warmth.mean(),
                    annoyance.mean(),
                    familiarity.mean(),
                ],
                dtype=np.float64,
            )
        )

    def result(self, replicate: int, seed: int) -> ArmResult:
        """The arm's metric values and tables at the horizon."""
        n = self.p.n
        warmth, annoyance, familiarity = self.current(self.horizon)
        opted = self.outcome == OPT_OUT
        shift = warmth - self.p.warmth_base
        responses = int(np.count_nonzero(self.outcome == POSITIVE))
        meetings = int(np.count_nonzero(self.met))
        hours = self.minutes_used / 60.0
        days = self.responded_at[np.isfinite(self.responded_at)]
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
            "mean_warmth_change": float(shift.mean()),
            "relationships_built": int(np.count_nonzero((shift >= RELATIONSHIP_SHIFT) & ~opted)),
            "relationships_burned": int(np.count_nonzero((shift <= -RELATIONSHIP_SHIFT) | opted)),
            "mean_familiarity": float(familiarity.mean()),
            "mean_annoyance": float(annoyance.mean()),
        }
        used = int(np.max(np.nonzero(self.by_touch.sum(axis=(1, 2)))[0], initial=0)) + 1
        return ArmResult(
            arm=self.plan.name,
            replicate=replicate,
            seed=seed,
            metrics=metrics,
            by_touch=self.by_touch[:used],
            timeseries=np.vstack(self.days) if self.days else np.zeros((0, 8)),
        )
