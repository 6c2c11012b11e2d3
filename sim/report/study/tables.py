"""A study's tables: one row per arm (and per job of a sweep), means and intervals side by side."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from sim.report.aggregate import find_jobs, override_values, swept_parameters
from sim.report.study.notes import StudyError

RATE_METRICS: tuple[str, ...] = ("response_rate", "meeting_rate", "opt_out_rate")
TABLE_METRICS: tuple[str, ...] = (*RATE_METRICS, "meetings", "rep_hours")
SWEEP_TABLE_METRICS: tuple[str, ...] = (
    "response_rate",
    "meetings",
    "opt_out_rate",
    "opt_outs",
    "rep_hours",
)
#: The columns of ``summary.csv`` a study table keeps, and their names there.
_COLUMNS: tuple[tuple[str, str], ...] = (
    ("mean", "mean"),
    ("ci_low", "ci_low"),
    ("ci_high", "ci_high"),
    ("diff_vs_baseline", "diff"),
    ("diff_ci_low", "diff_ci_low"),
    ("diff_ci_high", "diff_ci_high"),
    ("p_value", "p_value"),
)


def row(summary: pd.DataFrame, arm: str, metric: str) -> pd.Series:
    """The row of ``summary.csv`` for ``arm`` and ``metric``.

    Raises:
        StudyError: the summary has no such row.
    """
    hit = summary[(summary["arm"] == arm) & (summary["metric"] == metric)]
    if hit.empty:
        raise StudyError(f"summary has no row for arm={arm!r}, metric={metric!r}")
    return hit.iloc[0]


def study_table(summary: pd.DataFrame, metrics: Sequence[str]) -> pd.DataFrame:
    """One row per arm: mean, CI and paired difference vs baseline of each metric, side by side."""
    rows = []
    for arm in dict.fromkeys(summary["arm"]):
        out: dict[str, object] = {"arm": arm}
        for m in metrics:
            r = row(summary, arm, m)
            for col, name in _COLUMNS:
                out[f"{m}_{name}"] = float(r[col])
        rows.append(out)
    return pd.DataFrame(rows)


def sweep_table(
    sweep_dir: Path, metrics: Sequence[str] = SWEEP_TABLE_METRICS
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Every finished job's study table (of ``metrics``) with a column per swept parameter.

    Jobs and swept parameters are found as :mod:`sim.report.aggregate` finds them for the sweep
    tables.

    Returns:
        ``(table, params, failed)``: failed lists the jobs that did not finish ok.
    """
    jobs = find_jobs(sweep_dir)
    params = swept_parameters(sweep_dir, jobs)
    frames, failed = [], []
    for job in jobs:
        if job.status != "ok" or job.path is None:
            failed.append(str(job.number))
            continue
        values = override_values(job.overrides)
        t = study_table(pd.read_csv(job.path / "summary.csv"), metrics)
        for k in reversed(params):
            t.insert(0, k, parse_value(values.get(k, "")))
        t.insert(0, "job", job.number)
        frames.append(t)
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return table, params, failed


def parse_value(text: str) -> str | int | float:
    """A swept value as written in an override: a whole number, a number, or the text."""
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() else number


def lookup(cfg: object, dotted: str) -> object:
    """The value at a dotted key of a config (attributes or mapping keys)."""
    node = cfg
    for part in dotted.split("."):
        node = node[part] if isinstance(node, Mapping) else getattr(node, part)
    return node


def same(a: object, b: object) -> bool:
    """Whether two swept values are equal, as numbers when both read as numbers."""
    try:
        return float(str(a)) == float(str(b))
    except ValueError:
        return str(a) == str(b)
