"""A batch of touches and the world they act on: what the model steps read and find out.

A :class:`Touch` holds the prospects touched at once (row ``k`` of every array is one touch) and
what each model step (:mod:`sim.model.touch`) finds out about it; the :class:`World` holds the
parameters, traits and per-prospect state the steps read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from sim.model.arrays import I64, B
from sim.model.arrays import Floats as F64  # noqa: N814 (float arrays of any precision)
from sim.model.config import ModelConfig
from sim.model.deliverability import Mailboxes
from sim.model.draws import Purpose, uniform
from sim.model.model_arrays import ModelArrays
from sim.model.need import NeedTrack
from sim.model.population import Prospects, ProspectState
from sim.model.strategy import Plan


@dataclass
class World:
    """What the model steps read: parameters, traits and the arm's per-prospect state."""

    cfg: ModelConfig
    model: ModelArrays  # per-channel and per-message parameter arrays
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
    msg_col: npt.NDArray[np.intp]  # column of state.counts of each message kind
    ch_col: npt.NDArray[np.intp]  # column of state.counts of each channel
    channel: int = -1  # the one channel every touch uses (an arm of one channel), or -1
    mail: Mailboxes | None = None  # the team's sending mailboxes (None: every email arrives)


@dataclass
class Touch:
    """A batch of touches and what the model steps found out about each."""

    idx: I64  # prospects
    t: npt.NDArray[np.float64]  # times
    counter: npt.NDArray[np.uint64]  # keys of this touch's draws (sim.model.draws)
    slot: npt.NDArray[np.int16]
    ch: npt.NDArray[np.intp]
    msg: npt.NDArray[np.intp]
    # The prospects' records (sim.model.population.ProspectState.rows), gathered once by decay and
    # stored back whole by update.
    rec: npt.NDArray[np.float32] = field(init=False)
    # The state before the touch, as stored (gathered once; the engine's running means read it).
    t_state: npt.NDArray[np.float64] = field(init=False)
    base: npt.NDArray[np.float32] = field(init=False)  # warmth baseline
    w_excess: npt.NDArray[np.float32] = field(init=False)  # stored warmth minus its baseline
    f_stored: npt.NDArray[np.float32] = field(init=False)
    a_stored: npt.NDArray[np.float32] = field(init=False)
    w: F64 = field(init=False)  # warmth, familiarity, annoyance at the touch (after decay)
    f: F64 = field(init=False)
    a: F64 = field(init=False)
    # (touches, columns of state.counts): noticed exposures per message kind, recovered to the
    # touch, then touches received per channel before this one (World.msg_col, World.ch_col).
    counts: F64 = field(init=False)
    need: B = field(init=False)
    phone: bool = field(init=False)  # any phone touch in the batch
    p_answer: F64 = field(init=False)  # chance a dial is picked up (unset without a dial)
    answered: B = field(init=False)  # a live conversation (phone)
    voicemail: B = field(init=False)  # a voicemail left (phone, not answered)
    load: F64 = field(init=False)
    p_notice: F64 = field(init=False)
    noticed: B = field(init=False)
    seen: I64 = field(init=False)  # positions of the noticed touches in the batch
    referral: bool = field(init=False)  # any referral touch in the batch
    intro: B = field(init=False)  # a referral that reached a connector
    wrong_name_rate: float = field(init=False)
    decides: I64 = field(init=False)  # positions of the touches that may decide an outcome now
    # The chances of the outcomes, worked out only for the eligible touches (``decides``).
    p_pos: F64 = field(init=False)
    p_neg: F64 = field(init=False)
    p_opt: F64 = field(init=False)
    kind: npt.NDArray[np.int8] = field(init=False)  # the outcome this touch decided
    delay: F64 = field(init=False)  # days until its reply arrives
    # Emails that did not reach the inbox (spam folder, lost, bounced) and the mailbox that sent
    # each touch (-1: not an email); None: no email in the batch, or no mailboxes (2.17).
    undelivered: B | None = field(default=None, init=False)
    sender: I64 | None = field(default=None, init=False)
    # The state after the touch, as stored (float32), for the engine's running means.
    w_after: npt.NDArray[np.float32] = field(init=False)
    f_after: npt.NDArray[np.float32] = field(init=False)
    a_after: npt.NDArray[np.float32] = field(init=False)

    def wrong_name_at(self, pos: npt.NDArray[np.intp] | slice = slice(None)) -> B:
        """The rep got the name wrong, for the touches at positions ``pos`` (default: all).

        Drawn on demand: the engine needs it only for the touches that may decide an outcome.
        """
        if self.wrong_name_rate > 0.0:
            return uniform(self.counter[pos], Purpose.WRONG_NAME) < self.wrong_name_rate
        return np.zeros(self.counter[pos].size, np.bool_)  # a uniform is never below 0

    @property
    def wrong_name(self) -> B:
        """The rep got the name wrong (the whole batch)."""
        return self.wrong_name_at()
