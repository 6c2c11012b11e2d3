"""Live answers: run what the controls describe and put the result in words and a small table.

Nothing here knows about the web page: :func:`answer_for` takes a study and control values and
returns an :class:`Answer` (sentences, rows, one prospect's journey in words), so it is tested
without a browser and the page (:mod:`sim.workshop.page`) only lays it out. Answers are cached
by their inputs: a trainer moving a slider back and forth sees the same numbers at once.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass

from sim.report.journey import journeys_of, story, typical_prospect
from sim.report.lead import lead_line
from sim.report.study.journeys import treated_differently
from sim.report.study.words import QUESTIONS
from sim.report.verdict import (
    NOUNS,
    estimate,
    fmt,
    headline,
    hours_per_meeting,
    trade_offs,
)
from sim.run.api import simulate
from sim.run.journeys import follow_everyone
from sim.workshop.inputs import RefusedError, checked
from sim.workshop.scenarios import (
    LIVE_WORLD_REPLICATIONS,
    LIVE_WORLDS,
    OTHER,
    SCENARIOS,
    YOURS,
    build,
)


@dataclass(frozen=True)
class ArmRow:
    """One arm of the answer's table, every value already in words and numbers a room reads."""

    label: str
    replied: str
    meetings: str
    opted_out: str
    rep_hours: str
    hours_per_meeting: str


@dataclass(frozen=True)
class Story:
    """One prospect's journey in one arm, in sentences."""

    label: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Answer:
    """What the page shows for one setting of the controls."""

    headline: str
    trade_offs: str
    rows: tuple[ArmRow, ...]
    prospect: int
    how_picked: str
    stories: tuple[Story, ...]
    size: str  # what was simulated, e.g. "600 prospects per cadence, 4 repeats"
    worlds: int = 0  # plausible worlds the answer ran across (0: the model as configured)


def _interval(summary: object, arm: str, metric: str, kind: str) -> str:
    e = estimate(summary, arm, metric)  # type: ignore[arg-type]
    if math.isnan(e.low):
        return fmt(e.mean, kind)
    return f"{fmt(e.mean, kind)} ({fmt(e.low, kind)} to {fmt(e.high, kind)})"


def _key(values: Mapping[str, object]) -> tuple[tuple[str, object], ...]:
    return tuple(sorted(values.items()))


def answer_for(study: str, values: Mapping[str, object], worlds: int = 0) -> Answer:
    """Simulate ``study`` with the controls at ``values``; the answer in words (cached).

    ``worlds``: 0 runs the model as configured (intervals: replicate noise only); K runs the
    answer across the model's first K plausible worlds, one replicate each (docs/uncertainty.md).

    Every value is checked first (:func:`sim.workshop.inputs.checked`): the page's controls keep
    their values in range, but the websocket carries whatever a client sends.

    Raises:
        sim.workshop.inputs.RefusedError: the study is not on the page, or a value is not one its
            control can show (out of range, of the wrong kind, not a control of the study).
        sim.model.config.ConfigError: the run the values describe is not valid.
    """
    if worlds not in (0, LIVE_WORLDS):
        raise RefusedError(
            f"The answer runs across 0 or {LIVE_WORLDS} plausible worlds, not {worlds}."
        )
    name, merged = checked(study, values)
    return _answer(name, _key(merged), worlds)


@functools.lru_cache(maxsize=256)
def _answer(study: str, key: tuple[tuple[str, object], ...], worlds: int = 0) -> Answer:
    values = dict(key)
    scenario = SCENARIOS[study]
    if worlds:
        cfg = build(study, values, replications=LIVE_WORLD_REPLICATIONS, worlds=worlds)
    else:
        cfg = build(study, values)
    results = simulate(cfg)
    summary = results.summary
    labels = {name: (s.label or name) for name, s in cfg.strategy.items()}
    meetings_kind = "count" if scenario.metric == "meetings" else "pct"
    meetings_metric = "meetings" if meetings_kind == "count" else "meeting_rate"
    rows = tuple(
        ArmRow(
            label=labels[arm],
            replied=_interval(summary, arm, "response_rate", "pct"),
            meetings=_interval(summary, arm, meetings_metric, meetings_kind),
            opted_out=_interval(summary, arm, "opt_out_rate", "pct"),
            rep_hours=_interval(summary, arm, "rep_hours", "hours"),
            hours_per_meeting=(
                "no meeting"
                if math.isnan(hours_per_meeting(summary, arm))
                else f"{hours_per_meeting(summary, arm):.1f} h"
            ),
        )
        for arm in (YOURS, OTHER)
    )
    traced, prospects = follow_everyone(cfg, [YOURS, OTHER])
    # Among the prospects the two cadences treat differently, if any (channel match).
    prospect, how = typical_prospect(traced[YOURS], treated_differently(traced))
    stories = tuple(
        Story(label=j.label, lines=tuple(story(j)))
        for j in journeys_of(traced, prospects, prospect, cfg)
    )
    per_arm = f"{cfg.population.size:,} prospects" if study != "hook_volume" else "one rep"
    # The study's one line first (what its question asks about), as its report says it.
    line = lead_line(
        summary, YOURS, labels[YOURS], summary, OTHER, labels[OTHER], QUESTIONS[study].lead
    )
    return Answer(
        headline=" ".join(
            p for p in (line, headline(summary, YOURS, OTHER, labels, scenario.metric)) if p
        ),
        trade_offs=trade_offs(summary, YOURS, OTHER, labels),
        rows=rows,
        prospect=prospect,
        how_picked=f"Why prospect {prospect}: a typical prospect of your cadence. {how}.",
        stories=stories,
        size=f"{per_arm} per cadence, "
        + (f"{cfg.worlds} plausible worlds" if cfg.worlds else f"{cfg.replications} repeats"),
        worlds=cfg.worlds,
    )


def meetings_heading(study: str) -> str:
    """The table's meetings column: a share of prospects, or a count where lists differ."""
    _, kind = NOUNS[SCENARIOS[study].metric]
    return "meetings per run" if kind == "count" else "booked a meeting"
