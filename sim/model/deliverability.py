"""Deliverability: the team's sending mailboxes, their sender reputation and inbox placement.

The equations are pure functions (``docs/model.md``, 2.17): a day's reputation pressure from its
volume, spam complaints, bounces and identical content (:func:`day_pressure`), the reputation
after a day (:func:`reputation_after_day`), the chance an email lands in the inbox
(:func:`inbox_probability`) and a mailbox's cap during warm-up (:func:`daily_cap`).
:class:`Mailboxes` is one arm's state: which mailbox sends each email (round-robin over the
team's mailboxes in the order the day's emails are made), what each sent today, each mailbox's
reputation, and the totals the arm reports.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from sim.model.arrays import F64, I64, U64, B, Floats, IntArray
from sim.model.channels import EMAIL
from sim.model.config import ModelConfig, RepsConfig
from sim.model.draws import Purpose, counters, uniform
from sim.model.response import expit

#: Prospects whose bad-address draw is made at once (bounds the temporaries of a long list).
ADDRESS_SLICE = 1 << 16


# --- the equations ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReputationWeights:
    """What a day costs a mailbox's reputation: its safe volume and the weight of each signal."""

    safe_volume: float  # emails per day a mailbox sends before volume itself hurts
    volume: float  # per safe volume sent above the safe volume
    complaints: float  # per spam complaint per email in the inbox (at least the safe volume)
    bounces: float  # per bounce per email sent (at least the safe volume)
    identical: float  # per identical email per email sent, likewise

    @classmethod
    def of(cls, cfg: ModelConfig) -> ReputationWeights:
        """The weights of ``cfg``'s ``reputation_*`` parameters."""
        return cls(
            safe_volume=cfg.reputation_safe_volume,
            volume=cfg.reputation_volume,
            complaints=cfg.reputation_complaints,
            bounces=cfg.reputation_bounces,
            identical=cfg.reputation_identical,
        )


def day_pressure(
    sent: Floats | float,
    inbox_chance: Floats | float,
    complaints: IntArray | Floats | float,
    bounces: IntArray | Floats | float,
    identical: Floats | float,
    w: ReputationWeights,
) -> F64:
    """A day's damage to a mailbox's reputation, per mailbox.

    ``Π = w_v · max(0, v / v_s - 1) + (w_c · c / p + w_b · b + w_i · i) / max(v, v_s)``: volume
    above the safe volume ``v_s``; spam complaints ``c`` per email in the inbox (``p``: the
    mailbox's inbox chance that day, as Gmail counts a complaint rate); bounces ``b`` and
    identical emails ``i`` per email sent. The rates are counted against at least the safe
    volume: a mailbox that sends two emails is not judged on a rate of one in two.
    """
    v = np.asarray(sent, dtype=np.float64)
    excess = np.maximum(v / w.safe_volume - 1.0, 0.0)
    signals = w.complaints * np.asarray(complaints) / np.asarray(inbox_chance)
    signals = signals + w.bounces * np.asarray(bounces) + w.identical * np.asarray(identical)
    return np.asarray(w.volume * excess + signals / np.maximum(v, w.safe_volume))


def reputation_after_day(
    reputation: Floats | float, pressure: Floats | float, half_life: float
) -> F64:
    """The reputation a day later: recovery toward 1 with ``half_life``, less the day's pressure.

    ``R' = max(0, 1 - (1 - R) · 2^(-1/h) - Π)``: linear, so a steady pressure ``Π`` a day holds
    a mailbox near ``1 - Π / (1 - 2^(-1/h))``, and a day's damage is the same at any reputation.
    """
    recovered = 1.0 - (1.0 - np.asarray(reputation, dtype=np.float64)) * 2.0 ** (-1.0 / half_life)
    return np.asarray(np.maximum(recovered - np.asarray(pressure), 0.0))


def inbox_probability(reputation: Floats | float, base: float, slope: float) -> Floats:
    """The chance an email lands in the inbox (not the spam folder, not lost): ``σ(a + b · R)``."""
    return expit(base + slope * np.asarray(reputation, dtype=np.float64))


def daily_cap(cap: int, warmup_days: float, day: int) -> int:
    """Emails a mailbox may send on ``day`` (from 0): ``cap``, ramped up linearly while warming.

    A new mailbox (``warmup_days > 0``) may send ``cap · (day + 1) / warmup_days`` (rounded down,
    at least one) until its warm-up is over.
    """
    if warmup_days <= 0.0 or day + 1 >= warmup_days:
        return cap
    return max(1, math.floor(cap * (day + 1) / warmup_days))


def steady_reputation(pressures: Floats | list[float], half_life: float, days: int = 2000) -> float:
    """The long-run reputation of a mailbox whose days repeat ``pressures`` (e.g. a week).

    The mean over one cycle once the map :func:`reputation_after_day` has settled.
    """
    cycle = [float(p) for p in np.asarray(pressures, dtype=np.float64)]
    rho = 2.0 ** (-1.0 / half_life)
    r = 1.0
    for _ in range(days // len(cycle)):
        for p in cycle:
            r = max(1.0 - (1.0 - r) * rho - p, 0.0)
    seen = []
    for p in cycle:
        r = max(1.0 - (1.0 - r) * rho - p, 0.0)
        seen.append(r)
    return float(np.mean(seen))


def steady_inbox(
    cfg: ModelConfig,
    sent: float,
    complaint_rate: float,
    bounce_rate: float,
    identical: float,
    working_days: int = 5,
) -> tuple[float, float]:
    """The long-run reputation and inbox chance of a mailbox with the same week, again and again.

    It sends ``sent`` emails on each of ``working_days`` days a week, with ``complaint_rate``
    complaints per email in the inbox, ``bounce_rate`` bounces per email sent and ``identical``
    identical emails a day; the calibration of docs/model.md (2.17) is this function's table.
    """
    w = ReputationWeights.of(cfg)
    # Complaints per email in the inbox: their count over the inbox chance is sent x rate.
    day = float(day_pressure(sent, 1.0, sent * complaint_rate, sent * bounce_rate, identical, w))
    week = [day] * working_days + [0.0] * (7 - working_days)
    r = steady_reputation(week, cfg.reputation_half_life_days)
    return r, float(inbox_probability(r, cfg.inbox_base, cfg.inbox_reputation))


def bad_addresses(key: np.uint64, n: int, share: float) -> B:
    """Whether each of prospects ``0..n-1`` has an address that bounces: a keyed draw per prospect.

    The same prospect has the same address in every arm (common random numbers).
    """
    out = np.zeros(n, np.bool_)
    if share <= 0.0:
        return out
    for lo in range(0, n, ADDRESS_SLICE):
        who = np.arange(lo, min(lo + ADDRESS_SLICE, n), dtype=np.int64)
        out[lo : lo + who.size] = uniform(counters(key, who, 0), Purpose.ADDRESS) < share
    return out


# --- one arm's mailboxes ----------------------------------------------------------------------


class Mailboxes:
    """The team's sending mailboxes in one arm: who sends each email, reputations, tallies.

    Each email of a day goes out from the next mailbox in turn (email ``j`` of the day from
    mailbox ``j mod M``), so the day's emails spread evenly and the team may send ``M`` times a
    mailbox's cap. Reputations change once a day, at its end (:meth:`end_day`), so every email
    of a day from one mailbox has the same chance of the inbox.
    """

    def __init__(
        self,
        reps: RepsConfig,
        cfg: ModelConfig,
        bad: B,
        text_of_slot: IntArray,
        template_share: float,
    ) -> None:
        """The mailboxes of ``reps`` under ``cfg``.

        ``bad``: whether each prospect's address bounces; ``text_of_slot``: the text each slot
        of the plan sends (the same number means the same words); ``template_share``: the share
        of an email's words that are the same for every recipient.
        """
        self.count = reps.count * reps.mailboxes
        self.cap, self.warmup_days = reps.mailbox_daily_cap, reps.warmup_days
        self.weights = ReputationWeights.of(cfg)
        self.half_life = cfg.reputation_half_life_days
        self.base, self.slope = cfg.inbox_base, cfg.inbox_reputation
        self.complaint_share = cfg.complaint_share
        self.bad = bad
        self.text_of_slot = np.asarray(text_of_slot, dtype=np.intp)
        self.texts = int(self.text_of_slot.max(initial=0)) + 1
        self.template_share = template_share
        self.reputation = np.full(self.count, reps.start_reputation, np.float64)
        self.p_inbox = inbox_probability(self.reputation, self.base, self.slope)
        self.mean = float(reps.start_reputation)  # the mean of ``reputation``
        # Days without email since ``reputation`` was brought up to date: they only recover it,
        # which is worked out in closed form when it is needed (:meth:`settle`).
        self.rested = 0
        self.recovery = 2.0 ** (-1.0 / self.half_life)
        # Identical content only counts when it weighs something.
        self.identical_weight = template_share * self.weights.identical
        # Today's tallies: emails sent by the team, per mailbox complaints and bounces, and which
        # (mailbox, text) pairs went out (identical content is what is sent again).
        self.sent_today = 0
        self.inbox_today = 0
        self.complaints_today = np.zeros(self.count, np.int64)
        self.bounces_today = np.zeros(self.count, np.int64)
        self.seen_today = np.zeros(self.count * self.texts, np.bool_)
        # The run's totals.
        self.sent = self.inbox = self.bounced = self.complaints = 0
        self.capped_days = 0

    def allowance(self, day: int) -> int:
        """Emails the team may still send on ``day`` (calendar day from 0)."""
        return self.count * daily_cap(self.cap, self.warmup_days, day) - self.sent_today

    def send(self, counter: U64, idx: I64, slot: IntArray) -> tuple[B, I64]:
        """Send one email to each of ``idx``, in order: which reached the inbox, from where.

        ``counter``: the keys of the emails' draws (sim.model.draws); ``slot``: the plan slot of
        each. An email to a bad address bounces; any other lands in the inbox with its mailbox's
        placement chance (a keyed draw, the same in every arm).
        """
        self.settle()
        k = idx.size
        sender = np.arange(self.sent_today, self.sent_today + k, dtype=np.int64)
        sender %= self.count
        self.sent_today += k
        if self.identical_weight:
            self.seen_today[sender * self.texts + self.text_of_slot[slot]] = True
        placed = uniform(counter, Purpose.PLACEMENT) < self.p_inbox[sender]
        bounced = self.bad[idx]
        if bounced.any():
            placed &= ~bounced
            np.add.at(self.bounces_today, sender[bounced], 1)
        self.inbox_today += int(np.count_nonzero(placed))
        return placed, sender

    def complain(self, counter: U64, sender: I64) -> None:
        """Opt-outs from emails sent by ``sender``: each marks the email as spam with a chance."""
        if sender.size:
            spam = uniform(counter, Purpose.COMPLAINT) < self.complaint_share
            np.add.at(self.complaints_today, sender[spam], 1)

    def settle(self) -> None:
        """Bring the reputations up to date after days without email (recovery only)."""
        if self.rested:
            factor = self.recovery**self.rested
            self.reputation = 1.0 - (1.0 - self.reputation) * factor
            self.p_inbox = inbox_probability(self.reputation, self.base, self.slope)
            self.mean = float(self.reputation.mean())
            self.rested = 0

    def arrival(self, who: IntArray) -> F64:
        """Chance a re-touch email to each of ``who`` reaches the inbox now (the market's sum).

        From a mailbox in turn: the mean placement over the mailboxes; never for a bad address.
        """
        self.settle()
        return np.asarray(float(self.p_inbox.mean()) * ~self.bad[who], np.float64)

    def end_day(self) -> tuple[float, float]:
        """Close the day: reputations move, tallies reset.

        Returns the day's share of emails in the inbox (NaN: no email) and the mean reputation.
        """
        sent = self.sent_today
        if sent == 0:  # no email, so no complaint or bounce either: the reputations recover
            self.rested += 1
            return math.nan, 1.0 - (1.0 - self.mean) * self.recovery**self.rested
        self.settle()
        m = self.count
        per_mailbox = np.full(m, sent // m, np.float64)
        per_mailbox[: sent % m] += 1.0  # round-robin from mailbox 0
        identical: F64 | float = 0.0
        if self.identical_weight:
            distinct = np.count_nonzero(self.seen_today.reshape(m, self.texts), axis=1)
            identical = self.template_share * (per_mailbox - distinct)
            self.seen_today[:] = False
        pressure = day_pressure(
            per_mailbox,
            self.p_inbox,
            self.complaints_today,
            self.bounces_today,
            identical,
            self.weights,
        )
        self.reputation = reputation_after_day(self.reputation, pressure, self.half_life)
        self.p_inbox = inbox_probability(self.reputation, self.base, self.slope)
        self.mean = float(self.reputation.mean())
        self.sent += sent
        self.inbox += self.inbox_today
        if self.complaints_today.any():
            self.complaints += int(self.complaints_today.sum())
            self.complaints_today[:] = 0
        if self.bounces_today.any():
            self.bounced += int(self.bounces_today.sum())
            self.bounces_today[:] = 0
        placement = self.inbox_today / sent
        self.sent_today = self.inbox_today = 0
        return placement, self.mean

    def metrics(self) -> dict[str, float]:
        """The arm's deliverability at the horizon (after its last :meth:`end_day`)."""
        self.settle()
        return {
            "emails": self.sent,
            "emails_in_inbox": self.inbox,
            "emails_bounced": self.bounced,
            "inbox_placement_rate": self.inbox / self.sent if self.sent else math.nan,
            "spam_complaints": self.complaints,
            "complaint_rate": self.complaints / self.inbox if self.inbox else math.nan,
            "final_reputation": float(self.reputation.mean()),
            "mailbox_capped_days": self.capped_days,
        }


class SendingPlan(Protocol):
    """What :func:`arm_mailboxes` reads of a compiled cadence (:class:`sim.model.strategy.Plan`)."""

    @property
    def uses_preferred(self) -> bool:
        """Some step goes to each prospect's preferred channel."""

    @property
    def channel(self) -> IntArray:
        """Each slot's channel."""

    @property
    def message(self) -> IntArray:
        """Each slot's message kind."""

    @property
    def n_slots(self) -> int:
        """Slots of the cadence."""

    @property
    def vary_messages(self) -> bool:
        """Each slot has its own words."""

    @property
    def personalization(self) -> str:
        """low, medium or high."""


class BadShare(Protocol):
    """The population config's share of addresses that bounce."""

    @property
    def bad_address_share(self) -> float:
        """Share of addresses that bounce."""


def arm_mailboxes(
    plan: SendingPlan, reps: RepsConfig, cfg: ModelConfig, key: np.uint64, n: int, pop: BadShare
) -> tuple[bool, Mailboxes]:
    """Whether an arm's emails go through mailboxes, and its mailboxes (kept either way).

    The mailboxes run where deliverability is on (``model.deliverability``) and the cadence
    sends email; who of the ``n`` prospects bounces matters only there. A slot's words: its own
    where messages vary, else its message kind's (identical content, 2.17).
    """
    emails = bool(cfg.deliverability) and (
        plan.uses_preferred or bool((plan.channel == EMAIL).any())
    )
    bad = bad_addresses(key, n if emails else 0, pop.bad_address_share)
    text = np.arange(plan.n_slots) if plan.vary_messages else plan.message.astype(np.intp)
    template = float(getattr(reps.template_share, plan.personalization))
    return emails, Mailboxes(reps, cfg, bad, text, template)
