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
        observed_positives=observed,
        replayed_positives=replayed,
        positives_low=replayed - half,
        positives_high=replayed + half,
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


def test_a_miss_every_sequence_shares_moves_the_centre_and_the_spread_sees_the_rest() -> None:
    from sim.fit.misfit import misfit_of

    # Observed at 2x and 4x the replay, alternately: a mean miss of log(2.83) and a spread.
    checks = [_check(240 if i % 2 else 480, 120.0) for i in range(12)]
    found = misfit_of(checks)
    assert found.mean == pytest.approx(np.log(np.sqrt(8)), rel=0.1)
    assert found.sd == pytest.approx(np.log(2) / 2, rel=0.25)
    assert found.sequences == 12 and 0 < found.mean_se < found.sd


def test_the_worlds_shift_is_the_predictive_distribution_of_one_more_sequence() -> None:
    """Higgins et al. 2009: mu + sqrt(tau^2 + se^2) t_(k-2); none when no miss is found."""
    from scipy import stats

    from sim.fit.misfit import Misfit

    rng = np.random.default_rng(5)
    missed = Misfit(sd=0.6, mean=0.9, mean_se=0.3, sequences=5)
    draws = missed.shifts(40_000, rng)
    scale = np.sqrt(0.6**2 + 0.3**2)
    assert np.median(draws) == pytest.approx(0.9, abs=0.02)
    q = stats.t.ppf(0.975, 3) * scale
    assert np.quantile(draws, 0.975) == pytest.approx(0.9 + q, rel=0.05)
    assert not Misfit(0.0, 0.3, 0.3, 5).shifts(10, rng).any()  # no spread, mean within noise
    shared = Misfit(0.0, 0.9, 0.3, 5).shifts(40_000, rng)  # no spread, a mean miss beyond it
    assert np.median(shared) == pytest.approx(0.9, abs=0.02)
    assert np.quantile(shared, 0.975) == pytest.approx(0.9 + stats.t.ppf(0.975, 3) * 0.3, rel=0.05)
