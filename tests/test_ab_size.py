"""The live A/B test a comparison calls for: its size in summary.csv, the table and the report."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.report.comparison import AB_CAVEAT
from sim.run.stats import ab_prospects_per_arm
from tests.cli_helpers import run


def test_a_run_says_how_many_prospects_a_live_test_needs(tmp_path: Path) -> None:
    args = ["strategy=[entitlement,benefit_led]", "population.size=300", "replications=2"]
    proc = run([*args, "horizon_days=30"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    job = Path(proc.stdout.strip().splitlines()[-1].removeprefix("Output: "))
    summary = pd.read_csv(job / "summary.csv")
    # After the design's columns; the answer's columns (what the intervals cover) follow it.
    assert list(summary.columns).index("ab_prospects_per_arm") == 10
    rows = summary.set_index(["arm", "metric"])
    rate = rows.loc[("benefit_led", "response_rate")]
    base = rows.loc[("entitlement", "response_rate")]
    size = ab_prospects_per_arm(float(rate["mean"]), float(base["mean"]))
    assert rate["ab_prospects_per_arm"] == size > 0
    assert pd.isna(base["ab_prospects_per_arm"])
    assert pd.isna(rows.loc[("benefit_led", "meetings"), "ab_prospects_per_arm"])
    # The printed footnote: the size per arm, and that it rests on the model's prediction.
    out = proc.stdout.splitlines()
    line = next(x for x in out if x.strip().startswith("benefit_led  response rate"))
    assert f"response rate {size:,.0f}" in line
    assert "not evidence" in proc.stdout and "power 0.8, two-sided alpha 0.05" in proc.stdout
    start = next(i for i, x in enumerate(out) if x.startswith("Prospects per arm a live A/B"))
    assert all(len(x) <= 100 for x in out[start : out.index(line) + 1])
    page = (job / "report.html").read_text()
    assert f"live A/B test: {size:,.0f} per arm" in page
    assert AB_CAVEAT.replace("'", "&#39;") in page


def _achieved_power(p_arm: float, p_base: float, n: int, trials: int, seed: int) -> float:
    """Share of simulated live tests (``n`` prospects per arm) that statsmodels' pooled two-sample
    z-test for proportions calls significant at 0.05 (two-sided)."""
    from statsmodels.stats.proportion import proportions_ztest

    rng = np.random.default_rng(seed)
    arm, base = rng.binomial(n, p_arm, trials), rng.binomial(n, p_base, trials)
    hits = 0
    for a, b in zip(arm, base, strict=True):
        if a + b in (0, 2 * n):  # no variance at all: the test cannot reject
            continue
        hits += proportions_ztest([a, b], [n, n])[1] < 0.05
    return hits / trials


@pytest.mark.parametrize(
    ("p_arm", "p_base", "low", "high"),
    [
        (0.12, 0.10, 0.77, 0.83),  # rates away from 0: the size gives the power it promises
        # The default comparison's benefit_led against entitlement (6.8% against 0.8%): so few
        # prospects that the normal approximation shows; docs/uncertainty.md gives 0.77.
        (0.0678, 0.0076, 0.73, 0.81),
    ],
)
def test_a_live_test_of_the_size_has_about_the_stated_power(
    p_arm: float, p_base: float, low: float, high: float
) -> None:
    n = int(ab_prospects_per_arm(p_arm, p_base))
    power = _achieved_power(p_arm, p_base, n, trials=3000, seed=25)
    print(f"{p_arm} against {p_base}: {n} per arm, achieved power {power:.3f}")
    assert low <= power <= high


def test_the_answer_in_words_names_the_live_test_and_its_condition() -> None:
    from sim.report.verdict import answer, live_test
    from sim.run.stats import summarize

    rows = [
        {"arm": arm, "replicate": r, "seed": 0, "response_rate": v, "meetings": 10 * v}
        for arm, values in (("b", [0.10, 0.11]), ("a", [0.12, 0.13]))
        for r, v in enumerate(values)
    ]
    summary = summarize(pd.DataFrame(rows), "b")
    size = ab_prospects_per_arm(0.125, 0.105)
    said = live_test(summary, "a", "response_rate")
    assert f"about {size:,.0f} prospects per arm" in said and "replies" in said
    assert "if the model's prediction is right" in said
    assert said in answer(summary, "a", "b", {}, "response_rate")
    assert live_test(summary, "b", "response_rate") == ""  # the baseline
    assert live_test(summary, "a", "meetings") == ""  # a count is not sized
    old = summary.drop(columns="ab_prospects_per_arm")  # a table from before the column
    assert live_test(old, "a", "response_rate") == ""
