"""Calibration targets (../shared/calibration-targets.md): each default lands in its range."""

import pytest

from sim.validation.probes import Check
from sim.validation.targets import TARGETS


@pytest.mark.slow
@pytest.mark.parametrize("check", TARGETS, ids=[c.key for c in TARGETS])
def test_target_in_range(check: Check) -> None:
    result = check.evaluate()
    assert result.passed, (
        f"{check.key}: {result.value:.4g} (95% CI {result.ci_low:.4g}-{result.ci_high:.4g}) "
        f"outside {check.expected}"
    )
