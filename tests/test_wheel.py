"""A built wheel carries the configs: installed on its own, it runs from any folder."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_holds_the_configs_and_runs_from_another_folder(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(wheels),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("outreach_sim-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "sim/conf/config.yaml" in names
    assert any(n.startswith("sim/conf/strategy/") and n.endswith(".yaml") for n in names)
    # Installed alone into a folder of its own, ahead of the editable install on the path.
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = (
        "import sys, sim; assert sim.__file__.startswith(sys.argv[1]), sim.__file__; "
        "from sim.app import main; sys.argv = ['outreach-sim', *sys.argv[2:]]; main()"
    )
    env = dict(os.environ, PYTHONPATH=str(target))
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            str(target),
            "population.size=50",
            "replications=1",
            "horizon_days=10",
            "strategy=[entitlement,benefit_led]",
        ],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Outreach comparison: 50 prospects" in done.stdout
    assert (elsewhere / "results" / "runs").is_dir()
