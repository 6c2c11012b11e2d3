"""Calibration targets (../shared/calibration-targets.md): each default lands in its range.

On each seed of :data:`sim.validation.seeds.SEEDS`: a default that lands in range at one seed
only (the calibration fits one) fails here.
"""

import pytest

from sim.validation.probes import Check
from sim.validation.seeds import SEEDS, on_seed
from sim.validation.targets import TARGETS


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("check", TARGETS, ids=[c.key for c in TARGETS])
def test_target_in_range(check: Check, seed: int) -> None:
    result = on_seed(check, seed)
    assert result.passed, (
        f"{check.key} at seed {seed}: {result.value:.4g} "
        f"(95% CI {result.ci_low:.4g}-{result.ci_high:.4g}) outside {check.expected}"
    )
