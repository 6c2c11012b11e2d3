"""A configuration's plausible worlds set aside while it runs in one world (sim.run.aside).

The worlds are put back wherever they are read: the configuration's YAML (config.yaml and the
config hash) byte for byte, and its experiment.
"""

from __future__ import annotations

from hydra import compose
from omegaconf import DictConfig

from sim.cli.resume import resolved_yaml
from sim.run import aside
from sim.run.compose import parse, with_plain
from sim.run.registry import to_experiment

#: Configurations of other groups and values; every one runs in one world.
CONFIGS = [
    ["seed=3"],
    ["population=house_list", "strategy=[entitlement,bombard]"],
    ["+experiment=cool_down"],
    ["model.answer_base=0.07", "credit=last_touch"],
]


def test_the_worlds_come_back_byte_for_byte(hydra_context: None) -> None:
    for overrides in CONFIGS:
        full = compose("config", overrides=overrides)
        light = aside.set_aside(full)
        assert light is not None and light.aside.text is not None, overrides
        assert light.cfg.model.worlds is None
        assert aside.in_one_world(light.cfg)
        assert resolved_yaml(light.cfg, light.aside) == resolved_yaml(full), overrides
        exp = aside.experiment_with(to_experiment(light.cfg), light.aside)
        assert exp == to_experiment(full), overrides
        # Without the worlds' lines, from their tree: the same bytes (the slow way).
        slow = aside.Aside(light.aside.plain, light.aside.worlds, None)
        assert resolved_yaml(light.cfg, slow) == resolved_yaml(full)


def test_each_experiment_gets_its_own_worlds(hydra_context: None) -> None:
    light = aside.set_aside(compose("config", overrides=["seed=1"]))
    assert light is not None
    one = aside.experiment_with(to_experiment(light.cfg), light.aside)
    two = aside.experiment_with(to_experiment(light.cfg), light.aside)
    assert one.model.worlds == two.model.worlds
    assert one.model.worlds is not two.model.worlds
    assert one.model.worlds is not light.aside.worlds


def test_worlds_that_run_change_or_interpolate_are_never_set_aside(hydra_context: None) -> None:
    def leaves(overrides: list[str]) -> bool:
        return aside.leaves_worlds(parse(overrides))

    assert leaves(["seed=1", "worlds=3", "model.answer_base=0.07"])
    assert not leaves(["model.worlds.source=mine"])
    assert not leaves(["~model.worlds"])
    assert not leaves(["model.worlds=null"])
    light = aside.set_aside(compose("config"))
    assert light is not None
    runs: DictConfig = with_plain(light.cfg, parse(["worlds=3"]))
    assert not aside.in_one_world(runs)
    # Worlds whose values another value of the configuration could change.
    tied = compose("config", overrides=["model.worlds.source=${seed}"])
    assert aside.set_aside(tied) is None
    assert aside.set_aside(compose("config", overrides=["~model/worlds"])) is None
