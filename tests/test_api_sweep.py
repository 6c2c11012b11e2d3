"""The notebook sweep API: sim.run.api.sweep runs a grid and returns tidy tables."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.model.config import ConfigError
from sim.run.api import simulate, sweep
from sim.run.registry import compose

BASE = ["strategy=[entitlement,benefit_led]", "horizon_days=30"]


def test_each_configuration_gives_exactly_the_rows_simulate_gives_it() -> None:
    grid = {"population.size": [60, 90], "seed": [3, 4]}
    table = sweep(BASE, grid, replications=2, progress=False).metrics
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
    ).metrics
    assert set(table["strategy"]) == {"[bombard]", "[bombard,hang_up]"}
    assert sorted(table.loc[table["config"] == 1, "arm"]) == ["bombard", "hang_up"]


def test_a_bad_value_anywhere_in_the_grid_fails_before_any_simulation() -> None:
    with pytest.raises(ConfigError, match=r"population\.size"):
        sweep(BASE, {"population.size": [50, -1]}, progress=False)


def test_compose_all_gives_what_compose_gives_composing_each_choice_of_groups_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sim.run import registry

    lists = [
        [*BASE, "seed=1"],
        [*BASE, "seed=2", "population.size=70"],
        [*BASE, "population=mixed", "seed=1"],
        ["population=mixed", "seed=3", *BASE],
        ["strategy=[bombard,hang_up]", "baseline=bombard", "replications=1"],
        ["hydra.job.chdir=false", "seed=4"],
    ]
    alone = [compose(one) for one in lists]
    calls: list[list[str]] = []
    hydra_compose = registry.hydra_compose

    def counted(*args: object, **kwargs: list[str]) -> object:
        calls.append(list(kwargs.get("overrides", [])))
        return hydra_compose(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(registry, "hydra_compose", counted)
    assert registry.compose_all(lists) == alone
    # Group choices: the base's strategy, population=mixed (twice, in two orders), the bombard
    # arms; and the one with a hydra setting, composed in full.
    assert len(calls) == 5, calls


def test_the_grid_table_is_the_one_of_composing_every_combination(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sim.run.registry

    grid = {"population": ["cold_list", "mixed"], "seed": [3, 4], "population.size": [50]}
    table = sweep(BASE, grid, replications=1, progress=False).metrics

    def one_by_one(lists: list[list[str]]) -> list[object]:
        return [compose(one) for one in lists]

    monkeypatch.setattr(sim.run.registry, "compose_all", one_by_one)
    before = sweep(BASE, grid, replications=1, progress=False).metrics
    pd.testing.assert_frame_equal(table, before)


#: A cool-down pause longer than the horizon: most of the cadence falls after it.
PAST_HORIZON = [
    "strategy=[cooldown_heatup]",
    "baseline=cooldown_heatup",
    "population.size=60",
    "horizon_days=120",
]


def test_a_limit_that_bound_is_in_the_api_results() -> None:
    """A pause past the horizon: simulate() and sweep() both carry the horizon's warning."""
    alone = simulate(
        compose(
            [*PAST_HORIZON, "replications=1", "strategy.cooldown_heatup.cooldown.pause_days=200"]
        )
    )
    assert alone.warnings is not None
    assert list(alone.warnings["limit"]) == ["horizon"]
    assert "the horizon ended the cadence early" in alone.warnings["warning"].iloc[0]
    grid = {"strategy.cooldown_heatup.cooldown.pause_days": [3, 200]}
    found = sweep(PAST_HORIZON, grid, replications=1, progress=False).warnings
    horizon = found[found["limit"] == "horizon"]
    # Only the long pause pushes touches past the horizon.
    assert list(horizon["strategy.cooldown_heatup.cooldown.pause_days"]) == [200]
    assert list(horizon["config"]) == [1]


def test_a_parallel_sweep_gives_the_rows_of_a_serial_one() -> None:
    grid = {"population.size": [40, 60], "seed": [1, 2]}
    serial = sweep(BASE, grid, replications=2, progress=False)
    parallel = sweep(BASE, grid, replications=2, progress=False, n_jobs=2)
    for name in ("metrics", "by_touch", "summary", "warnings"):
        pd.testing.assert_frame_equal(getattr(parallel, name), getattr(serial, name))
    assert set(serial.summary["config"]) == {0, 1, 2, 3}
    assert set(serial.by_touch["config"]) == {0, 1, 2, 3}
