"""The plain SimPy model the engine is measured against: one generator process per prospect.

This is the textbook way to write the benchmark cadence in SimPy: each prospect is a process
that sleeps until its next step is due (moved to the next working day at 09:00, as the engine's
reps work), draws its random numbers, applies the same response functions from
:mod:`sim.model.response` to its own scalar state, and spawns a small process for each reply in
flight. Nothing is batched. It draws the same prospects (``sample_prospects``) and load shocks as
the engine, so both models simulate the same population and the same maths; their random
streams differ, so their outcomes agree in distribution, not touch for touch.

Simplifications against the engine, none of which changes the work per touch: rep capacity is
not modelled (the benchmark sizes it so that it never binds), only the email channel is
handled (the benchmark cadence sends emails only), and a reply is delivered when it arrives
rather than at the end of that day.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy

from sim.model import response as rf
from sim.model.channels import CHANNEL_INDEX
from sim.model.config import ExperimentConfig
from sim.model.engine import NEGATIVE, NONE, OPT_OUT, POSITIVE, WORK_START
from sim.model.messages import MESSAGE_INDEX
from sim.model.population import daily_load_shocks, sample_prospects
from sim.model.seeding import replicate_streams

EMAIL = CHANNEL_INDEX["email"]


@dataclass
class Counts:
    """Totals the plain model reports (the engine's metrics of the same name)."""

    touches: int = 0
    responses: int = 0
    meetings: int = 0
    negative_replies: int = 0
    opt_outs: int = 0


@dataclass
class Person:
    """One prospect's mutable state, as plain Python scalars."""

    warmth: float
    familiarity: float
    need: bool
    annoyance: float = 0.0
    t_state: float = 0.0
    outcome: int = NONE
    pending: bool = False
    stop_at: float = math.inf
    reachable: bool = True
    responsiveness: float = 0.0
    received: float = 0.0
    exposures: list[float] = field(default_factory=lambda: [0.0] * len(MESSAGE_INDEX))


def next_work_time(due: float, work_weekends: bool) -> float:
    """When a rep gets to a touch due at ``due``: that day from 09:00, else the next working day."""
    day = math.floor(due)
    t = max(due, day + WORK_START)
    while not (work_weekends or day % 7 < 5) or t >= day + 1:
        day += 1
        t = day + WORK_START
    return t


class PlainModel:
    """One SimPy process per prospect running the cadence of the config's single arm."""

    def __init__(self, cfg: ExperimentConfig) -> None:
        (strategy,) = cfg.strategy.values()
        self.cfg, self.m = cfg, cfg.model
        self.steps = [(s.day, MESSAGE_INDEX[s.message]) for s in strategy.steps]
        if any(s.channel != "email" for s in strategy.steps):
            raise ValueError("the plain benchmark model handles email steps only")
        stop = set(strategy.stop_on)
        self.stops = {OPT_OUT} | {
            k for k, name in ((POSITIVE, "positive"), (NEGATIVE, "negative")) if name in stop
        }
        self.habit = (
            self.m.habituation_varied if strategy.vary_messages else self.m.habituation_identical
        )
        level = strategy.personalization
        self.wrong_name_rate = float(getattr(cfg.reps.wrong_name_rate, level))
        streams = replicate_streams(cfg.seed, 0)
        n = cfg.population.size
        self.prospects = sample_prospects(cfg.population, cfg.model, n, streams.population)
        self.shocks = daily_load_shocks(
            cfg.model, math.ceil(cfg.horizon_days) + 1, streams.load
        ).tolist()
        self.rng = streams.generator("responses")
        self.counts = Counts()
        m = self.m
        self.load = float(m.load.array()[EMAIL])
        self.half_load = float(m.half_load.array()[EMAIL])
        self.salience = float(m.salience.array()[EMAIL])
        self.response_base = float(m.response_base.array()[EMAIL])
        self.optout_base = float(m.optout_base.array()[EMAIL])
        self.familiarity_gain = float(m.familiarity_gain.array()[EMAIL])
        self.annoyance_increment = float(m.annoyance_increment.array()[EMAIL])
        self.reply_delay = float(m.reply_delay_days.array()[EMAIL])
        self.message_value = m.message_value.array().tolist()
        self.negative_message = m.negative_message.array().tolist()
        self.annoyance_message = m.annoyance_message.array().tolist()
        self.warmth_deposit = m.warmth_deposit.array().tolist()

    def run(self) -> Counts:
        """Start one process per prospect and run to the horizon."""
        env = simpy.Environment()
        p = self.prospects
        rows = zip(
            p.warmth_base.tolist(),
            p.familiarity0.tolist(),
            p.need0.tolist(),
            p.affinity[:, EMAIL].tolist(),
            p.busyness.tolist(),
            p.load_group.tolist(),
            p.enrolled_at.tolist(),
            p.reachable.tolist(),
            p.responsiveness.tolist(),
            strict=True,
        )
        for base, fam, need, affinity, busy, group, enrolled, reach, z in rows:
            person = Person(
                warmth=base, familiarity=fam, need=need, reachable=reach, responsiveness=z
            )
            env.process(self.prospect(env, person, base, affinity, busy, group, enrolled))
        env.run(until=self.cfg.horizon_days)
        return self.counts

    def prospect(
        self,
        env: simpy.Environment,
        me: Person,
        base: float,
        affinity: float,
        busyness: float,
        group: int,
        enrolled: float,
    ) -> Generator[simpy.Event, Any, None]:
        """The cadence of one prospect: wait for each step, touch, maybe stop."""
        weekends = self.cfg.reps.work_weekends
        due = enrolled + self.steps[0][0]
        for k, (day, msg) in enumerate(self.steps):
            if k:
                due = env.now + day - self.steps[k - 1][0]
            t = next_work_time(due, weekends)
            if t >= self.cfg.horizon_days or t >= me.stop_at:
                return
            yield env.timeout(t - env.now)
            if env.now >= me.stop_at:
                return
            self.touch(env, me, base, affinity, busyness, group, msg)

    def touch(
        self,
        env: simpy.Environment,
        me: Person,
        base: float,
        affinity: float,
        busyness: float,
        group: int,
        msg: int,
    ) -> None:
        """One email to one prospect, with the engine's response maths on scalars."""
        m, rng, now = self.m, self.rng, env.now
        self.counts.touches += 1
        u_need, u_notice, u_name, u_outcome = rng.random(4)
        dt = now - me.t_state
        w = float(rf.relax(me.warmth, base, dt, m.warmth_half_life_days))
        f = float(rf.decay(me.familiarity, dt, m.familiarity_half_life_days))
        a = float(rf.decay(me.annoyance, dt, m.annoyance_half_life_days))
        recover = float(rf.decay(1.0, dt, m.habituation_recovery_days))
        me.exposures = [e * recover for e in me.exposures]
        received = me.received * recover  # email only: the channel's touches received
        p_need = rf.need_probability(
            np.bool_(me.need), dt, m.need_mean_in_market_days, m.need_mean_out_of_market_days
        )
        need = bool(u_need < p_need)
        day = min(int(now), len(self.shocks) - 1)
        load = self.load * busyness * self.shocks[day][group]
        p_notice = rf.notice_probability(
            affinity,
            self.salience,
            load,
            self.half_load,
            f,
            w,
            m.notice_familiarity,
            m.notice_warmth,
        )
        me.received = received + 1.0
        noticed = bool(u_notice < p_notice)
        inc = self.annoyance_increment * self.annoyance_message[msg]
        a += inc if noticed else inc * m.annoyance_unnoticed
        if noticed and not me.pending and me.outcome in (NONE, NEGATIVE):
            wrong = bool(u_name < self.wrong_name_rate)
            logits = self.logits(me, msg, (w, f, a), need, received, wrong)
            self.decide(env, me, base, logits, u_outcome)
        if noticed:
            me.exposures[msg] += 1.0
            w = float(rf.warmth_after_touch(w, self.warmth_deposit[msg], a, m.warmth_annoyance))
            f = float(rf.familiarity_after_touch(f, self.familiarity_gain))
        me.warmth, me.familiarity, me.annoyance, me.t_state, me.need = w, f, a, now, need

    def logits(
        self,
        me: Person,
        msg: int,
        state: tuple[float, float, float],
        need: bool,
        received: float,
        wrong_name: bool,
    ) -> tuple[float, float, float]:
        """Log-odds of a positive reply, a negative one and an opt-out, as the engine's."""
        m = self.m
        w, f, a = state
        pos_logit = (
            self.response_base
            + self.message_value[msg]
            + m.response_warmth * w
            + m.response_familiarity * f
            + m.response_need * need
            + m.response_annoyance * a
            + self.habit * me.exposures[msg]
            - m.wearout * received
            + m.wrong_name * wrong_name
            + m.responsiveness_sd * me.responsiveness
        )
        neg_logit = (
            m.negative_base
            + self.negative_message[msg]
            + m.negative_annoyance * a
            + m.negative_need * need
            + m.negative_warmth * w
            - m.wearout * received
            + m.responsiveness_sd * me.responsiveness
        )
        opt_logit = (
            self.optout_base
            + m.optout_annoyance * a
            + m.optout_warmth * w
            + m.optout_familiarity * f
            + m.optout_value * self.message_value[msg]
        )
        return pos_logit, neg_logit, opt_logit

    def decide(
        self,
        env: simpy.Environment,
        me: Person,
        base: float,
        logits: tuple[float, float, float],
        u_outcome: float,
    ) -> None:
        """Draw the touch's outcome; start the reply's process when there is one."""
        m, now = self.m, env.now
        p_pos, p_neg, p_opt = rf.outcome_probabilities(*logits)
        if me.outcome == NEGATIVE or not me.reachable:
            p_pos = p_neg = 0.0
        kind = NONE
        if u_outcome < p_opt:
            kind = OPT_OUT
        elif u_outcome < p_opt + p_pos:
            kind = POSITIVE
        elif u_outcome < p_opt + p_pos + p_neg:
            kind = NEGATIVE
        if kind != NONE:
            delay = float(
                rf.reply_delay_quantile(
                    self.rng.standard_normal(), self.reply_delay, m.reply_delay_sd
                )
            )
            me.pending = True
            if kind in self.stops:
                me.stop_at = min(me.stop_at, now + delay)
            env.process(self.reply(env, me, base, kind, delay))

    def reply(
        self, env: simpy.Environment, me: Person, base: float, kind: int, delay: float
    ) -> Generator[simpy.Event, Any, None]:
        """A reply in flight: it arrives after ``delay`` and may become a meeting."""
        yield env.timeout(delay)
        m = self.m
        me.pending = False
        if kind == NEGATIVE:
            self.counts.negative_replies += 1
        elif kind == OPT_OUT:
            self.counts.opt_outs += 1
        elif kind == POSITIVE:
            self.counts.responses += 1
            w = rf.relax(me.warmth, base, env.now - me.t_state, m.warmth_half_life_days)
            p_meet = rf.meeting_probability(
                w, me.need, m.meeting_base, m.meeting_warmth, m.meeting_need
            )
            self.counts.meetings += int(self.rng.random() < p_meet)
        me.outcome = kind


def run_plain(cfg: ExperimentConfig) -> Counts:
    """Sample the population and run the plain model once."""
    return PlainModel(cfg).run()
