"""The list as an asset: who is burned and until when, a second wave, and accounts' rules.

One :class:`Market` per arm keeps, per prospect, the time until which it is out of reach
(``blocked_until``): for good after an opt-out, for ``market.recontact_pause_days`` after a "not
interested" reply or after a touch that left its annoyance at ``market.burn_annoyance`` or above
(docs/model.md, 2.15). Within the wave where it happens, a burn changes nothing the existing
mechanisms do not already do (annoyance already drives opt-outs and replies); it is the memory
that outlasts annoyance's short half-life: who a later wave may enrol, and what is left of the
list at the horizon. With accounts (:mod:`sim.model.accounts`, docs/model.md 2.16), a colleague's
reply can end a cadence and an opt-out's annoyance spreads to colleagues.

Nothing here draws a random number: a run's other tables are the same with or without it.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import numpy as np
import numpy.typing as npt
import simpy

from sim.model import response as rf
from sim.model.accounts import I32, Accounts, spread_annoyance
from sim.model.arrays import F64, I64, B, Floats
from sim.model.books import Books
from sim.model.channels import EMAIL
from sim.model.market_config import AccountsConfig, MarketConfig
from sim.model.messages import MESSAGE_INDEX
from sim.model.model_arrays import ModelArrays
from sim.model.need import NeedTrack
from sim.model.population import Prospects, ProspectState
from sim.model.schedule import Schedule
from sim.model.state_means import StateMeans
from sim.model.touch import NEGATIVE, OPT_OUT, POSITIVE, reply_weights

#: The standard re-touch whose expected meetings measure what is left of a list: a benefit-led
#: email, the commonest first step of a cold sequence (docs/model.md, 2.15).
RETOUCH_CHANNEL = EMAIL
RETOUCH_MESSAGE = MESSAGE_INDEX["benefit_led"]
#: Prospects worked out at once at the horizon (bounds the temporaries, as the engine's batches).
SLICE = 1 << 16


def second_wave(
    env: simpy.Environment, day: float, start: Callable[[float], None]
) -> Generator[simpy.Event, Any, None]:
    """At ``day``, once the end-of-day replies due then are delivered, start the second wave."""
    yield env.timeout(day - env.now)
    yield env.timeout(0.0)  # after the inbox's event of the same time (scheduled before this one)
    start(env.now)


class Market:
    """One arm's market: burns, the re-contact pause, the second wave, accounts' rules."""

    def __init__(
        self,
        cfg: MarketConfig,
        accounts_cfg: AccountsConfig,
        account: I32 | None,
        parts: tuple[Prospects, ProspectState, StateMeans, NeedTrack, ModelArrays, Books, Schedule],
    ) -> None:
        """The market of an arm: its traits, state, running means, need, model, books, schedule.

        ``account``: each prospect's account (None: an account each, :mod:`sim.model.accounts`).
        """
        self.cfg = cfg
        self.prospects, self.state, self.means, self.need, self.model, self.books = parts[:6]
        self.schedule = parts[6]
        n = self.prospects.n
        self.accounts = Accounts(account, n)
        self.level = cfg.burn_annoyance
        self.pause = cfg.recontact_pause_days
        self.spread = accounts_cfg.optout_spread
        #: Out of reach before this time: an opt-out is for good (inf), a burn for the pause.
        self.blocked_until = np.zeros(n, np.float32)
        #: Enrolled in the second wave (None: no second wave, or not started yet).
        self.wave2: B | None = None

    # --- events of the run ----------------------------------------------------------------

    def touched(self, who: I64, t: F64, annoyance: Floats) -> None:
        """Touches of ``who`` at ``t`` left ``annoyance``: at the burn level, a burn."""
        hit = np.flatnonzero(annoyance >= self.level)
        if hit.size:
            self.block(who[hit], t[hit] + self.pause)

    def block(self, who: I64, until: F64 | float) -> None:
        """``who`` are out of reach until ``until`` at least."""
        self.blocked_until[who] = np.maximum(self.blocked_until[who], until)

    def delivered(self, ready: I64, kind: npt.NDArray[np.int8], arrival: F64, now: float) -> None:
        """Replies of ``ready`` (``kind``, arrived at ``arrival``) delivered at ``now``.

        A "no" blocks the prospect for the pause from its arrival, an opt-out for good (and
        spreads its annoyance to colleagues, at ``now``: after every touch of the day).
        """
        no = kind == NEGATIVE
        if no.any():
            self.block(ready[no], arrival[no] + self.pause)
        opted = ready[kind == OPT_OUT]
        if opted.size:
            self.block(opted, np.inf)
            if not self.accounts.single and self.spread > 0.0:
                self.spread_optouts(opted, now)

    def colleagues_stop(self, who: I64, kind: npt.NDArray[np.int8], arrival: F64) -> None:
        """A reply (positive or "no") of ``who`` ends their colleagues' cadences at its arrival."""
        replied = (kind == POSITIVE) | (kind == NEGATIVE)
        members, at = self.accounts.colleagues(who[replied], arrival[replied])
        if members.size:
            self.schedule.stop(members, at)

    def spread_optouts(self, opted: I64, now: float) -> None:
        """Colleagues of ``opted`` take on a share of each one's annoyance at ``now`` (2.16)."""
        cfg = self.model.cfg
        st = self.state
        own = rf.decay(st.annoyance[opted], now - st.t_state[opted], cfg.annoyance_half_life_days)
        who, added = spread_annoyance(
            self.accounts, opted, np.asarray(own, np.float64), self.spread
        )
        if who.size == 0:
            return
        annoyance = self.rebase(who, now, added)
        burned = annoyance >= self.level
        if burned.any():
            self.block(who[burned], now + self.pause)

    def rebase(self, who: I64, now: float, added: F64) -> F64:
        """Bring ``who``'s state to ``now`` (lazy decay, as a touch does), add ``added`` annoyance.

        The running means lose the prospects' old terms and gain the new ones (StateMeans).
        Returns their annoyance at ``now``, after the addition.
        """
        cfg, st, base = self.model.cfg, self.state, self.prospects.warmth_base[who]
        t_state = st.t_state[who]
        warmth, familiarity, annoyance = st.warmth[who], st.familiarity[who], st.annoyance[who]
        removed = self.means.products(t_state, warmth - base, familiarity, annoyance)
        dt = now - t_state
        w = rf.relax(warmth, base, dt, cfg.warmth_half_life_days).astype(np.float32)
        f = rf.decay(familiarity, dt, cfg.familiarity_half_life_days).astype(np.float32)
        a64 = rf.decay(annoyance, dt, cfg.annoyance_half_life_days) + added
        a = a64.astype(np.float32)
        kinds = len(st.count_messages)  # exposures, then touches received (2.6)
        recover = np.exp2(-dt / cfg.habituation_recovery_days)
        st.counts[who, :kinds] = (st.counts[who, :kinds] * recover[:, None]).astype(np.float32)
        recover = np.exp2(-dt / cfg.wearout_recovery_days)
        st.counts[who, kinds:] = (st.counts[who, kinds:] * recover[:, None]).astype(np.float32)
        st.warmth[who], st.familiarity[who], st.annoyance[who] = w, f, a
        st.t_state[who] = now
        times = np.full(who.size, now)
        added_terms = self.means.products(times, w - base, f, a, t0=max(self.means.t0, now))
        self.means.replace(np.asarray(removed), np.asarray(added_terms), now)
        return np.asarray(a64)

    def start_wave(self, now: float) -> None:
        """The second wave: every cadence ends; the prospects still within reach start again.

        Within reach: not blocked, without a positive reply (already engaged) and without a reply
        in flight. Each starts the arm's cadence from its first step, its enrolment day after
        ``now`` (the same offset as in the first wave).
        """
        ok = self.reachable(now) & ~np.isfinite(self.books.pending_at)
        who = np.flatnonzero(ok)
        self.schedule.restart(who, now + self.prospects.enrolled_at[who])
        self.wave2 = ok

    # --- what is left at the horizon ---------------------------------------------------

    def reachable(self, t: float) -> B:
        """Neither blocked at ``t`` nor engaged already (a positive reply): the list still open."""
        return np.asarray((self.blocked_until <= t) & (self.books.outcome != POSITIVE))

    def results(
        self, horizon: float, arrival: Callable[[I64], F64] | None = None
    ) -> dict[str, float]:
        """The market's metrics at ``horizon``: what the list has left, the second wave's share.

        ``arrival``: each prospect's chance a re-touch email reaches the inbox (deliverability on,
        :meth:`sim.model.deliverability.Mailboxes.arrival`); None: every email arrives.
        """
        books = self.books
        open_ = self.reachable(horizon)
        # Engaged (a positive reply), burned or reachable: each prospect is one of the three.
        burned = int(np.count_nonzero((self.blocked_until > horizon) & (books.outcome != POSITIVE)))
        wave = self.wave2
        return {
            "prospects_reachable": int(np.count_nonzero(open_)),
            "prospects_burned": burned,
            "expected_future_meetings": self.expected_meetings(
                np.flatnonzero(open_), horizon, arrival
            ),
            "second_wave_prospects": 0 if wave is None else int(np.count_nonzero(wave)),
            "second_wave_responses": (
                0 if wave is None else int(np.count_nonzero(wave & (books.outcome == POSITIVE)))
            ),
            "second_wave_meetings": 0 if wave is None else int(np.count_nonzero(wave & books.met)),
            **self.accounts.results(books.outcome == POSITIVE, books.met),
        }

    def expected_meetings(
        self, who: I64, now: float, arrival: Callable[[I64], F64] | None = None
    ) -> float:
        """Meetings one standard re-touch at ``now`` would book, expected, summed over ``who``.

        Per prospect: ``P_notice · P+ · P_meet`` of a benefit-led email, with the state decayed
        to ``now``, the prospect's usual load (the daily shock at its mean, one) and need at its
        expected value given the trajectory so far (:func:`sim.model.response.need_probability`).
        Whoever never replies (2.14) or said no (2.7) books nothing, however the touch is made:
        only the others are worked out.
        """
        can = self.prospects.reachable[who] & (self.books.outcome[who] != NEGATIVE)
        who = who[can]
        total = 0.0
        for lo in range(0, who.size, SLICE):
            part = who[lo : lo + SLICE]
            # An email the spam folder takes is not noticed (2.17): only those that arrive count.
            arrive = 1.0 if arrival is None else arrival(part)
            total += self._expected(part, now, arrive)
        return total

    def _expected(self, idx: I64, now: float, arrive: F64 | float = 1.0) -> float:
        """:meth:`expected_meetings` of one slice of prospects."""
        m, cfg, p, st = self.model, self.model.cfg, self.prospects, self.state
        ch, msg = RETOUCH_CHANNEL, RETOUCH_MESSAGE
        dt = now - st.t_state[idx]
        w = rf.relax(st.warmth[idx], p.warmth_base[idx], dt, cfg.warmth_half_life_days)
        f = rf.decay(st.familiarity[idx], dt, cfg.familiarity_half_life_days)
        a = rf.decay(st.annoyance[idx], dt, cfg.annoyance_half_life_days)
        recover = np.exp2(-dt / cfg.habituation_recovery_days)
        tedium_recover = np.exp2(-dt / cfg.wearout_recovery_days)
        msg_col, ch_col = st.columns()
        exposures = st.counts[idx, msg_col[msg]] * recover if msg_col[msg] >= 0 else 0.0
        received = st.counts[idx, ch_col[ch]] * tedium_recover if ch_col[ch] >= 0 else 0.0
        p_notice = rf.notice_probability(
            p.affinity[idx, ch],
            m.salience[ch],
            m.load[ch] * p.busyness[idx],
            m.half_load[ch],
            f,
            w,
            cfg.notice_familiarity,
            cfg.notice_warmth,
            rf.attentiveness(p.responsiveness[idx], cfg.notice_responsiveness),
        )
        wt = reply_weights(cfg, vary_messages=True, callback_matches=True)
        frailty = cfg.responsiveness_sd * p.responsiveness[idx]
        value = m.message_value[msg]
        opt = rf.optout_log_odds(wt, m.optout_base[ch], value, w, f, a)

        def booked(need: float) -> F64:
            """``P+ · P_meet`` of a noticed re-touch, in market (1) or not (0)."""
            x_pos = rf.reply_log_odds(
                wt, m.response_base[ch], value, w, f, need, a, exposures, received,
                False, False, False, frailty,
            )  # fmt: skip
            x_neg = rf.negative_log_odds(wt, m.negative_message[msg], w, need, a, received, frailty)
            p_meet = rf.meeting_probability(
                w, need, cfg.meeting_base, cfg.meeting_warmth, cfg.meeting_need
            )
            return np.asarray(rf.outcome_probabilities(x_pos, x_neg, opt)[0] * p_meet)

        in_market = self.in_market(idx, now)
        meetings = in_market * booked(1.0) + (1.0 - in_market) * booked(0.0)
        return float(np.sum(arrive * p_notice * meetings))

    def in_market(self, idx: I64, now: float) -> F64:
        """Probability each of ``idx`` is in market at ``now``, given its need trajectory so far.

        The current episode's state holds until its end (``until``); after it, the chain's closed
        form from the opposite state. No draw: the track is not advanced.
        """
        cfg = self.model.cfg
        state, until = self.need.state[idx], self.need.until[idx]
        later = rf.need_probability(
            ~state,
            np.maximum(now - until, 0.0),
            cfg.need_mean_in_market_days,
            cfg.need_mean_out_of_market_days,
        )
        return np.asarray(np.where(until > now, state.astype(np.float64), later))
