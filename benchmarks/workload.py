"""The benchmark workload: an 8-step email cadence on the cold list, capacity that never binds."""

from __future__ import annotations

import math

from sim.model.config import ExperimentConfig, StepConfig, StrategyConfig
from sim.run.registry import compose

#: (day, message) of the eight email steps; varied messages, stop on any reply.
EMAIL_CADENCE: tuple[tuple[float, str], ...] = (
    (0, "benefit_led"),
    (3, "resource"),
    (7, "benefit_led"),
    (10, "check_in"),
    (14, "resource"),
    (17, "benefit_led"),
    (21, "check_in"),
    (28, "breakup"),
)
ARM = "email8"


def email_strategy() -> StrategyConfig:
    """The benchmark cadence as a strategy config."""
    return StrategyConfig(
        label="8-step email cadence",
        steps=[
            StepConfig(day=d, channel="email", message=m, voicemail=False) for d, m in EMAIL_CADENCE
        ],
        vary_messages=True,
        stop_on=["positive", "negative", "opt_out"],
        cooldown=None,
        list_multiplier=1.0,
        personalization="medium",
    )


def benchmark_config(n: int, horizon_days: float = 120.0, seed: int = 0) -> ExperimentConfig:
    """One replicate of the email cadence on ``n`` cold-list prospects.

    Rep capacity is sized so that it never binds (every prospect could be touched on one day), so
    both engines make every due touch on its working day; the plain model needs no rep queue.
    """
    cfg = compose(
        [
            "strategy=[benefit_led]",
            "baseline=benefit_led",
            "population=cold_list",
            f"population.size={n}",
            "replications=1",
            f"horizon_days={horizon_days}",
            f"seed={seed}",
        ]
    )
    cfg.strategy = {ARM: email_strategy()}
    cfg.baseline = ARM
    minutes = cfg.reps.touch_minutes.email * cfg.reps.personalization_minutes.medium
    cfg.reps.count = max(1, math.ceil(n * minutes / cfg.reps.minutes_per_day))
    return cfg
