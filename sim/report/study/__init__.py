"""Workshop studies: a named experiment's report a trainer can put on a screen, and its references.

A study is a Hydra experiment file (``sim/conf/experiment/NAME.yaml``, overrides only) that sets
``study: NAME``, plus a note (``experiments/NAME.md``) with the question, the seed passage it
illustrates and what to look at. After a run (or, for a sweep, after every job), the app calls
:func:`write_study_report`, which reads the job's tables, answers the question in one sentence
computed from them (with the paired confidence intervals of ``summary.csv``), draws the figures,
follows one prospect through two arms (:mod:`sim.report.journey`), and writes one self-contained
``report.html`` (figures embedded as base64 PNG).

``python -m sim.report.study --all`` (``make reference``) reruns every study through the real
command line and copies its tables, figures and report to ``results/reference/<study>/``.
"""

from __future__ import annotations

import argparse
import copy
import functools
import html
import math
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ParamSpec

import matplotlib
import numpy as np
import pandas as pd
from markupsafe import Markup
from matplotlib.figure import Figure
from omegaconf import DictConfig

from sim.model.config import ExperimentConfig
from sim.report import pages, verdict
from sim.report.journey import follow_everyone, journey_figure, journeys_of, typical_prospect
from sim.report.plots import png
from sim.run.metrics import limits_warnings
from sim.run.outputs import write_bytes, write_csv, write_text

PROJECT_DIR = Path(__file__).resolve().parents[2]
NOTES_DIR = PROJECT_DIR / "experiments"
EXPERIMENT_DIR = Path(__file__).resolve().parents[1] / "conf" / "experiment"
REFERENCE_DIR = PROJECT_DIR / "results" / "reference"
P = ParamSpec("P")

#: The studies, in the order a workshop would show them.
STUDIES: tuple[str, ...] = (
    "entitlement_vs_value",
    "stalker_mode",
    "cool_down",
    "hook_volume",
    "interruption_load",
    "channel_match",
    "callback_entitlement",
)

#: What each study's answer ranks by. Rates are per prospect enrolled; ``hook_volume`` compares
#: lists of different sizes at fixed rep time, so it counts meetings instead.
PRIMARY: dict[str, str] = {"hook_volume": "meetings"}
WORDS: dict[str, tuple[str, str]] = {
    # metric: (noun for "the most ...", unit formatter kind)
    "response_rate": ("responses", "pct"),
    "meeting_rate": ("meetings", "pct"),
    "opt_out_rate": ("opt-outs", "pct"),
    "meetings": ("meetings", "count"),
    "responses": ("responses", "count"),
    "opt_outs": ("opt-outs", "count"),
    "rep_hours": ("rep hours", "hours"),
}
TITLES: dict[str, str] = {
    "response_rate": "replied",
    "meeting_rate": "booked a meeting",
    "opt_out_rate": "opted out",
}
RATE_METRICS: tuple[str, ...] = ("response_rate", "meeting_rate", "opt_out_rate")
TABLE_METRICS: tuple[str, ...] = (*RATE_METRICS, "meetings", "rep_hours")
SWEEP_TABLE_METRICS: tuple[str, ...] = (
    "response_rate",
    "meetings",
    "opt_out_rate",
    "opt_outs",
    "rep_hours",
)
#: Study figures are drawn smaller than the job figures: a report shows several side by side.
FIGURE_DPI = 80
#: The study report replaces the app's generic page in a study's job folder (and a sweep root).
REPORT_NAME = "report.html"
#: Files a reference folder keeps (small ones only; the report embeds its figures).
REFERENCE_FILES: tuple[str, ...] = (
    "report.html",
    "summary.csv",
    "metrics.csv",
    "study_table.csv",
    "sweep_summary.csv",
)


class StudyError(ValueError):
    """A study name or note that is not usable: names the study and what is allowed."""


@dataclass(frozen=True)
class Note:
    """The human part of a study, parsed from ``experiments/NAME.md``."""

    name: str
    title: str
    question: str
    passage: str  # the seed passage, quoted verbatim
    seed_file: str  # e.g. 003_9919a87040a35674.txt
    look_at: str


# --- the note ----------------------------------------------------------------------------------


def read_note(name: str, notes_dir: Path = NOTES_DIR) -> Note:
    """Parse ``experiments/NAME.md``: its title, and its Question, Seed passage, What to look at.

    Raises:
        StudyError: the study has no note, or the note misses a section.
    """
    path = notes_dir / f"{name}.md"
    if name not in STUDIES or not path.is_file():
        raise StudyError(f"study={name!r} is not allowed: one of {', '.join(STUDIES)}")
    text = path.read_text(encoding="utf-8")
    title = re.search(r"^# (.+)$", text, re.M)
    sections = dict(re.findall(r"^## (.+?)\n(.*?)(?=^## |\Z)", text, re.M | re.S))
    needed = ("Question", "Seed passage", "What to look at")
    missing = [s for s in needed if s not in sections]
    if title is None or missing:
        raise StudyError(f"{path}: needs a '# title' and sections {', '.join(needed)}")
    seed_part = sections["Seed passage"]
    quote = " ".join(
        line[1:].strip() for line in seed_part.splitlines() if line.startswith(">")
    ).strip()
    seed_file = re.search(r"`(\d{3}_[0-9a-f]+\.txt)`", seed_part)
    return Note(
        name=name,
        title=title.group(1).strip(),
        question=" ".join(sections["Question"].split()),
        passage=quote,
        seed_file=seed_file.group(1) if seed_file else "",
        look_at=" ".join(sections["What to look at"].split()),
    )


# --- numbers into words ------------------------------------------------------------------------

#: Swept parameters as a room says them: a report never shows a config key.
PARAM_WORDS: dict[str, str] = {
    "strategy.cool_down.cooldown.pause_days": "a pause of",
    "strategy.hooks.list_multiplier": "a list of",
    "strategy.hooks.personalization": "personalization",
    "model.load.email": "an inbox of",
}
#: What a swept parameter is called in a sentence ("depends on the pause length").
PARAM_SETTING: dict[str, str] = {
    "strategy.cool_down.cooldown.pause_days": "the pause length",
    "strategy.hooks.list_multiplier": "the list size",
    "strategy.hooks.personalization": "the personalization",
    "model.load.email": "the inbox size",
}
#: How a swept value reads after its words ("a pause of 14 days", "a list of 8 x 400").
PARAM_UNITS: dict[str, str] = {
    "strategy.cool_down.cooldown.pause_days": "{v} days",
    "strategy.hooks.list_multiplier": "{v} x 400 prospects",
    "strategy.hooks.personalization": "{v}",
    "model.load.email": "{v} emails a day",
}
#: The axis title of a swept parameter in the sweep figure.
PARAM_AXIS: dict[str, str] = {
    "strategy.cool_down.cooldown.pause_days": "pause (days)",
    "strategy.hooks.list_multiplier": "list size (x 400 prospects)",
    "strategy.hooks.personalization": "personalization",
    "model.load.email": "competing emails a prospect gets a day",
}


def _fmt(value: float, kind: str) -> str:
    return verdict.fmt(value, kind)


def _row(summary: pd.DataFrame, arm: str, metric: str) -> pd.Series:
    hit = summary[(summary["arm"] == arm) & (summary["metric"] == metric)]
    if hit.empty:
        raise StudyError(f"summary has no row for arm={arm!r}, metric={metric!r}")
    return hit.iloc[0]


def _quoted(labels: Mapping[str, str], arm: str) -> str:
    return f"“{labels.get(arm, arm)}”"


def answer_single(
    summary: pd.DataFrame, baseline: str, labels: Mapping[str, str], metric: str = "response_rate"
) -> str:
    """The study's answer in plain words, from a job's ``summary.csv`` (paired CIs vs baseline).

    With several challengers, how many did clearly better than the baseline and which got the
    most; then the best against the baseline (:func:`sim.report.verdict.headline`: "clearly" only
    when the paired 95% interval excludes zero). The trade-offs are
    :func:`sim.report.verdict.trade_offs`.
    """
    noun, kind = WORDS[metric]
    arms = list(dict.fromkeys(summary["arm"]))
    others = [a for a in arms if a != baseline]
    if not others:
        row = _row(summary, baseline, metric)
        return f"{_quoted(labels, baseline)} got {_fmt(float(row['mean']), kind)} {noun}."
    best = max(others, key=lambda a: float(_row(summary, a, metric)["mean"]))
    lead = ""
    if len(others) > 1:
        clear = [
            a
            for a in others
            if verdict.clearly(
                *(float(_row(summary, a, metric)[c]) for c in ("diff_ci_low", "diff_ci_high"))
            )
            == "higher"
        ]
        lead = (
            f"{len(clear)} of {len(others)} strategies got clearly more {noun} than "
            f"{_quoted(labels, baseline)}; the most came from {_quoted(labels, best)}. "
        )
    return lead + verdict.headline(summary, best, baseline, labels, metric)


def _param(param: str) -> str:
    return PARAM_WORDS.get(param, param.rsplit(".", 1)[-1].replace("_", " "))


def _setting(param: str, value: object) -> str:
    """``a pause of 14 days``: a swept value in words."""
    unit = PARAM_UNITS.get(param, "{v}").format(v=value)
    return f"{_param(param)} {unit}"


def _value_text(params: Sequence[str], values: Sequence[object]) -> str:
    return ", ".join(_setting(p, v) for p, v in zip(params, values, strict=True))


def _where(params: Sequence[str]) -> str:
    return " and ".join(PARAM_SETTING.get(p, _param(p)) for p in params)


def _values(params: Sequence[str], keys: Sequence[tuple[object, ...]]) -> str:
    """``a pause of 3, 7 and 14 days`` for one parameter; settings joined for several."""
    if len(params) == 1:
        shown = [str(k[0]) for k in keys]
        listed = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"
        return _setting(params[0], listed)
    return "; ".join(_value_text(params, k) for k in keys)


def answer_sweep(
    table: pd.DataFrame,
    params: Sequence[str],
    baseline: str,
    labels: Mapping[str, str],
    metric: str = "response_rate",
) -> str:
    """How the answer depends on the swept setting, in one sentence, from the study table.

    With one arm, the setting with the most of ``metric`` against the one with the least, and
    whether their 95% intervals overlap. With several, which arm leads at each setting, and
    where the leading challenger is clearly ahead of, not clearly different from, or clearly
    behind the baseline (paired 95% intervals of each job).
    """
    noun, kind = WORDS[metric]
    mean, lo, hi = f"{metric}_mean", f"{metric}_ci_low", f"{metric}_ci_high"
    arms = list(dict.fromkeys(table["arm"]))
    if len(arms) == 1:
        best = table.iloc[int(np.argmax(table[mean].to_numpy(float)))]
        worst = table.iloc[int(np.argmin(table[mean].to_numpy(float)))]
        apart = float(best[lo]) > float(worst[hi])
        return (
            f"The most {noun} came with {_value_text(params, [best[p] for p in params])}: "
            f"{_fmt(float(best[mean]), kind)} (95% interval {_fmt(float(best[lo]), kind)} to "
            f"{_fmt(float(best[hi]), kind)}); the fewest with "
            f"{_value_text(params, [worst[p] for p in params])}: {_fmt(float(worst[mean]), kind)}"
            + ("; the intervals do not overlap." if apart else "; the intervals overlap.")
        )
    where = _where(params)
    leaders: dict[str, list[tuple[object, ...]]] = {}
    for values, job in table.groupby(list(params), sort=True):
        key = values if isinstance(values, tuple) else (values,)
        lead = str(job["arm"].iloc[int(np.argmax(job[mean].to_numpy(float)))])
        leaders.setdefault(lead, []).append(key)
    if len(leaders) == 1:
        focus = next(iter(leaders))
        head = f"{_quoted(labels, focus)} got the most {noun} at every value of {where} tested"
    else:
        parts = [f"{_quoted(labels, a)} with {_values(params, v)}" for a, v in leaders.items()]
        head = f"Which strategy gets the most {noun} depends on {where}: {'; '.join(parts)}"
    others = [a for a in arms if a != baseline]
    if not others:
        return head + "."
    # The clause against the baseline follows the challenger that leads most often (then the
    # one with the highest mean over the sweep), so a sweep the baseline mostly wins still says
    # how its challenger did.
    overall = table.groupby("arm")[mean].mean()
    focus = max(others, key=lambda a: (len(leaders.get(a, [])), float(overall[a])))
    groups: dict[str, list[tuple[object, ...]]] = {}
    for _, r in table[table["arm"] == focus].iterrows():
        v = verdict.clearly(float(r[f"{metric}_diff_ci_low"]), float(r[f"{metric}_diff_ci_high"]))
        groups.setdefault(v, []).append(tuple(r[p] for p in params))
    words = {
        "higher": "clearly ahead",
        "unclear": "not clearly different",
        "lower": "clearly behind",
        "unknown": "without an interval",
    }
    versus = "; ".join(
        f"{words[v]} with {_values(params, groups[v])}"
        for v in ("higher", "unclear", "lower", "unknown")
        if v in groups
    )
    return f"{head}. Against {_quoted(labels, baseline)}, {_quoted(labels, focus)} is {versus}."


# --- tables ------------------------------------------------------------------------------------


def study_table(summary: pd.DataFrame, metrics: Sequence[str]) -> pd.DataFrame:
    """One row per arm: mean, CI and paired difference vs baseline of each metric, side by side."""
    rows = []
    for arm in dict.fromkeys(summary["arm"]):
        row: dict[str, object] = {"arm": arm}
        for m in metrics:
            r = _row(summary, arm, m)
            for col, out in (
                ("mean", "mean"),
                ("ci_low", "ci_low"),
                ("ci_high", "ci_high"),
                ("diff_vs_baseline", "diff"),
                ("diff_ci_low", "diff_ci_low"),
                ("diff_ci_high", "diff_ci_high"),
                ("p_value", "p_value"),
            ):
                row[f"{m}_{out}"] = float(r[col])
        rows.append(row)
    return pd.DataFrame(rows)


def sweep_table(sweep_dir: Path) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Every finished job's study table with a column per swept parameter.

    Jobs and swept parameters are found as :mod:`sim.report.aggregate` finds them for the sweep
    tables.

    Returns:
        ``(table, params, failed)``: failed lists the jobs that did not finish ok.
    """
    from sim.report.aggregate import find_jobs, override_values, swept_parameters

    jobs = find_jobs(sweep_dir)
    params = swept_parameters(sweep_dir, jobs)
    frames, failed = [], []
    for job in jobs:
        if job.status != "ok" or job.path is None:
            failed.append(str(job.number))
            continue
        values = override_values(job.overrides)
        t = study_table(pd.read_csv(job.path / "summary.csv"), SWEEP_TABLE_METRICS)
        for k in reversed(params):
            t.insert(0, k, _parse_value(values.get(k, "")))
        t.insert(0, "job", job.number)
        frames.append(t)
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return table, params, failed


def _parse_value(text: str) -> str | int | float:
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() else number


# --- figures -----------------------------------------------------------------------------------


#: Type sizes for a projector (the figures are shown at about their pixel size).
LARGE_TYPE: dict[Any, Any] = {
    "font.size": 15,
    "axes.titlesize": 16,
    "axes.labelsize": 15,
    "legend.fontsize": 13,
}


def _large_type(draw: Callable[P, bytes]) -> Callable[P, bytes]:
    """Draw (and encode) a figure with :data:`LARGE_TYPE`; matplotlib's defaults come back after."""

    @functools.wraps(draw)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> bytes:
        with matplotlib.rc_context(LARGE_TYPE):
            data: bytes = draw(*args, **kwargs)
        return data

    return wrapped


@_large_type
def outcomes_figure(table: pd.DataFrame, labels: Mapping[str, str]) -> bytes:
    """Response, meeting and opt-out rate of each arm, with 95% confidence bars."""
    fig = Figure(figsize=(15, 1.6 + 1.1 * len(table)), layout="constrained")
    axes = fig.subplots(1, len(RATE_METRICS), sharey=False)
    # Long labels wrap onto lines of about 24 characters, once, beside the first panel only.
    names = [textwrap.fill(labels.get(a, a), 24) for a in table["arm"]]
    colours = ["#7f7f7f", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]
    for ax, metric in zip(axes, RATE_METRICS, strict=True):
        mean = table[f"{metric}_mean"].to_numpy(float)
        err = np.vstack(
            [mean - table[f"{metric}_ci_low"].to_numpy(float), table[f"{metric}_ci_high"] - mean]
        )
        y = np.arange(len(names))[::-1]
        ax.barh(
            y,
            100 * mean,
            xerr=100 * np.nan_to_num(err),
            color=[colours[i % len(colours)] for i in range(len(names))],
            capsize=4,
        )
        ax.set_yticks(y, names if ax is axes[0] else [""] * len(names))
        ax.set_title(f"{TITLES[metric]} (%)")
        ax.grid(axis="x", alpha=0.3)
    return png(fig, dpi=FIGURE_DPI)


@_large_type
def timeline_figure(timeseries: pd.DataFrame, labels: Mapping[str, str]) -> bytes:
    """Cumulative responses and opt-outs per prospect over time, mean of replicates."""
    fig = Figure(figsize=(15, 5), layout="constrained")
    axes = fig.subplots(1, 2)
    mean = timeseries.groupby(["arm", "day"], sort=False)[["responses", "opt_outs"]].mean()
    for arm in dict.fromkeys(timeseries["arm"]):
        part = mean.loc[arm]
        for ax, col in zip(axes, ("responses", "opt_outs"), strict=True):
            ax.plot(part.index, part[col], label=labels.get(arm, arm), lw=2)
    axes[0].set_title("replies so far (mean count)")
    axes[1].set_title("opt-outs so far (mean count)")
    for ax in axes:
        ax.set_xlabel("day")
        ax.grid(alpha=0.3)
    axes[0].legend()
    return png(fig, dpi=FIGURE_DPI)


@_large_type
def sweep_figure(
    table: pd.DataFrame, params: Sequence[str], labels: Mapping[str, str], metrics: Sequence[str]
) -> bytes:
    """Each metric against the first swept parameter: a line per arm (and per other parameter)."""
    x_param = params[0]
    fig = Figure(figsize=(7.5 * len(metrics), 6.0), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(metrics)))
    series = ["arm", *params[1:]]
    numeric = pd.api.types.is_numeric_dtype(table[x_param])
    for ax, metric in zip(axes, metrics, strict=True):
        noun, kind = WORDS[metric]
        scale = 100.0 if kind == "pct" else 1.0
        for key, part in table.groupby(series, sort=False):
            key = key if isinstance(key, tuple) else (key,)
            part = part.sort_values(x_param)
            x = part[x_param] if numeric else np.arange(len(part))
            name = labels.get(str(key[0]), str(key[0]))
            extra = _value_text(params[1:], key[1:])
            ax.plot(x, scale * part[f"{metric}_mean"], marker="o", label=f"{name} {extra}".strip())
            ax.fill_between(
                x,
                scale * part[f"{metric}_ci_low"],
                scale * part[f"{metric}_ci_high"],
                alpha=0.15,
            )
            if not numeric:
                ax.set_xticks(np.arange(len(part)), [str(v) for v in part[x_param]])
        if numeric and table[x_param].min() > 0 and table[x_param].max() / table[x_param].min() > 8:
            ax.set_xscale("log")
            ax.minorticks_off()  # only the swept values are labelled
            values = sorted(table[x_param].unique())
            ax.set_xticks(values, [f"{v:g}" for v in values])
        ax.set_xlabel(PARAM_AXIS.get(x_param, _param(x_param)))
        ax.set_title(f"{noun} ({'% of prospects' if kind == 'pct' else 'count'})")
        ax.grid(alpha=0.3)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=2)
    return png(fig, dpi=FIGURE_DPI)


# --- the report --------------------------------------------------------------------------------


def _ci_cell(row: pd.Series, metric: str, kind: str) -> str:
    mean = float(row[f"{metric}_mean"])
    low = float(row[f"{metric}_ci_low"])
    high = float(row[f"{metric}_ci_high"])
    text = _fmt(mean, kind)
    if not math.isnan(low):
        text += f" <small>({_fmt(low, kind)} to {_fmt(high, kind)})</small>"
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


def _html_table(
    table: pd.DataFrame, metrics: Sequence[str], labels: Mapping[str, str], params: Sequence[str]
) -> Markup:
    esc = html.escape
    head = "".join(f"<th>{esc(PARAM_AXIS.get(p, _param(p)))}</th>" for p in params)
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


@dataclass(frozen=True)
class RepTime:
    """One row of the report's rep-time table."""

    label: str
    hours: str
    meetings: str
    per_meeting: str


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
    """The study's one self-contained HTML page (``sim/templates/study_report.html``).

    The first third is for a screen: question, answer, trade-offs, seed passage, the outcomes
    figure and the rep time; the rest is for an analyst. Autoescaped: only ``table_html`` (built
    by :func:`_html_table` from escaped text) and the note's markdown go in as HTML.

    Args:
        note: The study's note (title, question, passage, what to look at).
        answer: The headline answer.
        table_html: The full table (:func:`_html_table`; a plain string is escaped).
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
        seed_file=note.seed_file,
        look_at=pages.markdown_html(note.look_at),
        figures=[(caption, pages.png_src(png)) for caption, png in figures],
        rep_time=rep_time,
        capacity=capacity,
        table=table_html if isinstance(table_html, Markup) else html.escape(table_html),
        facts=facts,
    )


def _labels(cfg: ExperimentConfig) -> dict[str, str]:
    return {name: (s.label or name) for name, s in cfg.strategy.items()}


def _as_experiment(cfg: ExperimentConfig | DictConfig) -> ExperimentConfig:
    if isinstance(cfg, ExperimentConfig):
        return cfg
    from sim.run.registry import to_experiment  # Hydra import only when given a DictConfig

    return to_experiment(cfg)


def journey_pngs(cfg: ExperimentConfig, baseline: str, best: str) -> list[tuple[str, str, bytes]]:
    """A typical prospect of the baseline and one of the best arm, each followed through both.

    "Typical" is :func:`sim.report.journey.typical_prospect` (the arm's commonest outcome, the
    median number of touches among those), in replicate 0; the caption says how each was picked.
    When both arms' typical prospect is the same person, one figure.

    Returns:
        ``(file name, caption, PNG)`` per figure: ``study_journey_baseline.png`` (a typical
        prospect of the baseline), ``study_journey_best.png`` (of the best arm).
    """
    arms = [baseline, best]
    traced, prospects = follow_everyone(cfg, arms)
    labels = _labels(cfg)
    out: list[tuple[str, str, bytes]] = []
    seen: set[int] = set()
    for arm, role in zip(arms, ("baseline", "best"), strict=True):
        prospect, how = typical_prospect(traced[arm])
        if prospect in seen:
            continue
        seen.add(prospect)
        fig = journey_figure(journeys_of(traced, prospects, prospect, cfg), cfg)
        caption = (
            f"Prospect {prospect}, followed through both strategies (replicate 0), is a typical "
            f"prospect of “{labels[arm]}”: {how}."
        )
        out.append((f"study_journey_{role}.png", caption, png(fig, dpi=FIGURE_DPI)))
    return out


def _pair_config(
    study: str, base: Mapping[str, str], best: Mapping[str, str], arms: tuple[str, str]
) -> ExperimentConfig:
    """Two arms from two jobs of a sweep in one config: the baseline setting and the best.

    Arms of one config share prospects and random streams, so the journey follows the same
    person through both (a list-size sweep changes only the arm, never the model).
    """
    from sim.run.registry import compose

    base_cfg = compose([f"+experiment={study}", *(f"{k}={v}" for k, v in base.items())])
    best_cfg = compose([f"+experiment={study}", *(f"{k}={v}" for k, v in best.items())])
    cfg = copy.deepcopy(best_cfg)
    first = copy.deepcopy(base_cfg.strategy[arms[0]])
    second = copy.deepcopy(best_cfg.strategy[arms[1]])
    params = list(best)
    first.label = f"{first.label or arms[0]}" + (
        f", {_value_text(params, [base[p] for p in params])}"
        if base != best or arms[0] == arms[1]
        else ""
    )
    second.label = f"{second.label or arms[1]}, {_value_text(params, [best[p] for p in params])}"
    cfg.strategy = {"baseline": first, "best": second}
    cfg.baseline = "baseline"
    cfg.replications = 1
    return cfg


def _lookup(cfg: object, dotted: str) -> object:
    node = cfg
    for part in dotted.split("."):
        node = node[part] if isinstance(node, Mapping) else getattr(node, part)
    return node


def _same(a: object, b: object) -> bool:
    try:
        return float(str(a)) == float(str(b))
    except ValueError:
        return str(a) == str(b)


def write_study_report(out_dir: Path | str, cfg: ExperimentConfig | DictConfig) -> Path:
    """Write ``report.html`` (and its figures and ``study_table.csv``) for a job or a sweep root.

    Args:
        out_dir: A job folder (holds ``summary.csv``) or a sweep root (job folders ``0``, ``1``,
            ...; called after every job has finished).
        cfg: The study's config (for a sweep, any job's): names the study, the arms, labels.

    Returns:
        The path of the report.
    """
    exp = _as_experiment(cfg)
    if exp.study is None:
        raise StudyError("study=None is not allowed here: a study name, e.g. +experiment=cool_down")
    out = Path(out_dir)
    note = read_note(exp.study)
    labels = _labels(exp)
    metric = PRIMARY.get(exp.study, "response_rate")
    figures: list[tuple[str, str, bytes]] = []  # (file name, caption, PNG)
    capacity = ""  # limits that bound (rep capacity, the horizon): sim.run.metrics.limits_warnings
    facts = {
        "seed": str(exp.seed),
        "replications": str(exp.replications),
        "prospects": str(exp.population.size),
        "days": f"{exp.horizon_days:g}",
        "baseline": labels.get(exp.baseline, exp.baseline),
    }
    if (out / "summary.csv").is_file():
        summary = pd.read_csv(out / "summary.csv")
        table = study_table(summary, TABLE_METRICS)
        answer = answer_single(summary, exp.baseline, labels, metric)
        figures.append(
            (
                "study_outcomes.png",
                "Replies, meetings and opt-outs by strategy, with 95% confidence bars.",
                outcomes_figure(table, labels),
            )
        )
        if (out / "timeseries.csv").is_file():
            ts = pd.read_csv(out / "timeseries.csv")
            figures.append(
                (
                    "study_timeline.png",
                    "Replies and opt-outs as the days go by.",
                    timeline_figure(ts, labels),
                )
            )
        others = [a for a in table["arm"] if a != exp.baseline]
        best = max(others, key=lambda a: float(_row(summary, a, metric)["mean"]), default=None)
        trade = verdict.trade_offs(summary, best, exp.baseline, labels) if best else ""
        rep_time = [rep_time_row(summary, a, labels.get(a, a)) for a in table["arm"]]
        table_html = _html_table(table, TABLE_METRICS, labels, ())
        pair = (exp, exp.baseline, best) if best else None
        answer_more = ""
        if (out / "metrics.csv").is_file():
            capacity = " ".join(limits_warnings(pd.read_csv(out / "metrics.csv")))
    else:
        table, params, failed = sweep_table(out)
        if table.empty:
            raise StudyError(f"{out}: no finished job (no summary.csv in a job folder)")
        how = answer_sweep(table, params, exp.baseline, labels, metric)
        shown = ("meetings", "opt_outs") if metric == "meetings" else (metric, "opt_out_rate")
        figures.append(
            (
                "study_sweep.png",
                f"Outcomes against {_where(params[:1]) if params else 'the sweep'}, "
                "with 95% bands.",
                sweep_figure(table, params, labels, shown),
            )
        )
        if failed:
            facts["failed jobs"] = ", ".join(failed)
        facts["swept"] = _where(params)
        answer, trade, rep_time, pair = _sweep_answer(out, exp, table, params, labels, metric)
        answer_more = how
        table_html = _html_table(table, SWEEP_TABLE_METRICS, labels, params)
    if pair is not None:
        figures.extend(journey_pngs(*pair))
    for name, _, data in figures:
        write_bytes(out / name, data)
    write_csv(out / "study_table.csv", table.round(10))
    report = out / REPORT_NAME
    write_text(
        report,
        render_report(
            note,
            answer,
            table_html,
            [f[1:] for f in figures],
            facts,
            trade_offs=trade,
            rep_time=rep_time,
            capacity=capacity,
            answer_more=answer_more,
        ),
    )
    return report


def _sweep_answer(
    out: Path,
    exp: ExperimentConfig,
    table: pd.DataFrame,
    params: Sequence[str],
    labels: Mapping[str, str],
    metric: str,
) -> tuple[str, str, list[RepTime], tuple[ExperimentConfig, str, str] | None]:
    """The baseline against the best of a sweep: headline, trade-offs, rep time, journey pair.

    With several arms, the best is the challenger with the most of ``metric`` over every job,
    compared with the baseline arm of the same job (paired). With one arm, the best job is
    compared with the job at the study's own setting (unpaired: "clearly" only when the two
    95% intervals do not overlap).
    """
    from sim.report.aggregate import find_jobs, override_values

    jobs = {j.number: j.path for j in find_jobs(out) if j.path is not None and j.status == "ok"}
    overrides = {
        j.number: {k: v for k, v in override_values(j.overrides).items() if k in params}
        for j in find_jobs(out)
    }
    mean = f"{metric}_mean"
    arms = list(dict.fromkeys(table["arm"]))
    challengers = table[table["arm"] != exp.baseline] if len(arms) > 1 else table
    best_row = challengers.iloc[int(np.argmax(challengers[mean].to_numpy(float)))]
    best_job = int(best_row["job"])
    if len(arms) > 1:
        base_job, base_arm = best_job, exp.baseline
    else:
        own = [
            int(r["job"])
            for _, r in table.iterrows()
            if all(_same(r[p], _lookup(exp, p)) for p in params)
        ]
        base_job = own[0] if own else int(table.iloc[int(np.argmin(table[mean]))]["job"])
        base_arm = exp.baseline
    best_arm = str(best_row["arm"])
    best_summary = pd.read_csv(jobs[best_job] / "summary.csv")
    base_summary = pd.read_csv(jobs[base_job] / "summary.csv")
    at_best = _value_text(params, [best_row[p] for p in params])
    base_row = table[(table["job"] == base_job) & (table["arm"] == base_arm)].iloc[0]
    at_base = _value_text(params, [base_row[p] for p in params])
    # Two jobs (one arm swept): each name says its setting. One job: the setting is said once.
    # (One arm: best and base are the same arm name in two jobs, so the names are kept apart.)
    if len(arms) == 1:
        best_name = f"{labels.get(best_arm, best_arm)}, {at_best}"
        base_name = f"{labels.get(base_arm, base_arm)}, {at_base}"
        setting = ""
    else:
        best_name, base_name = labels.get(best_arm, best_arm), labels.get(base_arm, base_arm)
        setting = f"With {at_best}, "
    names = {best_arm: best_name, base_arm: base_name}
    if base_job == best_job and base_arm != best_arm:
        head = verdict.headline(best_summary, best_arm, base_arm, names, metric)
        trade = verdict.trade_offs(best_summary, best_arm, base_arm, names)
    elif base_job == best_job:
        head = f"The study's own setting, {at_base}, got the most {WORDS[metric][0]}."
        trade = ""
    else:
        head, trade = verdict.unpaired(
            best_summary, best_arm, best_name, base_summary, base_arm, base_name, metric
        )
    rep_time = [
        rep_time_row(base_summary, base_arm, base_name),
        rep_time_row(best_summary, best_arm, best_name),
    ]
    if base_job == best_job and base_arm == best_arm:
        return head, trade, rep_time[:1], None
    pair_cfg = _pair_config(
        str(exp.study), overrides[base_job], overrides[best_job], (base_arm, best_arm)
    )
    return setting + head, trade, rep_time, (pair_cfg, "baseline", "best")


# --- reference results -------------------------------------------------------------------------


def run_study(name: str, work: Path) -> Path:
    """Run a study through the real command line into ``work``; return its job or sweep folder.

    Raises:
        StudyError: the study is unknown, or the command failed (its stderr is included).
    """
    if name not in STUDIES:
        raise StudyError(f"study={name!r} is not allowed: one of {', '.join(STUDIES)}")
    run_dir, sweep_dir = work / "run", work / "sweep"
    command = [
        sys.executable,
        "-c",
        "from sim.cli.app import main; main()",
        f"+experiment={name}",
        f"hydra.run.dir={run_dir}",
        f"hydra.sweep.dir={sweep_dir}",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=PROJECT_DIR)
    if done.returncode != 0:
        raise StudyError(f"outreach-sim +experiment={name} failed:\n{done.stderr[-3000:]}")
    out = sweep_dir if sweep_dir.is_dir() else run_dir
    if not (out / REPORT_NAME).is_file():
        from sim.run.registry import compose  # the app did not write it: do it here

        write_study_report(out, compose([f"+experiment={name}"]))
    return out


def write_reference(name: str, reference_dir: Path = REFERENCE_DIR) -> Path:
    """Rerun study ``name`` and replace ``reference_dir/name`` with its tables, figures, report."""
    target = reference_dir / name
    reference_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=reference_dir, prefix=f".{name}.") as tmp:
        out = run_study(name, Path(tmp) / "work")
        staged = Path(tmp) / "staged"
        staged.mkdir()
        shutil.copyfile(out / REPORT_NAME, staged / "report.html")
        for file in REFERENCE_FILES[1:]:
            if (out / file).is_file():
                shutil.copyfile(out / file, staged / file)
        for png in sorted(out.glob("study_*.png")):
            shutil.copyfile(png, staged / png.name)
        # Swap in the new folder only once it is complete: a failed run keeps the old one.
        old = Path(tmp) / "old"
        if target.exists():
            target.rename(old)
        staged.rename(target)
    return target


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sim.report.study --all`` (or study names): regenerate the reference results."""
    parser = argparse.ArgumentParser(prog="python -m sim.report.study", description=main.__doc__)
    parser.add_argument("studies", nargs="*", help=f"any of: {', '.join(STUDIES)}")
    parser.add_argument("--all", action="store_true", help="every study")
    parser.add_argument("--out", type=Path, default=REFERENCE_DIR, help="reference folder")
    args = parser.parse_args(argv)
    names = list(STUDIES) if args.all else list(args.studies)
    unknown = [n for n in names if n not in STUDIES]
    if unknown or not names:
        print(
            f"error: study={unknown[0] if unknown else ''!r} is not allowed: "
            f"--all or any of {', '.join(STUDIES)}",
            file=sys.stderr,
        )
        return 2
    for name in names:
        try:
            print(f"{name}: {write_reference(name, args.out)}")
        except StudyError as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
