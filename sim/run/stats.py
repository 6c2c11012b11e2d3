"""Statistics: confidence intervals over replicates and paired differences against the baseline.

Every interval comes from SciPy, none is written out by hand:

- the mean of a metric over replicates gets a Student t-interval (``scipy.stats.t``);
- an arm's difference from the baseline is paired by replicate, because arms of one replicate
  share prospects and random streams (common random numbers): the mean of the per-replicate
  differences, its t-interval and its two-sided p-value come from ``scipy.stats.ttest_rel``;
- a proportion observed in a single replicate (responses out of prospects) gets a Wilson interval
  from ``scipy.stats.binomtest(...).proportion_ci(method="wilson")``;
- the prospects per arm a live A/B test needs to confirm an arm's predicted difference in a share
  of prospects (:data:`AB_METRICS`) come from statsmodels (:func:`ab_prospects_per_arm`).

With one replicate there is no spread to estimate, so the t-interval and paired-difference
columns are NaN (the Wilson interval still describes that replicate's proportion). When every
replicate gives the same value (or the same difference), the interval collapses to that value and
the p-value is NaN: a t-test has nothing to say about zero variance.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from sim.run.verdicts import REPLICATES, SHARE_COUNTS, replicate_verdict

#: Columns of ``summary.csv`` (design section 5), in order.
SUMMARY_COLUMNS: tuple[str, ...] = (
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
    "ab_prospects_per_arm",
    # What the answer covers, and its verdict (sim.run.verdicts, docs/uncertainty.md):
    "interval",  # what the ci and diff intervals cover: "replicates" or "worlds"
    "worlds",  # K, the worlds the answer is across (0: one world, the model as configured)
    "share_worlds_better",  # share of worlds where the arm beats the baseline (NaN: one world)
    "verdict",  # better | worse | depends | no clear difference (empty: no direction)
    "depends_on",  # for "depends": the parameters it depends on, ";"-separated
)
#: The columns after the live A/B test's size: what the answer covers and its verdict.
ANSWER_COLUMNS: tuple[str, ...] = SUMMARY_COLUMNS[SUMMARY_COLUMNS.index("interval") :]

#: The shares of prospects (at most one success each) a live A/B test is sized for: a reply, a
#: meeting. Other rows of ``summary.csv`` get NaN in ``ab_prospects_per_arm``.
AB_METRICS: frozenset[str] = frozenset({"response_rate", "meeting_rate"})
#: The live test the size is for: power and two-sided significance level (docs/uncertainty.md).
AB_POWER = 0.8
AB_ALPHA = 0.05

#: Columns of ``metrics.csv`` that identify a row rather than measure something.
ID_COLUMNS: frozenset[str] = frozenset({"arm", "replicate", "seed"})

NAN = float("nan")


def _constant(x: npt.NDArray[np.float64]) -> bool:
    """Equal values up to rounding: SciPy's tests lose all precision on them."""
    return bool(np.ptp(x) <= 1e-12 * max(1.0, float(np.abs(x).max())))


def t_interval(
    values: Sequence[float] | npt.NDArray[np.float64], confidence: float = 0.95
) -> tuple[float, float, float, int]:
    """Mean of ``values`` with a Student t confidence interval; NaNs are dropped.

    Args:
        values: One value per replicate.
        confidence: Confidence level of the interval.

    Returns:
        ``(mean, low, high, n)``; the interval is NaN when fewer than two values remain.
    """
    x = np.asarray(values, dtype=np.float64)
    x = x[~np.isnan(x)]
    n = int(x.size)
    if n == 0:
        return NAN, NAN, NAN, 0
    mean = float(x.mean())
    if n < 2:
        return mean, NAN, NAN, n
    if _constant(x):
        return mean, mean, mean, n
    sem = float(stats.sem(x))
    low, high = stats.t.interval(confidence, n - 1, loc=mean, scale=sem)
    return mean, float(low), float(high), n


def paired_difference(
    arm: Sequence[float] | npt.NDArray[np.float64],
    baseline: Sequence[float] | npt.NDArray[np.float64],
    confidence: float = 0.95,
) -> tuple[float, float, float, float]:
    """Mean paired difference ``arm - baseline`` with its t-interval and two-sided p-value.

    Element ``i`` of both sequences must come from the same replicate (the same prospects and
    random streams). Pairs with a NaN on either side are dropped.

    Args:
        arm: One value per replicate for the arm.
        baseline: The baseline's values, in the same replicate order.
        confidence: Confidence level of the interval.

    Returns:
        ``(mean_difference, low, high, p_value)``; interval and p-value are NaN with fewer than
        two pairs, and the p-value is NaN when every pair differs by the same amount.
    """
    a = np.asarray(arm, dtype=np.float64)
    b = np.asarray(baseline, dtype=np.float64)
    keep = ~(np.isnan(a) | np.isnan(b))
    a, b = a[keep], b[keep]
    if a.size == 0:
        return NAN, NAN, NAN, NAN
    diff = a - b
    mean = float(diff.mean())
    if a.size < 2:
        return mean, NAN, NAN, NAN
    if _constant(diff):
        return mean, mean, mean, NAN
    result = stats.ttest_rel(a, b)
    ci = result.confidence_interval(confidence_level=confidence)
    return mean, float(ci.low), float(ci.high), float(result.pvalue)


def wilson_interval(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for one replicate's proportion ``successes / trials``.

    Args:
        successes: Count of successes (e.g. responses).
        trials: Count of trials (e.g. prospects enrolled); NaNs are returned when zero.
        confidence: Confidence level of the interval.

    Returns:
        ``(low, high)``.
    """
    if trials <= 0:
        return NAN, NAN
    ci = stats.binomtest(int(successes), int(trials)).proportion_ci(
        confidence_level=confidence, method="wilson"
    )
    return float(ci.low), float(ci.high)


def share_interval(
    rows: pd.DataFrame, metric: str, low: float, high: float, confidence: float = 0.95
) -> tuple[float, float]:
    """A share's interval that stays in [0, 1], from ``rows`` (one arm's rows of ``metrics``).

    ``(low, high)``, the t-interval over replicates, is kept where it lies in [0, 1]. With one
    replicate it does not exist (NaN), and with few replicates of a rare event it can leave
    [0, 1] ("2.4 % (-0.3 % to 5.1 %)"): then the Wilson score interval of the replicates'
    pooled count over their pooled prospects (:func:`wilson_interval`), which never does.
    """
    if not math.isnan(low) and low >= 0.0 and high <= 1.0:
        return low, high
    count = int(rows[SHARE_COUNTS[metric]].sum())
    return wilson_interval(count, int(rows["prospects"].sum()), confidence)


def metric_interval(
    values: npt.NDArray[np.float64], rows: pd.DataFrame, metric: str, confidence: float = 0.95
) -> tuple[float, float, float, int]:
    """Mean, interval and count of ``values``, ``metric`` over ``rows`` (one arm's replicates).

    The t-interval (:func:`t_interval`), except for a share of prospects whose t-interval leaves
    [0, 1] when ``rows`` has its counts: then :func:`share_interval`.
    """
    mean, low, high, n = t_interval(values, confidence)
    outside = n >= 2 and (low < 0.0 or high > 1.0)  # checked first: the common case is cheap
    if outside and SHARE_COUNTS.get(metric, "") in rows and "prospects" in rows:
        low, high = share_interval(rows, metric, low, high, confidence)
    return mean, low, high, n


def ab_prospects_per_arm(
    arm_rate: float, baseline_rate: float, power: float = AB_POWER, alpha: float = AB_ALPHA
) -> float:
    """Prospects per arm a live two-arm test needs to detect ``arm_rate`` against the baseline's.

    A two-sided two-sample z-test on the arcsine scale at equal arm sizes: the effect size is
    Cohen's h (``statsmodels.stats.proportion.proportion_effectsize``) and the size solves
    ``statsmodels.stats.power.NormalIndPower`` for ``power`` at ``alpha``, rounded up. The rates
    are the model's predictions, so the answer assumes they are right: it sizes the test that
    would check the prediction, it is not evidence for it.

    Args:
        arm_rate: The arm's predicted share of prospects (e.g. that reply).
        baseline_rate: The baseline's predicted share.
        power: Chance that the test finds the difference when it is real.
        alpha: Two-sided significance level.

    Returns:
        Prospects per arm (a whole number, as a float); NaN when either rate is not a share in
        [0, 1] or the rates are equal (no difference to detect).
    """
    # Imported here: a run's tables need it, a sweep's report or the pre-flight check does not.
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    rates = np.array([arm_rate, baseline_rate], dtype=np.float64)
    if not np.all((rates >= 0.0) & (rates <= 1.0)):  # NaN fails both comparisons too
        return NAN
    effect = abs(float(proportion_effectsize(arm_rate, baseline_rate)))
    if effect <= 1e-12:  # equal rates (up to rounding): no finite test detects no difference
        return NAN
    n = NormalIndPower().solve_power(
        effect_size=effect, alpha=alpha, power=power, ratio=1.0, alternative="two-sided"
    )
    return float(math.ceil(float(n)))


def _ab_column(frame: pd.DataFrame, baseline: str) -> pd.Series:
    """``ab_prospects_per_arm`` of every row of a summary (NaN except where a size is defined).

    A row of :data:`AB_METRICS` with a paired difference from the baseline (so not the baseline's
    own, nor an arm without common replicates) is sized from its mean and the baseline's.
    """
    means = frame.set_index(["arm", "metric"])["mean"]
    sizes = []
    for metric, mean, diff in frame[["metric", "mean", "diff_vs_baseline"]].itertuples(index=False):
        size = NAN
        if metric in AB_METRICS and not math.isnan(diff) and (baseline, metric) in means.index:
            size = ab_prospects_per_arm(float(mean), float(means[(baseline, metric)]))
        sizes.append(size)
    return pd.Series(sizes, index=frame.index, dtype=np.float64)


def _constant_rows(x: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    """:func:`_constant` of each row of ``x`` (rows without NaN)."""
    scale = np.maximum(1.0, np.abs(x).max(axis=1))
    return np.asarray(np.ptp(x, axis=1) <= 1e-12 * scale)


def _intervals(
    x: npt.NDArray[np.float64], confidence: float
) -> tuple[npt.NDArray[np.float64], ...]:
    """:func:`t_interval` of each row of ``x`` (a metric's replicates): mean, low, high, n.

    Rows with two or more values, no NaN and some spread (nearly all) go through SciPy at once,
    row by row the same arithmetic as one at a time (each row is contiguous: the same sums in
    the same order); the rest one at a time.
    """
    rows, reps = x.shape
    out = np.full((4, rows), NAN)
    fast: npt.NDArray[np.bool_] = np.asarray(~np.isnan(x).any(axis=1))
    if reps >= 2:
        fast[fast] = ~_constant_rows(x[fast])
    else:
        fast[:] = False
    for i in np.flatnonzero(~fast):
        out[:, i] = t_interval(x[i].copy(), confidence)
    if fast.any():
        y = x[fast]  # a copy, C-contiguous
        mean = y.mean(axis=1)
        low, high = stats.t.interval(confidence, reps - 1, loc=mean, scale=stats.sem(y, axis=1))
        out[:, fast] = np.vstack([mean, low, high, np.full(mean.size, float(reps))])
    return tuple(out)


def _paired(
    a: npt.NDArray[np.float64], b: npt.NDArray[np.float64], confidence: float
) -> tuple[npt.NDArray[np.float64], ...]:
    """:func:`paired_difference` of each row of ``a`` against ``b``'s: mean, low, high, p."""
    rows, reps = a.shape
    out = np.full((4, rows), NAN)
    fast: npt.NDArray[np.bool_] = np.asarray(~(np.isnan(a).any(axis=1) | np.isnan(b).any(axis=1)))
    if reps >= 2:
        fast[fast] = ~_constant_rows(a[fast] - b[fast])
    else:
        fast[:] = False
    for i in np.flatnonzero(~fast):
        out[:, i] = paired_difference(a[i].copy(), b[i].copy(), confidence)
    if fast.any():
        arm, base = a[fast], b[fast]
        result = stats.ttest_rel(arm, base, axis=-1)
        ci = result.confidence_interval(confidence_level=confidence)
        out[:, fast] = np.vstack([(arm - base).mean(axis=1), ci.low, ci.high, result.pvalue])
    return tuple(out)


def _shares_in_range(
    table: pd.DataFrame,
    measures: list[str],
    found: tuple[npt.NDArray[np.float64], ...],
    conf: float,
) -> None:
    """Each share's interval that leaves [0, 1] replaced (:func:`metric_interval`), in place."""
    _, low, high, n = found
    for i, metric in enumerate(measures):
        if metric in SHARE_COUNTS and n[i] >= 2 and (low[i] < 0.0 or high[i] > 1.0):
            values = table[metric].to_numpy(np.float64)
            _, low[i], high[i], _ = metric_interval(values, table, metric, conf)


def summarize(metrics: pd.DataFrame, baseline: str, confidence: float = 0.95) -> pd.DataFrame:
    """The ``summary.csv`` table: a row per (arm, metric) of ``metrics.csv``.

    Args:
        metrics: The ``metrics`` table, a row per (arm, replicate).
        baseline: The arm every other arm is compared with; its own difference columns are NaN.
        confidence: Confidence level of every interval.

    Returns:
        A DataFrame with :data:`SUMMARY_COLUMNS`, arms in their order of appearance and metrics
        in column order; ``ab_prospects_per_arm`` is the live A/B test's size for the rows of
        :data:`AB_METRICS` (:func:`ab_prospects_per_arm`), NaN elsewhere; then
        :data:`ANSWER_COLUMNS` (:func:`with_replicate_answers`).
    """
    measures = [
        c
        for c in metrics.columns
        if c not in ID_COLUMNS and pd.api.types.is_numeric_dtype(metrics[c])
    ]
    arms = list(dict.fromkeys(metrics["arm"]))
    # Index by replicate so an arm and the baseline line up on the same prospects.
    by_arm = {arm: metrics[metrics["arm"] == arm].set_index("replicate") for arm in arms}
    base = by_arm.get(baseline)
    parts = []
    for arm in arms:
        table = by_arm[arm]
        # A row per metric, a column per replicate: each metric's values contiguous.
        found = _intervals(np.ascontiguousarray(table[measures].to_numpy(np.float64).T), confidence)
        _shares_in_range(table, measures, found, confidence)
        diff = tuple(np.full(len(measures), NAN) for _ in range(4))
        if base is not None and arm != baseline:
            common = table.index.intersection(base.index)
            pair = (table.loc[common, measures], base.loc[common, measures])
            a, b = (np.ascontiguousarray(p.to_numpy(np.float64).T) for p in pair)
            diff = _paired(a, b, confidence)
        columns = (found[0], found[1], found[2], found[3], *diff)
        part = pd.DataFrame(dict(zip(SUMMARY_COLUMNS[2:10], columns, strict=True)))
        part.insert(0, "metric", measures)
        part.insert(0, "arm", arm)
        parts.append(part)
    frame = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=list(SUMMARY_COLUMNS[:10]))
    )
    frame["n"] = frame["n"].astype(np.int64)
    # Added after them: the columns before it are the design's, in its order (design section 5).
    frame["ab_prospects_per_arm"] = _ab_column(frame, baseline)
    return with_replicate_answers(frame)


def with_replicate_answers(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (a one-world summary) with :data:`ANSWER_COLUMNS`: the replicate test's verdict.

    The intervals cover the simulation's noise only (``interval`` = ``replicates``, one world,
    no share of worlds); the verdict is the paired interval's (:func:`replicate_verdict`).
    """
    frame = frame.copy()
    frame["interval"] = REPLICATES
    frame["worlds"] = np.int64(0)  # as the config says it: worlds=0
    frame["share_worlds_better"] = NAN
    frame["verdict"] = [
        replicate_verdict(str(m), float(lo), float(hi))
        for m, lo, hi in frame[["metric", "diff_ci_low", "diff_ci_high"]].itertuples(index=False)
    ]
    frame["depends_on"] = ""
    return frame
