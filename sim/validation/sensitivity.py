"""Sensitivity: how far the headline metrics move when one model parameter moves by +/-50 %.

One-at-a-time perturbation on common random numbers: the default comparison of arms runs once at
the defaults and twice per parameter (times 0.5 and 1.5, clipped to the parameter's allowed
range), always on the same seed, so the differences are the parameter's effect and not noise.
A per-channel or per-message parameter is scaled as a whole.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, fields, is_dataclass

import numpy as np

from sim.model.config import ExperimentConfig, ModelConfig
from sim.run.api import simulate
from sim.validation.probes import base_config

#: Headline metrics: pooled over the arms of the default comparison.
HEADLINES: tuple[str, ...] = ("response_rate", "opt_out_rate")


@dataclass(frozen=True)
class Sensitivity:
    """Headline values at a parameter's low and high setting, and at the defaults."""

    parameter: str
    low: dict[str, float]
    high: dict[str, float]
    base: dict[str, float]

    def swing(self, headline: str) -> float:
        """Largest absolute move of ``headline`` away from its default value."""
        b = self.base[headline]
        return max(abs(self.low[headline] - b), abs(self.high[headline] - b))


def _scaled(value: float, factor: float, bounds: tuple[float | None, float | None]) -> float:
    lo, hi = bounds
    out = value * factor
    if lo is not None:
        out = max(out, lo)
    if hi is not None:
        out = min(out, hi)
    return out


def perturbed(model: ModelConfig, name: str, factor: float) -> ModelConfig:
    """A copy of ``model`` with field ``name`` scaled by ``factor`` within its allowed range."""
    out = copy.deepcopy(model)
    spec = next(f for f in fields(ModelConfig) if f.name == name)
    value = getattr(out, name)
    if is_dataclass(value):
        bounds = spec.metadata.get("each", (None, None))
        for sub in fields(value):
            setattr(value, sub.name, _scaled(getattr(value, sub.name), factor, bounds))
    else:
        setattr(out, name, _scaled(value, factor, spec.metadata.get("range", (None, None))))
    return out


def headline(cfg: ExperimentConfig) -> dict[str, float]:
    """Headline metrics of one run, pooled over arms and replicates."""
    m = simulate(cfg).metrics
    return {h: float(np.mean(m[h])) for h in HEADLINES}


def sensitivities(prospects: int = 1_000, seed: int = 0) -> list[Sensitivity]:
    """One-at-a-time +/-50 % sensitivity of every model parameter, largest swing first."""
    cfg = base_config()
    default = copy.deepcopy(cfg)
    from sim.run.registry import (
        compose,  # the default comparison: every arm of sim/conf/config.yaml
    )

    default.strategy = compose().strategy
    default.baseline = next(iter(default.strategy))
    default.population.size, default.replications, default.seed = prospects, 1, seed
    base = headline(default)
    out = []
    for f in fields(ModelConfig):
        if f.name in ("worlds", "fitted_log"):  # the ensemble and a fit's evidence: data
            continue
        values = {}
        for factor in (0.5, 1.5):
            trial = copy.deepcopy(default)
            trial.model = perturbed(default.model, f.name, factor)
            values[factor] = headline(trial)
        out.append(Sensitivity(f.name, values[0.5], values[1.5], base))
    return sorted(out, key=lambda s: -s.swing(HEADLINES[0]))
