"""``make calibrate``: its loss, its writer, and that the committed defaults are its fit."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.model.channels import CHANNELS
from sim.model.messages import MESSAGES
from sim.validation import calibrate
from sim.validation.calibrate import FIT_DIR, FREE, GOALS, MODEL_YAML, checks, residual

RECORD = json.loads((FIT_DIR / "fit.json").read_text())


def _committed() -> list[float]:
    values = yaml.safe_load(MODEL_YAML.read_text())
    out = []
    for f in FREE:
        node = values
        for part in f.paths[0].removeprefix("model.").split("."):
            node = node[part]
        out.append(float(node))
    return out


def test_every_target_and_no_claim_is_in_the_loss() -> None:
    keys = {c.key for c in checks()}
    assert keys == set(GOALS)
    assert not any(c.kind == "claim" for c in checks())  # claims are checked after, never fitted
    assert len(keys) >= 18


def test_the_committed_defaults_are_the_recorded_fit() -> None:
    recorded = [p["fitted"] for p in RECORD["parameters"]]
    assert [p["name"] for p in RECORD["parameters"]] == [f.name for f in FREE]
    assert _committed() == pytest.approx(recorded, rel=1e-9)
    # Tied values (one reachable share for every relationship) are written to every path.
    values = yaml.safe_load(MODEL_YAML.read_text())
    assert len(set(values["reachable"].values())) == 1


def test_the_recorded_fit_puts_every_target_in_range() -> None:
    assert all(t["in_range"] for t in RECORD["targets"]), RECORD["targets"]


def test_every_fitted_parameter_has_a_range_where_all_targets_hold() -> None:
    for p in RECORD["parameters"]:
        lo, hi = p["holds"]
        assert p["bounds"][0] <= lo <= p["fitted"] <= hi <= p["bounds"][1], p


@pytest.mark.slow
def test_the_committed_defaults_reproduce_the_recorded_target_values() -> None:
    got = calibrate.measure(_committed())
    for t in RECORD["targets"]:
        # Same seed and code: equal up to last-bit differences between CPUs' exp kernels.
        assert got[t["key"]] == pytest.approx(t["fitted"], rel=0.02, abs=1e-4), t["key"]


def test_residuals_are_zero_at_the_centre_one_at_the_edge_and_hinges_zero_inside() -> None:
    first = next(c for c in checks() if c.key == "first_email_reply")  # 1-9 %, centre 4 %
    span = calibrate.MARGIN * math.log(0.09 / 0.04)  # +-1 at MARGIN of the way to the edge
    assert residual(first, 0.04) == pytest.approx(0.0)
    assert residual(first, 0.04 * math.exp(span)) == pytest.approx(1.0)
    past = math.log(0.18 / 0.04) / span  # beyond it: grows OUTSIDE times faster
    assert residual(first, 0.18) == pytest.approx(past + (calibrate.OUTSIDE - 1) * (past - 1))
    low_span = calibrate.MARGIN * math.log(0.04 / 0.01)
    assert residual(first, 0.04 * math.exp(-low_span)) == pytest.approx(-1.0)
    silent = next(c for c in checks() if c.key == "sequence_silent")  # >= 80 %
    assert residual(silent, 0.95) == 0.0
    assert residual(silent, 0.78) > 0.0
    curve = next(c for c in checks() if c.key == "sequence_step_curve")  # never rises
    assert residual(curve, -0.002) == 0.0
    assert residual(curve, 0.003) > 0.0


def test_the_writer_changes_only_the_fitted_numbers(tmp_path: Path) -> None:
    copy = tmp_path / "default.yaml"
    copy.write_text(MODEL_YAML.read_text())
    new = [round(v + 0.125, 4) for v in _committed()]
    calibrate.write_defaults(new, copy)
    before, after = yaml.safe_load(MODEL_YAML.read_text()), yaml.safe_load(copy.read_text())
    for f, v in zip(FREE, new, strict=True):
        for path in f.paths:
            node = after
            for part in path.removeprefix("model.").split("."):
                node = node[part]
            assert node == pytest.approx(v)
    fitted_tops = {p.removeprefix("model.").split(".")[0] for f in FREE for p in f.paths}
    for key in before:
        if key not in fitted_tops:
            assert after[key] == before[key], key
    # Comments survive: the file is edited in place, not re-dumped.
    assert copy.read_text().count("#") == MODEL_YAML.read_text().count("#")
    assert np.isfinite(new).all()


def test_every_free_parameter_names_a_channel_or_message_kind_of_the_tables() -> None:
    per_name = {"response_base": CHANNELS, "optout_base": CHANNELS, "message_value": MESSAGES}
    for f in FREE:
        for path in f.paths:
            head, _, name = path.removeprefix("model.").partition(".")
            if head in per_name:
                assert name in per_name[head], path
