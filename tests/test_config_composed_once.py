"""A job's config is composed and validated once by the app, each choice of groups once a sweep."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hydra import initialize_config_dir
from omegaconf import OmegaConf, open_dict

from sim.cli import composer as composing
from sim.cli import guard, preflight
from sim.run.compose import register_resolvers
from sim.run.registry import CONF_DIR, register_configs, to_experiment
from tests.cli_helpers import run

COUNT = r"""
import json, sys
import hydra._internal.config_loader_impl as loader
import sim.run.api, sim.model.config, sim.run.registry, sim.model.strategy
counts = {"compose": 0, "validate": 0, "validate_strategy": 0}

def counted(name, f):
    def wrapper(*a, **k):
        counts[name] += 1
        return f(*a, **k)
    return wrapper

loader.ConfigLoaderImpl.load_configuration = counted(
    "compose", loader.ConfigLoaderImpl.load_configuration
)
check = counted("validate", sim.model.config.validate)
sim.run.registry.validate = sim.run.api.validate = check
strategy_check = counted("validate_strategy", sim.model.config.validate_strategy)
sim.model.strategy.validate_strategy = strategy_check
sim.model.config.validate_strategy = sim.model.strategy.validate_strategy
import sim.cli.app
sys.argv = ["outreach-sim", *sys.argv[1:]]
sim.cli.app.main()
print(json.dumps(counts))
"""


def test_a_single_run_composes_once_beyond_hydras_own_and_validates_once_per_process(
    tmp_path: Path,
) -> None:
    args = ["population.size=100", "replications=3", "horizon_days=20", f"hydra.run.dir={tmp_path}"]
    done = subprocess.run(
        [sys.executable, "-c", COUNT, *args], capture_output=True, text=True, check=True
    )
    counts = json.loads(done.stdout.strip().splitlines()[-1])
    # One composition by the pre-flight guard, one by Hydra itself for the job: Hydra's own
    # composition to read its mode is answered from the pre-flight's (sim.run.compose.known_mode).
    assert counts["compose"] == 2
    # Once in the pre-flight, once when the job turns its config into dataclasses; never again
    # per replicate: the six default arms' strategies are checked twice in all.
    assert counts["validate"] == 2
    assert counts["validate_strategy"] == 2 * 6


#: Sampled jobs of sweeps: plain values, group choices (strategy, population, a launcher, an
#: experiment) and additions, each composed in full and by the pre-flight's fast path.
SAMPLED_JOBS = [
    ["seed=3", "population.size=150"],
    ["strategy=[entitlement,nurture]", "population=cold_list", "seed=2", "horizon_days=30"],
    ["population=house_list", "strategy=[entitlement,bombard]", "seed=7"],
    ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2", "population.size=120"],
    ["+experiment=cool_down", "seed=5"],
    ["population.size=-3"],
    ["seed=3", "population.size=150", "replications=4"],
]


def _plain(cfg: Any) -> Any:
    tree = OmegaConf.to_container(cfg, resolve=False)
    tree["hydra"].pop("runtime")  # the process's cwd and versions: the same for both
    return tree


def test_the_fast_path_gives_the_configs_and_errors_a_full_composition_gives() -> None:
    register_configs()
    register_resolvers()
    with initialize_config_dir(str(CONF_DIR), version_base="1.3", job_name="outreach-sim"):
        composer = composing.PreflightComposer("config")
        for job in SAMPLED_JOBS:
            full = composing.compose_job("config", job)
            fast = composer.compose(job)
            assert _plain(fast) == _plain(full), job
            outcome = []
            for cfg in (full, fast):
                try:
                    guard.check_job(cfg, validate=True)
                    task = cfg.copy()
                    with open_dict(task):
                        del task["hydra"]
                    outcome.append(to_experiment(task))
                except guard.UserError as exc:
                    outcome.append(str(exc))
            assert outcome[0] == outcome[1], job
        # Fewer compositions than jobs: once per distinct choice of groups (and search path).
        assert len(composer.groups.bases) == 5
        for bad in (["strategy.entitlement.max_touches=4"], ["population=nowhere", "seed=1"]):
            with pytest.raises(guard.UserError) as full_error:
                composing.compose_job("config", bad)
            with pytest.raises(guard.UserError) as fast_error:
                composer.compose(bad)
            assert str(fast_error.value) == str(full_error.value)


def test_a_bad_value_in_the_150th_configuration_is_refused_before_anything_runs(
    tmp_path: Path,
) -> None:
    sizes = ",".join([*(str(100 + i) for i in range(149)), "-5"])
    args = ["-m", "strategy=[entitlement,nurture]", f"population.size={sizes}"]
    with pytest.raises(guard.UserError, match=r"population\.size=-5"):
        preflight.check_command(args)
    work = tmp_path / "work"
    work.mkdir()
    proc = run([*args, "replications=2", "horizon_days=20"], work)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "population.size" in lines[0]
    assert not list(work.iterdir()), "nothing written"


def test_a_job_in_one_world_is_checked_without_the_worlds_its_base_had_checked() -> None:
    # sim.run.aside: the model's worlds are most of a config; once a job of a choice of groups
    # has passed in full, the next ones are made without them, the same config once put back.
    from sim.cli.resume import resolved_yaml
    from sim.run.aside import experiment_with

    register_configs()
    register_resolvers()
    with initialize_config_dir(str(CONF_DIR), version_base="1.3", job_name="outreach-sim"):
        composer = composing.PreflightComposer("config")
        first, aside = composer.compose_light(["seed=1", "population.size=150"])
        assert aside is None, "no job of these groups has passed yet: composed with its worlds"
        guard.check_job(first, validate=True)
        composer.passed()
        for job in (["seed=2", "population.size=150"], ["seed=3", "horizon_days=30"]):
            cfg, aside = composer.compose_light(job)
            assert aside is not None and cfg.model.worlds is None, job
            full = composing.compose_job("config", job)
            tasks = []
            for each in (cfg, full):
                task = each.copy()
                with open_dict(task):
                    del task["hydra"]
                tasks.append(task)
            assert resolved_yaml(tasks[0], aside) == resolved_yaml(tasks[1]), job
            exp = experiment_with(to_experiment(tasks[0]), aside)
            assert exp == to_experiment(tasks[1]), job
        # Jobs that run worlds, or change them, keep their own.
        for job in (["seed=4", "worlds=3"], ["model.worlds.source=mine"]):
            assert composer.compose_light(job)[1] is None, job
