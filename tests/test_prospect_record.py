"""One record per prospect (sim.model.population.ProspectState) and the engine's running books.

The touch steps gather each prospect's record once per batch and store it back once
(docs/performance.md, "The touch path"); these tests pin the layout and that the public
accessors, the need track, the lazy draws and the engine's running counts say what a scan of
every prospect would say. tests/test_touch_pipeline_reference.py checks that the tables do not move.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.channels import EMAIL, PHONE
from sim.model.config import ExperimentConfig
from sim.model.draws import Purpose, counters, uniform
from sim.model.engine import NEGATIVE, OPT_OUT, POSITIVE, ArmRun
from sim.model.need import NeedTrack
from sim.model.population import (
    COUNTS_COL,
    T_STATE_COL64,
    W_COL,
    ProspectState,
    daily_load_shocks,
    sample_prospects,
)
from sim.model.touch import Touch
from sim.run.api import replicate_runs
from tests.test_mechanisms import cadence, config


@pytest.fixture(scope="module")
def cfg() -> ExperimentConfig:
    arms = {
        "emails": cadence([(7 * k, "email", ("benefit_led", "resource")[k % 2]) for k in range(6)]),
        "mixed": cadence(
            [(7 * k, ("phone", "email")[k % 2], "benefit_led", True) for k in range(6)],
            stop_on=["opt_out"],
        ),
    }
    return config(arms, size=2000, seed=4)


def _prospects(cfg: ExperimentConfig, n: int = 1000):  # type: ignore[no-untyped-def]
    return sample_prospects(cfg.population, cfg.model, n, np.random.SeedSequence(9))


def test_a_record_is_one_aligned_row_and_the_accessors_are_views_of_it(
    cfg: ExperimentConfig,
) -> None:
    p = _prospects(cfg)
    st = ProspectState.initial(p, messages=[0, 2, 5, 6], channels=[EMAIL])
    # 10 fixed columns, 4 message kinds and 1 channel, and the channel's affinity: 64 bytes.
    assert st.rows.shape == (p.n, 16) and st.rows.dtype == np.float32
    assert st.rows.ctypes.data % 64 == 0  # a row never straddles two cache lines
    assert st.records.shape == (p.n,) and st.records.itemsize == 64
    assert st.affinity_col == COUNTS_COL + 5
    np.testing.assert_array_equal(st.rows[:, st.affinity_col], p.affinity[:, EMAIL])
    np.testing.assert_array_equal(st.warmth, p.warmth_base)
    np.testing.assert_array_equal(st.familiarity, p.familiarity0)
    # Writes through the accessors land in the record, and the other way round.
    st.warmth[3] = 0.25
    st.t_state[3] = 7.5
    st.voicemails[3] = 2
    assert st.rows[3, W_COL] == np.float32(0.25)
    assert st.rows.view(np.float64)[3, T_STATE_COL64] == 7.5
    st.counts[3, 1] = 4.0
    assert st.exposures[3, 2] == 4.0 and st.exposures.shape == (p.n, 7)
    st.counts[3, 4] = 1.0
    assert st.received[3, EMAIL] == 1.0
    assert np.count_nonzero(st.exposures) == 1 and np.count_nonzero(st.received) == 1
    # Every kind and channel: no room for an affinity column, a wider row.
    wide = ProspectState.initial(p)
    assert wide.affinity_col == -1 and wide.rows.shape[1] == 32
    assert wide.rows.ctypes.data % 64 == 0


def test_need_kept_in_the_record_follows_the_same_trajectory(cfg: ExperimentConfig) -> None:
    p = _prospects(cfg)
    st = ProspectState.initial(p)
    key = np.uint64(77)
    m = cfg.model
    stored = NeedTrack(
        key,
        p.need0,
        m.need_mean_in_market_days,
        m.need_mean_out_of_market_days,
        until=st.need_until,
        state=st.in_market,
    )
    alone = NeedTrack(key, p.need0, m.need_mean_in_market_days, m.need_mean_out_of_market_days)
    idx = np.arange(p.n)
    for t in (0.0, 5.0, 60.0, 61.0, 400.0):
        np.testing.assert_array_equal(stored.at(idx, t), alone.at(idx, t))
    np.testing.assert_array_equal(st.need_until, alone.until)
    np.testing.assert_array_equal(st.in_market, alone.state)


def _ran(cfg: ExperimentConfig) -> list[ArmRun]:
    runs = []
    for arm in replicate_runs(cfg, 0):
        arm.run()
        runs.append(arm)
    return runs


def test_running_books_equal_a_scan_of_every_prospect(cfg: ExperimentConfig) -> None:
    for run in _ran(cfg):
        books = run.books
        # The time series' counts, kept as they change.
        assert books.touches_made == books.by_touch[:, :, 0].sum() > 0
        assert books.outcome_counts[POSITIVE] == np.count_nonzero(run.outcome == POSITIVE) > 0
        assert books.outcome_counts[OPT_OUT] == np.count_nonzero(run.outcome == OPT_OUT)
        assert books.outcome_counts.sum() == run.p.n
        assert books.n_met == np.count_nonzero(books.met)
        assert books.n_said_no == np.count_nonzero(books.said_no) > 0
        assert books.outcome_counts[NEGATIVE] <= books.n_said_no
        # Every reply in flight is on the delivery's list, once; nothing else is.
        waiting = np.concatenate([np.zeros(0, np.int64), *books.pending_who])
        np.testing.assert_array_equal(
            np.sort(waiting), np.flatnonzero(np.isfinite(books.pending_at))
        )
        # The days to a positive reply, per prospect, from the per-delivery list.
        responded = np.isfinite(run.books.responded_at(run.p.n))
        np.testing.assert_array_equal(responded, run.outcome == POSITIVE)


def test_one_channel_arms_know_their_channel_and_the_others_do_not(cfg: ExperimentConfig) -> None:
    runs = {run.plan.name: run for run in replicate_runs(cfg, 0)}
    assert runs["emails"].world.channel == EMAIL
    assert runs["emails"].state.affinity_col >= 0
    assert runs["mixed"].world.channel == -1
    assert runs["mixed"].state.affinity_col == -1


def test_wrong_name_drawn_on_demand_equals_the_whole_batch_draw() -> None:
    idx = np.arange(500)
    b = Touch(
        idx=idx,
        t=np.zeros(idx.size),
        counter=counters(np.uint64(3), idx, 1),
        slot=np.zeros(idx.size, np.int16),
        ch=np.full(idx.size, PHONE, np.intp),
        msg=np.zeros(idx.size, np.intp),
    )
    b.wrong_name_rate = 0.3
    pos = np.array([4, 9, 250, 499])
    np.testing.assert_array_equal(b.wrong_name_at(pos), b.wrong_name[pos])
    expected = uniform(counters(np.uint64(3), idx, 1), Purpose.WRONG_NAME) < 0.3
    np.testing.assert_array_equal(b.wrong_name, expected)
    b.wrong_name_rate = 0.0
    assert not b.wrong_name.any() and b.wrong_name.size == idx.size


def test_load_shocks_and_prospects_are_untouched_by_the_record(cfg: ExperimentConfig) -> None:
    p = _prospects(cfg, 300)
    before = p.warmth_base.copy()
    st = ProspectState.initial(p, channels=[EMAIL])
    st.warmth[:] = 0.0
    np.testing.assert_array_equal(p.warmth_base, before)  # the record holds copies
    shocks = daily_load_shocks(cfg.model, 3, np.random.SeedSequence(1))
    assert shocks.shape[0] == 3
