"""One touch to a batch of prospects, as a pipeline of named model steps (docs/model.md, 1).

A :class:`Touch` holds the prospects touched at once (row ``k`` of every array is one touch) and
what each step finds out; :data:`PIPELINE` is the order of the steps. Each step is a small
function of the :class:`World` (parameters, traits, state) and the touch, whose equation is the
one in ``docs/model.md``; only :func:`update` writes the prospects' state. Scheduling (which
prospects are due), tallies and the SimPy processes live in :mod:`sim.engine`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from sim import response as rf
from sim.channels import PHONE, REFERRAL
from sim.config import ModelConfig
from sim.draws import Purpose, normal, uniform
from sim.need import NeedTrack
from sim.population import Prospects, ProspectState
from sim.strategy import Plan

F64 = npt.NDArray[np.floating[Any]]  # float arrays (the response functions keep the precision)
I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]

#: Outcome codes (also the order of the outcome columns of ``by_touch``).
NONE, POSITIVE, NEGATIVE, OPT_OUT, MEETING = 0, 1, 2, 3, 4


@dataclass
class World:
    """What the model steps read: parameters, traits and the arm's per-prospect state."""

    cfg: ModelConfig
    model: Any  # sim.engine.ModelArrays: per-channel and per-message parameter arrays
    prospects: Prospects
    state: ProspectState
    plan: Plan
    need: NeedTrack
    shocks: npt.NDArray[np.float32]
    outcome: npt.NDArray[np.int8]  # the latest delivered outcome per prospect
    pending_at: F64  # arrival time of the reply in flight (inf: none)
    wrong_name_rate: float
    connector_warmth: float
    callback_matches: bool


@dataclass
class Touch:
    """A batch of touches and what the model steps found out about each."""

    idx: I64  # prospects
    t: npt.NDArray[np.float64]  # times
    counter: npt.NDArray[np.uint64]  # keys of this touch's draws (sim.draws)
    slot: npt.NDArray[np.int16]
    ch: npt.NDArray[np.intp]
    msg: npt.NDArray[np.intp]
    w: F64 = field(init=False)  # warmth, familiarity, annoyance at the touch (after decay)
    f: F64 = field(init=False)
    a: F64 = field(init=False)
    e: F64 = field(init=False)  # (touches, messages): noticed exposures, recovered to the touch
    s: F64 = field(init=False)  # (touches, channels): touches received before this one
    need: B = field(init=False)
    answered: B = field(init=False)  # a live conversation (phone)
    voicemail: B = field(init=False)  # a voicemail left (phone, not answered)
    load: F64 = field(init=False)
    p_notice: F64 = field(init=False)
    noticed: B = field(init=False)
    intro: B = field(init=False)  # a referral that reached a connector
    wrong_name: B = field(init=False)
    eligible: B = field(init=False)  # may decide an outcome now
    p_pos: F64 = field(init=False)
    p_neg: F64 = field(init=False)
    p_opt: F64 = field(init=False)
    kind: npt.NDArray[np.int8] = field(init=False)  # the outcome this touch decided
    delay: F64 = field(init=False)  # days until its reply arrives


def decay(world: World, b: Touch) -> None:
    """Bring warmth, familiarity, annoyance, exposures to the touch time (2.1-2.7); need (2.8)."""
    cfg, p, st, idx = world.cfg, world.prospects, world.state, b.idx
    dt = b.t - st.t_state[idx]
    b.w = rf.relax(st.warmth[idx], p.warmth_base[idx], dt, cfg.warmth_half_life_days)
    b.f = rf.decay(st.familiarity[idx], dt, cfg.familiarity_half_life_days)
    b.a = rf.decay(st.annoyance[idx], dt, cfg.annoyance_half_life_days)
    # Habituation and tedium fade with time away from the sender (spontaneous recovery, 2.6):
    # one factor per touch, applied to every message kind and channel.
    recover = rf.decay(1.0, dt, cfg.habituation_recovery_days)[:, None]
    b.e = st.exposures[idx] * recover
    b.s = st.received[idx] * recover
    b.need = world.need.at(idx, b.t)  # the prospect's own need trajectory (sim.need)


def answer(world: World, b: Touch) -> None:
    """A call is picked up (2.2; fewer after voicemails: screening); else a voicemail."""
    cfg = world.cfg
    is_phone = b.ch == PHONE
    p_answer = rf.answer_probability(
        b.f,
        b.w,
        cfg.answer_base,
        cfg.answer_familiarity,
        cfg.answer_warmth,
        cfg.answer_voicemail * world.state.voicemails[b.idx],
    )
    b.answered = is_phone & (uniform(b.counter, Purpose.ANSWER) < p_answer)
    b.voicemail = is_phone & ~b.answered & world.plan.voicemail[b.slot]


def notice(world: World, b: Touch) -> None:
    """The touch is noticed (2.3, 2.4): attention under load, affinity, familiarity, warmth."""
    m, cfg, p, idx, ch = world.model, world.cfg, world.prospects, b.idx, b.ch
    day = np.minimum(b.t.astype(np.intp), world.shocks.shape[0] - 1)
    b.load = m.load[ch] * p.busyness[idx] * world.shocks[day, p.load_group[idx]]
    b.p_notice = rf.notice_probability(
        p.affinity[idx, ch],
        m.salience[ch],
        b.load,
        m.half_load[ch],
        b.f,
        b.w,
        cfg.notice_familiarity,
        cfg.notice_warmth,
    )
    u_notice = uniform(b.counter, Purpose.NOTICE)
    # A voicemail is played by those who listen to voicemail at all, and, from a caller they
    # know and like, by the others with chance W: caller ID lets a relationship through (2.4).
    listens = p.listens_voicemail[idx] | (uniform(b.counter, Purpose.LISTEN) < b.w)
    heard = listens & (u_notice < b.p_notice)
    noticed = np.where(ch == PHONE, b.answered | (b.voicemail & heard), u_notice < b.p_notice)
    # A referral touch only reaches the prospect through a connector (seeds 001, 004).
    referral = ch == REFERRAL
    b.intro = referral & p.has_connector[idx]
    b.noticed = np.where(referral, b.intro, noticed)
    b.wrong_name = uniform(b.counter, Purpose.WRONG_NAME) < world.wrong_name_rate


def annoy(world: World, b: Touch) -> None:
    """Annoyance rises with every touch, less when unnoticed (2.7)."""
    m, cfg = world.model, world.cfg
    inc = m.annoyance_increment[b.ch] * m.annoyance_message[b.msg]
    inc = np.where(b.noticed, inc, inc * cfg.annoyance_unnoticed)
    inc = np.where((b.ch == REFERRAL) & ~b.intro, 0.0, inc)
    b.a = b.a + inc


def respond(world: World, b: Touch) -> None:
    """Chances of a positive reply, a "not interested" and an opt-out (2.5-2.9, 2.14)."""
    m, cfg, p, plan, idx, msg = world.model, world.cfg, world.prospects, world.plan, b.idx, b.msg
    # At most one reply in flight per prospect; someone who said no may still opt out.
    free = ~np.isfinite(world.pending_at[idx])
    prior = world.outcome[idx]
    b.eligible = b.noticed & free & ((prior == NONE) | (prior == NEGATIVE))
    habit = cfg.habituation_varied if plan.vary_messages else cfg.habituation_identical
    mismatch = 0.0 if world.callback_matches else cfg.callback_mismatch
    # The prospect's own propensity to reply at all, the same on every touch (frailty, 2.14).
    frailty = cfg.responsiveness_sd * p.responsiveness[idx]
    value = m.message_value[msg]
    rows = np.arange(idx.size)
    tedium = cfg.wearout * b.s[rows, b.ch]  # the channel's earlier touches (wear-out, 2.6)
    pos_logit = (
        m.response_base[b.ch]
        + value
        + cfg.response_warmth * b.w
        + cfg.response_familiarity * b.f
        + cfg.response_need * b.need
        + cfg.response_annoyance * b.a
        + habit * b.e[rows, msg]
        - tedium
        + cfg.wrong_name * b.wrong_name
        + mismatch * b.voicemail
        + cfg.conversation_bonus * b.answered
        + frailty
    )
    neg_logit = (
        cfg.negative_base
        + m.negative_message[msg]
        + cfg.negative_annoyance * b.a
        + cfg.negative_need * b.need
        + cfg.negative_warmth * b.w
        + frailty
        - tedium
    )
    # Opting out: annoyance pushes, a relationship, a known name and a useful message hold back.
    opt_logit = (
        m.optout_base[b.ch]
        + cfg.optout_annoyance * b.a
        + cfg.optout_warmth * b.w
        + cfg.optout_familiarity * b.f
        + cfg.optout_value * value
    )
    p_pos, p_neg, b.p_opt = rf.outcome_probabilities(pos_logit, neg_logit, opt_logit)
    # Whoever said no, and whoever never replies (the wrong person, no need at all), may still
    # opt out but sends no reply (the mover-stayer mixture, 2.14).
    silent = (prior == NEGATIVE) | ~p.reachable[idx]
    b.p_pos = np.where(silent, 0.0, p_pos)
    b.p_neg = np.where(silent, 0.0, p_neg)


def outcome(world: World, b: Touch) -> None:
    """Draw the outcome the touch decides and when its reply arrives (2.7, 2.11)."""
    m, cfg = world.model, world.cfg
    uo = uniform(b.counter, Purpose.OUTCOME)
    kind = np.select(
        [uo < b.p_opt, uo < b.p_opt + b.p_pos, uo < b.p_opt + b.p_pos + b.p_neg],
        [OPT_OUT, POSITIVE, NEGATIVE],
        NONE,
    ).astype(np.int8)
    kind[~b.eligible] = NONE
    b.kind = kind
    # Delays only for the few touches that decided something (most decide nothing).
    new = np.flatnonzero(kind != NONE)
    z = normal(b.counter[new])  # the reply's delay score
    delay = rf.reply_delay_quantile(z, m.reply_delay[b.ch[new]], cfg.reply_delay_sd)
    b.delay = np.zeros(kind.size)
    b.delay[new] = np.where(b.answered[new], 0.0, delay)  # a live conversation: on the spot


def update(world: World, b: Touch) -> None:
    """The relationship after the touch: exposures, warmth, familiarity, annoyance (2.1-2.7)."""
    m, cfg, st, idx, msg = world.model, world.cfg, world.state, b.idx, b.msg
    b.e[np.flatnonzero(b.noticed), msg[b.noticed]] += 1.0
    st.exposures[idx] = b.e
    st.voicemails[idx] = np.minimum(st.voicemails[idx], 254) + b.voicemail
    rows = np.arange(idx.size)
    b.s[rows, b.ch] += ~((b.ch == REFERRAL) & ~b.intro)  # an unmade introduction: nothing
    st.received[idx] = b.s
    w_new = rf.warmth_after_touch(b.w, m.warmth_deposit[msg], b.a, cfg.warmth_annoyance)
    w_new = np.where(b.intro, w_new + world.connector_warmth * (1.0 - w_new), w_new)
    f_new = rf.familiarity_after_touch(b.f, m.familiarity_gain[b.ch])
    f_new = np.where(b.intro, np.maximum(f_new, cfg.introduction_familiarity), f_new)
    st.warmth[idx] = np.where(b.noticed, w_new, b.w)
    st.familiarity[idx] = np.where(b.noticed, f_new, b.f)
    st.annoyance[idx] = b.a
    st.t_state[idx] = b.t


#: The model steps of one touch, in order.
PIPELINE: tuple[Callable[[World, Touch], None], ...] = (
    decay,
    answer,
    notice,
    annoy,
    respond,
    outcome,
    update,
)
