"""A prospect's journey: one prospect followed touch by touch through strategies, as a figure.

The engine records every touch to a traced prospect (:class:`sim.engine.ArmRun` ``trace``): when
it came, on which channel, whether it was noticed, the state right after. Between touches the
state follows the same closed-form decays the engine applies lazily (:mod:`sim.response`), so the
curves here are the model's own state, not an interpolation. Arms of a replicate share prospects
and random streams, so prospect ``i`` is the same person in every panel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim import response as rf
from sim.api import replicate_runs
from sim.channels import CHANNELS
from sim.config import ExperimentConfig, validate
from sim.engine import NEGATIVE, OPT_OUT, POSITIVE, ArmRun
from sim.population import Prospects

F64 = npt.NDArray[np.float64]

#: One colour and one marker per channel, so a touch reads without colour too.
CHANNEL_STYLE: dict[str, tuple[str, str]] = {
    "phone": ("#1f77b4", "o"),
    "email": ("#ff7f0e", "s"),
    "sms": ("#2ca02c", "^"),
    "social": ("#9467bd", "D"),
    "postal": ("#8c564b", "P"),
    "drop_in": ("#e377c2", "*"),
    "referral": ("#17becf", "X"),
}
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
    touches: pd.DataFrame  # one row per touch (see ArmRun._trace_touches)
    replies: pd.DataFrame  # one row per reply that arrived: time, decided, meeting
    warmth_base: float
    familiarity0: float
    need0: bool


def _run_arms(
    cfg: ExperimentConfig, arms: Sequence[str], replicate: int, trace: Sequence[int]
) -> tuple[list[ArmRun], Prospects]:
    """Run ``arms`` of one replicate exactly as :func:`sim.api.run_arms` does, with a trace.

    Returns the runs and the prospects of the longest of their lists (prefix-stable: prospect
    ``i`` is the same person in every arm).
    """
    validate(cfg)
    runs = list(replicate_runs(cfg, replicate, arms, trace=trace))
    for run in runs:
        run.run()
    return runs, max((run.p for run in runs), key=lambda p: p.n)


def pick_prospect(cfg: ExperimentConfig, arms: Sequence[str], replicate: int = 0) -> int:
    """A prospect worth following: touched in every arm, and the arms' outcomes differ.

    Prefers someone who replied with interest in the last arm but not in the first (the lesson
    of most studies), then anyone whose outcome differs, then prospect 0.
    """
    runs, _ = _run_arms(cfg, arms, replicate, ())
    n = min(r.p.n for r in runs)
    touched = np.all([r.touch_count[:n] > 0 for r in runs], axis=0)
    first, last = runs[0].outcome[:n], runs[-1].outcome[:n]
    for wanted in (touched & (last == POSITIVE) & (first != POSITIVE), touched & (first != last)):
        hits = np.flatnonzero(wanted)
        if hits.size:
            return int(hits[0])
    return 0


def trace_journeys(
    cfg: ExperimentConfig, arms: Sequence[str], prospect: int, replicate: int = 0
) -> list[Journey]:
    """Follow ``prospect`` through each of ``arms`` in replicate ``replicate``."""
    runs, prospects = _run_arms(cfg, arms, replicate, (prospect,))
    out = []
    for name, run in zip(arms, runs, strict=True):
        rows = pd.DataFrame(run.trace_rows)
        if rows.empty:
            rows = pd.DataFrame({"event": pd.Series(dtype=str), "time": pd.Series(dtype=float)})
        touches = rows[rows["event"] == "touch"].reset_index(drop=True)
        replies = rows[rows["event"] == "reply"].reset_index(drop=True)
        out.append(
            Journey(
                arm=name,
                label=cfg.strategy[name].label or name,
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


def state_curves(journey: Journey, cfg: ExperimentConfig, grid: F64) -> dict[str, rf.Array]:
    """Warmth, annoyance, familiarity and P(in market) of the prospect at the ``grid`` times.

    Each grid time takes the state after the last touch at or before it and applies the engine's
    closed-form decays (:func:`sim.response.relax`, :func:`~sim.response.decay`,
    :func:`~sim.response.need_probability`) for the time since.
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


def journey_figure(journeys: Sequence[Journey], cfg: ExperimentConfig) -> Figure:
    """Side-by-side panels, one per arm: state curves above, each touch's attention below."""
    horizon = cfg.horizon_days
    grid = np.linspace(0.0, horizon, 600)
    # A bare Figure (no pyplot): no global figure registry, no backend state to leak.
    fig = Figure(figsize=(6.2 * len(journeys), 6.2))
    axes = fig.subplots(
        2,
        len(journeys),
        sharex=True,
        sharey="row",
        gridspec_kw={"height_ratios": [3, 1.3]},
        squeeze=False,
    )
    for col, j in enumerate(journeys):
        top, bottom = axes[0, col], axes[1, col]
        curves = state_curves(j, cfg, grid)
        top.plot(grid, curves["warmth"], color="#d62728", lw=2, label="warmth")
        top.plot(grid, curves["annoyance"], color="#7f7f7f", lw=2, label="annoyance")
        top.plot(grid, curves["familiarity"], color="#2ca02c", lw=1.5, ls="--", label="familiarity")
        top.plot(grid, curves["need"], color="#1f77b4", lw=1.2, ls=":", label="P(in market)")
        for _, touch in j.touches.iterrows():
            colour, marker = CHANNEL_STYLE[CHANNELS[int(touch["channel"])]]
            face = colour if touch["noticed"] else "white"
            kw = {"marker": marker, "ms": 9, "mec": colour, "mfc": face, "mew": 1.5}
            top.plot([touch["time"]], [1.0], clip_on=False, **kw)
            bottom.plot([touch["time"]], [touch["attention"]], **kw)
            bottom.vlines(touch["time"], 0, touch["attention"], color=colour, lw=0.8)
        for _, reply in j.replies.iterrows():
            top.axvline(float(reply["time"]), color="black", lw=1.2)
        top.set_title(f"{j.label}\n{len(j.touches)} touches; {outcome_text(j)}", fontsize=10)
        top.set_ylim(0, max(1.09, 1.05 * float(curves["annoyance"].max())))
        top.grid(alpha=0.3)
        bottom.set_ylim(0, 1.05)
        bottom.set_xlabel("day")
        bottom.grid(alpha=0.3)
    axes[0, 0].set_ylabel("state (0-1)")
    axes[1, 0].set_ylabel("attention at touch")
    axes[0, -1].legend(loc="center right", fontsize=8)
    handles = [
        Line2D([], [], ls="", marker=mk, color=c, mfc=c, label=name)
        for name, (c, mk) in CHANNEL_STYLE.items()
        if any(CHANNELS[int(x)] == name for j in journeys for x in j.touches.get("channel", []))
    ]
    handles += [
        Line2D([], [], ls="", marker="o", color="k", mfc="k", label="noticed"),
        Line2D([], [], ls="", marker="o", color="k", mfc="white", label="not noticed"),
        Line2D([], [], color="black", lw=1.2, label="reply arrives"),
    ]
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=8, frameon=False)
    fig.suptitle(f"Prospect {journeys[0].prospect}: the same person in every panel", fontsize=12)
    fig.tight_layout(rect=(0, 0.05, 1, 0.97))
    return fig
