"""Verdicts: two arms of a run compared in plain words, with the trade-offs a room asks about.

A trainer's answer names what each arm got, says "clearly" only when the 95% confidence interval
of the paired difference excludes zero, and never stops at the headline: it says what the winner
cost in opt-outs and in rep time (hours, and rep hours per meeting). An interval over replicates
is said to cover the replicate noise only; a summary across plausible worlds (``interval`` =
``worlds``, :mod:`sim.run.world_stats`) is said with its verdict: clearly better in every
plausible world, depends on parameters the evidence does not pin down (named), or no clear
difference (:func:`across_worlds`). Both the study reports
(:mod:`sim.report.study`) and the workshop page (:mod:`sim.workshop`) word their answers here, from
a ``summary.csv`` table (:func:`sim.run.stats.summarize`), so the two never disagree.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from sim.run.verdicts import DIRECTION

#: How each metric is said: (noun, kind), kind "pct" (a share of prospects) or "count".
#: What a share of prospects did, for the headline ("12.2% of prospects replied").
DID: dict[str, str] = {
    "response_rate": "replied",
    "meeting_rate": "booked a meeting",
    "opt_out_rate": "opted out",
}
NOUNS: dict[str, tuple[str, str]] = {
    "response_rate": ("replies", "pct"),
    "meeting_rate": ("meetings", "pct"),
    "opt_out_rate": ("opt-outs", "pct"),
    "meetings": ("meetings", "count"),
    "responses": ("replies", "count"),
    "opt_outs": ("opt-outs", "count"),
    "rep_hours": ("rep hours", "hours"),
}


def fmt(value: float, kind: str) -> str:
    """A value as a room reads it: ``12.3%``, ``41.0`` or ``41 h``."""
    if math.isnan(value):
        return "n/a"
    if kind == "pct":
        return f"{100 * value:.1f}%"
    if kind == "hours":
        return f"{value:,.0f} h"
    return f"{value:,.1f}"


def fmt_diff(value: float, kind: str) -> str:
    """A difference: ``+2.1 points`` for shares, ``+3.0`` for counts."""
    if kind == "pct":
        return f"{100 * value:+.1f} points"
    return f"{value:+,.1f}"


def clearly(low: float, high: float) -> str:
    """``higher``, ``lower``, ``unclear`` (the interval holds zero) or ``unknown`` (no interval)."""
    if math.isnan(low) or math.isnan(high):
        return "unknown"
    if low > 0:
        return "higher"
    if high < 0:
        return "lower"
    return "unclear"


@dataclass(frozen=True)
class Estimate:
    """One metric of one arm: its mean and 95% CI, and the paired difference from the baseline."""

    mean: float
    low: float
    high: float
    diff: float
    diff_low: float
    diff_high: float


def estimate(summary: pd.DataFrame, arm: str, metric: str) -> Estimate:
    """The row of ``summary`` for ``arm`` and ``metric``.

    Raises:
        KeyError: the table has no such row.
    """
    hit = summary[(summary["arm"] == arm) & (summary["metric"] == metric)]
    if hit.empty:
        raise KeyError(f"summary has no row for arm={arm!r}, metric={metric!r}")
    r = hit.iloc[0]
    cols = ("mean", "ci_low", "ci_high", "diff_vs_baseline", "diff_ci_low", "diff_ci_high")
    return Estimate(*(float(r[c]) for c in cols))


def hours_per_meeting(summary: pd.DataFrame, arm: str) -> float:
    """Rep hours spent per meeting booked (means over replicates); NaN with no meeting."""
    meetings = estimate(summary, arm, "meetings").mean
    return estimate(summary, arm, "rep_hours").mean / meetings if meetings > 0 else math.nan


#: What an interval over replicates leaves out, said wherever one is shown.
REPLICATE_ONLY = "replicate noise only"


def _interval_words(f: Estimate, kind: str, what: str) -> str:
    """``; difference +2.1 points, 95% interval +1.0 to +3.2 points (<what>)``, or nothing."""
    if math.isnan(f.diff_low):
        return ""
    return (
        f"; difference {fmt_diff(f.diff, kind)}, 95% interval "
        f"{fmt_diff(f.diff_low, kind).split()[0]} to {fmt_diff(f.diff_high, kind)} ({what})"
    )


#: What :func:`names` says when a ``depends`` verdict names no parameter.
NO_NAMES = "parameters the worlds do not single out"


def names(depends_on: object) -> str:
    """``a;b;c`` (``summary.csv``'s ``depends_on``) as ``a, b and c``."""
    parts = [p for p in str(depends_on if isinstance(depends_on, str) else "").split(";") if p]
    if len(parts) < 2:
        return "".join(parts) or NO_NAMES
    return f"{', '.join(parts[:-1])} and {parts[-1]}"


def _depends_on(depends_on: object, k: int) -> str:
    """What a ``depends`` verdict depends on, in words."""
    if names(depends_on) == NO_NAMES:
        return (
            f"it depends on what the evidence does not pin down (no single parameter stands "
            f"out in {k} worlds)"
        )
    return f"it depends on {names(depends_on)}, which the evidence does not pin down"


def worlds_row(summary: pd.DataFrame, arm: str, metric: str) -> pd.Series | None:
    """The row of ``summary`` for ``arm`` and ``metric`` when it is an answer across worlds."""
    hit = summary[(summary["arm"] == arm) & (summary["metric"] == metric)]
    if hit.empty or "interval" not in hit.columns or hit.iloc[0]["interval"] != "worlds":
        return None
    return hit.iloc[0]


def world_verdict(row: pd.Series, more: str = "more", fewer: str = "fewer") -> str:
    """A row's verdict across worlds in words (``more``/``fewer``: the metric's two ways).

    E.g. ``clearly more in every plausible world (20 of 20)``, ``more in 9 of 20 plausible
    worlds: it depends on wearout and response_base.email, which the evidence does not pin
    down``, ``no clear difference (more in 11 of 20 plausible worlds)``.
    """
    k = int(row["worlds"])
    share = float(row["share_worlds_better"])
    n = 0 if math.isnan(share) else round(share * k)
    good, bad = (more, fewer) if DIRECTION.get(str(row["metric"]), 1) > 0 else (fewer, more)
    return {
        "better": f"clearly {good} in every plausible world ({n} of {k})",
        "worse": f"clearly {bad} in every plausible world ({k - n} of {k})",
        "depends": f"{good} in {n} of {k} plausible worlds: " + _depends_on(row["depends_on"], k),
        "no clear difference": f"no clear difference ({good} in {n} of {k} plausible worlds)",
    }.get(str(row["verdict"]), f"across {k} plausible worlds")


def across_worlds(summary: pd.DataFrame, arm: str, metric: str, more: str, fewer: str) -> str:
    """:func:`world_verdict` and the difference's interval across the worlds.

    Empty when the row is not an answer across worlds.
    """
    row = worlds_row(summary, arm, metric)
    if row is None:
        return ""
    kind = NOUNS.get(metric, ("", "count"))[1]
    said = _interval_words(estimate(summary, arm, metric), kind, "across the worlds")
    return world_verdict(row, more, fewer) + said


def _versus(f: Estimate, kind: str, more: str, fewer: str) -> str:
    verdict = clearly(f.diff_low, f.diff_high)
    interval = _interval_words(f, kind, REPLICATE_ONLY)
    word = {
        "higher": f"clearly {more}",
        "lower": f"clearly {fewer}",
        "unclear": "not clearly different",
        "unknown": "with one replicate, no interval to judge by",
    }[verdict]
    return f"{word}{interval}"


def headline(
    summary: pd.DataFrame, arm: str, baseline: str, labels: Mapping[str, str], metric: str
) -> str:
    """The headline: ``A: 12.2% of prospects replied, against 4.1% with B; clearly more ...``."""
    noun, kind = NOUNS[metric]
    f, b = estimate(summary, arm, metric), estimate(summary, baseline, metric)
    # Labels are quoted: they are names, often long, and may start with a capital mid-sentence.
    a_name, b_name = f"“{labels.get(arm, arm)}”", f"“{labels.get(baseline, baseline)}”"
    if kind == "pct":
        what = f"{fmt(f.mean, kind)} of prospects {DID[metric]}, against {fmt(b.mean, kind)}"
    else:
        what = f"{fmt(f.mean, kind)} {noun} per run, against {fmt(b.mean, kind)}"
    said = across_worlds(summary, arm, metric, "more", "fewer") or _versus(f, kind, "more", "fewer")
    return f"{a_name}: {what} with {b_name}; {said}."


def trade_offs(summary: pd.DataFrame, arm: str, baseline: str, labels: Mapping[str, str]) -> str:
    """What ``arm`` cost against ``baseline``: opt-outs, rep hours and rep hours per meeting."""
    parts = []
    metrics = set(summary["metric"])
    if "opt_out_rate" in metrics:
        f, b = estimate(summary, arm, "opt_out_rate"), estimate(summary, baseline, "opt_out_rate")
        said = across_worlds(summary, arm, "opt_out_rate", "more", "fewer") or _versus(
            f, "pct", "more", "fewer"
        )
        parts.append(f"Opt-outs: {fmt(f.mean, 'pct')} against {fmt(b.mean, 'pct')}, {said}.")
    if {"rep_hours", "meetings"} <= metrics:
        h, hb = (
            estimate(summary, arm, "rep_hours").mean,
            estimate(summary, baseline, "rep_hours").mean,
        )
        ratio = f" ({h / hb:.1f} times as much)" if hb > 0 else ""
        per, per_b = hours_per_meeting(summary, arm), hours_per_meeting(summary, baseline)
        parts.append(
            f"Rep time: {fmt(h, 'hours')} against {fmt(hb, 'hours')}{ratio}; "
            f"{_per_meeting(per)} per meeting against {_per_meeting(per_b)}."
        )
    return " ".join(parts)


def _per_meeting(value: float) -> str:
    return "no meeting, so no hours" if math.isnan(value) else f"{value:.1f} rep hours"


def live_test(summary: pd.DataFrame, arm: str, metric: str) -> str:
    """The next step in words: the prospects per arm a live A/B test needs, and what that rests on.

    From ``summary.csv``'s ``ab_prospects_per_arm`` (:func:`sim.run.stats.ab_prospects_per_arm`);
    empty where it has none (the baseline, a count, no predicted difference, an older table).
    """
    hit = summary[(summary["arm"] == arm) & (summary["metric"] == metric)]
    if hit.empty or "ab_prospects_per_arm" not in hit.columns:
        return ""
    n = float(hit.iloc[0]["ab_prospects_per_arm"])
    if math.isnan(n):
        return ""
    # Said with its condition: the size is the model's prediction's, not a finding.
    return (
        f"To check this in a live A/B test: about {n:,.0f} prospects per arm for the difference "
        f"in {NOUNS[metric][0]} (power 0.8, two-sided alpha 0.05), if the model's prediction is "
        "right; the test is the evidence, this number is not."
    )


def answer(
    summary: pd.DataFrame, arm: str, baseline: str, labels: Mapping[str, str], metric: str
) -> str:
    """The headline for ``metric``, the trade-offs and the live test, in one short paragraph."""
    parts = [
        headline(summary, arm, baseline, labels, metric),
        trade_offs(summary, arm, baseline, labels),
        live_test(summary, arm, metric),
    ]
    return " ".join(p for p in parts if p)


def unpaired(
    a: pd.DataFrame,
    arm_a: str,
    name_a: str,
    b: pd.DataFrame,
    arm_b: str,
    name_b: str,
    metric: str,
) -> tuple[str, str]:
    """Headline and trade-offs for two arms of two different runs (e.g. two jobs of a sweep).

    Without pairing there is no interval of the difference, so "clearly" needs the two 95%
    intervals apart (a stricter test than a paired one).

    Returns:
        ``(headline, trade_offs)``.
    """

    def versus(x: Estimate, y: Estimate, more: str, fewer: str) -> str:
        if math.isnan(x.low) or math.isnan(y.low):
            return "with one replicate, no interval to judge by"
        if x.low > y.high:
            return f"clearly {more} (the 95% intervals do not overlap)"
        if x.high < y.low:
            return f"clearly {fewer} (the 95% intervals do not overlap)"
        return "not clearly different (the 95% intervals overlap)"

    noun, kind = NOUNS[metric]
    x, y = estimate(a, arm_a, metric), estimate(b, arm_b, metric)
    per_run = " per run" if kind == "count" else " of prospects"
    head = (
        f"“{name_a}”: {fmt(x.mean, kind)} {noun}{per_run} ({fmt(x.low, kind)} to "
        f"{fmt(x.high, kind)}), against {fmt(y.mean, kind)} ({fmt(y.low, kind)} to "
        f"{fmt(y.high, kind)}) with “{name_b}”; {versus(x, y, 'more', 'fewer')}."
    )
    ox, oy = estimate(a, arm_a, "opt_out_rate"), estimate(b, arm_b, "opt_out_rate")
    hx, hy = estimate(a, arm_a, "rep_hours").mean, estimate(b, arm_b, "rep_hours").mean
    ratio = f" ({hx / hy:.1f} times as much)" if hy > 0 else ""
    trade = (
        f"Opt-outs: {fmt(ox.mean, 'pct')} against {fmt(oy.mean, 'pct')}, "
        f"{versus(ox, oy, 'more', 'fewer')}. Rep time: {fmt(hx, 'hours')} against "
        f"{fmt(hy, 'hours')}{ratio}; {_per_meeting(hours_per_meeting(a, arm_a))} per meeting "
        f"against {_per_meeting(hours_per_meeting(b, arm_b))}."
    )
    return head, trade
