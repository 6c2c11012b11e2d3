"""The log's touches, replayed through the model: what the log says, and the hidden paths it allows.

A touch log shows what was sent and what came back, not whether a touch was noticed, whether a
call was picked up, or how warm the prospect was. :func:`prepare` turns the log into per-touch
facts (the outcome, whether the touch could decide one at all: no reply pending, none delivered
but a "no"), and :func:`replay` draws ``R`` hidden paths per prospect with the model's own touch
steps (:mod:`sim.model.touch`: decay, answer, notice, annoy, update), at the log's times, channels
and messages. Where the log shows an outcome, the touch must have been noticed: the path is made to
notice it and carries the chance that it would, as an importance weight (docs/fitting.md, 2).
Nothing here depends on the parameters being fitted, so the paths are drawn once per fit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from sim.fit.layout import Layout
from sim.fit.world import make_world, one_slot_plan, padded, start_days
from sim.model import response as rf
from sim.model.arrays import F64, I64, B, Floats
from sim.model.batch import Touch, World
from sim.model.channels import PHONE, REFERRAL
from sim.model.config import ModelConfig, PopulationConfig
from sim.model.draws import counters
from sim.model.messages import N_MESSAGES
from sim.model.population import VOICEMAIL_BYTE
from sim.model.touch import annoy, answer, decay, notice, update
from sim.run.touchlog import DISPOSITIONS, OUTCOMES, TouchTable

#: Outcome codes of the fit, in the order of the model's three-way split (sim.model.response).
NONE, POSITIVE, NEGATIVE, OPT_OUT = 0, 1, 2, 3
_LOG_TO_FIT = {"positive": POSITIVE, "negative": NEGATIVE, "opt_out": OPT_OUT, "meeting": POSITIVE}
#: The fit's outcome code of each of the log's outcomes (sim.run.touchlog.OUTCOMES), then none.
_FIT_CODE = np.array([_LOG_TO_FIT.get(name, NONE) for name in OUTCOMES] + [NONE], np.int8)
#: Call dispositions (sim.run.touchlog.DISPOSITIONS); -1: not a call, or the log does not say.
NO_ANSWER, BUSY, VOICEMAIL_LEFT, CONNECTED, WRONG_NUMBER = (
    DISPOSITIONS.index(name)
    for name in ("no_answer", "busy", "voicemail", "connected", "wrong_number")
)


@dataclass(frozen=True)
class FitLog:
    """A checked touch log as the fit reads it: rows by prospect and time, bounces removed."""

    n: int  # prospects
    K: int  # most touches of one prospect
    prospect: I64
    pos: npt.NDArray[np.intp]  # the row's touch number within its prospect, from 0
    time: F64  # days since the log's first touch (calendar order; see since_first)
    channel: npt.NDArray[np.intp]
    message: npt.NDArray[np.intp]  # unknown kinds read as ``reference_message``
    y: npt.NDArray[np.int8]  # NONE, POSITIVE, NEGATIVE or OPT_OUT
    met: B  # a positive reply that became a meeting
    delay: F64  # days from the touch to its outcome (nan: none)
    can_decide: B  # no reply pending and none delivered but a "no": the touch may decide one
    said_no: B  # a "no" was delivered before this touch: it may opt out, not reply
    disposition: npt.NDArray[np.int8]  # a call's disposition (NO_ANSWER ... CONNECTED), or -1
    vary_messages: bool  # prospects get more than one kind of message (habituation, 2.6)
    reference_message: int
    bounced: int  # touches dropped as bounces (and calls to a wrong number)
    unknown_messages: int  # touches whose message kind the log does not say
    ignored_outcomes: int  # outcomes on touches that could not decide one (a reply pending)

    @property
    def has_dispositions(self) -> bool:
        """Some call's disposition is known: the phone's answer branch is observed there."""
        return bool((self.disposition >= 0).any())

    @property
    def since_first(self) -> F64:
        """Days since the prospect's own first touch: where its state starts evolving.

        A prospect enters the model at its first logged touch, not at the log's first timestamp:
        its warmth, familiarity and annoyance decay, its need chain and its load days run from
        there, whenever the team started it (docs/fitting.md, 2). Rows are in time order within
        each prospect, so its first touch is the row at position 0.
        """
        first = np.zeros(self.n)
        at_start = self.pos == 0
        first[self.prospect[at_start]] = self.time[at_start]
        return np.asarray(self.time - first[self.prospect])

    @property
    def span_days(self) -> float:
        """How long a prospect's state runs at most: from its first touch to its last outcome."""
        if self.time.size == 0:
            return 0.0
        own = self.since_first
        return float(np.nanmax(np.concatenate([own, own + np.nan_to_num(self.delay)])))


def prepare(table: TouchTable) -> FitLog:
    """The fit's view of a checked log (sim.run.touchlog): outcome codes, eligibility, reference.

    Bounces and calls to a wrong number reached no one: they are left out. An outcome on a call
    nobody picked up and that left no voicemail (no answer, busy) could not have been decided by
    it in the model (a hang-up is never noticed): it is ignored and counted, like an outcome on a
    touch whose prospect had a reply on its way.
    """
    told = table.disposition if table.disposition.size else np.full(table.time.size, -1)
    keep = (table.outcome != OUTCOMES.index("bounce")) & (told != WRONG_NUMBER)
    prospect = table.prospect[keep]
    # Prospects numbered again without gaps (a prospect whose touches all bounced is gone).
    _, prospect = np.unique(prospect, return_inverse=True)
    prospect = prospect.astype(np.int64)
    n = int(prospect.max()) + 1 if prospect.size else 0
    time = table.time[keep]
    channel = table.channel[keep].astype(np.intp)
    message = table.message[keep].astype(np.intp)
    disposition = told[keep].astype(np.int8)
    known = message >= 0
    counts = np.bincount(message[known], minlength=N_MESSAGES)
    reference = int(np.argmax(counts))
    message = np.where(known, message, reference)
    outcome = table.outcome[keep]
    y = _FIT_CODE[outcome]  # -1 (no outcome) reads the last entry: none
    met = outcome == OUTCOMES.index("meeting")
    hung_up = ((disposition == NO_ANSWER) | (disposition == BUSY)) & (y != NONE)
    y = np.where(hung_up, NONE, y).astype(np.int8)
    delay = np.where(y != NONE, table.outcome_time[keep] - time, np.nan)
    pos, k_max = padded(prospect, n)
    can, said_no = _eligibility(prospect, time, y, time + np.nan_to_num(delay, nan=np.inf))
    # A reply after a delivered "no" cannot happen in the model (only an opt-out can).
    ignored = ((y != NONE) & ~can) | (said_no & ((y == POSITIVE) | (y == NEGATIVE)))
    y = np.where(ignored, NONE, y).astype(np.int8)
    met &= ~ignored & ~hung_up
    delay = np.where(ignored, np.nan, delay)
    per_prospect = np.zeros((n, N_MESSAGES), np.bool_)
    per_prospect[prospect, message] = True
    return FitLog(
        n=n,
        K=k_max,
        prospect=prospect,
        pos=pos,
        time=time,
        channel=channel,
        message=message,
        y=y,
        met=met,
        delay=delay,
        can_decide=can,
        said_no=said_no,
        disposition=disposition,
        vary_messages=bool((per_prospect.sum(axis=1) > 1).mean() >= 0.5) if n else False,
        reference_message=reference,
        bounced=int((~keep).sum()),
        unknown_messages=int((~known).sum()),
        ignored_outcomes=int(ignored.sum() + hung_up.sum()),
    )


def subset(log: FitLog, keep: B) -> FitLog:
    """The prospects ``keep`` (a mask over prospects) of ``log``, numbered again from 0."""
    rows = keep[log.prospect]
    number = np.cumsum(keep) - 1
    prospect = number[log.prospect[rows]].astype(np.int64)
    n = int(keep.sum())
    pos, k_max = padded(prospect, n)
    return replace(
        log,
        n=n,
        K=k_max,
        prospect=prospect,
        pos=pos,
        time=log.time[rows],
        channel=log.channel[rows],
        message=log.message[rows],
        y=log.y[rows],
        met=log.met[rows],
        delay=log.delay[rows],
        can_decide=log.can_decide[rows],
        said_no=log.said_no[rows],
        disposition=log.disposition[rows],
    )


def _eligibility(prospect: I64, time: F64, y: npt.NDArray[np.int8], arrival: F64) -> tuple[B, B]:
    """Per row: may it decide an outcome (no reply pending, none delivered but a no); said no.

    The engine's rules (sim.model.touch.respond): one reply in flight at a time; a delivered
    positive reply or opt-out ends the conversation; a delivered "no" still allows an opt-out.
    Earlier rows are looked at lag by lag, vectorised over rows.
    """
    rows = prospect.size
    pending = np.zeros(rows, np.bool_)
    latest = np.full(rows, -np.inf)  # arrival time of the latest delivered outcome
    latest_kind = np.zeros(rows, np.int8)
    lag = 1
    while lag < rows:
        same = np.zeros(rows, np.bool_)
        same[lag:] = prospect[lag:] == prospect[:-lag]
        if not same.any():
            break
        j = np.flatnonzero(same)
        earlier = j - lag
        has = y[earlier] != NONE
        arr = arrival[earlier]
        pending[j] |= has & (arr > time[j])
        delivered = has & (arr <= time[j]) & (arr > latest[j])
        latest[j[delivered]] = arr[delivered]
        latest_kind[j[delivered]] = y[earlier[delivered]]
        lag += 1
    said_no = latest_kind == NEGATIVE
    can = ~pending & ((latest_kind == NONE) | said_no)
    return can, said_no


@dataclass(frozen=True)
class Paths:
    """Hidden paths: one flat array per quantity, a cell per (path, touch) (:mod:`sim.fit.layout`).

    ``log_weight`` (R, n) is the log of each path's importance weight: the chances that the
    touches with an outcome were noticed (and, for calls, answered or heard as a voicemail), which
    the path was made to do.
    """

    layout: Layout
    eligible: B  # noticed and may decide (respond's ``eligible``)
    warmth: F64
    familiarity: F64
    increment: F64  # annoyance the touch adds (after noticing), for the half-life's recompute
    exposures: F64  # noticed exposures of this message kind, recovered to the touch (2.6)
    received: F64  # touches received on this channel before this one (wear-out, 2.6)
    wrong_name: B
    voicemail: B
    answered: B
    voicemails: F64  # voicemails left before the touch (call screening, 2.2)
    warmth_arrival: F64  # warmth when a positive reply arrives (meeting, 2.10)
    log_weight: F64  # (R, n)
    R: int


#: What a path keeps of each touch (:class:`Paths`): numbers, and flags.
_NUMBERS = (
    "warmth",
    "familiarity",
    "increment",
    "exposures",
    "received",
    "voicemails",
    "warmth_arrival",
)
_FLAGS = ("eligible", "wrong_name", "voicemail", "answered")


def replay(
    log: FitLog,
    model: ModelConfig,
    population: PopulationConfig,
    R: int,
    seed: int,
    wrong_name_rate: float = 0.0,
) -> Paths:
    """Draw ``R`` hidden paths per prospect through the model's touch steps at the log's touches.

    Touch by touch (a batch per touch number, every prospect and path at once), not prospect by
    prospect. Path r of prospect i is simulated prospect r * n + i.
    """
    n, lay = log.n, Layout.of(log.prospect, log.pos, log.n, R)
    start = start_days(n * R, seed)  # each replayed prospect's own first day (load shocks)
    plan, span = one_slot_plan(log.vary_messages), log.span_days + 1.0
    world, key = make_world(
        model, population, plan, n * R, span, seed, wrong_name_rate, start=start
    )
    own = log.since_first  # each prospect's state starts at its own first touch
    out = {name: np.zeros(lay.cells) for name in _NUMBERS}
    flags = {name: np.zeros(lay.cells, np.bool_) for name in _FLAGS}
    log_weight = np.zeros(R * n)
    by_pos = np.argsort(log.pos, kind="stable")
    bounds = np.searchsorted(log.pos[by_pos], np.arange(lay.steps + 1))
    for k in range(lay.steps):
        rows = by_pos[bounds[k] : bounds[k + 1]]  # in log order, as the draws were always made
        i = log.prospect[rows]
        idx = (np.arange(R)[:, None] * n + i[None, :]).ravel()
        tiled = np.tile(rows, R)
        b = Touch(
            idx=idx,
            t=start[idx] + own[tiled],
            counter=counters(key, idx, k + 1),
            slot=np.zeros(idx.size, np.int16),
            ch=log.channel[tiled],
            msg=log.message[tiled],
        )
        decay(world, b)
        answer(world, b)
        _observe_calls(b, log.disposition[tiled])
        notice(world, b)
        weight = _force(world, b, log, tiled)
        b.seen = np.flatnonzero(b.noticed)  # what update() reads (respond() sets it in the engine)
        a_before = b.a.copy()
        annoy(world, b)
        log_weight[idx] += np.log(np.maximum(weight, 1e-300))  # each prospect once per batch
        at = lay.at(k, idx // n, idx % n)
        _keep(out, flags, at, world, b, a_before, log.can_decide[tiled])
        update(world, b)
        pos = log.y[tiled] == POSITIVE
        if pos.any():
            who = idx[pos]
            out["warmth_arrival"][at[pos]] = rf.relax(
                world.state.warmth[who],
                world.prospects.warmth_base[who],
                log.delay[tiled[pos]],
                model.warmth_half_life_days,
            )
    return Paths(lay, **out, **flags, log_weight=log_weight.reshape(R, n), R=R)  # type: ignore[arg-type]


def _keep(
    out: dict[str, F64],
    flags: dict[str, B],
    at: npt.NDArray[np.intp],
    world: World,
    b: Touch,
    a_before: Floats,
    can_decide: B,
) -> None:
    """Keep what the path's touches found out at their cells ``at``."""
    rr = np.arange(b.idx.size)
    out["warmth"][at] = b.w
    out["familiarity"][at] = b.f
    out["increment"][at] = b.a - a_before
    out["exposures"][at] = b.counts[rr, world.msg_col[b.msg]]
    out["received"][at] = b.counts[rr, world.ch_col[b.ch]]
    out["voicemails"][at] = b.rec.view(np.uint8)[:, VOICEMAIL_BYTE]  # before this touch's
    flags["eligible"][at] = b.noticed & can_decide
    flags["wrong_name"][at] = b.wrong_name
    flags["voicemail"][at] = b.voicemail
    flags["answered"][at] = b.answered


def _observe_calls(b: Touch, disposition: npt.NDArray[np.int8]) -> None:
    """Where the log says what came of a call, the path's call does that (answered, voicemail).

    The chance that it would depends on the answer parameters being fitted: the likelihood
    carries it (sim.fit.likelihood), not the path's weight. A hang-up (no answer, busy) left no
    voicemail.
    """
    known = disposition >= 0
    if not b.phone or not known.any():
        return
    b.answered = np.where(known, disposition == CONNECTED, b.answered)
    b.voicemail = np.where(known, disposition == VOICEMAIL_LEFT, b.voicemail)


def _force(world: World, b: Touch, log: FitLog, rows: npt.NDArray[np.intp]) -> F64:
    """Make touches with an outcome noticed; return each touch's chance of what was forced (1 else).

    A call with an outcome on the spot (delay 0) was answered; a call with a later outcome left
    a voicemail that was heard: by someone who listens to voicemail, or, from a caller they know,
    with chance W (2.4). Where the call's disposition is known, it says which (connected or
    voicemail), the path already did it (:func:`_observe_calls`), and the chance of the answer is
    the likelihood's. A referral needs a connector (weight 0 without one).
    """
    p = world.prospects
    forced = log.y[rows] != NONE
    weight = np.ones(b.idx.size)
    if not forced.any():
        return weight
    ch = b.ch
    phone = forced & (ch == PHONE)
    told = log.disposition[rows]
    known = told >= 0
    live = phone & np.where(known, told == CONNECTED, log.delay[rows] <= 0.0)
    heard_vm = phone & ~live
    other = forced & (ch != PHONE) & (ch != REFERRAL)
    referral = forced & (ch == REFERRAL)
    # answer() worked it out when the batch has a dial (only then can a forced row be a call).
    p_answer = b.p_answer if b.phone else 0.0
    listens = np.where(p.listens_voicemail[b.idx], 1.0, b.w)
    weight = np.where(live, np.where(known, 1.0, p_answer), weight)
    missed = np.where(known, 1.0, 1.0 - p_answer)
    weight = np.where(heard_vm, missed * listens * b.p_notice, weight)
    weight = np.where(other, b.p_notice, weight)
    weight = np.where(referral, p.has_connector[b.idx].astype(np.float64), weight)
    b.answered = np.where(live, True, np.where(heard_vm, False, b.answered))
    b.voicemail = np.where(heard_vm, True, np.where(live, False, b.voicemail))
    b.intro = np.where(referral, p.has_connector[b.idx], b.intro)
    b.noticed = b.noticed | forced
    return np.asarray(weight, np.float64)
