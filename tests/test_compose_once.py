"""A job's config is composed and validated once by the app (issue: 4 compositions, 3 checks)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

COUNT = r"""
import json, sys
import hydra._internal.config_loader_impl as loader
import sim.api, sim.config, sim.registry, sim.strategy
counts = {"compose": 0, "validate": 0, "validate_strategy": 0}

def counted(name, f):
    def wrapper(*a, **k):
        counts[name] += 1
        return f(*a, **k)
    return wrapper

loader.ConfigLoaderImpl.load_configuration = counted(
    "compose", loader.ConfigLoaderImpl.load_configuration
)
check = counted("validate", sim.config.validate)
sim.registry.validate = sim.api.validate = check
sim.strategy.validate_strategy = counted("validate_strategy", sim.config.validate_strategy)
sim.config.validate_strategy = sim.strategy.validate_strategy
import sim.app
sys.argv = ["outreach-sim", *sys.argv[1:]]
sim.app.main()
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
    # One composition by the pre-flight guard, two by Hydra itself (its mode, then the job).
    assert counts["compose"] == 3
    # Once in the pre-flight, once when the job turns its config into dataclasses; never again
    # per replicate: the six default arms' strategies are checked twice in all.
    assert counts["validate"] == 2
    assert counts["validate_strategy"] == 2 * 6
