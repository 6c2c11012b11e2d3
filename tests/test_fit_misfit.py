"""The fitted worlds carry the model's misfit to its log (sim.fit.misfit, docs/uncertainty.md)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.fit.misfit import misfit_sd
from sim.fit.sequences import SequenceCheck


def _check(observed: int, replayed: float) -> SequenceCheck:
    half = 1.96 * np.sqrt(replayed)  # a replay's noise, as the check's quantiles would give it
    return SequenceCheck(
        label="email/self_focused",
        prospects=400,
        observed_replies=observed,
        replayed_replies=replayed,
        replies_low=replayed - half,
        replies_high=replayed + half,
        observed_opt_outs=0,
        replayed_opt_outs=0.0,
        opt_outs_low=0.0,
        opt_outs_high=0.0,
    )


def test_a_model_that_replays_its_log_within_noise_adds_nothing() -> None:
    rng = np.random.default_rng(1)
    checks = [_check(int(rng.poisson(60)), 60.0) for _ in range(12)]
    assert misfit_sd(checks) == pytest.approx(0.0, abs=0.05)


def test_misses_beyond_noise_in_both_directions_give_their_spread() -> None:
    # Observed at half and at twice the replay, alternately: log ratios of -0.69 and +0.69.
    checks = [_check(60 if i % 2 else 240, 120.0) for i in range(12)]
    assert misfit_sd(checks) == pytest.approx(np.log(2), rel=0.1)


def test_too_few_sequences_give_no_spread() -> None:
    assert misfit_sd([_check(10, 100.0), _check(300, 100.0)]) == 0.0
