"""Honest answers on logs from a world that is not this project's model (issue 25, "Done when").

Five logs from :mod:`tests.independent_world` (per-prospect Beta responsiveness, a per-step decline,
no effect of spacing; a 4-email cadence for most prospects, a 7-step email/phone cadence ``B`` for a
few; every touch's message drawn 50/50 self-focused or benefit-led). Each is fitted with
``outreach-sim-fit``; the fitted model's plausible worlds then compare, against ``B``:

- ``D``, B's steps squeezed into a week: the logs never varied spacing, and in the generating world
  it changes nothing. It must never be called better;
- ``W``, B with every message benefit-led: in the generating world it wins by several points (the
  logs do vary the message). It must be called better, with the right sign.

Ten logs, with the coverage of the worlds' intervals: ``benchmarks/honest_answers.py``
(docs/honest_answers.md), where one log of ten calls ``D`` better: issue 25 stays open.
"""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import pandas as pd
import pytest

from tests.independent_world import B, D, Truth, W, compare_on_a_fitted_log, expected_positive

SEEDS = [1, 2, 3, 4, 5]


@functools.cache
def _rows(seed: int) -> pd.DataFrame:
    """The summary of one log's comparison, by (arm, metric): one fit per log for both tests."""
    with tempfile.TemporaryDirectory() as tmp:
        return compare_on_a_fitted_log(seed, Path(tmp)).set_index(["arm", "metric"])


@pytest.mark.parametrize("seed", SEEDS)
def test_a_change_the_log_never_varied_is_never_called_better(seed: int) -> None:
    truth = Truth()
    assert expected_positive(truth, D) == pytest.approx(expected_positive(truth, B))
    squeezed = _rows(seed).loc[("d_squeezed", "response_rate")]
    assert squeezed["interval"] == "worlds"
    assert squeezed["verdict"] != "better", squeezed.to_dict()


@pytest.mark.parametrize("seed", SEEDS)
def test_a_true_winner_is_called_better(seed: int) -> None:
    truth = Truth()
    assert expected_positive(truth, W) - expected_positive(truth, B) >= 0.01
    winner = _rows(seed).loc[("w_benefit", "response_rate")]
    assert winner["verdict"] == "better", winner.to_dict()
    assert float(winner["diff_vs_baseline"]) > 0
