"""Maximum likelihood: which parameters a log identifies, their estimates, intervals and confounds.

:func:`fit` chooses the parameters the log can speak to (a channel it used, a message kind it
sent besides the reference kind, ...), maximises the simulated likelihood of
:mod:`sim.fit.likelihood` with SciPy's L-BFGS-B from the model's defaults, and takes the
covariance from the inverse of the observed information (the Hessian, by finite differences of
the exact gradient). Intervals are Wald intervals on the scale the parameter is fitted on (log
for half-lives and spreads, log-odds for shares), mapped back. Pairs whose estimates correlate
beyond :data:`CONFOUNDED` are named: the log cannot tell them apart. Reply delays have their own,
closed-form lognormal estimates. docs/fitting.md explains each choice.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import optimize, stats

from sim.fit.likelihood import Likelihood, Param, natural, to_scale
from sim.fit.replay import NONE, POSITIVE, FitLog, replay, subset
from sim.model.arrays import F64
from sim.model.channels import CHANNELS
from sim.model.config import (
    RELATIONSHIPS,
    ModelConfig,
    PerChannel,
    PerMessage,
    PerRelationship,
    PopulationConfig,
)
from sim.model.messages import MESSAGES

#: |correlation| of two estimates at which the pair is reported as confounded.
CONFOUNDED = 0.9
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
    status: str  # estimated | confounded | at bound | not identified
    note: str = ""


@dataclass
class FitResult:
    """What a fit found, and what it needs to write a model config and its report."""

    estimates: list[Estimate]
    confounded: list[tuple[str, str, float]]
    kept: list[tuple[str, str]]  # (parameter, why it keeps its default)
    model: ModelConfig
    log_likelihood: float
    paths: int
    seconds: float
    converged: bool
    message: str
    summary: dict[str, Any] = field(default_factory=dict)


def choose_params(log: FitLog, cfg: ModelConfig) -> tuple[list[Param], list[tuple[str, str]]]:
    """The parameters this log identifies, and those it does not (with the reason)."""
    used = np.unique(log.channel)
    msgs = np.unique(log.message)
    params: list[Param] = []
    kept: list[tuple[str, str]] = []
    for c, name in enumerate(CHANNELS):
        if c in used:
            params.append(Param(f"response_base.{name}", "response_base", c, lower=-12, upper=4))
            params.append(Param(f"optout_base.{name}", "optout_base", c, lower=-12, upper=4))
        else:
            kept.append((f"response_base.{name}", f"the log has no {name} touches"))
    for m, name in enumerate(MESSAGES):
        if m == log.reference_message:
            kept.append(
                (f"message_value.{name}", "the reference message kind: the bases absorb it")
            )
        elif m in msgs:
            params.append(Param(f"message_value.{name}", "message_value", m, lower=-8, upper=8))
    habit = "habituation_varied" if log.vary_messages else "habituation_identical"
    other = "habituation_identical" if log.vary_messages else "habituation_varied"
    kept.append(
        (
            other,
            "the log's prospects "
            + ("get varied" if log.vary_messages else "get one")
            + " kind of message"
            + ("s" if log.vary_messages else ""),
        )
    )
    several = np.bincount(log.prospect, minlength=log.n) > 1
    if several.any():
        params += [
            Param("wearout", "wearout", lower=0.0, upper=3.0),
            Param(habit, "habituation", lower=-5, upper=5),
            Param("response_annoyance", "response_annoyance", lower=-10, upper=10),
            Param("optout_annoyance", "optout_annoyance", lower=-10, upper=10),
            Param(
                "annoyance_half_life_days",
                "annoyance_half_life",
                scale="log",
                lower=math.log(0.25),
                upper=math.log(120.0),
            ),
        ]
    else:
        for name in ("wearout", habit, "annoyance_half_life_days"):
            kept.append((name, "every prospect got one touch"))
    params += [
        Param("negative_base", "negative_base", lower=-12, upper=4),
        Param(
            "responsiveness_sd",
            "responsiveness_sd",
            scale="log",
            lower=math.log(0.02),
            upper=math.log(5.0),
        ),
    ]
    # Reachability and responsiveness both describe how prospects differ; in a log where each
    # prospect replies at most once they trade off along a ridge (and against the bases) that
    # Wald intervals cannot describe. The fit estimates the spread and keeps the share.
    kept.append(
        (
            "reachable",
            "with responsiveness_sd, a second measure of how prospects differ: the two trade "
            "off in a log where each prospect replies at most once (docs/fitting.md, 3)",
        )
    )
    if (log.y == POSITIVE).any():
        params.append(Param("meeting_base", "meeting_base", lower=-12, upper=8))
    else:
        kept.append(("meeting_base", "the log has no positive replies"))
    kept.append(
        (
            "negative_annoyance",
            "annoyance shows in replies and opt-outs; one more term "
            'for it in the "no" is confounded with both in a log',
        )
    )
    for name, why in (
        ("notice and answer parameters", "they set the hidden paths (what was noticed)"),
        ("response_warmth, response_familiarity, response_need", "hidden states, from defaults"),
        ("warmth, familiarity and need dynamics", "hidden states, from defaults"),
    ):
        kept.append((name, why))
    return params, kept


def start_value(par: Param, cfg: ModelConfig, vary: bool) -> float:
    """The default's value on the parameter's fitting scale, inside its bounds."""
    value = default_value(par, cfg, vary)
    u = to_scale(par, value)
    return float(np.clip(u, par.lower + 1e-6, par.upper - 1e-6))


def default_value(par: Param, cfg: ModelConfig, vary: bool) -> float:
    """The model config's value of ``par``."""
    if par.kind in ("response_base", "optout_base", "message_value"):
        group: PerChannel | PerMessage = getattr(cfg, par.kind)
        return float(group.array()[par.index])
    if par.kind == "habituation":
        return cfg.habituation_varied if vary else cfg.habituation_identical
    if par.kind == "reachable":
        return float(cfg.reachable.array().mean())
    if par.kind == "annoyance_half_life":
        return cfg.annoyance_half_life_days
    return float(getattr(cfg, par.kind))


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
    u = np.asarray(res.x, np.float64)
    # A parameter the optimum pushes to its bound has no interval: the log does not pin it.
    bound = np.array(
        [u[j] <= p.lower + 1e-3 or u[j] >= p.upper - 1e-3 for j, p in enumerate(params)]
    )
    hessian = information(lik, u, np.flatnonzero(~bound))
    cov, flat = covariance(hessian, ~bound)
    if flat.any():
        # What the log cannot identify keeps its default; the rest is fitted again around it,
        # so that their estimates and intervals hold under the default, not an arbitrary value.
        u = np.where(flat, u0, u)
        held = [(u[j], u[j]) if flat[j] else bounds[j] for j in range(u.size)]
        again = optimize.minimize(
            lik, u, jac=True, method="L-BFGS-B", bounds=held, options=_options(lik, u, 1)
        )
        u = np.asarray(again.x, np.float64)
        res = again
        bound = ~flat & np.array(
            [u[j] <= p.lower + 1e-3 or u[j] >= p.upper - 1e-3 for j, p in enumerate(params)]
        )
        hessian = information(lik, u, np.flatnonzero(~bound & ~flat))
        cov, more = covariance(hessian, ~bound & ~flat)
        flat |= more
    z = float(stats.norm.ppf(0.5 + LEVEL / 2.0))
    se = np.sqrt(np.where(np.isfinite(np.diag(cov)), np.diag(cov), np.nan))
    estimates: list[Estimate] = []
    for j, par in enumerate(params):
        at_bound = bool(bound[j])
        lo, hi = natural(par, u[j] - z * se[j]), natural(par, u[j] + z * se[j])
        if flat[j]:
            status, note = "not identified", "the likelihood is flat along it: kept at default"
        elif at_bound:
            status, note = "at bound", "the log pushes it to its bound: no events to pin it"
        else:
            status, note = "estimated", ""
        estimates.append(
            Estimate(
                path=par.path,
                default=default_value(par, model, log.vary_messages),
                estimate=natural(par, u[j]),
                ci_low=lo,
                ci_high=hi,
                se=float(se[j]),
                scale=par.scale,
                status=status,
                note=note,
            )
        )
    kept_in = np.flatnonzero(np.isfinite(np.diag(cov)))
    pairs = confounded_pairs([params[j].path for j in kept_in], cov[np.ix_(kept_in, kept_in)])
    for a, b, r in pairs:
        for est in estimates:
            if est.path in (a, b) and est.status == "estimated":
                est.status = "confounded"
            if est.path in (a, b):
                partner = b if est.path == a else a
                est.note = (est.note + "; " if est.note else "") + f"r={r:+.2f} with {partner}"
    estimates += delay_estimates(log, model, z)
    fitted = fitted_model(model, estimates, log.vary_messages)
    return FitResult(
        estimates=estimates,
        confounded=pairs,
        kept=kept,
        model=fitted,
        log_likelihood=-float(res.fun),
        paths=R,
        seconds=time.perf_counter() - began,
        converged=bool(res.success),
        message=str(res.message),
        summary=log_summary(log),
    )


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


class Joint:
    """The sum of independent groups' likelihoods (prospects are independent)."""

    def __init__(self, groups: list[Likelihood]) -> None:
        self.groups = groups

    def __call__(self, u: F64) -> tuple[float, F64]:
        """Negative log-likelihood and gradient, summed over the groups."""
        total, grad = 0.0, np.zeros(u.size)
        for g in self.groups:
            v, d = g(u)
            total += v
            grad += d
        return total, grad


def information(lik: Joint, u: F64, inner: npt.NDArray[np.intp]) -> F64:
    """Observed information (u.size square; nan outside ``inner``): the Hessian of -log L.

    By forward differences of the exact gradient, symmetrised; parameters outside ``inner``
    (at a bound) are held fixed.
    """
    step = 1e-4 * np.maximum(1.0, np.abs(u[inner]))

    def gradient(v: F64) -> F64:
        full = u.copy()
        full[inner] = v
        return lik(full)[1][inner]

    H = np.full((u.size, u.size), np.nan)
    sub = optimize.approx_fprime(u[inner], gradient, step)
    H[np.ix_(inner, inner)] = 0.5 * (sub + sub.T)
    return H


def covariance(H: F64, use: npt.NDArray[np.bool_]) -> tuple[F64, npt.NDArray[np.bool_]]:
    """Inverse of the information over ``use``; and the parameters found not identified.

    Where the information is not positive definite, the likelihood is flat (or curves the wrong
    way) along some direction: the parameter that weighs most in the eigenvector of the smallest
    eigenvalue is set aside, as not identified, and the rest inverted again.
    """
    use = use.copy()
    flat = np.zeros(use.size, np.bool_)
    cov = np.full_like(H, np.nan)
    while use.any():
        idx = np.flatnonzero(use)
        sub = H[np.ix_(idx, idx)]
        values, vectors = np.linalg.eigh(sub)
        if values[0] > 1e-8 * max(1.0, float(values[-1])):
            cov[np.ix_(idx, idx)] = np.linalg.inv(sub)
            break
        worst = idx[int(np.argmax(np.abs(vectors[:, 0])))]
        use[worst] = False
        flat[worst] = True
    return cov, flat


def confounded_pairs(names: list[str], cov: F64) -> list[tuple[str, str, float]]:
    """Pairs whose estimates correlate at least :data:`CONFOUNDED` in absolute value."""
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)
    out = []
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            if abs(corr[i, j]) >= CONFOUNDED:
                out.append((names[i], names[j], float(corr[i, j])))
    return out


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
    """``model`` with every estimate written in."""
    return with_values(model, {e.path: float(e.estimate) for e in estimates})


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
