"""Every workshop study from the command line writes its study report, or fails loudly.

``outreach-sim +experiment=NAME`` is what the README promises for each of the seven studies; at
a tiny size each must end with exit 0 and its ``report.html``. A report that cannot be written is
a failure: exit 1 and one line, never a warning and exit 0.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from omegaconf import OmegaConf

from sim.report.study import STUDIES
from tests.cli_helpers import run

#: Small enough for a test (as tests/test_wheel.py runs them); every arm and job still runs.
TINY = ["population.size=40", "replications=2", "horizon_days=30"]
#: A study's own settings that a 30-day horizon shortens (its second wave comes before the end).
EXTRA = {"hook_volume": ["market.second_wave_day=20"]}


@pytest.mark.slow  # seven commands, 5 to 35 s each on a loaded two-core machine
@pytest.mark.parametrize("study", STUDIES)
def test_every_study_writes_its_report_from_the_command_line(study: str, tmp_path: Path) -> None:
    folders = ["hydra.run.dir=run", "hydra.sweep.dir=sweep"]
    done = run([f"+experiment={study}", *TINY, *EXTRA.get(study, []), *folders], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "warning: the study report" not in done.stderr and "Traceback" not in done.stderr
    reports = [tmp_path / where / "report.html" for where in ("run", "sweep")]
    assert any(r.is_file() for r in reports), done.stderr
    page = next(r for r in reports if r.is_file()).read_text()
    assert "<html" in page


def test_a_study_report_that_cannot_be_written_exits_1_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sim.report.study
    import sim.run.registry
    from sim.cli.sweep import _study_report

    def broken(out_dir: object, cfg: object) -> None:
        raise ValueError("GlobalHydra is already initialized\nsecond line")

    monkeypatch.setattr(sim.report.study, "write_study_report", broken)
    monkeypatch.setattr(sim.run.registry, "to_experiment", lambda task: task)
    config = OmegaConf.create({"hydra": {}, "study": "cool_down"})
    with pytest.raises(SystemExit) as stopped:
        _study_report(tmp_path, config)
    assert stopped.value.code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: the study report could not be written")
    assert "GlobalHydra is already initialized" in err and "second line" not in err
