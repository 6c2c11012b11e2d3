"""The optimised touch pipeline against a plain one: the tables must be equal byte for byte.

The engine is fast without changing what it computes. ``ReferenceArmRun`` runs the touch
pipeline and the batch loop written plainly (every step over the whole batch, the per-message
and per-channel tables gathered with 2-D fancy indexing, the running means gathered again around
each batch); the code is kept here so that the comparison keeps a fixed reference while the
engine changes. Both run in the same process on
the same machine, so NumPy's own rounding is the same in both, and every table (metrics,
by_touch, timeseries, summary, as written to CSV), the touch log and the journey traces must be
identical: a last bit changed anywhere could flip a draw.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import pytest

import sim.model.engine
import sim.run.api
from sim.model import response as rf
from sim.model.books import Books
from sim.model.channels import EMAIL, N_CHANNELS, PHONE, REFERRAL
from sim.model.config import CooldownConfig, StepConfig, StrategyConfig, VariantConfig
from sim.model.draws import Purpose, counters, normal, uniform
from sim.model.engine import ArmRun, StateMeans
from sim.model.messages import N_MESSAGES
from sim.model.touch import NEGATIVE, NONE, OPT_OUT, POSITIVE, World
from sim.run.api import Results, replicate_runs, simulate
from sim.run.registry import compose

F64 = Any
I64 = Any
B = Any
npt = Any


@dataclass
class RefTouch:
    """The Touch of the plain pipeline."""

    idx: Any
    t: Any
    counter: Any
    slot: Any
    ch: Any
    msg: Any
    w: Any = field(init=False)
    f: Any = field(init=False)
    a: Any = field(init=False)
    e: Any = field(init=False)
    s: Any = field(init=False)
    need: Any = field(init=False)
    answered: Any = field(init=False)
    voicemail: Any = field(init=False)
    load: Any = field(init=False)
    p_notice: Any = field(init=False)
    noticed: Any = field(init=False)
    intro: Any = field(init=False)
    wrong_name: Any = field(init=False)
    eligible: Any = field(init=False)
    p_pos: Any = field(init=False)
    p_neg: Any = field(init=False)
    p_opt: Any = field(init=False)
    kind: Any = field(init=False)
    delay: Any = field(init=False)
    undelivered: Any = field(init=False)
    sender: Any = field(init=False)


# --- The model steps written plainly (sim/model/touch.py), per-message and per-channel tables on
# --- the world as ref_exposures and ref_received. --------------------------------------------


def decay(world: World, b: RefTouch) -> None:
    """Bring warmth, familiarity, annoyance, exposures to the touch time (2.1-2.7); need (2.8)."""
    cfg, p, st, idx = world.cfg, world.prospects, world.state, b.idx
    dt = b.t - st.t_state[idx]
    b.w = rf.relax(st.warmth[idx], p.warmth_base[idx], dt, cfg.warmth_half_life_days)
    b.f = rf.decay(st.familiarity[idx], dt, cfg.familiarity_half_life_days)
    b.a = rf.decay(st.annoyance[idx], dt, cfg.annoyance_half_life_days)
    # Habituation and tedium fade with time away from the sender (spontaneous recovery, 2.6),
    # each on its own clock.
    b.e = world.ref_exposures[idx] * rf.decay(1.0, dt, cfg.habituation_recovery_days)[:, None]
    b.s = world.ref_received[idx] * rf.decay(1.0, dt, cfg.wearout_recovery_days)[:, None]
    b.need = world.need.at(idx, b.t)  # the prospect's own need trajectory (sim.model.need)


def answer(world: World, b: RefTouch) -> None:
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


def notice(world: World, b: RefTouch) -> None:
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
        rf.attentiveness(p.responsiveness[idx], cfg.notice_responsiveness),
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


def place(world: World, b: RefTouch) -> None:
    """Each email reaches the inbox or not; those that do not are not noticed (2.17)."""
    b.undelivered = np.zeros(b.idx.size, np.bool_)
    b.sender = np.full(b.idx.size, -1, np.int64)
    mail = world.mail
    if mail is None:
        return
    email = np.flatnonzero(b.ch == EMAIL)
    if email.size:
        mail.settle()  # the reputations after days without email, as the engine brings them
    # Round-robin: the j-th email of the day goes out from mailbox j mod M.
    sender = (mail.sent_today + np.arange(email.size)) % mail.count
    mail.sent_today += email.size
    mail.seen_today[sender * mail.texts + mail.text_of_slot[b.slot[email]]] = True
    bounced = mail.bad[b.idx[email]]
    placed = (uniform(b.counter[email], Purpose.PLACEMENT) < mail.p_inbox[sender]) & ~bounced
    np.add.at(mail.bounces_today, sender[bounced], 1)
    mail.inbox_today += int(placed.sum())
    b.sender[email] = sender
    b.undelivered[email] = ~placed
    b.noticed = b.noticed & ~b.undelivered


def annoy(world: World, b: RefTouch) -> None:
    """Annoyance rises with every touch, less when unnoticed (2.7)."""
    m, cfg = world.model, world.cfg
    inc = m.annoyance_increment[b.ch] * m.annoyance_message[b.msg]
    inc = np.where(b.noticed, inc, inc * cfg.annoyance_unnoticed)
    inc = np.where((b.ch == REFERRAL) & ~b.intro, 0.0, inc)
    inc = np.where(b.undelivered, 0.0, inc)  # an email that never arrived (2.17)
    b.a = b.a + inc


def respond(world: World, b: RefTouch) -> None:
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


def outcome(world: World, b: RefTouch) -> None:
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


def complain(world: World, b: RefTouch) -> None:
    """An opt-out from an email marks it as spam with chance ``complaint_share`` (2.17)."""
    if world.mail is None:
        return
    opted = np.flatnonzero((b.kind == OPT_OUT) & (b.sender >= 0))
    spam = uniform(b.counter[opted], Purpose.COMPLAINT) < world.cfg.complaint_share
    np.add.at(world.mail.complaints_today, b.sender[opted][spam], 1)


def update(world: World, b: RefTouch) -> None:
    """The relationship after the touch: exposures, warmth, familiarity, annoyance (2.1-2.7)."""
    m, cfg, st, idx, msg = world.model, world.cfg, world.state, b.idx, b.msg
    b.e[np.flatnonzero(b.noticed), msg[b.noticed]] += 1.0
    world.ref_exposures[idx] = b.e
    st.voicemails[idx] = np.minimum(st.voicemails[idx], 254) + b.voicemail
    rows = np.arange(idx.size)
    # An unmade introduction, an email that never arrived: nothing received.
    b.s[rows, b.ch] += ~((b.ch == REFERRAL) & ~b.intro) & ~b.undelivered
    world.ref_received[idx] = b.s
    w_new = rf.warmth_after_touch(b.w, m.warmth_deposit[msg], b.a, cfg.warmth_annoyance)
    w_new = np.where(b.intro, w_new + world.connector_warmth * (1.0 - w_new), w_new)
    f_new = rf.familiarity_after_touch(b.f, m.familiarity_gain[b.ch])
    f_new = np.where(b.intro, np.maximum(f_new, cfg.introduction_familiarity), f_new)
    st.warmth[idx] = np.where(b.noticed, w_new, b.w)
    st.familiarity[idx] = np.where(b.noticed, f_new, b.f)
    st.annoyance[idx] = b.a
    st.t_state[idx] = b.t


REF_PIPELINE = (decay, answer, notice, place, annoy, respond, outcome, complain, update)


class RefStateMeans(StateMeans):
    """StateMeans with the plain terms: one exp2 call per quantity."""

    def _terms(self, idx: I64 | slice) -> F64:
        st = self.state
        dt = st.t_state[idx] - self.t0  # <= 0: t0 is never behind an added term
        values = (st.warmth[idx] - self.base[idx], st.familiarity[idx], st.annoyance[idx])
        return np.array(
            [
                np.sum(x.astype(np.float64) * np.exp2(dt / h))
                for x, h in zip(values, self.half_life, strict=True)
            ]
        )


class ReferenceArmRun(ArmRun):
    """ArmRun with the plain touch pipeline, batch loop and books."""

    made = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        n = self.p.n
        # The full (n, messages) and (n, channels) tables, float32.
        self.world.ref_exposures = np.zeros((n, N_MESSAGES), np.float32)
        self.world.ref_received = np.zeros((n, N_CHANNELS), np.float32)
        self.means = RefStateMeans(self.state, self.p, self.m.cfg, self.max_batch)
        # The plain histogram and phone tallies, wherever the books count.
        self.books.count = partial(ref_count, self.books)
        self.books.tally_phone = partial(ref_tally_phone, self.books)
        ReferenceArmRun.made += 1

    def touch_batches(self, idx: I64, t: F64) -> None:
        """Touch ``idx`` at ``t`` in slices of at most ``max_batch``, keeping the means current.

        Each slice's terms come out of the running sums before its touch and go back after it.
        """
        means = self.means
        for s in range(0, idx.size, self.max_batch):
            part = idx[s : s + self.max_batch]
            means.sums -= means._terms(part)
            self.touch(part, t[s : s + self.max_batch])
            if part.size:
                means.rebase(float(self.state.t_state[part].max()))
            means.sums += means._terms(part)

    def touch(self, idx: I64, t: F64) -> None:
        """One touch to each prospect in ``idx`` at times ``t``: the model steps, then the books."""
        if idx.size == 0:
            return
        plan, books = self.plan, self.books
        # This touch's number for each prospect keys its draws: the n-th touch of prospect i
        # meets the same chances in every arm (sim.model.draws).
        number = self.touch_count[idx].astype(np.int64) + 1
        sched = self.schedule
        step = sched.step[idx]
        slot = sched.slot_of(idx)
        ch = sched.channel_of(idx, slot).astype(np.intp)
        b = RefTouch(
            idx=idx,
            t=t,
            counter=counters(self.key, idx, number),
            slot=slot,
            ch=ch,
            msg=plan.message[slot].astype(np.intp),
        )
        for model_step in REF_PIPELINE:
            model_step(self.world, b)
        self.market.touched(idx, t, b.a)  # a burn (sim.model.market)
        column = slot.astype(np.intp) * N_CHANNELS + ch  # by_touch's column for each touch
        self.stop_cadences(*books.decided(b, number, column))
        books.tally_phone(b)
        if self.journeys is not None:
            hit = self.journeys.traced[idx]
            if hit.any():
                attn = rf.attention(b.load, self.m.half_load[ch])
                cols = (ch, b.msg, b.noticed, b.answered, b.voicemail, b.need, attn, b.p_notice)
                self.journeys.touches(
                    self.state,
                    books.pending_at,
                    idx[hit],
                    t[hit],
                    *(c[hit] for c in (*cols, b.kind)),
                )
        # Step analytics and the cadence's next step.
        self.touch_count[idx] += 1
        books.count(number, column, 0)
        if books.credit_last:
            # Platforms' rule: a reply belongs to the last touch made before it arrived.
            waiting = np.isfinite(books.pending_at[idx]) & (books.pending_at[idx] >= t)
            books.credit_num[idx[waiting]] = number[waiting]
            books.credit_ch[idx[waiting]] = column[waiting]
        if self.recorder is not None:
            self.recorder.append(
                idx.copy(), t.copy(), step, number, sched.cycle[idx], slot, ch.astype(np.int8)
            )
        sched.moved_on(idx, t, step)

    def result(self, replicate: int, seed: int) -> Any:
        """The arm's result, once the plain tables of counts are in the records' columns.

        The market's re-touch at the horizon (sim.model.market) reads exposures and touches
        received from the records, where the optimised pipeline keeps them.
        """
        st, k = self.state, len(self.state.count_messages)
        st.counts[:, :k] = self.world.ref_exposures[:, list(st.count_messages)]
        st.counts[:, k:] = self.world.ref_received[:, list(st.count_channels)]
        return super().result(replicate, seed)

    def record_day(self, now: float) -> None:
        """Append the day's counts, each counted over every prospect, and the mean state."""
        books = self.books
        warmth, annoyance, familiarity = self.state_means(now)
        placement, reputation = self.mail.end_day()
        if not self.delivering:  # deliverability off: the engine records no mailbox figures
            placement, reputation = float("nan"), float("nan")
        books.days.append(
            np.array(
                [
                    books.by_touch[:, :, 0].sum(),
                    np.count_nonzero(books.outcome == POSITIVE),
                    np.count_nonzero(books.met),
                    np.count_nonzero(books.said_no),
                    np.count_nonzero(books.outcome == OPT_OUT),
                    warmth,
                    annoyance,
                    familiarity,
                    placement,
                    self.mail.complaints,
                    reputation,
                ],
                dtype=np.float64,
            )
        )


def ref_count(
    books: Books,
    number: npt.NDArray[np.integer[Any]],
    channel: npt.NDArray[np.integer[Any]],
    outcome: int | npt.NDArray[np.integer[Any]],
) -> None:
    """Add one to ``by_touch[number, channel, outcome]`` per entry (a histogram, not a loop)."""
    flat = np.ravel_multi_index((number, channel, outcome), books.by_touch.shape)
    hist = np.bincount(flat, minlength=books.by_touch.size)
    books.by_touch += hist.reshape(books.by_touch.shape)


def ref_tally_phone(books: Books, b: Any) -> None:
    """The phone funnel (calibration targets: answers per dial, call-backs per voicemail)."""
    replied = (b.kind == POSITIVE) | (b.kind == NEGATIVE)
    counts = books.tally
    counts["dials"] += int(np.count_nonzero(b.ch == PHONE))
    counts["live_answers"] += int(np.count_nonzero(b.answered))
    counts["voicemails_left"] += int(np.count_nonzero(b.voicemail))
    counts["voicemail_replies"] += int(np.count_nonzero(replied & b.voicemail))
    counts["voicemail_callbacks"] += int(np.count_nonzero((b.kind == POSITIVE) & b.voicemail))


CONFIGS = {
    "cold_all": ["population=cold_list", "seed=3"],
    "house_all_last_touch": ["population=house_list", "seed=5", "credit=last_touch"],
    "mixed_default": ["population=mixed", "seed=11"],
    # Attention carried by the frailty, tedium on its own clock (2.6, 2.14): the paths a neutral
    # default skips.
    "cold_all_dynamics": [
        "population=cold_list",
        "seed=7",
        "model.notice_responsiveness=0.8",
        "model.wearout_recovery_days=9",
    ],
}
ALL = (
    "strategy=[entitlement,benefit_led,bombard,breakup,cooldown_heatup,hang_up,high_volume,"
    "multichannel,nurture,persistent,referral]"
)


def csv_tables(res: Results) -> dict[str, str]:
    return {
        name: getattr(res, name).to_csv(index=False, lineterminator="\n")
        for name in ("metrics", "by_touch", "timeseries", "summary")
    }


def reference_simulate(cfg: Any, monkeypatch: pytest.MonkeyPatch) -> Results:
    with monkeypatch.context() as m:
        m.setattr(sim.run.api, "ArmRun", ReferenceArmRun)
        before = ReferenceArmRun.made
        res = simulate(cfg)
        assert ReferenceArmRun.made > before  # not vacuous: the reference arms ran
    return res


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_tables_equal_the_reference_pipeline_byte_for_byte(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    overrides = [*CONFIGS[name], "population.size=600", "replications=2", "horizon_days=90"]
    if name != "mixed_default":
        overrides.append(ALL)
    cfg = compose(overrides)
    fast, slow = csv_tables(simulate(cfg)), csv_tables(reference_simulate(cfg, monkeypatch))
    for table in fast:
        assert fast[table] == slow[table], f"{name}: {table}.csv differs"


def test_small_batches_equal_the_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    # Slices of 37 prospects: every day spans many batches (and the running means many updates).
    monkeypatch.setattr(sim.model.engine, "MAX_BATCH", 37)
    cfg = compose(
        [
            "strategy=[multichannel,referral,hang_up]",
            "baseline=multichannel",
            "population.size=500",
            "replications=1",
            "horizon_days=60",
        ]
    )
    fast, slow = csv_tables(simulate(cfg)), csv_tables(reference_simulate(cfg, monkeypatch))
    assert fast == slow


def test_variants_caps_and_business_days_equal_the_reference(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The cadence language's other paths: A/B variants (another channel and message per
    # variant), weekly and daily caps, business days, a cool-down, a hang-up on the phone.
    cfg = compose(
        [
            "strategy=[multichannel]",
            "baseline=multichannel",
            "population.size=700",
            "replications=2",
            "horizon_days=80",
            "seed=4",
        ]
    )
    cfg.strategy["ab"] = StrategyConfig(
        label="A/B",
        steps=[
            StepConfig(day=0, channel="phone", message="benefit_led", voicemail=False),
            StepConfig(
                day=2,
                channel="email",
                message="benefit_led",
                variants=[
                    VariantConfig(name="long", weight=3.0),
                    VariantConfig(name="text", channel="sms", message="check_in"),
                ],
            ),
            StepConfig(day=4, channel="referral", message="resource"),
            StepConfig(day=5, channel="preferred", message="deadline"),
        ],
        cooldown=CooldownConfig(after_unanswered=2, pause_days=10.0, cycles=2),
        business_days=True,
        max_touches_per_week=2,
        max_touches_per_rep_day=40,
        stop_on=["opt_out"],
    )
    fast, slow = csv_tables(simulate(cfg)), csv_tables(reference_simulate(cfg, monkeypatch))
    assert fast == slow


def _digest(runs: Any) -> str:
    h = hashlib.sha256()
    for arm in runs:
        arm.run()
        for key, column in arm.touch_log().columns().items():
            h.update(key.encode())
            h.update(np.ascontiguousarray(column).astype(str).tobytes())
        h.update(repr(arm.trace_rows).encode())
    return h.hexdigest()


def test_touch_log_and_journeys_equal_the_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = compose(
        [
            "population=house_list",
            ALL,
            "population.size=400",
            "replications=1",
            "horizon_days=90",
            "seed=2",
        ]
    )
    options = {"record_touches": True, "trace": range(0, 400, 13)}
    fast = _digest(replicate_runs(cfg, 0, **options))
    with monkeypatch.context() as m:
        m.setattr(sim.run.api, "ArmRun", ReferenceArmRun)
        slow = _digest(replicate_runs(cfg, 0, **options))
    assert fast == slow
