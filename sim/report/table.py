"""The terminal's comparison table: what ``outreach-sim`` prints after a run.

A row per arm (response rate with its interval, meetings, opt-outs, per rep-hour, the difference
from the baseline), then what the intervals cover (:mod:`sim.report.coverage`), across worlds
the verdicts in words, and the live A/B test's size (:func:`sim.report.comparison.ab_footnote`).
"""

from __future__ import annotations

import math
import textwrap

import pandas as pd

from sim.report.comparison import ab_footnote
from sim.report.coverage import better_in, coverage_note, verdict_lines, worlds_of


def _pct(value: float) -> str:
    return "-" if math.isnan(value) else f"{100 * value:.1f}%"


def share_interval(
    metrics: pd.DataFrame, arm: str, metric: str, low: float, high: float
) -> tuple[float, float]:
    """``arm``'s share interval in [0, 1] (:func:`sim.run.stats.share_interval`).

    ``summary.csv`` has it already where there are replicates; with one replicate the interval
    is the Wilson interval of that replicate's count.
    """
    if not math.isnan(low) and low >= 0.0 and high <= 1.0:
        return low, high
    # Imported here: SciPy (~0.7 s) is needed by a job's table only, not by a sweep's page.
    from sim.run import stats

    return stats.share_interval(metrics[metrics["arm"] == arm], metric, low, high)


def _rate_cell(row: pd.Series, metrics: pd.DataFrame) -> str:
    mean, low, high = float(row["mean"]), float(row["ci_low"]), float(row["ci_high"])
    low, high = share_interval(metrics, str(row["arm"]), "response_rate", low, high)
    return f"{_pct(mean)} ({_pct(low)} to {_pct(high)})"


def _diff_cell(row: pd.Series) -> tuple[str, str]:
    d, low, high = (
        float(row["diff_vs_baseline"]),
        float(row["diff_ci_low"]),
        float(row["diff_ci_high"]),
    )
    if math.isnan(d):
        return "(baseline)", ""
    ci = "" if math.isnan(low) else f" ({100 * low:+.1f} to {100 * high:+.1f})"
    p = float(row["p_value"])
    shown = "-" if math.isnan(p) else "<0.001" if p < 0.001 else f"{p:.3f}"
    return f"{100 * d:+.1f} pts{ci}", shown


def _table_rows(
    summary: pd.DataFrame, metrics: pd.DataFrame, baseline: str
) -> list[tuple[str, ...]]:
    """The header and one row of cells per arm of :func:`comparison_table`.

    Across worlds the intervals are headed as such and the p-value column (NaN there) gives way
    to the worlds in which the arm beats the baseline (:func:`sim.report.coverage.better_in`).
    """

    def value(arm: str, metric: str) -> pd.Series:
        return summary[(summary["arm"] == arm) & (summary["metric"] == metric)].iloc[0]

    across = worlds_of(summary) > 0
    what = "95% interval" if across else "95% CI"
    header: tuple[str, ...] = (
        "arm",
        f"response rate ({what})",
        "meetings",
        "opt-outs",
        "resp/rep-h",
        "mtgs/rep-h",
        f"vs {baseline} ({what})",
        "better in" if across else "p",
    )
    # The inbox column only where deliverability ran (model.deliverability): a share per arm.
    inbox = summary[summary["metric"] == "inbox_placement_rate"]
    with_inbox = bool(len(inbox)) and bool(inbox["mean"].notna().any())
    if with_inbox:
        header += ("inbox",)
    rows: list[tuple[str, ...]] = [header]
    for arm in dict.fromkeys(summary["arm"]):
        rate = value(arm, "response_rate")
        diff, p = _diff_cell(rate)
        if across:
            p = better_in(rate)
        rows.append(
            (
                str(arm),
                _rate_cell(rate, metrics),
                f"{float(value(arm, 'meetings')['mean']):.1f}",
                f"{float(value(arm, 'opt_outs')['mean']):.1f}",
                f"{float(value(arm, 'responses_per_rep_hour')['mean']):.3f}",
                f"{float(value(arm, 'meetings_per_rep_hour')['mean']):.3f}",
                diff,
                p,
            )
            + ((_inbox_cell(summary, str(arm)),) if with_inbox else ())
        )
    return rows


def _inbox_cell(summary: pd.DataFrame, arm: str) -> str:
    """The share of an arm's emails that reached the inbox; ``-`` for an arm that sent none."""
    hit = summary[(summary["arm"] == arm) & (summary["metric"] == "inbox_placement_rate")]
    value = float(hit["mean"].iloc[0]) if len(hit) else math.nan
    return "-" if math.isnan(value) else f"{100 * value:.0f}%"


def _aligned(rows: list[tuple[str, ...]]) -> list[str]:
    """The rows as aligned columns (the first left, the rest right), a rule under the header."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


def comparison_table(
    summary: pd.DataFrame, metrics: pd.DataFrame, baseline: str, title: str, exp: object
) -> str:
    """The plain-text table the app prints after a run.

    Args:
        summary: The ``summary.csv`` table.
        metrics: The ``metrics.csv`` table (for Wilson intervals with one replicate).
        baseline: The arm the differences are taken against.
        title: What was compared (population and size).
        exp: The experiment config (for replications, horizon, seed and the model's worlds).

    Returns:
        A table: arm, response rate with its 95% interval, meetings and opt-outs (mean per
        run), responses and meetings per rep-hour, response-rate difference vs baseline with its
        95% interval, and the paired t-test p-value (across worlds: the worlds in which the arm
        beats the baseline); under it, what the intervals cover
        (:func:`sim.report.coverage.coverage_note`), across worlds the verdicts in words, and
        the prospects per arm a live A/B test needs (:func:`ab_footnote`).
    """
    lines = _aligned(_table_rows(summary, metrics, baseline))
    replications = getattr(exp, "replications", "?")
    horizon = getattr(exp, "horizon_days", float("nan"))
    seed = getattr(exp, "seed", "?")
    k = worlds_of(summary)
    plural = "" if replications == 1 else "s"
    runs = f"{replications} replicate{plural}"
    if k:
        runs = f"{k} plausible worlds x {runs}"
    intro = f"Outreach comparison: {title}, {runs}, {horizon:g} days, seed {seed}"
    if k:
        note = (
            "meetings and opt-outs: mean over worlds and replicates; intervals: across the worlds "
            "(each world's replicates, paired by world and replicate)"
        )
    elif replications != 1:
        note = (
            "meetings and opt-outs: mean per replicate; CIs: t over replicates; differences "
            "paired by replicate (p: paired t-test)"
        )
    else:
        note = "one replicate: Wilson interval for the response rate; no paired differences"
    if "inbox" in lines[0]:
        note += "\ninbox: share of the arm's emails that reached the inbox (-: the arm sent none)"
    worlds = getattr(getattr(getattr(exp, "model", None), "worlds", None), "values", None)
    covers = textwrap.wrap(coverage_note(summary, baseline, len(worlds or [])), width=100)
    verdicts = verdict_lines(summary, baseline)
    footnote = ab_footnote(summary, baseline)
    blocks = [[intro], lines, [note, *covers], verdicts, footnote]
    return "\n\n".join("\n".join(b) for b in blocks if b)
