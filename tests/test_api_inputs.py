"""sim.run.api refuses a bad argument with one ConfigError naming it, the value and what is allowed.

Each test is a row of the faults table of docs/reliability.md (tests/reliability/resources.py):
before these checks, ``simulate(None)`` raised AttributeError, a string grid value was iterated
(``{"seed": "12"}`` ran seeds 1 and 2) and an empty list of values raised pandas' "No objects to
concatenate".
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.config import ConfigError
from sim.run import api
from sim.run.api import simulate, sweep
from sim.run.registry import compose

BASE = ["population.size=40", "horizon_days=10", "strategy=[entitlement]"]


def _refused(call: object, *names: str) -> str:
    assert callable(call)
    with pytest.raises(ConfigError) as caught:
        call()
    message = str(caught.value)
    assert "\n" not in message, message
    for name in names:
        assert name in message, (name, message)
    return message


def test_simulate_refuses_none() -> None:
    _refused(lambda: simulate(None), "cfg=None", "ExperimentConfig", "NoneType")  # type: ignore[arg-type]


def test_simulate_refuses_a_string_and_a_dictconfig() -> None:
    from omegaconf import OmegaConf

    _refused(lambda: simulate("population.size=10"), "cfg=", "got str")  # type: ignore[arg-type]
    _refused(lambda: simulate(OmegaConf.create({"seed": 1})), "got DictConfig")  # type: ignore[arg-type]


def test_run_arms_refuses_none_even_when_said_to_be_checked() -> None:
    _refused(lambda: api.run_arms(None, checked=True), "cfg=None")  # type: ignore[arg-type]


def test_sweep_refuses_a_string_as_base() -> None:
    _refused(lambda: sweep("seed=1", {"seed": [1]}), "base='seed=1'", "a list of overrides")  # type: ignore[arg-type]


def test_sweep_refuses_a_base_item_that_is_not_a_string() -> None:
    _refused(lambda: sweep([*BASE, 5], {"seed": [1]}), "base[3]=5", "KEY=VALUE")  # type: ignore[list-item]


def test_sweep_refuses_an_empty_grid() -> None:
    for grid in ({}, None):
        _refused(lambda g=grid: sweep(BASE, g), "grid=", "at least one key")


def test_sweep_refuses_a_grid_that_is_not_a_dict() -> None:
    _refused(lambda: sweep(BASE, [("seed", [1])]), "grid=", "a dict")  # type: ignore[arg-type]


def test_sweep_refuses_a_string_of_values_instead_of_iterating_it() -> None:
    # {"seed": "12"} used to run seeds 1 and 2.
    _refused(lambda: sweep(BASE, {"seed": "12"}), "grid['seed']='12'", "a list of values")  # type: ignore[dict-item]


def test_sweep_refuses_none_as_the_values_of_a_key() -> None:
    _refused(lambda: sweep(BASE, {"seed": None}), "grid['seed']=None", "a list of values")  # type: ignore[dict-item]


def test_sweep_refuses_a_key_with_no_values() -> None:
    _refused(lambda: sweep(BASE, {"seed": []}), "grid['seed']=[]", "at least one value")


def test_sweep_refuses_a_set_of_values() -> None:
    _refused(lambda: sweep(BASE, {"seed": {1, 2}}), "grid['seed']=", "in the order")  # type: ignore[dict-item]


def test_sweep_refuses_a_number_of_processes_that_is_not_one() -> None:
    for bad in (0, -2, 1.5, True, "2"):
        _refused(lambda: sweep(BASE, {"seed": [1]}, n_jobs=bad), "n_jobs=", "-1 (one per CPU)")  # type: ignore[arg-type]  # noqa: B023


def test_sweep_refuses_a_value_that_is_no_override_value() -> None:
    _refused(lambda: sweep(BASE, {"seed": [1, object()]}), "grid['seed'][1]=", "a number")


def test_sweep_refuses_a_key_that_is_not_an_override_key() -> None:
    _refused(lambda: sweep(BASE, {"seed=1": [1]}), "grid key='seed=1'")
    _refused(lambda: sweep(BASE, {3: [1]}), "grid key=3")  # type: ignore[dict-item]


def test_sweep_refuses_bad_replications() -> None:
    for bad in (0, True, "2", 1.5):
        _refused(lambda b=bad: sweep(BASE, {"seed": [1]}, replications=b), "replications=")


def test_sweep_words_a_none_value_as_the_config_does() -> None:
    # None is Hydra's null; seed cannot be null: one line, not ConfigCompositionException.
    _refused(lambda: sweep(BASE, {"seed": [None]}), "seed=null", "not Optional")


def test_sweep_words_an_override_hydra_cannot_parse() -> None:
    _refused(lambda: sweep(["population.size=="], {"seed": [1]}), "population.size==")


def test_sweep_words_an_unknown_key_with_the_settings_allowed() -> None:
    _refused(lambda: sweep(BASE, {"population.sizee": [1]}), "sizee", "did you mean size")


def test_sweep_takes_a_numpy_array_and_a_range() -> None:
    # What the checks turn into lists still runs: the grid's values as Python numbers.
    lists = api.check_sweep_inputs(BASE, {"seed": np.arange(2), "replications": range(1, 2)}, None)
    assert lists == {"seed": [0, 1], "replications": [1]}
    assert all(type(v) is int for v in lists["seed"])


def test_a_good_call_still_runs() -> None:
    table = sweep(BASE, {"seed": [1]}, replications=1, progress=False).metrics
    alone = simulate(compose([*BASE, "replications=1", "seed=1"]))
    assert len(table) == len(alone.metrics) == 1
