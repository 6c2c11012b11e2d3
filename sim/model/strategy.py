"""Strategies: a cadence (data, design section 4) compiled into arrays, and its interpreter.

A strategy is not a class of its own: it is a :class:`~sim.model.cadence.StrategyConfig` checked by
:func:`validate_strategy` and turned by :func:`compile_plan` into a :class:`Plan`, whose one verb,
:meth:`Plan.advance`, moves a batch of prospects to their next step.

The cadence language, in one place (the README's "Add a strategy" section shows it in use):

- ``steps``: ``{day, channel, message, voicemail, variants}`` in order of ``day``; ``day`` is
  counted from enrolment, fractions allowed. Each gap between steps is kept relative to the touch
  actually made, so a touch the rep's backlog delays delays the rest of the cadence.
- ``variants``: an A/B test of a step. Two or more ``{name, channel, message, voicemail,
  weight}``; a field left out keeps the step's value. Each prospect is assigned one variant per
  step, at random in proportion to ``weight`` (independently across steps, from a stream of
  the run's seed, never the global RNG); ``by_touch`` reports each variant in its ``variant`` column
  (``-`` for a step without variants).
- ``cooldown``: ``{after_unanswered: N, pause_days: P, cycles: C}``. After N touches since the
  last pause (a reply that stops the cadence ends it before), or when the steps run out, the
  cadence pauses P days, then goes on with the next step, or starts again from the first step if
  none is left; at most C pauses, after which the remaining steps run without pauses and the
  cadence ends with its last step (seed 004 #5: "cool down/heat up").
- ``business_days``: step days and cool-down pauses count working days (Monday to Friday; day 0
  of the simulation is a Monday), so a touch due over a weekend is due on Monday instead.
- ``max_touches_per_week``: at most this many touches per prospect per calendar week (Monday to
  Sunday); a touch over the cap waits for Monday.
- ``max_touches_per_rep_day``: at most this many touches per rep per working day (the team's
  pool is this times ``reps.count``); touches over the cap wait for the next working day.
- ``channel: preferred`` (on a step or a variant): each prospect is touched on its own
  preferred channel (``Prospects.preferred``, seed 004 #4: "What if that isn't their preferred
  communication venue?"). The compiled plan holds the sentinel :data:`PREFERRED_CODE`; the
  engine resolves it per prospect (:meth:`Plan.resolve_channel`), so cost, notice, response,
  ``by_touch`` and the touch log all see the channel actually used. ``voicemail`` applies to
  prospects whose preferred channel is the phone. A prospect who prefers ``referral`` is emailed
  instead: an introduction needs a connector and is the rep's move to make, not the prospect's.
- ``stop_on``: replies that end the cadence from the moment they arrive (``positive``,
  ``negative``, ``opt_out``); an opt-out always ends it. ``vary_messages``, ``list_multiplier``
  and ``personalization`` are read by the engine and the API (habituation, list size, rep
  minutes and name accuracy).
- ``stop_on_account_reply``: a reply (positive or "not interested") from any contact at the
  prospect's account ends the colleagues' cadences when it arrives, as HubSpot's "Unenroll
  contacts from the same company" sequence setting does (sim.model.accounts).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.arrays import F64, I8, I16, B, IntArray
from sim.model.cadence import NO_VARIANT, PREFERRED, StrategyConfig, validate_strategy
from sim.model.cadence import variant_names as step_variant_names
from sim.model.channels import CHANNEL_INDEX, EMAIL, N_CHANNELS, PHONE, REFERRAL
from sim.model.messages import MESSAGE_INDEX

#: ``channel: preferred``'s sentinel code in ``Plan.channel``: one past the last channel, so an
#: unresolved sentinel cannot index a channel array.
PREFERRED_CODE = N_CHANNELS
#: Where a prospect who prefers ``referral`` is reached by a ``preferred`` step.
REFERRAL_STAND_IN = EMAIL
#: Working days in a week and days in a week: day 0 of every run is a Monday.
WORKDAYS, WEEK = 5.0, 7.0


def business_time(t: F64) -> F64:
    """Working days elapsed by time ``t`` (days since a Monday 00:00); weekends do not count."""
    weeks = np.floor(t / WEEK)
    return np.asarray(weeks * WORKDAYS + np.minimum(t - weeks * WEEK, WORKDAYS), np.float64)


def calendar_time(b: F64) -> F64:
    """The earliest time by which ``b`` working days have elapsed (inverse of business_time).

    A whole number of working weeks maps to Monday 00:00, never to the weekend before it.
    """
    weeks = np.floor(b / WORKDAYS)
    return np.asarray(weeks * WEEK + (b - weeks * WORKDAYS), np.float64)


@dataclass(frozen=True)
class Plan:
    """A compiled cadence: per-step timing, per-slot content, and the rules between steps.

    A *slot* is what a touch sends: a step, or one variant of a step. Steps without variants
    have one slot; ``first_slot[step]`` is a step's first slot, so without variants slot and
    step coincide. ``channel``, ``message``, ``voicemail`` and ``variant_code`` are per slot;
    ``channel`` is :data:`PREFERRED_CODE` where the slot says ``channel: preferred``.
    """

    name: str
    label: str
    day: F64  # per step
    first_slot: I16  # per step
    variant_col: I16  # per step: column of the prospect's variant draws, -1 without variants
    variant_cum: tuple[F64, ...]  # per step with variants: cumulative shares of its variants
    channel: I8  # per slot
    message: I8  # per slot
    voicemail: B  # per slot
    variant_code: I16  # per slot: index into variant_names (0: no variant)
    slot_step: I16  # per slot: the step it belongs to
    variant_names: tuple[str, ...]
    vary_messages: bool
    stop_positive: bool
    stop_negative: bool
    stop_opt_out: bool
    cooldown_after: int  # 0: no cool-down
    cooldown_pause: float
    cooldown_cycles: int
    list_multiplier: float
    personalization: str
    business_days: bool = False
    max_per_week: int = 0  # 0: no cap
    max_per_rep_day: int = 0  # 0: no cap
    stop_account: bool = False  # a colleague's reply ends the cadence (stop_on_account_reply)

    @property
    def n_steps(self) -> int:
        """Number of steps in one pass of the cadence."""
        return int(self.day.shape[0])

    @property
    def n_slots(self) -> int:
        """Number of slots: steps plus the extra variants of A/B steps."""
        return int(self.channel.shape[0])

    @property
    def uses_preferred(self) -> bool:
        """Whether any slot says ``channel: preferred`` (resolved per prospect)."""
        return bool((self.channel == PREFERRED_CODE).any())

    @property
    def n_variant_steps(self) -> int:
        """Number of steps that carry A/B variants."""
        return len(self.variant_cum)

    @property
    def max_touches(self) -> int:
        """Most touches one prospect can receive: every step, once per cool-down cycle."""
        return self.n_steps * (self.cooldown_cycles + 1)

    def later(self, t: F64, days: F64 | float) -> F64:
        """The time ``days`` after ``t``, in calendar days or, for business days, working days."""
        if self.business_days:
            return calendar_time(business_time(t) + days)
        return np.asarray(t + days, np.float64)

    def first_due(self, enrolled_at: F64) -> F64:
        """When each prospect's first step is due."""
        return self.later(enrolled_at, float(self.day[0]))

    def assign_variants(self, n: int, rng: np.random.Generator) -> I8 | None:
        """Each prospect's variant at each A/B step, ``(n, n_variant_steps)``; None without any.

        Rows are drawn in prospect order, so prospect ``i`` gets the same variants however long
        the list is (a ``list_multiplier`` arm's head matches a shorter arm's list).
        """
        if not self.variant_cum:
            return None
        u = rng.random((n, len(self.variant_cum)))
        out = np.empty(u.shape, np.int8)
        for j, cum in enumerate(self.variant_cum):
            out[:, j] = np.searchsorted(cum, u[:, j], side="right")
        return out

    def slot(self, step: IntArray, variant_of: I8 | None, idx: IntArray) -> I16:
        """The slot each prospect ``idx`` at ``step`` is sent (its variant of the step)."""
        slot = self.first_slot[step]
        if variant_of is None:
            return slot
        col = self.variant_col[step]
        has = np.flatnonzero(col >= 0)
        if has.size:
            slot = slot.copy()
            slot[has] += variant_of[idx[has], col[has]]
        return slot

    def resolve_channel(self, slot: IntArray, preferred: I8) -> I8:
        """The channel each touch uses: the slot's, or for ``preferred`` the prospect's own.

        ``preferred`` is ``Prospects.preferred`` of the touched prospects, aligned with
        ``slot``; a preferred ``referral`` becomes :data:`REFERRAL_STAND_IN` (email).
        """
        ch = self.channel[slot]
        if not self.uses_preferred:
            return ch
        own = np.where(preferred == REFERRAL, REFERRAL_STAND_IN, preferred)
        return np.where(ch == PREFERRED_CODE, own, ch).astype(np.int8)

    def advance(self, step: I16, cycle: I8, in_cycle: I16, t: F64) -> tuple[I16, I8, I16, F64]:
        """Next step, cycle, touches in cycle and due time of prospects just touched at ``t``.

        Gaps between steps are kept relative to the touch actually made. After
        ``cooldown_after`` touches in a cycle, or at the end of the steps, a cool-down pauses
        for ``cooldown_pause`` days before the next step (or the first, if none is left), at
        most ``cooldown_cycles`` times (seed 004: "cool down/heat up"). A finished cadence has
        due time ``inf``.
        """
        last = self.n_steps - 1
        nxt = (step + 1).astype(np.int16)
        in_cycle = (in_cycle + 1).astype(np.int16)
        cycle = cycle.copy()
        finished = nxt > last
        gap = self.day[np.minimum(nxt, last)] - self.day[step]
        if self.cooldown_after > 0:
            cool = ((in_cycle >= self.cooldown_after) | finished) & (cycle < self.cooldown_cycles)
            nxt = np.where(cool & finished, 0, nxt).astype(np.int16)
            cycle = np.where(cool, cycle + 1, cycle).astype(np.int8)
            in_cycle = np.where(cool, 0, in_cycle).astype(np.int16)
            gap = np.where(cool, self.cooldown_pause, gap)
            finished = finished & ~cool
        due = np.where(finished, np.inf, self.later(t, gap))
        return nxt, cycle, in_cycle, due

    def cost_table(self, touch_minutes: F64, voicemail_minutes: float, factor: float) -> F64:
        """Rep minutes of a touch from each slot on each channel, ``(n_slots, N_CHANNELS)``.

        The channel's minutes scaled by personalization, plus the voicemail's minutes on the
        phone when the slot leaves one. Index it with the resolved channel of each touch.
        """
        vm = np.outer(self.voicemail, np.arange(N_CHANNELS) == PHONE) * voicemail_minutes
        return np.asarray(touch_minutes[None, :] * factor + vm, dtype=np.float64)

    def step_cost(self, touch_minutes: F64, voicemail_minutes: float, factor: float) -> F64:
        """Rep minutes each slot costs on its own channel.

        A ``preferred`` slot's cost depends on the prospect: NaN here, see :meth:`cost_table`.
        """
        table = self.cost_table(touch_minutes, voicemail_minutes, factor)
        fixed = self.channel != PREFERRED_CODE
        cost = np.full(self.n_slots, np.nan)
        cost[fixed] = table[np.flatnonzero(fixed), self.channel[fixed]]
        return cost


def compile_plan(name: str, s: StrategyConfig, *, checked: bool = False) -> Plan:
    """Validate a strategy (unless ``checked``) and turn it into the engine's arrays."""
    if not checked:
        validate_strategy(name, s)
    names = step_variant_names(s)
    variant_names = [NO_VARIANT]
    for step_names in names:
        variant_names += [v for v in step_names if v not in variant_names]
    code = {v: i for i, v in enumerate(variant_names)}
    channel: list[int] = []
    message: list[int] = []
    voicemail: list[bool] = []
    vcode: list[int] = []
    slot_step: list[int] = []
    first_slot: list[int] = []
    vcol: list[int] = []
    cums: list[F64] = []
    for k, step in enumerate(s.steps):
        first_slot.append(len(channel))
        vcol.append(len(cums) if step.variants else -1)
        if step.variants:
            weights = np.array([v.weight for v in step.variants], dtype=np.float64)
            # Cumulative shares without the last bound, so a draw in [0, 1) always lands.
            cums.append(np.cumsum(weights)[:-1] / weights.sum())
        for j, v in enumerate(step.variants or [None]):
            ch_name = v.channel if v and v.channel else step.channel
            channel.append(PREFERRED_CODE if ch_name == PREFERRED else CHANNEL_INDEX[ch_name])
            message.append(MESSAGE_INDEX[v.message if v and v.message else step.message])
            voicemail.append(step.voicemail if v is None or v.voicemail is None else v.voicemail)
            vcode.append(code[names[k][j]] if v else 0)
            slot_step.append(k)
    cd = s.cooldown
    return Plan(
        name=name,
        label=s.label or name,
        day=np.array([st.day for st in s.steps], dtype=np.float64),
        first_slot=np.array(first_slot, dtype=np.int16),
        variant_col=np.array(vcol, dtype=np.int16),
        variant_cum=tuple(cums),
        channel=np.array(channel, dtype=np.int8),
        message=np.array(message, dtype=np.int8),
        voicemail=np.array(voicemail, dtype=np.bool_),
        variant_code=np.array(vcode, dtype=np.int16),
        slot_step=np.array(slot_step, dtype=np.int16),
        variant_names=tuple(variant_names),
        vary_messages=s.vary_messages,
        stop_positive="positive" in s.stop_on,
        stop_negative="negative" in s.stop_on,
        stop_opt_out=True,  # an opt-out always ends contact: it is a legal stop, not a choice
        cooldown_after=cd.after_unanswered if cd else 0,
        cooldown_pause=cd.pause_days if cd else 0.0,
        cooldown_cycles=cd.cycles if cd else 0,
        list_multiplier=s.list_multiplier,
        personalization=s.personalization,
        business_days=s.business_days,
        max_per_week=s.max_touches_per_week or 0,
        max_per_rep_day=s.max_touches_per_rep_day or 0,
        stop_account=s.stop_on_account_reply,
    )
