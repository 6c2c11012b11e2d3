"""Ranking and selection of the finalists, then the finalists across the plausible worlds.

The search's best scores are optimistic (the best of many noisy estimates). The finalists run
again on fresh replicates (from :data:`FRESH`, with common random numbers among them) in Kim and
Nelson's fully sequential procedure KN (Kim & Nelson 2001, "A fully sequential procedure for
indifference-zone selection in simulation", ACM TOMACS 11(3):251-273): after ``n0`` replicates
each, a finalist is eliminated once its mean falls below another's by more than a shrinking
allowance; KN guarantees that the chosen one is within ``margin`` (the indifference zone
``delta``) of the best with probability at least ``1 - alpha``. Beside that guarantee the table
reports an estimate of the probability of correct selection from the replicates themselves
(the Bonferroni bound used by OCBA, Chen et al. 2000): ``1 - sum_i Phi((m_i - m_b - delta) /
se_bi)`` over paired differences.

Then (:func:`across_worlds`) every finalist runs in each of the model's first K plausible worlds
(sim.run.worlds) with the same seed: in how many worlds each is best, its worst-case score and
its largest regret; the robust choice minimises the largest regret (Savage's minimax regret).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from sim.model.cadence import StrategyConfig
from sim.model.config import ExperimentConfig
from sim.optimize.evaluate import Values, mean_values, run_candidates, score
from sim.optimize.space import Selection, Space
from sim.run.worlds import world_configs

#: The selection stage's replicates start here: fresh dice, the search's luck does not carry over.
FRESH = 100_000


@dataclass
class Finalist:
    """One finalist's replicates in the selection stage."""

    name: str
    cadence: str
    scores: list[float] = field(default_factory=list)
    values: list[Values] = field(default_factory=list)
    eliminated_at: int | None = None  # the replicates it had when KN eliminated it

    @property
    def mean(self) -> float:
        """The mean weighted score."""
        return float(sum(self.scores) / len(self.scores))


@dataclass
class SelectionResult:
    """What the selection stage found."""

    finalists: list[Finalist]
    chosen: str
    resolved: bool  # KN ended with one survivor (its guarantee holds), not at the replicate cap
    pcs_guarantee: float  # 1 - alpha when resolved, else None's stand-in nan
    pcs_estimate: float
    margin: float
    replications: int


def kn_constants(k: int, n0: int, alpha: float) -> float:
    """KN's ``h^2 = 2 eta (n0 - 1)``, ``eta = ((2 alpha / (k - 1))^(-2 / (n0 - 1)) - 1) / 2``."""
    eta = 0.5 * ((2 * alpha / (k - 1)) ** (-2.0 / (n0 - 1)) - 1.0)
    return float(2.0 * eta * (n0 - 1))


def _run(
    cfg: ExperimentConfig,
    space: Space,
    strategies: Mapping[str, StrategyConfig],
    finalists: dict[str, Finalist],
    alive: list[str],
    replicates: range,
) -> None:
    runs = run_candidates(cfg, {n: strategies[n] for n in alive}, [FRESH + r for r in replicates])
    for name, rows in runs.items():
        finalists[name].values += rows
        finalists[name].scores += [score(v, space.objectives) for v in rows]


def kim_nelson(
    cfg: ExperimentConfig,
    space: Space,
    strategies: Mapping[str, StrategyConfig],
    cadences: Mapping[str, str],
) -> SelectionResult:
    """KN among ``strategies`` (the weighted score, maximised), ``max_replications`` at most."""
    sel: Selection = space.selection
    finalists = {n: Finalist(n, cadences[n]) for n in strategies}
    alive = list(strategies)
    n0, delta = sel.first_stage, sel.margin
    _run(cfg, space, strategies, finalists, alive, range(n0))
    if len(alive) == 1:
        return _result(finalists, alive, True, sel, n0)
    h2 = kn_constants(len(alive), n0, sel.alpha)
    first = {n: np.asarray(finalists[n].scores[:n0]) for n in alive}
    s2 = {
        (i, j): float(np.var(first[i] - first[j], ddof=1)) for i in alive for j in alive if i != j
    }
    r = n0
    while True:
        means = {n: finalists[n].mean for n in alive}
        keep = [
            i
            for i in alive
            if all(
                means[i] >= means[j] - max(0.0, delta / (2 * r) * (h2 * s2[i, j] / delta**2 - r))
                for j in alive
                if j != i
            )
        ]
        for n in alive:
            if n not in keep:
                finalists[n].eliminated_at = r
        alive = keep or [max(alive, key=lambda n: means[n])]
        if len(alive) == 1 or r >= sel.max_replications:
            return _result(finalists, alive, len(alive) == 1, sel, r)
        _run(cfg, space, strategies, finalists, alive, range(r, r + 1))
        r += 1


def pcs_estimate(finalists: Mapping[str, Finalist], best: str, delta: float) -> float:
    """The Bonferroni estimate of P(correct selection) within ``delta`` from paired replicates."""
    b = finalists[best]
    miss = 0.0
    for name, f in finalists.items():
        if name == best:
            continue
        n = min(len(f.scores), len(b.scores))
        diff = np.asarray(b.scores[:n]) - np.asarray(f.scores[:n])  # common random numbers
        se = float(np.std(diff, ddof=1) / math.sqrt(n)) if n > 1 else math.inf
        if se == 0.0:
            miss += 0.0 if diff.mean() + delta > 0 else 1.0
            continue
        miss += float(stats.norm.cdf(-(diff.mean() + delta) / se))
    return max(0.0, 1.0 - miss)


def _result(
    finalists: dict[str, Finalist], alive: list[str], resolved: bool, sel: Selection, r: int
) -> SelectionResult:
    chosen = max(alive, key=lambda n: finalists[n].mean)
    return SelectionResult(
        finalists=list(finalists.values()),
        chosen=chosen,
        resolved=resolved,
        pcs_guarantee=1.0 - sel.alpha if resolved else math.nan,
        pcs_estimate=pcs_estimate(finalists, chosen, sel.margin),
        margin=sel.margin,
        replications=r,
    )


@dataclass
class WorldsResult:
    """Each finalist's mean score in each world, and the robust choice."""

    scores: dict[str, list[float]]  # finalist -> score per world
    best_in: dict[str, int]
    worst_case: dict[str, float]
    max_regret: dict[str, float]
    robust: str


def across_worlds(
    cfg: ExperimentConfig, space: Space, strategies: Mapping[str, StrategyConfig]
) -> WorldsResult:
    """The finalists in each of ``space.worlds`` plausible worlds (same seed: CRN across worlds)."""
    names = list(strategies)
    per_world = world_configs(dataclasses.replace(cfg, worlds=space.worlds))
    scores: dict[str, list[float]] = {n: [] for n in names}
    for one in per_world:
        runs = run_candidates(one, strategies, range(cfg.replications))
        for n in names:
            scores[n].append(score(mean_values(runs[n]), space.objectives))
    table = np.array([scores[n] for n in names])  # finalists x worlds
    regret = table.max(axis=0) - table
    winners = table.argmax(axis=0)
    max_regret = {n: float(regret[i].max()) for i, n in enumerate(names)}
    return WorldsResult(
        scores=scores,
        best_in={n: int((winners == i).sum()) for i, n in enumerate(names)},
        worst_case={n: float(table[i].min()) for i, n in enumerate(names)},
        max_regret=max_regret,
        robust=min(names, key=lambda n: (max_regret[n], -float(np.mean(scores[n])))),
    )
