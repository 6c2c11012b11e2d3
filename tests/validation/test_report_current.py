"""The committed validation report is current, and its machinery judges checks correctly."""

import numpy as np

from sim.model.config import ModelConfig
from sim.run.registry import compose
from sim.validation.claims import CLAIMS
from sim.validation.probes import Check, Outcome, Sizing, mean_ci
from sim.validation.report import REPORT, inputs_hash, recorded_hash, render
from sim.validation.sensitivity import perturbed
from sim.validation.targets import TARGETS


def test_report_is_current() -> None:
    # The report records a hash of sim/conf/**/*.yaml and sim/**/*.py; any change to either means
    # the committed numbers may be stale: regenerate with `make validation`.
    assert REPORT.exists(), "docs/validation.md is missing: run `make validation`"
    assert recorded_hash() == inputs_hash(), "docs/validation.md is stale: run `make validation`"


def test_report_lists_every_check() -> None:
    text = REPORT.read_text()
    for check in (*TARGETS, *CLAIMS):
        assert f"validation/{check.key}.png" in text


def _check(values: list[float], low: float | None, high: float | None, strict: bool) -> Check:
    stat = np.array(values)
    return Check(
        "k", "claim", "t", "s", "e", low, high, lambda _: Outcome(stat), Sizing(1, 1), "x", strict
    )


def test_check_judges_range_and_strict_interval() -> None:
    assert _check([1.2, 1.3, 1.25], 1.1, 1.3, strict=False).evaluate().passed
    assert not _check([1.4, 1.5, 1.45], 1.1, 1.3, strict=False).evaluate().passed
    # Mean above 1 but the interval straddles it: a direction is not claimed.
    assert not _check([0.5, 2.0, 1.0], 1.0, None, strict=True).evaluate().passed
    assert _check([1.5, 1.6, 1.55], 1.0, None, strict=True).evaluate().passed


def test_mean_ci_brackets_the_mean() -> None:
    mean, low, high = mean_ci(np.array([1.0, 2.0, 3.0]))
    assert low < mean == 2.0 < high


def test_render_marks_failures() -> None:
    ok = _check([1.2, 1.2, 1.21], 1.0, 2.0, strict=False).evaluate()
    bad = _check([3.0, 3.1, 3.2], 1.0, 2.0, strict=False).evaluate()
    text = render([ok, bad], [], "abc")
    assert "**FAIL**" in text and "| pass |" in text and "inputs-sha256: abc" in text


def test_sensitivity_scales_within_allowed_range() -> None:
    model: ModelConfig = compose(["strategy=[entitlement]"]).model
    up = perturbed(model, "answer_base", 1.5)
    assert up.answer_base == model.answer_base * 1.5
    # familiarity_gain is a share in [0, 1]: scaling clips at the bound.
    big = perturbed(model, "familiarity_gain", 100.0)
    assert big.familiarity_gain.phone == 1.0
    assert perturbed(model, "load", 0.5).load.email == model.load.email * 0.5
