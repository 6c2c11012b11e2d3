"""The validation report: ``docs/validation.md``, a figure per check and a sensitivity tornado.

``python -m sim.validation`` (or ``make validation``) runs every target and claim at its own
sizing, writes the table and the figures, and records a hash of the inputs the results depend
on (every file under ``sim/conf/`` and every module of ``sim/``). The test
``tests/validation/test_report_current.py`` recomputes that hash: when it differs, the committed
report is stale and ``make validation`` regenerates it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from sim.report.plots import png
from sim.run.outputs import write_bytes, write_text
from sim.validation.claims import CLAIMS
from sim.validation.probes import CheckResult, Sizing, mean_ci
from sim.validation.seeds import OnSeeds, seeds_section, targets_on_seeds
from sim.validation.sensitivity import HEADLINES, Sensitivity, sensitivities
from sim.validation.sequences import (
    LEVELS,
    SEQUENCE_TARGETS,
    STEP_CURVE_SIZE,
    preset_levels,
    step_curves,
)
from sim.validation.targets import TARGETS

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "docs" / "validation.md"
PRESETS_REPORT = ROOT / "docs" / "calibration" / "presets.md"
PRESETS_BEFORE = ROOT / "docs" / "calibration" / "presets_v1.json"
FIGURES = ROOT / "docs" / "validation"
HASH_PREFIX = "<!-- inputs-sha256: "
#: Every preset on the default list and team: enough replicates for a first decimal.
PRESET_LEVEL_SIZE = Sizing(prospects=2_000, replications=10)
Curves = dict[str, dict[str, np.ndarray]]
Levels = dict[str, dict[str, float]]
TABLE_HEAD = (
    "| kind | check | source | statistic | expected | simulated (95 % CI) | size | result |"
)


def inputs_hash(root: Path = ROOT) -> str:
    """SHA-256 over the config files and the package sources the report is computed from."""
    digest = hashlib.sha256()
    files = sorted([*(root / "sim" / "conf").rglob("*.yaml"), *(root / "sim").rglob("*.py")])
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def recorded_hash(report: Path = REPORT) -> str | None:
    """The inputs hash written in a report, if any."""
    if not report.exists():
        return None
    for line in report.read_text().splitlines():
        if line.startswith(HASH_PREFIX):
            return line.removeprefix(HASH_PREFIX).removesuffix(" -->").strip()
    return None


def check_figure(result: CheckResult) -> bytes:
    """Bars of the compared quantities with 95 % CIs over replicates, titled with the verdict."""
    groups = result.outcome.groups
    fig = Figure(figsize=(5.5, 3.2), dpi=100)
    ax = fig.add_subplot()
    names = list(groups)
    stats = [mean_ci(groups[n]) for n in names]
    means = np.array([s[0] for s in stats])
    err = np.array([[s[0] - s[1] for s in stats], [s[2] - s[0] for s in stats]])
    ax.bar(range(len(names)), means, yerr=err, capsize=4, color="#4C72B0")
    ax.set_xticks(range(len(names)), names, fontsize=8)
    verdict = "pass" if result.passed else "FAIL"
    check = result.check
    ax.set_title(f"{check.title}\nexpected {check.expected}: {verdict}", fontsize=9)
    fig.tight_layout()
    return png(fig)


def tornado_figure(rows: Sequence[Sensitivity], top: int = 15) -> bytes:
    """Tornado of the headline metrics' moves at -50 % and +50 % of each parameter."""
    fig = Figure(figsize=(9, 0.32 * top + 1.5), dpi=100)
    for k, h in enumerate(HEADLINES):
        ax = fig.add_subplot(1, len(HEADLINES), k + 1)
        chosen = sorted(rows, key=lambda s: -s.swing(h))[:top][::-1]
        y = np.arange(len(chosen))
        low = [s.low[h] - s.base[h] for s in chosen]
        high = [s.high[h] - s.base[h] for s in chosen]
        ax.barh(y, low, color="#DD8452", label="-50 %")
        ax.barh(y, high, color="#4C72B0", label="+50 %", alpha=0.8)
        ax.set_yticks(y, [s.parameter for s in chosen], fontsize=7)
        ax.axvline(0.0, color="black", linewidth=0.8)
        ax.set_title(f"{h.replace('_', ' ')} (default {chosen[0].base[h]:.3f})", fontsize=9)
        ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return png(fig)


def _fmt(x: float) -> str:
    return f"{x:.3g}"


def render(
    results: Sequence[CheckResult],
    rows: Sequence[Sensitivity],
    digest: str,
    curves: Curves | None = None,
    levels: dict[str, dict[str, float]] | None = None,
    on_seeds: Sequence[OnSeeds] = (),
) -> str:
    """The Markdown of the report."""
    lines = [*_intro(digest), *_check_tables(results)]
    if on_seeds:
        lines += seeds_section(on_seeds)
    if curves:
        lines += _curves_section(curves)
    if levels:
        lines += _levels_section(levels)
    lines += _sensitivity_section(rows)
    return "\n".join(lines) + "\n"


def _intro(digest: str) -> list[str]:
    """The title, how to read the report, the inputs hash and the head of the checks table."""
    return [
        "# Validation report",
        "",
        "Generated by `make validation` (`python -m sim.validation`); do not edit by hand.",
        "Targets come from `calibration-targets.md` (sources there), claims from the seed texts.",
        "Each value is the mean over replicates of the check's statistic with a 95 % t-interval;",
        "a claim passes only if its whole interval is on the expected side. How each quantity is",
        "measured: `sim/validation/targets.py` and `sim/validation/claims.py`; sizes per check in",
        "the table. Calibration: [calibration.md](calibration.md).",
        "",
        f"{HASH_PREFIX}{digest} -->",
        "",
        TABLE_HEAD,
        "|---|---|---|---|---|---|---|---|",
    ]


def _check_tables(results: Sequence[CheckResult]) -> list[str]:
    """The single-touch rows, then the whole-sequence table and the count of checks passed."""
    sequence_keys = {c.key for c in SEQUENCE_TARGETS}
    single = [r for r in results if r.check.key not in sequence_keys]
    sequence = [r for r in results if r.check.key in sequence_keys]
    return [
        *(_row(r) for r in single),
        "",
        "## Whole sequences",
        "",
        "The sequence-level targets of `calibration-targets.md` (`sim/validation/sequences.py`):",
        "what a whole cadence gets, fitted together with the single touches above by",
        "`make calibrate` ([calibration/fit.md](calibration/fit.md)).",
        "",
        TABLE_HEAD,
        "|---|---|---|---|---|---|---|---|",
        *(_row(r) for r in sequence),
        "",
        f"{sum(r.passed for r in results)} of {len(results)} checks pass.",
        "",
    ]


def _curves_section(curves: Curves) -> list[str]:
    """The per-step curves: how they are run, the figure and a row per cadence and rate."""
    lines = [
        "### Per-step curves",
        "",
        "Replies (positive or not) per touch at each step of an email-only sequence (six",
        "emails over three weeks), a calls-only cadence (six calls with a voicemail over two",
        "weeks) and the `multichannel` preset; live answers per dial of the calls. Shaded:",
        "the published range of the first touch of each channel; dotted: the step-1 level",
        "that an email sequence's later steps must stay below "
        f"({STEP_CURVE_SIZE.prospects:,} prospects x {STEP_CURVE_SIZE.replications}).",
        "",
        "![per-step curves](validation/step_curves.png)",
        "",
        "| cadence | rate | " + " | ".join(f"step {k}" for k in range(1, 9)) + " |",
        "|---|---|" + "---|" * 8,
    ]
    for arm, rates in curves.items():
        for name, values in rates.items():
            cells = [f"{100 * v:.2f} %" for v in values] + [""] * (8 - len(values))
            lines.append(f"| {arm} | {name} | " + " | ".join(cells) + " |")
    lines.append("")
    return lines


def _levels_section(levels: Levels) -> list[str]:
    """Every preset's whole-cadence levels on the default list and team."""
    lines = [
        "### Every preset, whole cadence",
        "",
        f"Per prospect enrolled, on `cold_list` ({PRESET_LEVEL_SIZE.prospects:,} prospects x "
        f"{PRESET_LEVEL_SIZE.replications}, the default team).",
        "",
        "| preset | " + " | ".join(label for _, label in LEVELS) + " |",
        "|---|" + "---|" * len(LEVELS),
    ]
    for name, row in levels.items():
        lines.append(
            f"| `{name}` | " + " | ".join(f"{100 * row[label]:.1f} %" for _, label in LEVELS) + " |"
        )
    lines.append("")
    return lines


def _sensitivity_section(rows: Sequence[Sensitivity]) -> list[str]:
    """The tornado and a row per parameter: the headlines at -50 % and +50 %."""
    lines = [
        "## Sensitivity",
        "",
        "Each model parameter scaled by 0.5 and 1.5 (clipped to its allowed range; a per-channel",
        "or per-message parameter as a whole), one at a time, on the default comparison of arms",
        "on `cold_list` (1,000 prospects, one replicate, one seed: common random numbers, so the",
        "moves are the parameter's effect). Headlines are pooled over the arms.",
        "",
        "![tornado](validation/tornado.png)",
        "",
        "| parameter | response rate at -50 % / +50 % | opt-out rate at -50 % / +50 % |",
        "|---|---|---|",
    ]
    for s in rows:
        lines.append(
            f"| `{s.parameter}` | {s.low['response_rate']:.4f} / {s.high['response_rate']:.4f} | "
            f"{s.low['opt_out_rate']:.4f} / {s.high['opt_out_rate']:.4f} |"
        )
    if rows:
        b = rows[0].base
        lines += [
            "",
            f"Defaults: response rate {b['response_rate']:.4f}, "
            f"opt-out rate {b['opt_out_rate']:.4f}.",
        ]
    return lines


def _row(r: CheckResult) -> str:
    c = r.check
    size = f"{c.sizing.prospects:,} x {c.sizing.replications}"
    return (
        f"| {c.kind} | [{c.title}](validation/{c.key}.png) | {c.source} | {c.statistic} | "
        f"{c.expected} | {_fmt(r.value)} ({_fmt(r.ci_low)}, {_fmt(r.ci_high)}) | {size} | "
        f"{'pass' if r.passed else '**FAIL**'} |"
    )


def step_curves_figure(curves: Curves) -> bytes:
    """The per-step curves with the published first-touch ranges drawn on them."""
    fig = Figure(figsize=(10, 3.4), dpi=100)
    bands = {"email-only": (0.01, 0.09), "calls-only": (0.04, 0.08), "multichannel": None}
    for k, (arm, rates) in enumerate(curves.items()):
        ax = fig.add_subplot(1, len(curves), k + 1)
        for name, values in rates.items():
            steps = np.arange(1, len(values) + 1)
            ax.plot(steps, 100 * values, marker="o", label=name)
        band = bands.get(arm)
        if band is not None:
            label = "published: first email" if arm == "email-only" else "published: per dial"
            ax.axhspan(100 * band[0], 100 * band[1], color="#55A868", alpha=0.15, label=label)
        if arm == "email-only":
            first = rates["replies per touch"][:2].max()
            ax.axhline(100 * first, color="black", linestyle=":", label="steps 3+ stay below")
        ax.set_xlabel("step")
        ax.set_ylabel("%")
        ax.set_title(arm, fontsize=9)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return png(fig)


def presets_markdown(after: dict[str, Levels], before: dict[str, object]) -> str:
    """``docs/calibration/presets.md``: every preset before (model v1) and after, on two lists."""
    lines = [
        "# Every preset before and after model v2 (generated by `make validation`)",
        "",
        f"Per prospect enrolled, {PRESET_LEVEL_SIZE.prospects:,} prospects x "
        f"{PRESET_LEVEL_SIZE.replications} replicates, seed {PRESET_LEVEL_SIZE.seed}, the default "
        f"team. Before: model v1 (commit {before['commit']}, `presets_v1.json`); after: the "
        "committed defaults. Each cell is before -> after.",
    ]
    for population, rows in after.items():
        old = before[population]
        assert isinstance(old, dict)
        lines += [
            "",
            f"## `{population}`",
            "",
            "| preset | " + " | ".join(label for _, label in LEVELS) + " |",
            "|---|" + "---|" * len(LEVELS),
        ]
        for name, row in rows.items():
            cells = [
                f"{100 * old[name][column]:.1f} % -> {100 * row[label]:.1f} %"
                for column, label in LEVELS
            ]
            lines.append(f"| `{name}` | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def evaluate_all() -> list[CheckResult]:
    """Every target and claim at its own sizing, then the sequence-level targets."""
    return [check.evaluate() for check in (*TARGETS, *CLAIMS, *SEQUENCE_TARGETS)]


def write_report(with_sensitivity: bool = True) -> tuple[list[CheckResult], list[OnSeeds]]:
    """Run every check (and the sensitivity sweep) and write the report and its figures.

    Returns the checks at their own seed and the targets on every seed of
    :data:`sim.validation.seeds.SEEDS`.
    """
    digest = inputs_hash()
    results = evaluate_all()
    on_seeds = targets_on_seeds(first=results)
    rows = sensitivities() if with_sensitivity else []
    curves = step_curves(STEP_CURVE_SIZE)
    levels = preset_levels("cold_list", PRESET_LEVEL_SIZE)
    house = preset_levels("house_list", PRESET_LEVEL_SIZE)
    before = json.loads(PRESETS_BEFORE.read_text())
    write_text(
        PRESETS_REPORT,
        presets_markdown({"cold_list": levels, "house_list": house}, before),
    )
    for r in results:
        write_bytes(FIGURES / f"{r.check.key}.png", check_figure(r))
    if rows:
        write_bytes(FIGURES / "tornado.png", tornado_figure(rows))
    write_bytes(FIGURES / "step_curves.png", step_curves_figure(curves))
    write_text(REPORT, render(results, rows, digest, curves, levels, on_seeds))
    return results, on_seeds
