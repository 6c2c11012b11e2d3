"""The engine's per-prospect trace (sim.run.journeys) and the journey figure built on it
(sim.report.journey)."""

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from omegaconf import OmegaConf

from sim.model.config import ExperimentConfig, validate
from sim.model.engine import ArmRun
from sim.model.population import Prospects
from sim.report.journey import (
    Journey,
    journey_figure,
    journeys_of,
    outcomes,
    state_curves,
    typical_prospect,
)
from sim.run.api import replicate_runs, run_arms
from sim.run.journeys import follow_everyone, job_config, pair_config
from sim.run.registry import compose

ARMS = ["entitlement", "benefit_led"]
Traced = tuple[dict[str, pd.DataFrame], Prospects]


@pytest.fixture(scope="module")
def cfg() -> ExperimentConfig:
    return compose([f"strategy=[{','.join(ARMS)}]", "population.size=300", "replications=1"])


@pytest.fixture(scope="module")
def traced(cfg: ExperimentConfig) -> Traced:
    return follow_everyone(cfg, ARMS)


def _runs(cfg: ExperimentConfig, trace: Sequence[int]) -> list[ArmRun]:
    """The arms of replicate 0 as the API builds them, with ``trace`` traced, run."""
    validate(cfg)
    runs = list(replicate_runs(cfg, 0, ARMS, trace=trace))
    for run in runs:
        run.run()
    return runs


def _touched_in_every_arm(traced: Traced, cfg: ExperimentConfig) -> list[Journey]:
    """The journeys of a typical prospect of the last arm, one the first arm touched too."""
    rows, prospects = traced
    prospect, _ = typical_prospect(rows[ARMS[-1]])
    assert prospect in outcomes(rows[ARMS[0]]).index
    return journeys_of(rows, prospects, prospect, cfg)


def test_trace_changes_nothing_and_untraced_runs_keep_no_trace(cfg: ExperimentConfig) -> None:
    plain = _runs(cfg, ())
    for a, b in zip(plain, _runs(cfg, (3, 17)), strict=True):
        assert a.journeys is None and a.trace_rows == []
        assert a.result(0, 0).metrics == b.result(0, 0).metrics
        np.testing.assert_array_equal(a.outcome, b.outcome)
    # The journey's setup is the API's: same metrics as sim.run.api.run_arms for replicate 0.
    api = run_arms(cfg)
    assert [r.metrics for r in api] == [r.result(0, cfg.seed).metrics for r in plain]


def test_trace_records_every_touch_of_the_traced_prospect_and_its_final_state(
    cfg: ExperimentConfig,
) -> None:
    for run in _runs(cfg, (5,)):
        touches = [r for r in run.trace_rows if r["event"] == "touch"]
        assert {r["prospect"] for r in run.trace_rows} == {5}
        assert len(touches) == int(run.touch_count[5]) > 0
        times = [r["time"] for r in touches]
        assert times == sorted(times)
        last = touches[-1]
        assert last["warmth"] == pytest.approx(float(run.state.warmth[5]))
        assert last["annoyance"] == pytest.approx(float(run.state.annoyance[5]))
        assert last["familiarity"] == pytest.approx(float(run.state.familiarity[5]))
        assert all(0.0 <= r["attention"] <= 1.0 for r in touches)
        replies = [r for r in run.trace_rows if r["event"] == "reply"]
        assert len(replies) == (1 if run.outcome[5] else 0)


def test_same_prospect_in_every_arm_and_curves_follow_the_closed_form(
    cfg: ExperimentConfig, traced: Traced
) -> None:
    journeys = _touched_in_every_arm(traced, cfg)
    assert len({(j.warmth_base, j.familiarity0, j.need0) for j in journeys}) == 1
    # Both cadences start on enrolment day: the first touch is at the same time.
    assert journeys[0].touches["time"].iloc[0] == pytest.approx(journeys[1].touches["time"].iloc[0])
    j = journeys[1]
    grid = np.linspace(0.0, cfg.horizon_days, 400)
    curves = state_curves(j, cfg, grid)
    last = float(j.touches["time"].iloc[-1])
    after = grid > last
    # After the last touch nothing is added: annoyance only decays, warmth relaxes to baseline.
    assert np.all(np.diff(curves["annoyance"][after]) <= 1e-12)
    gap = np.abs(curves["warmth"][after] - j.warmth_base)
    assert np.all(np.diff(gap) <= 1e-12)
    # Right after a touch the curve starts from the traced state.
    k = int(np.searchsorted(grid, last, side="right"))
    assert curves["annoyance"][k] <= float(j.touches["annoyance"].iloc[-1]) + 1e-12
    assert all(0.0 <= v <= 1.0 for v in curves["need"])


def test_journey_figure_has_one_column_per_arm_and_marks_every_touch(
    cfg: ExperimentConfig, traced: Traced
) -> None:
    journeys = _touched_in_every_arm(traced, cfg)
    fig = journey_figure(journeys, cfg)
    axes = fig.get_axes()
    assert len(axes) == 4
    for col, j in enumerate(journeys):
        top = axes[col]  # subplots fill row-major: tops first, then the touch strips
        strip = axes[len(journeys) + col]
        markers = [ln for ln in strip.get_lines() if len(ln.get_xdata()) == 1]
        assert len(markers) == len(j.touches)
        assert j.label in " ".join(top.get_title().split())  # titles wrap long labels
        # The axis ends a little after the last event of any panel, not at the horizon.
        times = [t for x in journeys for t in (*x.touches["time"], *x.replies.get("time", []))]
        span = max(times) - min(times)
        assert strip.get_xlim()[1] <= max(times) + max(10.0, span / 6) + 1e-9
    words = {t.get_text() for t in fig.legends[0].get_texts()}
    assert {"warmth toward the seller", "knows the seller", "chance they need it now"} <= words
    assert not any("P(" in w or "familiarity" in w for w in words)


def test_a_same_day_burst_is_counted_on_the_figure() -> None:
    stalker = compose(["+experiment=stalker_mode", "population.size=200", "replications=1"])
    arms = ["stalker_24h", "stalker_month"]
    traced, prospects = follow_everyone(stalker, arms)
    prospect, how = typical_prospect(traced["stalker_24h"])
    assert "of the prospects this arm reached" in how
    journeys = journeys_of(traced, prospects, prospect, stalker)
    fig = journey_figure(journeys, stalker)
    burst = [t.get_text() for t in fig.get_axes()[2].texts]
    n = len(journeys[0].touches)
    assert n >= 3 and f"{n} touches" in burst
    assert not fig.get_axes()[3].texts  # three days apart: no burst


def test_tracing_everyone_gives_each_prospect_the_journey_traced_alone(
    cfg: ExperimentConfig, traced: Traced
) -> None:
    runs = _runs(cfg, (7,))
    rows = {arm: pd.DataFrame(run.trace_rows) for arm, run in zip(ARMS, runs, strict=True)}
    alone = journeys_of(rows, runs[0].p, 7, cfg)
    together = journeys_of(*traced, 7, cfg)
    for a, b in zip(alone, together, strict=True):
        assert a.touches["time"].tolist() == b.touches["time"].tolist()
        assert (
            a.replies.get("time", pd.Series()).tolist()
            == b.replies.get("time", pd.Series()).tolist()
        )


def test_every_panel_shows_the_highest_annoyance() -> None:
    stalker = compose(["+experiment=stalker_mode", "population.size=200", "replications=1"])
    arms = ["stalker_24h", "stalker_month"]
    traced, prospects = follow_everyone(stalker, arms)
    journeys = journeys_of(traced, prospects, typical_prospect(traced[arms[0]])[0], stalker)
    fig = journey_figure(journeys, stalker)
    grid = np.linspace(*fig.get_axes()[0].get_xlim(), 600)
    peak = max(float(state_curves(j, stalker, grid)["annoyance"].max()) for j in journeys)
    assert fig.get_axes()[0].get_ylim()[1] >= peak


def test_two_jobs_of_a_sweep_read_back_from_their_folders_make_one_pair(tmp_path: Path) -> None:
    jobs = []
    for pause in (3, 14):
        cfg = compose(["+experiment=cool_down", f"strategy.cool_down.cooldown.pause_days={pause}"])
        (tmp_path / str(pause)).mkdir()
        (tmp_path / str(pause) / "config.yaml").write_text(OmegaConf.to_yaml(cfg))
        assert job_config(tmp_path / str(pause)) == cfg
        jobs.append(cfg)
    pair = pair_config((jobs[0], jobs[1]), ("cool_down", "cool_down"), (", 3 days", ", 14 days"))
    assert list(pair.strategy) == ["baseline", "best"] and pair.baseline == "baseline"
    assert pair.replications == 1 and pair.model == jobs[1].model
    assert pair.strategy["baseline"].label == f"{jobs[0].strategy['cool_down'].label}, 3 days"
    pauses = [pair.strategy[a].cooldown.pause_days for a in ("baseline", "best")]
    assert pauses == [3, 14]
