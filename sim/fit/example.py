"""The shipped example log (``examples/touch_log.csv``) and its recipe.

A team of the README's walkthrough: 2,000 cold prospects on the ``benefit_led`` cadence, whose
emails do a little better and whose list opts out a little less than the defaults say
(:data:`TRUTH`). ``python -m sim.fit.example`` writes the file again; a test checks that the
shipped file is what this recipe makes.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.fit.estimate import with_values
from sim.fit.synthetic import simulate_log
from sim.model.strategy import compile_plan
from sim.run.registry import compose

#: The parameters the example team's log was made with, where they differ from the defaults.
TRUTH = {
    "response_base.email": -3.2,
    "optout_base.email": -3.6,
    "meeting_base": -0.2,
}
#: A second truth away from the defaults, for recovery checks (tests/test_fit_recovery.py,
#: benchmarks/fit_recovery.py): better e-mails, fewer opt-outs, less heterogeneity, a longer
#: annoyance memory, easier meetings. What the fit keeps at the base model's values is left at
#: them: a wrong base would bias the rest.
ALTERNATIVE_TRUTH = {
    "response_base.email": -3.0,
    "optout_base.email": -3.6,
    "responsiveness_sd": 0.8,
    "annoyance_half_life_days": 8.0,
    "meeting_base": 0.0,
}
PROSPECTS, SEED = 2000, 11
PATH = Path("examples") / "touch_log.csv"


def example_log() -> pd.DataFrame:
    """The example team's touch log."""
    cfg = compose(["strategy=[benefit_led]", "baseline=benefit_led"])
    model = with_values(cfg.model, TRUTH)
    plan = compile_plan("benefit_led", cfg.strategy["benefit_led"])
    rate = float(cfg.reps.wrong_name_rate.medium)
    return simulate_log(model, cfg.population, plan, PROSPECTS, SEED, rate)


def main() -> None:
    """Write ``examples/touch_log.csv``."""
    PATH.parent.mkdir(parents=True, exist_ok=True)
    example_log().to_csv(PATH, index=False)
    print(f"wrote {PATH}")


if __name__ == "__main__":
    main()
