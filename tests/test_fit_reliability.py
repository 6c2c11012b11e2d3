"""Faults of ``outreach-sim-fit`` the catalogue names (tests/reliability/fit.py): signals, a full
disk, files that are not logs, arguments that would be interpolated, fits that mean nothing."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.fit import atomic, cli, guards
from sim.fit.estimate import Estimate, FitResult
from tests.reliability.fit import GOOD, log_text

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "touch_log.csv"
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "0"}


def _everything(folder: Path) -> dict[str, bytes | None]:
    """Every file and folder under ``folder`` (hidden ones too) with its bytes."""
    return {
        str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None)
        for p in sorted(folder.rglob("*"))
    }


def _one_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    return lines[0]


def _signalled(tmp_path: Path, sig: signal.Signals) -> subprocess.CompletedProcess[str]:
    """The example log's fit, sent ``sig`` a moment after it starts fitting."""
    (tmp_path / "log.csv").write_bytes(EXAMPLE.read_bytes())
    fit = subprocess.Popen(
        [sys.executable, "-m", "sim.fit", "log.csv", "--paths", "2"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    assert fit.stdout is not None
    first = fit.stdout.readline()
    assert first.startswith("fitting "), first
    time.sleep(1.0)
    fit.send_signal(sig)
    out, err = fit.communicate(timeout=120)
    return subprocess.CompletedProcess(fit.args, fit.returncode, first + out, err)


def test_sigint_to_a_running_fit_is_one_line_exit_130(tmp_path: Path) -> None:
    done = _signalled(tmp_path, signal.SIGINT)
    assert done.returncode == 130, done.stderr
    assert "interrupted by SIGINT" in _one_error(done.stderr)
    assert sorted(_everything(tmp_path)) == ["log.csv"]  # no model, no folder, no temporary


def test_sigterm_to_a_running_fit_is_one_line_exit_143(tmp_path: Path) -> None:
    done = _signalled(tmp_path, signal.SIGTERM)
    assert done.returncode == 143, done.stderr
    assert "interrupted by SIGTERM" in _one_error(done.stderr)
    assert sorted(_everything(tmp_path)) == ["log.csv"]


FULL_DISK = """
import errno, pathlib, sys
def full(self, data):
    raise OSError(errno.ENOSPC, "No space left on device", str(self))
pathlib.Path.write_bytes = full  # the figures: written after the tables, before the configs
from sim.fit.cli import main
sys.argv = ["outreach-sim-fit", "log.csv", "--paths", "2"]
main()
"""


def _earlier_fit(tmp_path: Path) -> None:
    """What an earlier fit named ``log`` left: its folder and its two config files."""
    folder = tmp_path / "results" / "fits" / "log"
    folder.mkdir(parents=True)
    (folder / "fit.json").write_text('{"earlier": true}\n')
    (folder / "estimates.csv").write_text("parameter\nearlier\n")
    for rel, head in (("model", "# Model"), ("model/worlds", "# Plausible worlds of the model")):
        (tmp_path / "conf" / rel).mkdir(parents=True, exist_ok=True)
        (tmp_path / "conf" / rel / "fitted_log.yaml").write_text(f"{head} fitted to x\na: 1\n")


def test_a_full_disk_leaves_nothing_and_the_earlier_fit(tmp_path: Path) -> None:
    """ENOSPC while the files are written: one line, exit 1, the earlier fit as it was."""
    (tmp_path / "log.csv").write_text(GOOD, encoding="utf-8")  # fits in under a second
    _earlier_fit(tmp_path)
    before = _everything(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", FULL_DISK],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=ENV,
        check=False,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    line = _one_error(done.stderr)
    assert "could not be written" in line and "No space left on device" in line
    assert _everything(tmp_path) == before


def test_an_interrupt_mid_write_puts_the_earlier_fit_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGINT after the new folder is in place, before the configs: all of it is undone."""
    _earlier_fit(tmp_path)
    (tmp_path / "conf" / "model" / "worlds" / "fitted_log.yaml").unlink()  # a first fit's worlds
    before = _everything(tmp_path)
    real, calls = os.replace, []

    def interrupted(src: str | Path, dst: str | Path) -> None:
        calls.append(dst)
        # The earlier folder aside, the new one in, the worlds in, the earlier model aside: stop.
        if len(calls) == 4:
            raise KeyboardInterrupt
        real(src, dst)

    monkeypatch.setattr(atomic.os, "replace", interrupted)
    conf = tmp_path / "conf" / "model"
    with pytest.raises(KeyboardInterrupt):
        atomic.write_all(
            {"fit.json": "{}\n", "figure.png": b"png"},
            tmp_path / "results" / "fits" / "log",
            {conf / "worlds" / "fitted_log.yaml": "# new\n", conf / "fitted_log.yaml": "# new\n"},
        )
    assert len(calls) > 4  # the undo moved the earlier files back
    assert _everything(tmp_path) == before


def test_a_write_into_new_folders_that_fails_removes_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(self: Path, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.setattr(Path, "write_bytes", full)
    with pytest.raises(OSError, match="No space"):
        atomic.write_all(
            {"fit.json": "{}\n", "figure.png": b"png"},
            tmp_path / "results" / "fits" / "log",
            {tmp_path / "conf" / "model" / "fitted_log.yaml": "# new\n"},
        )
    assert _everything(tmp_path) == {}


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    code = cli.run(argv)
    captured = capsys.readouterr()
    assert code == 2 and captured.out == "", captured
    return _one_error(captured.err)


def test_a_fifo_or_an_oversized_log_is_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    os.mkfifo(tmp_path / "pipe.csv")  # opening it would block: it must not be opened
    assert "a FIFO" in _refused(["pipe.csv"], capsys)
    big = tmp_path / "big.csv"
    with open(big, "wb") as handle:  # sparse: no disk used
        handle.truncate(300 * 2**20)
    line = _refused(["big.csv"], capsys)
    assert "at most 256 MiB" in line and "300.0 MiB" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.csv", "pipe.csv"]


def test_no_argument_is_interpolated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SECRET", "hunter2-the-secret")
    (tmp_path / "log.csv").write_text(GOOD, encoding="utf-8")
    for flag in ("--model", "--population"):
        line = _refused(["log.csv", flag, "${oc.env:SECRET}"], capsys)
        assert "hunter2" not in line and "${oc.env:SECRET}" in line


def test_a_fit_that_identifies_nothing_writes_no_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The fit ran, but every estimate is at a bound, flat or too wide: no model is written."""
    import sim.fit.estimate

    def nothing(*args: object, **kwargs: object) -> FitResult:
        flat = Estimate("response_base.email", -3, -3, -40, 30, 9.0, "log-odds", "not identified")
        return FitResult([flat], [], [], None, -1.0, 2, 0.1, True, "")  # type: ignore[arg-type]

    monkeypatch.setattr(sim.fit.estimate, "fit", nothing)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "log.csv").write_text(GOOD, encoding="utf-8")
    code = cli.run(["log.csv"])
    captured = capsys.readouterr()
    assert code == 2
    assert "estimated parameters=0 of 1" in _one_error(captured.err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log.csv"]


def test_the_memory_a_fit_needs_is_checked_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from sim.fit.replay import prepare
    from sim.run.touchlog import read_touch_log

    monkeypatch.chdir(tmp_path)
    (tmp_path / "log.csv").write_text(GOOD, encoding="utf-8")
    log = prepare(read_touch_log(tmp_path / "log.csv"))
    # 28 silent prospects on R paths, 12 replied ones on 8 R: a cell per path and touch.
    cells = 2 * 28 * 3 + 2 * 8 * 12 * 3
    assert guards.memory_needed(log, 2) == guards.BASE_BYTES + guards.BYTES_PER_CELL * cells
    monkeypatch.setattr(guards, "machine_memory", lambda: 2.0**27)
    line = _refused(["log.csv", "--paths", "2"], capsys)
    assert "needs about 0.3 GiB, the machine has 0.1 GiB" in line


def test_the_time_a_fit_needs_is_checked_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """More paths than the log needs multiply the fit's time: refused past the bound, named."""
    from sim.fit.estimate import paths_for
    from sim.fit.replay import prepare
    from sim.run.touchlog import read_touch_log

    monkeypatch.chdir(tmp_path)
    (tmp_path / "log.csv").write_text(GOOD, encoding="utf-8")
    log = prepare(read_touch_log(tmp_path / "log.csv"))
    own = guards.time_needed(log, None)
    assert own == pytest.approx(guards.SECONDS_PER_TOUCH * log.prospect.size)
    assert guards.time_needed(log, 4 * paths_for(log)) == pytest.approx(4 * own)
    # As if each touch took an hour: the log's own paths pass nothing, 256 paths are refused.
    monkeypatch.setattr(guards, "SECONDS_PER_TOUCH", 3600.0)
    line = _refused(["log.csv", "--paths", "256"], capsys)
    assert line.startswith("error: --paths=256 is not allowed: a fit of at most 4 hours")
    assert "hours on 2 cores" in line


def test_the_guards_let_a_sound_log_through(tmp_path: Path) -> None:
    """The catalogue's good log, and the example, pass every check a refused log fails."""
    from sim.fit.replay import prepare
    from sim.run.touchlog import read_touch_log

    (tmp_path / "log.csv").write_text(GOOD, encoding="utf-8")
    for path in (tmp_path / "log.csv", EXAMPLE):
        table = read_touch_log(path)
        guards.check_size(table)
        guards.check_dates(table)
        log = prepare(table)
        guards.check_meaning(log)
        guards.check_memory(log, None)
    assert log_text(prospects=guards.MIN_PROSPECTS, replies=guards.MIN_OUTCOMES) != GOOD


def test_a_mapping_or_log_that_is_not_utf8_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "log.csv").write_text(GOOD, encoding="utf-8")
    (tmp_path / "map.yaml").write_bytes("channels: {Télé: phone}\n".encode("latin-1"))
    line = _refused(["log.csv", "--mapping", "map.yaml"], capsys)
    assert "--mapping='map.yaml'" in line and "utf-8" in line
    (tmp_path / "latin.csv").write_bytes(GOOD.replace("p1,", "pé,").encode("latin-1"))
    assert "latin.csv: not UTF-8" in _refused(["latin.csv"], capsys)
