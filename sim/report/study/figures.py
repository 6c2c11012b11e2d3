"""A study's figures, drawn in large type for a projector and encoded as PNG bytes."""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ParamSpec

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.report.plots import png
from sim.report.study.tables import RATE_METRICS
from sim.report.study.words import TITLES, WORDS, axis, unit, value_text

P = ParamSpec("P")
#: Study figures are drawn smaller than the job figures: a report shows several side by side.
FIGURE_DPI = 80
#: Type sizes for a projector (the figures are shown at about their pixel size).
LARGE_TYPE: dict[Any, Any] = {
    "font.size": 15,
    "axes.titlesize": 16,
    "axes.labelsize": 15,
    "legend.fontsize": 13,
}


def _large_type(draw: Callable[P, bytes]) -> Callable[P, bytes]:
    """Draw (and encode) a figure with :data:`LARGE_TYPE`; matplotlib's defaults come back after."""

    @functools.wraps(draw)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> bytes:
        with matplotlib.rc_context(LARGE_TYPE):
            data: bytes = draw(*args, **kwargs)
        return data

    return wrapped


@_large_type
def outcomes_figure(
    table: pd.DataFrame, labels: Mapping[str, str], metrics: Sequence[str] = RATE_METRICS
) -> bytes:
    """``metrics`` of each arm (by default reply, meeting and opt-out rates), with 95% bars.

    A study passes its question's metrics first, so the first panel is what it asks about.
    """
    fig = Figure(figsize=(15, 1.6 + 1.1 * len(table)), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(metrics), sharey=False))
    # Long labels wrap onto lines of about 24 characters, once, beside the first panel only.
    names = [textwrap.fill(labels.get(a, a), 24) for a in table["arm"]]
    colours = ["#7f7f7f", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]
    for ax, metric in zip(axes, metrics, strict=True):
        scale = 100.0 if WORDS[metric][1] == "pct" else 1.0
        mean = table[f"{metric}_mean"].to_numpy(float)
        err = np.vstack(
            [mean - table[f"{metric}_ci_low"].to_numpy(float), table[f"{metric}_ci_high"] - mean]
        )
        y = np.arange(len(names))[::-1]
        ax.barh(
            y,
            scale * mean,
            xerr=scale * np.nan_to_num(err),
            color=[colours[i % len(colours)] for i in range(len(names))],
            capsize=4,
        )
        ax.set_yticks(y, names if ax is axes[0] else [""] * len(names))
        ax.set_title(f"{TITLES[metric]} ({'%' if scale == 100 else 'count'})")
        ax.grid(axis="x", alpha=0.3)
    return png(fig, dpi=FIGURE_DPI)


@_large_type
def timeline_figure(timeseries: pd.DataFrame, labels: Mapping[str, str]) -> bytes:
    """Cumulative responses and opt-outs per prospect over time, mean of replicates."""
    fig = Figure(figsize=(15, 5), layout="constrained")
    axes = fig.subplots(1, 2)
    mean = timeseries.groupby(["arm", "day"], sort=False)[["responses", "opt_outs"]].mean()
    for arm in dict.fromkeys(timeseries["arm"]):
        part = mean.loc[arm]
        for ax, col in zip(axes, ("responses", "opt_outs"), strict=True):
            ax.plot(part.index, part[col], label=labels.get(arm, arm), lw=2)
    axes[0].set_title("replies so far (mean count)")
    axes[1].set_title("opt-outs so far (mean count)")
    for ax in axes:
        ax.set_xlabel("day")
        ax.grid(alpha=0.3)
    axes[0].legend()
    return png(fig, dpi=FIGURE_DPI)


def _sweep_panel(
    ax: Axes,
    table: pd.DataFrame,
    params: Sequence[str],
    labels: Mapping[str, str],
    metric: str,
) -> None:
    """One metric against the first swept parameter: a line and a 95% band per series."""
    x_param = params[0]
    series = ["arm", *params[1:]]
    numeric = pd.api.types.is_numeric_dtype(table[x_param])
    noun, kind = WORDS[metric]
    scale = 100.0 if kind == "pct" else 1.0
    for key, part in table.groupby(series, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        part = part.sort_values(x_param)
        x = part[x_param] if numeric else np.arange(len(part))
        name = labels.get(str(key[0]), str(key[0]))
        extra = value_text(params[1:], key[1:])
        ax.plot(x, scale * part[f"{metric}_mean"], marker="o", label=f"{name} {extra}".strip())
        ax.fill_between(
            x,
            scale * part[f"{metric}_ci_low"],
            scale * part[f"{metric}_ci_high"],
            alpha=0.15,
        )
        if not numeric:
            ax.set_xticks(np.arange(len(part)), [str(v) for v in part[x_param]])
    if numeric and table[x_param].min() > 0 and table[x_param].max() / table[x_param].min() > 8:
        ax.set_xscale("log")
        ax.minorticks_off()  # only the swept values are labelled
        values = sorted(table[x_param].unique())
        ax.set_xticks(values, [f"{v:g}" for v in values])
    ax.set_xlabel(axis(x_param))
    ax.set_title(f"{noun} ({unit(metric)})")
    ax.grid(alpha=0.3)


@_large_type
def sweep_figure(
    table: pd.DataFrame, params: Sequence[str], labels: Mapping[str, str], metrics: Sequence[str]
) -> bytes:
    """Each metric against the first swept parameter: a line per arm (and per other parameter)."""
    fig = Figure(figsize=(7.5 * len(metrics), 6.0), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(metrics)))
    for ax, metric in zip(axes, metrics, strict=True):
        _sweep_panel(ax, table, params, labels, metric)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=2)
    return png(fig, dpi=FIGURE_DPI)
