"""``make worlds``: the default model's plausible worlds, parameter sets that meet every target.

``python -m sim.validation.worlds`` (``make worlds``; ``make calibrate`` runs it after the fit,
so the worlds always surround the calibrated defaults) draws candidate parameter sets over the
priors of :mod:`sim.validation.world_priors` (the calibrated parameters in a box around the
fit, the judgement parameters over their plausible ranges), simulates every published target for
each with the calibration's own probes, seed and list size (common random numbers across
candidates, :func:`sim.validation.calibration_loss.measure_changes`), and **accepts a candidate
when every target is inside its published range** (:func:`accepted`).

The candidates come in waves (history matching, :mod:`sim.validation.emulator`): the first is a
Latin hypercube over the whole box; each later one is drawn from a Sobol sequence of
:data:`POOL_LOG2` points after an emulator fitted to every earlier simulation has ruled out the
points that miss some target by more than three of its errors. The emulator only chooses which
candidates to simulate; acceptance is always by simulation. Accepted worlds of every wave are
draws from the same region (the box where every target holds), so they are pooled.

Outputs: ``sim/conf/model/worlds/default.yaml`` (the ``model/worlds`` config group:
:class:`sim.model.worlds.WorldsConfig`, rows shuffled with a seeded generator, four significant
digits), the record ``docs/calibration/worlds.json`` and its page ``worlds.md``.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from scipy.stats import qmc

from sim.model.arrays import F64
from sim.model.worlds import MODEL_VERSION, WorldsConfig, check_worlds
from sim.run.outputs import write_json, write_text
from sim.run.registry import CONF_DIR
from sim.validation.calibration_loss import (
    CALIBRATION_SIZING,
    FIT_DIR,
    FREE,
    ROOT,
    accepted,
    checks,
    measure_changes,
    misses,
)
from sim.validation.emulator import CUTOFF, Screen, held_out_recall
from sim.validation.probes import Sizing, base_config, forget_composed, get_path
from sim.validation.world_priors import JUDGEMENT, Prior, priors
from sim.validation.worlds_page import markdown, parameter_rows, rounded, target_rows, worlds_yaml

WORLDS_YAML = CONF_DIR / "model" / "worlds" / "default.yaml"
RECORD = FIT_DIR / "worlds.json"
PAGE = FIT_DIR / "worlds.md"
#: Candidates simulated per wave: a Latin hypercube over the box, then the screen's picks. Seven
#: waves since the v3 fit with deliverability on: six accepted 48 worlds, short of FEWEST.
WAVES = (150, 150, 150, 150, 150, 150, 150)
#: The screen's cutoff in each wave after the first, in emulator errors outside a range: three
#: (history matching's rule) for the second wave, then one half: the later waves sample where
#: every emulated target is within half an error of its range (docs/uncertainty.md: what the
#: smaller cutoff saves and what it may lose, measured).
CUTOFFS = (3.0, 0.5, 0.5, 0.5, 0.5, 0.5)
#: The cutoffs whose held-out recall the record gives.
RECALL_CUTOFFS = (0.0, 0.5, 1.0, 3.0)
#: Later waves pick among Sobol points drawn this many at a time, ...
POOL_CHUNK = 2**16
#: ... until enough are kept or this many are drawn.
POOL_MAX = 2**24
#: Worlds stored (the first rows of a seeded shuffle of every accepted world).
KEEP = 100
#: Fewer accepted worlds than this and nothing is written (exit 1).
FEWEST = 50
#: The design's own seed (Latin hypercube, Sobol scrambling, picks, the shuffle).
DESIGN_SEED = 20261207
#: Stored worlds simulated again on the next seed: how many still meet every target.
RECHECK = 12
METHOD = (
    "history matching: candidates over the priors (Latin hypercube, then emulator-screened "
    "Sobol waves), accepted when the calibration's probes put every published target in range"
)

Changes = tuple[tuple[str, float], ...]


def to_values(ps: Sequence[Prior], unit: F64) -> F64:
    """Parameter values (one column per prior) of points of the unit cube."""
    u = np.atleast_2d(np.asarray(unit, dtype=np.float64))
    return np.column_stack([p.values(u[:, j]) for j, p in enumerate(ps)])


def changes_of(ps: Sequence[Prior], row: F64) -> Changes:
    """The config changes that make one world: every path of every prior, tied values alike."""
    return tuple(
        (f"model.{path}", float(v)) for p, v in zip(ps, row, strict=True) for path in p.paths
    )


@dataclass
class Runs:
    """Every simulated candidate: its unit coordinates, target values and wave."""

    unit: F64
    values: list[dict[str, float]] = field(default_factory=list)
    wave: list[int] = field(default_factory=list)

    def add(self, unit: F64, values: list[dict[str, float]], wave: int) -> None:
        """Append one wave's candidates."""
        self.unit = np.vstack([self.unit, unit])
        self.values += values
        self.wave += [wave] * len(values)

    @property
    def first(self) -> list[dict[str, float]]:
        """The first wave's values (drawn over the whole box)."""
        return [v for v, w in zip(self.values, self.wave, strict=True) if w == 0]

    @property
    def ok(self) -> np.ndarray:
        """Which candidates were accepted."""
        return np.array([accepted(v) for v in self.values], dtype=bool)


class Simulator:
    """Simulates candidates on a process pool, on one sizing (common random numbers)."""

    def __init__(
        self,
        pool: ProcessPoolExecutor,
        ps: Sequence[Prior],
        sizing: Sizing,
        log: Callable[[str], None],
    ):
        self.pool, self.priors, self.sizing, self.log = pool, list(ps), sizing, log
        self.known: dict[bytes, dict[str, float]] = {}  # earlier runs of the same design
        self.reused = 0

    def remember(self, path: Path) -> None:
        """Reuse the runs kept in ``path`` by an earlier run of the same design and sizing."""
        kept = json.loads(path.read_text())
        if kept.get("sizing") == [self.sizing.prospects, self.sizing.seed]:
            for u, v in zip(kept["unit"], kept["values"], strict=True):
                self.known[np.array(u, dtype=np.float64).tobytes()] = v

    def __call__(self, unit: F64) -> list[dict[str, float]]:
        """Every target's value at each point of the unit cube (earlier runs reused)."""
        new = [i for i, u in enumerate(unit) if u.tobytes() not in self.known]
        self.reused += len(unit) - len(new)
        for i, values in zip(new, self.at(to_values(self.priors, unit[new])), strict=True):
            self.known[unit[i].tobytes()] = values
        return [self.known[u.tobytes()] for u in unit]

    def at(self, points: F64, sizing: Sizing | None = None) -> list[dict[str, float]]:
        """Every target's value for each row of parameter values (one column per prior)."""
        jobs = [changes_of(self.priors, row) for row in points]
        on = [sizing or self.sizing] * len(jobs)
        out: list[dict[str, float]] = []
        start = time.perf_counter()
        for values in self.pool.map(measure_changes, jobs, on):
            out.append(values)
            if len(out) % 40 == 0:
                self.log(f"    {len(out)} of {len(jobs)} ({time.perf_counter() - start:.0f} s)")
        return out


def wave_points(
    runs: Runs, n: int, cutoff: float, rng: np.random.Generator
) -> tuple[F64, dict[str, float | int | None]]:
    """The next wave's candidates, and what the emulators' screen kept and would have lost.

    The first wave is a Latin hypercube over the box. A later one is a random pick of ``n``
    points among the Sobol points (drawn :data:`POOL_CHUNK` at a time, up to :data:`POOL_MAX`,
    until ``n`` are kept) that the screen fitted to every earlier run keeps at ``cutoff``.
    """
    d = runs.unit.shape[1]
    if not runs.values:
        first = qmc.LatinHypercube(d=d, seed=rng).random(n)
        return first, {"cutoff": None, "plausible": None, "recall": None, "emulators": 0}
    screen = Screen.fit(checks(), runs.unit, runs.values)
    sobol = qmc.Sobol(d=d, seed=rng)
    kept: list[F64] = []
    drawn = 0
    while drawn < POOL_MAX and sum(len(k) for k in kept) < n:
        pool = sobol.random(POOL_CHUNK)
        kept.append(pool[screen.plausible(pool, cutoff)])
        drawn += POOL_CHUNK
    found = np.vstack(kept)
    picks = found[rng.permutation(len(found))[:n]]
    ok = runs.ok
    recall = float(screen.plausible(runs.unit[ok], cutoff).mean()) if ok.any() else None
    info = {
        "cutoff": cutoff,
        "plausible": len(found) / drawn,
        "recall": recall,
        "emulators": len(screen.emulators),
    }
    return picks, info


def generate(
    sim: Simulator,
    waves: Sequence[int],
    cutoffs: Sequence[float],
    seed: int,
    keep_runs: str | None = None,
) -> tuple[Runs, list[dict[str, object]]]:
    """Simulate the waves of candidates (``cutoffs``: one per wave after the first)."""
    rng = np.random.default_rng(seed)
    runs = Runs(np.empty((0, len(sim.priors))))
    summary: list[dict[str, object]] = []
    for k, n in enumerate(waves):
        start = time.perf_counter()
        unit, screen = wave_points(runs, n, cutoffs[k - 1] if k else CUTOFF, rng)
        sim.log(
            f"  wave {k + 1}: {len(unit)} candidates"
            + (
                f" (the screen at {screen['cutoff']:g} keeps {screen['plausible']:.3%})"
                if k
                else ""
            )
        )
        values = sim(unit)
        runs.add(unit, values, k)
        if keep_runs:  # every run so far: to look at, or to reuse in a longer design
            kept = {"unit": runs.unit.tolist(), "values": runs.values, "wave": runs.wave}
            kept["sizing"] = [sim.sizing.prospects, sim.sizing.seed]
            Path(keep_runs).write_text(json.dumps(kept))
        hits = sum(accepted(v) for v in values)
        sim.log(f"  wave {k + 1}: {hits} of {len(values)} accepted")
        summary.append(
            {
                "wave": k + 1,
                "candidates": len(values),
                "accepted": hits,
                "seconds": round(time.perf_counter() - start, 1),
                **screen,
            }
        )
    return runs, summary


def shuffled(points: F64, seed: int, keep: int) -> F64:
    """The accepted worlds in a seeded random order, the first ``keep``, at 4 significant digits."""
    order = np.random.default_rng([seed, 1]).permutation(points.shape[0])[:keep]
    return np.vectorize(rounded)(points[order]) if len(order) else points[order]


def expand(ps: Sequence[Prior], points: F64) -> list[list[float]]:
    """Rows of the worlds file: one value per path (a tied parameter repeats its value)."""
    return [[float(v) for p, v in zip(ps, row, strict=True) for _ in p.paths] for row in points]


def worlds_config(
    ps: Sequence[Prior], rows: list[list[float]], record: Mapping[str, object], source: str
) -> WorldsConfig:
    """The worlds as config data, checked against the current model (every field's range)."""
    params = record["parameters"]
    assert isinstance(params, list)
    config = WorldsConfig(
        model_version=MODEL_VERSION,
        source=source,
        method=METHOD,
        parameters=[path for p in ps for path in p.paths],
        status={
            path: str(r["status"]) for p, r in zip(ps, params, strict=True) for path in p.paths
        },
        values=rows,
    )
    model = copy.deepcopy(base_config().model)
    model.worlds = config
    check_worlds(model, len(rows))
    return config


def current_values() -> dict[str, float]:
    """The model's current value of every varied parameter (calibrated and judgement)."""
    model = base_config().model
    names = [f.name for f in FREE] + [j.path for j in JUDGEMENT]
    return {name: float(get_path(model, name)) for name in names}


def _fit_record() -> dict[str, object] | None:
    path = FIT_DIR / "fit.json"
    return json.loads(path.read_text()) if path.exists() else None


@dataclass(frozen=True)
class Options:
    """What one generation runs: waves, sizing, seed, workers, how many worlds to keep."""

    waves: tuple[int, ...] = WAVES
    cutoffs: tuple[float, ...] = CUTOFFS
    sizing: Sizing = CALIBRATION_SIZING
    seed: int = DESIGN_SEED
    jobs: int = 2
    keep: int = KEEP
    recheck: int = RECHECK
    source: str = "python -m sim.validation.worlds"
    runs: str | None = None  # a JSON file to keep every run in (not written by default)


def build(opts: Options, log: Callable[[str], None]) -> tuple[list[Prior], F64, dict[str, object]]:
    """Generate the worlds: the priors, the stored worlds (one column per prior), the record."""
    forget_composed()  # the defaults may have just been rewritten (make calibrate)
    ps = priors(current_values(), _fit_record())
    start = time.perf_counter()
    with ProcessPoolExecutor(opts.jobs) as pool:
        sim = Simulator(pool, ps, opts.sizing, log)
        if opts.runs and Path(opts.runs).exists():
            sim.remember(Path(opts.runs))
        runs, waves = generate(sim, opts.waves, opts.cutoffs, opts.seed, opts.runs)
        points = to_values(ps, runs.unit[runs.ok])
        ok = runs.ok
        recall = held_out_recall(checks(), runs.unit, runs.values, ok, RECALL_CUTOFFS)
        stored = shuffled(points, opts.seed, opts.keep)
        again = stored[: opts.recheck]
        other = Sizing(opts.sizing.prospects, opts.sizing.replications, opts.sizing.seed + 1)
        log(f"  recheck: {len(again)} stored worlds, on seed {opts.sizing.seed} and {other.seed}")
        pairs = list(zip(sim.at(again), sim.at(again, other), strict=True))
    record: dict[str, object] = {
        "source": opts.source,
        "model_version": MODEL_VERSION,
        "sizing": {"prospects": opts.sizing.prospects, "seed": opts.sizing.seed},
        "design_seed": opts.seed,
        "waves": waves,
        "candidates": len(runs.values),
        "reused": sim.reused,
        "accepted": len(points),
        "kept": len(stored),
        "seconds": round(time.perf_counter() - start),
        "jobs": opts.jobs,
        "parameters": parameter_rows(ps, points) if len(points) else [],
        "targets": target_rows(runs.first, pairs),
        "held_out_recall": recall,
        "recheck": {
            "worlds": len(pairs),
            "accepted_on_seed": sum(accepted(a) for a, _ in pairs),
            "accepted_on_next_seed": sum(accepted(b) for _, b in pairs),
            "missed_on_next_seed": sorted(k for _, b in pairs for k in misses(b)),
        },
    }
    return ps, stored, record


def write(ps: Sequence[Prior], stored: F64, record: Mapping[str, object]) -> None:
    """Write the worlds file, its record and its page (each atomically)."""
    config = worlds_config(ps, expand(ps, stored), record, str(record["source"]))
    WORLDS_YAML.parent.mkdir(parents=True, exist_ok=True)
    write_text(WORLDS_YAML, worlds_yaml(config))
    write_json(RECORD, dict(record))
    write_text(PAGE, markdown(record))


def main(argv: list[str] | None = None, source: str = "python -m sim.validation.worlds") -> int:
    """Generate and write the default model's worlds; exit 1 if too few are accepted."""
    parser = argparse.ArgumentParser(prog="make worlds", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--waves", default=",".join(map(str, WAVES)), help="candidates per wave (comma-separated)"
    )
    parser.add_argument(
        "--cutoffs",
        default=",".join(map(str, CUTOFFS)),
        help="the screen's cutoff in each wave after the first (comma-separated)",
    )
    parser.add_argument("--keep", type=int, default=KEEP, help=f"worlds stored (default {KEEP})")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--seed", type=int, default=DESIGN_SEED, help="the design's seed")
    parser.add_argument("--prospects", type=int, default=CALIBRATION_SIZING.prospects)
    parser.add_argument("--recheck", type=int, default=RECHECK, help="worlds run on another seed")
    parser.add_argument("--runs", help="keep every run in this JSON file (and reuse its runs)")
    parser.add_argument("--dry-run", action="store_true", help="print, write nothing")
    args = parser.parse_args(argv)
    sizing = Sizing(args.prospects, CALIBRATION_SIZING.replications, CALIBRATION_SIZING.seed)
    waves = tuple(int(n) for n in args.waves.split(","))
    cutoffs = tuple(float(c) for c in args.cutoffs.split(","))
    if len(cutoffs) != len(waves) - 1:
        parser.error("--cutoffs needs one value per wave after the first")
    opts = Options(waves, cutoffs, sizing, args.seed, args.jobs, args.keep, args.recheck)
    opts = replace(opts, source=source, runs=args.runs)
    print(f"worlds: {sum(waves)} candidates in {len(waves)} waves, {args.jobs} workers", flush=True)
    ps, stored, record = build(opts, lambda s: print(s, flush=True))
    print(
        f"worlds: {record['accepted']} of {record['candidates']} candidates accepted "
        f"in {record['seconds']} s; {record['kept']} stored"
    )
    if int(str(record["accepted"])) < FEWEST:
        print(f"worlds: fewer than {FEWEST} accepted; nothing written", file=sys.stderr)
        return 1
    if not args.dry_run:
        write(ps, stored, record)
        print(f"wrote {WORLDS_YAML.relative_to(ROOT)} and {PAGE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
