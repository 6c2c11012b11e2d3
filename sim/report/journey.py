"""A prospect's journey: one prospect followed touch by touch through strategies, as a figure.

The engine records every touch to a traced prospect (:class:`sim.model.engine.ArmRun` ``trace``):
when it came, on which channel, whether it was noticed, the state right after. Between touches the
state follows the same closed-form decays the engine applies lazily (:mod:`sim.model.response`), so
the curves here are the model's own state, not an interpolation. Arms of a replicate share prospects
and random streams, so prospect ``i`` is the same person in every panel.

The trace rows come from the run layer (:func:`sim.run.journeys.follow_everyone`); this module
only reads them: it picks a typical prospect, draws the figure and tells the story in words.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.model import response as rf
from sim.model.arrays import F64, Floats
from sim.model.channels import CHANNEL_TABLE, CHANNELS
from sim.model.config import ExperimentConfig
from sim.model.messages import MESSAGE_TABLE, MESSAGES
from sim.model.population import Prospects
from sim.model.touch import NEGATIVE, OPT_OUT, POSITIVE

#: One colour and one marker per channel, so a touch reads without colour too (the channel table).
CHANNEL_STYLE: dict[str, tuple[str, str]] = {c.name: (c.colour, c.marker) for c in CHANNEL_TABLE}
OUTCOME_WORDS = {
    POSITIVE: "replied with interest",
    NEGATIVE: 'replied "not interested"',
    OPT_OUT: "opted out",
}


@dataclass
class Journey:
    """One prospect's touches and replies in one arm, with the traits the curves start from."""

    arm: str
    label: str
    prospect: int
    horizon: float
    touches: pd.DataFrame  # one row per touch (see sim.model.trace.Journeys.touches)
    replies: pd.DataFrame  # one row per reply that arrived: time, decided, meeting
    warmth_base: float
    familiarity0: float
    need0: bool


def state_curves(journey: Journey, cfg: ExperimentConfig, grid: F64) -> dict[str, Floats]:
    """Warmth, annoyance, familiarity and P(in market) of the prospect at the ``grid`` times.

    Each grid time takes the state after the last touch at or before it and applies the engine's
    closed-form decays (:func:`sim.model.response.relax`, :func:`~sim.model.response.decay`,
    :func:`~sim.model.response.need_probability`) for the time since.
    """
    m = cfg.model
    tt = journey.touches
    times = np.concatenate([[0.0], tt["time"].to_numpy(float)])
    warmth = np.concatenate([[journey.warmth_base], tt["warmth"].to_numpy(float)])
    annoyance = np.concatenate([[0.0], tt["annoyance"].to_numpy(float)])
    familiarity = np.concatenate([[journey.familiarity0], tt["familiarity"].to_numpy(float)])
    in_market = np.concatenate([[journey.need0], tt["in_market"].to_numpy(bool)])
    k = np.searchsorted(times, grid, side="right") - 1
    dt = grid - times[k]
    return {
        "warmth": rf.relax(warmth[k], journey.warmth_base, dt, m.warmth_half_life_days),
        "annoyance": rf.decay(annoyance[k], dt, m.annoyance_half_life_days),
        "familiarity": rf.decay(familiarity[k], dt, m.familiarity_half_life_days),
        "need": rf.need_probability(
            in_market[k], dt, m.need_mean_in_market_days, m.need_mean_out_of_market_days
        ),
    }


def outcome_text(journey: Journey) -> str:
    """The journey's outcome in words, e.g. "replied with interest on day 23.4 (meeting)"."""
    if journey.replies.empty:
        return f"no reply by day {journey.horizon:g}"
    last = journey.replies.iloc[-1]
    words = OUTCOME_WORDS.get(int(last["decided"]), "replied")
    meeting = " and took a meeting" if bool(last.get("meeting", False)) else ""
    return f"{words} on day {float(last['time']):.1f}{meeting}"


#: The state curves as a room says them.
CURVE_WORDS: dict[str, str] = {
    "warmth": "warmth toward the seller",
    "annoyance": "annoyance",
    "familiarity": "knows the seller",
    "need": "chance they need it now",
}


def _window(journeys: Sequence[Journey], horizon: float) -> tuple[float, float]:
    """The days worth showing: from just before the first touch to a little after the last event.

    A 120-day axis where everything happens by day 25 hides the story; the window ends ten days
    (or a sixth of the span) after the last touch or reply.
    """
    times = [
        float(t) for j in journeys for t in (*j.touches.get("time", []), *j.replies.get("time", []))
    ]
    if not times:
        return 0.0, horizon
    first, last = min(times), max(times)
    end = min(horizon, last + max(10.0, (last - first) / 6))
    return max(0.0, first - 1.0), end


def _draw_state(top: Axes, grid: F64, curves: Mapping[str, Floats], times: F64) -> None:
    """The state curves in plain words, with a faint line at each touch."""
    top.plot(grid, curves["warmth"], color="#d62728", lw=2.5, label=CURVE_WORDS["warmth"])
    top.plot(grid, curves["annoyance"], color="#7f7f7f", lw=2.5, label=CURVE_WORDS["annoyance"])
    top.plot(
        grid,
        curves["familiarity"],
        color="#2ca02c",
        lw=2,
        ls="--",
        label=CURVE_WORDS["familiarity"],
    )
    top.plot(grid, curves["need"], color="#1f77b4", lw=1.8, ls=":", label=CURVE_WORDS["need"])
    for t in times:
        top.axvline(t, color="#bbbbbb", lw=0.8, zorder=0)


def _draw_touches(bottom: Axes, journey: Journey, used: Sequence[str], times: F64) -> None:
    """A marker per touch on its channel's row (filled when noticed), and same-day bursts."""
    for _, touch in journey.touches.iterrows():
        name = CHANNELS[int(touch["channel"])]
        colour, marker = CHANNEL_STYLE[name]
        face = colour if touch["noticed"] else "white"
        bottom.plot(
            [touch["time"]],
            [used.index(name)],
            marker=marker,
            ms=11,
            mec=colour,
            mfc=face,
            mew=1.8,
            ls="",
        )
    if times.size:
        days = np.floor(times).astype(int)
        for day in np.unique(days):
            count = int(np.sum(days == day))
            if count >= 3:
                bottom.annotate(
                    f"{count} touches",
                    (float(times[days == day].min()), len(used) - 0.4),
                    fontsize=13,
                    ha="left",
                    va="bottom",
                )


def _style_panels(
    top: Axes,
    bottom: Axes,
    journey: Journey,
    peak: float,
    used: Sequence[str],
    x: tuple[float, float],
) -> None:
    """Titles, scales and grids of one arm's two panels, in large type."""
    title = textwrap.fill(journey.label, 48)
    top.set_title(f"{title}\n{len(journey.touches)} touches; {outcome_text(journey)}", fontsize=15)
    top.set_ylim(0, max(1.02, 1.05 * peak))
    top.grid(alpha=0.3)
    top.tick_params(labelsize=13)
    bottom.set_ylim(-0.6, len(used) + 0.4)
    bottom.set_yticks(range(len(used)), used, fontsize=13)
    bottom.set_xlabel("day", fontsize=14)
    bottom.tick_params(labelsize=13)
    bottom.grid(axis="x", alpha=0.3)
    bottom.set_xlim(*x)


def _legend(fig: Figure, first: Axes) -> None:
    handles = [
        *first.get_lines()[:4],
        Line2D([], [], ls="", marker="o", color="k", mfc="k", ms=10, label="touch noticed"),
        Line2D([], [], ls="", marker="o", color="k", mfc="white", ms=10, label="not noticed"),
        Line2D([], [], color="black", lw=2, label="reply arrives"),
    ]
    fig.legend(handles=handles, loc="lower center", ncol=4, fontsize=13, frameon=False)


def journey_figure(journeys: Sequence[Journey], cfg: ExperimentConfig) -> Figure:
    """Side-by-side panels, one per arm: the prospect's state above, the touches below.

    Above, the state curves in plain words; below, one row per channel with a marker per touch
    (filled when noticed) and the number of touches written over a same-day burst, so ten
    touches in an afternoon read as ten, not as one blob. Large type, for a projector.
    """
    horizon = cfg.horizon_days
    start, end = _window(journeys, horizon)
    grid = np.linspace(start, end, 600)
    used = [
        name
        for name in CHANNEL_STYLE
        if any(CHANNELS[int(x)] == name for j in journeys for x in j.touches.get("channel", []))
    ]
    # A bare Figure (no pyplot): no global figure registry, no backend state to leak.
    fig = Figure(figsize=(7.5 * len(journeys), 7.0))
    axes = fig.subplots(
        2,
        len(journeys),
        sharex=True,
        sharey="row",
        gridspec_kw={"height_ratios": [3, 0.6 + 0.35 * max(1, len(used))]},
        squeeze=False,
    )
    curves_by_arm = [state_curves(j, cfg, grid) for j in journeys]
    # One scale for every panel (the row shares it): the highest annoyance of any of them.
    peak = max(float(c["annoyance"].max()) for c in curves_by_arm)
    for col, j in enumerate(journeys):
        top, bottom = axes[0, col], axes[1, col]
        times = j.touches["time"].to_numpy(float) if not j.touches.empty else np.zeros(0)
        _draw_state(top, grid, curves_by_arm[col], times)
        _draw_touches(bottom, j, used, times)
        for _, reply in j.replies.iterrows():
            for ax in (top, bottom):
                ax.axvline(float(reply["time"]), color="black", lw=2)
        _style_panels(top, bottom, j, peak, used, (start, end))
    axes[0, 0].set_ylabel("level (0 = none)", fontsize=14)
    axes[1, 0].set_ylabel("touches", fontsize=14)
    _legend(fig, axes[0, 0])
    fig.suptitle(f"Prospect {journeys[0].prospect}: the same person in every panel", fontsize=16)
    fig.tight_layout(rect=(0, 0.1, 1, 0.97))
    return fig


# --- a typical prospect, told in words ---------------------------------------------------------

#: How a room says each channel (one, several) and each message kind (the channel and message
#: tables).
CHANNEL_WORDS: dict[str, tuple[str, str]] = {c.name: (c.one, c.several) for c in CHANNEL_TABLE}
MESSAGE_WORDS: dict[str, str] = {m.name: m.words for m in MESSAGE_TABLE}
NO_REPLY = -1


def outcomes(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per touched prospect: touches, and the last reply (``decided``, ``meeting``).

    ``decided`` is :data:`NO_REPLY` for a prospect who never replied.
    """
    touches = rows[rows["event"] == "touch"].groupby("prospect").size().rename("touches")
    replies = rows[rows["event"] == "reply"].groupby("prospect").last()
    out = touches.to_frame()
    # A journey without any reply (a tiny list) has no reply columns at all.
    decided = replies.get("decided", pd.Series(dtype=float))
    out["decided"] = decided.reindex(out.index).fillna(NO_REPLY).astype(int)
    meeting = replies.get("meeting", pd.Series(dtype=object))
    meeting = meeting.reindex(out.index).astype("boolean").fillna(False)
    out["meeting"] = meeting.astype(bool)
    return out


def outcome_words(decided: int, meeting: bool) -> str:
    """``got no reply``, ``replied with interest and took a meeting``, ``opted out``..."""
    if decided == NO_REPLY:
        return "never replied"
    words = OUTCOME_WORDS.get(decided, "replied")
    return f"{words} and took a meeting" if meeting else words


def typical_prospect(rows: pd.DataFrame, among: set[int] | None = None) -> tuple[int, str]:
    """A typical prospect of an arm, and how they were picked, in words.

    Typical means: their outcome is the arm's most common outcome among the prospects it
    touched, and among those, their number of touches is the closest to the median (the
    lowest number on a tie). No prospect chosen for a story they happen to tell.

    Args:
        rows: The arm's trace rows.
        among: Only these prospects (e.g. those the compared arms treat differently,
            :func:`sim.report.study.journeys.treated_differently`); ``None`` or an empty set:
            every prospect.

    Returns:
        ``(prospect, how)``; ``(0, ...)`` when the arm touched nobody.
    """
    table = outcomes(rows)
    narrowed = bool(among) and table.index.isin(list(among or ())).any()
    if narrowed:
        table = table[table.index.isin(list(among or ()))]
    if table.empty:
        return 0, "the arm reached nobody, so prospect 0 is shown"
    kinds = table.groupby(["decided", "meeting"]).size()
    top = cast(tuple[int, bool], kinds.idxmax())
    decided, meeting, count = int(top[0]), bool(top[1]), int(kinds.max())
    same = table[(table["decided"] == decided) & (table["meeting"] == meeting)]
    median = float(same["touches"].median())
    gap = (same["touches"] - median).abs()
    chosen = int(gap[gap == gap.min()].index.min())
    share = count / len(table)
    n = int(cast(int, same.at[chosen, "touches"]))
    reached = (
        "the prospects this arm reached and the other treats differently"
        if narrowed
        else "the prospects this arm reached"
    )
    how = (
        f"{share:.0%} of {reached} "
        f"{outcome_words(int(decided), bool(meeting))}; this one did too, after {n} "
        f"touch{'es' if n != 1 else ''} (the middle number among them)"
    )
    return chosen, how


def _touch_line(day: float, group: pd.DataFrame) -> str:
    names = [CHANNELS[int(c)] for c in group["channel"]]
    counts = {n: names.count(n) for n in dict.fromkeys(names)}
    sent = ", ".join(
        CHANNEL_WORDS[n][0] if k == 1 else f"{k} {CHANNEL_WORDS[n][1]}" for n, k in counts.items()
    )
    noticed = int(group["noticed"].sum())
    if len(group) == 1:
        touch = group.iloc[0]
        what = f"{sent} {MESSAGE_WORDS[MESSAGES[int(touch['message'])]]}"
        if bool(touch.get("answered", False)):
            what += ", and they picked up"
        elif bool(touch.get("voicemail", False)):
            what += ", a voicemail left"
        seen = "noticed" if noticed else "not noticed"
        return f"Day {day:g}: {what} ({seen})."
    seen = "none noticed" if noticed == 0 else f"{noticed} noticed"
    return f"Day {day:g}: {len(group)} touches the same day: {sent} ({seen})."


def story(journey: Journey) -> list[str]:
    """The journey in plain sentences, one per day with touches, then how it ended.

    Days count from the prospect's first touch (day 1).

    Touches on the same day share a line, so ten touches in an afternoon read as one burst.
    """
    lines = []
    touches = journey.touches
    # Days count from the first touch (day 1), whenever the prospect joined the list.
    start = float(touches["time"].min()) if not touches.empty else 0.0
    if not touches.empty:
        days = np.floor(touches["time"].to_numpy(float) - start).astype(int) + 1
        for day in np.unique(days):
            lines.append(_touch_line(float(day), touches[days == day]))
    if journey.replies.empty:
        lines.append(f"No reply by the end of the run (day {journey.horizon - start:.0f}).")
    else:
        last = journey.replies.iloc[-1]
        words = outcome_words(int(last["decided"]), bool(last.get("meeting", False)))
        lines.append(f"Day {int(float(last['time']) - start) + 1}: {words}.")
    return lines


def journeys_of(
    rows: Mapping[str, pd.DataFrame],
    prospects: Prospects,
    prospect: int,
    cfg: ExperimentConfig,
) -> list[Journey]:
    """The journeys of ``prospect`` in each arm of ``rows`` (``follow_everyone``'s trace rows)."""
    out = []
    for arm, frame in rows.items():
        mine = frame[frame["prospect"] == prospect] if not frame.empty else frame
        touches = mine[mine["event"] == "touch"].reset_index(drop=True)
        replies = mine[mine["event"] == "reply"].reset_index(drop=True)
        out.append(
            Journey(
                arm=arm,
                label=cfg.strategy[arm].label or arm,
                prospect=prospect,
                horizon=cfg.horizon_days,
                touches=touches,
                replies=replies,
                warmth_base=float(prospects.warmth_base[prospect]),
                familiarity0=float(prospects.familiarity0[prospect]),
                need0=bool(prospects.need0[prospect]),
            )
        )
    return out
