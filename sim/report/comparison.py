"""Report: the one self-contained HTML page a person reads first, figures embedded as base64.

The page is a Jinja2 template (``sim/report/templates/run_report.html``,
:mod:`sim.report.pages`) with autoescaping: every string that comes from a config (arm names,
strategy labels, overrides, preset names) is text, never markup or script.
"""

from __future__ import annotations

import html
import math
import textwrap
from collections.abc import Mapping, Sequence

import pandas as pd

from sim.report import pages
from sim.report.coverage import better_in, coverage_note, verdicts, verdicts_heading, worlds_of
from sim.report.pages import trusted
from sim.run.drivers import ALPHA as DRIVER_ALPHA
from sim.run.drivers import THRESHOLD as DRIVER_THRESHOLD

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
    "drivers.png": (
        "What drives each difference: the share of its variance across the plausible worlds that "
        "each parameter explains alone (first-order index, 95% bootstrap interval). Faint bars "
        f"are not clear of noise (index under {DRIVER_THRESHOLD:g}, or adjusted p-value of a "
        f"permutation test at least {DRIVER_ALPHA:g}). With 20 worlds the indices are rough: see "
        "docs/uncertainty.md."
    ),
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
    if row.get("interval") != "worlds":
        return f"<br><small>{d:+.3g}{ci}, p={_num(p, 2)}</small>"
    verdict = str(row["verdict"]) if isinstance(row["verdict"], str) else ""
    shown = html.escape(f"better in {better_in(row)} worlds" + (f": {verdict}" if verdict else ""))
    return f"<br><small>{d:+.3g}{ci}, {shown}</small>"


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
    model_worlds: int | None = None,
    warnings: Sequence[str] = (),
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
        model_worlds: The plausible worlds the model carries (None: none), for the paragraph
            on what the intervals cover (:func:`sim.report.coverage.coverage_note`).
        warnings: Steps outside a fitted model's log, one line each (escaped), shown first.

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
        heading=_heading(summary, baseline),
        coverage=coverage_note(summary, baseline, model_worlds),
        verdicts=verdicts(summary, baseline),
        verdicts_heading=verdicts_heading(baseline, worlds=bool(worlds_of(summary))),
        metrics=REPORT_METRICS,
        rows=rows,
        notes=notes,
        warnings=warnings,
        ab_note=AB_NOTE if sized else "",
        figures=[(n, CAPTIONS.get(n, n), pages.png_src(d)) for n, d in figures.items()],
    )


def _heading(summary: pd.DataFrame, baseline: str) -> str:
    """The table's heading: what its means and intervals are over."""
    k = worlds_of(summary)
    if k:
        return (
            f"Results (mean over {k} plausible worlds, 95% interval across them; below: "
            f"difference vs {baseline}, the worlds in which it is better, and the verdict)"
        )
    return f"Results (mean over replicates, 95% CI; below: difference vs {baseline}, paired)"


def _html_cell(row: pd.Series) -> str:
    """One cell of the report's table: the mean and CI, the difference, the A/B test's size."""
    return _cell(row) + _diff(row) + _ab_cell(row)


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
    if not low <= 0 <= high:
        doubt = ""
    elif row.get("interval") == "worlds":
        doubt = " (difference not clear of zero across the worlds)"
    else:
        doubt = " (simulated difference not clear of zero)"
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


#: Rows of the sweep report's table: a sweep of thousands of jobs keeps its page readable (every
#: row is in the sweep tables).
SWEEP_REPORT_ROWS = 200


def render_sweep(
    *,
    answers: Sequence[str] = (),
    warnings: Sequence[str] = (),
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
        answers: The answer in words, a sentence per key metric
            (:func:`sim.report.sweep_answers.best_sentences`).
        warnings: The limits that bound, a line per kind
            (:func:`sim.report.aggregate.limits_lines`).
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
        answers=answers,
        warnings=warnings,
        figures=[(n, _sweep_caption(n), pages.png_src(d)) for n, d in figures.items()],
        job_extra=", figures and report" if full_jobs else " (outputs=tables: no figures)",
    )


def _sweep_caption(name: str) -> str:
    """A sweep figure's caption (:mod:`sim.report.sweep_answers` draws them)."""
    if name == "sweep_heatmap.png":
        return (
            "Each key metric over the first two swept parameters, for the arm best at it; the "
            "other parameters at that metric's best configuration."
        )
    return (
        f"Key metrics against {name.removeprefix('sweep_').removesuffix('.png')}: a line (or "
        "bars) per arm with 95% intervals over replicates, the other parameters held at each "
        "metric's best configuration."
    )
