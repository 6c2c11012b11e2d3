"""Plausible worlds as config data (sim.model.worlds): checks and the models they give."""

from __future__ import annotations

import copy

import pytest

from sim.model.checks import ConfigError
from sim.model.worlds import MODEL_VERSION, WorldsConfig, check_worlds, world_models
from sim.run.registry import compose


def _with_worlds(rows: list[list[float]], **changes: object) -> object:
    model = copy.deepcopy(compose([]).model)
    model.worlds = WorldsConfig(
        model_version=MODEL_VERSION,
        source="test",
        method="by hand",
        parameters=["wearout", "response_base.email"],
        status={"wearout": "prior", "response_base.email": "identified"},
        values=rows,
    )
    for name, value in changes.items():
        setattr(model.worlds, name, value)
    return model


def test_world_models_replace_only_the_listed_parameters() -> None:
    model = _with_worlds([[0.1, -3.0], [0.2, -3.5], [0.3, -4.0]])
    worlds = world_models(model, 2)
    assert [m.wearout for m in worlds] == [0.1, 0.2]
    assert [m.response_base.email for m in worlds] == [-3.0, -3.5]
    assert all(m.response_base.phone == model.response_base.phone for m in worlds)
    assert model.wearout != 0.1  # the model itself is untouched


@pytest.mark.parametrize(
    ("k", "changes", "field"),
    [
        (5, {}, "worlds"),  # more worlds than rows
        (1, {}, "worlds"),  # one world is not an ensemble
        (2, {"model_version": MODEL_VERSION - 1}, "model.worlds.model_version"),
        (2, {"parameters": ["wearout", "no_such"]}, "model.worlds.parameters"),
        (2, {"parameters": ["wearout", "response_base"]}, "model.worlds.parameters"),
        (2, {"status": {"wearout": "sure"}}, "model.worlds.status"),
        (2, {"values": [[0.1, -3.0], [0.2]]}, "model.worlds.values[1]"),
        (2, {"values": [[0.1, -3.0], [-0.2, -3.0]]}, "model.worlds.values[1]"),  # wearout >= 0
    ],
)
def test_bad_worlds_name_the_field(k: int, changes: dict[str, object], field: str) -> None:
    model = _with_worlds([[0.1, -3.0], [0.2, -3.5], [0.3, -4.0]], **changes)
    with pytest.raises(ConfigError) as err:
        check_worlds(model, k)  # type: ignore[arg-type]
    assert err.value.path == field


def test_a_model_without_worlds_runs_one_world_only() -> None:
    model = compose([]).model
    check_worlds(model, 0)
    with pytest.raises(ConfigError, match="no plausible worlds"):
        compose(["worlds=20", "model.worlds=null"])
