"""A launched job's config, each choice of groups composed once per process at most.

``sim.cli.shard.load_sweep_config`` stands in for Hydra's ``load_sweep_config`` in the launchers:
a joblib worker no longer composes the sweep's groups for each shard it runs, and a job of the
sweep's own groups starts from the sweep's config. It must give the config Hydra gives, ``hydra``
node included.
"""

from __future__ import annotations

from typing import Any

from hydra.core.global_hydra import GlobalHydra
from hydra.types import RunMode
from omegaconf import OmegaConf

from sim.cli import shard

#: The sweep's command line, as Hydra's multirun composes it (-m adds hydra.mode=MULTIRUN).
SWEEP = [
    "hydra/launcher=joblib",
    "hydra.launcher.n_jobs=2",
    "hydra.sweep.dir=sweeps/x",
    "population.size=150",
    "seed=range(0,3)",
    "hydra.mode=MULTIRUN",
]
#: Launched jobs' overrides, and whether the sweep's own config serves as their base.
JOBS = [
    (["population.size=150", "seed=1", "hydra.sweep.subdir=1"], True),
    (["population.size=150", "seed=2", "hydra.sweep.subdir=2"], True),
    (["seed=2", "hydra.sweep.subdir=3"], False),  # does not set population.size again
    (["strategy=[entitlement,nurture]", "population=cold_list", "hydra.sweep.subdir=4"], False),
    (["+experiment=cool_down", "seed=5", "hydra.sweep.subdir=5"], False),
    (["population.size=150", "model.answer_base=0.07", "hydra.job.name=other"], True),
]


def _yaml(cfg: Any) -> str:
    return OmegaConf.to_yaml(cfg)


def test_launched_configs_are_hydras_own(hydra_context: None) -> None:
    loader = GlobalHydra.instance().config_loader()
    master = loader.load_configuration("config", SWEEP, RunMode.MULTIRUN)
    # As the launchers leave it after a job whose folder could not be set up (HydraConfig's
    # set_config makes the sweep's hydra node read-only).
    OmegaConf.set_readonly(master.hydra, True)
    shard.LAUNCHED.clear()
    try:
        composed = 0
        for job, served in JOBS:
            ours = shard.load_sweep_config(loader, master, job)
            assert _yaml(ours) == _yaml(loader.load_sweep_config(master, job)), job
            bases = shard.LAUNCHED["config"].bases
            # A job the sweep's config serves composes nothing; the others once per choice.
            composed += 0 if served else int(len(bases) > composed)
            assert len(bases) == composed, job
        # The others: the sweep's groups (for the job that did not set every value), strategy
        # and population, the experiment.
        assert composed == 3
    finally:
        shard.LAUNCHED.clear()
