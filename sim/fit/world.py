"""A world of prospects outside the engine: the model's own touch steps, driven by a fixed schedule.

The fit (:mod:`sim.fit.replay`) and the synthetic logs (:mod:`sim.fit.synthetic`) both touch
prospects at times they are given rather than by a rep's working day, so they build the
:class:`sim.model.touch.World` the engine's steps read here, once, in the same way.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from sim.model.batch import World
from sim.model.config import ModelConfig, PopulationConfig
from sim.model.draws import stream_key
from sim.model.model_arrays import ModelArrays
from sim.model.need import NeedTrack
from sim.model.population import (
    LOAD_GROUPS,
    Prospects,
    ProspectState,
    daily_load_shocks,
    sample_prospects,
)
from sim.model.strategy import Plan


def one_slot_plan(vary_messages: bool) -> Plan:
    """A plan of one slot that leaves a voicemail when a call is not answered.

    The replay reads the channel and message of each touch from the log; the plan only says
    that an unanswered call leaves a voicemail (what cadences do by default) and whether messages
    vary (which habituation coefficient applies, docs/model.md 2.6).
    """
    one = np.zeros(1, np.int16)
    return Plan(
        name="log",
        label="touch log",
        day=np.zeros(1),
        first_slot=one,
        variant_col=np.full(1, -1, np.int16),
        variant_cum=(),
        channel=np.zeros(1, np.int8),
        message=np.zeros(1, np.int8),
        voicemail=np.ones(1, np.bool_),
        variant_code=one,
        slot_step=one,
        variant_names=("",),
        vary_messages=vary_messages,
        stop_positive=True,
        stop_negative=True,
        stop_opt_out=True,
        cooldown_after=0,
        cooldown_pause=0.0,
        cooldown_cycles=0,
        list_multiplier=1.0,
        personalization="medium",
    )


def make_world(
    model: ModelConfig,
    population: PopulationConfig,
    plan: Plan,
    n: int,
    days: float,
    seed: int,
    wrong_name_rate: float = 0.0,
    callback_matches: bool = True,
    start: npt.NDArray[np.float64] | None = None,
) -> tuple[World, np.uint64]:
    """``n`` fresh prospects, their state, need and load shocks, under ``seed``; and the draw key.

    Streams follow :mod:`sim.model.seeding`'s idea: one root sequence, spawned into the population,
    the load shocks and the keyed draws, so nothing depends on how many draws another made.
    ``start``: each prospect's state starts then (:func:`start_days`), not at day 0; the load
    shocks then run to ``start + days``.
    """
    root = np.random.SeedSequence(seed)
    pop_seq, load_seq, key_seq = root.spawn(3)
    prospects: Prospects = sample_prospects(population, model, n, pop_seq)
    key = stream_key(key_seq)
    state = ProspectState.initial(prospects)  # every message kind and channel: a log may use any
    need = NeedTrack(
        key,
        prospects.need0,
        model.need_mean_in_market_days,
        model.need_mean_out_of_market_days,
        until=state.need_until,  # in the prospects' records, where the touch steps read it
        state=state.in_market,
    )
    if start is not None:
        state.t_state[:] = start  # warmth, familiarity, annoyance decay from there
        days += float(start.max(initial=0.0))
    shocks = daily_load_shocks(model, math.ceil(days) + 2, load_seq)
    msg_col, ch_col = state.columns()
    world = World(
        cfg=model,
        model=ModelArrays(model),
        prospects=prospects,
        state=state,
        plan=plan,
        need=need,
        shocks=shocks,
        outcome=np.zeros(n, np.int8),
        pending_at=np.full(n, np.inf),
        wrong_name_rate=wrong_name_rate,
        connector_warmth=population.connector_warmth,
        callback_matches=callback_matches,
        msg_col=msg_col,
        ch_col=ch_col,
    )
    return world, key


def start_days(n: int, seed: int) -> npt.NDArray[np.float64]:
    """Where each of ``n`` replayed prospects starts in the day-to-day load shocks: its own day.

    A replay of a log starts each prospect at its own first touch (docs/fitting.md, 2). Were
    every prospect's clock to start on the same day of the shock table, all prospects' k-th
    touches of a load group would share one day's shock on each hidden path: the simulation's
    errors would be alike for every prospect and would not average out over the log. The model's
    shocks are of calendar days, which a log's prospects share only when touched the same day;
    the fit treats prospects as independent, so each replayed prospect starts on a random whole
    day of a table long enough that prospects rarely share one (about one per day and load
    group). Drawn from a stream of its own under ``seed``, by replayed prospect, not from the
    log's dates: a prospect started later is replayed alike.
    """
    days = max(1, math.ceil(n / LOAD_GROUPS))
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(3,)))
    return rng.integers(0, days, n).astype(np.float64)


def padded(group: npt.NDArray[np.int64], n: int) -> tuple[npt.NDArray[np.intp], int]:
    """Each row's position within its group (rows sorted by group), and the largest group size."""
    if group.size == 0:
        return np.zeros(0, np.intp), 0
    starts = np.searchsorted(group, np.arange(n))
    pos = np.arange(group.size) - starts[group]
    return pos.astype(np.intp), int(pos.max()) + 1
