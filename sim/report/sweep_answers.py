"""A sweep's answer: the best configuration per metric, and figures that show where it lies.

The sweep report (:func:`sim.report.aggregate.sweep_report`) opens with these sentences and
figures. Each metric's cells are the sweep's configurations by arm, each with the mean over its
replicates and a Student t 95% interval (:func:`sim.run.stats.t_interval`, SciPy); a swept
``seed`` is pooled as more replicates when other parameters are swept too, so a cell's interval
covers the seeds. The best cell of a metric is the one with the best mean (the metric's
direction, :data:`sim.run.verdicts.DIRECTION`); it is "clearly" best only when its interval lies
apart from the runner-up's (the unpaired rule of :func:`sim.report.verdict.unpaired`).

A figure per swept parameter draws each metric against it with the other parameters held at
that metric's best configuration (not averaged over them): lines with intervals for a numeric
parameter, bars with intervals for a categorical one. Two or more parameters add a heat map of
the first two, the others held at the best configuration. Text is 13 pt at 100 dpi, on figures
no wider than the report (1,200 px), so nothing is shrunk below 12 px on a 1280 px screen.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from sim.report.plots import LABELS, SWEEP_METRICS, png
from sim.report.verdict import fmt
from sim.run.verdicts import DIRECTION

#: Figure text size in points (at 100 dpi: 18 px; the report never shrinks a figure below 2/3).
FONT_SIZE = 13
#: Figure width in inches: 1,200 px at 100 dpi, the report's width.
WIDTH = 12.0
#: Metric panels per figure row.
COLUMNS = 3
#: How each key metric is said in words (:func:`sim.report.verdict.fmt` kinds).
KINDS = {
    "response_rate": "pct",
    "meeting_rate": "pct",
    "opt_out_rate": "pct",
    "responses_per_rep_hour": "rate",
    "meetings_per_rep_hour": "rate",
}


def short_name(key: str, keys: Sequence[str]) -> str:
    """``strategy.hooks.list_multiplier`` as ``list_multiplier`` when no other key ends so."""
    last = key.rsplit(".", 1)[-1]
    return last if sum(k.rsplit(".", 1)[-1] == last for k in keys) == 1 else key


def keys_of(parameters: Sequence[str]) -> list[str]:
    """The parameters a cell is keyed by: a swept ``seed`` is pooled when others are swept."""
    rest = [p for p in parameters if p != "seed"]
    return rest or list(parameters)


def cells(
    metrics: pd.DataFrame,
    parameters: Sequence[str],
    metric: str,
    summary: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """A row per configuration and arm: ``mean``, ``low``, ``high`` over its replicates (SciPy).

    ``summary`` (the sweep's ``sweep_summary.csv`` table): when no seed is pooled, each cell is
    one job's arm, whose t interval the job computed already; it is read from there rather than
    computed again (and SciPy, about a second to import, is not imported).
    """
    keys = keys_of(parameters)
    if summary is not None and keys == list(parameters) and "metric" in summary:
        part = summary[(summary["status"] == "ok") & (summary["metric"] == metric)]
        table = part[[*keys, "arm", "mean", "ci_low", "ci_high", "n"]]
        return table.rename(columns={"ci_low": "low", "ci_high": "high"}).reset_index(drop=True)
    from sim.run.stats import metric_interval  # SciPy: only when seeds are pooled

    ok = metrics[metrics["status"] == "ok"]
    rows = []
    for key, part in ok.groupby([*keys, "arm"], sort=False):
        values = pd.to_numeric(part[metric], errors="coerce").to_numpy(float)
        rows.append((*key, *metric_interval(values, part, metric)))
    return pd.DataFrame(rows, columns=[*keys, "arm", "mean", "low", "high", "n"])


def best_cell(table: pd.DataFrame, metric: str) -> pd.Series | None:
    """The cell with the best mean for ``metric`` (None: no cell has a value)."""
    sign = DIRECTION.get(metric, 1)
    scored = table.dropna(subset=["mean"])
    if scored.empty:
        return None
    position = int(np.argmax(sign * scored["mean"].to_numpy(float)))  # the first best, in order
    row: pd.Series = scored.iloc[position]
    return row


def _value(value: object, kind: str) -> str:
    if kind == "rate":
        return "n/a" if isinstance(value, float) and math.isnan(value) else f"{value:.2f}"
    return fmt(float(value), kind)  # type: ignore[arg-type]


def _where(row: pd.Series, keys: Sequence[str]) -> str:
    return ", ".join(f"{short_name(k, keys)}={_plain(row[k])}" for k in keys)


def _plain(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def best_sentence(
    metrics: pd.DataFrame,
    parameters: Sequence[str],
    metric: str,
    summary: pd.DataFrame | None = None,
) -> str:
    """``Best response rate: benefit_led at population.size=1000: 12.3% (11.0% to 13.6%), ...``.

    Said against the runner-up (the best other cell): ``clearly best`` when the two 95%
    intervals are apart, else ``not clearly better than`` it.
    """
    table = cells(metrics, parameters, metric, summary)
    best = best_cell(table, metric)
    if best is None:
        return ""
    keys = keys_of(parameters)
    kind = KINDS.get(metric, "count")
    # The key metrics are shares and rates, never below zero (nor a share above one): a t
    # interval over few replicates can reach past those bounds, and is said clipped to them.
    best = best.copy()
    best["low"] = max(0.0, float(best["low"])) if not math.isnan(best["low"]) else math.nan
    if kind == "pct" and not math.isnan(best["high"]):
        best["high"] = min(1.0, float(best["high"]))
    said = (
        f"Best {LABELS.get(metric, metric)}: {best['arm']} at {_where(best, keys)}: "
        f"{_value(best['mean'], kind)} ({_value(best['low'], kind)} to "
        f"{_value(best['high'], kind)})"
    )
    rest = table.drop(index=best.name)
    second = best_cell(rest, metric)
    if second is None:
        return said + "."
    x, y = (float(best["low"]), float(best["high"])), (float(second["low"]), float(second["high"]))
    if any(math.isnan(v) for v in (*x, *y)):
        verdict = "with one replicate, no interval to judge by"
    elif (DIRECTION.get(metric, 1) > 0 and x[0] > y[1]) or (
        DIRECTION.get(metric, 1) < 0 and x[1] < y[0]
    ):
        verdict = "clearly best (its 95% interval lies apart from the runner-up's)"
    else:
        verdict = "not clearly better than the runner-up (the 95% intervals overlap)"
    runner = f"{second['arm']} at {_where(second, keys)}: {_value(second['mean'], kind)}"
    return f"{said}; {verdict}, {runner}."


def best_sentences(
    metrics: pd.DataFrame, parameters: Sequence[str], summary: pd.DataFrame | None = None
) -> list[str]:
    """:func:`best_sentence` of every key metric the sweep has."""
    found = [m for m in SWEEP_METRICS if m in metrics.columns]
    return [s for s in (best_sentence(metrics, parameters, m, summary) for m in found) if s]


def _held(
    table: pd.DataFrame, best: pd.Series, keys: Sequence[str], free: Sequence[str]
) -> pd.DataFrame:
    """The cells with every key but ``free`` held at ``best``'s values."""
    mask = pd.Series(True, index=table.index)
    for key in keys:
        if key not in free:
            mask &= table[key] == best[key]
    return table[mask]


def parameter_figure(
    metrics: pd.DataFrame,
    parameters: Sequence[str],
    parameter: str,
    summary: pd.DataFrame | None = None,
) -> bytes:
    """Each key metric against ``parameter``, the others held at that metric's best."""
    found = [m for m in SWEEP_METRICS if m in metrics.columns]
    keys = keys_of(parameters)
    rows = math.ceil(len(found) / COLUMNS)
    with matplotlib.rc_context({"font.size": FONT_SIZE}):
        fig = Figure(figsize=(WIDTH, 3.6 * rows), layout="constrained")
        axes = np.atleast_1d(fig.subplots(rows, COLUMNS)).ravel()
        for ax, metric in zip(axes, found, strict=False):
            table = cells(metrics, parameters, metric, summary)
            best = best_cell(table, metric)
            if best is None:
                continue
            _draw(ax, _held(table, best, keys, [parameter]), parameter)
            _axis(ax, metric)
            ax.set_title(LABELS.get(metric, metric))
            ax.set_xlabel(short_name(parameter, parameters))
        for ax in axes[len(found) :]:
            ax.set_visible(False)
        if found:
            axes[0].legend(fontsize=FONT_SIZE - 1)
        return png(fig)


def _axis(ax: Any, metric: str) -> None:
    """Shares in percent; never below zero (a short interval's t bounds may reach under it)."""
    if KINDS.get(metric) == "pct":
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylim(bottom=0)


def _numeric(values: pd.Series) -> bool:
    return bool(pd.to_numeric(values, errors="coerce").notna().all())


def _draw(ax: object, part: pd.DataFrame, parameter: str) -> None:
    """Lines with 95% intervals (numeric ``parameter``) or grouped bars with them (categorical)."""
    arms = list(dict.fromkeys(part["arm"]))
    numeric = _numeric(part[parameter])
    levels = list(dict.fromkeys(part[parameter]))
    width = 0.8 / max(1, len(arms))
    for k, arm in enumerate(arms):
        rows = part[part["arm"] == arm]
        mean = rows["mean"].to_numpy(float)
        err = np.vstack([mean - rows["low"].to_numpy(float), rows["high"].to_numpy(float) - mean])
        err = np.nan_to_num(err)
        if numeric:
            order = np.argsort(pd.to_numeric(rows[parameter]).to_numpy(float))
            x = pd.to_numeric(rows[parameter]).to_numpy(float)[order]
            ax.errorbar(x, mean[order], yerr=err[:, order], marker="o", capsize=3, label=arm)  # type: ignore[attr-defined]
        else:
            x = (
                np.array([levels.index(v) for v in rows[parameter]])
                + (k - (len(arms) - 1) / 2) * width
            )
            ax.bar(x, mean, width, yerr=err, capsize=3, label=arm)  # type: ignore[attr-defined]
    if not numeric:
        ax.set_xticks(range(len(levels)), [str(v) for v in levels])  # type: ignore[attr-defined]


def heatmap_figure(
    metrics: pd.DataFrame, parameters: Sequence[str], summary: pd.DataFrame | None = None
) -> bytes | None:
    """Each key metric over the first two swept parameters, for the arm best at it.

    The other parameters are held at the metric's best configuration; each cell is labelled with
    its mean. None with fewer than two parameters (``seed`` pooled).
    """
    keys = keys_of(parameters)
    if len(keys) < 2:
        return None
    a, b = keys[:2]
    found = [m for m in SWEEP_METRICS if m in metrics.columns]
    rows = math.ceil(len(found) / COLUMNS)
    with matplotlib.rc_context({"font.size": FONT_SIZE}):
        fig = Figure(figsize=(WIDTH, 3.8 * rows), layout="constrained")
        axes = np.atleast_1d(fig.subplots(rows, COLUMNS)).ravel()
        for ax, metric in zip(axes, found, strict=False):
            table = cells(metrics, parameters, metric, summary)
            best = best_cell(table, metric)
            if best is None:
                continue
            part = _held(table[table["arm"] == best["arm"]], best, keys, [a, b])
            grid = part.pivot_table(index=b, columns=a, values="mean", sort=True)
            image = ax.imshow(grid.to_numpy(float), aspect="auto", cmap="viridis")
            kind = KINDS.get(metric, "count")
            for (i, j), v in np.ndenumerate(grid.to_numpy(float)):
                ax.text(j, i, _value(v, kind), ha="center", va="center", color="white")
            ax.set_xticks(range(grid.shape[1]), [_plain(v) for v in grid.columns])
            ax.set_yticks(range(grid.shape[0]), [_plain(v) for v in grid.index])
            ax.set_xlabel(short_name(a, keys))
            ax.set_ylabel(short_name(b, keys))
            ax.set_title(f"{LABELS.get(metric, metric)}\n({best['arm']})")
            fig.colorbar(image, ax=ax)
        for ax in axes[len(found) :]:
            ax.set_visible(False)
        return png(fig)
