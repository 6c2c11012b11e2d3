"""Report: the one self-contained HTML page a person reads first, figures embedded as base64.

The page is a Jinja2 template (``sim/report/templates/run_report.html``,
:mod:`sim.report.pages`) with autoescaping: every string that comes from a config (arm names,
strategy labels, overrides, preset names) is text, never markup or script.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence

import pandas as pd

from sim.report import pages
from sim.report.pages import trusted

#: The metrics the report's table shows, with their headings.
REPORT_METRICS: tuple[tuple[str, str], ...] = (
    ("response_rate", "response rate"),
    ("meeting_rate", "meeting rate"),
    ("opt_out_rate", "opt-out rate"),
    ("responses_per_rep_hour", "responses / rep-hour"),
    ("meetings_per_rep_hour", "meetings / rep-hour"),
    ("inbox_placement_rate", "emails in the inbox"),
)

CAPTIONS: dict[str, str] = {
    "response_rate.png": "Response rate by arm, with 95% confidence bars.",
    "timeseries.png": "Cumulative responses and opt-outs over time (mean of replicates).",
    "by_touch.png": "Responses credited to each touch number.",
    "efficiency.png": "Responses and meetings per rep-hour.",
}


#: Why the size is not evidence: said under every table and page that shows one.
AB_CAVEAT = (
    "The size comes from the model's predicted rates, so it assumes the prediction is right: it "
    "is the sample a real test needs to check the prediction, not evidence for it."
)
#: The report's paragraph on the A/B sizes in its table.
AB_NOTE = (
    "“Live A/B test: N per arm” is how many prospects each arm of a real two-arm test needs to "
    "confirm the predicted difference in that share of prospects (power 0.8, two-sided alpha "
    f"0.05, statsmodels). {AB_CAVEAT}"
)


def _num(value: float, digits: int = 3) -> str:
    return "&ndash;" if math.isnan(value) else f"{value:.{digits}g}"


def _cell(row: pd.Series) -> str:
    mean, low, high = float(row["mean"]), float(row["ci_low"]), float(row["ci_high"])
    if math.isnan(low):
        return _num(mean)
    return f"{_num(mean)} <small>({_num(low)} to {_num(high)})</small>"


def _diff(row: pd.Series) -> str:
    d = float(row["diff_vs_baseline"])
    if math.isnan(d):
        return ""
    low, high, p = float(row["diff_ci_low"]), float(row["diff_ci_high"]), float(row["p_value"])
    ci = "" if math.isnan(low) else f" ({low:+.3g} to {high:+.3g})"
    return f"<br><small>{d:+.3g}{ci}, p={_num(p, 2)}</small>"


def _ab_cell(row: pd.Series) -> str:
    """The live A/B test's prospects per arm under a difference, where ``summary.csv`` has one."""
    n = float(row.get("ab_prospects_per_arm", math.nan))
    return "" if math.isnan(n) else f"<br><small>live A/B test: {n:,.0f} per arm</small>"


def render(
    *,
    title: str,
    facts: Mapping[str, str],
    summary: pd.DataFrame,
    labels: Mapping[str, str],
    baseline: str,
    figures: Mapping[str, bytes],
    notes: Sequence[str] = (),
) -> str:
    """The report page.

    Args:
        title: Page title (escaped).
        facts: Run facts shown as a list (keys and values escaped).
        summary: The ``summary.csv`` table.
        labels: Strategy label by arm name (escaped).
        baseline: The arm the differences are taken against (escaped).
        figures: PNG bytes by file name, embedded in order.
        notes: Extra paragraphs (escaped).

    Returns:
        A complete HTML document with no external references.
    """
    arms = list(dict.fromkeys(summary["arm"]))
    rows = []
    for arm in arms:
        cells = []
        for metric, _ in REPORT_METRICS:
            match = summary[(summary["arm"] == arm) & (summary["metric"] == metric)]
            # Numbers only: the cell's markup is ours, its text is formatted floats.
            cells.append(trusted(_html_cell(match.iloc[0])) if len(match) else "")
        rows.append({"arm": arm, "label": labels.get(arm, ""), "cells": cells})
    sized = "ab_prospects_per_arm" in summary and summary["ab_prospects_per_arm"].notna().any()
    return pages.render(
        "run_report.html",
        title=title,
        facts=facts,
        baseline=baseline,
        metrics=REPORT_METRICS,
        rows=rows,
        notes=notes,
        ab_note=AB_NOTE if sized else "",
        figures=[(n, CAPTIONS.get(n, n), pages.png_src(d)) for n, d in figures.items()],
    )


def _html_cell(row: pd.Series) -> str:
    """One cell of the report's table: the mean and CI, the difference, the A/B test's size."""
    return _cell(row) + _diff(row) + _ab_cell(row)


def _pct(value: float) -> str:
    return "-" if math.isnan(value) else f"{100 * value:.1f}%"


def _rate_cell(row: pd.Series, metrics: pd.DataFrame) -> str:
    # Imported here: SciPy (~0.7 s) is needed by a job's table only, not by a sweep's page.
    from sim.run.stats import wilson_interval

    mean, low, high = float(row["mean"]), float(row["ci_low"]), float(row["ci_high"])
    if math.isnan(low):
        # One replicate: a Wilson interval for that replicate's proportion.
        one = metrics[metrics["arm"] == row["arm"]].iloc[0]
        low, high = wilson_interval(int(one["responses"]), int(one["prospects"]))
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
    """The header and one row of cells per arm of :func:`comparison_table`."""

    def value(arm: str, metric: str) -> pd.Series:
        return summary[(summary["arm"] == arm) & (summary["metric"] == metric)].iloc[0]

    header = (
        "arm",
        "response rate (95% CI)",
        "meetings",
        "opt-outs",
        "resp/rep-h",
        "mtgs/rep-h",
        f"vs {baseline} (95% CI)",
        "p",
        "inbox",
    )
    rows: list[tuple[str, ...]] = [header]
    for arm in dict.fromkeys(summary["arm"]):
        rate = value(arm, "response_rate")
        diff, p = _diff_cell(rate)
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
                _inbox_cell(summary, arm),
            )
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


#: The rows of ``summary.csv`` a live A/B test is sized for, as the footnote names them.
AB_NAMES: tuple[tuple[str, str], ...] = (
    ("response_rate", "response rate"),
    ("meeting_rate", "meetings per prospect"),
)


def _ab_size(row: pd.Series) -> str:
    """A row's ``ab_prospects_per_arm`` as the footnote says it, with the doubt the run leaves."""
    n = float(row.get("ab_prospects_per_arm", math.nan))
    if math.isnan(n):
        return "no predicted difference"
    low, high = float(row["diff_ci_low"]), float(row["diff_ci_high"])
    # A size for a difference the simulation itself cannot tell from zero is said to be that.
    doubt = " (simulated difference not clear of zero)" if low <= 0 <= high else ""
    return f"{n:,.0f}{doubt}"


def ab_footnote(summary: pd.DataFrame, baseline: str) -> list[str]:
    """The footnote of :func:`comparison_table`: prospects per arm of a live A/B test, per arm.

    Returns:
        No line when no arm is compared with the baseline (one arm, or the baseline absent).
    """
    if "ab_prospects_per_arm" not in summary.columns:
        return []
    arms = [a for a in dict.fromkeys(summary["arm"]) if a != baseline]
    if baseline not in set(summary["arm"]) or not arms:
        return []
    width = max(len(str(a)) for a in arms)
    heading = (
        f"Prospects per arm a live A/B test against {baseline} needs to confirm the predicted "
        f"difference (power 0.8, two-sided alpha 0.05). {AB_CAVEAT}"
    )
    lines = textwrap.wrap(heading, width=100)
    for arm in arms:
        parts = []
        for metric, name in AB_NAMES:
            hit = summary[(summary["arm"] == arm) & (summary["metric"] == metric)]
            if len(hit):
                parts.append(f"{name} {_ab_size(hit.iloc[0])}")
        # Wrapped as the heading is, the continuation under the sizes.
        lines += textwrap.wrap(
            f"  {str(arm).ljust(width)}  {', '.join(parts)}",
            width=100,
            subsequent_indent=" " * (width + 4),
        )
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
        exp: The experiment config (for replications, horizon and seed).

    Returns:
        A table: arm, response rate with its 95% CI, meetings and opt-outs (mean per
        replicate), responses and meetings per rep-hour, response-rate difference vs baseline
        with its paired 95% CI, the paired t-test p-value, and the share of the arm's emails
        that reached the inbox (``-``: no email); under it, the prospects per arm a live A/B
        test needs (:func:`ab_footnote`).
    """
    lines = _aligned(_table_rows(summary, metrics, baseline))
    replications = getattr(exp, "replications", "?")
    horizon = getattr(exp, "horizon_days", float("nan"))
    seed = getattr(exp, "seed", "?")
    plural = "" if replications == 1 else "s"
    intro = (
        f"Outreach comparison: {title}, {replications} replicate{plural}, "
        f"{horizon:g} days, seed {seed}"
    )
    note = (
        "meetings and opt-outs: mean per replicate; CIs: t over replicates; differences paired "
        "by replicate (p: paired t-test)"
        if replications != 1
        else "one replicate: Wilson interval for the response rate; no paired differences"
    )
    note += "\ninbox: share of the arm's emails that reached the inbox (-: the arm sent none)"
    footnote = ab_footnote(summary, baseline)
    return "\n".join([intro, "", *lines, "", note, *([""] if footnote else []), *footnote])


#: Rows of the sweep report's table: a sweep of thousands of jobs keeps its page readable (every
#: row is in the sweep tables).
SWEEP_REPORT_ROWS = 200


def render_sweep(
    *,
    title: str,
    facts: Mapping[str, str],
    summary: pd.DataFrame,
    index: Sequence[str],
    problems: Sequence[str],
    figures: Mapping[str, bytes],
    full_jobs: bool,
    metric: str = "response_rate",
) -> str:
    """The sweep report: what was swept, how each job ended, ``metric`` by job and arm.

    Args:
        title: Page title (escaped).
        facts: Sweep facts shown as a list (escaped).
        summary: The ``sweep_summary.csv`` table.
        index: Its columns that name a job (``job`` and the swept parameters).
        problems: One line per job that did not finish ok (escaped).
        figures: The sweep figures' PNG bytes by file name.
        full_jobs: Whether the jobs wrote their own figures and reports (``outputs``).
        metric: The metric of the table.
    """
    ok = summary[(summary["status"] == "ok") & (summary.get("metric") == metric)]
    header: list[str] = []
    rows: list[list[str]] = []
    if len(ok):
        table = ok.pivot_table(index=list(index), columns="arm", values="mean", sort=False)
        table = table[list(dict.fromkeys(ok["arm"]))]
        header = [*index, *(str(c) for c in table.columns)]
        for keys, values in zip(table.index, table.to_numpy(), strict=True):
            keys = keys if isinstance(keys, tuple) else (keys,)
            rows.append([*(str(k) for k in keys), *(_num(float(v)) for v in values)])
    shown = problems[:SWEEP_REPORT_ROWS]
    return pages.render(
        "sweep_report.html",
        title=title,
        facts=facts,
        problems=shown,
        more_problems=len(problems) - len(shown),
        metric=metric,
        header=header,
        rows=rows[:SWEEP_REPORT_ROWS],
        more_rows=max(0, len(rows) - SWEEP_REPORT_ROWS),
        figures=[
            (
                n,
                f"Key metrics against {n.removeprefix('sweep_').removesuffix('.png')}, a line per "
                "arm (mean over the other parameters).",
                pages.png_src(d),
            )
            for n, d in figures.items()
        ],
        job_extra=", figures and report" if full_jobs else " (outputs=tables: no figures)",
    )
