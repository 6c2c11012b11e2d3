"""Rep time per step: ``by_touch``'s ``rep_minutes`` is each step's touches times their minutes."""

from __future__ import annotations

import numpy as np
import pytest

from sim.run.api import simulate
from sim.run.registry import compose


@pytest.mark.parametrize("strategy", ["multichannel", "entitlement", "persistent"])
def test_the_steps_minutes_add_up_to_the_runs_rep_hours(strategy: str) -> None:
    cfg = compose(
        [f"strategy=[{strategy}]", f"baseline={strategy}", "population.size=400", "replications=2"]
    )
    results = simulate(cfg)
    steps = results.by_touch.groupby(["arm", "replicate"])["rep_minutes"].sum()
    hours = results.metrics.set_index(["arm", "replicate"])["rep_hours"]
    assert (steps > 0).all()
    np.testing.assert_allclose(steps.sort_index(), hours.sort_index() * 60.0, rtol=1e-9)


def test_a_touch_costs_its_channels_minutes_and_a_voicemail_its_extra() -> None:
    """``persistent`` opens with a call that leaves a voicemail and an email the same day."""
    cfg = compose(["strategy=[persistent]", "baseline=persistent", "population.size=300"])
    table = simulate(cfg).by_touch
    first = table[table["step"] <= 2].groupby("channel")[["rep_minutes", "touches"]].sum()
    per_touch = first["rep_minutes"] / first["touches"]
    reps = cfg.reps
    factor = getattr(reps.personalization_minutes, cfg.strategy["persistent"].personalization)
    assert per_touch["email"] == pytest.approx(reps.touch_minutes.email * factor)
    assert per_touch["phone"] == pytest.approx(
        reps.touch_minutes.phone * factor + reps.voicemail_minutes
    )
