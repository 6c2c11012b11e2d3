"""Aggregation: a sweep's tables and figures, rebuilt from whatever jobs finished.

A sweep directory holds one folder per job (``0/``, ``1/``, ...) and the sweep's plan
(``sweep.json``: every job's overrides). Each job is classified by its manifest:

- ``ok``: the manifest says ok; its ``metrics.csv`` and ``summary.csv`` rows are included;
- ``failed``: the manifest says failed; one row carries its error;
- ``incomplete``: the folder exists without a manifest (the sweep was stopped mid-job);
- ``missing``: planned but never started;
- ``stale``: the manifest belongs to other overrides than the plan's (an older sweep).

A job whose folder could not be created or written is ``failed`` too: its record is in
``job_errors/<job>.json`` at the sweep's root (:mod:`sim.cli.sweep`).

``sweep_metrics.csv`` and ``sweep_summary.csv`` hold every job's rows, ordered by job, with
``job``, ``status``, ``error`` and a column per swept parameter in front. Nothing in them depends
on time or on the launcher, so a parallel sweep writes the same bytes as a serial one.
The sweep root also gets a figure per swept parameter and ``report.html`` (the sweep report of
:func:`sim.report.comparison.render_sweep`; a workshop study's sweep gets the study's report
instead). ``outreach-sim-aggregate DIR`` (:mod:`sim.cli.aggregate`) runs this on its own, e.g.
after a sweep was killed.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.run.outputs import (
    read_job_error,
    read_manifest,
    read_plan,
    write_bytes,
    write_csv,
    write_text,
)

FRONT: tuple[str, ...] = ("job", "status", "error")


@dataclass
class Job:
    """One job of a sweep as found on disk."""

    number: int
    overrides: list[str]
    status: str
    error: str = ""
    path: Path | None = None


@dataclass
class Aggregate:
    """A sweep's rebuilt tables."""

    sweep_dir: Path
    jobs: list[Job]
    parameters: list[str]
    metrics: pd.DataFrame
    summary: pd.DataFrame
    figures: list[str] = field(default_factory=list)
    #: The limits that bound, a row per job, arm and limit (``sweep_warnings.csv``).
    warnings: pd.DataFrame | None = None

    @property
    def problems(self) -> list[Job]:
        """Jobs that did not finish ok."""
        return [j for j in self.jobs if j.status != "ok"]


def _key_value(override: str) -> tuple[str, str]:
    key, _, value = override.partition("=")
    return key.lstrip("+~"), value


def override_values(overrides: Sequence[str]) -> dict[str, str]:
    """``key=value`` overrides as a mapping, keys without Hydra's ``+``/``~`` prefixes."""
    return dict(_key_value(o) for o in overrides)


def _is_parameter(key: str) -> bool:
    return not key.startswith("hydra") and key != "resume"


def _comparable(overrides: Sequence[str]) -> list[str]:
    return [o for o in overrides if _is_parameter(_key_value(o)[0])]


def find_jobs(sweep_dir: Path) -> list[Job]:
    """Every planned or present job of ``sweep_dir``, ordered by job number."""
    plan = read_plan(sweep_dir)
    planned: list[list[str]] = plan.get("jobs", []) if plan else []
    jobs: dict[int, Job] = {
        i: Job(i, [str(o) for o in overrides], "missing") for i, overrides in enumerate(planned)
    }
    for path in sorted(sweep_dir.iterdir()):
        if not path.is_dir() or not path.name.isdigit():
            continue
        number = int(path.name)
        if planned and number not in jobs:
            continue  # a folder left by an older, larger sweep in the same directory
        found = read_manifest(path)
        overrides = jobs[number].overrides if number in jobs else []
        if found is None:
            jobs[number] = Job(number, overrides, "incomplete", path=path)
            continue
        recorded = [str(o) for o in found.get("overrides", [])]
        if planned and _comparable(recorded) != _comparable(overrides):
            jobs[number] = Job(number, overrides, "stale", "results of other overrides", path)
            continue
        status = str(found.get("status", "incomplete"))
        if status == "ok" and not all((path / f).is_file() for f in ("metrics.csv", "summary.csv")):
            status = "incomplete"
        error = str(found.get("error") or "")
        jobs[number] = Job(number, overrides or recorded, status, error, path)
    for number, job in jobs.items():
        # A job whose own folder could not hold a manifest (a file in its place, read-only):
        # the sweep recorded its failure at its root.
        record = (
            read_job_error(sweep_dir, number) if job.status in ("missing", "incomplete") else None
        )
        if record is not None:
            job.status, job.error = "failed", str(record.get("error") or "")
            job.overrides = job.overrides or [str(o) for o in record.get("overrides", [])]
            job.path = None
    return [jobs[n] for n in sorted(jobs)]


def swept_parameters(sweep_dir: Path, jobs: Sequence[Job]) -> list[str]:
    """Parameters the sweep varies: its sweep overrides, else keys whose value varies by job."""
    plan = read_plan(sweep_dir)
    if plan and plan.get("overrides"):
        from hydra.core.override_parser.overrides_parser import OverridesParser

        parsed = OverridesParser.create().parse_overrides([str(o) for o in plan["overrides"]])
        keys = [o.get_key_element().lstrip("+~") for o in parsed if o.is_sweep_override()]
        # A key swept twice (``seed=range(0,11) ... seed=0,1``: the last wins) is one column.
        return [k for k in dict.fromkeys(keys) if _is_parameter(k)]
    values: dict[str, set[str]] = {}
    for job in jobs:
        for override in job.overrides:
            key, value = _key_value(override)
            if _is_parameter(key):
                values.setdefault(key, set()).add(value)
    return [k for k, v in values.items() if len(v) > 1]


def _table(jobs: Sequence[Job], parameters: Sequence[str], name: str) -> pd.DataFrame:
    frames: list[pd.DataFrame] = []
    integer_columns: set[str] = set()
    for job in jobs:
        params = override_values(job.overrides)
        if job.status == "ok" and job.path is not None:
            frame = pd.read_csv(job.path / name)
            integer_columns |= {c for c in frame.columns if pd.api.types.is_integer_dtype(frame[c])}
        else:
            frame = pd.DataFrame(index=[0])
        front: dict[str, Any] = {"job": job.number, "status": job.status, "error": job.error}
        for key in parameters:
            # A swept column the table already has (seed) moves to the front with the others.
            front[key] = frame.pop(key) if key in frame.columns else params.get(key, "")
        for position, (key, value) in enumerate(front.items()):
            frame.insert(position, key, value)
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=[*FRONT, *parameters])
    table = pd.concat(frames, ignore_index=True)
    for key in parameters:
        numeric = pd.to_numeric(table[key], errors="coerce")
        if numeric.notna().all():
            table[key] = numeric
    # Rows of failed jobs hold no counts: keep count columns integers (blank when missing).
    for column in integer_columns:
        table[column] = table[column].astype("Int64")
    return table


def aggregate(sweep_dir: Path) -> Aggregate:
    """Rebuild the sweep tables (metrics, summary, step table, warnings) and figures."""
    jobs = find_jobs(sweep_dir)
    parameters = swept_parameters(sweep_dir, jobs)
    metrics = _table(jobs, parameters, "metrics.csv")
    warnings = job_warnings(metrics, parameters)
    summary = with_limits(_table(jobs, parameters, "summary.csv"), warnings)
    write_csv(sweep_dir / "sweep_metrics.csv", metrics)
    write_csv(sweep_dir / "sweep_summary.csv", summary)
    # The step table across jobs: each job's by_touch.csv rows behind its job and parameters.
    steps = [
        j for j in jobs if j.status != "ok" or (j.path and (j.path / "by_touch.csv").is_file())
    ]
    write_csv(sweep_dir / "sweep_by_touch.csv", _table(steps, parameters, "by_touch.csv"))
    write_csv(sweep_dir / "sweep_warnings.csv", warnings)
    result = Aggregate(sweep_dir, jobs, parameters, metrics, summary, warnings=warnings)
    ok = metrics[metrics["status"] == "ok"]
    figures: dict[str, bytes] = {}
    if len(ok):
        from sim.report.sweep_answers import heatmap_figure, keys_of, parameter_figure

        # A swept seed is pooled as replicates when other parameters are swept (no figure).
        for parameter in keys_of(parameters):
            if ok[parameter].nunique() > 1:
                name = f"sweep_{re.sub(r'[^A-Za-z0-9]+', '_', parameter)}.png"
                figures[name] = parameter_figure(ok, parameters, parameter, summary)
        heat = heatmap_figure(ok, parameters, summary)
        if heat is not None:
            figures["sweep_heatmap.png"] = heat
        for name, data in figures.items():
            write_bytes(sweep_dir / name, data)
            result.figures.append(name)
    if not _is_study(jobs):
        write_text(sweep_dir / "report.html", sweep_report(result, figures))
    return result


def job_warnings(metrics: pd.DataFrame, parameters: Sequence[str]) -> pd.DataFrame:
    """The limits that bound each ok job (:func:`sim.run.metrics.limits_table`), job first."""
    from sim.run.metrics import WARNING_COLUMNS, limits_table

    front = ["job", *parameters]
    frames = []
    ok = metrics[metrics["status"] == "ok"] if "status" in metrics else metrics.iloc[:0]
    for _, rows in ok.groupby("job", sort=True):
        found = limits_table(rows)
        if found.empty:
            continue
        for position, key in enumerate(front):
            found.insert(position, key, [rows[key].iloc[0]] * len(found))
        frames.append(found)
    if not frames:
        return pd.DataFrame(columns=[*front, *WARNING_COLUMNS])
    return pd.concat(frames, ignore_index=True)


def with_limits(summary: pd.DataFrame, warnings: pd.DataFrame) -> pd.DataFrame:
    """``summary`` with ``limits`` last: each (job, arm)'s limits that bound, e.g. ``horizon 62%``.

    Empty where none bound; the full lines are in ``sweep_warnings.csv``.
    """
    said: dict[tuple[object, object], str] = {}
    for job, arm, limit, share in warnings[["job", "arm", "limit", "share"]].itertuples(
        index=False
    ):
        key = (job, arm)
        said[key] = "; ".join(p for p in (said.get(key, ""), f"{limit} {share:.0%}") if p)
    summary = summary.copy()
    arms = summary["arm"] if "arm" in summary else pd.Series("", index=summary.index)
    summary["limits"] = [said.get((j, a), "") for j, a in zip(summary["job"], arms, strict=True)]
    return summary


def limits_lines(warnings: pd.DataFrame | None, jobs: int) -> list[str]:
    """The terminal's and the report's word on limits: one short line per kind of limit."""
    if warnings is None or warnings.empty:
        return []
    what = {
        "capacity": "rep capacity made touches late or never made",
        "mailbox": "mailbox caps held emails back",
        "horizon": "the horizon ended the cadence early",
    }
    lines = []
    for limit, rows in warnings.groupby("limit", sort=False):
        hit = rows["job"].nunique()
        lines.append(
            f"warning: {what.get(str(limit), str(limit))} in {hit} of {jobs} jobs (up to "
            f"{rows['share'].max():.0%} of planned touches; sweep_warnings.csv)"
        )
    return lines


#: PyYAML's safe loader, LibYAML's when PyYAML was built with it (six times as fast on a job's
#: config.yaml, most of which is the model's worlds).
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _is_study(jobs: Sequence[Job]) -> bool:
    """A workshop study's sweep: its report is the study's (:mod:`sim.report.study`)."""
    for job in jobs:
        if job.status == "ok" and job.path is not None:
            try:
                text = (job.path / "config.yaml").read_text(encoding="utf-8")
                found = yaml.load(text, Loader=SAFE_LOADER)
            except (OSError, yaml.YAMLError):
                continue
            return isinstance(found, dict) and bool(found.get("study"))
    return False


def sweep_report(result: Aggregate, figures: dict[str, bytes]) -> str:
    """The sweep's ``report.html``: its facts, each job's response rate by arm, its figures."""
    from sim.report.comparison import render_sweep

    plan = read_plan(result.sweep_dir) or {}
    swept = set(result.parameters)
    shared = [o for o in plan.get("overrides", []) if _key_value(str(o))[0] not in swept]
    counts = pd.Series([j.status for j in result.jobs]).value_counts()
    facts = {
        "jobs": f"{len(result.jobs)}: " + ", ".join(f"{n} {s}" for s, n in counts.items()),
        "swept": ", ".join(f"{p} ({result.summary[p].nunique()} values)" for p in result.parameters)
        or "(nothing)",
        "every job": " ".join(str(o) for o in shared if _is_parameter(_key_value(str(o))[0]))
        or "(defaults)",
    }
    if int(plan.get("shard_size", 1)) > 1:
        facts["shards"] = f"{plan['shard_size']} configurations per launched job"
    manifests = [read_manifest(j.path) for j in result.jobs if j.status == "ok" and j.path]
    full_jobs = any("report.html" in (m or {}).get("files", []) for m in manifests[:1])
    from sim.report.sweep_answers import best_sentences

    ok = result.metrics[result.metrics["status"] == "ok"] if len(result.metrics) else result.metrics
    return render_sweep(
        answers=best_sentences(ok, result.parameters, result.summary) if len(ok) else [],
        warnings=limits_lines(result.warnings, len(result.jobs)),
        title=f"outreach-sim sweep: {result.sweep_dir.name}",
        facts=facts,
        summary=result.summary,
        index=["job", *result.parameters],
        problems=[
            f"job {j.number} {j.status}: {' '.join(j.overrides)} {j.error}".strip()
            for j in result.problems
        ],
        figures=figures,
        full_jobs=full_jobs,
    )


#: The terminal's sweep table: at most this many characters a line and this many jobs.
TERMINAL_WIDTH = 100
TERMINAL_ROWS = 40


def overview(result: Aggregate, metric: str = "response_rate") -> str:
    """A short text table: each job's swept values and status, and ``metric`` by arm."""
    counts = pd.Series([j.status for j in result.jobs]).value_counts()
    head = f"Sweep: {len(result.jobs)} jobs, " + ", ".join(f"{n} {s}" for s, n in counts.items())
    summary = result.summary
    index = ["job", *result.parameters, "status"]
    from sim.report.sweep_answers import short_name

    lines = [head]
    if "metric" in summary.columns and (summary["status"] == "ok").any():
        rows = summary[(summary["status"] == "ok") & (summary["metric"] == metric)]
        table = rows.pivot_table(index=index, columns="arm", values="mean", sort=False)
        table = table[list(dict.fromkeys(rows["arm"]))]
        # Short column names (the last part of a dotted key) and at most TERMINAL_WIDTH a line:
        # the full names and every column are in sweep_summary.csv and report.html.
        table.index = table.index.set_names([short_name(k, index) for k in index])
        shown = table.head(TERMINAL_ROWS)
        lines += [
            f"\n{metric} (mean over replicates) by job and arm:",
            shown.to_string(float_format=lambda v: f"{v:.3f}", line_width=TERMINAL_WIDTH),
        ]
        if len(table) > len(shown):
            lines.append(f"... and {len(table) - len(shown)} more jobs: see sweep_summary.csv")
    for job in result.problems:
        lines.append(f"job {job.number} {job.status}: {' '.join(job.overrides)} {job.error}")
    for said in limits_lines(result.warnings, len(result.jobs)):
        lines += textwrap.wrap(said, width=TERMINAL_WIDTH, subsequent_indent="  ")
    return "\n".join(lines)
