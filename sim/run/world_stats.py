"""Statistics over plausible worlds: intervals that carry the model's own uncertainty.

A run over ``worlds=K`` (:mod:`sim.run.worlds`) gives every metric a value per (world,
replicate). For each (arm, metric) this module gives, with the rules of docs/uncertainty.md
("Answers over plausible worlds"):

- per world, the mean over its replicates and that mean's standard error, from the within-world
  variance pooled over the worlds (the one-way analysis of variance's within mean square: with
  the 1 or 2 replicates a world gets, a world's own variance would have 0 or 1 degree of
  freedom);
- the interval: the quantiles of the equal-weight mixture of the worlds' sampling distributions,
  each a Student t (``scipy.stats.t``) centred on the world's mean with its standard error, so it
  holds both the spread between worlds and the replicate noise within each; the quantiles are
  the roots of the mixture's CDF (``scipy.optimize.elementwise.find_root``, every row at once).
  With one replicate per world (no within-world variance to estimate) it is the empirical
  quantiles of the worlds' values (``scipy.stats.mstats.mquantiles``): each one is a draw from
  that same mixture;
- the share of worlds in which an arm's mean difference from the baseline is on the better side
  (:data:`sim.run.verdicts.DIRECTION`), whether the worlds disagree beyond replicate noise
  (``scipy.stats.f_oneway``), and the verdict (:func:`sim.run.verdicts.worlds_verdict`);
- for a verdict of ``depends``, the parameters the difference depends on, from the drivers
  table (:mod:`sim.run.depends`).

``p_value`` is NaN across worlds: there is no sampling question of "is the difference zero"
whose answer the worlds' spread is the noise of (docs/uncertainty.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats
from scipy.optimize.elementwise import find_root

from sim.run.depends import COLUMNS as DRIVER_COLUMNS
from sim.run.depends import driver_table, named
from sim.run.stats import ANSWER_COLUMNS, NAN, SUMMARY_COLUMNS, _ab_column, _constant
from sim.run.verdicts import DEPENDS, DIRECTION, WORLDS, worlds_verdict

if TYPE_CHECKING:
    from sim.model.worlds import WorldsConfig

F64 = npt.NDArray[np.float64]

#: Columns of a worlds-mode ``metrics.csv`` that identify a row rather than measure something.
WORLD_ID_COLUMNS: frozenset[str] = frozenset({"arm", "world", "replicate", "seed"})
#: How far below and above the worlds' means the search for a quantile starts, in standard
#: errors: a Student t with 2 degrees of freedom leaves less than 1e-6 beyond 1,000.
BRACKET_SE = 1000.0


@dataclass(frozen=True)
class Spread:
    """One quantity's values over the worlds: what an interval and a verdict need."""

    worlds: npt.NDArray[np.int64]  # the worlds with at least one value, ascending
    means: F64  # each world's mean over its replicates
    scale: F64  # the standard error of each world's mean (0 with no within-world variance)
    df: int  # degrees of freedom of the pooled within-world variance (0: one value per world)
    n: int  # values, over every world and replicate
    groups: tuple[F64, ...]  # each world's values, for the analysis of variance


def spread(values: F64, world: npt.NDArray[np.int64]) -> Spread:
    """The :class:`Spread` of ``values`` (one per run) grouped by ``world``; NaNs dropped."""
    keep = ~np.isnan(values)
    v, w = values[keep], world[keep]
    worlds, inverse, counts = np.unique(w, return_inverse=True, return_counts=True)
    means = np.bincount(inverse, weights=v, minlength=worlds.size) / np.maximum(counts, 1)
    df = int(counts.sum() - counts.size)
    scale = np.zeros(worlds.size)
    if df > 0:
        resid = v - means[inverse]
        within = float(resid @ resid) / df  # the pooled within-world variance
        scale = np.sqrt(within / counts)
    groups = tuple(v[inverse == i] for i in range(worlds.size))
    return Spread(worlds.astype(np.int64), means, scale, df, int(v.size), groups)


def _noisy(s: Spread) -> bool:
    """Whether ``s`` has a within-world noise to mix (else its worlds are point masses)."""
    return s.df > 0 and bool(np.any(s.scale > 0)) and not _constant(np.concatenate(s.groups))


def intervals(spreads: list[Spread], confidence: float = 0.95) -> F64:
    """The across-worlds interval of each spread, as rows ``(low, high)``.

    A spread with replicate noise gets the quantiles of the mixture of its worlds' Student t
    sampling distributions; one without (a replicate per world, or values that never vary
    within a world) the empirical quantiles of its worlds' means; one with fewer than two worlds
    and no noise, NaN.
    """
    out = np.full((len(spreads), 2), NAN)
    tail = (1.0 - confidence) / 2.0
    noisy = [_noisy(s) for s in spreads]
    for i, s in enumerate(spreads):
        if not noisy[i] and s.means.size >= 2:
            q = stats.mstats.mquantiles(s.means, prob=[tail, 1.0 - tail])
            out[i] = np.asarray(q, dtype=np.float64)
    mixed = [i for i, yes in enumerate(noisy) if yes]
    if mixed:
        out[mixed] = _mixture_quantiles([spreads[i] for i in mixed], tail)
    return out


def _mixture_quantiles(spreads: list[Spread], tail: float) -> F64:
    """Quantiles ``tail`` and ``1 - tail`` of each spread's mixture of Student t distributions."""
    width = max(s.means.size for s in spreads)
    rows = 2 * len(spreads)
    means = np.zeros((rows, width))
    scale = np.ones((rows, width))
    weight = np.zeros((rows, width))
    df = np.ones(rows)
    target = np.tile([tail, 1.0 - tail], len(spreads))
    low = np.empty(rows)
    high = np.empty(rows)
    for j, s in enumerate(spreads):
        k = s.means.size
        for r in (2 * j, 2 * j + 1):
            means[r, :k], scale[r, :k], weight[r, :k], df[r] = s.means, s.scale, 1.0 / k, s.df
            reach = BRACKET_SE * float(s.scale.max())
            low[r], high[r] = float(s.means.min()) - reach, float(s.means.max()) + reach

    def excess(x: F64, row: F64) -> F64:
        # The mixture's CDF at x minus the quantile's level; find_root passes the rows still
        # searching, so each x comes with its row number.
        r = row.astype(np.int64)
        z = (x[:, None] - means[r]) / scale[r]
        cdf = np.asarray(stats.t.cdf(z, df[r][:, None]), dtype=np.float64)
        out: F64 = np.sum(weight[r] * cdf, axis=1) - target[r]
        return out

    found = find_root(excess, (low, high), args=(np.arange(rows, dtype=np.float64),))
    return np.asarray(found.x, dtype=np.float64).reshape(len(spreads), 2)


def worlds_disagree(s: Spread, alpha: float = 0.05) -> bool:
    """Whether the worlds' mean differences differ by more than replicate noise explains.

    With replicates (``df > 0``): the one-way analysis of variance over the worlds
    (``scipy.stats.f_oneway``) rejects equal means at ``alpha``, and at least one world's mean
    is clear of zero (its own Student t interval excludes it). With one replicate per world the
    worlds cannot be told from noise: they disagree when their differences take both signs.
    """
    if s.means.size < 2:
        return False
    if s.df == 0:
        return bool(np.any(s.means > 0) and np.any(s.means < 0))
    if not _noisy(s):  # no noise within worlds: any difference between them is the worlds'
        return not _constant(s.means)
    p = float(stats.f_oneway(*s.groups).pvalue)
    reach = stats.t.ppf(1.0 - alpha / 2.0, s.df) * s.scale
    return p < alpha and bool(np.any(np.abs(s.means) > reach))


def _shares(metric: str, s: Spread) -> tuple[float, float]:
    """Shares of worlds whose mean difference is on the better and on the worse side of zero."""
    sign = DIRECTION.get(metric)
    if sign is None or s.means.size == 0:
        return NAN, NAN
    oriented = sign * s.means
    return float(np.mean(oriented > 0)), float(np.mean(oriented < 0))


def _indexed(metrics: pd.DataFrame, arm: str) -> pd.DataFrame:
    return metrics[metrics["arm"] == arm].set_index(["world", "replicate"]).sort_index()


@dataclass(frozen=True)
class WorldAnswers:
    """A run's answer across worlds: ``summary.csv``, and what each difference depends on."""

    summary: pd.DataFrame
    # A row per (arm, metric, parameter) for the pairs of DRIVEN_METRICS and every "depends"
    # verdict (sim.run.depends); empty without worlds to name.
    drivers: pd.DataFrame


#: The pairs whose drivers are always computed (the report's figure), beside every ``depends``.
DRIVEN_METRICS: frozenset[str] = frozenset({"response_rate", "meeting_rate", "opt_out_rate"})


def summarize_worlds(
    metrics: pd.DataFrame,
    baseline: str,
    worlds: WorldsConfig | None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """The ``summary.csv`` table across worlds (:func:`answer_worlds`'s summary)."""
    return answer_worlds(metrics, baseline, worlds, confidence).summary


def answer_worlds(
    metrics: pd.DataFrame,
    baseline: str,
    worlds: WorldsConfig | None,
    confidence: float = 0.95,
) -> WorldAnswers:
    """The answer across worlds: a row per (arm, metric) of ``metrics.csv``, and its drivers.

    Args:
        metrics: A worlds-mode ``metrics`` table, a row per (arm, world, replicate).
        baseline: The arm every other arm is compared with; its own difference columns are NaN.
        worlds: The ensemble the worlds came from (its parameters name what a ``depends``
            verdict depends on); None names nothing.
        confidence: Confidence level of every interval.

    Returns:
        The summary, with :data:`sim.run.stats.SUMMARY_COLUMNS`: ``mean`` is the mean of the
        worlds' means, the intervals are across worlds (``interval`` says ``worlds``), ``n`` the
        runs (worlds times replicates), ``p_value`` NaN; and the drivers table.
    """
    measures = [
        c
        for c in metrics.columns
        if c not in WORLD_ID_COLUMNS and pd.api.types.is_numeric_dtype(metrics[c])
    ]
    arms = list(dict.fromkeys(metrics["arm"]))
    by_arm = {arm: _indexed(metrics, arm) for arm in arms}
    base = by_arm.get(baseline)
    rows: list[dict[str, object]] = []
    spreads: list[Spread] = []
    diffs: list[Spread | None] = []
    for arm in arms:
        table = by_arm[arm]
        common = None if base is None else table.index.intersection(base.index)
        for metric in measures:
            spreads.append(_spread_of(table, metric, table.index))
            diff = None
            if base is not None and arm != baseline and common is not None and len(common):
                paired = table.loc[common, metric].to_numpy(np.float64) - base.loc[
                    common, metric
                ].to_numpy(np.float64)
                diff = spread(paired, common.get_level_values("world").to_numpy(np.int64))
            diffs.append(diff)
            rows.append({"arm": arm, "metric": metric})
    frame = _assemble(rows, spreads, diffs, confidence)
    k = max((int(s.worlds.max()) + 1 for s in spreads if s.worlds.size), default=0)
    frame["worlds"] = np.int64(k)
    drivers = _drivers(frame, diffs, worlds, k)
    names = {key: named(drivers, *key) for key in _depending(frame)}
    frame["depends_on"] = [
        ";".join(names.get((str(a), str(m)), []))
        for a, m in zip(frame["arm"], frame["metric"], strict=True)
    ]
    frame.insert(10, "ab_prospects_per_arm", _ab_column(frame, baseline))
    return WorldAnswers(frame[list(SUMMARY_COLUMNS)], drivers)


def _spread_of(table: pd.DataFrame, metric: str, index: pd.Index) -> Spread:
    return spread(
        table.loc[index, metric].to_numpy(np.float64),
        index.get_level_values("world").to_numpy(np.int64),
    )


def _assemble(
    rows: list[dict[str, object]],
    spreads: list[Spread],
    diffs: list[Spread | None],
    confidence: float,
) -> pd.DataFrame:
    """The summary's rows from each row's spreads: intervals, shares and verdicts."""
    value_ci = intervals(spreads, confidence)
    compared = [i for i, d in enumerate(diffs) if d is not None]
    diff_ci = np.full((len(rows), 2), NAN)
    if compared:
        diff_ci[compared] = intervals([d for d in diffs if d is not None], confidence)
    for i, row in enumerate(rows):
        s, d, metric = spreads[i], diffs[i], str(row["metric"])
        row.update(
            mean=float(s.means.mean()) if s.means.size else NAN,
            ci_low=value_ci[i, 0],
            ci_high=value_ci[i, 1],
            n=s.n,
            diff_vs_baseline=float(d.means.mean()) if d is not None and d.means.size else NAN,
            diff_ci_low=diff_ci[i, 0],
            diff_ci_high=diff_ci[i, 1],
            p_value=NAN,
        )
        better, worse = _shares(metric, d) if d is not None else (NAN, NAN)
        verdict = ""
        if d is not None:
            verdict = worlds_verdict(
                metric, diff_ci[i, 0], diff_ci[i, 1], better, worse, worlds_disagree(d)
            )
        row.update(interval=WORLDS, share_worlds_better=better, verdict=verdict, depends_on="")
    frame = pd.DataFrame(rows, columns=[*SUMMARY_COLUMNS[:10], *ANSWER_COLUMNS])
    frame["n"] = frame["n"].astype(np.int64)
    return frame


def _depending(frame: pd.DataFrame) -> list[tuple[str, str]]:
    """The (arm, metric) pairs whose verdict is ``depends``."""
    hit = frame[frame["verdict"] == DEPENDS]
    return [(str(a), str(m)) for a, m in zip(hit["arm"], hit["metric"], strict=True)]


def _drivers(
    frame: pd.DataFrame, diffs: list[Spread | None], worlds: WorldsConfig | None, k: int
) -> pd.DataFrame:
    """The drivers table of every ``depends`` pair and the compared pairs of DRIVEN_METRICS."""
    wanted = set(_depending(frame))
    per_world = [
        {"arm": arm, "metric": metric, "world": int(w), "diff": float(m)}
        for arm, metric, d in zip(frame["arm"], frame["metric"], diffs, strict=True)
        if d is not None and ((arm, metric) in wanted or metric in DRIVEN_METRICS)
        for w, m in zip(d.worlds, d.means, strict=True)
    ]
    if worlds is None or k < 2 or not per_world:
        return pd.DataFrame(columns=list(DRIVER_COLUMNS))
    return driver_table(pd.DataFrame(per_world), worlds, k)
