"""Every comparison has an answer in words: the API, the terminal's footer and the run report.

The judgement is the summary's ``verdict`` column (sim.run.verdicts); sim.run.answers says it.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from sim.report.coverage import verdict_lines, verdicts
from sim.run.answers import answer, answers_table
from sim.run.api import simulate
from sim.run.registry import compose

NAN = math.nan


def _row(metric: str, diff: float, low: float, high: float, verdict: str, **more: object) -> dict:
    return {
        "arm": "benefit_led",
        "metric": metric,
        "diff_vs_baseline": diff,
        "diff_ci_low": low,
        "diff_ci_high": high,
        "verdict": verdict,
        "interval": "replicates",
        "worlds": 0,
        "share_worlds_better": NAN,
        "depends_on": "",
        **more,
    }


@pytest.mark.parametrize(
    ("row", "said"),
    [
        (
            _row("response_rate", 0.06, 0.054, 0.066, "better"),
            "benefit_led gets 6.0 points more positive replies than entitlement (+5.4 to +6.6 "
            "points): clearly better (replicate noise only)",
        ),
        (
            _row("opt_out_rate", 0.02, 0.01, 0.03, "worse"),
            "benefit_led gets 2.0 points more opt-outs than entitlement (+1.0 to +3.0 points): "
            "clearly worse (replicate noise only)",
        ),
        (
            _row("meetings", -1.5, -4.0, 1.0, "no clear difference"),
            "benefit_led gets 1.5 fewer meetings per run than entitlement (-4.0 to +1.0): no "
            "clear difference (replicate noise only)",
        ),
        (
            _row(
                "response_rate",
                0.01,
                -0.01,
                0.03,
                "depends",
                interval="worlds",
                worlds=20,
                share_worlds_better=0.45,
                depends_on="wearout;answer_base",
            ),
            "benefit_led gets 1.0 points more positive replies than entitlement (-1.0 to +3.0 "
            "points): it depends on wearout, answer_base, which the evidence does not pin down "
            "(better in 9 of 20 plausible worlds)",
        ),
    ],
)
def test_a_difference_is_said_with_its_interval_and_its_verdict(row: dict, said: str) -> None:
    assert answer(pd.Series(row), "entitlement") == said


def test_a_metric_without_a_direction_or_a_verdict_has_no_answer() -> None:
    assert answer(pd.Series(_row("rep_hours", 3.0, 1.0, 5.0, "")), "entitlement") == ""
    assert answer(pd.Series(_row("response_rate", 0.1, NAN, NAN, "")), "entitlement") == ""


def test_simulate_the_terminal_and_the_report_say_the_answer() -> None:
    results = simulate(
        compose(
            [
                "strategy=[entitlement,benefit_led]",
                "population.size=300",
                "replications=3",
                "horizon_days=40",
            ]
        )
    )
    assert results.answers is not None
    table = results.answers
    assert set(table["arm"]) == {"benefit_led"} and "response_rate" in set(table["metric"])
    expected = answers_table(results.summary, "entitlement")
    pd.testing.assert_frame_equal(table, expected)
    line = table.loc[table["metric"] == "response_rate", "answer"].iloc[0]
    assert line.startswith("benefit_led gets ") and " positive replies than entitlement (" in line
    # The terminal: the response rate's answer under a heading; the report: every ANSWERED one.
    lines = verdict_lines(results.summary, "entitlement")
    assert lines[0] == "In words, against entitlement:"
    assert " ".join(x.strip() for x in lines[1:]) == line
    said = [w for _, w in verdicts(results.summary, "entitlement")]
    assert said[0] == line and len(said) == 3
