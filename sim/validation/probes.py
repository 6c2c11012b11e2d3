"""Probes: small experiments that isolate one measurable quantity, and the checks built on them.

A probe is an ordinary experiment whose arms are one- or two-step cadences built in Python (a
first cold email, one dial with a voicemail, a letter), so a published per-touch figure can be
read off the ``by_touch`` and ``metrics`` tables. A :class:`Check` turns a probe into one number
per replicate, a confidence interval over replicates and a pass or fail against a range.
"""

from __future__ import annotations

import copy
import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from sim.model.arrays import F64
from sim.model.config import ExperimentConfig, StepConfig, StrategyConfig
from sim.run.api import Results, run_arms
from sim.run.metrics import by_touch_table, metrics_table
from sim.run.registry import compose

STOP_ALL = ["positive", "negative", "opt_out"]


@dataclass(frozen=True)
class Sizing:
    """How big a probe runs (prospects per arm, replicates, root seed), and on which model.

    ``model`` holds parameter changes as (dotted config path, value) pairs applied to every
    experiment of the probe: the calibration evaluates candidate parameter sets this way, each on
    the same seeds (common random numbers).
    """

    prospects: int
    replications: int
    seed: int = 0
    model: tuple[tuple[str, float], ...] = ()

    def scaled(self, factor: float) -> Sizing:
        """The same sizing with ``factor`` times the prospects (at least 200)."""
        return replace(self, prospects=max(200, round(self.prospects * factor)))


@functools.lru_cache(maxsize=16)
def _composed(population: str, overrides: tuple[str, ...]) -> ExperimentConfig:
    return compose([f"population={population}", "strategy=[entitlement]", *overrides])


def forget_composed() -> None:
    """Compose configs afresh on their next use (``make calibrate`` has rewritten the defaults)."""
    _composed.cache_clear()
    _presets.cache_clear()


def base_config(population: str = "cold_list", overrides: Sequence[str] = ()) -> ExperimentConfig:
    """A fresh copy of the default config on ``population`` (composed once, then copied)."""
    return copy.deepcopy(_composed(population, tuple(overrides)))


def set_path(cfg: Any, path: str, value: object) -> None:
    """Set a dotted attribute path on a config in place, e.g. ``"model.wrong_name"``."""
    *parents, last = path.split(".")
    node = cfg
    for name in parents:
        node = getattr(node, name)
    if not hasattr(node, last):
        raise AttributeError(f"no config field {path!r}")
    setattr(node, last, value)


def get_path(cfg: Any, path: str) -> Any:
    """Read a dotted attribute path of a config."""
    node = cfg
    for name in path.split("."):
        node = getattr(node, name)
    return node


def cadence(
    *steps: StepConfig, vary: bool = True, personalization: str = "medium", **kw: Any
) -> StrategyConfig:
    """A strategy from steps; stops on any reply, like the presets."""
    return StrategyConfig(
        label="probe",
        steps=list(steps),
        vary_messages=vary,
        stop_on=list(STOP_ALL),
        personalization=personalization,
        **kw,
    )


def step(
    channel: str, message: str = "benefit_led", day: float = 0.0, voicemail: bool = True
) -> StepConfig:
    """One cadence step."""
    return StepConfig(day=day, channel=channel, message=message, voicemail=voicemail)


def experiment(
    arms: Mapping[str, StrategyConfig],
    sizing: Sizing,
    population: str = "cold_list",
    changes: Mapping[str, object] | None = None,
    ample_capacity: bool = True,
    base: ExperimentConfig | None = None,
) -> ExperimentConfig:
    """A probe experiment: ``arms`` on ``population`` with config ``changes`` (dotted paths).

    With ``ample_capacity`` the team is made large enough that no touch waits for a free rep,
    so a probe measures response, not backlog.
    """
    cfg = copy.deepcopy(base) if base is not None else base_config(population)
    cfg.strategy = {name: copy.deepcopy(s) for name, s in arms.items()}
    cfg.baseline = next(iter(arms))
    cfg.population.size = sizing.prospects
    cfg.replications = sizing.replications
    cfg.seed = sizing.seed
    if ample_capacity:
        cfg.reps.count = max(cfg.reps.count, math.ceil(sizing.prospects / 20))
    for path, number in sizing.model:
        set_path(cfg, path, number)
    for path, value in (changes or {}).items():
        set_path(cfg, path, value)
    return cfg


def run(cfg: ExperimentConfig) -> Results:
    """Run a probe experiment: its ``metrics`` and ``by_touch`` tables.

    A probe reads nothing else, so the paired summary and the time series (a fifth of a probe's
    time, which the calibration and the plausible worlds pay thousands of times) are left empty.
    """
    arms = run_arms(cfg)
    empty = pd.DataFrame()
    return Results(metrics_table(arms), by_touch_table(arms), empty, empty)


# --- per-replicate quantities ------------------------------------------------------------------


def _per_replicate(frame: pd.DataFrame, replications: int, column: str) -> F64:
    sums = frame.groupby("replicate")[column].sum()
    return sums.reindex(range(replications), fill_value=0).to_numpy(dtype=np.float64)


def touch_counts(res: Results, arm: str, touch: int, channel: str | None = None) -> dict[str, F64]:
    """Per-replicate ``by_touch`` counts of one touch number (and channel) of one arm."""
    reps = int(res.metrics["replicate"].max()) + 1
    rows = res.by_touch[(res.by_touch["arm"] == arm) & (res.by_touch["touch_number"] == touch)]
    if channel is not None:
        rows = rows[rows["channel"] == channel]
    cols = ("touches", "responses", "negative_replies", "opt_outs")
    return {c: _per_replicate(rows, reps, c) for c in cols}


def touch_rate(
    res: Results, arm: str, outcomes: Sequence[str], touch: int = 1, channel: str | None = None
) -> F64:
    """Per-replicate share of touch ``touch`` that ended in any of ``outcomes``."""
    counts = touch_counts(res, arm, touch, channel)
    hits = sum((counts[o] for o in outcomes), np.zeros_like(counts["touches"]))
    return np.asarray(hits / np.maximum(counts["touches"], 1.0))


REPLY = ("responses", "negative_replies")


def metric(res: Results, arm: str, column: str) -> F64:
    """Per-replicate value of one metrics column of one arm, in replicate order."""
    rows = res.metrics[res.metrics["arm"] == arm].sort_values("replicate")
    return rows[column].to_numpy(dtype=np.float64)


# --- checks ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What a check measured: its statistic and the compared quantities, one value per replicate."""

    statistic: F64
    groups: dict[str, F64] = field(default_factory=dict)


@dataclass(frozen=True)
class Check:
    """A calibration target or a seed's claim, measured by ``measure`` at ``sizing``.

    It passes when the mean statistic over replicates lies in ``[low, high]`` (a bound of None is
    open); a claim (``strict``) must also have its whole confidence interval on the right side,
    so a direction is only claimed when the simulation resolves it.
    """

    key: str
    kind: Literal["target", "claim"]
    title: str
    source: str
    expected: str
    low: float | None
    high: float | None
    measure: Callable[[Sizing], Outcome]
    sizing: Sizing
    statistic: str
    strict: bool = False

    def evaluate(self, sizing: Sizing | None = None) -> CheckResult:
        """Run the check (at its own sizing unless one is given) and judge it."""
        outcome = self.measure(sizing or self.sizing)
        mean, low, high = mean_ci(outcome.statistic)
        ok = (self.low is None or mean >= self.low) and (self.high is None or mean <= self.high)
        if self.strict and ok:
            ok = (self.low is None or low > self.low) and (self.high is None or high < self.high)
        return CheckResult(self, mean, low, high, ok, outcome)


@dataclass(frozen=True)
class CheckResult:
    """A judged check: the mean statistic, its 95 % CI over replicates and pass or fail."""

    check: Check
    value: float
    ci_low: float
    ci_high: float
    passed: bool
    outcome: Outcome


def mean_ci(values: F64, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and t-interval over replicates (the interval is the mean itself with one value)."""
    x = np.asarray(values, dtype=np.float64)
    mean = float(x.mean())
    if x.size < 2 or float(x.std()) == 0.0:
        return mean, mean, mean
    low, high = stats.t.interval(level, x.size - 1, loc=mean, scale=stats.sem(x))
    return mean, float(low), float(high)


@functools.lru_cache(maxsize=4)
def _presets() -> dict[str, StrategyConfig]:
    names = ",".join(
        (
            "entitlement,benefit_led,cooldown_heatup,persistent",
            "high_volume,bombard,hang_up,multichannel",
        )
    )
    return dict(compose([f"strategy=[{names}]"]).strategy)


def preset(name: str) -> StrategyConfig:
    """A fresh copy of one of the strategy presets of ``sim/conf/strategy/``."""
    return copy.deepcopy(_presets()[name])
