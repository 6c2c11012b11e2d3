"""One touch to a batch of prospects, as a pipeline of named model steps (docs/model.md, 1).

A :class:`~sim.model.batch.Touch` holds the prospects touched at once and what each step finds
out; :data:`PIPELINE` is the order of the steps. Each step is a small function of the
:class:`~sim.model.batch.World` (parameters, traits, state) and the touch, whose equation is the
one in ``docs/model.md``; only :func:`update` writes the prospects' state. Scheduling (which
prospects are due), the books and the SimPy processes are the engine's (:mod:`sim.model.engine`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from sim.model import response as rf
from sim.model.batch import Touch, World
from sim.model.channels import PHONE, REFERRAL
from sim.model.config import ModelConfig
from sim.model.delivery import place
from sim.model.draws import Purpose, normal, uniform
from sim.model.population import (
    A_COL,
    BASE_COL,
    BUSY_COL,
    COUNTS_COL,
    F_COL,
    LOAD_GROUP_BYTE,
    NEED_BYTE,
    T_STATE_COL64,
    UNTIL_COL64,
    VOICEMAIL_BYTE,
    W_COL,
)

#: Outcome codes (also the order of the outcome columns of ``by_touch``).
NONE, POSITIVE, NEGATIVE, OPT_OUT, MEETING = 0, 1, 2, 3, 4


def per_channel(world: World, table: npt.NDArray[Any], ch: npt.NDArray[np.intp]) -> Any:
    """``table[ch]``; for an arm of one channel, that channel's entry as a NumPy scalar.

    A NumPy float64 scalar promotes like a float64 array (NEP 50), so every value is the same.
    """
    return table[world.channel] if world.channel >= 0 else table[ch]


# Why the steps look the way they do (docs/performance.md, "Engine speed"): every expression that
# produces a number keeps the operand order and dtypes of the equations in sim.model.response (a
# different last bit could flip a draw and change the tables), but each array is gathered once,
# rows of the (n, k) state are gathered and scattered whole, work that only matters for some
# touches (phone, referral, eligible, noticed) runs on those touches only, and temporaries are
# reused in place.


def decay(world: World, b: Touch) -> None:
    """Bring warmth, familiarity, annoyance, exposures to the touch time (2.1-2.7); need (2.8)."""
    cfg, st, idx = world.cfg, world.state, b.idx
    # One gather of whole records: each prospect's row is one item of st.records.
    b.rec = rec = np.take(st.records, idx).view(np.float32).reshape(idx.size, st.width)
    wide = rec.view(np.float64)
    # Copies: update overwrites the record's columns, the running means read these afterwards.
    b.t_state = wide[:, T_STATE_COL64].copy()
    dt = b.t - b.t_state
    b.base = rec[:, BASE_COL]
    b.w_excess = rec[:, W_COL] - b.base
    b.f_stored = rec[:, F_COL].copy()
    b.a_stored = rec[:, A_COL].copy()
    # The four decay factors 2^(-dt/h) of rf.relax and rf.decay in one exp2 call: warmth (its
    # excess over the baseline decays), familiarity, annoyance, and the recovery of habituation
    # and tedium with time away from the sender (spontaneous recovery, 2.6).
    half_lives = np.array(
        [
            cfg.warmth_half_life_days,
            cfg.familiarity_half_life_days,
            cfg.annoyance_half_life_days,
            cfg.habituation_recovery_days,
            cfg.wearout_recovery_days,
        ]
    )
    factor = np.divide(-dt, half_lives[:, None])
    np.exp2(factor, out=factor)
    b.w = b.base + b.w_excess * factor[0]
    b.f = b.f_stored * factor[1]
    b.a = b.a_stored * factor[2]
    # float32 rows times float64 factors: each count is converted to float64 (exactly), then
    # multiplied in place; a mixed-dtype ufunc over strided rows would cast through a buffer.
    b.counts = counts = np.empty((idx.size, st.n_counts))
    counts[...] = rec[:, COUNTS_COL : COUNTS_COL + st.n_counts]
    # Exposures (the message-kind columns, first) recover with habituation; touches received
    # (the channel columns, after them) with tedium, on its own clock (2.6).
    kinds = len(st.count_messages)
    if cfg.wearout_recovery_days == cfg.habituation_recovery_days:
        np.multiply(counts, factor[3][:, None], out=counts)  # one clock: one pass
    else:
        np.multiply(counts[:, :kinds], factor[3][:, None], out=counts[:, :kinds])
        np.multiply(counts[:, kinds:], factor[4][:, None], out=counts[:, kinds:])
    # The prospect's own need trajectory (sim.model.need), kept in the record: only the prospects
    # whose episode ended before the touch go to the track, which moves them on (in the record).
    need = world.need
    if need.until is st.need_until:
        until = wide[:, UNTIL_COL64]
        in_market = rec.view(np.uint8)[:, NEED_BYTE].view(np.bool_)
        late = np.flatnonzero(until <= b.t)
        if late.size:
            who = idx[late]
            in_market[late] = need.at(who, b.t[late])
            until[late] = need.until[who]
        b.need = in_market.copy()
    else:
        b.need = need.at(idx, b.t)


def answer(world: World, b: Touch) -> None:
    """A call is picked up (2.2; fewer after voicemails: screening); else a voicemail."""
    cfg = world.cfg
    b.phone = world.channel == PHONE if world.channel >= 0 else bool((b.ch == PHONE).any())
    if not b.phone:  # no dial in the batch: nothing is answered, no voicemail is left
        b.answered = np.zeros(b.idx.size, np.bool_)
        b.voicemail = np.zeros(b.idx.size, np.bool_)
        return
    b.p_answer = p_answer = rf.answer_probability(
        b.f,
        b.w,
        cfg.answer_base,
        cfg.answer_familiarity,
        cfg.answer_warmth,
        cfg.answer_voicemail * b.rec.view(np.uint8)[:, VOICEMAIL_BYTE],
    )
    is_phone = b.ch == PHONE
    b.answered = is_phone & (uniform(b.counter, Purpose.ANSWER) < p_answer)
    b.voicemail = is_phone & ~b.answered & world.plan.voicemail[b.slot]


def notice(world: World, b: Touch) -> None:
    """The touch is noticed (2.3, 2.4): attention under load, affinity, familiarity, warmth."""
    m, cfg, p, st, idx, ch = world.model, world.cfg, world.prospects, world.state, b.idx, b.ch
    shocks, rec = world.shocks, b.rec
    day = np.minimum(b.t.astype(np.intp), shocks.shape[0] - 1)
    # Flat indices into the (days, groups) table: one gather.
    shock = shocks.reshape(-1)[day * shocks.shape[1] + rec.view(np.uint8)[:, LOAD_GROUP_BYTE]]
    b.load = per_channel(world, m.load, ch) * rec[:, BUSY_COL] * shock
    if st.affinity_col >= 0:  # a single-channel arm: the record holds that channel's affinity
        affinity = rec[:, st.affinity_col]
    else:  # the (n, channels) table through flat indices: one gather
        affinity = p.affinity.reshape(-1)[idx * p.affinity.shape[1] + ch]
    # The prospect's own attentiveness, carried by its responsiveness score (2.14); without it
    # (the default sd 0) nothing is gathered and the intensity is as before, bit for bit.
    sd = cfg.notice_responsiveness
    attentive = rf.attentiveness(p.responsiveness[idx], sd) if sd > 0.0 else 1.0
    b.p_notice = rf.notice_probability(
        affinity,
        per_channel(world, m.salience, ch),
        b.load,
        per_channel(world, m.half_load, ch),
        b.f,
        b.w,
        cfg.notice_familiarity,
        cfg.notice_warmth,
        attentive,
    )
    u_notice = uniform(b.counter, Purpose.NOTICE)
    noticed = u_notice < b.p_notice
    if b.phone:
        # A voicemail is played by those who listen to voicemail at all, and, from a caller
        # they know and like, by the others with chance W: caller ID lets a relationship
        # through (2.4).
        listens = p.listens_voicemail[idx] | (uniform(b.counter, Purpose.LISTEN) < b.w)
        heard = listens & noticed
        noticed = np.where(ch == PHONE, b.answered | (b.voicemail & heard), noticed)
    # A referral touch only reaches the prospect through a connector (seeds 001, 004).
    b.referral = world.channel == REFERRAL if world.channel >= 0 else bool((ch == REFERRAL).any())
    if b.referral:
        referral = ch == REFERRAL
        b.intro = referral & p.has_connector[idx]
        b.noticed = np.where(referral, b.intro, noticed)
    else:
        b.intro = np.zeros(idx.size, np.bool_)
        b.noticed = noticed
    b.wrong_name_rate = world.wrong_name_rate  # drawn where needed (Touch.wrong_name_at)


def annoy(world: World, b: Touch) -> None:
    """Annoyance rises with every touch, less when unnoticed (2.7)."""
    m, cfg = world.model, world.cfg
    inc = per_channel(world, m.annoyance_increment, b.ch) * m.annoyance_message[b.msg]
    # Times the unnoticed factor where unnoticed, times 1.0 (exact) where noticed: one plain
    # multiply instead of a masked one.
    inc *= np.where(b.noticed, 1.0, cfg.annoyance_unnoticed)
    if b.undelivered is not None:
        inc[b.undelivered] = 0.0  # an email that never arrived annoys nobody (2.17)
    if b.referral:
        inc[(b.ch == REFERRAL) & ~b.intro] = 0.0  # an unmade introduction annoys nobody
    b.a += inc


def respond(world: World, b: Touch) -> None:
    """Chances of a positive reply, a "not interested" and an opt-out (2.5-2.9, 2.14).

    Worked out for the touches that may decide an outcome only; the others get 0.
    """
    m, cfg, p, plan = world.model, world.cfg, world.prospects, world.plan
    b.seen = np.flatnonzero(b.noticed)
    seen_idx = b.idx[b.seen]
    # At most one reply in flight per prospect; someone who said no may still opt out.
    free = ~np.isfinite(world.pending_at[seen_idx])
    prior = world.outcome[seen_idx]
    ok = free & ((prior == NONE) | (prior == NEGATIVE))
    k = b.decides = b.seen[ok]
    idx, msg, ch, prior = seen_idx[ok], b.msg[k], b.ch[k], prior[ok]
    w, f, a, need = b.w[k], b.f[k], b.a[k], b.need[k]
    wt = reply_weights(cfg, plan.vary_messages, world.callback_matches)
    # The prospect's own propensity to reply at all, the same on every touch (frailty, 2.14).
    frailty = cfg.responsiveness_sd * p.responsiveness[idx]
    value = m.message_value[msg]
    width = b.counts.shape[1]
    flat = b.counts.reshape(-1)
    received = flat[k * width + per_channel(world, world.ch_col, ch)]  # wear-out (2.6)
    pos_logit = rf.reply_log_odds(
        wt,
        per_channel(world, m.response_base, ch),
        value,
        w,
        f,
        need,
        a,
        flat[k * width + world.msg_col[msg]],
        received,
        b.wrong_name_at(k),
        b.voicemail[k],
        b.answered[k],
        frailty,
    )
    neg_logit = rf.negative_log_odds(wt, m.negative_message[msg], w, need, a, received, frailty)
    opt_logit = rf.optout_log_odds(wt, per_channel(world, m.optout_base, ch), value, w, f, a)
    p_pos, p_neg, p_opt = rf.outcome_probabilities(pos_logit, neg_logit, opt_logit)
    # Whoever said no, and whoever never replies (the wrong person, no need at all), may still
    # opt out but sends no reply (the mover-stayer mixture, 2.14).
    silent = (prior == NEGATIVE) | ~p.reachable[idx]
    p_pos[silent] = 0.0
    p_neg[silent] = 0.0
    b.p_pos, b.p_neg, b.p_opt = p_pos, p_neg, p_opt


def reply_weights(cfg: ModelConfig, vary_messages: bool, callback_matches: bool) -> rf.ReplyWeights:
    """The weights of the reply and opt-out log-odds in ``cfg`` for a plan and a team.

    ``vary_messages``: the plan sends more than one kind of message (habituation, 2.6);
    ``callback_matches``: a voicemail's call-back number is the one dialled (no mismatch).
    """
    return rf.ReplyWeights(
        response_warmth=cfg.response_warmth,
        response_familiarity=cfg.response_familiarity,
        response_need=cfg.response_need,
        response_annoyance=cfg.response_annoyance,
        habituation=cfg.habituation_varied if vary_messages else cfg.habituation_identical,
        wearout=cfg.wearout,
        wrong_name=cfg.wrong_name,
        callback_mismatch=0.0 if callback_matches else cfg.callback_mismatch,
        conversation_bonus=cfg.conversation_bonus,
        negative_base=cfg.negative_base,
        negative_annoyance=cfg.negative_annoyance,
        negative_need=cfg.negative_need,
        negative_warmth=cfg.negative_warmth,
        optout_annoyance=cfg.optout_annoyance,
        optout_warmth=cfg.optout_warmth,
        optout_familiarity=cfg.optout_familiarity,
        optout_value=cfg.optout_value,
    )


def outcome(world: World, b: Touch) -> None:
    """Draw the outcome the touch decides and when its reply arrives (2.7, 2.11)."""
    m, cfg = world.model, world.cfg
    k = b.decides  # the others decide nothing
    uo = uniform(b.counter[k], Purpose.OUTCOME)
    p_opt, p_pos, p_neg = b.p_opt, b.p_pos, b.p_neg
    # np.select's first true condition, as nested choices from the last.
    chosen = np.where(uo < p_opt + p_pos + p_neg, NEGATIVE, NONE).astype(np.int8)
    chosen[uo < p_opt + p_pos] = POSITIVE
    chosen[uo < p_opt] = OPT_OUT
    b.kind = np.zeros(b.idx.size, np.int8)
    b.kind[k] = chosen
    # Delays only for the few touches that decided something (most decide nothing).
    new = k[chosen != NONE]
    z = normal(b.counter[new])  # the reply's delay score
    delay = rf.reply_delay_quantile(z, m.reply_delay[b.ch[new]], cfg.reply_delay_sd)
    b.delay = np.zeros(b.kind.size)
    b.delay[new] = np.where(b.answered[new], 0.0, delay)  # a live conversation: on the spot


def complain(world: World, b: Touch) -> None:
    """An opt-out from an email marks it as spam with chance ``complaint_share`` (2.17)."""
    if b.sender is None or world.mail is None:
        return
    k = b.decides
    opted = k[b.kind[k] == OPT_OUT]
    opted = opted[b.sender[opted] >= 0]
    world.mail.complain(b.counter[opted], b.sender[opted])


def update(world: World, b: Touch) -> None:
    """The relationship after the touch: exposures, warmth, familiarity, annoyance (2.1-2.7)."""
    m, cfg, st, idx, msg = world.model, world.cfg, world.state, b.idx, b.msg
    nz = b.seen
    width = b.counts.shape[1]
    flat = b.counts.reshape(-1)
    flat[nz * width + world.msg_col[msg[nz]]] += 1.0  # exposures
    # Touches received; an unmade introduction receives nothing.
    add: Any = ~((b.ch == REFERRAL) & ~b.intro) if b.referral else 1.0
    if b.undelivered is not None:  # nor does an email that never arrived (2.17)
        add = add & ~b.undelivered if b.referral else ~b.undelivered
    if world.channel >= 0:  # an arm of one channel: that channel's column (a view), one pass
        column = b.counts[:, world.ch_col[world.channel]]
        column += add
    else:
        flat[np.arange(idx.size) * width + world.ch_col[b.ch]] += add
    rec = b.rec
    rec[:, COUNTS_COL : COUNTS_COL + width] = b.counts  # float64 to float32, as astype rounds
    vm = rec.view(np.uint8)[:, VOICEMAIL_BYTE]
    if b.phone:
        vm[:] = np.minimum(vm, 254) + b.voicemail
    elif vm.size and vm.max() > 254:  # no voicemail left: only the cap of 254 can change a count
        vm[:] = np.minimum(vm, 254)
    # Warmth and familiarity move only for the noticed touches.
    nm, nch = msg[nz], b.ch[nz]
    w_new = rf.warmth_after_touch(b.w[nz], m.warmth_deposit[nm], b.a[nz], cfg.warmth_annoyance)
    f_new = rf.familiarity_after_touch(b.f[nz], per_channel(world, m.familiarity_gain, nch))
    if b.referral:
        intro = b.intro[nz]
        w_new = np.where(intro, w_new + world.connector_warmth * (1.0 - w_new), w_new)
        f_new = np.where(intro, np.maximum(f_new, cfg.introduction_familiarity), f_new)
    w_after, f_after = b.w.copy(), b.f.copy()
    w_after[nz] = w_new
    f_after[nz] = f_new
    b.w_after = w_after.astype(np.float32)
    b.f_after = f_after.astype(np.float32)
    b.a_after = b.a.astype(np.float32)
    rec[:, W_COL] = b.w_after
    rec[:, F_COL] = b.f_after
    rec[:, A_COL] = b.a_after
    rec.view(np.float64)[:, T_STATE_COL64] = b.t
    # Whole records at once, one item per prospect.
    np.put(st.records, idx, rec.view(st.records.dtype).reshape(-1))


#: The model steps of one touch, in order.
PIPELINE: tuple[Callable[[World, Touch], None], ...] = (
    decay,
    answer,
    notice,
    place,
    annoy,
    respond,
    outcome,
    complain,
    update,
)
