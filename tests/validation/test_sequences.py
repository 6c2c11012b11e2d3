"""Whole-sequence targets (calibration-targets.md, sequence section): each lands in its range.

On each seed of :data:`sim.validation.seeds.SEEDS`, as the single-touch targets.
"""

import numpy as np
import pytest

from sim.validation.probes import Check
from sim.validation.seeds import SEEDS, on_seed
from sim.validation.sequences import SEQUENCE_TARGETS


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("check", SEQUENCE_TARGETS, ids=[c.key for c in SEQUENCE_TARGETS])
def test_sequence_target_in_range(check: Check, seed: int) -> None:
    result = on_seed(check, seed)
    assert result.passed, (
        f"{check.key} at seed {seed}: {result.value:.4g} "
        f"(95% CI {result.ci_low:.4g}-{result.ci_high:.4g}) outside {check.expected}; "
        f"per replicate: {result.outcome.statistic}"
    )


def test_seeds_section_fails_a_target_missed_on_one_seed() -> None:
    from dataclasses import replace

    from sim.validation.probes import CheckResult, Outcome
    from sim.validation.seeds import OnSeeds, seeds_section

    check = SEQUENCE_TARGETS[0]
    ok = CheckResult(check, 0.05, 0.04, 0.06, True, Outcome(np.array([0.05])))
    row = OnSeeds(check, (ok, replace(ok, passed=False), ok))
    assert not row.passed
    text = "\n".join(seeds_section([row]))
    assert "**FAIL**" in text and "0 of 1 targets" in text
