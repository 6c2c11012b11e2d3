"""``make calibrate``: fit the default model to every published target at once, with SciPy.

The loss runs over every per-touch target (:data:`sim.validation.targets.TARGETS`) and every
whole-sequence target (:data:`sim.validation.sequences.SEQUENCE_TARGETS`). Each target's
residual is its distance from the centre of its published range, in units of the range's
half-width on a log scale (so +-1 is the edge of the range), or, for a one-sided target, a hinge
that is zero inside the bound with a safety margin. ``scipy.optimize.least_squares`` minimises
the sum of their squares over the free parameters of :data:`FREE`, from the fixed start values
written there (not from the committed defaults, so a rerun reproduces the same fit). Every
candidate parameter set is simulated on the same seed and prospects (common random numbers), so
the loss is a deterministic function of the parameters; the finite-difference Jacobian is
evaluated on a process pool.

The seed claims (:mod:`sim.validation.claims`) are not in the loss: they are checked afterwards,
by the tests and ``make validation``.

Outputs: the fitted values in ``sim/conf/model/default.yaml`` (the values in place, the
provenance in its header), and ``docs/calibration/fit.json`` and ``fit.md``
(:mod:`sim.validation.calibration_page`): each target's range and fitted value, and each
parameter's start, fit and the range over which every target still holds with the others at
their fitted values (a one-at-a-time profile: a narrow range means the targets pin the parameter
down, a wide one that it remains judgement).

The free parameters name channels and message kinds of their tables (:mod:`sim.model.channels`,
:mod:`sim.model.messages`): a channel with no published target is not among them, so a new
channel leaves this list alone until a source gives a figure for it.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import least_squares

from sim.model.arrays import F64
from sim.run.registry import CONF_DIR
from sim.validation.calibration_page import markdown
from sim.validation.probes import Check, Sizing
from sim.validation.sequences import SEQUENCE_TARGETS
from sim.validation.targets import TARGETS

ROOT = Path(__file__).resolve().parents[2]
MODEL_YAML = CONF_DIR / "model" / "default.yaml"
FIT_DIR = ROOT / "docs" / "calibration"
#: The fit's own seed and list size: one replicate of a large list per probe.
CALIBRATION_SIZING = Sizing(prospects=40_000, replications=1, seed=20261125)


@dataclass(frozen=True)
class Free:
    """A fitted parameter: its name, the config paths it sets (tied values), bounds and start."""

    name: str
    paths: tuple[str, ...]
    low: float
    high: float
    start: float

    @property
    def step(self) -> float:
        """Finite-difference step: 2 % of the bounds, wide enough to clear sampling granularity."""
        return 0.02 * (self.high - self.low)


def _free(name: str, low: float, high: float, start: float, *ties: str) -> Free:
    return Free(name, tuple(f"model.{p}" for p in (name, *ties)), low, high, start)


#: The fitted parameters, with bounds and start values. The start values are fixed here (an
#: earlier fit's values, rounded; the history is in docs/calibration.md) so that a rerun
#: retraces the same path to the committed defaults. Everything else in ``default.yaml`` is
#: judgement (docs/calibration.md).
FREE: tuple[Free, ...] = (
    _free("response_base.email", -8.0, 0.0, -3.55),
    _free("response_base.phone", -8.0, 0.0, -3.8),
    _free("response_base.social", -8.0, 0.0, -4.226),
    _free("response_base.postal", -8.0, 0.0, -3.562),
    _free("response_base.drop_in", -8.0, 0.0, -1.673),
    _free("answer_base", 0.01, 0.3, 0.06611),
    _free("optout_base.email", -9.0, -1.0, -3.185),
    _free("message_value.benefit_led", 0.0, 2.0, 0.9296),
    _free("wrong_name", -1.0, 0.0, -0.2708),
    # One reachable share for every relationship: the published house-list lift is left to the
    # relationship's own terms (warmth, familiarity) rather than to list quality.
    _free("reachable.stranger", 0.05, 1.0, 0.3274, "reachable.met_once", "reachable.client"),
    _free("responsiveness_sd", 0.0, 3.0, 0.9988),
    _free("wearout", 0.0, 2.0, 0.2571),
    # Sequence dynamics (model v3, docs/model.md 2.6 and 2.14). The preliminary v3 fit started
    # tedium's clock at habituation's 30 days (neutral) and attention's spread at 0.5, not 0: at
    # 0 its effect on the decline is second order and the finite-difference Jacobian barely sees
    # it.
    _free("wearout_recovery_days", 2.0, 90.0, 74.12),
    _free("notice_responsiveness", 0.0, 2.5, 0.4271),
    _free("notice_familiarity", 0.0, 15.0, 6.92),
    _free("response_warmth", -2.0, 6.0, 0.6081),
    _free("conversation_bonus", 0.0, 5.0, 1.048),
    _free("meeting_base", -5.0, 3.0, -0.9752),
    _free("answer_voicemail", -3.0, 1.0, -0.471),
    _free("optout_annoyance", 0.0, 5.0, 1.371),
    _free("negative_base", -7.0, 0.0, -2.645),
)


@dataclass(frozen=True)
class Goal:
    """How a target enters the loss: a centre inside a two-sided range, or a one-sided hinge."""

    centre: float | None = None  # two-sided: log distance from the centre, +-1 at the range edge
    bound: float | None = None  # one-sided: the bound with its safety margin
    scale: float = 1.0  # one-sided: residual 1 at this distance past the bound
    upper: bool = False  # one-sided: the value must stay below ``bound``


#: Every target of the loss. Centres are the sources' stated centres where they give one.
GOALS: dict[str, Goal] = {
    "first_email_reply": Goal(centre=0.04),
    "live_conversation_per_dial": Goal(centre=0.06),
    "callback_per_voicemail": Goal(centre=0.025),
    "channel_ranking": Goal(bound=0.002, scale=0.0005),
    "letter_reply": Goal(centre=0.025),
    "house_vs_cold": Goal(centre=2.15),
    "inbox_load_slope": Goal(bound=0.9, scale=0.2, upper=True),
    "optout_first_email": Goal(centre=0.01),
    "benefit_led_lift": Goal(centre=2.0),
    "correct_name_lift": Goal(centre=1.2),
    "voicemail_before_email": Goal(centre=1.8),
    "sequence_any_reply": Goal(centre=0.075),
    "sequence_positive": Goal(centre=0.025),
    "sequence_silent": Goal(bound=0.83, scale=0.05),
    "sequence_step_curve": Goal(bound=0.0, scale=0.001, upper=True),
    "sequence_step_decline": Goal(centre=0.45),
    "sequence_optouts": Goal(centre=0.035),
    "multichannel_meetings": Goal(centre=0.02),
    "calls_meetings_per_dial": Goal(centre=0.0033),
    "voicemail_next_connect": Goal(centre=0.8),
}


def checks() -> list[Check]:
    """The targets in the loss, in report order (the config-only load target is left out)."""
    return [c for c in (*TARGETS, *SEQUENCE_TARGETS) if c.key in GOALS]


#: How much faster a residual grows outside the published range than inside it: the fit puts
#: every target in range first, and near its centre second.
OUTSIDE = 4.0
#: Where the loss puts a range's edge: this share of the way from the centre to the published
#: edge (in log space), so that the fit keeps a margin and the tests, which run other seeds and
#: sizes, find every target inside the published range.
MARGIN = 0.75


def residual(check: Check, value: float) -> float:
    """One target's residual: 0 at the centre (or inside the bound), +-1 near the range's edge.

    +-1 is :data:`MARGIN` of the way to the edge; past it (or past a one-sided bound) the
    residual grows :data:`OUTSIDE` times as fast.
    """
    goal = GOALS[check.key]
    if goal.centre is not None:
        assert check.low is not None and check.high is not None
        edge = check.high if value >= goal.centre else check.low
        span = MARGIN * abs(math.log(edge / goal.centre))
        r = math.log(max(value, 1e-9) / goal.centre) / span
        return math.copysign(abs(r) + (OUTSIDE - 1.0) * max(abs(r) - 1.0, 0.0), r)
    assert goal.bound is not None
    past = value - goal.bound if goal.upper else goal.bound - value
    return OUTSIDE * max(past, 0.0) / goal.scale


def in_range(check: Check, value: float) -> bool:
    """Whether a value lies inside the target's published range."""
    return (check.low is None or value >= check.low) and (check.high is None or value <= check.high)


def measure(x: Sequence[float], sizing: Sizing = CALIBRATION_SIZING) -> dict[str, float]:
    """Every target's value for parameter vector ``x`` (in :data:`FREE` order), on ``sizing``."""
    changes = tuple((path, float(v)) for f, v in zip(FREE, x, strict=True) for path in f.paths)
    run_on = Sizing(sizing.prospects, sizing.replications, sizing.seed, changes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return {c.key: float(np.mean(c.measure(run_on).statistic)) for c in checks()}


def residuals_of(values: dict[str, float]) -> F64:
    """The loss's residual vector for measured target values."""
    return np.array([residual(c, values[c.key]) for c in checks()])


class Fitter:
    """Least squares over :data:`FREE`, with the Jacobian's columns simulated in parallel."""

    def __init__(self, pool: ProcessPoolExecutor, sizing: Sizing, log: Callable[[str], None]):
        self.pool, self.sizing, self.log = pool, sizing, log
        self.evaluations = 0

    def values(self, xs: list[F64]) -> list[dict[str, float]]:
        """Every target's value at each parameter vector, simulated in parallel."""
        self.evaluations += len(xs)
        return list(self.pool.map(measure, xs, [self.sizing] * len(xs)))

    def residuals(self, x: F64) -> F64:
        """The loss's residuals at ``x`` (logged)."""
        r = residuals_of(self.values([x])[0])
        worst = sorted(zip(np.abs(r), (c.key for c in checks()), strict=True), reverse=True)[:3]
        self.log(
            f"  evaluation {self.evaluations}: loss {float(r @ r):.4f}; largest: "
            + ", ".join(f"{k} {v:.2f}" for v, k in worst)
        )
        self.log("    at " + " ".join(f"{v:.4g}" for v in x))
        return r

    def jacobian(self, x: F64) -> F64:
        """Forward differences, one column per parameter, all simulated at once."""
        base = residuals_of(self.values([x])[0])
        shifted = []
        steps = []
        for i, f in enumerate(FREE):
            h = f.step if x[i] + f.step <= f.high else -f.step  # stay inside the bounds
            shifted.append(x.copy())
            shifted[-1][i] += h
            steps.append(h)
        cols = [residuals_of(v) for v in self.values(shifted)]
        return np.column_stack([(c - base) / h for c, h in zip(cols, steps, strict=True)])

    def fit(self, max_nfev: int) -> F64:
        """Least squares from the start values; returns the fitted parameter vector."""
        x0 = np.array([f.start for f in FREE])
        sol = least_squares(
            self.residuals,
            x0,
            jac=self.jacobian,
            bounds=([f.low for f in FREE], [f.high for f in FREE]),
            x_scale=np.array([f.step for f in FREE]),
            max_nfev=max_nfev,
        )
        return np.asarray(sol.x)

    def holds(self, xs: list[F64]) -> list[bool]:
        """Whether every target is inside its published range at each parameter vector."""
        cs = checks()
        return [all(in_range(c, v[c.key]) for c in cs) for v in self.values(xs)]

    def ranges(self, x: F64) -> list[tuple[float, float]]:
        """Per parameter, the interval around the fit where every target still holds.

        One at a time, the others at their fitted values: steps of 1, 2, 4, ... % of the bounds
        outward until a target leaves its range (or the bound is reached); the interval is the
        last step that held, so it is a conservative, 1 %-resolution estimate.
        """
        fractions = (0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64)
        out = [[float(x[i]), float(x[i])] for i in range(len(FREE))]
        going = [(i, side) for i in range(len(FREE)) for side in (-1, 1)]
        for frac in fractions:  # one batch per step size, for the directions still holding
            trials, where = [], []
            for i, side in going:
                f = FREE[i]
                v = x[i] + side * frac * (f.high - f.low)
                if f.low <= v <= f.high:
                    y = x.copy()
                    y[i] = v
                    trials.append(y)
                    where.append((i, side, v))
            going = []
            for (i, side, v), ok in zip(where, self.holds(trials), strict=True):
                if ok:
                    out[i][0 if side < 0 else 1] = float(v)
                    going.append((i, side))
            if not going:
                break
        return [(lo, hi) for lo, hi in out]


def rounded(x: F64) -> list[float]:
    """Fitted values as written to the config: four significant digits."""
    return [float(f"{v:.4g}") for v in x]


def write_defaults(values: Sequence[float], path: Path = MODEL_YAML) -> None:
    """Write the fitted values into the model config in place (comments and layout kept)."""
    text = path.read_text()
    for f, v in zip(FREE, values, strict=True):
        for dotted in f.paths:
            text = _set_yaml(text, dotted.removeprefix("model."), v)
    path.write_text(text)


def _set_yaml(text: str, name: str, value: float) -> str:
    top, _, key = name.partition(".")
    line = re.search(rf"^{re.escape(top)}: .*$", text, flags=re.M)
    if line is None:
        raise KeyError(f"{top} is not in {MODEL_YAML.name}")
    old = line.group(0)
    if key:
        new, n = re.subn(rf"\b{re.escape(key)}: [-0-9.e]+", f"{key}: {value:g}", old)
    else:
        new, n = re.subn(r": [-0-9.e]+", f": {value:g}", old, count=1)
    if n != 1:
        raise KeyError(f"{name} is not a number in {MODEL_YAML.name}")
    return text.replace(old, new, 1)


def report(
    x: Sequence[float],
    values: dict[str, float],
    ranges: list[tuple[float, float]] | None,
    sizing: Sizing = CALIBRATION_SIZING,
) -> dict[str, object]:
    """The fit record: sizing, each parameter and each target."""
    return {
        "sizing": {
            "prospects": sizing.prospects,
            "replications": sizing.replications,
            "seed": sizing.seed,
        },
        "parameters": [
            {
                "name": f.name,
                "paths": list(f.paths),
                "bounds": [f.low, f.high],
                "start": f.start,
                "fitted": v,
                "holds": list(ranges[i]) if ranges else None,
            }
            for i, (f, v) in enumerate(zip(FREE, x, strict=True))
        ],
        "targets": [
            {
                "key": c.key,
                "title": c.title,
                "range": [c.low, c.high],
                "centre": GOALS[c.key].centre,
                "fitted": values[c.key],
                "in_range": in_range(c, values[c.key]),
            }
            for c in checks()
        ],
    }


def main(argv: list[str] | None = None) -> int:
    """Fit, write the defaults and the fit record; exit 1 if a target is left out of range."""
    parser = argparse.ArgumentParser(prog="make calibrate", description=__doc__.splitlines()[0])
    parser.add_argument("--max-nfev", type=int, default=12, help="loss evaluations (default 12)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--no-ranges", action="store_true", help="skip the per-parameter ranges")
    parser.add_argument("--dry-run", action="store_true", help="print, write nothing")
    parser.add_argument(
        "--prospects", type=int, default=CALIBRATION_SIZING.prospects, help="list size per probe"
    )
    args = parser.parse_args(argv)
    sizing = Sizing(args.prospects, CALIBRATION_SIZING.replications, CALIBRATION_SIZING.seed)
    with ProcessPoolExecutor(args.jobs) as pool:
        fitter = Fitter(pool, sizing, lambda s: print(s, flush=True))
        x = np.array(rounded(fitter.fit(args.max_nfev)))
        values = fitter.values([x])[0]
        ranges = None if args.no_ranges else fitter.ranges(x)
    record = report(list(x), values, ranges, sizing)
    for c in checks():
        print(f"  {c.key:28s} {values[c.key]:.4g}  {'ok' if in_range(c, values[c.key]) else 'OUT'}")
    for f, v in zip(FREE, x, strict=True):
        print(f"  {f.name} = {v:g}")
    if not args.dry_run:
        write_defaults(list(x))
        FIT_DIR.mkdir(parents=True, exist_ok=True)
        (FIT_DIR / "fit.json").write_text(json.dumps(record, indent=1) + "\n")
        (FIT_DIR / "fit.md").write_text(markdown(record))
        print(f"wrote {MODEL_YAML.relative_to(ROOT)} and {FIT_DIR.relative_to(ROOT)}/fit.*")
    return 0 if all(in_range(c, values[c.key]) for c in checks()) else 1


if __name__ == "__main__":
    sys.exit(main())
