"""A study's answer in one line: the metrics its question asks about, in the order it asks.

The line a room reads first (the study report's answer, the workshop page's headline): one arm
against another on each metric of the question, each said with "clearly" only when its 95%
interval says so. Over plausible worlds (``interval`` = ``worlds`` in ``summary.csv``) a metric
with a verdict is said by that verdict (:mod:`sim.run.verdicts`). The longer sentences, with the
intervals in numbers, are :mod:`sim.report.verdict`'s.
"""

from __future__ import annotations

import math

import pandas as pd

from sim.report.verdict import Estimate, clearly, estimate, fmt, worlds_row
from sim.run.verdicts import BETTER, DEPENDS, DIRECTION, UNCLEAR, WORSE

#: What a lead line can say, beyond the headline's metrics: (words, kind, more, fewer). Kinds as
#: :func:`fmt`, plus ``pct2`` (a small share, two decimals) and ``score`` (0 to 1, two decimals).
LEAD: dict[str, tuple[str, str, str, str]] = {
    "response_rate": ("replied", "pct", "more", "fewer"),
    "meeting_rate": ("booked a meeting", "pct", "more", "fewer"),
    "opt_out_rate": ("opted out", "pct", "more", "fewer"),
    "meetings": ("meetings", "count", "more", "fewer"),
    "opt_outs": ("opt-outs", "count", "more", "fewer"),
    "prospects_burned": ("prospects burned", "count", "more", "fewer"),
    "prospects_reachable": ("prospects left to work", "count", "more", "fewer"),
    "expected_future_meetings": ("meetings left in the list", "count", "more", "fewer"),
    "inbox_placement_rate": ("emails in the inbox", "pct", "higher", "lower"),
    "complaint_rate": ("spam complaints per email", "pct2", "higher", "lower"),
    "final_reputation": ("sender reputation", "score", "higher", "lower"),
}


def lead_value(value: float, kind: str) -> str:
    """A lead line's value: :func:`fmt`, or two decimals for ``pct2`` and ``score``."""
    if math.isnan(value):
        return "n/a"
    if kind == "pct2":
        return f"{100 * value:.2f}%"
    if kind == "score":
        return f"{value:.2f}"
    return fmt(value, kind)


def world_side(metric: str, row: pd.Series | None) -> str | None:
    """A row's verdict across worlds as a side (``higher``, ``lower``, ``unclear``, ``depends``).

    ``None`` when the row is not an answer across worlds or has no verdict (a metric without a
    direction, such as prospects burned): the interval decides then.
    """
    if row is None:
        return None
    up = DIRECTION.get(metric, 1) > 0
    return {
        BETTER: "higher" if up else "lower",
        WORSE: "lower" if up else "higher",
        DEPENDS: "depends",
        UNCLEAR: "unclear",
    }.get(str(row.get("verdict", "")))


def lead_part(
    metric: str,
    x: Estimate,
    y: Estimate,
    paired: bool,
    of: tuple[float, float] | None = None,
    side: str | None = None,
) -> str:
    """``opted out 18.2% against 38.0%, clearly fewer``: one metric of a lead line.

    Paired (two arms of one run): "clearly" when the paired 95% interval of the difference
    excludes zero. Unpaired (two runs): when the two arms' 95% intervals are apart. ``of``: the
    two lists' sizes, for a count of prospects (``244 of 3,200 against 25 of 400``). ``side``:
    the verdict across worlds (:func:`world_side`), which then decides instead.
    """
    words, kind, more, fewer = LEAD[metric]
    if side is not None:
        pass
    elif paired:
        side = clearly(x.diff_low, x.diff_high)
    elif math.isnan(x.low) or math.isnan(y.low):
        side = "unknown"
    else:
        side = "higher" if x.low > y.high else "lower" if x.high < y.low else "unclear"
    said = {
        "higher": f"clearly {more}",
        "lower": f"clearly {fewer}",
        "unclear": "not clearly different",
        "unknown": "no interval to judge by",
        "depends": "it depends on what the evidence does not pin down",
    }[side]
    a, b = lead_value(x.mean, kind), lead_value(y.mean, kind)
    if of is not None:
        a, b = f"{x.mean:,.0f} of {of[0]:,.0f}", f"{y.mean:,.0f} of {of[1]:,.0f}"
    return f"{words} {a} against {b}, {said}"


def lead_line(
    a: pd.DataFrame,
    arm: str,
    name: str,
    b: pd.DataFrame,
    base: str,
    base_name: str,
    metrics: tuple[str, ...],
) -> str:
    """The answer in one line, the metrics the question asks about first, in their order.

    E.g. ``“Over a month” against “In 24 hours”: opted out 18.2% against 38.0%, clearly fewer;
    prospects burned 274.2 against 546.6, clearly fewer; booked a meeting 0.8% against 0.7%, not
    clearly different.`` ``a`` and ``b`` are the same table (paired: two arms of one run) or two
    runs' tables (unpaired). A metric either table lacks, or has without a value (deliverability
    off), is left out.
    """
    paired = a is b
    parts = []
    for metric in metrics:
        try:
            x, y = estimate(a, arm, metric), estimate(b, base, metric)
        except KeyError:
            continue
        if math.isnan(x.mean) or math.isnan(y.mean):
            continue
        of = None
        if metric.startswith("prospects_") and "prospects" in set(a["metric"]):
            of = (estimate(a, arm, "prospects").mean, estimate(b, base, "prospects").mean)
        side = world_side(metric, worlds_row(a, arm, metric)) if paired else None
        parts.append(lead_part(metric, x, y, paired, of, side))
    if not parts:
        return ""
    return f"“{name}” against “{base_name}”: {'; '.join(parts)}."
