"""The workshop's answer, its chart and its study report: one run, shares within [0, 1]."""

from __future__ import annotations

import html
import itertools
import re

import pandas as pd
import pytest

from sim.report.table import share_interval
from sim.workshop.live import answer_for
from sim.workshop.report import report_html
from sim.workshop.scenarios import YOURS, build


def test_the_page_and_its_study_report_come_from_the_same_run() -> None:
    answer = answer_for("entitlement_vs_value", {})
    page = html.unescape(re.sub(r"<[^>]+>", " ", report_html("entitlement_vs_value", {})))
    words = " ".join(page.split())
    # The same headline, sentence for sentence: the same arms, metrics and numbers.
    assert answer.headline in words
    assert answer.rows[0].label in words and answer.rows[1].label in words
    assert answer.chart.startswith("data:image/png;base64,")
    assert answer.journey_chart.startswith("data:image/png;base64,")


def test_a_share_interval_that_leaves_zero_to_one_is_wilson() -> None:
    metrics = pd.DataFrame({"arm": ["a"] * 4, "prospects": [100] * 4, "responses": [0, 0, 1, 9]})
    low, high = share_interval(metrics, "a", "response_rate", -0.003, 0.051)
    assert 0.0 <= low < 0.025 < high <= 1.0  # the Wilson interval of 10 in 400
    assert share_interval(metrics, "a", "response_rate", 0.01, 0.04) == (0.01, 0.04)


@pytest.mark.parametrize(("period", "last"), [("day", 1.0), ("week", 7.0), ("month", 30.0)])
def test_the_stalker_period_control_packs_touches_into_the_period(period: str, last: float) -> None:
    days = [
        s.day
        for s in build("stalker_mode", {"first_day": 4, "period": period}).strategy[YOURS].steps
    ]
    assert days[3] < last <= days[4]
    assert all(b - a == pytest.approx(3.0) for a, b in itertools.pairwise(days[4:]))


def test_a_period_the_question_does_not_name_is_refused_and_nothing_runs() -> None:
    from sim.workshop.inputs import RefusedError

    for value in ("year", "", None, ["day"]):
        with pytest.raises(RefusedError, match="must be one of: day"):
            report_html("stalker_mode", {"period": value})
