"""Synthetic touch logs: a cadence run through the model's touch steps at known parameters.

The recovery tests and the shipped example fit logs made here, where the truth is known. Every
prospect follows the cadence's steps from its enrolment day, on the day each step says (a second
step on the same day an hour later), with no rep capacity: each touch is made when due. A touch
runs :data:`sim.model.touch.PIPELINE`, the engine's own steps; a decided reply arrives after its
delay and, by the cadence's stop rules, ends the cadence for touches due after it arrives. The
outcome is written on the touch that decided it, with its arrival time, as sales-engagement
platforms thread a reply to the message it answers. A positive reply becomes a meeting with the
model's meeting chance (2.10), at the warmth it arrives to and the need at the deciding touch.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from sim.fit.world import make_world
from sim.model import response as rf
from sim.model.batch import Touch, World
from sim.model.cadence import StepConfig, StrategyConfig
from sim.model.channels import CHANNELS
from sim.model.config import ModelConfig, PopulationConfig
from sim.model.draws import Purpose, counters, uniform
from sim.model.messages import MESSAGES
from sim.model.schedule import WORK_START
from sim.model.strategy import Plan, compile_plan
from sim.model.touch import NEGATIVE, NONE, OPT_OUT, PIPELINE, POSITIVE

#: The first day of every synthetic log.
START = pd.Timestamp("2026-01-05T00:00:00Z")
_TEXT = {POSITIVE: "positive", NEGATIVE: "negative", OPT_OUT: "opt_out"}


def simulate_log(
    model: ModelConfig,
    population: PopulationConfig,
    plan: Plan,
    n: int,
    seed: int,
    wrong_name_rate: float = 0.0,
    dispositions: bool = False,
) -> pd.DataFrame:
    """A touch log of ``n`` prospects on ``plan`` under ``model``, in the canonical columns.

    ``dispositions``: with each call's ``disposition``, as a dialler logs it (:func:`_disposition`).
    """
    days, hour = plan.day, _hours(plan.day)
    horizon = float(days.max() + 60.0 + 30.0)  # the enrolment spread, the last reply's delay
    world, key = make_world(model, population, plan, n, horizon, seed, wrong_name_rate)
    p = world.prospects
    enrolled = p.enrolled_at
    pending_kind, stopped = np.zeros(n, np.int8), np.zeros(n, np.bool_)
    parts: list[dict[str, npt.NDArray[np.generic]]] = []
    for k in range(days.size):
        t_all = np.asarray(enrolled + days[k] + WORK_START + hour[k], np.float64)
        _deliver(world.outcome, world.pending_at, pending_kind, stopped, plan, t_all)
        idx = np.flatnonzero(~stopped)
        if idx.size == 0:
            break
        slot = np.full(idx.size, plan.first_slot[k], np.int16)
        ch = plan.resolve_channel(slot, p.preferred[idx]).astype(np.intp)
        b = Touch(
            idx=idx,
            t=t_all[idx],
            counter=counters(key, idx, k + 1),
            slot=slot,
            ch=ch,
            msg=plan.message[slot].astype(np.intp),
        )
        for step in PIPELINE:
            step(world, b)
        decided = b.kind != NONE
        who = idx[decided]
        arrival = b.t[decided] + b.delay[decided]
        world.pending_at[who] = arrival
        pending_kind[who] = b.kind[decided]
        text = _outcome_text(world, b, key)
        out_t = np.full(idx.size, np.nan)
        out_t[decided] = arrival
        parts.append(
            {
                "prospect": idx,
                "t": b.t,
                "channel": ch,
                "message": b.msg,
                "outcome": text,
                "outcome_t": out_t,
                "step": np.full(idx.size, k + 1),
                "disposition": _disposition(b, ch),
            }
        )
    frame = _frame(parts, n)
    return frame if dispositions else frame.drop(columns="disposition")


def _hours(days: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Each step's hour offset (in days): steps on the same day go an hour apart."""
    hour = np.zeros(days.size)
    for k in range(1, days.size):
        hour[k] = hour[k - 1] + 1.0 / 24.0 if days[k] == days[k - 1] else 0.0
    return hour


def _disposition(b: Touch, ch: npt.NDArray[np.intp]) -> npt.NDArray[np.object_]:
    """What came of each call: connected, voicemail or no_answer ('' for the other touches)."""
    out = np.full(ch.size, "", dtype=object)
    phone = ch == CHANNELS.index("phone")
    out[phone] = "no_answer"
    out[phone & b.voicemail] = "voicemail"
    out[phone & b.answered] = "connected"
    return out


def _outcome_text(world: World, b: Touch, key: np.uint64) -> npt.NDArray[np.object_]:
    """Each touch's outcome as the log writes it ("meeting": a positive reply that became one)."""
    p, cfg, idx = world.prospects, world.cfg, b.idx
    text = np.full(idx.size, "", dtype=object)
    for code, name in _TEXT.items():
        text[b.kind == code] = name
    positive = np.flatnonzero(b.kind == POSITIVE)
    if positive.size:
        i = idx[positive]
        st = world.state
        warmth = rf.relax(
            st.warmth[i], p.warmth_base[i], b.delay[positive], cfg.warmth_half_life_days
        )
        p_meet = rf.meeting_probability(
            warmth,
            b.need[positive].astype(np.float64),
            cfg.meeting_base,
            cfg.meeting_warmth,
            cfg.meeting_need,
        )
        met = uniform(counters(key, i, 0), Purpose.MEETING) < p_meet
        text[positive[met]] = "meeting"
    return text


def _frame(parts: list[dict[str, npt.NDArray[np.generic]]], n: int) -> pd.DataFrame:
    """The log's rows from each step's ``parts``, by prospect and time, in the canonical columns."""
    cols = {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}
    order = np.lexsort((cols["t"], cols["prospect"]))
    cols = {name: values[order] for name, values in cols.items()}
    width = len(str(n))
    outcome_at = _stamp(cols["outcome_t"])
    return pd.DataFrame(
        {
            "prospect_id": [f"p{i:0{width}d}" for i in cols["prospect"]],
            "touched_at": _stamp(cols["t"]),
            "channel": np.asarray(CHANNELS)[cols["channel"]],
            "message": np.asarray(MESSAGES)[cols["message"]],
            "outcome": cols["outcome"].astype(str),
            "outcome_at": outcome_at,
            "step": cols["step"],
            "disposition": cols["disposition"].astype(str),
        }
    )


def _deliver(
    outcome: npt.NDArray[np.int8],
    pending_at: npt.NDArray[np.floating[Any]],
    pending_kind: npt.NDArray[np.int8],
    stopped: npt.NDArray[np.bool_],
    plan: Plan,
    t: npt.NDArray[np.float64],
) -> None:
    """Deliver the replies that arrived by each prospect's next due time; apply the stop rules."""
    ready = np.flatnonzero(pending_at <= t)
    kind = pending_kind[ready]
    outcome[ready] = kind
    pending_at[ready] = np.inf
    stops = (
        (kind == OPT_OUT)
        | ((kind == POSITIVE) & plan.stop_positive)
        | ((kind == NEGATIVE) & plan.stop_negative)
    )
    stopped[ready[stops]] = True


def _stamp(days: npt.NDArray[np.float64]) -> list[str]:
    """ISO 8601 text (UTC, to the second) of times in days after :data:`START`; '' for nan."""
    ok = np.isfinite(days)
    seconds = np.round(np.where(ok, days, 0.0) * 86400.0).astype(np.int64)
    stamps = (START + pd.to_timedelta(seconds, unit="s")).strftime("%Y-%m-%dT%H:%M:%SZ")
    return [s if good else "" for s, good in zip(stamps, ok, strict=True)]


def calls_plan(calls: int, gaps: tuple[float, ...] = (1.0, 2.0, 3.0, 5.0)) -> Plan:
    """A telemarketing cadence: ``calls`` calls of one message kind, the ``gaps`` (days) in turn."""
    days = np.concatenate([[0.0], np.cumsum(np.resize(np.asarray(gaps), calls - 1))])
    steps = [StepConfig(day=float(d), channel="phone", message="benefit_led") for d in days]
    return compile_plan("calls", StrategyConfig(label="calls", steps=steps, vary_messages=False))


def cut_histories(frame: pd.DataFrame, touches: npt.NDArray[np.int64]) -> pd.DataFrame:
    """A log of :func:`simulate_log` with each prospect cut after its first ``touches[i]``.

    A campaign that called some people once and some sixty times. The model's state at a touch
    depends only on the touches before it, so this is the log of each prospect's shorter
    cadence (a reply still ends it where it came first).
    """
    who = frame["prospect_id"].str[1:].astype(int).to_numpy()
    return frame[frame["step"].to_numpy() <= touches[who]].reset_index(drop=True)
