"""What a fit writes: the model config, the estimates table, the record and the report.

Everything is written into a fresh folder beside the target and moved into place at the end, and
the model config over its final name with :func:`os.replace`: a failed fit leaves nothing
half-written.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from matplotlib.figure import Figure

from sim.fit.atomic import write_all
from sim.fit.check import StepRates, simulated_outcomes, step_rates
from sim.fit.estimate import REPLIED_PATHS, FitResult
from sim.fit.replay import NONE, FitLog
from sim.fit.sequences import MIN_PROSPECTS, REPLICATES
from sim.fit.worlds import Ensemble, worlds_yaml
from sim.model.channels import CHANNELS
from sim.model.config import ModelConfig, PopulationConfig
from sim.model.support import LogSupport
from sim.report.pages import png_src, render
from sim.report.plots import png

#: The columns of ``estimates.csv``.
ESTIMATE_COLUMNS = (
    "parameter",
    "default",
    "estimate",
    "ci_low",
    "ci_high",
    "se",
    "scale",
    "status",
    "reason",
    "note",
)


def estimates_table(result: FitResult) -> pd.DataFrame:
    """A row per fitted parameter (design: the estimates as a table)."""
    rows = [
        {
            "parameter": e.path,
            "default": e.default,
            "estimate": e.estimate,
            "ci_low": e.ci_low,
            "ci_high": e.ci_high,
            "se": e.se,
            "scale": e.scale,
            "status": e.status,
            "reason": e.reason,
            "note": e.note,
        }
        for e in result.estimates
    ]
    return pd.DataFrame(rows, columns=list(ESTIMATE_COLUMNS))


def model_yaml(
    model: ModelConfig,
    name: str,
    source: str,
    result: FitResult | None = None,
    support: LogSupport | None = None,
) -> str:
    """The fitted model as a ``model`` group file: every parameter, fitted or kept.

    The header names each parameter the fit tried but the log does not identify, with the
    reason: its value below is the base model's, not an estimate. The file selects the fitted
    model's worlds (``model/worlds/fitted_<name>``, :mod:`sim.fit.worlds`) and carries what the
    log contains (``fitted_log``, :mod:`sim.model.support`) for the extrapolation warnings.
    """
    values: dict[str, Any] = dataclasses.asdict(model)
    values.pop("worlds", None)  # the defaults list selects them: a value here would win
    values["fitted_log"] = dataclasses.asdict(support) if support is not None else None
    header = (
        f"# Model fitted to {source} by outreach-sim-fit (name: {name}).\n"
        "# Parameters the log identified carry their estimates; every other value is the\n"
        "# base model's. The estimates, intervals and report sit in the fit's folder.\n"
    )
    missing = [e for e in (result.estimates if result else []) if e.status == "not identified"]
    if missing:
        header += "# Not identified by this log (the base model's value is kept):\n"
        header += "".join(f"#   {e.path}: {e.reason}\n" for e in missing)
    header += (
        f"# Its plausible worlds: model/worlds/fitted_{name}.yaml (run with worlds=K).\n"
        f"defaults:\n  - worlds: fitted_{name}\n  - _self_\n\n"
    )
    return header + yaml.safe_dump(values, sort_keys=False, default_flow_style=None, width=100)


def _curve_figure(
    title: str, observed: StepRates, fitted: StepRates, default: StepRates, what: str
) -> bytes:
    fig = Figure(figsize=(8, 4.2))
    ax = fig.add_subplot()
    steps = np.arange(1, observed.touches.size + 1)
    shown = observed.touches >= max(20, int(0.01 * observed.touches.max()))
    for rates, label, style in (
        (observed, "observed", "o-"),
        (fitted, "fitted model", "s--"),
        (default, "default model", "^:"),
    ):
        values = getattr(rates, what)
        ax.plot(steps[shown], 100 * values[shown], style, label=label)
    ax.set_xlabel("touch number")
    ax.set_ylabel("% of touches")
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    return png(fig)


def _delay_figure(log: FitLog, result: FitResult) -> bytes:
    fig = Figure(figsize=(8, 4.2))
    ax = fig.add_subplot()
    later = (log.y != NONE) & (log.delay > 0)
    if later.any():
        d = log.delay[later]
        bins = np.logspace(np.log10(d.min()), np.log10(d.max()), 30)
        ax.hist(d, bins=list(bins), density=False, alpha=0.6, label="observed")
        # The fitted lognormal mixture over channels, scaled to the counts per bin.
        est = {e.path: e.estimate for e in result.estimates}
        sd = est.get("reply_delay_sd", result.model.reply_delay_sd)
        mids = np.sqrt(bins[:-1] * bins[1:])
        widths = np.diff(np.log(bins))
        expected = np.zeros(mids.size)
        for c in np.unique(log.channel[later]) if sd > 0 else ():  # sd 0: every delay alike
            count = int((log.channel[later] == c).sum())
            med = est.get(f"reply_delay_days.{CHANNELS[c]}", 1.0)
            z = (np.log(mids) - np.log(med)) / sd
            expected += count * widths * np.exp(-0.5 * z * z) / (sd * np.sqrt(2 * np.pi))
        if sd > 0:
            ax.plot(mids, expected, "k-", label="fitted lognormal")
        ax.set_xscale("log")
    ax.set_xlabel("days from touch to outcome")
    ax.set_ylabel("outcomes")
    ax.set_title("Reply delays")
    ax.legend()
    return png(fig)


def write_fit(
    result: FitResult,
    log: FitLog,
    name: str,
    source: str,
    out_dir: Path,
    conf_dir: Path,
    base: ModelConfig,
    population: PopulationConfig,
    seed: int,
    wrong_name_rate: float,
    ensemble: Ensemble,
    support: LogSupport,
) -> dict[str, Path]:
    """Write the fit's files; return where each went.

    Into ``conf_dir``: the model (``model/fitted_<name>.yaml``) and its worlds
    (``model/worlds/fitted_<name>.yaml``); into ``out_dir`` the record, tables and report.
    """
    observed = step_rates(log, log.y, np.ones(log.y.size, np.bool_))
    y_fit, made_fit = simulated_outcomes(log, result.model, population, seed, wrong_name_rate)
    y_def, made_def = simulated_outcomes(log, base, population, seed, wrong_name_rate)
    fitted, default = step_rates(log, y_fit, made_fit), step_rates(log, y_def, made_def)
    figures = {
        "reply_curve.png": _curve_figure(
            "Replies per touch", observed, fitted, default, "reply_rate"
        ),
        "opt_out_curve.png": _curve_figure(
            "Opt-outs per touch", observed, fitted, default, "opt_out_rate"
        ),
        "reply_delays.png": _delay_figure(log, result),
    }
    files: dict[str, str | bytes | pd.DataFrame] = {
        "estimates.csv": estimates_table(result),
        "step_curves.csv": _curves_table(log, observed, fitted, default),
        "fit.json": json.dumps(
            _record(result, name, source, seed) | _worlds_record(result, ensemble, support, name),
            indent=2,
        )
        + "\n",
        "report.html": _report_html(result, name, source, seed, figures, ensemble),
        **figures,
    }
    model_file = conf_dir / "model" / f"fitted_{name}.yaml"
    worlds_file = conf_dir / "model" / "worlds" / f"fitted_{name}.yaml"
    conf = {
        worlds_file: worlds_yaml(ensemble.worlds, name, source),
        model_file: model_yaml(result.model, name, source, result, support),
    }
    write_all(files, out_dir, conf)
    return {
        "model": model_file,
        "worlds": worlds_file,
        "folder": out_dir,
        "report": out_dir / "report.html",
    }


def _curves_table(
    log: FitLog, observed: StepRates, fitted: StepRates, default: StepRates
) -> pd.DataFrame:
    """``step_curves.csv``: replies and opt-outs per touch number, observed and simulated."""
    return pd.DataFrame(
        {
            "touch_number": np.arange(1, log.K + 1),
            "touches": observed.touches,
            "observed_reply_rate": observed.reply_rate,
            "fitted_reply_rate": fitted.reply_rate,
            "default_reply_rate": default.reply_rate,
            "observed_opt_out_rate": observed.opt_out_rate,
            "fitted_opt_out_rate": fitted.opt_out_rate,
            "default_opt_out_rate": default.opt_out_rate,
        }
    )


def _record(result: FitResult, name: str, source: str, seed: int) -> dict[str, Any]:
    """``fit.json``: what was fitted, how, and how the optimiser ended."""
    return {
        "name": name,
        "log": source,
        "seed": seed,
        "paths": result.paths,
        "replied_paths": result.paths * REPLIED_PATHS,
        "log_likelihood": result.log_likelihood,
        "converged": result.converged,
        "optimizer": result.message,
        "seconds": round(result.seconds, 2),
        "summary": result.summary,
        "confounded": [list(p) for p in result.confounded],
        "kept_default": [list(k) for k in result.kept],
        "not_identified": [
            {"parameter": e.path, "reason": e.reason, "value_used": e.estimate, "note": e.note}
            for e in result.estimates
            if e.status == "not identified"
        ],
        "sequences": [c.record() for c in result.sequences],
    }


def _worlds_record(
    result: FitResult, ensemble: Ensemble, support: LogSupport, name: str
) -> dict[str, Any]:
    """``fit.json``'s covariance (on the fitting scales), worlds and the log's support."""
    cov = result.covariance

    def number(v: float) -> float | None:  # JSON has no nan: null (a held parameter)
        return float(v) if np.isfinite(v) else None

    return {
        "covariance": {
            "parameters": [p.path for p in result.params],
            "scale": [p.scale for p in result.params],
            "optimum": [number(v) for v in result.optimum],
            "matrix": [[number(v) for v in row] for row in cov],
            "note": "on each parameter's fitting scale (log, log-odds); null: not identified",
        },
        "worlds": {
            "file": f"model/worlds/fitted_{name}.yaml",
            "count": len(ensemble.worlds.values),
            "status": ensemble.counts(),
            "misfit_sd": ensemble.misfit,
            "misfit_mean": ensemble.misfit_mean,
            "parameters": [dataclasses.asdict(r) for r in ensemble.ranges],
        },
        "fitted_log": dataclasses.asdict(support),
    }


def _report_html(
    result: FitResult,
    name: str,
    source: str,
    seed: int,
    figures: dict[str, bytes],
    ensemble: Ensemble,
) -> str:
    """``report.html``: the log's counts, the estimates and the figures on one page."""
    warnings = []
    if not result.converged:
        warnings.append(f"The optimiser did not converge cleanly: {result.message}.")
    warnings += [line for c in result.sequences for line in c.warnings()]
    summary = result.summary
    return render(
        "fit_report.html",
        title=f"Fit: {name}",
        meta=f"{source} · seed {seed} · {result.seconds:.1f} s",
        headline=(
            f"{summary['prospects']:,} prospects, {summary['touches']:,} touches: "
            f"{sum(e.status == 'estimated' for e in result.estimates)} parameters estimated, "
            f"{sum(e.status == 'confounded' for e in result.estimates)} confounded, "
            f"{sum(e.status == 'not identified' for e in result.estimates)} not identified by "
            "this log (at a bound, flat, or an interval wider than 100x: the fitted model keeps "
            "their defaults)."
        ),
        name=name,
        warnings=warnings,
        log_rows=_log_rows(summary),
        figures=[
            {"src": png_src(data), "alt": fname, "caption": fname.removesuffix(".png")}
            for fname, data in figures.items()
        ],
        paths=result.paths,
        replied_paths=result.paths * REPLIED_PATHS,
        estimates=result.estimates,
        confounded=result.confounded,
        kept=result.kept,
        sequences=result.sequences,
        replicates=REPLICATES,
        min_prospects=MIN_PROSPECTS,
        worlds=ensemble.ranges,
        world_count=len(ensemble.worlds.values),
    )


def _log_rows(summary: dict[str, Any]) -> list[tuple[str, str]]:
    """The report's table of what the log held and what the fit left out."""
    return [
        ("prospects", f"{summary['prospects']:,}"),
        ("touches", f"{summary['touches']:,}"),
        (
            "positive replies (meetings)",
            f"{summary['outcomes']['positive']:,} ({summary['meetings']:,})",
        ),
        ("not interested", f"{summary['outcomes']['negative']:,}"),
        ("opt-outs", f"{summary['outcomes']['opt_out']:,}"),
        ("bounces left out", f"{summary['bounced']:,}"),
        (
            f"touches with no message kind (read as {summary['reference_message']})",
            f"{summary['unknown_messages']:,}",
        ),
        ("outcomes ignored (a reply already pending)", f"{summary['ignored_outcomes']:,}"),
    ]
