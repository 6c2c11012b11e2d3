"""Each prospect's state starts at its own first logged touch, not at the log's first timestamp.

A team enrols prospects over months. A prospect first touched 200 days after the log began has
not been decaying in the model for those 200 days: its familiarity with the rep's name, its
warmth, its annoyance, its need chain and its load days start at its own first touch. So a log
where half the prospects start 200 days late fits to the same estimates as the same log with
every start aligned (the old fit let a house list's familiarity decay over the wait: about a
fifth of it left after 200 days at a 90-day half-life, and estimates moved).
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd

from sim.fit.check import simulated_outcomes
from sim.fit.estimate import fit
from sim.fit.replay import FitLog, prepare, replay
from sim.fit.synthetic import simulate_log
from sim.fit.world import make_world, one_slot_plan, start_days
from sim.model.config import ExperimentConfig
from sim.model.strategy import compile_plan
from sim.run.registry import compose
from sim.run.touchlog import read_touch_log

LATE_DAYS = 200


@functools.cache
def _cfg() -> ExperimentConfig:
    # A house list: clients know the rep's name at enrolment, so decay before the first touch
    # would show (a stranger's familiarity is 0 and would not).
    return compose(["population=house_list", "strategy=[benefit_led]", "baseline=benefit_led"])


@functools.cache
def _frame() -> pd.DataFrame:
    cfg = _cfg()
    plan = compile_plan("benefit_led", cfg.strategy["benefit_led"])
    return simulate_log(cfg.model, cfg.population, plan, 500, 17, 0.03)


def _late(frame: pd.DataFrame) -> pd.DataFrame:
    """The same log with every other prospect first touched :data:`LATE_DAYS` days later."""
    out = frame.copy()
    ids = sorted(out["prospect_id"].unique())
    late = out["prospect_id"].isin(ids[::2])
    shift = pd.Timedelta(days=LATE_DAYS)
    for col in ("touched_at", "outcome_at"):
        stamps = pd.to_datetime(out.loc[late, col].replace("", None), utc=True)
        moved = (stamps + shift).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        out.loc[late, col] = moved.fillna("")
    return out


def _log(tmp_path: Path, frame: pd.DataFrame, name: str) -> FitLog:
    path = tmp_path / f"{name}.csv"
    frame.to_csv(path, index=False)
    return prepare(read_touch_log(path))


def test_a_prospects_clock_starts_at_its_own_first_touch(tmp_path: Path) -> None:
    aligned = _log(tmp_path, _frame(), "aligned")
    late = _log(tmp_path, _late(_frame()), "late")
    assert late.time.max() > aligned.time.max() + LATE_DAYS - 1  # the log really is spread out
    np.testing.assert_allclose(late.since_first, aligned.since_first, atol=1e-9)
    assert np.all(late.since_first[late.pos == 0] == 0.0)
    assert late.span_days < aligned.span_days + 1e-6
    cfg = _cfg()
    # The hidden paths see the same prospects: familiarity at the first touch is the prospect's
    # own at enrolment, undecayed, whenever it was first touched.
    a = replay(aligned, cfg.model, cfg.population, 2, 3, 0.03)
    b = replay(late, cfg.model, cfg.population, 2, 3, 0.03)
    np.testing.assert_allclose(b.familiarity, a.familiarity, rtol=1e-6)
    np.testing.assert_allclose(b.log_weight, a.log_weight, rtol=1e-6, atol=1e-9)
    # The report's replay of the log too.
    y_a, made_a = simulated_outcomes(aligned, cfg.model, cfg.population, 5, 0.03)
    y_b, made_b = simulated_outcomes(late, cfg.model, cfg.population, 5, 0.03)
    assert np.array_equal(y_a, y_b) and np.array_equal(made_a, made_b)


def test_late_starters_give_the_same_estimates_as_aligned_starts(tmp_path: Path) -> None:
    cfg = _cfg()
    results = [
        fit(_log(tmp_path, frame, name), cfg.model, cfg.population, seed=1, paths=2)
        for name, frame in (("aligned", _frame()), ("late", _late(_frame())))
    ]
    aligned, late = ({e.path: e for e in r.estimates} for r in results)
    assert aligned.keys() == late.keys()
    for path, e in aligned.items():
        f = late[path]
        assert e.status == f.status, path
        assert abs(e.estimate - f.estimate) <= 1e-4 * max(1.0, abs(e.estimate)), (path, e, f)
    assert abs(results[0].log_likelihood - results[1].log_likelihood) < 1e-6


def test_replayed_prospects_start_on_load_days_of_their_own() -> None:
    """Not one shared day 0: else every prospect's k-th touch would share one day's load shock."""
    n = 64 * 200
    days = start_days(n, 3)
    assert np.array_equal(days, start_days(n, 3)) and not np.array_equal(days, start_days(n, 4))
    assert days.min() == 0 and days.max() == 199 and np.all(days == np.round(days))
    assert np.bincount(days.astype(int)).max() < 0.01 * n  # about 64 a day, one per load group
    cfg = _cfg()
    world, _ = make_world(cfg.model, cfg.population, one_slot_plan(True), n, 30.0, 3, start=days)
    assert np.array_equal(world.state.t_state, days)  # the state starts there, undecayed
    assert world.shocks.shape[0] >= 200 + 30
