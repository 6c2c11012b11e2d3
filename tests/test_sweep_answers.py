"""A sweep that answers: limits carried to the sweep folder, the best configuration in words.

A cool-down pause of 200 days on a 120-day horizon leaves most of the cadence unmade: the sweep
tables, the report and the terminal say so (the API's own test is in test_api_sweep.py).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from sim.report.sweep_answers import (
    best_sentence,
    cells,
    heatmap_figure,
    keys_of,
    parameter_figure,
    short_name,
)
from tests.cli_helpers import run

PAUSE = "strategy.cooldown_heatup.cooldown.pause_days"
PAST_HORIZON = [
    "-m",
    "strategy=[cooldown_heatup,entitlement]",
    "baseline=entitlement",
    f"{PAUSE}=3,200",
    "population.size=40",
    "replications=2",
    "horizon_days=120",
    "hydra.sweep.dir=sweep",
]


@pytest.fixture(scope="module")
def past_horizon(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    where = tmp_path_factory.mktemp("horizon")
    done = run(PAST_HORIZON, where)
    assert done.returncode == 0, done.stderr
    return where / "sweep", done.stdout


def test_a_pause_past_the_horizon_is_in_the_sweep_tables(past_horizon: tuple[Path, str]) -> None:
    sweep, _ = past_horizon
    warnings = pd.read_csv(sweep / "sweep_warnings.csv")
    assert list(warnings[["job", PAUSE, "arm", "limit"]].itertuples(index=False, name=None)) == [
        (1, 200, "cooldown_heatup", "horizon")
    ]
    summary = pd.read_csv(sweep / "sweep_summary.csv", keep_default_na=False)
    limited = summary[summary["limits"] != ""]
    assert set(limited["job"]) == {1} and set(limited["arm"]) == {"cooldown_heatup"}
    assert limited["limits"].iloc[0].startswith("horizon ")
    # The step table across jobs: each job's by_touch rows behind its job and parameters.
    steps = pd.read_csv(sweep / "sweep_by_touch.csv")
    assert list(steps.columns[:4]) == ["job", "status", "error", PAUSE]
    assert set(steps["job"]) == {0, 1}


def test_the_jobs_own_intervals_are_the_cells_when_no_seed_is_pooled(
    past_horizon: tuple[Path, str],
) -> None:
    sweep, _ = past_horizon
    metrics = pd.read_csv(sweep / "sweep_metrics.csv")
    summary = pd.read_csv(sweep / "sweep_summary.csv")
    computed = cells(metrics, [PAUSE], "response_rate")
    read = cells(metrics, [PAUSE], "response_rate", summary)
    pd.testing.assert_frame_equal(read, computed, check_dtype=False)


def test_a_pause_past_the_horizon_is_in_the_report_and_the_terminal(
    past_horizon: tuple[Path, str],
) -> None:
    sweep, stdout = past_horizon
    page = (sweep / "report.html").read_text()
    assert "Limits that shaped these results" in page
    assert "the horizon ended the cadence early in 1 of 2 jobs" in page
    assert "Best response rate: " in page
    # A wide table scrolls in its own box, never the page (sim/report/templates/base.html).
    assert (
        '<div class="scroll"><table>' in page and ".scroll{max-width:100%;overflow-x:auto}" in page
    )
    assert "[HYDRA]" not in stdout  # Hydra's launch lines only with hydra.verbose=true
    said = [line for line in stdout.splitlines() if "horizon ended" in line]
    assert len(said) == 1, stdout  # once, short
    assert max(len(line) for line in stdout.splitlines()) <= 100
    table = stdout.split("by job and arm:\n", 1)[1].split("\nwarning", 1)[0]
    assert max(len(line) for line in table.splitlines()) <= 100


def _metrics(categorical: bool = False) -> pd.DataFrame:
    """A sweep_metrics-like table: two parameters, two arms, three replicates."""
    rows = []
    for job, (a, b) in enumerate([(1, "x"), (1, "y"), (2, "x"), (2, "y")]):
        for arm, lift in (("base", 0.0), ("new", 0.05)):
            for r in range(3):
                rate = 0.1 + lift + 0.02 * a + (0.01 if b == "y" else 0.0) + 0.001 * r
                rows.append(
                    {
                        "job": job,
                        "status": "ok",
                        "p.a": a,
                        "p.b": b if categorical else {"x": 10, "y": 20}[b],
                        "arm": arm,
                        "replicate": r,
                        "response_rate": rate,
                        "opt_out_rate": 0.02 - 0.001 * a,
                    }
                )
    return pd.DataFrame(rows)


def test_cells_have_scipy_t_intervals_over_replicates() -> None:
    from scipy import stats

    table = cells(_metrics(), ["p.a", "p.b"], "response_rate")
    assert len(table) == 8
    row = table[(table["p.a"] == 2) & (table["p.b"] == 20) & (table["arm"] == "new")].iloc[0]
    values = [0.1 + 0.05 + 0.04 + 0.01 + 0.001 * r for r in range(3)]
    low, high = stats.t.interval(0.95, 2, loc=sum(values) / 3, scale=stats.sem(values))
    assert math.isclose(row["low"], low) and math.isclose(row["high"], high)


def test_the_best_configuration_is_said_with_its_interval_and_the_runner_up() -> None:
    said = best_sentence(_metrics(), ["p.a", "p.b"], "response_rate")
    assert said.startswith("Best response rate: new at a=2, b=20: 20.1% (19.9% to 20.3%)")
    assert "clearly best" in said and "runner-up" in said
    # Fewer opt-outs is better: the best is the lowest.
    assert "at a=2" in best_sentence(_metrics(), ["p.a", "p.b"], "opt_out_rate")


def test_a_swept_seed_is_pooled_as_replicates_when_other_parameters_are_swept() -> None:
    assert keys_of(["seed", "p.a"]) == ["p.a"] and keys_of(["seed"]) == ["seed"]
    assert short_name("p.a", ["p.a", "q.a"]) == "p.a" and short_name("p.a", ["p.a"]) == "a"


@pytest.mark.parametrize("categorical", [False, True])
def test_figures_are_drawn_for_numeric_and_categorical_parameters(categorical: bool) -> None:
    metrics = _metrics(categorical)
    for parameter in ("p.a", "p.b"):
        assert parameter_figure(metrics, ["p.a", "p.b"], parameter).startswith(b"\x89PNG")
    heat = heatmap_figure(metrics, ["p.a", "p.b"])
    assert heat is not None and heat.startswith(b"\x89PNG")
    assert heatmap_figure(metrics, ["p.a"]) is None
