"""Plots: the PNG figures of a job and of a sweep, rendered to bytes with Matplotlib's Agg canvas.

Figures are built on :class:`matplotlib.figure.Figure` objects, never through ``pyplot``, so no
global figure state is touched and nothing needs a display. Each function returns PNG bytes; the
caller writes them atomically and embeds them in the report.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

# Labels come from configs: they are text, never math ("$5k pipeline" would otherwise be parsed
# as mathtext, and a lone "$" fails at drawing time). Every figure of the package is made after
# this module is imported.
matplotlib.rcParams["text.parse_math"] = False

#: Metrics plotted against each swept parameter at a sweep's root.
SWEEP_METRICS: tuple[str, ...] = (
    "response_rate",
    "meeting_rate",
    "opt_out_rate",
    "responses_per_rep_hour",
    "meetings_per_rep_hour",
)

LABELS: dict[str, str] = {
    "response_rate": "response rate",
    "meeting_rate": "meeting rate",
    "opt_out_rate": "opt-out rate",
    "responses_per_rep_hour": "responses per rep-hour",
    "meetings_per_rep_hour": "meetings per rep-hour",
}


def png(fig: Figure, dpi: int = 100) -> bytes:
    """A figure as PNG bytes, with no timestamp in the metadata: the same run, the same bytes."""
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def _row(summary: pd.DataFrame, arm: str, metric: str) -> pd.Series:
    match = summary[(summary["arm"] == arm) & (summary["metric"] == metric)]
    return match.iloc[0]


def _interval(
    summary: pd.DataFrame, metrics: pd.DataFrame, arm: str, metric: str
) -> tuple[float, float, float]:
    """Mean and CI of ``metric`` for ``arm``; Wilson on the response count with one replicate."""
    row = _row(summary, arm, metric)
    mean, low, high = float(row["mean"]), float(row["ci_low"]), float(row["ci_high"])
    if math.isnan(low) and metric == "response_rate":
        one = metrics[metrics["arm"] == arm].iloc[0]
        # Imported here: SciPy (~0.7 s) is needed by a job's figures only, not by a sweep's.
        from sim.run.stats import wilson_interval

        low, high = wilson_interval(int(one["responses"]), int(one["prospects"]))
    return mean, low, high


def _bars(
    ax: object, arms: Sequence[str], values: Sequence[tuple[float, float, float]], color: str
) -> None:
    means = np.array([v[0] for v in values])
    lows = np.array([v[1] for v in values])
    highs = np.array([v[2] for v in values])
    err = np.vstack([means - lows, highs - means])
    err = np.where(np.isnan(err), 0.0, err)
    x = np.arange(len(arms))
    ax.bar(x, means, yerr=err, capsize=4, color=color)  # type: ignore[attr-defined]
    ax.set_xticks(x, list(arms), rotation=30, ha="right")  # type: ignore[attr-defined]


def response_rate_figure(summary: pd.DataFrame, metrics: pd.DataFrame) -> bytes:
    """Response rate by arm with 95% confidence bars."""
    arms = list(dict.fromkeys(summary["arm"]))
    fig = Figure(figsize=(7, 4), layout="constrained")
    ax = fig.add_subplot()
    _bars(ax, arms, [_interval(summary, metrics, a, "response_rate") for a in arms], "#4878a8")
    ax.set_ylabel("responses per prospect enrolled")
    ax.set_title("Response rate by arm (95% CI)")
    return png(fig)


def timeseries_figure(timeseries: pd.DataFrame) -> bytes:
    """Cumulative responses and opt-outs over time, mean over replicates, a line per arm."""
    fig = Figure(figsize=(9, 4), layout="constrained")
    axes = fig.subplots(1, 2)
    mean = timeseries.groupby(["arm", "day"], sort=False)[["responses", "opt_outs"]].mean()
    for arm in dict.fromkeys(timeseries["arm"]):
        part = mean.loc[arm]
        axes[0].plot(part.index, part["responses"], label=arm)
        axes[1].plot(part.index, part["opt_outs"], label=arm)
    axes[0].set_title("Cumulative responses")
    axes[1].set_title("Cumulative opt-outs")
    for ax in axes:
        ax.set_xlabel("day")
    axes[0].legend(fontsize="small")
    return png(fig)


def responses_by_touch(by_touch: pd.DataFrame) -> dict[str, pd.Series]:
    """Per arm, mean responses per replicate credited to each touch number (1 = first touch)."""
    # Runs: replicates, or (world, replicate) pairs across plausible worlds (sim.run.worlds).
    runs = ["world", "replicate"] if "world" in by_touch.columns else ["replicate"]
    replicates = max(1, len(by_touch[runs].drop_duplicates())) if len(by_touch) else 1
    per_touch = by_touch.groupby(["arm", "touch_number"], sort=False)["responses"].sum()
    return {
        str(arm): per_touch.loc[arm].sort_index() / replicates
        for arm in dict.fromkeys(by_touch["arm"])
    }


def by_touch_figure(by_touch: pd.DataFrame) -> bytes:
    """Responses credited to each touch number, mean over replicates, a line per arm."""
    fig = Figure(figsize=(7, 4), layout="constrained")
    ax = fig.add_subplot()
    for arm, part in responses_by_touch(by_touch).items():
        ax.plot(part.index, part.to_numpy(), marker="o", label=arm)
    ax.set_xlabel("touch number")
    ax.set_ylabel("responses (mean per replicate)")
    ax.set_title("Responses by touch number")
    ax.legend(fontsize="small")
    return png(fig)


def efficiency_figure(summary: pd.DataFrame, metrics: pd.DataFrame) -> bytes:
    """Responses and meetings per rep-hour by arm, with 95% confidence bars."""
    arms = list(dict.fromkeys(summary["arm"]))
    fig = Figure(figsize=(9, 4), layout="constrained")
    axes = fig.subplots(1, 2)
    for ax, metric, color in zip(
        axes,
        ("responses_per_rep_hour", "meetings_per_rep_hour"),
        ("#59a14f", "#e15759"),
        strict=True,
    ):
        _bars(ax, arms, [_interval(summary, metrics, a, metric) for a in arms], color)
        ax.set_title(LABELS[metric] + " (95% CI)")
    return png(fig)


def job_figures(
    metrics: pd.DataFrame, summary: pd.DataFrame, by_touch: pd.DataFrame, timeseries: pd.DataFrame
) -> dict[str, bytes]:
    """Every figure of one job, by file name."""
    return {
        "response_rate.png": response_rate_figure(summary, metrics),
        "timeseries.png": timeseries_figure(timeseries),
        "by_touch.png": by_touch_figure(by_touch),
        "efficiency.png": efficiency_figure(summary, metrics),
    }


def sweep_figure(summary: pd.DataFrame, parameter: str) -> bytes:
    """Each key metric against ``parameter``, a line per arm (averaged over other parameters)."""
    fig = Figure(figsize=(4 * len(SWEEP_METRICS), 3.6), layout="constrained")
    axes = fig.subplots(1, len(SWEEP_METRICS))
    ok = summary[summary["metric"].isin(SWEEP_METRICS)]
    numeric = pd.to_numeric(ok[parameter], errors="coerce")
    x = numeric if numeric.notna().all() else ok[parameter].astype(str)
    ok = ok.assign(_x=x)
    for ax, metric in zip(axes, SWEEP_METRICS, strict=True):
        part = ok[ok["metric"] == metric]
        means = part.groupby(["arm", "_x"], sort=True)["mean"].mean()
        for arm in dict.fromkeys(part["arm"]):
            line = means.loc[arm]
            ax.plot(
                [str(v) for v in line.index] if x.dtype == object else line.index,
                line.to_numpy(),
                marker="o",
                label=arm,
            )
        ax.set_xlabel(parameter)
        ax.set_title(LABELS[metric])
    axes[0].legend(fontsize="small")
    return png(fig)
