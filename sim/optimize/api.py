"""``optimize(space)``: the whole optimisation from Python, as the command runs it.

Every input is checked before the output folder exists (:func:`prepare`): a bad space, an
override, a space no candidate satisfies, a folder that cannot be written: one
:class:`~sim.model.checks.ConfigError` and nothing written. Then the search (resumed if the
folder holds a stopped one), the selection stage, the worlds, and the files.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sim.model.cadence import StrategyConfig
from sim.model.checks import ConfigError
from sim.model.config import ExperimentConfig
from sim.model.worlds import check_worlds
from sim.optimize.candidate import (
    broken_constraint,
    check_feasible,
    describe,
    params_of,
    to_strategy,
)
from sim.optimize.space import Space, parse_space

#: Where optimisations go, under the working folder.
RESULTS = Path("results") / "optimize"
#: The largest space file read.
MAX_SPACE_BYTES = 1_000_000


@dataclass
class Prepared:
    """A checked space, its experiment and its output folder (not created yet)."""

    space: Space
    cfg: ExperimentConfig
    folder: Path


def load_space(space: str | Path | Mapping[str, Any], overrides: Sequence[str] = ()) -> Space:
    """A space from a YAML file or a mapping, with ``KEY=VALUE`` overrides (YAML values).

    Raises:
        ConfigError: an unreadable file, an override that is not KEY=VALUE, a bad field.
    """
    if isinstance(space, Mapping):
        raw: Any = dict(space)
    else:
        path = Path(space)
        try:
            if path.exists() and not path.is_file():
                raise ConfigError("space", str(path), "a YAML file (this is a device or a folder)")
            if path.stat().st_size > MAX_SPACE_BYTES:
                raise ConfigError("space", str(path), f"a file of at most {MAX_SPACE_BYTES} bytes")
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(
                "space", str(path), f"a readable UTF-8 YAML file ({exc.__class__.__name__})"
            ) from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" (line {mark.line + 1})" if mark is not None else ""
            raise ConfigError("space", str(path), f"valid YAML{where}") from None
    if not isinstance(raw, dict):
        raise ConfigError("space", raw, "a mapping with steps, gap_days, channels and messages")
    for one in overrides:
        key, sep, text = one.partition("=")
        if not sep or not key or not all(part.isidentifier() for part in key.split(".")):
            raise ConfigError(
                "override", one, "KEY=VALUE, e.g. budget=100 or selection.finalists=3"
            )
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError:
            raise ConfigError(key, text, "a YAML value") from None
        node = raw
        *parents, last = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(key, one, f"a key inside a mapping ({part} is not one)")
        node[last] = value
    return parse_space(raw)


def check_folder(folder: Path) -> None:
    """Refuse an output folder that cannot be made or written, before anything is written."""
    probe = folder
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        raise ConfigError(
            "out", str(folder), f"a folder this user can write ({probe} is not writable)"
        )
    stopped = (folder / "study.journal").exists() or (folder / "manifest.json").exists()
    if folder.exists() and not stopped and any(folder.iterdir()):
        raise ConfigError(
            "out", str(folder), "a new or empty folder, or one of a stopped optimisation"
        )


def prepare(
    space: str | Path | Mapping[str, Any],
    overrides: Sequence[str] = (),
    out: str | Path | None = None,
) -> Prepared:
    """Everything checked, nothing written (see the module's docstring)."""
    from sim.optimize.evaluate import base_config

    checked = load_space(space, overrides)
    cfg = base_config(checked)
    if checked.worlds:
        check_worlds(cfg.model, checked.worlds)
    check_feasible(checked, cfg.reps)
    for name in checked.compare:
        if name not in cfg.strategy:
            raise ConfigError(
                "compare",
                name,
                f"a strategy of the experiment: {', '.join(cfg.strategy)} (add others with "
                "experiment: [strategy=[...]])",
            )
    folder = Path(out) if out is not None else RESULTS / checked.name
    check_folder(folder)
    return Prepared(checked, cfg, folder)


def finalists(study: Any, space: Space) -> dict[str, tuple[dict[str, Any], str]]:
    """The top ``selection.finalists`` distinct candidates by score (Pareto: the front first)."""
    from optuna.trial import TrialState

    done = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))]
    if not done:
        raise ConfigError(
            "budget",
            space.budget,
            "enough trials for at least one candidate that keeps the constraints",
        )
    ranked = sorted(done, key=lambda t: -t.user_attrs["score"])
    if space.mode == "pareto" and len(space.used) > 1:
        on_front = {t.number for t in study.best_trials}
        ranked = sorted(ranked, key=lambda t: t.number not in on_front)
    out: dict[str, tuple[dict[str, Any], str]] = {}
    seen: set[str] = set()
    for t in ranked:
        key = repr(sorted(t.params.items()))
        if key in seen:
            continue
        seen.add(key)
        out[f"f{len(out) + 1}"] = (dict(t.params), describe(t.params))
        if len(out) == space.selection.finalists:
            break
    return out


def optimize(
    space: str | Path | Mapping[str, Any],
    overrides: Sequence[str] = (),
    *,
    out: str | Path | None = None,
    progress: bool = True,
    trials: int | None = None,
) -> dict[str, Any]:
    """Find the best cadence of ``space``; the manifest's content back (docs/optimize.md).

    ``trials``: at most this many trials now (then stop, resumable), and no selection stage
    unless the budget is reached.

    Raises:
        ConfigError: a bad input, before anything is written.
    """
    from sim.optimize.outputs import write_all
    from sim.optimize.search import history, open_study, search, trials_done
    from sim.optimize.select import across_worlds, kim_nelson

    ready = prepare(space, overrides, out)
    sp, cfg, folder = ready.space, ready.cfg, ready.folder
    folder.mkdir(parents=True, exist_ok=True)
    open_study(sp, folder)  # created before any other worker opens it
    others = _start_workers(space, overrides, folder, sp.n_jobs - 1 if trials is None else 0)
    try:
        study = search(sp, cfg, folder, progress=progress, trials=trials)
    finally:
        for job in others:
            job.result()
        if others:
            study = open_study(sp, folder)
    if trials_done(study) < sp.budget:
        return {"status": "stopped", "trials": trials_done(study), "folder": str(folder)}
    chosen = finalists(study, sp)
    strategies: dict[str, StrategyConfig] = {
        name: to_strategy(params, sp) for name, (params, _) in chosen.items()
    }
    cadences = {n: c for n, (_, c) in chosen.items()}
    skipped = _add_compared(sp, cfg, strategies, cadences)
    selection = kim_nelson(cfg, sp, strategies, cadences)
    worlds = across_worlds(cfg, sp, strategies) if sp.worlds else None
    manifest = write_all(folder, sp, history(study), selection, worlds, strategies, skipped)
    return {**manifest, "folder": str(folder)}


def _add_compared(
    sp: Space,
    cfg: ExperimentConfig,
    strategies: dict[str, StrategyConfig],
    cadences: dict[str, str],
) -> list[str]:
    """Today's strategies (``compare``) beside the finalists; those breaking a constraint, in words.

    A compared strategy is held to the space's constraints like a candidate (when its steps can
    be read as one: no variants, no ``preferred`` channel): one that breaks them is not a
    choice the team may make, so it is named and left out.
    """
    skipped = []
    for name in sp.compare:
        s = cfg.strategy[name]
        params = params_of(s)
        broken = None if params is None else broken_constraint(params, sp, cfg.reps)
        if broken is not None:
            skipped.append(f"{name} breaks the space's constraints ({broken}): not compared.")
            continue
        strategies[name] = s
        cadences[name] = f"{name} (compared): {s.label or name}"
    return skipped


def worker(
    space: str | Path | Mapping[str, Any],
    overrides: Sequence[str],
    out: str | Path,
    index: int,
) -> int:
    """One more process adding trials to the study in ``out`` (``n_jobs``, or a cluster's job).

    Its sampler is seeded with the space's seed plus ``index``; it stops when the study has its
    budget. Returns the trials the study then has (docs/scaling.md, "An optimisation on a
    cluster").
    """
    from sim.optimize.search import search, trials_done

    ready = prepare(space, overrides, out)
    ready.folder.mkdir(parents=True, exist_ok=True)
    study = search(ready.space, ready.cfg, ready.folder, progress=False, worker=index)
    return trials_done(study)


def _start_workers(
    space: str | Path | Mapping[str, Any], overrides: Sequence[str], folder: Path, n: int
) -> list[Any]:
    """``n`` worker processes (spawned: no fork of a process holding threads) on the study."""
    if n < 1:
        return []
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    given = space if not isinstance(space, Mapping) else dict(space)
    pool = ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("spawn"))
    jobs = [pool.submit(worker, given, list(overrides), folder, i + 1) for i in range(n)]
    pool.shutdown(wait=False)
    return jobs


__all__ = ["Prepared", "load_space", "optimize", "prepare", "worker"]
