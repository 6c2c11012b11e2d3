"""What a study's report says, read from a job's or a sweep's tables.

:func:`single_run` and :func:`sweep` read the tables a run wrote and return the report's
:class:`Content`: the answer, the trade-offs, the rep time, the table and the figures, and the
two arms whose prospects the report follows (:class:`Follow`). Nothing here runs the engine or
composes a config: the traces of those two arms come from the run layer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from markupsafe import Markup

from sim.model.config import ExperimentConfig
from sim.report import lead, verdict
from sim.report.aggregate import find_jobs, override_values
from sim.report.study.figures import outcomes_figure, sweep_figure, timeline_figure
from sim.report.study.notes import StudyError
from sim.report.study.page import RepTime, html_table, rep_time_row
from sim.report.study.tables import (
    RATE_METRICS,
    SWEEP_TABLE_METRICS,
    TABLE_METRICS,
    lookup,
    same,
    study_table,
    sweep_table,
)
from sim.report.study.words import (
    NO_DIFFERENCE,
    TITLES,
    WORDS,
    Question,
    answer_single,
    answer_sweep,
    best_arm,
    list_left,
    ordered,
    value_text,
    where,
)
from sim.run.metrics import limits_warnings


@dataclass(frozen=True)
class Follow:
    """The two arms whose prospects the report follows.

    Attributes:
        arms: The baseline's arm and the best arm.
        jobs: For a sweep, the folders of the baseline's job and of the best job (the run layer
            puts the two arms in one config); ``None``: two arms of the run's config.
        suffixes: For a sweep, what each arm's label gets (its job's setting in words).
    """

    arms: tuple[str, str]
    jobs: tuple[Path, Path] | None = None
    suffixes: tuple[str, str] = ("", "")


@dataclass
class Content:
    """A study report's text, table and figures (the journeys are added from traces)."""

    table: pd.DataFrame
    answer: str
    table_html: Markup
    figures: list[tuple[str, str, bytes]]  # (file name, caption, PNG)
    trade: str = ""
    rep_time: list[RepTime] = field(default_factory=list)
    answer_more: str = ""
    capacity: str = ""  # limits that bound (rep capacity, the horizon)
    facts: dict[str, str] = field(default_factory=dict)  # added to the run's facts
    follow: Follow | None = None


def single_run(
    out: Path, exp: ExperimentConfig, labels: Mapping[str, str], question: Question
) -> Content:
    """A job's report: its best challenger against the baseline (paired), the question's lead."""
    metric = question.rank
    summary = pd.read_csv(out / "summary.csv")
    metrics = ordered(question.lead, TABLE_METRICS)
    table = study_table(summary, metrics)
    panels = ordered([m for m in question.lead if m in TITLES], RATE_METRICS, limit=3)
    figures = [
        (
            "study_outcomes.png",
            f"{_listed([WORDS[m][0] for m in panels]).capitalize()} by strategy, with 95% "
            "confidence bars.",
            outcomes_figure(table, labels, panels),
        )
    ]
    if (out / "timeseries.csv").is_file():
        ts = pd.read_csv(out / "timeseries.csv")
        figures.append(
            (
                "study_timeline.png",
                "Replies and opt-outs as the days go by.",
                timeline_figure(ts, labels),
            )
        )
    best = best_arm(summary, exp.baseline, metric)
    capacity = ""
    if (out / "metrics.csv").is_file():
        capacity = " ".join(limits_warnings(pd.read_csv(out / "metrics.csv")))
    return Content(
        table=table,
        answer=answer_single(summary, exp.baseline, labels, metric, question.lead),
        answer_more=(
            list_left(summary, best, summary, exp.baseline, exp.horizon_days)
            if best and question.left
            else ""
        ),
        table_html=html_table(table, metrics, labels, ()),
        figures=figures,
        trade=verdict.trade_offs(summary, best, exp.baseline, labels) if best else "",
        rep_time=[rep_time_row(summary, a, labels.get(a, a)) for a in table["arm"]],
        capacity=capacity,
        follow=Follow((exp.baseline, best)) if best else None,
    )


def sweep(
    out: Path, exp: ExperimentConfig, labels: Mapping[str, str], question: Question
) -> Content:
    """A sweep's report: how the answer depends on the setting, and the best against the baseline.

    Raises:
        StudyError: no job of the sweep finished.
    """
    metric = question.rank
    metrics = ordered(question.lead, SWEEP_TABLE_METRICS)
    table, params, failed = sweep_table(out, metrics)
    if table.empty:
        raise StudyError(f"{out}: no finished job (no summary.csv in a job folder)")
    how = answer_sweep(table, params, exp.baseline, labels, metric)
    # The question's metrics first (hook_volume: meetings, inbox placement, prospects burned).
    rest = ("opt_outs",) if metric == "meetings" else ("opt_out_rate",)
    shown = ordered(question.lead, rest, limit=3 if metric == "meetings" else 2)
    figure = (
        "study_sweep.png",
        f"Outcomes against {where(params[:1]) if params else 'the sweep'}, with 95% bands.",
        sweep_figure(table, params, labels, shown),
    )
    facts = {"failed jobs": ", ".join(failed)} if failed else {}
    facts["swept"] = where(params)
    content = Content(
        table=table,
        answer="",
        table_html=Markup(""),
        figures=[figure],
        answer_more=how,
        facts=facts,
    )
    _best_against_baseline(content, out, exp, params, labels, question)
    if how.endswith(NO_DIFFERENCE):  # no setting made a clear difference: say that first
        content.answer = f"{how} {content.answer}"
        content.answer_more = content.answer_more.replace(how, "").strip()
    content.table_html = html_table(table, metrics, labels, params)
    return content


def _listed(words: Sequence[str]) -> str:
    """``a, b and c``."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _compared(
    table: pd.DataFrame, exp: ExperimentConfig, params: Sequence[str], metric: str
) -> tuple[pd.Series, int]:
    """The best row of a sweep's table, and the job whose baseline it is compared with.

    With several arms, the best is the challenger with the most of ``metric`` over every job,
    compared with the baseline arm of the same job (paired). With one arm, the best job is
    compared with the job at the study's own setting (or, if none, the job with the least).
    """
    mean = f"{metric}_mean"
    several = len(list(dict.fromkeys(table["arm"]))) > 1
    challengers = table[table["arm"] != exp.baseline] if several else table
    best_row = challengers.iloc[int(np.argmax(challengers[mean].to_numpy(float)))]
    if several:
        return best_row, int(best_row["job"])
    own = [
        int(r["job"])
        for _, r in table.iterrows()
        if all(same(r[p], lookup(exp, p)) for p in params)
    ]
    return best_row, own[0] if own else int(table.iloc[int(np.argmin(table[mean]))]["job"])


def _best_against_baseline(
    content: Content,
    out: Path,
    exp: ExperimentConfig,
    params: Sequence[str],
    labels: Mapping[str, str],
    question: Question,
) -> None:
    """The baseline against the best of a sweep: headline, trade-offs, rep time, whom to follow.

    Paired when both come from one job; with one arm swept, two jobs compared unpaired
    ("clearly" only when the two 95% intervals do not overlap). The answer leads with the
    question's one line (:func:`sim.report.lead.lead_line`).
    """
    metric = question.rank
    found = find_jobs(out)
    jobs = {j.number: j.path for j in found if j.path is not None and j.status == "ok"}
    overrides = {j.number: override_values(j.overrides) for j in found}
    table = content.table
    one_arm = len(list(dict.fromkeys(table["arm"]))) == 1
    best_row, base_job = _compared(table, exp, params, metric)
    best_job, best_arm, base_arm = int(best_row["job"]), str(best_row["arm"]), exp.baseline
    best_summary = pd.read_csv(jobs[best_job] / "summary.csv")
    # One job: the very same table, so the lead line is paired (lead.lead_line).
    base_summary = (
        best_summary if base_job == best_job else pd.read_csv(jobs[base_job] / "summary.csv")
    )
    at_best = value_text(params, [best_row[p] for p in params])
    base_row = table[(table["job"] == base_job) & (table["arm"] == base_arm)].iloc[0]
    at_base = value_text(params, [base_row[p] for p in params])
    best_name, base_name, setting = _names(
        labels, (best_arm, at_best), (base_arm, at_base), one_arm
    )
    names = {best_arm: best_name, base_arm: base_name}
    if base_job == best_job and base_arm != best_arm:
        head = verdict.headline(best_summary, best_arm, base_arm, names, metric)
        content.trade = verdict.trade_offs(best_summary, best_arm, base_arm, names)
    elif base_job == best_job:
        head = f"The study's own setting, {at_base}, got the most {WORDS[metric][0]}."
    else:
        head, content.trade = verdict.unpaired(
            best_summary, best_arm, best_name, base_summary, base_arm, base_name, metric
        )
    content.rep_time = [
        rep_time_row(base_summary, base_arm, base_name),
        rep_time_row(best_summary, best_arm, best_name),
    ]
    if base_job == best_job and base_arm == best_arm:
        content.answer, content.rep_time = head, content.rep_time[:1]
        return
    best, base = (best_summary, best_arm, best_name), (base_summary, base_arm, base_name)
    _say(content, question, best, base, (setting, head), exp.horizon_days)
    picked = [
        {k: overrides[j][k] for k in overrides[j] if k in params} for j in (base_job, best_job)
    ]
    suffixes = _suffixes(picked[0], picked[1], (base_arm, best_arm))
    content.follow = Follow((base_arm, best_arm), (jobs[base_job], jobs[best_job]), suffixes)


def _names(
    labels: Mapping[str, str], best: tuple[str, str], base: tuple[str, str], one_arm: bool
) -> tuple[str, str, str]:
    """The best arm's and the baseline's names, and the setting said once before the answer.

    ``best`` and ``base`` are ``(arm, its setting in words)``. Two jobs (one arm swept): each
    name says its setting (best and base are the same arm in two jobs), nothing is said before.
    One job: the names are the labels, the setting is said once.
    """
    if one_arm:
        return (
            f"{labels.get(best[0], best[0])}, {best[1]}",
            f"{labels.get(base[0], base[0])}, {base[1]}",
            "",
        )
    return labels.get(best[0], best[0]), labels.get(base[0], base[0]), f"With {best[1]}, "


Side = tuple[pd.DataFrame, str, str]  # a summary table, an arm in it, the arm's name


def _say(
    content: Content,
    question: Question,
    best: Side,
    base: Side,
    said: tuple[str, str],
    days: float,
) -> None:
    """The answer: the question's one line, then ``said`` (the setting and the headline).

    Adds what the list has left, if the question asks, before the sweep's own sentence.
    """
    setting, head = said
    line = lead.lead_line(*best, *base, question.lead)
    content.answer = f"{setting}{line} {head}" if line else setting + head
    if question.left:
        left = list_left(best[0], best[1], base[0], base[1], days)
        content.answer_more = f"{left} {content.answer_more}".strip()


def _suffixes(base: dict[str, str], best: dict[str, str], arms: tuple[str, str]) -> tuple[str, str]:
    """What the labels of two jobs' arms followed side by side get: each job's setting."""
    params = list(best)
    first = (
        f", {value_text(params, [base[p] for p in params])}"
        if base != best or arms[0] == arms[1]
        else ""
    )
    return first, f", {value_text(params, [best[p] for p in params])}"
