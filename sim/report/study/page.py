"""A study's HTML page: the table with its intervals, the rep time, and the rendered template."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
from markupsafe import Markup

from sim.report import pages, verdict
from sim.report.study.notes import Note
from sim.report.study.words import WORDS, axis


@dataclass(frozen=True)
class RepTime:
    """One row of the report's rep-time table."""

    label: str
    hours: str
    meetings: str
    per_meeting: str


def _ci_cell(row: pd.Series, metric: str, kind: str) -> str:
    mean = float(row[f"{metric}_mean"])
    low = float(row[f"{metric}_ci_low"])
    high = float(row[f"{metric}_ci_high"])
    text = verdict.fmt(mean, kind)
    if not math.isnan(low):
        text += f" <small>({verdict.fmt(low, kind)} to {verdict.fmt(high, kind)})</small>"
    d = float(row[f"{metric}_diff"])
    if not math.isnan(d):
        lo = float(row[f"{metric}_diff_ci_low"])
        hi = float(row[f"{metric}_diff_ci_high"])
        ci = (
            ""
            if math.isnan(lo)
            else f" ({verdict.fmt_diff(lo, kind)} to {verdict.fmt_diff(hi, kind)})"
        )
        text += f"<br><small>vs baseline {verdict.fmt_diff(d, kind)}{ci}</small>"
    return text


def html_table(
    table: pd.DataFrame, metrics: Sequence[str], labels: Mapping[str, str], params: Sequence[str]
) -> Markup:
    """The full table: a column per swept parameter, the strategy, each metric with its CIs."""
    esc = html.escape
    head = "".join(f"<th>{esc(axis(p))}</th>" for p in params)
    head += "<th>strategy</th>" + "".join(
        f"<th>{esc(WORDS[m][0])}{' (% of prospects)' if WORDS[m][1] == 'pct' else ''}</th>"
        for m in metrics
    )
    body = []
    for _, row in table.iterrows():
        cells = "".join(f"<td>{esc(str(row[p]))}</td>" for p in params)
        arm = str(row["arm"])
        cells += f"<td>{esc(labels.get(arm, arm))}</td>"
        cells += "".join(f"<td>{_ci_cell(row, m, WORDS[m][1])}</td>" for m in metrics)
        body.append(f"<tr>{cells}</tr>")
    # Every text above went through html.escape; the numbers are ours.
    return pages.trusted(
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def rep_time_row(summary: pd.DataFrame, arm: str, label: str) -> RepTime:
    """Rep hours (with their 95% interval), meetings and rep hours per meeting of ``arm``."""
    hours = verdict.estimate(summary, arm, "rep_hours")
    meetings = verdict.estimate(summary, arm, "meetings")
    per = verdict.hours_per_meeting(summary, arm)
    interval = (
        ""
        if math.isnan(hours.low)
        else f" ({verdict.fmt(hours.low, 'hours')} to {verdict.fmt(hours.high, 'hours')})"
    )
    return RepTime(
        label=label,
        hours=verdict.fmt(hours.mean, "hours") + interval,
        meetings=f"{meetings.mean:,.1f}",
        per_meeting="no meeting" if math.isnan(per) else f"{per:.1f} h",
    )


def render_report(
    note: Note,
    answer: str,
    table_html: str,
    figures: Sequence[tuple[str, bytes]],
    facts: Mapping[str, str],
    *,
    trade_offs: str = "",
    rep_time: Sequence[RepTime] = (),
    capacity: str = "",
    answer_more: str = "",
) -> str:
    """The study's one self-contained HTML page (``sim/report/templates/study_report.html``).

    The first third is for a screen: question, answer, trade-offs, seed passage, the outcomes
    figure and the rep time; the rest is for an analyst. Autoescaped: only ``table_html`` (built
    by :func:`html_table` from escaped text) and the note's markdown go in as HTML.

    Args:
        note: The study's note (title, question, passage, what to look at).
        answer: The headline answer.
        table_html: The full table (:func:`html_table`; a plain string is escaped).
        figures: ``(caption, PNG)`` in order; the first sits in the top part.
        facts: Run facts for the footer.
        trade_offs: Opt-outs and rep time of the answer's pair.
        rep_time: Rows of the rep-time table.
        capacity: One line about rep capacity, shown under the rep time (room for the engine's
            capacity warning).
        answer_more: A second, smaller line of the answer (a sweep's detail).
    """
    return pages.render(
        "study_report.html",
        title=note.title,
        study=note.name,
        question=pages.markdown_html(note.question),
        answer=answer,
        answer_more=answer_more,
        trade_offs=trade_offs,
        passage=note.passage,
        seed_title=note.seed_title,
        look_at=pages.markdown_html(note.look_at),
        figures=[(caption, pages.png_src(png)) for caption, png in figures],
        rep_time=rep_time,
        capacity=capacity,
        table=table_html if isinstance(table_html, Markup) else html.escape(table_html),
        facts=facts,
    )
