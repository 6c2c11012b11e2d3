"""A built wheel carries the configs and the launchers: in a fresh venv, it runs from any folder."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", *args], check=True, capture_output=True)


def test_the_wheel_installed_in_a_fresh_venv_runs_from_another_folder(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    _pip("wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT))
    (wheel,) = wheels.glob("outreach_sim-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "sim/conf/config.yaml" in names
    assert any(n.startswith("sim/conf/strategy/") and n.endswith(".yaml") for n in names)
    assert "hydra_plugins/outreach_sim_launchers/__init__.py" in names
    # A fresh venv of its own. Its dependencies come from this venv's site-packages through a
    # .pth line (no network, and unlike --system-site-packages it sees these pinned versions);
    # .pth files of that folder are not run, so this venv's editable install is not seen.
    fresh = tmp_path / "fresh"
    venv.create(fresh, with_pip=False)
    python = fresh / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _pip("--python", str(python), "install", "--no-deps", "--no-index", "-q", str(wheel))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run(
        [
            str(python),
            "-c",
            "import sim, hydra_plugins.outreach_sim_launchers as l; "
            "print(sim.__file__); print(l.__file__)",
        ],
        cwd=elsewhere,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    assert all(path.startswith(str(site)) for path in where), where
    app = str(fresh / "bin" / "outreach-sim")
    small = ["population.size=50", "replications=1", "horizon_days=10"]
    done = subprocess.run(
        [app, *small, "strategy=[entitlement,benefit_led]"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Outreach comparison: 50 prospects" in done.stdout
    assert (elsewhere / "results" / "runs").is_dir()
    # A sweep goes through the packaged launchers (hydra_plugins/outreach_sim_launchers).
    swept = subprocess.run(
        [
            app,
            "-m",
            "seed=1,2",
            *small,
            "strategy=[entitlement]",
            "baseline=entitlement",
            "hydra.sweep.dir=sweep",
        ],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=False,
    )
    assert swept.returncode == 0, swept.stderr
    assert (elsewhere / "sweep" / "sweep_summary.csv").is_file()
