"""Workshop studies: a named experiment's report a trainer can put on a screen, and its references.

A study is a Hydra experiment file (``sim/conf/experiment/NAME.yaml``, overrides only) that sets
``study: NAME``, plus a note (``experiments/NAME.md``) with the question, the seed passage it
illustrates and what to look at. After a run (or, for a sweep, after every job), the app calls
:func:`write_study_report`, which reads the job's tables, answers the question in one sentence
computed from them (with the paired confidence intervals of ``summary.csv``), draws the figures,
follows one prospect through two arms (:mod:`sim.journey`), and writes one self-contained
``report.html`` (figures embedded as base64 PNG).

``python -m sim.study --all`` (``make reference``) reruns every study through the real command
line and copies its tables, figures and report to ``results/reference/<study>/``.
"""

from __future__ import annotations

import argparse
import base64
import html
import math
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from omegaconf import DictConfig

from sim.config import ExperimentConfig
from sim.journey import journey_figure, pick_prospect, trace_journeys
from sim.outputs import write_bytes, write_csv, write_text
from sim.plots import png

PROJECT_DIR = Path(__file__).resolve().parent.parent
NOTES_DIR = PROJECT_DIR / "experiments"
EXPERIMENT_DIR = Path(__file__).resolve().parent / "conf" / "experiment"
REFERENCE_DIR = PROJECT_DIR / "results" / "reference"

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
}
TITLES: dict[str, str] = {
    "response_rate": "response rate",
    "meeting_rate": "meeting rate",
    "opt_out_rate": "opt-out rate",
}
TABLE_METRICS: tuple[str, ...] = ("response_rate", "meeting_rate", "opt_out_rate")
SWEEP_TABLE_METRICS: tuple[str, ...] = ("response_rate", "meetings", "opt_out_rate", "opt_outs")
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


def note_html(text: str) -> str:
    """A note's markdown as HTML: raw HTML in the note is escaped first, so it stays text."""
    import markdown

    return markdown.markdown(html.escape(text, quote=False))


# --- numbers into words ------------------------------------------------------------------------


def _fmt(value: float, kind: str) -> str:
    if math.isnan(value):
        return "n/a"
    return f"{100 * value:.1f}%" if kind == "pct" else f"{value:.1f}"


def _fmt_diff(value: float, kind: str) -> str:
    return f"{100 * value:+.1f} points" if kind == "pct" else f"{value:+.1f}"


def _verdict(low: float, high: float) -> str:
    """'higher', 'lower' or 'unclear' from a difference's CI ('unknown' without one)."""
    if math.isnan(low) or math.isnan(high):
        return "unknown"
    if low > 0:
        return "higher"
    if high < 0:
        return "lower"
    return "unclear"


def _row(summary: pd.DataFrame, arm: str, metric: str) -> pd.Series:
    hit = summary[(summary["arm"] == arm) & (summary["metric"] == metric)]
    if hit.empty:
        raise StudyError(f"summary has no row for arm={arm!r}, metric={metric!r}")
    return hit.iloc[0]


def _diff_clause(row: pd.Series, kind: str) -> str:
    d, lo, hi = (float(row[c]) for c in ("diff_vs_baseline", "diff_ci_low", "diff_ci_high"))
    if math.isnan(lo):
        return f"{_fmt_diff(d, kind)}; one replicate, so no confidence interval"
    low = _fmt_diff(lo, kind).split()[0]  # "+0.3 to +3.5 points", the unit once
    return f"{_fmt_diff(d, kind)}, 95% CI {low} to {_fmt_diff(hi, kind)}"


def answer_single(
    summary: pd.DataFrame, baseline: str, labels: Mapping[str, str], metric: str = "response_rate"
) -> str:
    """The study's answer in one sentence, from a job's ``summary.csv`` (paired CIs vs baseline).

    Names how many arms did clearly better than the baseline, the arm with the most of
    ``metric`` against the baseline with the paired difference and its CI ("no clear difference"
    when the CI spans 0), and what happened to opt-outs for the same pair.
    """
    noun, kind = WORDS[metric]
    arms = list(dict.fromkeys(summary["arm"]))
    others = [a for a in arms if a != baseline]
    if not others:
        row = _row(summary, baseline, metric)
        return f"{labels.get(baseline, baseline)} got {_fmt(float(row['mean']), kind)} {noun}."
    means = {a: float(_row(summary, a, metric)["mean"]) for a in arms}
    best = max(others, key=lambda a: means[a])
    b_row = _row(summary, best, metric)
    verdict = _verdict(float(b_row["diff_ci_low"]), float(b_row["diff_ci_high"]))
    name, base = labels.get(best, best), labels.get(baseline, baseline)
    clear = [
        a
        for a in others
        if _verdict(*(float(_row(summary, a, metric)[c]) for c in ("diff_ci_low", "diff_ci_high")))
        == "higher"
    ]
    pair = f"{_fmt(means[best], kind)} against {_fmt(means[baseline], kind)}"
    if verdict == "higher":
        if len(others) > 1:
            head = (
                f"{len(clear)} of {len(others)} arms got clearly more {noun} than {base}; "
                f"the most came from {name}: {pair} ({_diff_clause(b_row, kind)})"
            )
        else:
            head = (
                f"{name} got clearly more {noun} than {base}: {pair} ({_diff_clause(b_row, kind)})"
            )
    elif verdict == "lower":
        head = (
            f"{base} got the most {noun}: even the best other arm, {name}, got fewer "
            f"({pair}; {_diff_clause(b_row, kind)})"
        )
    else:
        head = f"there is no clear difference in {noun} between {name} and {base} ({pair}; " + (
            f"{_diff_clause(b_row, kind)})"
        )
    head = head[0].upper() + head[1:]
    if metric == "opt_out_rate" or not (summary["metric"] == "opt_out_rate").any():
        return head + "."
    o_row = _row(summary, best, "opt_out_rate")
    o_base = float(_row(summary, baseline, "opt_out_rate")["mean"])
    o_verdict = _verdict(float(o_row["diff_ci_low"]), float(o_row["diff_ci_high"]))
    o_pair = f"{_fmt(float(o_row['mean']), 'pct')} against {_fmt(o_base, 'pct')}"
    tail = {
        "higher": f"{name} lost more prospects to opt-outs ({o_pair}; "
        f"{_diff_clause(o_row, 'pct')})",
        "lower": f"{name} lost fewer prospects to opt-outs ({o_pair}; "
        f"{_diff_clause(o_row, 'pct')})",
        "unclear": f"with no clear difference in opt-outs ({o_pair})",
        "unknown": f"opt-outs: {o_pair}",
    }[o_verdict]
    return f"{head}; {tail}."


def _short(param: str) -> str:
    """The last two parts of a dotted key (``load.email``): enough to say what was swept."""
    return ".".join(param.split(".")[-2:])


def _value_text(params: Sequence[str], values: Sequence[object]) -> str:
    return ", ".join(f"{_short(p)}={v}" for p, v in zip(params, values, strict=True))


def _where(params: Sequence[str]) -> str:
    return " and ".join(_short(p) for p in params)


def _values(params: Sequence[str], keys: Sequence[tuple[object, ...]]) -> str:
    """``pause_days 3, 7 and 14`` for one parameter; ``(a=1, b=2), (a=2, b=1)`` for several."""
    if len(params) == 1:
        shown = [str(k[0]) for k in keys]
        listed = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"
        return f"{_short(params[0])} {listed}"
    return "; ".join(f"({_value_text(params, k)})" for k in keys)


def answer_sweep(
    table: pd.DataFrame,
    params: Sequence[str],
    baseline: str,
    labels: Mapping[str, str],
    metric: str = "response_rate",
) -> str:
    """The answer of a sweep study in one sentence, from the per-job study table.

    With one arm, the job with the most of ``metric`` against the job with the least (whether
    their 95% intervals overlap). With several, which arm leads at each swept value, and how the
    leading arm compares with the baseline across the sweep (paired CIs of each job).
    """
    noun, kind = WORDS[metric]
    mean, lo, hi = f"{metric}_mean", f"{metric}_ci_low", f"{metric}_ci_high"
    arms = list(dict.fromkeys(table["arm"]))
    if len(arms) == 1:
        best = table.iloc[int(np.argmax(table[mean].to_numpy(float)))]
        worst = table.iloc[int(np.argmin(table[mean].to_numpy(float)))]
        apart = float(best[lo]) > float(worst[hi])
        where_best = _value_text(params, [best[p] for p in params])
        where_worst = _value_text(params, [worst[p] for p in params])
        return (
            f"The most {noun} came at {where_best}: {_fmt(float(best[mean]), kind)} "
            f"(95% CI {_fmt(float(best[lo]), kind)} to {_fmt(float(best[hi]), kind)}), against "
            f"{_fmt(float(worst[mean]), kind)} at {where_worst}"
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
        head = f"{labels.get(focus, focus)} got the most {noun} at every {where} tested"
    else:
        parts = [f"{labels.get(a, a)} at {_values(params, v)}" for a, v in leaders.items()]
        head = f"The arm with the most {noun} depends on {where}: {'; '.join(parts)}"
    # The clause against the baseline follows the other arm that leads most often (then the one
    # with the highest mean over the sweep), so a sweep the baseline mostly wins still says how
    # its challenger did.
    others = [a for a in arms if a != baseline]
    if not others:
        return head + "."
    overall = table.groupby("arm")[mean].mean()
    focus = max(others, key=lambda a: (len(leaders.get(a, [])), float(overall[a])))
    groups: dict[str, list[tuple[object, ...]]] = {}
    for _, r in table[table["arm"] == focus].iterrows():
        v = _verdict(float(r[f"{metric}_diff_ci_low"]), float(r[f"{metric}_diff_ci_high"]))
        groups.setdefault(v, []).append(tuple(r[p] for p in params))
    words = {
        "higher": "clearly ahead",
        "unclear": "not clearly different",
        "lower": "clearly behind",
        "unknown": "no confidence interval",
    }
    versus = ", ".join(
        f"{words[v]} at {_values(params, groups[v])}"
        for v in ("higher", "unclear", "lower", "unknown")
        if v in groups
    )
    name = "it" if list(leaders) == [focus] else labels.get(focus, focus)
    return f"{head}; against {labels.get(baseline, baseline)}, {name} is {versus}."


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

    Jobs and swept parameters are found as :mod:`sim.aggregate` finds them for the sweep tables.

    Returns:
        ``(table, params, failed)``: failed lists the jobs that did not finish ok.
    """
    from sim.aggregate import find_jobs, override_values, swept_parameters

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


def outcomes_figure(table: pd.DataFrame, labels: Mapping[str, str]) -> bytes:
    """Response, meeting and opt-out rate of each arm, with 95% confidence bars."""
    fig = Figure(figsize=(11, 3.8), layout="constrained")
    axes = fig.subplots(1, len(TABLE_METRICS), sharey=False)
    names = [labels.get(a, a) for a in table["arm"]]
    colours = ["#7f7f7f", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]
    for ax, metric in zip(axes, TABLE_METRICS, strict=True):
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
        ax.set_yticks(y, names if ax is axes[0] else [""] * len(names), fontsize=9)
        ax.set_title(f"{TITLES[metric]} (% of prospects)")
        ax.grid(axis="x", alpha=0.3)
    return png(fig, dpi=FIGURE_DPI)


def timeline_figure(timeseries: pd.DataFrame, labels: Mapping[str, str]) -> bytes:
    """Cumulative responses and opt-outs per prospect over time, mean of replicates."""
    fig = Figure(figsize=(11, 3.6), layout="constrained")
    axes = fig.subplots(1, 2)
    mean = timeseries.groupby(["arm", "day"], sort=False)[["responses", "opt_outs"]].mean()
    for arm in dict.fromkeys(timeseries["arm"]):
        part = mean.loc[arm]
        for ax, col in zip(axes, ("responses", "opt_outs"), strict=True):
            ax.plot(part.index, part[col], label=labels.get(arm, arm), lw=2)
    axes[0].set_title("responses so far (mean count)")
    axes[1].set_title("opt-outs so far (mean count)")
    for ax in axes:
        ax.set_xlabel("day")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    return png(fig, dpi=FIGURE_DPI)


def sweep_figure(
    table: pd.DataFrame, params: Sequence[str], labels: Mapping[str, str], metrics: Sequence[str]
) -> bytes:
    """Each metric against the first swept parameter: a line per arm (and per other parameter)."""
    x_param = params[0]
    fig = Figure(figsize=(5.2 * len(metrics), 3.9), layout="constrained")
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
        ax.set_xlabel(x_param)
        ax.set_title(f"{noun} ({'% of prospects' if kind == 'pct' else 'count'})")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
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
        ci = "" if math.isnan(lo) else f" ({_fmt_diff(lo, kind)} to {_fmt_diff(hi, kind)})"
        text += f"<br><small>vs baseline {_fmt_diff(d, kind)}{ci}</small>"
    return text


def _html_table(
    table: pd.DataFrame, metrics: Sequence[str], labels: Mapping[str, str], params: Sequence[str]
) -> str:
    head = "".join(f"<th>{html.escape(p.rsplit('.', 1)[-1])}</th>" for p in params)
    head += "<th>arm</th>" + "".join(
        f"<th>{html.escape(WORDS[m][0])}{' (%)' if WORDS[m][1] == 'pct' else ''}</th>"
        for m in metrics
    )
    body = []
    for _, row in table.iterrows():
        cells = "".join(f"<td>{html.escape(str(row[p]))}</td>" for p in params)
        arm = str(row["arm"])
        cells += f"<td>{html.escape(labels.get(arm, arm))}</td>"
        cells += "".join(f"<td>{_ci_cell(row, m, WORDS[m][1])}</td>" for m in metrics)
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:1180px;margin:2em auto;
padding:0 1em;color:#222;font-size:18px;line-height:1.45}
h1{font-size:1.9em;margin-bottom:.2em} .answer{font-size:1.25em;background:#eef6ee;
border-left:6px solid #2ca02c;padding:.7em 1em;margin:1em 0}
blockquote{border-left:4px solid #bbb;margin:1em 0;padding:.3em 1em;color:#444;font-style:italic}
table{border-collapse:collapse;font-size:.85em;margin:1em 0} td,th{border:1px solid #ccc;
padding:.35em .6em;text-align:left;vertical-align:top} th{background:#f3f3f3}
figure{margin:1.2em 0} figure img{max-width:100%;border:1px solid #ddd}
figcaption{font-size:.85em;color:#555} .meta{color:#666;font-size:.8em}
"""


def render_report(
    note: Note,
    answer: str,
    table_html: str,
    figures: Sequence[tuple[str, bytes]],
    facts: Mapping[str, str],
) -> str:
    """The study's one self-contained HTML page; every config-derived string is escaped."""
    figs = "".join(
        f'<figure><img alt="{html.escape(caption)}" '
        f'src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        for caption, png in figures
    )
    meta = " · ".join(f"{html.escape(k)}: {html.escape(v)}" for k, v in facts.items())
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(note.title)}</title>
<style>{STYLE}</style></head><body>
<h1>{html.escape(note.title)}</h1>
<p class="meta">study <code>{html.escape(note.name)}</code> · {meta}</p>
<h2>The question</h2><p>{html.escape(note.question)}</p>
<h2>The answer</h2><p class="answer">{html.escape(answer)}</p>
<h2>The seed passage</h2><blockquote>{html.escape(note.passage)}</blockquote>
<p class="meta">from <code>{html.escape(note.seed_file)}</code></p>
<h2>What to look at</h2><p>{html.escape(note.look_at)}</p>
<h2>Figures</h2>{figs}
<h2>The table</h2>
<p class="meta">Means over replicates with 95% confidence intervals; "vs baseline" is the paired
difference from the baseline arm (same prospects, same random streams) with its 95% CI.</p>
{table_html}
</body></html>
"""


def _labels(cfg: ExperimentConfig) -> dict[str, str]:
    return {name: (s.label or name) for name, s in cfg.strategy.items()}


def _as_experiment(cfg: ExperimentConfig | DictConfig) -> ExperimentConfig:
    if isinstance(cfg, ExperimentConfig):
        return cfg
    from sim.registry import to_experiment  # Hydra import only when given a DictConfig

    return to_experiment(cfg)


def _journey_png(cfg: ExperimentConfig, arms: Sequence[str]) -> tuple[str, bytes] | None:
    """Follow one prospect through the baseline and the best arm, same seed (replicate 0)."""
    if len(arms) < 2:
        return None
    prospect = pick_prospect(cfg, arms)
    fig = journey_figure(trace_journeys(cfg, arms, prospect), cfg)
    caption = (
        f"One prospect's journey (prospect {prospect}, replicate 0): warmth, annoyance, "
        "familiarity and chance of being in market between touches; each touch marked by "
        "channel, filled when noticed; the black line is the reply arriving."
    )
    return caption, png(fig, dpi=FIGURE_DPI)


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
                "Outcomes by arm, with 95% confidence bars.",
                outcomes_figure(table, labels),
            )
        )
        if (out / "timeseries.csv").is_file():
            ts = pd.read_csv(out / "timeseries.csv")
            figures.append(
                (
                    "study_timeline.png",
                    "Responses and opt-outs as the days go by.",
                    timeline_figure(ts, labels),
                )
            )
        others = [a for a in table["arm"] if a != exp.baseline]
        best = max(others, key=lambda a: float(_row(summary, a, metric)["mean"]), default=None)
        arms = [exp.baseline] + ([best] if best else [])
        table_html = _html_table(table, TABLE_METRICS, labels, ())
    else:
        table, params, failed = sweep_table(out)
        if table.empty:
            raise StudyError(f"{out}: no finished job (no summary.csv in a job folder)")
        answer = answer_sweep(table, params, exp.baseline, labels, metric)
        shown = ("meetings", "opt_outs") if metric == "meetings" else (metric, "opt_out_rate")
        figures.append(
            (
                "study_sweep.png",
                f"Outcomes against {params[0] if params else 'the sweep'}, with 95% bands.",
                sweep_figure(table, params, labels, shown),
            )
        )
        if failed:
            facts["failed jobs"] = ", ".join(failed)
        facts["swept"] = ", ".join(params)
        arms = list(dict.fromkeys(table["arm"]))[:2]
        table_html = _html_table(table, SWEEP_TABLE_METRICS, labels, params)
    journey = _journey_png(exp, arms)
    if journey is not None:
        figures.append(("study_journey.png", *journey))
    for name, _, data in figures:
        write_bytes(out / name, data)
    write_csv(out / "study_table.csv", table.round(10))
    report = out / REPORT_NAME
    write_text(report, render_report(note, answer, table_html, [f[1:] for f in figures], facts))
    return report


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
        "from sim.app import main; main()",
        f"+experiment={name}",
        f"hydra.run.dir={run_dir}",
        f"hydra.sweep.dir={sweep_dir}",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=PROJECT_DIR)
    if done.returncode != 0:
        raise StudyError(f"outreach-sim +experiment={name} failed:\n{done.stderr[-3000:]}")
    out = sweep_dir if sweep_dir.is_dir() else run_dir
    if not (out / REPORT_NAME).is_file():
        from sim.registry import compose  # the app did not write it: do it here

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
    """``python -m sim.study --all`` (or study names): regenerate the reference results."""
    parser = argparse.ArgumentParser(prog="python -m sim.study", description=main.__doc__)
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
