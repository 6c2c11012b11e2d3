"""Configs are data on the side paths: ``sim.run.registry.compose``, user files, output folders.

The catalogue (``tests/reliability/hydra.py``) runs the command line; what it cannot express (a
Python call, a file that is not UTF-8, the home folder) is tested here and named in its FAULTS.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from sim.cli import outdirs
from sim.cli.preflight import preflight
from sim.model.config import ConfigError
from sim.run import registry, userfiles

STEP = "{day: 0, channel: email, message: benefit_led}"


def _pwn_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A module ``pwnpkg`` on ``sys.path`` whose import creates ``MARKER``."""
    marker = tmp_path / "MARKER"
    (tmp_path / "site" / "pwnpkg").mkdir(parents=True)
    (tmp_path / "site" / "pwnpkg" / "__init__.py").write_text(
        f"open({str(marker)!r}, 'w').close()\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    return marker


def test_registry_compose_refuses_a_pkg_searchpath_without_importing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = _pwn_package(tmp_path, monkeypatch)
    for call in (
        lambda: registry.compose(["hydra.searchpath=[pkg://pwnpkg]"]),
        lambda: registry.compose_all([["seed=1"], ["hydra.searchpath=[pkg://pwnpkg]"]]),
    ):
        with pytest.raises(ConfigError, match=r"pkg://pwnpkg.*would import a module"):
            call()
    assert not marker.exists() and "pwnpkg" not in sys.modules


def test_registry_compose_does_not_resolve_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OUTREACH_SECRET", "hunter2")
    for override in (
        "strategy.benefit_led.label=${oc.env:OUTREACH_SECRET}",
        "+seed_note=${oc.env:OUTREACH_SECRET,x}",
    ):
        with pytest.raises(ConfigError, match="cannot read the environment") as caught:
            registry.compose([override])
        assert "hunter2" not in str(caught.value)
    # A second stage: oc.env named by another value, which the unresolved text does not show.
    dynamic = [
        "strategy.entitlement.label=oc.env",
        "strategy.benefit_led.label='${${strategy.entitlement.label}:OUTREACH_SECRET}'",
    ]
    with pytest.raises(ConfigError, match="cannot itself be an interpolation") as caught:
        registry.compose(dynamic)
    assert "hunter2" not in str(caught.value)
    with pytest.raises(ConfigError, match="cannot read the environment"):
        registry.compose_all([["strategy.benefit_led.label=${oc.env:OUTREACH_SECRET}"]])


def test_registry_compose_refuses_hydra_settings_in_a_users_file(tmp_path: Path) -> None:
    (tmp_path / "strategy").mkdir()
    (tmp_path / "strategy" / "mm.yaml").write_text(
        f"# @package _global_\nhydra:\n  mode: MULTIRUN\nstrategy:\n  mm:\n    steps: [{STEP}]\n"
    )
    with pytest.raises(ConfigError, match=r"mm\.yaml: hydra\.mode='MULTIRUN'"):
        registry.compose([f"hydra.searchpath=[file://{tmp_path}]", "strategy=[entitlement,mm]"])


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert preflight(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), captured.err
    assert not captured.out
    return lines[0]


def test_a_latin1_strategy_file_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "strategy").mkdir()
    text = f"lat:\n  label: Caf\u00e9 cadence\n  steps: [{STEP}]\n"
    (tmp_path / "strategy" / "lat.yaml").write_bytes(text.encode("latin-1"))
    monkeypatch.chdir(tmp_path)
    line = _refused([f"hydra.searchpath=[file://{tmp_path}]", "strategy=[entitlement,lat]"], capsys)
    assert "strategy/lat.yaml" in line and "UTF-8" in line and "0xe9" in line, line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["strategy"]


def test_a_config_file_too_large_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "strategy").mkdir()
    big = tmp_path / "strategy" / "big.yaml"
    big.write_text("big:\n  steps: [" + ", ".join([STEP] * 300) + "]\n")
    monkeypatch.setattr(userfiles, "MAX_FILE_BYTES", 1024)
    with pytest.raises(ConfigError, match=r"big\.yaml=.*bytes.*at most"):
        userfiles.check_config_file(big)


def test_the_home_folder_is_not_an_output_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    small = ["population.size=20", "replications=1", "strategy=[entitlement]"]
    for where, words in ((home, "the home folder"), (tmp_path, "a parent of the")):
        line = _refused([*small, f"hydra.run.dir={where}"], capsys)
        assert "hydra.run.dir" in line and words in line, line
    assert not any(home.iterdir()) and not any(work.iterdir())


def test_the_programs_own_folders_are_reused_and_others_refused(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    (sweep / "0").mkdir(parents=True)
    assert outdirs.foreign_entry(sweep) is None  # an empty job folder (a read-only one, say)
    (sweep / "0" / "manifest.json").write_text("{}")
    (sweep / "0" / "metrics.csv").write_text("a\n")
    assert outdirs.foreign_entry(sweep) is None  # a job the program wrote
    (sweep / "sweep.json").write_text("{}")
    (sweep / "notes.txt").write_text("mine\n")
    assert outdirs.foreign_entry(sweep) is None  # a sweep's root: resume=true runs it again
    mine = tmp_path / "mine"
    (mine / "sub").mkdir(parents=True)
    (mine / "sub" / "metrics.csv").write_text("a\n")
    assert outdirs.foreign_entry(mine) == "sub"
    (mine / "manifest.json").write_text("{}")
    assert outdirs.foreign_entry(mine) is None


def test_shell_completion_does_not_import_a_pkg_searchpath(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = _pwn_package(tmp_path, monkeypatch)
    monkeypatch.chdir(tmp_path)
    # What bash gives Hydra's completion on TAB (hydra/_internal/core_plugins/bash_completion.py).
    monkeypatch.setenv("COMP_LINE", "outreach-sim hydra.searchpath=[pkg://pwnpkg] st")
    line = _refused(["-sc", "query=bash"], capsys)
    assert "pkg://pwnpkg" in line and not marker.exists()


def test_only_the_folders_hydra_could_read_are_checked(tmp_path: Path) -> None:
    (tmp_path / "strategy").mkdir()
    (tmp_path / "strategy" / "mine.yaml").write_text(f"mine:\n  steps: [{STEP}]\n")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "old.yaml").write_bytes("caf\u00e9: 1\n".encode("latin-1"))
    searchpath = f"hydra.searchpath=[file://{tmp_path}]"
    exp = registry.compose([searchpath, "strategy=[entitlement,mine]"])
    assert list(exp.strategy) == ["entitlement", "mine"]
    # The same file in a group that an override names is read, and refused.
    with pytest.raises(ConfigError, match=r"notes/old\.yaml.*UTF-8"):
        registry.compose([searchpath, "+notes=old"])


def test_a_run_folder_the_program_wrote_is_accepted_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    run = tmp_path / "out"
    run.mkdir()
    (run / "metrics.csv").write_text("a\n")
    small = ["population.size=20", "replications=1", "strategy=[entitlement]", "hydra.run.dir=out"]
    line = _refused(small, capsys)
    assert "'metrics.csv', which it did not write" in line, line
    (run / "manifest.json").write_text('{"status": "failed"}')  # an earlier run's record
    assert preflight(small) != 2
