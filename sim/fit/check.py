"""Observed against simulated: the log's touches replayed with outcomes drawn from a model.

The report's check of a fit (and of the defaults): every prospect of the log gets the touches
the log shows, at its times, on its channels, with its messages, but its outcomes are drawn by
the model's own touch steps (:data:`sim.model.touch.PIPELINE`); a simulated reply ends the
prospect's touches once it arrives. Step by step, the simulated reply and opt-out rates per touch
are then compared with the observed ones. A prospect whose real cadence ended early (it replied) has
no later touches to replay; that selection does not depend on the simulated draws, so the
per-step rates of the two stay comparable.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sim.fit.replay import NEGATIVE, NONE, OPT_OUT, POSITIVE, FitLog
from sim.fit.world import make_world, one_slot_plan, start_days
from sim.model.arrays import I8
from sim.model.batch import Touch
from sim.model.config import ModelConfig, PopulationConfig
from sim.model.draws import counters
from sim.model.touch import PIPELINE


@dataclass(frozen=True)
class StepRates:
    """Per touch number (from 1): touches, and reply and opt-out rates per touch."""

    touches: npt.NDArray[np.int64]
    reply_rate: npt.NDArray[np.float64]  # positive or "no" replies decided at the touch
    positive_rate: npt.NDArray[np.float64]
    opt_out_rate: npt.NDArray[np.float64]


def simulated_outcomes(
    log: FitLog,
    model: ModelConfig,
    population: PopulationConfig,
    seed: int,
    wrong_name_rate: float = 0.0,
) -> tuple[I8, npt.NDArray[np.bool_]]:
    """Per row of ``log``: the outcome the model drew, and whether the touch was made at all."""
    n, K = log.n, log.K
    start = start_days(n, seed)  # each prospect's own first day in the load shocks
    world, key = make_world(
        model,
        population,
        one_slot_plan(log.vary_messages),
        n,
        log.span_days + 1.0,
        seed,
        wrong_name_rate,
        start=start,
    )
    y = np.zeros(log.prospect.size, np.int8)
    made = np.zeros(log.prospect.size, np.bool_)
    stop_at = np.full(n, np.inf)
    own = start[log.prospect] + log.since_first  # each prospect's state: from its first touch
    pending_kind = np.zeros(n, np.int8)
    for k in range(K):
        rows = np.flatnonzero(log.pos == k)
        idx = log.prospect[rows]
        t = own[rows]
        # Deliver replies that arrived before this touch; they end the prospect's touches.
        arrived = world.pending_at[idx] <= t
        who = idx[arrived]
        world.outcome[who] = pending_kind[who]
        world.pending_at[who] = np.inf
        go = t < stop_at[idx]
        rows, idx, t = rows[go], idx[go], t[go]
        if rows.size == 0:
            continue
        b = Touch(
            idx=idx,
            t=t,
            counter=counters(key, idx, k + 1),
            slot=np.zeros(idx.size, np.int16),
            ch=log.channel[rows],
            msg=log.message[rows],
        )
        for step in PIPELINE:
            step(world, b)
        made[rows] = True
        y[rows] = b.kind
        new = b.kind != NONE
        arrival = b.t[new] + b.delay[new]
        world.pending_at[idx[new]] = arrival
        pending_kind[idx[new]] = b.kind[new]
        stop_at[idx[new]] = np.minimum(stop_at[idx[new]], arrival)
    return y, made


def step_rates(log: FitLog, y: I8, made: npt.NDArray[np.bool_]) -> StepRates:
    """Per-touch-number rates of the touches ``made`` with outcomes ``y``."""
    k = log.pos[made]
    yk = y[made]
    size = log.K
    touches = np.bincount(k, minlength=size)
    denom = np.maximum(touches, 1)

    def rate(mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.float64]:
        return np.asarray(np.bincount(k[mask], minlength=size) / denom)

    return StepRates(
        touches=touches.astype(np.int64),
        reply_rate=rate((yk == POSITIVE) | (yk == NEGATIVE)),
        positive_rate=rate(yk == POSITIVE),
        opt_out_rate=rate(yk == OPT_OUT),
    )
