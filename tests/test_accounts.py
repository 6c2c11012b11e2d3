"""Accounts (docs/model.md 2.16): prospects in companies of 1-N contacts, HubSpot's stop rule,
annoyance that spreads from an opt-out, and account-level results. Each test fails if its
mechanism is removed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from sim.model.accounts import Accounts, account_membership, spread_annoyance
from sim.model.config import AccountsConfig, ExperimentConfig
from sim.model.engine import NEGATIVE, POSITIVE, ArmRun
from sim.run.api import replicate_runs, simulate
from sim.run.metrics import METRIC_COLUMNS
from tests.test_market import arm_run, config, emails, value

WEEKLY = [0.0, 7.0, 14.0, 21.0, 28.0, 35.0]


def accounts(sizes: list[int], weights: list[float], spread: float = 0.25) -> Callable[..., None]:
    """An edit that groups the list into accounts of ``sizes`` (with ``weights``)."""

    def edit(cfg: ExperimentConfig) -> None:
        cfg.population.accounts = AccountsConfig(sizes=sizes, weights=weights, optout_spread=spread)

    return edit


def test_membership_is_prefix_stable_keyed_and_follows_the_weights() -> None:
    cfg = AccountsConfig(sizes=[1, 3, 6], weights=[0.5, 0.3, 0.2])
    seq = np.random.SeedSequence(5, spawn_key=(0,))
    short, long = account_membership(cfg, seq, 1000), account_membership(cfg, seq, 50_000)
    assert short is not None and long is not None
    np.testing.assert_array_equal(short, long[:1000])  # prospect i: the same account
    sizes = np.bincount(long)[:-1]  # the last account may be cut by the list's end
    assert set(np.unique(sizes)) == {1, 3, 6}
    assert sizes.mean() == pytest.approx(0.5 * 1 + 0.3 * 3 + 0.2 * 6, rel=0.05)
    assert np.all(np.diff(long) >= 0) and long[0] == 0  # runs of consecutive prospects
    other = account_membership(cfg, np.random.SeedSequence(6, spawn_key=(0,)), 1000)
    assert not np.array_equal(short, other)
    assert account_membership(AccountsConfig(), seq, 1000) is None  # default: one each, no draw


def test_colleagues_and_spread_on_a_small_list() -> None:
    accounts = Accounts(np.array([0, 0, 0, 1, 1, 2], np.int32), 6)
    assert accounts.n_accounts == 3 and not accounts.single
    # One reply per account: its other contacts, reached at its arrival.
    members, at = accounts.colleagues(np.array([1, 4]), np.array([5.0, 3.0]))
    assert members.tolist() == [0, 2, 3] and at.tolist() == [5.0, 5.0, 3.0]
    # Two replies at one account: the first to arrive reaches everyone else, the second too.
    members, at = accounts.colleagues(np.array([0, 2]), np.array([4.0, 2.0]))
    assert members.tolist() == [0, 1] and at.tolist() == [2.0, 2.0]
    # Two opt-outs at one account: their colleague takes on the share of both; they take none.
    members, added = spread_annoyance(accounts, np.array([0, 2, 5]), np.array([1.0, 2.0, 9.0]), 0.5)
    assert members.tolist() == [1] and added.tolist() == [1.5]
    alone = Accounts(None, 6)
    assert alone.single and alone.colleagues(np.array([1]), np.array([1.0]))[0].size == 0


def test_every_arm_of_a_replicate_has_the_same_accounts() -> None:
    cfg = config(edit=accounts([2, 5], [1.0, 1.0]))
    first, *others = replicate_runs(cfg, 0)
    for arm in others:
        np.testing.assert_array_equal(arm.market.accounts.account, first.market.accounts.account)


def _replies(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, Any, Any]]:
    """Every outcome a touch decided, as (who, kind, arrival), recorded while arms run."""
    seen: list[tuple[Any, Any, Any]] = []
    stop = ArmRun.stop_cadences

    def recording(self: ArmRun, who: Any, kind: Any, arrival: Any) -> None:
        seen.append((who.copy(), kind.copy(), arrival.copy()))
        stop(self, who, kind, arrival)

    monkeypatch.setattr(ArmRun, "stop_cadences", recording)
    return seen


@pytest.mark.parametrize("rule", [True, False])
def test_a_reply_from_the_account_stops_the_colleagues(
    rule: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    arms = {"weekly": emails("benefit_led", WEEKLY, stop_on_account_reply=rule)}
    seen = _replies(monkeypatch)
    arm = arm_run(config(arms, edit=accounts([5], [1.0])), "weekly", record_touches=True)
    who, kind, arrival = (np.concatenate(x) for x in zip(*seen, strict=True))
    replied = (kind == POSITIVE) | (kind == NEGATIVE)
    account = arm.market.accounts.account
    # The first reply's arrival at each account; every touch to a colleague after it.
    first = np.full(account.max() + 1, np.inf)
    np.minimum.at(first, account[who[replied]], arrival[replied])
    log = arm.touch_log()
    after = log.time >= first[account[log.prospect]]
    repliers = np.zeros(account.size, np.bool_)
    repliers[who[replied]] = True
    colleagues_after = after & ~repliers[log.prospect]
    assert replied.sum() > 50
    if rule:
        assert colleagues_after.sum() == 0
    else:
        assert colleagues_after.sum() > 100


def test_account_results_add_up() -> None:
    res = simulate(config(size=3000))  # one contact per account: accounts are prospects
    for arm in ("entitlement", "benefit_led", "bombard"):
        assert value(res, arm, "accounts") == value(res, arm, "prospects")
        assert value(res, arm, "accounts_engaged") == value(res, arm, "responses")
        assert value(res, arm, "meetings_per_account") == value(res, arm, "meeting_rate")
    cfg = config(size=3000, edit=accounts([1, 2, 4], [1.0, 1.0, 1.0]))
    for arm in ("benefit_led", "bombard"):
        run = arm_run(cfg, arm)
        metrics = run.result(0, 0).metrics
        account = run.market.accounts.account
        engaged = np.bincount(account[run.outcome == POSITIVE], minlength=account.max() + 1)
        meetings = np.bincount(account, weights=run.books.met, minlength=account.max() + 1)
        assert metrics["accounts"] == account.max() + 1 < 3000
        assert metrics["accounts_engaged"] == np.count_nonzero(engaged) <= metrics["responses"]
        assert meetings.sum() == metrics["meetings"] > 0
        assert metrics["meetings_per_account"] == pytest.approx(meetings.mean())
    assert {"accounts", "accounts_engaged", "meetings_per_account"} <= set(METRIC_COLUMNS)


def test_an_opt_out_annoys_the_colleagues() -> None:
    runs = {
        spread: arm_run(config(edit=accounts([4], [1.0], spread)), "bombard")
        for spread in (0.0, 1.0)
    }
    opt_outs = {k: r.result(0, 0).metrics["opt_outs"] for k, r in runs.items()}
    assert opt_outs[1.0] > 1.1 * opt_outs[0.0]
    # The spread rebases the colleagues' state: the running means stay those of every prospect.
    run = runs[1.0]
    warmth, annoyance, familiarity = run.current(run.horizon)
    means = run.state_means(run.horizon)
    assert means == pytest.approx(
        (warmth.mean(), annoyance.mean(), familiarity.mean()), rel=1e-6, abs=1e-9
    )
