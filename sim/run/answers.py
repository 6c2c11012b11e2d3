"""Answers in words: each arm's difference from the baseline as a sentence a reader acts on.

``benefit_led gets 6.0 points more replies than entitlement (+5.4 to +6.6 points): clearly
better``, not ``0.0600 (0.0540 to 0.0660), p=5.9e-06``. The judgement is the summary's own
``verdict`` column (:mod:`sim.run.verdicts`: the paired replicate interval, or the answer across
plausible worlds); this module only says it, for the metrics that have a direction
(:data:`sim.run.verdicts.DIRECTION`). The API's ``Results.answers``, the terminal's footer and
the run report (:func:`sim.report.coverage.verdicts`) all read it from here.
"""

from __future__ import annotations

import math

import pandas as pd

from sim.run.verdicts import BETTER, DEPENDS, DIRECTION, UNCLEAR, WORSE

#: How a metric's difference is said: (noun, kind); kind ``pct`` (a share, said in points),
#: ``count`` (a number per run) or ``rate`` (per rep-hour, two decimals).
SAID: dict[str, tuple[str, str]] = {
    "response_rate": ("positive replies", "pct"),
    "meeting_rate": ("meetings booked", "pct"),
    "opt_out_rate": ("opt-outs", "pct"),
    "negative_rate": ("negative replies", "pct"),
    "responses": ("positive replies per run", "count"),
    "meetings": ("meetings per run", "count"),
    "opt_outs": ("opt-outs per run", "count"),
    "negative_replies": ("negative replies per run", "count"),
    "responses_per_rep_hour": ("positive replies per rep-hour", "rate"),
    "meetings_per_rep_hour": ("meetings per rep-hour", "rate"),
    "responses_per_touch": ("positive replies per touch", "rate"),
    "relationships_built": ("relationships built per run", "count"),
    "relationships_burned": ("relationships burned per run", "count"),
}
#: Columns of the ``answers`` table.
ANSWER_COLUMNS = ("arm", "metric", "verdict", "answer")


def _amount(value: float, kind: str, signed: bool = False) -> str:
    sign = "+" if signed else ""
    if kind == "pct":
        return f"{100 * value:{sign}.1f}"
    if kind == "rate":
        return f"{value:{sign}.2f}"
    return f"{value:{sign},.1f}"


def _unit(kind: str) -> str:
    return " points" if kind == "pct" else ""


def answer(row: pd.Series, baseline: str) -> str:
    """One summary row's difference from ``baseline`` in words; empty when it has no verdict.

    E.g. ``benefit_led gets 6.0 points more positive replies than entitlement (+5.4 to +6.6
    points): clearly better``; across worlds the verdict says in how many of them.
    """
    metric, verdict = str(row["metric"]), row.get("verdict", "")
    if metric not in DIRECTION or not isinstance(verdict, str) or not verdict:
        return ""
    noun, kind = SAID.get(metric, (metric.replace("_", " "), "count"))
    diff, low, high = (float(row[c]) for c in ("diff_vs_baseline", "diff_ci_low", "diff_ci_high"))
    if math.isnan(diff):
        return ""
    interval = (
        f" ({_amount(low, kind, True)} to {_amount(high, kind, True)}{_unit(kind)})"
        if not math.isnan(low)
        else ""
    )
    if diff == 0:
        compared = f"as many {noun} as {baseline}"
    else:
        way = "more" if diff > 0 else "fewer"
        compared = f"{_amount(abs(diff), kind)}{_unit(kind)} {way} {noun} than {baseline}"
    return f"{row['arm']} gets {compared}{interval}: {_judged(row)}"


def _judged(row: pd.Series) -> str:
    """The verdict in words, with the worlds it covers when it is an answer across worlds."""
    verdict = str(row["verdict"])
    words = {
        BETTER: "clearly better",
        WORSE: "clearly worse",
        UNCLEAR: "no clear difference",
        DEPENDS: "it depends on parameters the evidence does not pin down",
    }.get(verdict, verdict)
    if verdict == DEPENDS and isinstance(row.get("depends_on"), str) and row["depends_on"]:
        names = str(row["depends_on"]).replace(";", ", ")
        words = f"it depends on {names}, which the evidence does not pin down"
    if row.get("interval") == "worlds":
        share, k = float(row.get("share_worlds_better", math.nan)), int(row["worlds"])
        if not math.isnan(share):
            words += f" (better in {round(share * k)} of {k} plausible worlds)"
    elif verdict in (BETTER, WORSE, UNCLEAR):
        words += " (replicate noise only)"
    return words


def answers_table(summary: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """A row per compared arm and directed metric: its verdict and :func:`answer`."""
    rows = []
    for _, row in summary.iterrows():
        said = "" if row["arm"] == baseline else answer(row, baseline)
        if said:
            rows.append((row["arm"], row["metric"], row["verdict"], said))
    return pd.DataFrame(rows, columns=list(ANSWER_COLUMNS))
