"""Response functions: pure, vectorised maps from prospect state to probabilities and new state.

Arrays in, arrays out: no SimPy, no random numbers. The engine samples from these probabilities
with an explicit generator. Each function's equation and source are in ``docs/model.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sim.model.arrays import B
from sim.model.arrays import Floats as Array

ArrayLike = Array | float
#: A term that is on or off per touch (a wrong name, a voicemail, in market), or a share of one.
Flags = ArrayLike | B


def expit(x: ArrayLike) -> Array:
    """The logistic function ``σ(x) = 1 / (1 + e^-x)``, as ``(1 + tanh(x / 2)) / 2``.

    The tanh form never overflows. NumPy's own, so the simulation needs no SciPy import (~25 MB
    of memory in every worker; docs/performance.md).
    """
    return np.asarray(0.5 + 0.5 * np.tanh(0.5 * np.asarray(x, dtype=np.float64)))


def logit(p: ArrayLike) -> Array:
    """The inverse of :func:`expit`: ``ln(p / (1 - p))``."""
    q = np.asarray(p, dtype=np.float64)
    return np.asarray(np.log(q) - np.log1p(-q))


def decay(value: ArrayLike, dt: ArrayLike, half_life: float) -> Array:
    """Exponential decay toward zero: ``value * 2 ** (-dt / half_life)``."""
    return np.asarray(value * np.exp2(-np.asarray(dt) / half_life))


def relax(value: ArrayLike, base: ArrayLike, dt: ArrayLike, half_life: float) -> Array:
    """Exponential return toward a baseline: ``base + (value - base) * 2 ** (-dt / half_life)``.

    Warmth drifts back to the prospect's pre-existing relationship level (seeds 001, 002).
    """
    return np.asarray(base + (value - base) * np.exp2(-np.asarray(dt) / half_life))


def need_probability(
    in_market: npt.NDArray[np.bool_], dt: ArrayLike, mean_in_days: float, mean_out_days: float
) -> Array:
    """Probability of being in market after ``dt`` days, given the state now (seed 004 comment).

    Need is a two-state continuous-time Markov chain with onset rate ``1/mean_out_days`` and
    offset rate ``1/mean_in_days``; the transition probability has the closed form
    ``pi + (x - pi) * exp(-(on + off) * dt)`` with ``pi`` the stationary share and ``x`` the
    current state (1 or 0). "What they required yesterday may not be on the radar today."
    """
    onset, offset = 1.0 / mean_out_days, 1.0 / mean_in_days
    pi = onset / (onset + offset)
    return np.asarray(pi + (in_market - pi) * np.exp(-(onset + offset) * np.asarray(dt)))


def attention(load: ArrayLike, half_load: ArrayLike) -> Array:
    """Share of attention one touch gets among ``load`` competing messages: ``1 / (1 + L / L50)``.

    Seed 004: a message must stand out "from the 40+ voice mails, 100+ emails they get each day".
    """
    return np.asarray(1.0 / (1.0 + np.asarray(load) / half_load))


def notice_probability(
    affinity: ArrayLike,
    salience: ArrayLike,
    load: ArrayLike,
    half_load: ArrayLike,
    familiarity: ArrayLike,
    warmth: ArrayLike,
    notice_familiarity: float,
    notice_warmth: float,
    attentiveness: ArrayLike = 1.0,
) -> Array:
    """Probability that a delivered touch is noticed at all.

    ``affinity * (1 - exp(-salience * r * (1 + kf * F + kw * W) * attention(L)))``: the channel
    must be one the prospect attends to (seeds 003, 004), the name must stand out (seed 002:
    familiarity), and attention falls as load rises (seed 004). ``r`` is the prospect's own
    attentiveness (:func:`attentiveness`; 1 for everyone when the frailty stays out of notice).
    """
    intensity = (
        np.asarray(salience)
        * np.asarray(attentiveness)
        * (1.0 + notice_familiarity * np.asarray(familiarity) + notice_warmth * np.asarray(warmth))
        * attention(load, half_load)
    )
    return np.asarray(affinity * -np.expm1(-intensity))


def attentiveness(z: ArrayLike, sd: float) -> Array:
    """A prospect's notice multiplier from its responsiveness score: ``exp(sd z - sd^2 / 2)``.

    Lognormal with mean one, so ``sd`` spreads attention across prospects without moving its
    average: the prospect who reads its cold email is the one who answers it (2.14).
    """
    return np.asarray(np.exp(sd * np.asarray(z, dtype=np.float64) - 0.5 * sd * sd))


def answer_probability(
    familiarity: ArrayLike,
    warmth: ArrayLike,
    base: float,
    per_familiarity: float,
    per_warmth: float,
    screening: ArrayLike = 0.0,
) -> Array:
    """Probability a dial is answered live: ``expit(logit(base) + bf * F + bw * W + s)``.

    A known name is picked up more often than a stranger's (seed 002); ``s`` is the call
    screening a number learns from its earlier voicemails (``s = bv * voicemails left``, Gong x
    30MPC 2024: connect rates fall after a voicemail).
    """
    return np.asarray(
        expit(
            logit(base)
            + per_familiarity * np.asarray(familiarity)
            + per_warmth * warmth
            + np.asarray(screening)
        )
    )


@dataclass(frozen=True)
class ReplyWeights:
    """How each term moves the log-odds of a positive reply, a "no" and an opt-out (2.5-2.9).

    The engine takes them from the model's config (:func:`sim.model.touch.reply_weights`); the fit
    (sim.fit.likelihood) replaces the ones it estimates.
    """

    response_warmth: float
    response_familiarity: float
    response_need: float
    response_annoyance: float
    habituation: float  # per noticed exposure to the same kind of message
    wearout: float  # per earlier touch on the same channel
    wrong_name: float
    callback_mismatch: float  # a voicemail whose call-back number is not the one dialled
    conversation_bonus: float  # a live conversation (an answered call)
    negative_base: float
    negative_annoyance: float
    negative_need: float
    negative_warmth: float
    optout_annoyance: float
    optout_warmth: float
    optout_familiarity: float
    optout_value: float


def reply_log_odds(
    wt: ReplyWeights,
    base: ArrayLike,
    value: ArrayLike,
    warmth: ArrayLike,
    familiarity: ArrayLike,
    need: Flags,
    annoyance: ArrayLike,
    exposures: ArrayLike,
    received: ArrayLike,
    wrong_name: Flags,
    voicemail: Flags,
    answered: Flags,
    frailty: ArrayLike,
) -> Array:
    """Log-odds of a positive reply to a noticed touch (2.5-2.9, 2.14).

    The channel's ``base`` and the message's ``value``, then warmth, familiarity, need and
    annoyance, habituation to the message kind (``exposures``) and wear-out of the channel
    (``received``), a wrong name, a voicemail with a mismatched call-back number, a live
    conversation, and the prospect's own responsiveness (``frailty``), added in that order.
    """
    return np.asarray(
        base
        + value
        + wt.response_warmth * warmth
        + wt.response_familiarity * familiarity
        + wt.response_need * need
        + wt.response_annoyance * annoyance
        + wt.habituation * exposures
        - wt.wearout * received
        + wt.wrong_name * wrong_name
        + wt.callback_mismatch * voicemail
        + wt.conversation_bonus * answered
        + frailty
    )


def negative_log_odds(
    wt: ReplyWeights,
    message: ArrayLike,
    warmth: ArrayLike,
    need: Flags,
    annoyance: ArrayLike,
    received: ArrayLike,
    frailty: ArrayLike,
) -> Array:
    """Log-odds of a "not interested" reply: the message kind's own, annoyance, need, warmth.

    The same responsiveness (``frailty``) and wear-out (``received``) as :func:`reply_log_odds`.
    """
    return np.asarray(
        wt.negative_base
        + message
        + wt.negative_annoyance * annoyance
        + wt.negative_need * need
        + wt.negative_warmth * warmth
        + frailty
        - wt.wearout * received
    )


def optout_log_odds(
    wt: ReplyWeights,
    base: ArrayLike,
    value: ArrayLike,
    warmth: ArrayLike,
    familiarity: ArrayLike,
    annoyance: ArrayLike,
) -> Array:
    """Log-odds of an opt-out: annoyance pushes; warmth, a known name, a useful message hold back.

    ``base``: the channel's; ``value``: the message's value, as in :func:`reply_log_odds`.
    """
    return np.asarray(
        base
        + wt.optout_annoyance * annoyance
        + wt.optout_warmth * warmth
        + wt.optout_familiarity * familiarity
        + wt.optout_value * value
    )


def outcome_probabilities(
    positive_logit: ArrayLike, negative_logit: ArrayLike, optout_logit: ArrayLike
) -> tuple[Array, Array, Array]:
    """Split a noticed touch into opt-out, positive reply and "not interested" (seeds 003, 004).

    Opt-out is decided first (an unsubscribe or "take me off your list"); then a positive reply;
    then, among those who did not reply positively, a negative one. Returns ``(P+, P-, Popt)``
    with ``P+ + P- + Popt <= 1``; the rest is silence.
    """
    p_opt = expit(optout_logit)
    p_pos = (1.0 - p_opt) * expit(positive_logit)
    p_neg = (1.0 - p_opt - p_pos) * expit(negative_logit)
    return np.asarray(p_pos), np.asarray(p_neg), np.asarray(p_opt)


def warmth_after_touch(
    warmth: ArrayLike, deposit: ArrayLike, annoyance: ArrayLike, per_annoyance: float
) -> Array:
    """Warmth after a noticed touch: a deposit closes part of the gap to 1, a withdrawal shrinks it.

    ``W' = W + d (1 - W)`` for a value-giving message (``d > 0``), ``W' = W (1 + d)`` for a
    self-serving one (``d < 0``), then ``W' * exp(-k * A)`` for the annoyance the touch carries
    (seed 002: "each message is a deposit in the relationship (or a withdraw)").
    """
    w = np.asarray(warmth, dtype=np.float64)
    d = np.asarray(deposit)
    moved = np.where(d >= 0, w + d * (1.0 - w), w * (1.0 + d))
    return np.asarray(np.clip(moved * np.exp(-per_annoyance * np.asarray(annoyance)), 0.0, 1.0))


def familiarity_after_touch(familiarity: ArrayLike, gain: ArrayLike) -> Array:
    """Familiarity after a touch that left the rep's name: ``F + g (1 - F)`` (seed 002)."""
    return np.asarray(familiarity + np.asarray(gain) * (1.0 - np.asarray(familiarity)))


def meeting_probability(
    warmth: ArrayLike, in_market: ArrayLike, base: float, per_warmth: float, per_need: float
) -> Array:
    """Probability a positive response becomes a meeting: ``expit(b0 + bw W + bn N)`` (seed 001)."""
    return np.asarray(expit(base + per_warmth * np.asarray(warmth) + per_need * in_market))


def reply_delay_quantile(u: ArrayLike, median_days: ArrayLike, log_sd: float) -> Array:
    """Reply delay in days at normal score ``u``: lognormal around a channel's median delay."""
    return np.asarray(np.asarray(median_days) * np.exp(log_sd * np.asarray(u)))
