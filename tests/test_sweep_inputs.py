"""A sweep's own inputs refused by the pre-flight: no jobs, bad or too many workers, weights.

In process (sim.cli.preflight.preflight, what the app runs first): each is one line, exit 2,
before any folder exists. Before: ``-m 'seed=range(0,0)'`` created an empty sweep and exited 0,
``hydra.launcher.n_jobs=-5`` exited 1 with no message, and ``relationship_mix`` weights of
1e308 overflowed their total and ran as all strangers with only a RuntimeWarning.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from sim.cli import capacity
from sim.cli.preflight import preflight

SMALL = ["population.size=50", "replications=1", "horizon_days=10", "strategy=[entitlement]"]
JOBLIB = ["hydra/launcher=joblib"]


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str], *names: str) -> str:
    before = set(Path.cwd().iterdir())
    assert preflight(argv, warm=False) == 2
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert out == "" and len(lines) == 1 and lines[0].startswith("error: "), err
    for name in names:
        assert name in lines[0], (name, lines[0])
    assert set(Path.cwd().iterdir()) == before, "nothing is written"
    return lines[0]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def test_an_empty_sweep_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    _refused(["-m", "seed=range(0,0)", *SMALL], capsys, "seed=range(0,0)", "at least one value")


def test_an_empty_sweep_among_others_names_the_empty_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _refused(["-m", "seed=1,2", "population.size=range(9,9)", *SMALL[1:]], capsys, "range(9,9)")


def test_an_empty_sweep_is_refused_when_only_shown(capsys: pytest.CaptureFixture[str]) -> None:
    _refused(["--cfg", "job", "-m", "seed=range(3,1)", *SMALL], capsys, "seed=range(3,1)")


@pytest.mark.parametrize("n_jobs", ["-5", "0", "-2"])
def test_a_worker_count_joblib_cannot_run_is_refused(
    n_jobs: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _refused(
        ["-m", "seed=1,2", *SMALL, *JOBLIB, f"hydra.launcher.n_jobs={n_jobs}"],
        capsys,
        f"hydra.launcher.n_jobs={n_jobs}",
        "-1 for one per CPU",
    )


def test_more_workers_than_memory_holds_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    _refused(
        ["-m", "seed=1,2", *SMALL, *JOBLIB, "hydra.launcher.n_jobs=100000"],
        capsys,
        "hydra.launcher.n_jobs=100000",
        "fit in memory",
        "GiB",
    )


def test_workers_are_refused_for_the_jobs_they_run_at_once(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Four workers and four jobs of (as if) 1 GiB on a machine of 4 GiB: 4 GiB and more at once.
    monkeypatch.setattr(capacity, "machine_memory", lambda: 4.0 * 2**30)
    monkeypatch.setattr("sim.cli.preflight.memory_needed", lambda exp: (2.0**30, "", None))
    argv = ["-m", "seed=1,2,3,4", *SMALL, *JOBLIB, "hydra.launcher.n_jobs=4"]
    _refused(argv, capsys, "n_jobs=4", "each of the 4 jobs at once")
    # One job at a time fits.
    assert preflight([*argv[:-1], "hydra.launcher.n_jobs=1"], warm=False) != 2


def test_default_workers_are_accepted(capsys: pytest.CaptureFixture[str]) -> None:
    assert preflight(["-m", "seed=1,2", *SMALL, *JOBLIB], warm=False) != 2
    assert preflight(["-m", "seed=1,2", *SMALL, *JOBLIB, "hydra.launcher.n_jobs=-1"]) != 2


@pytest.mark.parametrize(
    "weights",
    [
        ["population.relationship_mix.stranger=1e308", "population.relationship_mix.client=1e308"],
        ["population.channel_preference.email=1e308", "population.channel_preference.sms=1e308"],
    ],
)
def test_weights_whose_total_overflows_are_refused(
    weights: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    line = _refused([*SMALL, *weights], capsys, "1e+308", "finite")
    assert line.split("=")[0].removeprefix("error: ") in {w.split("=")[0] for w in weights}


def test_account_weights_whose_total_overflows_are_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _refused(
        [*SMALL, "population.accounts.sizes=[1,2]", "population.accounts.weights=[1e308,1e308]"],
        capsys,
        "population.accounts.weights[0]=1e+308",
    )


def test_large_weights_with_a_finite_total_still_run() -> None:
    assert preflight([*SMALL, "population.relationship_mix.stranger=1e300"], warm=False) != 2


def test_a_sweep_of_too_many_jobs_is_refused_before_they_are_listed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 10**8 jobs: listing them alone would take minutes and gigabytes.
    started = time.monotonic()
    _refused(
        ["-m", "seed=range(0,100000000)", *SMALL], capsys, "seed=range(0,100000000)", "100,000"
    )
    assert time.monotonic() - started < 20


def test_jobs_are_counted_as_hydra_lists_them() -> None:
    from sim.cli.guard import parse_overrides
    from sim.run.compose import sweep_jobs

    lines = ["seed=range(10,0,-3)", "x=range(0,1,0.25)", "y=a,b", "z=range(2,2)"]
    for line in lines:
        parsed = parse_overrides([line])
        assert capacity.values_of(parsed[0]) == len(sweep_jobs(parsed)), line
