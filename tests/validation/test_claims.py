"""The seeds' claims: each direction comes out of the model (seed cited in each check)."""

import pytest

from sim.validation.claims import CLAIMS
from sim.validation.probes import Check


@pytest.mark.slow
@pytest.mark.parametrize("check", CLAIMS, ids=[c.key for c in CLAIMS])
def test_claim_holds(check: Check) -> None:
    result = check.evaluate()
    assert result.passed, (
        f"{check.key} (seed {check.source}): {result.value:.4g} "
        f"(95% CI {result.ci_low:.4g}-{result.ci_high:.4g}), expected {check.expected}"
    )
