"""The fit's arrays follow the log's touches, not prospects times the longest history.

A telemarketing log (the UCI bank data: most clients called a few times, a few sixty) used to
cost the fit R x prospects x 63 cells per array and a (prospects, 63, 63) table for annoyance:
5.5 GB and 23 minutes. The hidden paths and the likelihood now keep one cell per (path, touch)
(sim.fit.layout), the annoyance is a recursion over touches, and the need chain visits the rows
where a reply may come alone (sim.fit.need_chain). These tests hold each piece to its plain
definition on a small log with heavy-tailed histories; the time and memory targets are measured
by `make benchmark-fit` (docs/performance.md).
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest
from scipy import optimize

from sim.fit.identify import choose_params, start_value
from sim.fit.likelihood import Likelihood
from sim.fit.need_chain import Chain, back, backward, forward, step
from sim.fit.replay import FitLog, Paths, prepare, replay
from sim.fit.synthetic import calls_plan, cut_histories, simulate_log
from sim.model.config import ExperimentConfig
from sim.run.registry import compose
from sim.run.touchlog import read_touch_log

R = 3


@functools.cache
def _cfg() -> ExperimentConfig:
    return compose(["strategy=[entitlement]", "baseline=entitlement"])


@functools.cache
def _fitted(tmp: str) -> tuple[FitLog, Paths, Likelihood]:
    cfg = _cfg()
    frame = simulate_log(cfg.model, cfg.population, calls_plan(40), 300, 9, 0.03)
    rng = np.random.default_rng(9)
    touches = np.clip(np.round(np.exp(rng.normal(1.2, 1.0, 300))), 1, 40).astype(np.int64)
    path = Path(tmp) / "calls.csv"
    cut_histories(frame, touches).to_csv(path, index=False)
    log = prepare(read_touch_log(path))
    paths = replay(log, cfg.model, cfg.population, R, 2, 0.03)
    params, _ = choose_params(log, cfg.model)
    return log, paths, Likelihood(log, paths, cfg.model, params)


@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory) -> tuple[FitLog, Paths, Likelihood]:
    return _fitted(str(tmp_path_factory.mktemp("scale")))


def test_one_cell_per_path_and_touch(fitted: tuple[FitLog, Paths, Likelihood]) -> None:
    log, paths, _ = fitted
    lay, touches = paths.layout, log.prospect.size
    lengths = np.bincount(log.prospect, minlength=log.n)
    assert lengths.max() >= 5 * np.median(lengths)  # a heavy tail, as in a bank's log
    assert lay.cells == R * touches and paths.warmth.size == lay.cells
    assert R * log.n * log.K > 3 * lay.cells  # what a padded (R, n, K) array would hold
    # Every (path, row) has one cell; block k holds touch k of the first n_k prospects.
    assert np.array_equal(np.sort(lay.path // log.n * touches + lay.row), np.arange(R * touches))
    assert np.array_equal(lay.path % log.n, log.prospect[lay.row])
    for k in range(lay.steps):
        rows = lay.row[lay.block(k)]
        assert np.all(log.pos[rows] == k)
        assert np.all(lay.rank[log.prospect[rows]] < lay.sizes[k])


def test_annoyance_is_the_sum_of_decayed_increments(
    fitted: tuple[FitLog, Paths, Likelihood],
) -> None:
    log, paths, lik = fitted
    lay, h = paths.layout, 3.0
    a, da = lik.annoyance(h)
    t, pos = log.since_first[lay.row], log.pos[lay.row]
    for cell in np.random.default_rng(1).choice(lay.cells, 200, replace=False):
        same = (lay.path == lay.path[cell]) & (pos <= pos[cell])
        dt = t[cell] - t[same]
        f = np.exp2(-dt / h)
        assert a[cell] == pytest.approx((paths.increment[same] * f).sum(), rel=1e-9, abs=1e-12)
        d = (paths.increment[same] * f * dt * np.log(2.0) / h**2).sum()
        assert da[cell] == pytest.approx(d, rel=1e-9, abs=1e-12)


def test_the_chain_over_reply_rows_is_the_chain_over_every_touch(
    fitted: tuple[FitLog, Paths, Likelihood],
) -> None:
    """Skipping the touches where nothing depends on need changes nothing: the same totals."""
    log, paths, lik = fitted
    lay, pin, rate = paths.layout, lik.pi_need, 0.05
    t = log.since_first
    chain = Chain.of(lik.chain.cells, lay.path, t[lay.row], lay.R * log.n, rate)
    chance = np.random.default_rng(3).uniform(0.2, 1.0, (chain.cells.size, 2, 2))
    alpha, total = forward(chain, chance, pin)
    beta = backward(chain, chance, pin)
    # Every touch of every path, padded to (paths, K), with E = 1 off the reply rows.
    pos = log.pos[lay.row]
    full = np.ones((lay.R * log.n, log.K, 2, 2))
    full[chain.path, pos[chain.cells]] = chance
    gap = np.zeros((lay.R * log.n, log.K))
    gap[lay.path, pos] = t[lay.row] - t[np.where(pos > 0, lay.row - 1, lay.row)]
    x = np.exp(-rate * gap)  # padding: no time passes, x = 1
    dense = [np.array([1.0 - pin, pin]) * full[:, 0]]
    for k in range(1, log.K):
        dense.append(step(dense[-1], x[:, k], pin) * full[:, k])
    np.testing.assert_allclose(total, dense[-1].sum(axis=-1), rtol=1e-12)
    np.testing.assert_allclose(alpha, np.stack(dense, 1)[chain.path, pos[chain.cells]], rtol=1e-12)
    later = [np.ones_like(dense[0])]
    for k in range(log.K - 1, 0, -1):
        later.insert(0, back(full[:, k] * later[0], x[:, k], pin))
    np.testing.assert_allclose(beta, np.stack(later, 1)[chain.path, pos[chain.cells]], rtol=1e-12)


def test_the_gradient_on_long_histories_is_the_likelihoods_own(
    fitted: tuple[FitLog, Paths, Likelihood],
) -> None:
    log, _, lik = fitted
    cfg = _cfg()
    u = np.array([start_value(p, cfg.model, log.vary_messages) for p in lik.params]) + 0.05
    exact = lik(u)[1]
    numeric = optimize.approx_fprime(u, lambda v: lik(v)[0], 1e-6)
    np.testing.assert_allclose(exact, numeric, rtol=2e-3, atol=2e-3)
