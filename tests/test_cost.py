"""The pre-flight's cost estimate (sim.model.cost): memory and time of every input that scales.

Before it, ``population.size=50000000`` passed and simulated for hours, and a strategy of 10,000
steps passed and failed after 139 s at 26 GiB (its by-touch table grows with the square of the
steps). Each refusal names the setting and the number the run would need; what the project runs
itself (``make run``, a million prospects through the command line) still passes.
"""

from __future__ import annotations

import dataclasses
import math

import pytest

from sim.model import books, cost
from sim.model.books import Books
from sim.model.cadence import CooldownConfig, StepConfig, StrategyConfig, VariantConfig
from sim.model.config import ConfigError, ExperimentConfig, run_size, validate
from sim.model.strategy import compile_plan
from sim.run.registry import compose


@pytest.fixture(scope="module")
def default() -> ExperimentConfig:
    return compose([])


def _long(steps: int, **extra: object) -> StrategyConfig:
    days = [StepConfig(day=k // 10, channel="email", message="benefit_led") for k in range(steps)]
    return StrategyConfig(steps=days, **extra)  # type: ignore[arg-type]


def _plenty_of_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cost, "machine_memory", lambda: math.inf)


def test_the_by_touch_table_is_counted_cell_for_cell() -> None:
    # What Books allocates is what the estimate counts: steps, A/B slots, cool-down cycles, waves.
    ab = StepConfig(
        day=2,
        channel="email",
        message="benefit_led",
        variants=[VariantConfig(name="a"), VariantConfig(name="b", message="resource")],
    )
    strategy = _long(5, cooldown=CooldownConfig(after_unanswered=2, pause_days=5, cycles=2))
    strategy.steps.append(ab)
    assert len(books.BY_TOUCH_COUNTS) == cost.BY_TOUCH_COUNTS
    for waves in (1, 2):
        size = cost.RunSize(10, 30, 1, 0, {"s": strategy}, waves=waves)
        table = Books(10, compile_plan("s", strategy), "decided", waves=waves).by_touch
        assert size.by_touch_cells("s") == table.size


def test_a_strategy_of_ten_thousand_steps_is_refused_naming_its_steps(
    default: ExperimentConfig,
) -> None:
    cfg = dataclasses.replace(default, strategy={"long": _long(10_000)}, baseline="long")
    with pytest.raises(ConfigError, match=r"strategy\.long\.steps=\[\.\.\. 10000 steps\]") as err:
        validate(cfg)
    assert "GiB" in str(err.value)


def test_many_steps_over_a_long_horizon_are_refused_for_time(
    default: ExperimentConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    _plenty_of_memory(monkeypatch)
    cfg = dataclasses.replace(
        default, strategy={"long": _long(800)}, baseline="long", horizon_days=2000, replications=60
    )
    with pytest.raises(ConfigError, match=r"strategy\.long\.steps=.*hours") as err:
        validate(cfg)
    assert "800 steps" in str(err.value)


def test_fifty_million_prospects_are_refused(
    default: ExperimentConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = dataclasses.replace(
        default, population=dataclasses.replace(default.population, size=50_000_000)
    )
    with pytest.raises(ConfigError, match=r"(population\.size|list_multiplier).*GiB"):
        validate(big)
    # On a machine with memory enough, for the time it would take.
    _plenty_of_memory(monkeypatch)
    with pytest.raises(ConfigError, match=r"population\.size=50000000 .* hours") as err:
        validate(big)
    hours = float(str(err.value).split("needs about ")[1].split(" hours")[0].replace(",", ""))
    assert 1 < hours < 10, err.value


def test_replicates_times_arms_times_horizon_are_counted(
    default: ExperimentConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    _plenty_of_memory(monkeypatch)
    for field, value in (("replications", 10**6), ("worlds", 10**6), ("horizon_days", 5e7)):
        cfg = dataclasses.replace(default, **{field: value})
        seconds, named, _ = cost.seconds_needed(run_size(cfg))
        assert seconds > cost.MAX_JOB_SECONDS and named == field, (field, seconds, named)


def test_what_the_project_runs_still_passes(default: ExperimentConfig) -> None:
    million = dataclasses.replace(
        default, population=dataclasses.replace(default.population, size=1_000_000)
    )
    for cfg in (
        default,
        dataclasses.replace(default, worlds=20, replications=2),  # make run
        million,  # the benchmark's million prospects through the command line
        dataclasses.replace(default, strategy={"long": _long(300)}, baseline="long"),
    ):
        cost.check_fits(run_size(cfg))
    seconds, _, _ = cost.seconds_needed(run_size(million))
    assert seconds < cost.MAX_JOB_SECONDS / 4, seconds


def test_the_estimate_follows_the_measured_cost_of_a_million_prospects(
    default: ExperimentConfig,
) -> None:
    # docs/performance.md: about 2.5 s of CPU for one arm of 1,000,000 prospects (entitlement).
    one = dataclasses.replace(
        default,
        population=dataclasses.replace(default.population, size=1_000_000),
        strategy={"entitlement": default.strategy["entitlement"]},
        replications=1,
    )
    seconds, _, _ = cost.seconds_needed(run_size(one))
    assert 2 < seconds < 8, seconds


def test_a_wide_table_names_the_cycles_when_they_drive_it(default: ExperimentConfig) -> None:
    strategy = _long(20, cooldown=CooldownConfig(after_unanswered=2, pause_days=1, cycles=500_000))
    cfg = dataclasses.replace(default, strategy={"c": strategy}, baseline="c")
    with pytest.raises(ConfigError, match=r"strategy\.c\.cooldown\.cycles=500000 "):
        cost.check_fits(run_size(cfg))


def test_kept_results_name_the_worlds_when_they_drive_them(default: ExperimentConfig) -> None:
    _, named, value = cost.memory_needed(run_size(dataclasses.replace(default, worlds=10**7)))
    assert (named, value) == ("worlds", 10**7)
