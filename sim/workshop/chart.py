"""The answer as a picture: each metric the question asks about, both cadences, 95 % intervals.

A room reads a chart before a table: one row of bars per metric (replied, booked a meeting,
opted out), a bar per cadence with its interval drawn across it. Shares are in percent of
prospects and their intervals stay in [0, 1] (:func:`sim.report.table.share_interval`); a
count (hook_volume's meetings per run) gets its own panel, since its scale is not a share's.
The figure is an inline PNG (a ``data:`` URI), so the page needs no file and no other request.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sim.report.pages import png_src
from sim.report.plots import png
from sim.report.table import share_interval
from sim.report.verdict import estimate
from sim.run.verdicts import SHARE_COUNTS

#: Bar colours: yours, then the cadence it is compared with.
COLOURS = ("#2ca02c", "#7f7f7f")


def interval_of(
    summary: pd.DataFrame, metrics: pd.DataFrame, arm: str, metric: str
) -> tuple[float, float, float]:
    """``(mean, low, high)`` of ``metric`` for ``arm``; a share's interval stays in [0, 1]."""
    e = estimate(summary, arm, metric)
    low, high = e.low, e.high
    if metric in SHARE_COUNTS:
        low, high = share_interval(metrics, arm, metric, low, high)
    return e.mean, low, high


def answer_chart(
    summary: pd.DataFrame,
    metrics: pd.DataFrame,
    arms: Sequence[str],
    labels: Mapping[str, str],
    rows: Sequence[tuple[str, str]],
) -> str:
    """The chart as a ``data:`` URI; ``rows``: (metric, what the room reads) per panel row."""
    fig = Figure(figsize=(7.2, 0.9 + 0.8 * len(rows)), layout="constrained")
    axes = fig.subplots(len(rows), 1, squeeze=False)[:, 0]
    for ax, (metric, words) in zip(axes, rows, strict=True):
        _panel(ax, summary, metrics, arms, metric, words)
    handles = [Patch(color=COLOURS[k % 2], label=labels[arm]) for k, arm in enumerate(arms)]
    fig.legend(handles=handles, loc="outside upper left", fontsize=9, frameon=False)
    return png_src(png(fig, dpi=110))


def _panel(
    ax: Any,
    summary: pd.DataFrame,
    metrics: pd.DataFrame,
    arms: Sequence[str],
    metric: str,
    words: str,
) -> None:
    """One metric: a bar per cadence, its interval across it, the value past the interval."""
    share = metric in SHARE_COUNTS
    scale = 100.0 if share else 1.0
    right = 0.0
    for k, arm in enumerate(arms):
        mean, low, high = interval_of(summary, metrics, arm, metric)
        top = high if not math.isnan(high) else mean
        y = len(arms) - 1 - k
        ax.barh(y, scale * mean, color=COLOURS[k % 2], height=0.7)
        if not math.isnan(low):
            ax.errorbar(
                scale * mean,
                y,
                xerr=[[scale * (mean - low)], [scale * (high - mean)]],
                fmt="none",
                ecolor="black",
                capsize=4,
                linewidth=1.5,
            )
        text = f"{scale * mean:.1f}%" if share else f"{mean:.1f}"
        ax.annotate(f"  {text}", (scale * top, y), va="center", fontsize=10)
        right = max(right, scale * top)
    ax.set_yticks([])
    ax.set_title(
        words + (" (% of prospects; black: 95% interval)" if share else " (black: 95% interval)"),
        loc="left",
        fontsize=10,
    )
    ax.set_xlim(0, 1.2 * right if right > 0 else 1.0)
    ax.tick_params(labelsize=9)
    ax.spines[["top", "right", "left"]].set_visible(False)
