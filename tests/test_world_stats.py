"""Statistics over plausible worlds (sim.run.world_stats, sim.run.verdicts) on constructed inputs.

Each rule of docs/uncertainty.md ("Answers over plausible worlds") is checked on numbers built
here, where the right answer is known: the mixture interval against SciPy's own mixture, the
empirical quantiles with one replicate per world, every verdict branch, the share of worlds and
the parameters a ``depends`` verdict names.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.model.worlds import MODEL_VERSION, WorldsConfig
from sim.run.stats import SUMMARY_COLUMNS, summarize
from sim.run.verdicts import (
    BETTER,
    DEPENDS,
    UNCLEAR,
    WORSE,
    replicate_verdict,
    worlds_verdict,
)
from sim.run.world_stats import (
    answer_worlds,
    intervals,
    spread,
    summarize_worlds,
    worlds_disagree,
)


def _spread(per_world: list[list[float]]) -> object:
    values = np.array([v for w in per_world for v in w], dtype=np.float64)
    world = np.array([k for k, w in enumerate(per_world) for _ in w], dtype=np.int64)
    return spread(values, world)


def test_spread_pools_the_within_world_variance() -> None:
    s = _spread([[1.0, 3.0], [10.0, 14.0], [5.0, 5.0]])
    assert list(s.means) == [2.0, 12.0, 5.0]
    assert s.df == 3 and s.n == 6
    within = (2 + 8 + 0) / 3  # squared deviations from each world's mean, over 6 - 3
    assert s.scale == pytest.approx(np.sqrt(within / 2))


def test_nan_values_are_dropped_and_a_world_without_values_is_left_out() -> None:
    s = _spread([[1.0, np.nan], [np.nan, np.nan], [4.0, 6.0]])
    assert list(s.worlds) == [0, 2] and list(s.means) == [1.0, 5.0] and s.n == 3


def test_the_interval_is_the_mixture_of_the_worlds_t_distributions() -> None:
    rng = np.random.default_rng(0)
    per_world = [list(rng.normal(mu, 0.5, 3)) for mu in rng.normal(2.0, 1.5, 8)]
    s = _spread(per_world)
    low, high = intervals([s])[0]
    # SciPy's own mixture of the same Student t components gives the same quantiles.
    t = stats.make_distribution(stats.t)
    parts = [t(df=s.df) * float(se) + float(m) for m, se in zip(s.means, s.scale, strict=True)]
    mixture = stats.Mixture(parts, weights=np.full(len(parts), 1 / len(parts)))
    assert low == pytest.approx(float(mixture.icdf(0.025)), abs=1e-9)
    assert high == pytest.approx(float(mixture.icdf(0.975)), abs=1e-9)
    # Wider than the worlds' spread alone: it holds the replicate noise too.
    assert low < s.means.min() and high > s.means.max()


def test_one_replicate_per_world_gives_the_empirical_quantiles() -> None:
    values = [0.5, -1.0, 2.0, 3.5, 0.0, 1.0]
    s = _spread([[v] for v in values])
    assert s.df == 0
    low, high = intervals([s])[0]
    expected = np.asarray(stats.mstats.mquantiles(values, prob=[0.025, 0.975]))
    assert (low, high) == pytest.approx(tuple(expected))


def test_worlds_without_noise_are_point_masses_and_one_world_alone_has_no_interval() -> None:
    quiet = _spread([[1.0, 1.0], [3.0, 3.0], [2.0, 2.0]])
    assert tuple(intervals([quiet])[0]) == pytest.approx((1.0, 3.0))
    lone = _spread([[4.0]])
    assert all(math.isnan(v) for v in intervals([lone])[0])


def test_worlds_disagree_beyond_noise_only_when_their_means_differ() -> None:
    rng = np.random.default_rng(1)
    same = _spread([list(rng.normal(0.0, 1.0, 2)) for _ in range(20)])
    assert not worlds_disagree(same)  # one true difference, replicate noise only
    split = _spread([list(rng.normal(mu, 0.1, 2)) for mu in [1.0, -1.0] * 10])
    assert worlds_disagree(split)
    # Means that differ, but none clear of zero: nothing at stake.
    faint = _spread([list(rng.normal(mu, 0.01, 2)) for mu in [0.001, -0.001] * 10])
    assert not worlds_disagree(faint)
    # One replicate per world: any change of sign counts (the noise cannot be told apart).
    assert worlds_disagree(_spread([[0.2], [-0.1], [0.3]]))
    assert not worlds_disagree(_spread([[0.2], [0.1], [0.3]]))


@pytest.mark.parametrize(
    ("metric", "low", "high", "expected"),
    [
        ("response_rate", 0.01, 0.03, BETTER),
        ("response_rate", -0.03, -0.01, WORSE),
        ("response_rate", -0.01, 0.02, UNCLEAR),
        ("opt_out_rate", -0.03, -0.01, BETTER),  # fewer opt-outs is better
        ("opt_out_rate", 0.01, 0.03, WORSE),
        ("rep_hours", 1.0, 2.0, ""),  # no direction: described, not judged
        ("response_rate", math.nan, math.nan, ""),  # one replicate: no interval
    ],
)
def test_replicate_verdict(metric: str, low: float, high: float, expected: str) -> None:
    assert replicate_verdict(metric, low, high) == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("response_rate", 0.01, 0.03, 1.0, 0.0, False), BETTER),
        (("response_rate", 0.01, 0.03, 0.95, 0.05, True), DEPENDS),  # not better in every world
        (("response_rate", -0.03, -0.01, 0.0, 1.0, False), WORSE),
        (("opt_out_rate", -0.03, -0.01, 1.0, 0.0, False), BETTER),
        (("response_rate", -0.02, 0.03, 0.6, 0.4, True), DEPENDS),
        (("response_rate", -0.02, 0.03, 0.6, 0.4, False), UNCLEAR),
        (("response_rate", -0.001, 0.03, 1.0, 0.0, False), UNCLEAR),  # not clear of noise
        (("touches", 1.0, 3.0, math.nan, math.nan, True), ""),
    ],
)
def test_worlds_verdict(args: tuple[str, float, float, float, float, bool], expected: str) -> None:
    assert worlds_verdict(*args) == expected


# --- the summary across worlds, on a constructed metrics table --------------------------------


def _worlds_config(a: list[float], b: list[float]) -> WorldsConfig:
    return WorldsConfig(
        model_version=MODEL_VERSION,
        source="test",
        method="constructed",
        parameters=["wearout", "response_base.email"],
        status={"wearout": "prior", "response_base.email": "identified"},
        values=[[x, y] for x, y in zip(a, b, strict=True)],
    )


def _metrics(effect: dict[str, np.ndarray], replicates: int, noise: float) -> pd.DataFrame:
    """A worlds-mode metrics table: ``base`` at 0.05, each other arm at 0.05 + its effect."""
    rng = np.random.default_rng(7)
    k = len(next(iter(effect.values())))
    rows = []
    for w in range(k):
        for r in range(replicates):
            shared = rng.normal(0.0, noise)  # common random numbers: shared by the arms
            arms = {"base": 0.05 + shared} | {
                a: 0.05 + shared + e[w] + rng.normal(0.0, noise / 4) for a, e in effect.items()
            }
            for arm, rate in arms.items():
                rows.append(
                    {
                        "arm": arm,
                        "world": w,
                        "replicate": r,
                        "seed": 0,
                        "prospects": 1000,
                        "response_rate": rate,
                        "opt_out_rate": 0.02 + (rate - 0.05) / 2,
                        "touches": 5000 + 10 * w,
                    }
                )
    return pd.DataFrame(rows)


def test_the_summary_across_worlds_says_what_it_covers_and_judges_each_arm() -> None:
    rng = np.random.default_rng(3)
    a, b = rng.uniform(0.0, 1.0, 20), rng.uniform(0.0, 1.0, 20)
    effect = {
        "wins": np.full(20, 0.02),  # better in every world
        "loses": np.full(20, -0.02),
        "flips": 0.03 * (a - 0.5),  # the sign set by the parameter "wearout"
        "same": np.zeros(20),
    }
    s = summarize_worlds(_metrics(effect, 2, 0.004), "base", _worlds_config(list(a), list(b)))
    assert list(s.columns) == list(SUMMARY_COLUMNS)
    assert set(s["interval"]) == {"worlds"} and set(s["worlds"]) == {20}
    assert s["p_value"].isna().all()
    rows = s.set_index(["arm", "metric"])
    rate = rows.xs("response_rate", level="metric")
    assert list(rate["verdict"]) == ["", BETTER, WORSE, DEPENDS, UNCLEAR]
    assert rate.loc["wins", "share_worlds_better"] == 1.0
    assert rate.loc["loses", "share_worlds_better"] == 0.0
    assert 0.2 < rate.loc["flips", "share_worlds_better"] < 0.8
    assert rate.loc["flips", "depends_on"] == "wearout"  # named; b does not drive it
    assert rate.loc["wins", "depends_on"] == ""
    # Opt-outs rise with the replies here, and fewer opt-outs is better.
    assert rows.loc[("wins", "opt_out_rate"), "verdict"] == WORSE
    assert rows.loc[("loses", "opt_out_rate"), "verdict"] == BETTER
    assert rows.loc[("wins", "touches"), "verdict"] == ""  # no direction
    assert rows.loc[("wins", "response_rate"), "n"] == 40
    # The interval holds the worlds' own spread: "flips" ranges over +-1.5 points.
    flips = rate.loc["flips"]
    assert flips["diff_ci_low"] < -0.01 and flips["diff_ci_high"] > 0.01


def test_the_drivers_table_covers_the_report_metrics_and_every_depends() -> None:
    rng = np.random.default_rng(3)
    a, b = rng.uniform(0.0, 1.0, 20), rng.uniform(0.0, 1.0, 20)
    effect = {"flips": 0.03 * (a - 0.5), "wins": np.full(20, 0.02)}
    found = answer_worlds(_metrics(effect, 2, 0.004), "base", _worlds_config(list(a), list(b)))
    drivers = found.drivers
    pairs = set(zip(drivers["arm"], drivers["metric"], strict=True))
    assert pairs == {(arm, m) for arm in effect for m in ("response_rate", "opt_out_rate")}
    flips = drivers[(drivers["arm"] == "flips") & (drivers["metric"] == "response_rate")]
    assert list(flips["parameter"]) == ["wearout", "response_base.email"]  # largest first
    assert list(flips["status"]) == ["prior", "identified"]  # carried from the worlds
    assert answer_worlds(_metrics(effect, 2, 0.004), "base", None).drivers.empty


def test_one_replicate_per_world_still_gives_an_answer() -> None:
    effect = {"wins": np.full(12, 0.02), "same": np.zeros(12)}
    s = summarize_worlds(_metrics(effect, 1, 0.004), "base", None)
    rate = s[s["metric"] == "response_rate"].set_index("arm")
    assert rate.loc["wins", "verdict"] == BETTER
    assert rate.loc["wins", "diff_ci_low"] > 0
    assert rate.loc["same", "verdict"] in {DEPENDS, UNCLEAR}  # noise alone changes the sign


def test_one_world_summary_is_labelled_as_replicates_only() -> None:
    rows = [
        {"arm": arm, "replicate": r, "seed": 0, "response_rate": rate + 0.001 * r}
        for r in range(4)
        for arm, rate in (("base", 0.05), ("up", 0.07 + 0.0005 * (r % 2)), ("flat", 0.05))
    ]
    s = summarize(pd.DataFrame(rows), "base").set_index("arm")
    assert set(s["interval"]) == {"replicates"} and set(s["worlds"]) == {0}
    assert s["share_worlds_better"].isna().all()
    assert list(s["verdict"]) == ["", BETTER, UNCLEAR]
    assert set(s["depends_on"]) == {""}
