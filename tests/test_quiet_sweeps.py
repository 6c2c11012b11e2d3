"""Sweeps fast and quiet without knowing the knobs: the chosen shard size, the bar, the hint."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from sim.cli.app import interrupted_line, resume_command
from sim.cli.shard import auto_shard_size, sweeper_shard_size
from sim.cli.sweep import SweepState, progress_line
from sim.run.outputs import PLAN_FILE, write_json

BASIC = "hydra_plugins.outreach_sim_launchers.SafeBasicLauncher"
JOBLIB = "hydra_plugins.outreach_sim_launchers.SafeJoblibLauncher"
SLURM = "hydra_plugins.outreach_sim_launchers.submitit_launchers.SafeSlurmLauncher"


def _config(target: str, shard_size: int | None = None, **launcher: object) -> object:
    return OmegaConf.create(
        {
            "hydra": {
                "launcher": {"_target_": target, **launcher},
                "sweeper": {"shard_size": shard_size, "max_jobs": None},
            }
        }
    )


@pytest.mark.parametrize(
    ("target", "launcher", "jobs", "size"),
    [
        (BASIC, {}, 36, 18),  # one worker: two shards
        (JOBLIB, {"n_jobs": 2}, 36, 9),  # two workers: four shards
        (JOBLIB, {"n_jobs": 2}, 3, 1),
        (JOBLIB, {"n_jobs": 4}, 36, 5),
        (SLURM, {}, 36, 1),  # a cluster: one configuration per array task, as before
    ],
)
def test_the_sweep_chooses_about_two_shards_per_local_worker(
    target: str, launcher: dict[str, object], jobs: int, size: int
) -> None:
    config = _config(target, **launcher)
    assert auto_shard_size(config, jobs) == size  # type: ignore[arg-type]
    assert sweeper_shard_size(config, jobs) == size  # type: ignore[arg-type]


def test_a_shard_size_the_user_gives_is_kept() -> None:
    config = _config(JOBLIB, shard_size=1, n_jobs=2)
    assert sweeper_shard_size(config, 36) == 1  # type: ignore[arg-type]


class _Terminal:
    """A stderr that says it is a terminal and keeps what was written."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> int:
        self.text += text
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return True


def test_on_a_terminal_a_sweep_draws_one_bar(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_json(tmp_path / PLAN_FILE, {"overrides": [], "jobs": [["seed=1"], ["seed=2"]]})
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    (tmp_path / "0").mkdir()
    (tmp_path / "0" / "manifest.json").write_text("{}")
    progress_line(tmp_path, 0, "ok", 1.0, ["seed=1"])
    assert terminal.text == "\r\x1b[K[1/2] " + "#" * 15 + "-" * 15 + " 50% jobs"
    (tmp_path / "1").mkdir()
    (tmp_path / "1" / "manifest.json").write_text("{}")
    terminal.text = ""
    progress_line(tmp_path, 1, "FAILED", 1.0, ["seed=2"])
    # A failure gets a line of its own; the bar ends with a newline once every job is done.
    assert terminal.text.startswith("\r\x1b[K[2/2] job 1 FAILED in 1.0 s: seed=2\n")
    assert terminal.text.endswith("100% jobs\n")


def test_elsewhere_a_progress_line_is_short(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = _Terminal()
    monkeypatch.setattr(log, "isatty", lambda: False)
    monkeypatch.setattr(sys, "stderr", log)
    progress_line(tmp_path, 0, "ok", 1.0, [f"strategy.arm.key{k}=value" for k in range(20)])
    assert len(log.text) == 101 and log.text.endswith("...\n") and log.text.count("\n") == 1


def test_the_resume_hint_works_when_pasted(tmp_path: Path) -> None:
    state = SweepState()
    state.started.append(tmp_path / "my sweep")
    argv = ["-m", "strategy=[entitlement,benefit_led]", "seed=1,2", "resume=false"]
    line = interrupted_line(argv, state)
    command = line.split("finish the rest with: ", 1)[1]
    # Quoted for the shell: brackets (a zsh glob) and the space in the folder survive a paste.
    assert shlex.split(command) == [
        sys.executable,
        "-m",
        "sim",
        "-m",
        "strategy=[entitlement,benefit_led]",
        "seed=1,2",
        f"hydra.sweep.dir={tmp_path / 'my sweep'}",
        "resume=true",
    ]
    assert "'strategy=[entitlement,benefit_led]'" in command
    assert resume_command(["a b"]) == f"{shlex.quote(sys.executable)} -m sim 'a b'"


def test_hydras_launch_lines_only_when_asked(tmp_path: Path) -> None:
    from tests.cli_helpers import run

    tiny = ["-m", "seed=1,2", "population.size=30", "replications=1", "horizon_days=10"]
    tiny += ["strategy=[entitlement]", "baseline=entitlement"]
    quiet = run([*tiny, "hydra.sweep.dir=quiet"], tmp_path)
    assert quiet.returncode == 0, quiet.stderr
    assert "[HYDRA]" not in quiet.stdout + quiet.stderr
    asked = run([*tiny, "hydra.sweep.dir=asked", "hydra.verbose=outreach_sim.launch"], tmp_path)
    assert asked.returncode == 0, asked.stderr
    assert "#0 : seed=1" in asked.stdout and "#1 : seed=2" in asked.stdout
