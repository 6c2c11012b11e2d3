"""The notebook sweep API: sim.api.sweep runs a grid in-process and returns one tidy table."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.api import simulate, sweep
from sim.config import ConfigError
from sim.registry import compose

BASE = ["strategy=[entitlement,benefit_led]", "horizon_days=30"]


def test_each_configuration_gives_exactly_the_rows_simulate_gives_it() -> None:
    grid = {"population.size": [60, 90], "seed": [3, 4]}
    table = sweep(BASE, grid, replications=2, progress=False)
    assert list(table.columns[:3]) == ["config", "population.size", "seed"]
    assert table["config"].nunique() == 4
    for number, (size, seed) in enumerate([(60, 3), (60, 4), (90, 3), (90, 4)]):
        rows = table[table["config"] == number]
        assert set(rows["population.size"]) == {size} and set(rows["seed"]) == {seed}
        alone = simulate(
            compose([*BASE, "replications=2", f"population.size={size}", f"seed={seed}"])
        )
        got = rows.drop(columns=["config", "population.size"]).reset_index(drop=True)
        pd.testing.assert_frame_equal(got, alone.metrics[got.columns])


def test_a_list_value_becomes_one_hydra_override() -> None:
    table = sweep(
        ["horizon_days=20", "population.size=40", "baseline=bombard"],
        {"strategy": [["bombard"], ["bombard", "hang_up"]]},
        replications=1,
        progress=False,
    )
    assert set(table["strategy"]) == {"[bombard]", "[bombard,hang_up]"}
    assert sorted(table.loc[table["config"] == 1, "arm"]) == ["bombard", "hang_up"]


def test_a_bad_value_anywhere_in_the_grid_fails_before_any_simulation() -> None:
    with pytest.raises(ConfigError, match=r"population\.size"):
        sweep(BASE, {"population.size": [50, -1]}, progress=False)
