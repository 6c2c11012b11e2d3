import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.run.api import simulate
from sim.run.registry import compose
from sim.run.stats import (
    AB_ALPHA,
    AB_POWER,
    SUMMARY_COLUMNS,
    ab_prospects_per_arm,
    paired_difference,
    summarize,
    t_interval,
    wilson_interval,
)


def test_t_interval_is_scipys_student_interval() -> None:
    x = [0.10, 0.14, 0.12, 0.11, 0.16]
    mean, low, high, n = t_interval(x)
    ref = stats.t.interval(0.95, 4, loc=np.mean(x), scale=stats.sem(x))
    assert n == 5 and mean == pytest.approx(np.mean(x))
    assert (low, high) == pytest.approx(ref)


def test_one_replicate_gives_nan_interval_and_constant_collapses() -> None:
    mean, low, high, n = t_interval([0.2])
    assert mean == 0.2 and n == 1 and math.isnan(low) and math.isnan(high)
    assert t_interval([0.3, 0.3, 0.3])[1:3] == (0.3, 0.3)
    assert t_interval([0.1, float("nan"), 0.3])[3] == 2


def test_pairing_removes_shared_replicate_noise() -> None:
    # Replicates differ a lot (shared prospects), the arm is always 0.02 better, +-0.001.
    rng = np.random.default_rng(1)
    base = rng.normal(0.1, 0.05, 8)
    arm = base + 0.02 + rng.normal(0, 0.001, 8)
    diff, low, high, p = paired_difference(arm, base)
    assert diff == pytest.approx(0.02, abs=0.002)
    assert low < diff < high and high - low < 0.01
    assert p < 1e-6
    unpaired = stats.ttest_ind(arm, base)
    assert unpaired.pvalue > 0.1  # the same data unpaired shows nothing: pairing is the point
    ref = stats.ttest_rel(arm, base)
    assert p == pytest.approx(ref.pvalue)


def test_paired_difference_degenerate_cases() -> None:
    assert all(math.isnan(v) for v in paired_difference([0.2], [0.1])[1:])
    d, low, high, p = paired_difference([2.0, 3.0], [1.0, 2.0])
    assert (d, low, high) == (1.0, 1.0, 1.0) and math.isnan(p)


def test_wilson_interval_matches_binomtest_and_stays_in_unit_interval() -> None:
    low, high = wilson_interval(0, 20)
    assert low == pytest.approx(0.0, abs=1e-12) and 0 < high < 0.2
    ci = stats.binomtest(7, 50).proportion_ci(0.95, method="wilson")
    assert wilson_interval(7, 50) == pytest.approx((ci.low, ci.high))
    assert all(math.isnan(v) for v in wilson_interval(0, 0))


def _metrics(values: dict[str, list[float]]) -> pd.DataFrame:
    rows = [
        {"arm": arm, "replicate": r, "seed": 0, "response_rate": v}
        for arm, vs in values.items()
        for r, v in enumerate(vs)
    ]
    return pd.DataFrame(rows)


def test_summarize_pairs_by_replicate_not_by_row_order() -> None:
    m = _metrics({"base": [0.1, 0.5, 0.3], "arm": [0.2, 0.6, 0.4]})
    shuffled = pd.concat([m[m["arm"] == "base"], m[m["arm"] == "arm"].iloc[::-1]])
    for frame in (m, shuffled):
        s = summarize(frame, "base")
        assert list(s.columns) == list(SUMMARY_COLUMNS)
        row = s[s["arm"] == "arm"].iloc[0]
        assert row["diff_vs_baseline"] == pytest.approx(0.1)
        assert row["diff_ci_low"] == pytest.approx(0.1) and row["n"] == 3
        base = s[s["arm"] == "base"].iloc[0]
        assert math.isnan(base["diff_vs_baseline"]) and math.isnan(base["p_value"])


def test_simulate_returns_summary_with_paired_differences() -> None:
    res = simulate(
        compose(
            [
                "strategy=[entitlement,benefit_led]",
                "population.size=150",
                "replications=3",
                "horizon_days=20",
            ]
        )
    )
    s = res.summary
    assert list(s.columns) == list(SUMMARY_COLUMNS)
    assert set(s["metric"]) >= {"response_rate", "meetings", "opt_outs", "responses_per_rep_hour"}
    row = s[(s["arm"] == "benefit_led") & (s["metric"] == "response_rate")].iloc[0]
    per_rep = res.metrics.pivot(index="replicate", columns="arm", values="response_rate")
    assert row["diff_vs_baseline"] == pytest.approx(
        (per_rep["benefit_led"] - per_rep["entitlement"]).mean()
    )
    assert row["n"] == 3 and row["ci_low"] <= row["mean"] <= row["ci_high"]


# The design's ten columns (docs: design section 5), in their order; new columns only go after.
DESIGN_SUMMARY_COLUMNS = [
    "arm",
    "metric",
    "mean",
    "ci_low",
    "ci_high",
    "n",
    "diff_vs_baseline",
    "diff_ci_low",
    "diff_ci_high",
    "p_value",
]


def test_summary_keeps_the_design_columns_then_the_ab_size_then_the_answer() -> None:
    assert list(SUMMARY_COLUMNS) == [
        *DESIGN_SUMMARY_COLUMNS,
        "ab_prospects_per_arm",
        # What the intervals cover and the verdict (sim.run.verdicts, docs/uncertainty.md).
        "interval",
        "worlds",
        "share_worlds_better",
        "verdict",
        "depends_on",
    ]


@pytest.mark.parametrize(("p_arm", "p_base"), [(0.12, 0.10), (0.30, 0.35), (0.05, 0.04)])
def test_ab_size_agrees_with_the_two_proportion_normal_formula(p_arm: float, p_base: float) -> None:
    # n = (z_{1-a/2} + z_power)^2 (p1 q1 + p2 q2) / (p1 - p2)^2, the textbook normal
    # approximation; statsmodels' arcsine (Cohen's h) answer is the same to within about 1% at
    # rates away from 0 and 1, where both approximations hold.
    z = stats.norm.ppf(1 - AB_ALPHA / 2) + stats.norm.ppf(AB_POWER)
    closed = z**2 * (p_arm * (1 - p_arm) + p_base * (1 - p_base)) / (p_arm - p_base) ** 2
    n = ab_prospects_per_arm(p_arm, p_base)
    assert n == math.ceil(n) and n == pytest.approx(closed, rel=0.01)
    assert ab_prospects_per_arm(p_base, p_arm) == n  # a loss needs the same test as a gain


def test_ab_size_is_the_power_solution_at_the_stated_power_and_alpha() -> None:
    # Fixed inputs against statsmodels' power function: at the size returned the power is just
    # over 0.8, one prospect fewer it is under.
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    n = ab_prospects_per_arm(0.068, 0.008)
    h = abs(proportion_effectsize(0.068, 0.008))
    power = NormalIndPower().power
    assert power(h, n, 0.05) >= 0.8 > power(h, n - 1, 0.05)
    assert n == 130


def test_ab_size_is_nan_without_a_difference_or_a_share() -> None:
    assert math.isnan(ab_prospects_per_arm(0.1, 0.1))
    assert math.isnan(ab_prospects_per_arm(0.0, 0.0))
    assert math.isnan(ab_prospects_per_arm(float("nan"), 0.1))
    assert math.isnan(ab_prospects_per_arm(1.5, 0.1))  # not a share of prospects


def test_summary_sizes_ab_tests_only_for_compared_share_rows() -> None:
    m = _metrics({"base": [0.10, 0.11, 0.09], "arm": [0.12, 0.13, 0.11], "same": [0.1, 0.11, 0.09]})
    m["meeting_rate"] = m["response_rate"] / 2
    m["meetings"] = m["response_rate"] * 1000  # a count, not a share: never sized
    s = summarize(m, "base").set_index(["arm", "metric"])["ab_prospects_per_arm"]
    assert s[("arm", "response_rate")] == ab_prospects_per_arm(0.12, 0.10)
    assert s[("arm", "meeting_rate")] == ab_prospects_per_arm(0.06, 0.05)
    assert math.isnan(s[("arm", "meetings")])
    assert math.isnan(s[("base", "response_rate")])  # the baseline: nothing to compare
    assert math.isnan(s[("same", "response_rate")])  # no difference: nothing to detect
    # Without the baseline in the table there is no difference, so no size either.
    assert summarize(m, "absent")["ab_prospects_per_arm"].isna().all()


def test_a_share_interval_over_replicates_stays_in_the_unit_interval() -> None:
    """Three replicates of a rare reply (0, 0 and 3 of 100): the t-interval of the mean reaches
    below zero; the summary gives the Wilson interval of the pooled 3 of 300 instead."""
    m = pd.DataFrame(
        {
            "arm": ["a"] * 3,
            "replicate": [0, 1, 2],
            "seed": [0] * 3,
            "prospects": [100] * 3,
            "responses": [0, 0, 3],
            "response_rate": [0.0, 0.0, 0.03],
            "rep_hours": [1.0, 2.0, 30.0],
        }
    )
    mean, low, _, _ = t_interval(m["response_rate"].to_numpy(np.float64))
    assert low < 0.0  # what the summary would show without the fix
    s = summarize(m, "a").set_index("metric")
    assert s.loc["response_rate", "mean"] == pytest.approx(mean)
    wilson = wilson_interval(3, 300)
    assert (s.loc["response_rate", "ci_low"], s.loc["response_rate", "ci_high"]) == wilson
    assert 0.0 < s.loc["response_rate", "ci_low"] < mean
    # Not a share: its t-interval is kept, negative or not.
    assert s.loc["rep_hours", "ci_low"] < 0.0


def test_summarize_gives_each_metric_what_it_would_get_alone() -> None:
    """The metrics of an arm go through SciPy together: every value is the one a metric's own
    t_interval and paired_difference give, to the last bit (NaNs, constants and one replicate
    included)."""
    rng = np.random.default_rng(7)
    reps = 9
    rows = []
    for arm in ("base", "arm"):
        for r in range(reps):
            rows.append(
                {
                    "arm": arm,
                    "replicate": r,
                    "seed": 0,
                    "noisy": float(rng.normal(10, 3)),
                    "rare": float(rng.random() * 1e-3),
                    "constant": 4.0,
                    "gappy": float("nan") if r == 2 else float(rng.random()),
                }
            )
    m = pd.DataFrame(rows)
    s = summarize(m, "base").set_index(["arm", "metric"])
    for arm in ("base", "arm"):
        mine = m[m["arm"] == arm].set_index("replicate")
        base = m[m["arm"] == "base"].set_index("replicate")
        for metric in ("noisy", "rare", "constant", "gappy"):
            row = s.loc[(arm, metric)]
            alone = t_interval(mine[metric].to_numpy(np.float64))
            got = (row["mean"], row["ci_low"], row["ci_high"], row["n"])
            np.testing.assert_array_equal(np.array(got, float), np.array(alone, float))
            if arm == "arm":
                pair = paired_difference(mine[metric].to_numpy(), base[metric].to_numpy())
                cols = ["diff_vs_baseline", "diff_ci_low", "diff_ci_high", "p_value"]
                np.testing.assert_array_equal(row[cols].to_numpy(float), np.array(pair, float))
