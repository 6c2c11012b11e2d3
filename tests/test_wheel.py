"""A built wheel carries the configs, the study notes and the launchers: in a fresh venv, it runs
from any folder, every workshop study included."""

from __future__ import annotations

import html
import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from sim.report.study import STUDIES, read_note

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow
#: Small enough for a test; a study still runs every arm (and every job of its sweep).
SMALL_STUDY = ["population.size=100", "replications=2", "horizon_days=30"]
#: A study's own settings that a 30-day horizon shortens (a second wave comes before the end).
STUDY_EXTRA = {"hook_volume": ["market.second_wave_day=20"]}
#: The installed package only: a PYTHONPATH (a source tree first on the path) is not passed on.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def _pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", *args], check=True, capture_output=True, env=ENV)


@dataclass(frozen=True)
class Installed:
    """The wheel's files, and the fresh venv it is installed in."""

    names: list[str]
    python: Path
    app: str
    site: Path


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """The project built as a wheel and installed, without its dependencies, in a fresh venv."""
    tmp_path = tmp_path_factory.mktemp("wheel")
    wheels = tmp_path / "wheels"
    _pip("wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT))
    (wheel,) = wheels.glob("outreach_sim-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
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
    return Installed(names, python, str(fresh / "bin" / "outreach-sim"), site)


def test_the_wheel_installed_in_a_fresh_venv_runs_from_another_folder(
    installed: Installed, tmp_path: Path
) -> None:
    names, python, app, site = installed.names, installed.python, installed.app, installed.site
    assert "sim/conf/config.yaml" in names
    assert any(n.startswith("sim/conf/strategy/") and n.endswith(".yaml") for n in names)
    assert "hydra_plugins/outreach_sim_launchers/__init__.py" in names
    assert {f"sim/report/study/notes/{name}.md" for name in STUDIES} <= set(names)
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
        env=ENV,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    assert all(path.startswith(str(site)) for path in where), where
    small = ["population.size=50", "replications=1", "horizon_days=10"]
    done = subprocess.run(
        [app, *small, "strategy=[entitlement,benefit_led]"],
        cwd=elsewhere,
        env=ENV,
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
        env=ENV,
        capture_output=True,
        text=True,
        check=False,
    )
    assert swept.returncode == 0, swept.stderr
    assert (elsewhere / "sweep" / "sweep_summary.csv").is_file()


@pytest.mark.parametrize("study", STUDIES)
def test_the_installed_wheel_runs_every_study_from_another_folder(
    installed: Installed, study: str, tmp_path: Path
) -> None:
    folders = ["hydra.run.dir=run", "hydra.sweep.dir=sweep"]
    done = subprocess.run(
        [
            installed.app,
            f"+experiment={study}",
            *SMALL_STUDY,
            *STUDY_EXTRA.get(study, []),
            *folders,
        ],
        cwd=tmp_path,
        env=ENV,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "failed" not in done.stderr, done.stderr
    # A single run writes the study's report in its folder; a sweep at the sweep's root.
    (report,) = [p for p in (tmp_path / "run", tmp_path / "sweep") if p.is_dir()]
    page = (report / "report.html").read_text()
    assert html.escape(read_note(study).title, quote=False) in page  # the note, from the wheel
    assert "typical prospect" in page  # the journeys, traced by the installed package
