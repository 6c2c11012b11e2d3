"""What drives a difference, shown: a bar chart per compared pair and a small HTML table.

Both read the table of :func:`sim.run.drivers.drivers` (one row per arm, metric and world
parameter). The bars are the first-order indices of each pair's top parameters, largest at the
top, with their bootstrap intervals; colour and hatching say how far the evidence behind the
worlds pins the parameter down (identified / weakly identified / prior only), and a bar that is
not clear of noise (:func:`sim.run.drivers.matters`' rule) is drawn faint. The caller filters the
table to the pairs worth showing (e.g. the response rate of each arm) and embeds the PNG.
"""

from __future__ import annotations

import html
import math

import numpy as np
import pandas as pd
from markupsafe import Markup
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sim.report.comparison import CAPTIONS
from sim.report.pages import trusted
from sim.report.plots import LABELS, png
from sim.run.drivers import ALPHA, MIN_WORLDS, THRESHOLD

#: How each identification status is drawn and named: colour, hatching, legend words.
STATUS_STYLE: dict[str, tuple[str, str, str]] = {
    "identified": ("#4878a8", "", "identified"),
    "weak": ("#f28e2b", "//", "weakly identified"),
    "prior": ("#bab0ac", "xx", "prior only"),
}
#: Parameters shown per pair in the figure.
TOP = 6
#: The figure's caption, for the report (the report's own table of captions holds it).
CAPTION = CAPTIONS["drivers.png"]


def _clear(rows: pd.DataFrame) -> pd.Series:
    return (rows["index"] >= THRESHOLD) & (rows["p_value"] < ALPHA)


def _title(arm: str, metric: str, worlds: int) -> str:
    return f"{arm}: {LABELS.get(metric, metric.replace('_', ' '))} ({worlds} worlds)"


def _panel(ax: object, rows: pd.DataFrame, top: int) -> None:
    """One pair's bars, largest index at the top."""
    shown = rows.head(top).iloc[::-1]
    y = np.arange(len(shown))
    index = shown["index"].to_numpy(dtype=float)
    err = np.vstack(
        [
            index - shown["index_low"].to_numpy(dtype=float),
            shown["index_high"].to_numpy(dtype=float) - index,
        ]
    )
    err = np.clip(np.nan_to_num(err), 0.0, None)
    clear = _clear(shown).to_numpy()
    for i, (status, ok) in enumerate(zip(shown["status"], clear, strict=True)):
        colour, hatch, _ = STATUS_STYLE.get(str(status), STATUS_STYLE["prior"])
        ax.barh(  # type: ignore[attr-defined]
            y[i], index[i], color=colour, hatch=hatch, alpha=1.0 if ok else 0.35, edgecolor="#333"
        )
    ax.errorbar(index, y, xerr=err, fmt="none", ecolor="#333", capsize=3)  # type: ignore[attr-defined]
    ax.axvline(THRESHOLD, color="#999", linestyle=":", linewidth=1)  # type: ignore[attr-defined]
    ax.set_yticks(y, [str(p) for p in shown["parameter"]])  # type: ignore[attr-defined]
    ax.set_xlim(0.0, 1.0)  # type: ignore[attr-defined]
    ax.set_xlabel("share of the difference's variance explained", fontsize="small")  # type: ignore[attr-defined]


def drivers_figure(table: pd.DataFrame, top: int = TOP) -> bytes:
    """A bar chart per (arm, metric) pair of ``table``: its ``top`` parameters by index.

    Args:
        table: :func:`sim.run.drivers.drivers`' table, filtered to the pairs to show.
        top: Parameters shown per pair.

    Returns:
        PNG bytes. A pair run over fewer than :data:`~sim.run.drivers.MIN_WORLDS` worlds says so
        instead of bars; an empty table gives a figure that says there is nothing to show.
    """
    pairs = list(dict.fromkeys(zip(table["arm"], table["metric"], strict=True)))
    cols = 1 if len(pairs) < 2 else 2
    rows_n = max(1, math.ceil(len(pairs) / cols))
    fig = Figure(figsize=(6.0 * cols, (0.35 * top + 1.2) * rows_n + 0.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows_n, cols, squeeze=False)).ravel()
    for ax in axes[len(pairs) :]:
        ax.set_axis_off()
    if not pairs:
        axes[0].text(0.5, 0.5, "No differences across worlds to explain", ha="center")
        axes[0].set_axis_off()
    for ax, (arm, metric) in zip(axes, pairs, strict=False):
        rows = table[(table["arm"] == arm) & (table["metric"] == metric)]
        worlds = int(rows["worlds"].iloc[0])
        ax.set_title(_title(str(arm), str(metric), worlds), fontsize="medium")
        empty = _empty(rows)
        if empty:
            ax.text(0.5, 0.5, empty, ha="center", transform=ax.transAxes)
            ax.set_axis_off()
            continue
        _panel(ax, rows, top)
    faint = Patch(
        facecolor="#bab0ac", alpha=0.35, edgecolor="#333", label="faint: not clear of noise"
    )
    fig.legend(
        handles=[
            *(
                Patch(facecolor=c, hatch=h, edgecolor="#333", label=words)
                for c, h, words in STATUS_STYLE.values()
            ),
            faint,
        ],
        loc="outside lower center",
        ncols=4,
        fontsize="small",
    )
    return png(fig)


def _empty(rows: pd.DataFrame) -> str:
    """Why a pair has no bars (too few worlds, or nothing varies), or "" if it has some."""
    if rows["index"].isna().all():
        return f"fewer than {MIN_WORLDS} worlds: no index"
    if (rows["index_high"] == 0).all():
        return "the same difference in every world: nothing to explain"
    return ""


def _named(rows: pd.DataFrame, top: int) -> str:
    """The pair's clear parameters as escaped text: ``name (index, status)``."""
    clear = rows[_clear(rows)].head(top)
    empty = _empty(rows)
    if empty:
        return f"<em>{html.escape(empty)}</em>"
    if clear.empty:
        return "<em>no single parameter stands out</em>"
    words = {s: w for s, (_, _, w) in STATUS_STYLE.items()}
    return ", ".join(
        f"{html.escape(str(p))} ({float(i):.2f}, {html.escape(words.get(str(s), str(s)))})"
        for p, i, s in zip(clear["parameter"], clear["index"], clear["status"], strict=True)
    )


def drivers_html(table: pd.DataFrame, top: int = 3) -> Markup:
    """A small HTML table: per pair, the parameters its difference clearly depends on.

    Every name is escaped here; the fragment is marked safe for the report's template.
    """
    lines = ["<table class='drivers'><tr><th>arm</th><th>metric</th><th>depends on</th></tr>"]
    for (arm, metric), rows in table.groupby(["arm", "metric"], sort=False):
        label = LABELS.get(str(metric), str(metric).replace("_", " "))
        lines.append(
            f"<tr><td>{html.escape(str(arm))}</td><td>{html.escape(label)}</td>"
            f"<td>{_named(rows, top)}</td></tr>"
        )
    lines.append("</table>")
    return trusted("\n".join(lines))
