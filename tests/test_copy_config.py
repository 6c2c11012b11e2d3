"""``copy_config``: a pickled copy of a composed config is the config, and independent of it."""

from __future__ import annotations

import copy

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf
from omegaconf.errors import ConfigAttributeError, ValidationError

from sim.run.compose import copy_config
from sim.run.registry import CONF_DIR, register_configs


@pytest.mark.parametrize("with_hydra", [False, True], ids=["task", "with hydra node"])
def test_a_copy_is_the_config_with_its_types_and_flags_and_changes_alone(with_hydra: bool) -> None:
    register_configs()
    with initialize_config_dir(str(CONF_DIR), version_base="1.3"):
        base = compose(
            "config",
            overrides=["strategy=[entitlement,benefit_led]"],
            return_hydra_config=with_hydra,
        )
    copied = copy_config(base)
    assert ("hydra" in copied) is with_hydra
    assert OmegaConf.to_yaml(copied) == OmegaConf.to_yaml(copy.deepcopy(base))
    assert OmegaConf.get_type(copied.population) is OmegaConf.get_type(base.population)
    with pytest.raises(ValidationError):  # the schema's types still hold
        copied.population.size = "many"
    with pytest.raises(ConfigAttributeError):  # and struct mode: no new keys
        copied.population.unknown = 1
    copied.population.size = 123
    copied.strategy.entitlement.steps[0].day = 9
    assert base.population.size != 123 and base.strategy.entitlement.steps[0].day != 9
