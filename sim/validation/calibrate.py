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

The free parameters, the loss's residuals and the measurement of one parameter set are in
:mod:`sim.validation.calibration_loss` (re-exported here). After the fit, ``make calibrate``
writes the default model's plausible worlds around the new defaults
(:mod:`sim.validation.worlds`), so the two always match.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from scipy.optimize import least_squares

from sim.model.arrays import F64
from sim.validation import worlds
from sim.validation.calibration_loss import (
    CALIBRATION_SIZING,
    FIT_DIR,
    FREE,
    GOALS,
    MARGIN,
    MODEL_YAML,
    OUTSIDE,
    ROOT,
    Free,
    Goal,
    checks,
    in_range,
    measure,
    measure_changes,
    residual,
    residuals_of,
)
from sim.validation.calibration_page import markdown
from sim.validation.probes import Sizing

__all__ = [
    "CALIBRATION_SIZING",
    "FIT_DIR",
    "FREE",
    "GOALS",
    "MARGIN",
    "MODEL_YAML",
    "OUTSIDE",
    "ROOT",
    "Fitter",
    "Free",
    "Goal",
    "checks",
    "in_range",
    "main",
    "measure",
    "measure_changes",
    "report",
    "residual",
    "residuals_of",
    "rounded",
    "write_defaults",
]


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
    parser.add_argument("--no-worlds", action="store_true", help="skip the plausible worlds")
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
    fitted = all(in_range(c, values[c.key]) for c in checks())
    if args.dry_run or args.no_worlds:
        return 0 if fitted else 1
    # The worlds surround the defaults just written, with the profile just recorded.
    again = ["--jobs", str(args.jobs), "--prospects", str(args.prospects)]
    return 1 if worlds.main(again, source="make calibrate") or not fitted else 0


if __name__ == "__main__":
    sys.exit(main())
