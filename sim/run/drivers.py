"""What drives a difference: how much of its variation across the worlds each parameter explains.

A run over ``worlds=K`` gives, for each arm and metric, its mean paired difference from the
baseline in each world. The worlds differ in the parameters of ``model.worlds``, so the difference
varies from world to world; the first-order index of a parameter is the share of that variance
explained by the parameter alone (docs/uncertainty.md, "What drives a difference"):

    S_j = Var(E[diff | x_j]) / Var(diff)

The worlds are the ensemble as given, not a designed Sobol' sample, so the index comes from a
given-data estimator: the EASI ordering with the random-balance-design spectral estimate and its
bias correction, exactly as ``SALib.analyze.rbd_fast`` computes it (Plischke 2010; Tarantola et al.
2006; Tissot and Prieur 2012; ``tests/test_drivers.py`` checks equality with SALib 1.6.0), written
over arrays so that every parameter and every resample is one NumPy call:

- sort the worlds by ``x_j`` and read the differences up the odd ranks and back down the even
  ones (a smooth function of ``x_j`` becomes a periodic one, no jump at the ends);
- the index is the share of that sequence's periodogram (without its mean) in its first ``M``
  harmonics, corrected for the share noise alone puts there, ``S - 2M/K / (1 - 2M/K) (1 - S)``.

With 20 worlds the estimate is rough, and two SciPy resampling methods say how rough: a
permutation test of "the parameter explains nothing" (``scipy.stats.permutation_test``, the
worlds' differences reordered at random; p-values Bonferroni-adjusted over a pair's parameters
with statsmodels), and a percentile bootstrap interval over worlds (``scipy.stats.bootstrap``).
Both use a generator seeded here, so the same differences give the same table.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from sim.model.worlds import WorldsConfig

F64 = npt.NDArray[np.float64]

#: Columns of the drivers table, in order: one row per (arm, metric, parameter).
DRIVER_COLUMNS: tuple[str, ...] = (
    "arm",
    "metric",
    "parameter",
    "index",  # first-order share of the difference's variance across worlds, in [0, 1]
    "index_low",  # 95% percentile bootstrap interval over worlds
    "index_high",
    "p_value",  # permutation test of "explains nothing", Bonferroni-adjusted over the pair
    "status",  # identified / weak / prior (model.worlds.status; "prior" where it says nothing)
    "worlds",  # K: the worlds with a finite difference the index is estimated from
)

#: Fewer worlds than this give no index (NaN): with 9 worlds a parameter that explains nothing
#: often gets an index above 0.5 (docs/uncertainty.md).
MIN_WORLDS = 10
#: Resamples of the bootstrap, and at least as many of the permutation test (more with many
#: parameters: :func:`_permutations`).
RESAMPLES = 999
#: Seed of the resampling generator: the same differences always give the same table.
SEED = 20250
#: The rule :func:`matters` applies by default: a clear index, clear of noise, at most three names.
THRESHOLD = 0.1
ALPHA = 0.05
AT_MOST = 3


def harmonics(k: int) -> int:
    """Harmonics ``M`` of the spectral estimate for ``k`` worlds: one per 20 worlds, 1 to 6.

    One harmonic holds about 99% of a linear effect's variation in the EASI ordering (a triangle
    wave) and misses a U-shaped one (its second harmonic); more harmonics see more shapes but let
    more noise in (the correction takes ``2M/k`` of the variance as noise), so they wait for more
    worlds.
    """
    return min(6, max(1, k // 20))


def _easi_order(x: F64) -> npt.NDArray[np.intp]:
    """Positions that read the last axis up the odd ranks of ``x`` and down the even ones."""
    order = np.argsort(x, axis=-1, kind="stable")
    return np.concatenate([order[..., ::2], order[..., 1::2][..., ::-1]], axis=-1)


def _first_order(z: F64, m: int, axis: int = -1) -> F64:
    """The bias-corrected share of sequences ``z`` (along ``axis``) in their first ``m`` harmonics.

    SciPy's one-sided periodogram, as SALib reads it, counts each frequency twice except the
    Nyquist one of an even length: its sum is the sequence's whole variation (Parseval's
    theorem), ``K sum (z - mean)^2``, so only the first ``m`` terms of the Fourier transform are
    computed (two products with a cosine and a sine table: no FFT over every frequency). A
    constant sequence explains nothing (0).
    """
    z = np.moveaxis(np.asarray(z, dtype=np.float64), axis, -1)
    k = z.shape[-1]
    centred = z - z.mean(axis=-1, keepdims=True)
    angle = 2.0 * np.pi * np.outer(np.arange(k), np.arange(1, m + 1)) / k
    power = (centred @ np.cos(angle)) ** 2 + (centred @ np.sin(angle)) ** 2
    total = k * (centred**2).sum(axis=-1)
    spread = total > 1e-300
    share = np.where(spread, 2.0 * power.sum(axis=-1) / np.where(spread, total, 1.0), 0.0)
    noise = 2.0 * m / k
    return np.asarray(share - noise / (1.0 - noise) * (1.0 - share), dtype=np.float64)


def first_order_index(x: Any, y: Any, m: int | None = None, axis: int = -1) -> F64:
    """The first-order index of ``x`` on ``y`` along ``axis``, unclipped (SALib's ``S1``).

    Args:
        x: The parameter's values, one per world (any leading axes: one estimate each).
        y: The differences, one per world, broadcast against ``x``.
        m: Harmonics; :func:`harmonics` of the length if None.
        axis: The worlds' axis.
    """
    x_, y_ = np.broadcast_arrays(
        np.moveaxis(np.asarray(x, dtype=np.float64), axis, -1),
        np.moveaxis(np.asarray(y, dtype=np.float64), axis, -1),
    )
    k = x_.shape[-1]
    z = np.take_along_axis(y_, _easi_order(x_), axis=-1)
    return _first_order(z, harmonics(k) if m is None else m)


def _constant(v: F64) -> bool:
    """Equal values up to rounding (``sim.run.stats``' rule): nothing to explain, or no spread."""
    return bool(np.ptp(v) <= 1e-12 * max(1.0, float(np.abs(v).max())))


def _permutations(tested: int, resamples: int) -> int:
    """Permutations enough for a p-value to clear :data:`ALPHA` after Bonferroni over ``tested``.

    The smallest p-value ``n`` permutations can give is ``1 / (n + 1)``; times ``tested`` it must
    stay well under ``ALPHA``, so at least ``2 tested / ALPHA`` (40 per parameter at 0.05).
    """
    return max(resamples, math.ceil(2 * tested / ALPHA))


def _bonferroni(p: F64) -> F64:
    """Bonferroni's adjustment (statsmodels): valid whatever the tests' dependence.

    Holm's would be a little sharper past the first name, but statsmodels runs a full garbage
    collection for it on every call (a second on a busy machine).
    """
    from statsmodels.stats.multitest import multipletests  # ~1 s to import: only when needed

    return np.asarray(multipletests(p, method="bonferroni")[1], dtype=np.float64)


def pair_indices(x: F64, y: F64, *, resamples: int = RESAMPLES, seed: int = SEED) -> F64:
    """Index, bootstrap interval and adjusted p-value of each parameter for one pair.

    Args:
        x: The parameters' values, shape ``(worlds, parameters)``.
        y: The pair's difference in each world, shape ``(worlds,)``; NaN worlds are dropped.
        resamples: Resamples of the permutation test and of the bootstrap.
        seed: Seed of the resampling generator.

    Returns:
        Shape ``(parameters, 4)``: index (clipped to [0, 1]), interval low and high, p-value.
        NaN everywhere with fewer than :data:`MIN_WORLDS` finite differences. A parameter that
        does not vary, or a difference that does not vary, explains nothing: 0, 0, 0, p 1.
    """
    keep = np.isfinite(y)
    x, y = x[keep], y[keep]
    k, n = x.shape
    out = np.zeros((n, 4))
    out[:, 3] = 1.0
    if k < MIN_WORLDS:
        out[:] = math.nan
        return out
    varies = np.array([not _constant(x[:, j]) for j in range(n)], dtype=bool)
    if _constant(y) or not varies.any():
        return out
    m = harmonics(k)
    xs = x[:, varies].T  # (parameters, worlds)
    ys = np.broadcast_to(y, xs.shape)
    z = np.take_along_axis(ys, _easi_order(xs), axis=-1)
    from scipy import stats  # here: ~1 s that a sweep's page, reading our constants, never needs

    rng = np.random.default_rng(seed)
    test = stats.permutation_test(
        (z,),
        lambda s, axis: _first_order(s, m, axis),
        permutation_type="pairings",
        n_resamples=_permutations(int(varies.sum()), resamples),
        alternative="greater",
        axis=-1,
        rng=rng,
    )
    boot = stats.bootstrap(
        (xs, ys),
        lambda a, b, axis: first_order_index(a, b, m, axis),
        paired=True,
        n_resamples=resamples,
        method="percentile",
        axis=-1,
        rng=rng,
    )
    found = np.column_stack(
        [
            np.asarray(test.statistic),
            np.asarray(boot.confidence_interval.low),
            np.asarray(boot.confidence_interval.high),
        ]
    )
    out[varies, :3] = np.clip(found, 0.0, 1.0)
    out[varies, 3] = _bonferroni(np.asarray(test.pvalue, dtype=np.float64))
    return out


def _world_values(worlds: WorldsConfig, k: int) -> F64:
    if not 2 <= k <= len(worlds.values):
        raise ValueError(f"k={k}: the worlds have {len(worlds.values)} rows (2 to that many)")
    return np.asarray(worlds.values[:k], dtype=np.float64).reshape(k, len(worlds.parameters))


def drivers(
    diffs: pd.DataFrame,
    worlds: WorldsConfig,
    k: int,
    *,
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> pd.DataFrame:
    """Which world parameters each (arm, metric) difference depends on, most first.

    Args:
        diffs: One row per (arm, metric, world) with ``diff``, the arm's mean paired difference
            from the baseline in that world; worlds 0 to ``k - 1``, the first ``k`` rows of
            ``worlds.values``. A pair may lack worlds or hold NaN: those worlds are left out.
        worlds: The ensemble the worlds were run from (its parameters, rows and status).
        k: How many worlds were run.
        resamples: Resamples of the permutation test and of the bootstrap.
        seed: Seed of the resampling generator.

    Returns:
        :data:`DRIVER_COLUMNS`, one row per (arm, metric, parameter): pairs in the order they
        first appear in ``diffs``, parameters by index, largest first (NaN last).

    Raises:
        ValueError: ``k`` outside 2 to the number of rows, a world outside 0 to ``k - 1``, or
            two rows for one arm, metric and world.
    """
    x = _world_values(worlds, k)
    if len(diffs) and not diffs["world"].between(0, k - 1).all():
        raise ValueError(f"diffs name worlds outside 0 to {k - 1}")
    if diffs.duplicated(["arm", "metric", "world"]).any():
        raise ValueError("diffs hold more than one row for an arm, metric and world")
    names = list(worlds.parameters)
    status = [worlds.status.get(p, "prior") for p in names]
    parts = []
    for (arm, metric), part in diffs.groupby(["arm", "metric"], sort=False):
        y = np.full(k, math.nan)
        y[part["world"].to_numpy(dtype=int)] = part["diff"].to_numpy(dtype=np.float64)
        found = pair_indices(x, y, resamples=resamples, seed=seed)
        table = pd.DataFrame(
            {
                "arm": arm,
                "metric": metric,
                "parameter": names,
                "index": found[:, 0],
                "index_low": found[:, 1],
                "index_high": found[:, 2],
                "p_value": found[:, 3],
                "status": status,
                "worlds": int(np.isfinite(y).sum()),
            }
        )
        parts.append(table.sort_values("index", ascending=False, kind="stable", na_position="last"))
    if not parts:
        return pd.DataFrame(columns=list(DRIVER_COLUMNS))
    return pd.concat(parts, ignore_index=True)[list(DRIVER_COLUMNS)]


def matters(
    table: pd.DataFrame,
    arm: str,
    metric: str,
    *,
    threshold: float = THRESHOLD,
    alpha: float = ALPHA,
    at_most: int = AT_MOST,
    statuses: Sequence[str] = ("identified", "weak", "prior"),
) -> list[str]:
    """The parameters a pair's difference clearly depends on, largest index first.

    A parameter is named when its index is at least ``threshold`` and its adjusted p-value below
    ``alpha`` (the worlds' spread is not noise); at most ``at_most`` names, only those of the
    given ``statuses`` (e.g. ``("weak", "prior")`` for the parameters the evidence does not pin
    down). An empty list: no single parameter stands out (too few worlds, a difference spread over
    many parameters, or one that does not vary).
    """
    rows = table[(table["arm"] == arm) & (table["metric"] == metric)]
    clear = rows[
        (rows["index"] >= threshold) & (rows["p_value"] < alpha) & rows["status"].isin(statuses)
    ]
    ranked = clear.sort_values("index", ascending=False, kind="stable")
    return [str(p) for p in ranked["parameter"].head(at_most)]
