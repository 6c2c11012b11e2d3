"""One job: run a configuration (or a shard's configurations) and write its folder.

Every file is written atomically and the manifest last, so a folder without a manifest is an
incomplete job, which a resume runs again. A sweep's job never raises: a failure is a manifest
with ``status: failed`` (or, when its folder cannot hold even that, a record at the sweep's root),
so the sweep goes on and its callback aggregates whatever finished; a single run that fails
prints one line and exits.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from sim.cli.resume import is_completed, resolved_yaml, wants_full
from sim.cli.shard import Configuration, ShardComposer, choices_of, shard_of
from sim.cli.sweep import STATE, progress_line, retire_manifest, take_ahead
from sim.model.config import ConfigError, ExperimentConfig
from sim.run.aside import experiment_with
from sim.run.outputs import (
    config_hash,
    file_digest,
    job_error_path,
    manifest,
    now_iso,
    stop_if_orphaned,
    sweep_total,
    write_bytes,
    write_csv,
    write_json,
    write_text,
)
from sim.run.registry import to_experiment

#: Test-only fault injection: a job whose overrides include this exact ``key=value`` fails.
FAIL_JOB_ENV = "OUTREACH_SIM_FAIL_JOB"


def write_results(
    job_dir: Path,
    results: Any,
    exp: ExperimentConfig,
    resolved: str,
    info: dict[str, Any],
    *,
    full: bool = True,
) -> None:
    """Write a finished job's files, each atomically, the manifest last.

    ``full``: also its figures and report.html (``outputs``); the tables are the same bytes
    either way.
    """
    # A manifest from an earlier run must not vouch for files that are about to be replaced.
    (job_dir / "manifest.json").unlink(missing_ok=True)
    tables = {
        "metrics.csv": results.metrics,
        "summary.csv": results.summary,
        "by_touch.csv": results.by_touch,
        "timeseries.csv": results.timeseries,
    }
    if getattr(results, "drivers", None) is not None:
        tables["drivers.csv"] = results.drivers  # across worlds: what each difference depends on
    for name, frame in tables.items():
        write_csv(job_dir / name, frame)
    write_text(job_dir / "config.yaml", resolved)
    files = [*tables, "config.yaml"]
    if full:
        files += _write_figures_and_report(job_dir, results, exp, info)
    write_json(
        job_dir / "manifest.json",
        manifest(
            status="ok",
            files=files,
            file_sha256={name: file_digest(job_dir / name) for name in files},
            **_manifest_fields(exp, info),
        ),
    )


def _write_figures_and_report(
    job_dir: Path, results: Any, exp: ExperimentConfig, info: dict[str, Any]
) -> list[str]:
    """A job's figures and report.html; returns their file names."""
    # Imported here: Matplotlib is only needed once a simulation has succeeded.
    from sim.report import comparison as report
    from sim.report import plots
    from sim.run.metrics import limits_warnings

    figures = plots.job_figures(
        results.metrics, results.summary, results.by_touch, results.timeseries
    )
    drivers = getattr(results, "drivers", None)
    if drivers is not None and len(drivers):
        from sim.report.drivers import drivers_figure

        # The response rate's pairs: one panel per arm keeps the figure readable.
        shown = drivers[drivers["metric"] == "response_rate"]
        if len(shown):
            figures["drivers.png"] = drivers_figure(shown)
    for name, data in figures.items():
        write_bytes(job_dir / name, data)
    choices = info["choices"]
    worlds = exp.model.worlds.values if exp.model.worlds is not None else []
    page = report.render(
        title=f"outreach-sim: {', '.join(exp.strategy)} on {choices.get('population', '?')}",
        facts={
            "population": f"{choices.get('population', '?')}, {exp.population.size} prospects",
            "replications": str(exp.replications)
            + (f" in each of {exp.worlds} plausible worlds" if exp.worlds else ""),
            "horizon": f"{exp.horizon_days:g} days",
            "seed": str(exp.seed),
            "overrides": " ".join(info["overrides"]) or "(none)",
        },
        summary=results.summary,
        labels={name: s.label for name, s in exp.strategy.items()},
        baseline=exp.baseline,
        figures=figures,
        warnings=info.get("warnings", []),
        notes=[*limits_warnings(results.metrics), _interval_method(exp)],
        model_worlds=len(worlds) or None,
    )
    write_text(job_dir / "report.html", page)
    if exp.study:
        # A workshop study replaces the generic page with its own report (sim.report.study).
        from sim.report.study import write_study_report

        write_study_report(job_dir, exp)
    return [*figures, "report.html"]


def _interval_method(exp: ExperimentConfig) -> str:
    """The report's paragraph on how its intervals were computed (docs/uncertainty.md)."""
    if exp.worlds:
        return (
            f"Each of {exp.worlds} plausible worlds ran {exp.replications} replicate(s) with the "
            "same seed (arms and worlds share prospects and random numbers). An interval is the "
            "middle 95% of the mixture of the worlds' Student t distributions over their "
            "replicates (with one replicate per world: the empirical quantiles of the worlds' "
            "values); differences are paired by world and replicate; no p-value across worlds."
        )
    return (
        "Intervals are Student t-intervals over replicates; differences are paired by "
        "replicate (arms share prospects and random numbers) with a paired t-test. With one "
        "replicate, t-intervals are not defined; the response-rate figure then shows a "
        "Wilson interval for that replicate's proportion."
    )


def _manifest_fields(exp: ExperimentConfig | None, info: dict[str, Any]) -> dict[str, Any]:
    return {
        "seed": exp.seed if exp else info["seed"],
        "replications": exp.replications if exp else info["replications"],
        "config_hash": info["config_hash"],
        "overrides": info["overrides"],
        "started": info["started"],
        "job": info["job"],
        "choices": info["choices"],
        "warnings": info.get("warnings", []),
    }


def run_job(cfg: DictConfig) -> int:
    """Run one Hydra job (a single run, a sweep job, or a shard of sweep jobs).

    A shard (``hydra_plugins/outreach_sim_sweeper``) is the Hydra job of its first configuration;
    its other configurations are composed here, with the same Hydra overrides, and run one after
    the other in this process, each into its own folder exactly as its own job would (a folder
    that cannot be written fails that configuration alone, recorded in ``job_errors/``).

    Returns:
        0 when every configuration's results were written (or already complete under
        ``resume``), 1 when one failed; a single run with an error exits instead (2 for a config
        error, 1 otherwise).
    """
    hc = HydraConfig.get()
    here = Path(hc.runtime.output_dir)
    head = Configuration(cfg, here, [str(o) for o in hc.overrides.task], choices_of(hc), None)
    if hc.mode != RunMode.MULTIRUN:
        return run_configuration(head, None)
    sweep_dir = Path(hc.sweep.dir)
    first = int(here.name) if here.name.isdigit() else int(hc.job.num)
    shard = shard_of(sweep_dir, first)
    if not shard:
        # The folder's number, as for a shard: a resumed sweep launches only the configurations
        # that are not complete, each with its folder given (hydra.sweep.subdir), so Hydra's
        # job number counts the launched ones (hydra_plugins/outreach_sim_sweeper).
        head.number = first
        return run_configuration(head, sweep_dir)
    composer = ShardComposer(hc, cfg, STATE.shard_bases)
    codes = []
    for number, overrides in shard:
        # A parallel worker whose command was killed starts no further configuration (each
        # write checks too: sim.run.outputs.watch_parent).
        stop_if_orphaned()
        if number == first:
            head.number = number
            codes.append(run_configuration(head, sweep_dir))
            continue
        try:
            one = composer.configuration(overrides, sweep_dir / str(number), number)
        except Exception as exc:  # pre-flight composed it already: record, go on with the rest
            one = Configuration(cfg, sweep_dir / str(number), overrides, {}, number)
            codes.append(_record_failure(one, None, exc, time.perf_counter(), sweep_dir))
            continue
        codes.append(run_configuration(one, sweep_dir))
    return max(codes)


def run_configuration(job: Configuration, sweep_dir: Path | None) -> int:
    """Run one configuration and write its folder (``sweep_dir``: None for a single run).

    Returns:
        0 when its results were written (or already complete under ``resume``), 1 when it
        failed; a single run with an error exits instead (2 for a config error, 1 otherwise).
    """
    cfg, job_dir = job.cfg, job.job_dir
    multirun = sweep_dir is not None
    resolved = resolved_yaml(cfg, job.aside)
    info = _job_info(job, config_hash(resolved))
    full = wants_full(cfg.get("outputs", "auto"), sweep_total(sweep_dir) if sweep_dir else None)
    clock = time.perf_counter()
    if _already_complete(job, sweep_dir, info, full=full):
        return 0
    exp: ExperimentConfig | None = None
    # Imported here: the pre-flight check of a bad command needs none of the simulation stack.
    from sim.model.extrapolation import experiment_warnings
    from sim.run.api import simulate, tables

    try:
        exp = experiment_with(to_experiment(cfg), job.aside)
        # Steps outside a fitted model's log (the pre-flight printed them): manifest and report.
        info["warnings"] = experiment_warnings(exp)
        fail = os.environ.get(FAIL_JOB_ENV)
        if fail and fail in job.overrides:
            raise RuntimeError(f"deliberate failure for tests ({FAIL_JOB_ENV}={fail})")
        # A bar for a long single run, on a terminal only: a log or CI output gets no bar
        # redraws, and a sweep's jobs have their own progress lines.
        show = not multirun and sys.stderr.isatty()
        # A sweep's first configuration may have been simulated ahead, while the sweep was
        # checked (sim.cli.sweep.take_ahead): the same config (by hash), so the same results.
        arms = take_ahead(info["config_hash"], STATE) if multirun else None
        if arms is not None:
            results = tables(exp, arms)
        else:
            results = simulate(exp, checked=True, progress=show)  # to_experiment validated it
        write_results(job_dir, results, exp, resolved, info, full=full)
    except Exception as exc:
        if isinstance(exc, ConfigError) and not multirun:
            # Pre-flight normally catches this; never leave an empty run directory behind.
            _remove_if_empty(job_dir)
            print(f"error: {exc}", file=sys.stderr)
            sys.exit(2)
        return _record_failure(job, exp, exc, clock, sweep_dir, info)
    if sweep_dir is not None:
        progress_line(sweep_dir, info["job"], "ok", time.perf_counter() - clock, job.overrides)
    else:
        _print_result(results, exp, info, job_dir)
    return 0


def _job_info(job: Configuration, digest: str | None) -> dict[str, Any]:
    """What a configuration's manifest records of it, beside its status and files.

    ``digest``: its config hash; None for one that failed before it could be run (its seed and
    replications are then not recorded either).
    """
    return {
        "config_hash": digest,
        "overrides": job.overrides,
        "started": now_iso(),
        "job": job.number,
        "choices": job.choices,
        "seed": job.cfg.get("seed") if digest is not None else None,
        "replications": job.cfg.get("replications") if digest is not None else None,
    }


def _already_complete(
    job: Configuration, sweep_dir: Path | None, info: dict[str, Any], *, full: bool
) -> bool:
    """Under ``resume``, whether the folder holds the result already (said so); else set it up."""
    if sweep_dir is not None:
        # An earlier attempt's record of a folder it could not write no longer holds.
        with contextlib.suppress(OSError):
            job_error_path(sweep_dir, info["job"]).unlink(missing_ok=True)
    if job.cfg.get("resume") and is_completed(job.job_dir, info["config_hash"], full=full):
        if sweep_dir is not None:
            progress_line(sweep_dir, info["job"], "already complete", 0.0, job.overrides)
        else:
            print(f"Already complete: {job.job_dir}")
        return True
    if sweep_dir is not None:
        retire_manifest(job.job_dir)  # an earlier attempt's, which no longer holds (sim.cli.sweep)
    return False


def _print_result(results: Any, exp: ExperimentConfig, info: dict[str, Any], job_dir: Path) -> None:
    """A single run's comparison table and warnings on stdout, and where its folder is."""
    # Imported after the simulation: pandas and SciPy add ~70 MB that its peak need not carry.
    from sim.report.comparison import ab_footnote
    from sim.report.table import comparison_table
    from sim.run.metrics import limits_warnings

    title = f"{exp.population.size} prospects ({info['choices'].get('population', '?')})"
    print(comparison_table(results.summary, results.metrics, exp.baseline, title, exp))
    warnings = limits_warnings(results.metrics)
    if warnings and ab_footnote(results.summary, exp.baseline):
        print()  # the warnings are about the run, not items of the A/B footnote's list
    for line in warnings:
        print(line)
    print(f"\nOutput: {job_dir}")


def _record_failure(
    job: Configuration,
    exp: ExperimentConfig | None,
    exc: Exception,
    clock: float,
    sweep_dir: Path | None,
    info: dict[str, Any] | None = None,
) -> int:
    """Write a failed manifest for ``job``; a single run exits 1, a sweep job returns 1."""
    error = f"{type(exc).__name__}: {exc}"
    if info is None:
        info = _job_info(job, None)
    failed = manifest(status="failed", error=error, **_manifest_fields(exp, info))
    try:
        write_json(job.job_dir / "manifest.json", failed)
    except OSError as unwritable:
        # The folder cannot hold even the manifest (a file in its place, read-only, full): the
        # sweep keeps the record at its root, so the job is listed as failed and the sweep goes on.
        if sweep_dir is None:
            print(f"error: the run failed: {error}; {unwritable}", file=sys.stderr)
            sys.exit(1)
        write_json(job_error_path(sweep_dir, info["job"]), failed)
    if sweep_dir is None:
        print(f"error: the run failed: {error}\n(details in {job.job_dir})", file=sys.stderr)
        sys.exit(1)
    elapsed = time.perf_counter() - clock
    progress_line(sweep_dir, info["job"], "FAILED", elapsed, job.overrides)
    return 1


def _remove_if_empty(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.rmdir()
