"""Answers across plausible worlds in words: the terminal's table, report.html and verdict.answer.

Summaries are built from constructed metrics tables (sim.run.world_stats.summarize_worlds), so
each verdict is known: an arm better in every world, one whose sign a parameter sets, one no
different.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from sim.model.worlds import MODEL_VERSION, WorldsConfig
from sim.report.comparison import render
from sim.report.table import comparison_table
from sim.report.verdict import answer, names
from sim.run.stats import summarize
from sim.run.world_stats import summarize_worlds

K = 20


def _metrics(worlds: bool = True) -> tuple[pd.DataFrame, WorldsConfig]:
    rng = np.random.default_rng(5)
    a = rng.uniform(0.0, 1.0, K)
    effect = {"wins": np.full(K, 0.03), "flips": 0.04 * (a - 0.5), "same": np.zeros(K)}
    rows = []
    for w in range(K if worlds else 1):
        for r in range(2 if worlds else 4):
            shared = rng.normal(0.0, 0.003)
            for arm in ("base", *effect):
                rate = 0.05 + shared + (effect[arm][w] if arm in effect else 0.0)
                rate += rng.normal(0.0, 0.001)
                rows.append(
                    {
                        "arm": arm,
                        **({"world": w} if worlds else {}),
                        "replicate": r,
                        "seed": 0,
                        "prospects": 1000,
                        "responses": round(1000 * rate),
                        "meetings": round(400 * rate),
                        "opt_outs": 20 + r,
                        "response_rate": rate,
                        "meeting_rate": 0.4 * rate,
                        "opt_out_rate": (20 + r) / 1000,
                        "rep_hours": 100.0 + w,
                        "responses_per_rep_hour": 1000 * rate / 100.0,
                        "meetings_per_rep_hour": 400 * rate / 100.0,
                    }
                )
    config = WorldsConfig(
        model_version=MODEL_VERSION,
        source="test",
        method="constructed",
        parameters=["wearout", "response_base.email"],
        status={"wearout": "prior"},
        values=[[float(x), float(y)] for x, y in zip(a, rng.uniform(size=K), strict=True)],
    )
    return pd.DataFrame(rows), config


def _worlds_summary() -> tuple[pd.DataFrame, pd.DataFrame]:
    metrics, config = _metrics()
    return summarize_worlds(metrics, "base", config), metrics


EXP = SimpleNamespace(replications=2, horizon_days=120, seed=0, model=SimpleNamespace(worlds=None))


def test_the_verdicts_in_words() -> None:
    summary, _ = _worlds_summary()
    wins = answer(summary, "wins", "base", {}, "response_rate")
    assert "clearly more in every plausible world (20 of 20)" in wins
    assert "95% interval" in wins and "(across the worlds)" in wins
    flips = answer(summary, "flips", "base", {}, "response_rate")
    assert "plausible worlds: it depends on wearout, which the evidence does not pin down" in flips
    unnamed = summary.copy()
    unnamed.loc[unnamed["arm"] == "flips", "depends_on"] = ""
    blind = answer(unnamed, "flips", "base", {}, "response_rate")
    assert "it depends on what the evidence does not pin down (no single parameter" in blind
    same = answer(summary, "same", "base", {}, "response_rate")
    assert "no clear difference (more in" in same
    assert "clearly" not in same.split("Opt-outs")[0]


def test_a_one_world_answer_says_its_interval_is_replicate_noise_only() -> None:
    metrics, _ = _metrics(worlds=False)
    words = answer(summarize(metrics, "base"), "wins", "base", {}, "response_rate")
    assert "clearly more; difference" in words and "(replicate noise only)" in words


def test_names_reads_the_depends_on_column() -> None:
    assert names("a;b;c") == "a, b and c"
    assert names("a") == "a"
    assert names(float("nan")) == "parameters the worlds do not single out"


def test_the_terminal_table_across_worlds() -> None:
    summary, metrics = _worlds_summary()
    text = comparison_table(summary, metrics, "base", "1000 prospects (cold_list)", EXP)
    lines = text.splitlines()
    assert lines[0] == (
        "Outreach comparison: 1000 prospects (cold_list), 20 plausible worlds x 2 replicates, "
        "120 days, seed 0"
    )
    header = lines[2]
    assert "response rate (95% interval)" in header and header.split()[-2:] == ["better", "in"]
    wins = next(x for x in lines if x.startswith("wins "))
    assert wins.rstrip().endswith("20 of 20")
    assert "Intervals across 20 plausible worlds" in text
    start = lines.index(next(x for x in lines if x.startswith("Verdict on")))
    verdicts = lines[start : lines.index("", start)]
    assert any(x.strip().startswith("wins") and "clearly higher in every" in x for x in verdicts)
    assert any("depends on wearout" in x for x in verdicts)
    assert all(len(x) <= 100 for x in verdicts) and len(verdicts) >= 4


def test_the_terminal_table_of_one_world_says_it_is_replicate_noise_only() -> None:
    metrics, config = _metrics(worlds=False)
    exp = SimpleNamespace(**{**vars(EXP), "model": SimpleNamespace(worlds=config)})
    text = comparison_table(summarize(metrics, "base"), metrics, "base", "x", exp)
    flat = " ".join(text.split())
    assert "cover the simulation's replicate noise only" in flat
    assert "outreach-sim worlds=20 replications=2" in flat
    assert "Verdict on" not in text


def test_the_report_says_what_its_intervals_cover() -> None:
    summary, _ = _worlds_summary()
    page = render(
        title="t", facts={}, summary=summary, labels={}, baseline="base", figures={}, notes=[]
    )
    assert "Intervals across 20 plausible worlds" in page
    assert "better in 20 of 20 worlds: better" in page
    assert "<b>flips</b>: " in page and "depends on wearout" in page
    metrics, _ = _metrics(worlds=False)
    one = render(
        title="t",
        facts={},
        summary=summarize(metrics, "base"),
        labels={},
        baseline="base",
        figures={},
        model_worlds=30,
    )
    assert "replicate noise only" in one and "worlds=20 replications=2" in one
