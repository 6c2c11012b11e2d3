"""Whole-sequence targets (calibration-targets.md, sequence section): each lands in its range."""

import pytest

from sim.validation.probes import Check
from sim.validation.sequences import SEQUENCE_TARGETS


@pytest.mark.slow
@pytest.mark.parametrize("check", SEQUENCE_TARGETS, ids=[c.key for c in SEQUENCE_TARGETS])
def test_sequence_target_in_range(check: Check) -> None:
    result = check.evaluate()
    assert result.passed, (
        f"{check.key}: {result.value:.4g} (95% CI {result.ci_low:.4g}-{result.ci_high:.4g}) "
        f"outside {check.expected}; per replicate: {result.outcome.statistic}"
    )
