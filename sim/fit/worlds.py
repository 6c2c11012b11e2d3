"""A fitted model's plausible worlds: what the log determines, and what it leaves open.

``outreach-sim-fit`` writes, beside the fitted model, its ensemble (``conf/model/worlds/
fitted_<name>.yaml``, a :class:`~sim.model.worlds.WorldsConfig`), drawn as docs/uncertainty.md
("Plausible worlds of a fitted model") explains:

- a parameter the log identifies is drawn from the fit's sampling distribution: jointly, a normal
  with the estimates' covariance (the inverse observed information) on the scale each parameter
  is fitted on (log for half-lives and spreads, log-odds otherwise), truncated to the fit's
  bounds and mapped back, so confounded pairs move together; reply delays, estimated in closed
  form, each from its own normal on the log scale. Its status is ``identified`` when its 95 %
  interval spans at most a factor of 4 (:data:`IDENTIFIED_WIDTH`), ``weak`` when it is wider
  (up to the factor of 100 beyond which the fit calls it not identified);
- a parameter the log does not identify (sim.fit.verdict), and every other parameter the base
  model's own worlds vary, takes the base worlds' values, row by row (status ``prior``): never a
  bound, never the default alone. A parameter not identified that the base worlds do not vary is
  drawn uniformly from :func:`prior_range`, a range stated here and in the docs.

The number of worlds is the base ensemble's (or :data:`DEFAULT_ROWS` without one), rows in a
random order (the first ``K`` are a random subsample), all drawn from one seeded stream of the
fit's ``--seed``: the same log and seed give the same worlds.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import yaml
from scipy import stats

from sim.fit.estimate import LEVEL, Estimate, FitResult
from sim.fit.misfit import Misfit, misfit_of
from sim.fit.params import Param, natural, to_scale
from sim.fit.verdict import NOT_IDENTIFIED
from sim.model.arrays import F64
from sim.model.config import ModelConfig
from sim.model.worlds import MODEL_VERSION, WorldsConfig

#: Worlds drawn when the base model carries no ensemble of its own.
DEFAULT_ROWS = 50
#: The widest 95 % interval (on the fitting scale) of an ``identified`` parameter: a factor of 4
#: (its odds, or its value, known within a factor of 2 either way).
IDENTIFIED_WIDTH = math.log(4.0)
#: The worlds' own stream of the fit's seed (the hidden paths use the seed itself).
WORLDS_STREAM = 0x57_4F_52_4C
#: Rounds of rejection that keep the normal draws inside the fit's bounds.
MAX_TRIES = 50
#: Kinds of parameter that scale an effect per unit (a touch, an exposure, annoyance): their
#: prior range keeps the default's sign, from none of the effect to twice it.
PER_UNIT = ("wearout", "habituation", "response_annoyance", "optout_annoyance")
METHOD = (
    "identified by the log: normal draws from the fit's covariance on each parameter's fitting "
    "scale, truncated to its bounds; not identified, and the base model's other world "
    "parameters: the base worlds' rows (a stated range where they have none)"
)


@dataclass(frozen=True)
class WorldRange:
    """One parameter of the fitted worlds as the report lists it."""

    parameter: str
    status: str  # identified | weak | prior
    source: str  # where its values come from
    value: float  # the fitted model's value (the estimate, or the base model's)
    low: float  # 5 % quantile over the worlds
    high: float  # 95 % quantile


@dataclass(frozen=True)
class Ensemble:
    """A fitted model's worlds, and a row per parameter for the report and fit.json."""

    worlds: WorldsConfig
    ranges: list[WorldRange]
    misfit: float = 0.0  # sim.fit.misfit: the replays' spread beyond noise (log-odds)
    misfit_mean: float = 0.0  # and their mean miss, where every world's shift is centred

    def counts(self) -> dict[str, int]:
        """Parameters per status: ``{"identified": 9, "weak": 3, "prior": 12}``."""
        return {s: sum(r.status == s for r in self.ranges) for s in ("identified", "weak", "prior")}


def fitted_worlds(result: FitResult, base: ModelConfig, *, seed: int, source: str) -> Ensemble:
    """The fitted model's worlds (``base``: the model the fit started from, with its worlds)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, WORLDS_STREAM]))
    prior = base.worlds if base.worlds is not None and base.worlds.values else None
    n = len(prior.values) if prior is not None else DEFAULT_ROWS
    columns: dict[str, F64] = {}
    status: dict[str, str] = {}
    origin: dict[str, str] = {}
    _from_fit(result, n, rng, columns, status, origin)
    _delays(result, n, rng, columns, status, origin)
    if prior is not None:
        rows = np.asarray(prior.values, np.float64)[rng.permutation(n)]
        for i, path in enumerate(prior.parameters):
            if path not in columns:
                columns[path], status[path], origin[path] = rows[:, i], "prior", "base worlds"
    params = {p.path: p for p in result.params}
    for e in result.estimates:
        if e.status == NOT_IDENTIFIED and e.path not in columns:
            low, high = prior_range(params.get(e.path), e.default)
            par = params.get(e.path, Param(e.path, "delay", scale="log"))
            columns[e.path] = _natural(par, rng.uniform(low, high, n))
            status[e.path], origin[e.path] = "prior", "stated range (not in base worlds)"
    missed = misfit_of(result.sequences)
    if missed.found:
        _widen_by_misfit(result, base, missed, n, rng, columns, status, origin)
    names = list(columns)
    table = np.column_stack([columns[p] for p in names]) if names else np.zeros((n, 0))
    worlds = WorldsConfig(
        model_version=MODEL_VERSION,
        source=f"outreach-sim-fit {source}",
        method=METHOD,
        parameters=names,
        status=status,
        values=[[float(f"{v:.6g}") for v in row] for row in table],
    )
    used = {e.path: e.estimate for e in result.estimates}
    ranges = [
        WorldRange(
            parameter=p,
            status=status[p],
            source=origin[p],
            value=float(used.get(p, _value(base, p))),
            low=float(np.quantile(table[:, j], 0.05)),
            high=float(np.quantile(table[:, j], 0.95)),
        )
        for j, p in enumerate(names)
    ]
    mean = missed.mean if missed.found else 0.0
    return Ensemble(worlds, ranges, misfit=missed.sd, misfit_mean=mean)


def _widen_by_misfit(
    result: FitResult,
    base: ModelConfig,
    missed: Misfit,
    n: int,
    rng: np.random.Generator,
    columns: dict[str, F64],
    status: dict[str, str],
    origin: dict[str, str],
) -> None:
    """Shift every fitted channel's reply log-odds by one predictive draw of the miss per world."""
    shift = missed.shifts(n, rng)
    used = {e.path: e.estimate for e in result.estimates}
    for p in result.params:
        if not p.path.startswith("response_base."):
            continue
        value = columns.get(p.path, np.full(n, float(used.get(p.path, _value(base, p.path)))))
        columns[p.path] = value + shift
        status[p.path] = "weak"  # the log pins it down less than its covariance says
        origin[p.path] = f"{origin.get(p.path, 'the fitted value')}, shifted by the misfit"


def _from_fit(
    result: FitResult,
    n: int,
    rng: np.random.Generator,
    columns: dict[str, F64],
    status: dict[str, str],
    origin: dict[str, str],
) -> None:
    """The parameters the log identifies: joint normal draws from the fit's covariance."""
    cov = result.covariance
    free = np.flatnonzero(np.isfinite(np.diag(cov))) if cov.size else np.zeros(0, np.intp)
    if free.size == 0:
        return
    par = [result.params[j] for j in free]
    draws = truncated_normal(
        result.optimum[free],
        cov[np.ix_(free, free)],
        np.array([p.lower for p in par]),
        np.array([p.upper for p in par]),
        n,
        rng,
    )
    z = float(stats.norm.ppf(0.5 + LEVEL / 2.0))
    for i, p in enumerate(par):
        se = math.sqrt(float(cov[free[i], free[i]]))
        columns[p.path] = _natural(p, draws[:, i])
        status[p.path] = "identified" if 2.0 * z * se <= IDENTIFIED_WIDTH else "weak"
        origin[p.path] = "the fit's covariance"


def _delays(
    result: FitResult,
    n: int,
    rng: np.random.Generator,
    columns: dict[str, F64],
    status: dict[str, str],
    origin: dict[str, str],
) -> None:
    """Reply delays (closed form, independent of the rest): each from its own normal."""
    for e in result.estimates:
        if not e.path.startswith("reply_delay") or e.status == NOT_IDENTIFIED:
            continue
        if e.scale == "log":  # a channel's median: normal on the log scale
            u = truncated_normal(
                np.array([math.log(e.estimate)]),
                np.array([[e.se**2]]),
                np.array([-np.inf]),
                np.array([np.inf]),
                n,
                rng,
            )
            columns[e.path] = np.exp(u[:, 0])
        else:  # the shared log-spread: normal, kept positive
            u = truncated_normal(
                np.array([e.estimate]),
                np.array([[e.se**2]]),
                np.zeros(1),
                np.full(1, np.inf),
                n,
                rng,
            )
            columns[e.path] = u[:, 0]
        status[e.path] = "identified" if _ratio(e) <= 4.0 else "weak"
        origin[e.path] = "the delays' closed-form estimate"


def _ratio(e: Estimate) -> float:
    """How many times its 95 % interval's low end the high end is (inf without one)."""
    if not (e.ci_low > 0.0 and math.isfinite(e.ci_high)):
        return math.inf
    return e.ci_high / e.ci_low


def truncated_normal(
    mean: F64, cov: F64, lower: F64, upper: F64, n: int, rng: np.random.Generator
) -> F64:
    """``n`` draws of a multivariate normal kept strictly inside ``(lower, upper)`` (rejection).

    After :data:`MAX_TRIES` rounds (an optimum close to several bounds at once), the rows still
    missing are drawn once more and moved just inside the bounds.
    """
    kept = np.zeros((0, mean.size))
    for _ in range(MAX_TRIES):
        draws = rng.multivariate_normal(mean, cov, size=n, method="eigh")
        inside = np.all((draws > lower) & (draws < upper), axis=1)
        kept = np.vstack([kept, draws[inside]])
        if len(kept) >= n:
            return kept[:n]
    rest = rng.multivariate_normal(mean, cov, size=n - len(kept), method="eigh")
    margin = 1e-3 * np.minimum(1.0, upper - lower)
    return np.vstack([kept, np.clip(rest, lower + margin, upper - margin)])


def prior_range(par: Param | None, default: float) -> tuple[float, float]:
    """Where a parameter the log does not identify, and the base worlds do not vary, is drawn.

    On the parameter's fitting scale, uniform, within the fit's bounds: a half-life, a spread
    or a reply delay (log scale) from half to twice its default; an effect per unit (wear-out,
    habituation, the annoyance terms) from none to twice the default, its sign kept; a base or
    a message value (log-odds) one log-odds either side of its default (a factor of e in odds).
    """
    if par is None or par.scale == "log":  # reply delays (closed form) are positive too
        centre, half = math.log(max(default, 1e-6)), math.log(2.0)
        low, high = centre - half, centre + half
    elif par.kind in PER_UNIT:
        low, high = min(0.0, 2.0 * default), max(0.0, 2.0 * default)
        if high - low < 1e-6:  # a default of zero: a small effect either way
            low, high = -0.1, 0.1
    else:
        u = to_scale(par, default)
        low, high = u - 1.0, u + 1.0
    if par is not None:
        low, high = max(low, par.lower), min(high, par.upper)
    return low, high


def _natural(par: Param, u: F64) -> F64:
    """Values on the fitting scale mapped back to the parameter's own units."""
    return np.array([natural(par, float(v)) for v in u], np.float64)


def _value(model: ModelConfig, path: str) -> float:
    """The model's value of a dotted parameter path."""
    node: object = model
    for part in path.split("."):
        node = getattr(node, part)
    return float(node)  # type: ignore[arg-type]


def worlds_yaml(worlds: WorldsConfig, name: str, source: str) -> str:
    """The ``model/worlds`` group file of a fitted model, with a header that says what it is."""
    header = (
        f"# Plausible worlds of the model fitted to {source} by outreach-sim-fit (name: {name}).\n"
        f"# conf/model/fitted_{name}.yaml selects them; outreach-sim model=fitted_{name} "
        "worlds=K runs\n# the experiment in the first K (docs/uncertainty.md). status: identified "
        "or weak\n# (drawn from the fit's covariance), prior (the base model's worlds: the log "
        "does not tell).\n"
    )
    body = dataclasses.asdict(worlds)
    return header + yaml.safe_dump(body, sort_keys=False, default_flow_style=None, width=100)
