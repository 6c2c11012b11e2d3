"""The list as an asset: schemas and rules of the finite market, the second wave and accounts.

:class:`MarketConfig` (``market.*`` in ``sim/conf/config.yaml``) says when a prospect is burned
and for how long, and whether a second wave works the same list again; :class:`AccountsConfig`
(``population.accounts.*``) says how prospects group into companies. Defaults leave every table
as it was without them: no second wave, one contact per account (docs/model.md, 2.15 and 2.16).
:func:`check_market` checks what the field types cannot.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sim.model.checks import ConfigError, check_weights, nonneg, positive, prob


@dataclass
class AccountsConfig:
    """How prospects belong to accounts (companies): contacts per account, and what spreads.

    An account's number of contacts is drawn from ``sizes`` with ``weights``; the default, one
    contact each, makes every prospect an account of its own.
    """

    sizes: list[int] = field(default_factory=lambda: [1])  # contacts per account, each >= 1
    weights: list[float] = field(default_factory=lambda: [1.0])  # one weight per size
    # Share of an opted-out contact's annoyance passed to each colleague when the opt-out arrives.
    optout_spread: float = prob(0.25)


@dataclass
class MarketConfig:
    """When a prospect is burned, for how long, and a second wave to the same list."""

    # Annoyance at or above which a touched prospect is burned (docs/model.md, 2.15).
    burn_annoyance: float = positive(2.0)
    # Days a "not interested" reply or a burn keeps the prospect out of reach (opt-outs: for good).
    recontact_pause_days: float = nonneg(180.0)
    # A day: every arm works its own cadence again from that day, on what its list has left;
    # null: no second wave.
    second_wave_day: float | None = None


def check_market(
    market: MarketConfig, accounts: AccountsConfig, list_size: int, horizon_days: float
) -> None:
    """Raise a :class:`ConfigError` for the first rule of the market or the accounts broken.

    ``list_size``: ``population.size`` (an account larger than the list cannot exist);
    ``horizon_days``: the run's horizon (a second wave must start before it).
    """
    day = market.second_wave_day
    if day is not None:
        if isinstance(day, bool) or not isinstance(day, int | float) or not math.isfinite(day):
            raise ConfigError("market.second_wave_day", day, "a day > 0, or null for none")
        if not 0 < day < horizon_days:
            raise ConfigError(
                "market.second_wave_day",
                day,
                f"a day > 0 and before horizon_days ({horizon_days:g}), or null for none",
            )
    sizes, weights = accounts.sizes, accounts.weights
    if not sizes:
        raise ConfigError("population.accounts.sizes", sizes, "at least one size, e.g. [1]")
    for size in sizes:
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ConfigError("population.accounts.sizes", size, "whole contacts, each >= 1")
        if size > list_size:
            raise ConfigError(
                "population.accounts.sizes",
                size,
                f"at most population.size ({list_size}) contacts per account",
            )
    if len(weights) != len(sizes):
        raise ConfigError(
            "population.accounts.weights", weights, f"one weight per size ({len(sizes)})"
        )
    for weight in weights:
        if isinstance(weight, bool) or not isinstance(weight, int | float):
            raise ConfigError("population.accounts.weights", weight, "numbers >= 0")
        if not math.isfinite(weight) or weight < 0:
            raise ConfigError("population.accounts.weights", weight, "numbers >= 0")
    check_weights("population.accounts.weights", list(weights))
