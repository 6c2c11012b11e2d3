"""Accounts: prospects grouped into companies of one to N contacts (docs/model.md, 2.16).

Membership is drawn once per replicate from the population's seed (its own child sequence, so no
trait's draws move) and is the same in every arm: common random numbers. Accounts are runs of
consecutive prospects: account ``k`` holds the next ``s_k`` prospects, ``s_k`` drawn from
``population.accounts.sizes`` with its weights, in a fixed order of draws, so prospect ``i``
belongs to the same account whatever the list's length (prefix-stable, as the traits are). An
arm's list is a head of the longest one; its last account may lose contacts past the head.

Because an account is a run, its contacts are a slice: :class:`Accounts` finds colleagues with
segment arithmetic (``np.repeat`` of the runs' starts), never a loop per prospect.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from sim.model.arrays import F64, I64, B
from sim.model.market_config import AccountsConfig

I32 = npt.NDArray[np.int32]
#: Accounts whose sizes are drawn at once: the draws do not depend on the list's length.
DRAW_CHUNK = 1 << 16
#: Appended to the population seed's spawn key: the stream of account sizes.
ACCOUNT_STREAM = 0xACC7


def account_membership(cfg: AccountsConfig, seq: np.random.SeedSequence, n: int) -> I32 | None:
    """The account of each of ``n`` prospects (0, 1, ...: runs of consecutive prospects).

    One contact per account (the default) draws nothing and returns None: prospect ``i`` is
    account ``i``.
    """
    if list(cfg.sizes) == [1]:
        return None
    sizes = np.asarray(cfg.sizes, np.int64)
    weights = np.asarray(cfg.weights, np.float64)
    cdf = np.cumsum(weights / weights.sum())
    child = np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, ACCOUNT_STREAM))
    rng = np.random.Generator(np.random.PCG64(child))
    drawn: list[I64] = []
    covered = 0
    while covered < n:  # a few passes at most: each account holds at least one contact
        pick = np.minimum(
            np.searchsorted(cdf, rng.random(DRAW_CHUNK), side="right"), sizes.size - 1
        )
        chunk = sizes[pick]
        drawn.append(chunk)
        covered += int(chunk.sum())
    per_account = np.concatenate(drawn)
    return np.repeat(np.arange(per_account.size, dtype=np.int32), per_account)[:n]


class Accounts:
    """The accounts of one arm's list: who the colleagues are, and account-level counts."""

    def __init__(self, account: I32 | None, n: int) -> None:
        """``account``: each of ``n`` prospects' account, runs from 0 (None: an account each)."""
        self.account = np.arange(0, dtype=np.int32) if account is None else account
        self.n_accounts = n if account is None or n == 0 else int(account[-1]) + 1
        #: Every prospect an account of its own: no colleague anywhere (nothing to look up).
        self.single = self.n_accounts == n
        if self.single:
            self.start = self.end = np.zeros(0, np.int64)
        else:
            first = np.ones(n, np.bool_)
            first[1:] = self.account[1:] != self.account[:-1]
            self.start = np.flatnonzero(first)
            self.end = np.append(self.start[1:], n)

    def members(self, accounts: I64) -> tuple[I64, I64]:
        """Every contact of ``accounts`` (distinct, ascending), and the position of its account.

        Contacts come out ascending: accounts are runs of consecutive prospects.
        """
        start, end = self.start[accounts], self.end[accounts]
        length = end - start
        owner = np.repeat(np.arange(accounts.size), length)
        # The k-th member of a run: its start plus k (k counted from each run's first entry).
        offset = np.arange(owner.size) - np.repeat(np.cumsum(length) - length, length)
        return np.repeat(start, length) + offset, owner

    def colleagues(self, who: I64, at: F64) -> tuple[I64, F64]:
        """The colleagues of ``who`` and when each is reached: the account's earliest ``at``.

        ``at[k]`` is when ``who[k]`` replied. At each account the first to reply is left out;
        any other contact of it, who of ``who`` or not, is reached at that first reply. Each
        account is expanded once, however many of ``who`` belong to it.
        """
        if self.single or who.size == 0:
            return np.zeros(0, np.int64), np.zeros(0)
        order = np.argsort(at, kind="stable")
        who, at = who[order], at[order]
        accounts, first = np.unique(self.account[who], return_index=True)
        members, owner = self.members(accounts.astype(np.int64))
        others = members != who[first][owner]
        return members[others], at[first][owner][others]

    def results(self, positive: B, met: B) -> dict[str, float]:
        """Account-level results: accounts, those engaged (a positive reply), meetings each."""
        engaged = (
            int(np.count_nonzero(positive))
            if self.single
            else int(np.unique(self.account[positive]).size)
        )
        meetings = int(np.count_nonzero(met))
        return {
            "accounts": self.n_accounts,
            "accounts_engaged": engaged,
            "meetings_per_account": meetings / self.n_accounts if self.n_accounts else 0.0,
        }


def spread_annoyance(accounts: Accounts, who: I64, annoyance: F64, share: float) -> tuple[I64, F64]:
    """Colleagues of ``who`` and the annoyance each takes on: ``share`` of theirs, summed.

    ``who`` (distinct) have just opted out with ``annoyance`` each; every other contact of their
    accounts takes on ``share`` of the sum of the annoyance of those of ``who`` at its account.
    Each account is expanded once.
    """
    if accounts.single or who.size == 0 or share <= 0.0:
        return np.zeros(0, np.int64), np.zeros(0)
    found, inverse = np.unique(accounts.account[who], return_inverse=True)
    total = np.bincount(inverse, weights=annoyance, minlength=found.size)
    members, owner = accounts.members(found.astype(np.int64))
    others = np.ones(members.size, np.bool_)
    others[np.searchsorted(members, who)] = False  # members ascend: each of who is found
    return members[others], np.asarray(share * total[owner[others]], np.float64)
