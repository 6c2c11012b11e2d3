"""A shard composes its configurations once per choice of groups, with the same results.

:class:`sim.cli.shard.ShardComposer` must give each configuration the task config, overrides and
group choices that a full composition (:func:`sim.cli.shard.compose_configuration`, what a
launcher does) gives: the same ``config.yaml`` bytes, hence the same config hash and the same
results.
"""

from __future__ import annotations

import os
from pathlib import Path

from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from sim.cli import shard
from sim.cli.resume import resolved_yaml
from sim.run.aside import experiment_with
from sim.run.compose import register_resolvers
from sim.run.registry import CONF_DIR, register_configs, to_experiment

#: A shard's configurations: plain values, group choices (strategy, population, an experiment),
#: additions and deletions, and one that sets a ``hydra.*`` value (composed in full).
SHARD = [
    ["seed=1", "population.size=150"],
    ["seed=2", "population.size=150"],
    ["strategy=[entitlement,nurture]", "population=cold_list", "seed=2", "horizon_days=30"],
    ["population=house_list", "strategy=[entitlement,bombard]", "seed=7"],
    ["population=house_list", "strategy=[entitlement,bombard]", "seed=8", "replications=2"],
    ["+experiment=cool_down", "seed=5"],
    ["seed=3", "model.answer_base=0.07", "credit=last_touch"],
    ["seed=4", "hydra.job.name=other"],
    ["seed=9"],  # the head's own keys: the head's config is its base (no composition)
    ["seed=10", "worlds=2"],  # with its worlds
    ["seed=11", "model.worlds.source=another"],  # its worlds changed: composed with them
]


def test_a_shard_composes_each_configuration_as_a_full_composition_does(tmp_path: Path) -> None:
    register_configs()
    register_resolvers()
    with initialize_config_dir(str(CONF_DIR), version_base="1.3", job_name="outreach-sim"):
        head = compose(
            "config",
            overrides=["hydra/launcher=joblib", "seed=0"],
            return_hydra_config=True,
        )
        hc = head.hydra
        composer = shard.ShardComposer(hc, head, {})
        for number, overrides in enumerate(SHARD):
            full = shard.compose_configuration(hc, head, overrides, tmp_path, number)
            fast = composer.configuration(overrides, tmp_path, number)
            # Made without the model's worlds when it runs in one world (sim.run.aside): the
            # same config.yaml bytes and experiment once they are put back.
            light = not any(o.startswith(("worlds=", "model.worlds", "hydra.")) for o in overrides)
            assert (fast.aside is not None) == light, overrides
            assert resolved_yaml(fast.cfg, fast.aside) == resolved_yaml(full.cfg), overrides
            # The task's overrides, as Hydra records them (hydra.* ones are not the task's).
            assert fast.overrides == full.overrides
            assert fast.overrides == [o for o in overrides if not o.startswith("hydra.")]
            assert fast.choices == full.choices, overrides
            exp = experiment_with(to_experiment(fast.cfg), fast.aside)
            assert exp == to_experiment(full.cfg), overrides
        # Once per distinct choice of groups: (none), two of strategy and population, experiment;
        # and the head's own config, which served seed=9.
        assert len(composer.groups.bases) == 5
        assert composer.groups.bases[(shard.HEAD,)].applied == ("seed",)


def test_config_yaml_is_what_omegaconf_writes() -> None:
    # resolved_yaml dumps the plain tree directly: the bytes (and so every config hash, which
    # resume compares with earlier results) must be OmegaConf's own.
    register_configs()
    register_resolvers()
    with initialize_config_dir(str(CONF_DIR), version_base="1.3", job_name="outreach-sim"):
        for overrides in (["seed=3"], ["+experiment=cool_down"], ["population=mixed"]):
            cfg = compose("config", overrides=overrides)
            plain = OmegaConf.to_container(cfg, resolve=True)
            assert isinstance(plain, dict)
            plain.pop("resume")
            plain.pop("outputs")
            assert resolved_yaml(cfg) == OmegaConf.to_yaml(OmegaConf.create(plain))


def test_a_joblib_sweeps_workers_start_early_and_the_launcher_reuses_them() -> None:
    import threading

    from hydra.utils import instantiate
    from joblib import Parallel, delayed
    from joblib.externals.loky import reusable_executor

    from sim.cli.workers import joblib_settings, start_workers, stop_workers

    register_configs()
    with initialize_config_dir(str(CONF_DIR), version_base="1.3", job_name="outreach-sim"):
        cfg = compose(
            "config",
            overrides=["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"],
            return_hydra_config=True,
        )
    try:
        start_workers(cfg)
        for thread in threading.enumerate():
            if thread.name == "outreach-sim-warm-workers":
                thread.join(timeout=120)
        warmed = reusable_executor._executor
        assert warmed is not None
        launcher = instantiate(cfg.hydra.launcher)  # as Hydra makes the launcher
        pids = Parallel(**joblib_settings(launcher.joblib))(delayed(os.getpid)() for _ in range(4))
        # The launcher's Parallel ran on the workers that were started early: no new executor.
        assert reusable_executor._executor is warmed
        assert os.getpid() not in pids
    finally:
        stop_workers()
