"""Maximum likelihood: which parameters a log identifies, their estimates, intervals and confounds.

:func:`fit` takes the parameters the log can speak to (:mod:`sim.fit.identify`: a channel it
used, a message kind it sent besides the reference kind, ...), maximises the simulated
likelihood of :mod:`sim.fit.likelihood` with SciPy's L-BFGS-B from the model's defaults, and
takes the covariance from the inverse of the observed information (the Hessian, by finite
differences of the exact gradient: :mod:`sim.fit.information`). Intervals are Wald intervals on
the scale the parameter is fitted on (log for half-lives and spreads, log-odds for shares),
mapped back. Pairs whose estimates correlate beyond :data:`~sim.fit.information.CONFOUNDED` are
named: the log cannot tell them apart. A parameter at a bound, flat, or with an interval wider
than 100x is not identified by this log (:mod:`sim.fit.verdict`): it keeps its default and the
rest are fitted again around it. Reply delays have their own, closed-form lognormal estimates.
docs/fitting.md explains each choice.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import numpy as np
from scipy import optimize, stats

from sim.fit import verdict
from sim.fit.identify import Kept, choose_params, default_value, start_value
from sim.fit.information import Joint, confounded_pairs, covariance, information, peel_wide
from sim.fit.likelihood import Likelihood
from sim.fit.params import Param, natural
from sim.fit.replay import NONE, FitLog, replay, subset
from sim.model.arrays import F64
from sim.model.channels import CHANNELS
from sim.model.config import RELATIONSHIPS, ModelConfig, PerRelationship, PopulationConfig
from sim.model.messages import MESSAGES

#: Hidden paths are drawn until the log's touches times paths reach this many (bounds memory),
#: with at least MIN_PATHS and at most MAX_PATHS paths per prospect.
PATH_TOUCHES = 150_000
MIN_PATHS, MAX_PATHS = 4, 16
#: Above this many prospects, the paths grow with the square root of the prospects.
PATHS_GROW_FROM = 15_000
LEVEL = 0.95
#: Prospects with an outcome get this many times the hidden paths of the silent ones.
REPLIED_PATHS = 8
#: The optimiser stops when an iteration gains less log-likelihood than this.
TOLERANCE = 1e-3
#: Rounds of setting aside what the log does not identify and fitting the rest again.
SETTLE_ROUNDS = 3
#: Hidden paths per silent prospect in the fit's first, rough stage.
PREVIEW_PATHS = 1


@dataclass
class Estimate:
    """One parameter's row in the estimates table."""

    path: str
    default: float
    estimate: float
    ci_low: float
    ci_high: float
    se: float  # on the fitting scale
    scale: str
    status: str  # estimated | confounded | not identified (sim.fit.verdict)
    note: str = ""
    reason: str = ""  # why it is not identified: at a bound, flat, interval wider than 100x


@dataclass
class FitResult:
    """What a fit found, and what it needs to write a model config and its report."""

    estimates: list[Estimate]
    confounded: list[tuple[str, str, float]]
    kept: list[Kept]  # (parameter, why it keeps its default)
    model: ModelConfig
    log_likelihood: float
    paths: int
    seconds: float
    converged: bool
    message: str
    summary: dict[str, Any] = field(default_factory=dict)
    sequences: list[Any] = field(default_factory=list)  # sim.fit.sequences.SequenceCheck
    # The fit's sampling distribution, on the scale each parameter is fitted on (sim.fit.worlds):
    # the fitted parameters, the optimum and its covariance (nan rows: not identified, held).
    params: list[Param] = field(default_factory=list)
    optimum: F64 = field(default_factory=lambda: np.zeros(0))
    covariance: F64 = field(default_factory=lambda: np.zeros((0, 0)))


def paths_for(log: FitLog) -> int:
    """Hidden paths per silent prospect for a log of this size.

    A small log gets paths until it has :data:`PATH_TOUCHES` touch-paths (cheap there). A large
    one gets more as it grows: the simulation bias of the log-likelihood stays put while the
    intervals narrow as one over the square root of the prospects, so the paths grow with that
    square root from :data:`MIN_PATHS` at :data:`PATHS_GROW_FROM` prospects (at 50,000
    prospects, 4 paths let 11 of 15 intervals hold the truth, 8 paths 14 of 16; docs/fitting.md).
    """
    touches = max(1, log.n * log.K)
    small = PATH_TOUCHES // touches
    large = math.ceil(MIN_PATHS * math.sqrt(log.n / PATHS_GROW_FROM))
    return int(np.clip(max(small, large), MIN_PATHS, MAX_PATHS))


def fit(
    log: FitLog,
    model: ModelConfig,
    population: PopulationConfig,
    *,
    seed: int = 0,
    paths: int | None = None,
    wrong_name_rate: float = 0.0,
) -> FitResult:
    """Fit the parameters ``log`` identifies; everything else keeps ``model``'s values."""
    began = time.perf_counter()
    params, kept = choose_params(log, model)
    u0 = np.array([start_value(p, model, log.vary_messages) for p in params])
    bounds = [(p.lower, p.upper) for p in params]
    R = paths or paths_for(log)
    # Two stages: a quick pass on few hidden paths finds the neighbourhood of the optimum, the
    # full set of paths refines it in a few steps (the likelihood's cost grows with the paths).
    # Stop when a step gains less than TOLERANCE in log-likelihood: far below what an interval
    # resolves, and it spares the optimiser its walk along the flat valleys of confounded pairs.
    rough = _joint(log, model, population, params, PREVIEW_PATHS, seed + 1, wrong_name_rate)
    first = optimize.minimize(
        rough, u0, jac=True, method="L-BFGS-B", bounds=bounds, options=_options(rough, u0, 10)
    )
    lik = _joint(log, model, population, params, R, seed, wrong_name_rate)
    res = optimize.minimize(
        lik, first.x, jac=True, method="L-BFGS-B", bounds=bounds, options=_options(lik, u0, 1)
    )
    found = _Optimum(np.asarray(res.x, np.float64), res, params)
    z = float(stats.norm.ppf(0.5 + LEVEL / 2.0))
    found.settle(lik, u0, bounds, z)
    estimates = found.estimates(model, log.vary_messages, z)
    kept_in = np.flatnonzero(np.isfinite(np.diag(found.cov)))
    pairs = confounded_pairs([params[j].path for j in kept_in], found.cov[np.ix_(kept_in, kept_in)])
    _mark_confounded(estimates, pairs)
    delays = delay_estimates(log, model, z)
    judge_delays(delays)
    estimates += delays
    fitted = fitted_model(model, estimates, log.vary_messages)
    return FitResult(
        estimates=estimates,
        confounded=pairs,
        kept=kept,
        model=fitted,
        log_likelihood=-float(found.res.fun),
        paths=R,
        seconds=time.perf_counter() - began,
        converged=bool(found.res.success),
        message=str(found.res.message),
        summary=log_summary(log),
        params=params,
        optimum=found.u,
        covariance=found.cov,
    )


class _Optimum:
    """The optimum of a fit, and which of its parameters this log does not identify."""

    def __init__(self, u: F64, res: optimize.OptimizeResult, params: list[Param]) -> None:
        self.u, self.res, self.params = u, res, params
        self.held = np.zeros(u.size, np.bool_)  # not identified: held at the default
        self.reasons: dict[int, str] = {}
        self.seen: dict[int, float] = {}  # the optimum where each was set aside
        self.cov = np.full((u.size, u.size), np.nan)

    def settle(self, lik: Joint, u0: F64, bounds: list[tuple[float, float]], z: float) -> None:
        """The covariance; a parameter the log does not identify is held at its default.

        At a bound, flat, or with an interval wider than 100x (:mod:`sim.fit.verdict`): it is
        set aside with its reason and the rest is fitted again around its default, so that their
        estimates and intervals hold under the value the fitted model uses. Holding one may
        loosen another, so this repeats (at most :data:`SETTLE_ROUNDS` times).
        """
        for round_ in range(SETTLE_ROUNDS):
            free = ~self.held
            bound = free & verdict.at_bound(self.u, self.params)
            inner = free & ~bound
            wide = np.zeros_like(inner)
            if inner.any():
                hessian = information(lik, self.u, np.flatnonzero(inner))
                joint, flat = covariance(hessian, inner)
                self.cov, wide = peel_wide(hessian, inner & ~flat, partial(verdict.too_wide, z=z))
            else:
                joint, flat = np.full_like(self.cov, np.nan), np.zeros_like(inner)
                self.cov = joint
            # A wide parameter's reason gives its interval with every other parameter free.
            se = np.sqrt(np.where(np.isfinite(np.diag(joint)), np.diag(joint), np.nan))
            new = bound | flat | wide
            for j in np.flatnonzero(new):
                par, uj = self.params[j], float(self.u[j])
                self.seen[int(j)] = natural(par, uj)
                if bound[j]:
                    self.reasons[int(j)] = verdict.bound_reason(par, uj)
                elif flat[j]:
                    self.reasons[int(j)] = verdict.FLAT_REASON
                else:
                    self.reasons[int(j)] = verdict.wide_reason(par, uj, float(se[j]), z)
            if not new.any():
                return
            self.held |= new
            self.cov[new, :] = np.nan
            self.cov[:, new] = np.nan
            if round_ < SETTLE_ROUNDS - 1:
                self._refit(lik, u0, bounds)

    def _refit(self, lik: Joint, u0: F64, bounds: list[tuple[float, float]]) -> None:
        """Fit the free parameters again with the held ones at their defaults."""
        u = np.where(self.held, u0, self.u)
        held = [(u[j], u[j]) if self.held[j] else bounds[j] for j in range(u.size)]
        again = optimize.minimize(
            lik, u, jac=True, method="L-BFGS-B", bounds=held, options=_options(lik, u, 1)
        )
        self.u = np.asarray(again.x, np.float64)
        self.res = again

    def estimates(self, model: ModelConfig, vary: bool, z: float) -> list[Estimate]:
        """A row per parameter: estimate and Wald interval mapped back, or the verdict."""
        u, cov = self.u, self.cov
        se = np.sqrt(np.where(np.isfinite(np.diag(cov)), np.diag(cov), np.nan))
        estimates: list[Estimate] = []
        for j, par in enumerate(self.params):
            default = default_value(par, model, vary)
            row = Estimate(
                path=par.path,
                default=default,
                estimate=natural(par, u[j]),
                ci_low=natural(par, u[j] - z * se[j]),
                ci_high=natural(par, u[j] + z * se[j]),
                se=float(se[j]),
                scale=par.scale,
                status="estimated",
            )
            if self.held[j]:
                _not_identified(row, self.reasons[j], self.seen[j])
            estimates.append(row)
        return estimates


def _not_identified(row: Estimate, reason: str, optimum: float) -> None:
    """Mark ``row`` not identified: the fitted model uses the default, and the note says so."""
    row.status, row.reason = verdict.NOT_IDENTIFIED, reason
    row.note = verdict.kept_note(optimum, row.default)
    row.estimate = row.default
    row.ci_low = row.ci_high = row.se = math.nan


def judge_delays(estimates: list[Estimate]) -> None:
    """Reply-delay estimates (closed form) under the same 100x rule as the rest."""
    for row in estimates:
        if row.status == "estimated" and verdict.wide_natural(row.ci_low, row.ci_high, row.scale):
            reason = f"interval {row.ci_low:.3g} to {row.ci_high:.3g} wider than 100x"
            _not_identified(row, reason, row.estimate)


def _mark_confounded(estimates: list[Estimate], pairs: list[tuple[str, str, float]]) -> None:
    """Name each confounded pair in both estimates' notes."""
    for a, b, r in pairs:
        for est in estimates:
            if est.path in (a, b) and est.status == "estimated":
                est.status = "confounded"
            if est.path in (a, b):
                partner = b if est.path == a else a
                est.note = (est.note + "; " if est.note else "") + f"r={r:+.2f} with {partner}"


def _options(lik: Joint, u0: F64, factor: float) -> dict[str, float]:
    """L-BFGS-B's stopping rule: a relative gain below TOLERANCE * factor log-likelihood units."""
    scale = max(1.0, abs(lik(u0)[0]))
    return {"maxiter": 400, "ftol": TOLERANCE * factor / scale, "gtol": 1e-4}


def _joint(
    log: FitLog,
    model: ModelConfig,
    population: PopulationConfig,
    params: list[Param],
    R: int,
    seed: int,
    wrong_name_rate: float,
) -> Joint:
    """The likelihood of ``log`` on ``R`` hidden paths per silent prospect.

    Prospects with an outcome get :data:`REPLIED_PATHS` times as many: their
    likelihood varies most from path to path (whether, and how likely, the touch was noticed),
    and the log of an average over few paths is biased down (docs/fitting.md, 3).
    """
    replied = np.zeros(log.n, np.bool_)
    replied[log.prospect[log.y != NONE]] = True
    groups = []
    for g, (mask, r) in enumerate(((~replied, R), (replied, R * REPLIED_PATHS))):
        if mask.any():
            part = subset(log, mask)
            hidden = replay(part, model, population, r, seed + 1000 * g, wrong_name_rate)
            groups.append(Likelihood(part, hidden, model, params))
    return Joint(groups)


def delay_estimates(log: FitLog, model: ModelConfig, z: float) -> list[Estimate]:
    """Lognormal reply delays: each channel's median and the shared log-spread, closed form.

    Outcomes on the spot (a call answered) have no delay and are left out. The median's interval
    is the log-mean's normal interval; the spread's comes from the chi-square distribution.
    """
    later = (log.y != NONE) & (log.delay > 0)
    if not later.any():
        return []
    logd = np.log(log.delay[later])
    ch = log.channel[later]
    out: list[Estimate] = []
    resid = np.zeros(logd.size)
    channels = np.unique(ch)
    for c in channels:
        sel = ch == c
        resid[sel] = logd[sel] - logd[sel].mean()
    dof = logd.size - channels.size
    sd = float(np.sqrt((resid**2).sum() / max(dof, 1)))
    defaults = model.reply_delay_days.array()
    for c in channels:
        sel = ch == c
        mu, se = float(logd[sel].mean()), sd / math.sqrt(int(sel.sum()))
        out.append(
            Estimate(
                path=f"reply_delay_days.{CHANNELS[c]}",
                default=float(defaults[c]),
                estimate=math.exp(mu),
                ci_low=math.exp(mu - z * se),
                ci_high=math.exp(mu + z * se),
                se=se,
                scale="log",
                status="estimated",
                note=f"{int(sel.sum())} delays",
            )
        )
    if dof > 1:
        alpha = 1.0 - LEVEL
        lo = sd * math.sqrt(dof / float(stats.chi2.ppf(1 - alpha / 2, dof)))
        hi = sd * math.sqrt(dof / float(stats.chi2.ppf(alpha / 2, dof)))
        out.append(
            Estimate(
                path="reply_delay_sd",
                default=model.reply_delay_sd,
                estimate=sd,
                ci_low=lo,
                ci_high=hi,
                se=sd / math.sqrt(2 * dof),
                scale="linear",
                status="estimated",
            )
        )
    return out


def fitted_model(model: ModelConfig, estimates: list[Estimate], vary: bool) -> ModelConfig:
    """``model`` with the estimates; deliverability off: the log's rates hold its placement."""
    fitted = with_values(model, {e.path: float(e.estimate) for e in estimates})
    fitted.deliverability = False
    return fitted


def with_values(model: ModelConfig, values: Mapping[str, float]) -> ModelConfig:
    """``model`` with ``values`` by config path (``meeting_base``, ``response_base.email``).

    ``reachable`` is one share for every relationship, as the fit estimates it.
    """
    out = replace(model)
    for path, value in values.items():
        head, _, tail = path.partition(".")
        if head == "reachable":
            out.reachable = PerRelationship(*(float(value) for _ in RELATIONSHIPS))
        elif tail:
            setattr(out, head, replace(getattr(out, head), **{tail: float(value)}))
        else:
            setattr(out, head, float(value))
    return out


def log_summary(log: FitLog) -> dict[str, Any]:
    """Counts the report shows about the log itself."""
    return {
        "prospects": log.n,
        "touches": int(log.prospect.size),
        "bounced": log.bounced,
        "unknown_messages": log.unknown_messages,
        "ignored_outcomes": log.ignored_outcomes,
        "reference_message": MESSAGES[log.reference_message],
        "varied_messages": log.vary_messages,
        "outcomes": {
            name: int((log.y == code).sum())
            for name, code in (("positive", 1), ("negative", 2), ("opt_out", 3))
        },
        "meetings": int(log.met.sum()),
    }
