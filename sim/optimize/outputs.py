"""The optimisation's files: strategies ready to run, history, selection table, figure, report.

Under ``results/optimize/<name>/`` (docs/optimize.md, "What it writes"), each written atomically
(sim.run.outputs), ``manifest.json`` last: ``conf/strategy/<name>_best.yaml`` (and ``_robust``,
``_finalists``) run with ``outreach-sim hydra.searchpath=[file://.../conf]
strategy=[<name>_best]``; ``history.csv``, ``selection.csv``, ``worlds.csv``, ``pareto.png``,
``report.html``.
"""

from __future__ import annotations

import dataclasses
import io
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from sim.model.cadence import StrategyConfig
from sim.optimize.select import SelectionResult, WorldsResult
from sim.optimize.space import OBJECTIVES, Space
from sim.run.outputs import write_bytes, write_csv, write_json, write_text

#: Labels of the objectives, as a sales leader says them.
WORDS = {
    "meetings_per_prospect": "meetings per prospect",
    "opt_out_rate": "opt-outs per prospect",
    "burned_rate": "burned prospects per prospect",
    "rep_hours_per_meeting": "rep hours per meeting",
}


def strategy_yaml(strategies: Mapping[str, StrategyConfig]) -> str:
    """Strategies as a ``sim/conf/strategy`` file: ``{name: {label, steps, ...}}``."""
    plain = {name: dataclasses.asdict(s) for name, s in strategies.items()}
    for s in plain.values():
        for step in s["steps"]:
            if step["channel"] != "phone":
                step.pop("voicemail")
            if not step["variants"]:
                step.pop("variants")
    return yaml.safe_dump(plain, sort_keys=False, default_flow_style=None, width=100)


def run_command(space: Space, folder: Path, name: str) -> str:
    """The command that re-runs strategy ``name`` in the search's experiment."""
    extra = " ".join(space.experiment)
    return (
        f"outreach-sim hydra.searchpath=[file://{folder.resolve() / 'conf'}] "
        f"strategy=[{name}] baseline={name} {extra}".strip()
    )


def front(rows: Sequence[Mapping[str, Any]], keys: Sequence[str]) -> list[int]:
    """Indices of the non-dominated rows on ``keys`` (each in its own direction)."""
    import numpy as np

    sign = np.array([1.0 if OBJECTIVES[k] == "maximize" else -1.0 for k in keys])
    vals = np.array([[float(r[k]) for k in keys] for r in rows]).reshape(len(rows), len(keys))
    vals = vals * sign
    return [
        i
        for i in range(len(rows))
        # Row i is dominated when another row is at least as good on every key, better on one.
        if not np.any(np.all(vals >= vals[i], axis=1) & np.any(vals > vals[i], axis=1))
    ]


def pareto_png(rows: Sequence[Mapping[str, Any]], space: Space) -> bytes:
    """Meetings per prospect against the first cost objective, the front drawn as a line."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    costs = [k for k in space.used if OBJECTIVES[k] == "minimize"] or ["opt_out_rate"]
    keys = ["meetings_per_prospect", costs[0]]
    done = [r for r in rows if r["state"] == "complete"]
    fig = Figure(figsize=(8, 5.5))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.scatter(
        [r[keys[1]] for r in done], [r[keys[0]] for r in done], s=14, c="#999", label="candidates"
    )
    best = sorted((done[i] for i in front(done, keys)), key=lambda r: r[keys[1]])
    ax.plot(
        [r[keys[1]] for r in best],
        [r[keys[0]] for r in best],
        "o-",
        c="#2ca02c",
        label="Pareto front",
    )
    ax.set_xlabel(WORDS[keys[1]] + " (lower is better)")
    ax.set_ylabel(WORDS[keys[0]] + " (higher is better)")
    ax.legend()
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


def selection_rows(sel: SelectionResult, worlds: WorldsResult | None) -> list[dict[str, Any]]:
    """The selection table: a row per finalist, best mean first."""
    rows = []
    for f in sorted(sel.finalists, key=lambda f: -f.mean):
        row: dict[str, Any] = {
            "finalist": f.name,
            "cadence": f.cadence,
            "replications": len(f.scores),
        }
        row["score_mean"] = f.mean
        row["score_sd"] = float(_sd(f.scores))
        row["eliminated_at"] = f.eliminated_at
        row["chosen"] = f.name == sel.chosen
        for key in OBJECTIVES:
            row[key] = sum(v[key] for v in f.values) / len(f.values)
        if worlds is not None:
            row["best_in_worlds"] = worlds.best_in[f.name]
            row["worst_case_score"] = worlds.worst_case[f.name]
            row["max_regret"] = worlds.max_regret[f.name]
            row["robust"] = f.name == worlds.robust
        rows.append(row)
    return rows


def _sd(xs: Sequence[float]) -> float:
    if len(xs) < 2:
        return math.nan
    m = sum(xs) / len(xs)
    return math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1))


def answer(space: Space, sel: SelectionResult, worlds: WorldsResult | None, best: str) -> list[str]:
    """The answer in words, a sentence a line."""
    chosen = next(f for f in sel.finalists if f.name == sel.chosen)
    means = {k: sum(v[k] for v in chosen.values) / len(chosen.values) for k in OBJECTIVES}
    lines = [
        f"Run this cadence: {chosen.cadence}.",
        f"On {len(chosen.scores)} fresh replicates it books "
        f"{100 * means['meetings_per_prospect']:.2f} meetings per 100 prospects, with "
        f"{100 * means['opt_out_rate']:.2f} opt-outs and "
        f"{100 * means['burned_rate']:.2f} burned prospects per 100, at "
        f"{means['rep_hours_per_meeting']:.1f} rep hours per meeting.",
    ]
    k = len(sel.finalists)
    if sel.resolved and k > 1:
        lines.append(
            f"Kim and Nelson's procedure chose it among {k} finalists: it is within "
            f"{sel.margin:g} of the best finalist's score with probability at least "
            f"{sel.pcs_guarantee:.0%} (estimated from the replicates: {sel.pcs_estimate:.0%})."
        )
    elif k > 1:
        lines.append(
            f"The selection stage reached its cap of {sel.replications} replicates with several "
            f"finalists still in: they are within noise of each other (estimated probability "
            f"that this one is best within {sel.margin:g}: {sel.pcs_estimate:.0%})."
        )
    if worlds is not None:
        n = len(next(iter(worlds.scores.values())))
        lines.append(
            f"Across {n} plausible worlds it is best in {worlds.best_in[sel.chosen]} of {n}."
        )
        robust = next(f for f in sel.finalists if f.name == worlds.robust)
        if worlds.robust == sel.chosen:
            lines.append(
                "It is also the robust choice: its largest regret over the worlds is the smallest."
            )
        else:
            lines.append(
                f"The robust choice (smallest largest regret over the worlds, "
                f"{worlds.max_regret[worlds.robust]:.4g}) is another: {robust.cadence}."
            )
    lines.append(f"Re-run it: {best}")
    return lines


def _write_strategies(
    conf: Path,
    space: Space,
    sel: SelectionResult,
    worlds: WorldsResult | None,
    strategies: Mapping[str, StrategyConfig],
) -> None:
    """``<name>_best``, ``<name>_robust`` and ``<name>_finalists`` as strategy files."""
    named = {f"{space.name}_best": strategies[sel.chosen]}
    if worlds is not None:
        named[f"{space.name}_robust"] = strategies[worlds.robust]
    for name, s in named.items():
        write_text(conf / f"{name}.yaml", strategy_yaml({name: s}))
    finalists = {f"{space.name}_{f.name}": strategies[f.name] for f in sel.finalists}
    write_text(conf / f"{space.name}_finalists.yaml", strategy_yaml(finalists))


def write_all(
    folder: Path,
    space: Space,
    history: list[dict[str, Any]],
    sel: SelectionResult,
    worlds: WorldsResult | None,
    strategies: Mapping[str, StrategyConfig],
    notes: Sequence[str] = (),
) -> dict[str, Any]:
    """Every file of the optimisation, the manifest last; the manifest's content back.

    ``notes``: lines added to the answer (the compared strategies left out).
    """
    import pandas as pd

    from sim.report.pages import png_src, render

    _write_strategies(folder / "conf" / "strategy", space, sel, worlds, strategies)
    write_csv(folder / "history.csv", pd.DataFrame(history))
    table = pd.DataFrame(selection_rows(sel, worlds))
    write_csv(folder / "selection.csv", table)
    if worlds is not None:
        frame = pd.DataFrame(worlds.scores)
        frame.insert(0, "world", range(len(frame)))
        write_csv(folder / "worlds.csv", frame)
    figure = pareto_png(history, space)
    write_bytes(folder / "pareto.png", figure)
    command = run_command(space, folder, f"{space.name}_best")
    words = answer(space, sel, worlds, command)
    words[-1:-1] = list(notes)
    page = render(
        "optimize_report.html",
        title=f"Best cadence: {space.name}",
        answer=words,
        table=table.to_dict("records"),
        columns=list(table.columns),
        figure=png_src(figure),
        trials=len(history),
        complete=sum(r["state"] == "complete" for r in history),
        pruned=sum(r["state"] == "pruned" for r in history),
    )
    write_text(folder / "report.html", page)
    manifest = {
        "status": "ok",
        "space": space.name,
        "trials": len(history),
        "chosen": sel.chosen,
        "robust": None if worlds is None else worlds.robust,
        "pcs_guarantee": sel.pcs_guarantee,
        "pcs_estimate": sel.pcs_estimate,
        "margin": sel.margin,
        "command": command,
        "answer": words,
    }
    write_json(folder / "manifest.json", manifest)
    return manifest
