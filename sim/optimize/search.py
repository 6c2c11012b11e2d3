"""The search: an Optuna study over the space, stored in the output folder so that it resumes.

One objective (the weighted score) runs TPE; ``mode: pareto`` runs NSGA-II on each weighted
objective with its own direction. The study lives in ``study.journal`` (Optuna's
``JournalStorage`` on a file, safe for several processes): a search stopped by Ctrl-C, a kill
or a crash starts again where it was, and workers on other processes or machines that share the
file (docs/scaling.md, "An optimisation on a cluster") add trials to the same study. Candidates
that break a constraint are pruned before the engine sees them.
"""

from __future__ import annotations

import logging
import math
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.model.config import ExperimentConfig
from sim.optimize.candidate import broken_constraint, describe, suggest, to_strategy
from sim.optimize.evaluate import Values, mean_values, run_candidates, score
from sim.optimize.space import OBJECTIVES, Space

if TYPE_CHECKING:
    import optuna

#: The study's file in the output folder.
JOURNAL = "study.journal"
#: The name of the (one) study in the journal.
STUDY = "cadence"


def open_study(space: Space, folder: Path, worker: int = 0) -> optuna.Study:
    """The study in ``folder/study.journal``: created, or loaded to continue."""
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    optuna.logging.set_verbosity(logging.WARNING)
    storage = JournalStorage(JournalFileBackend(str(folder / JOURNAL)))
    if space.mode == "pareto" and len(space.used) > 1:
        sampler: optuna.samplers.BaseSampler = optuna.samplers.NSGAIISampler(
            seed=space.seed + worker
        )
        directions: list[Any] = [OBJECTIVES[k] for k in space.used]
    else:
        sampler = optuna.samplers.TPESampler(seed=space.seed + worker)
        directions = ["maximize"]
    return optuna.create_study(
        study_name=STUDY,
        storage=storage,
        sampler=sampler,
        directions=directions,
        load_if_exists=True,
    )


def trials_done(study: optuna.Study) -> int:
    """Trials finished (complete or pruned): what counts against the budget."""
    from optuna.trial import TrialState

    return len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED)))


def _key(params: dict[str, Any]) -> str:
    return repr(sorted(params.items()))


class Objective:
    """One trial: sample a candidate, prune it if it breaks a constraint, else simulate it."""

    def __init__(self, space: Space, cfg: ExperimentConfig, study: optuna.Study) -> None:
        from optuna.trial import TrialState

        self.space = space
        self.cfg = cfg
        # A candidate proposed again gets the objectives it had: with the same seed and
        # replicates the engine would give exactly them again (common random numbers).
        self.seen: dict[str, Values] = {
            _key(t.params): {k: t.user_attrs[k] for k in OBJECTIVES}
            for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
            if all(k in t.user_attrs for k in OBJECTIVES)
        }

    def __call__(self, trial: optuna.Trial) -> float | list[float]:
        """The trial's value(s); :class:`optuna.TrialPruned` for a candidate never simulated."""
        import optuna

        params = suggest(trial, self.space)
        broken = broken_constraint(params, self.space, self.cfg.reps)
        trial.set_user_attr("cadence", describe(params))
        if broken is not None:
            trial.set_user_attr("broken", broken)
            raise optuna.TrialPruned(broken)
        key = _key(params)
        values = self.seen.get(key)
        if values is None:
            strategy = to_strategy(params, self.space)
            runs = run_candidates(self.cfg, {"candidate": strategy}, range(self.cfg.replications))
            values = self.seen[key] = mean_values(runs["candidate"])
        else:
            trial.set_user_attr("repeat", True)
        weighted = score(values, self.space.objectives)
        trial.set_user_attr("score", weighted)
        for key, value in values.items():
            trial.set_user_attr(key, value)
        if self.space.mode == "pareto" and len(self.space.used) > 1:
            return [values[k] for k in self.space.used]
        return weighted


class Progress:
    """A tqdm bar of trials: count (of every process sharing the study), best score, ETA."""

    def __init__(self, study: optuna.Study, total: int, show: bool) -> None:
        from tqdm import tqdm

        self.bar = tqdm(
            total=total,
            initial=trials_done(study),
            desc="trials",
            unit="trial",
            disable=not show,
            leave=True,
        )
        scores = [t.user_attrs.get("score") for t in study.get_trials(deepcopy=False)]
        self.best = max((float(x) for x in scores if x is not None), default=-math.inf)

    def __call__(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        """Called by Optuna after each trial."""
        weighted = trial.user_attrs.get("score")
        if weighted is not None and weighted > self.best:
            self.best = float(weighted)
            self.bar.set_postfix(best=f"{self.best:.4g}", refresh=False)
        self.bar.update(min(self.bar.total, trials_done(study)) - self.bar.n)

    def close(self) -> None:
        """Leave the bar as it ended."""
        self.bar.close()


def search(
    space: Space,
    cfg: ExperimentConfig,
    folder: Path,
    *,
    progress: bool = True,
    trials: int | None = None,
    worker: int = 0,
) -> optuna.Study:
    """Run the study in ``folder`` until ``space.budget`` trials are done (resumes a stopped one).

    Every process that shares the folder's journal (``worker`` 0, 1, ...: the processes of
    ``n_jobs``, or a cluster's jobs) adds trials to the same study until the budget is reached
    (Optuna's ``MaxTrialsCallback``; at most one trial per process more). Worker ``w`` seeds
    its sampler with ``space.seed + w``, so the workers do not propose the same candidates.
    ``trials``: at most this many trials in this call (then stop: resumable).
    """
    from optuna.study import MaxTrialsCallback
    from optuna.trial import TrialState

    study = open_study(space, folder, worker)
    if trials_done(study) >= space.budget:
        return study
    bar = Progress(study, space.budget, progress)
    stop = MaxTrialsCallback(space.budget, states=(TrialState.COMPLETE, TrialState.PRUNED))
    started = time.monotonic()
    try:
        study.optimize(
            Objective(space, cfg, study),
            n_trials=trials,
            callbacks=[stop, bar],
            gc_after_trial=False,
        )
    finally:
        bar.close()
    study.set_user_attr(f"seconds_w{worker}_{started:.0f}", round(time.monotonic() - started, 3))
    return study


def history(study: optuna.Study) -> list[dict[str, Any]]:
    """Every trial as a row: number, state, the candidate, its objectives and score."""
    rows = []
    for t in study.get_trials(deepcopy=False):
        row: dict[str, Any] = {"trial": t.number, "state": t.state.name.lower()}
        row["cadence"] = t.user_attrs.get("cadence", "")
        row["broken_constraint"] = t.user_attrs.get("broken", "")
        row["repeat"] = bool(t.user_attrs.get("repeat", False))  # a candidate seen before
        row["score"] = t.user_attrs.get("score")
        for key in OBJECTIVES:
            row[key] = t.user_attrs.get(key)
        row["seconds"] = (
            (t.datetime_complete - t.datetime_start).total_seconds()
            if t.datetime_complete and t.datetime_start
            else None
        )
        row["params"] = repr(t.params)
        rows.append(row)
    return rows
