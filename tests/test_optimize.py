"""The optimiser (sim/optimize, docs/optimize.md): it finds a known best, prunes before the engine,
selects with Kim-Nelson, re-runs its answer, and resumes a killed search."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from sim.optimize.api import load_space, optimize
from sim.optimize.candidate import (
    broken_constraint,
    every_candidate,
    least_demanding,
    to_strategy,
)
from sim.optimize.evaluate import base_config, mean_values, run_candidates, score
from sim.optimize.select import kim_nelson, kn_constants
from sim.optimize.space import Space

ROOT = Path(__file__).resolve().parent.parent
#: A test-sized space: 114 candidates, each brute-forced in one batch.
TINY: dict[str, Any] = {
    "name": "tiny",
    "experiment": ["population.size=400", "replications=2", "horizon_days=60"],
    "steps": {"min": 1, "max": 2},
    "gap_days": {"min": 1, "max": 3},
    "channels": ["email", "phone", "social"],
    "messages": ["benefit_led", "self_focused"],
    "objectives": {"meetings_per_prospect": 1.0, "opt_out_rate": 1.0},
    "budget": 30,
    "selection": {"finalists": 3, "margin": 0.003, "first_stage": 3, "max_replications": 8},
}


#: The brute force's replicates: apart from the search's (0, 1) and the selection's (100000 on).
TRUTH = range(500, 506)


@pytest.fixture(scope="module")
def brute() -> tuple[Space, dict[str, float]]:
    """Every candidate of TINY on six replicates of its own: its score, by cadence."""
    space = load_space(TINY)
    cfg = base_config(space)
    cands = list(every_candidate(space))
    strategies = {f"c{i}": to_strategy(p, space) for i, p in enumerate(cands)}
    runs = run_candidates(cfg, strategies, TRUTH)
    return space, {
        strategies[k].label: score(mean_values(v), space.objectives) for k, v in runs.items()
    }


def test_the_optimiser_finds_the_best_cadence_within_the_margin(
    brute: tuple[Space, dict[str, float]], tmp_path: Path
) -> None:
    space, scores = brute
    best = max(scores.values())
    found = []
    for seed in range(5):
        out = optimize(TINY, [f"seed={seed}"], out=tmp_path / str(seed), progress=False)
        strategy = yaml.safe_load(
            (tmp_path / str(seed) / "conf/strategy/tiny_best.yaml").read_text()
        )
        found.append(best - scores[strategy["tiny_best"]["label"]])
        assert 0.0 <= out["pcs_estimate"] <= 1.0
    # 6 of the 114 candidates are within the margin of the best (measured: 5 of 5 seeds find one).
    assert sum(gap <= space.selection.margin for gap in found) >= 4, found


def test_the_chosen_yaml_reruns_to_the_same_figures(tmp_path: Path) -> None:
    from sim.run.api import run_arms
    from sim.run.registry import compose

    out = optimize(TINY, ["budget=6", "selection.finalists=2"], out=tmp_path, progress=False)
    history = __import__("pandas").read_csv(tmp_path / "history.csv")
    label = yaml.safe_load((tmp_path / "conf/strategy/tiny_best.yaml").read_text())["tiny_best"][
        "label"
    ]
    row = history[history["cadence"] == label].iloc[0]
    cfg = compose(
        [
            f"hydra.searchpath=[file://{tmp_path / 'conf'}]",
            "strategy=[tiny_best]",
            "baseline=tiny_best",
            *TINY["experiment"],
        ]
    )
    arms = run_arms(cfg)
    meetings = np.mean([a.metrics["meetings"] / a.metrics["prospects"] for a in arms])
    assert meetings == pytest.approx(row["meetings_per_prospect"], abs=1e-12)
    assert "outreach-sim hydra.searchpath=" in out["command"]
    for name in ("history.csv", "selection.csv", "pareto.png", "report.html", "manifest.json"):
        assert (tmp_path / name).stat().st_size > 0
    assert "Run this cadence" in (tmp_path / "report.html").read_text()


def test_a_candidate_that_breaks_a_constraint_is_never_simulated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sim.optimize.search as search

    seen: list[str] = []
    real = search.run_candidates

    def spy(cfg: Any, strategies: Any, replicates: Any) -> Any:
        seen.extend(s.label for s in strategies.values())
        return real(cfg, strategies, replicates)

    monkeypatch.setattr(search, "run_candidates", spy)
    space = load_space(TINY, ["constraints.max_touches_per_week=1", "budget=12"])
    cfg = base_config(space)
    study = search.search(space, cfg, tmp_path, progress=False)
    pruned = [t for t in study.trials if t.state.name == "PRUNED"]
    assert pruned, "two steps within 3 days break one touch a week: some trials are pruned"
    assert all("touches in a week" in t.user_attrs["broken"] for t in pruned)
    assert not {t.user_attrs["cadence"] for t in pruned} & set(seen)
    assert all(t.params["steps"] == 1 for t in study.trials if t.state.name == "COMPLETE")
    # Six one-step candidates keep the constraint; one proposed again is not simulated again.
    assert len(seen) == len(set(seen)) <= 6


def test_constraints_and_the_least_demanding_candidate() -> None:
    space = load_space(TINY, ["constraints.max_rep_minutes_per_prospect=3"])
    reps = base_config(space).reps
    easy = least_demanding(space, reps)
    assert broken_constraint(easy, space, reps) is None
    two_emails = {"steps": 2, "gap_1": 1, **{f"channel_{k}": "email" for k in (0, 1)}}
    two_emails |= {f"message_{k}": "benefit_led" for k in (0, 1)}
    assert "rep minutes" in str(broken_constraint(two_emails, space, reps))


def test_kim_nelson_drops_a_clearly_worse_finalist_and_keeps_the_better() -> None:
    space = load_space(TINY, ["selection.max_replications=30", "selection.margin=0.002"])
    cfg = base_config(space)
    good = {"steps": 2, "gap_1": 3, "channel_0": "phone", "channel_1": "phone"}
    good |= {"message_0": "benefit_led", "message_1": "benefit_led"}
    bad = {"steps": 2, "gap_1": 1, "channel_0": "social", "channel_1": "social"}
    bad |= {"message_0": "self_focused", "message_1": "self_focused"}
    strategies = {"good": to_strategy(good, space), "bad": to_strategy(bad, space)}
    result = kim_nelson(cfg, space, strategies, {"good": "good", "bad": "bad"})
    assert result.chosen == "good"
    assert result.resolved and result.pcs_guarantee == pytest.approx(0.95)
    dropped = next(f for f in result.finalists if f.name == "bad")
    assert dropped.eliminated_at is not None and dropped.eliminated_at < 30
    assert result.pcs_estimate > 0.9


def test_kn_constant_matches_kim_and_nelson() -> None:
    # eta = ((2 alpha / (k - 1))^(-2 / (n0 - 1)) - 1) / 2 and h^2 = 2 eta (n0 - 1): k=2, n0=3,
    # alpha=0.05 gives eta = (0.1^-1 - 1) / 2 = 4.5, h^2 = 18.
    assert kn_constants(2, 3, 0.05) == pytest.approx(18.0)


def test_the_finalists_across_worlds_name_a_robust_choice(tmp_path: Path) -> None:
    out = optimize(
        TINY, ["budget=6", "selection.finalists=2", "worlds=3"], out=tmp_path, progress=False
    )
    table = __import__("pandas").read_csv(tmp_path / "selection.csv")
    assert table["best_in_worlds"].sum() == 3
    assert table["robust"].sum() == 1
    assert out["robust"] in set(table["finalist"])
    assert "plausible worlds" in " ".join(out["answer"])


def test_a_killed_search_resumes_the_same_study(tmp_path: Path) -> None:
    space_file = tmp_path / "space.yaml"
    # A space the search cannot exhaust before the signal: TINY's ~114 cadences ended a
    # 400-trial search early, before the Ctrl-C, on a slow CPU (exit 0, not 130).
    wide = {**TINY, "steps": {"min": 1, "max": 4}, "gap_days": {"min": 1, "max": 7}}
    space_file.write_text(yaml.safe_dump({**wide, "budget": 400}))
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "sim.optimize", str(space_file), "--out", str(out), "--quiet"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while _complete(out) < 5 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    before = _complete(out)
    assert before >= 5
    result = optimize(space_file, ["budget=" + str(before + 3)], out=out, progress=False)
    assert result["trials"] >= before + 3  # the same study: the killed run's trials count
    history = __import__("pandas").read_csv(out / "history.csv")
    assert (history["state"] == "complete").sum() + (
        history["state"] == "pruned"
    ).sum() == before + 3


def test_ctrl_c_stops_with_one_line_and_the_study_continues(tmp_path: Path) -> None:
    space_file = tmp_path / "space.yaml"
    # A space the search cannot exhaust before the signal: TINY's ~114 cadences ended a
    # 400-trial search early, before the Ctrl-C, on a slow CPU (exit 0, not 130).
    wide = {**TINY, "steps": {"min": 1, "max": 4}, "gap_days": {"min": 1, "max": 7}}
    space_file.write_text(yaml.safe_dump({**wide, "budget": 400}))
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "sim.optimize", str(space_file), "--out", str(out), "--quiet"]
    # Started with SIGINT ignored, as a script's background job is (the test run itself may be
    # one): the command must still stop on it.
    proc = subprocess.Popen(
        cmd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    deadline = time.monotonic() + 120
    while _complete(out) < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1].startswith("stopped: the same command continues")
    assert not (out / "manifest.json").exists()  # nothing of a finished optimisation
    before = _complete(out)
    result = optimize(space_file, [f"budget={before + 2}"], out=out, progress=False)
    assert result["status"] == "ok" and result["trials"] >= before + 2


def _complete(out: Path) -> int:
    journal = out / "study.journal"
    if not journal.exists():
        return 0
    ops = [json.loads(line) for line in journal.read_text().splitlines() if line.strip()]
    # op_code 6: a trial's state set; state 1: COMPLETE (optuna's JournalOperation, TrialState).
    return sum(1 for op in ops if op.get("op_code") == 6 and op.get("state") == 1)


def test_a_submitit_local_worker_gives_the_best_cadence_of_a_local_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    submitit = pytest.importorskip("submitit")
    from sim.optimize.api import worker

    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    executor = submitit.LocalExecutor(folder=str(tmp_path / "submitit"))
    executor.update_parameters(timeout_min=5)
    job = executor.submit(worker, TINY, ["budget=8"], str(tmp_path / "cluster"), 0)
    assert job.result() >= 8
    cluster = optimize(TINY, ["budget=8"], out=tmp_path / "cluster", progress=False)
    local = optimize(TINY, ["budget=8"], out=tmp_path / "local", progress=False)
    best = "conf/strategy/tiny_best.yaml"
    assert (tmp_path / "cluster" / best).read_text() == (tmp_path / "local" / best).read_text()
    assert cluster["pcs_estimate"] == local["pcs_estimate"]


def test_pareto_mode_runs_nsga2_on_each_objective(tmp_path: Path) -> None:
    from sim.optimize.search import open_study

    over = ["mode=pareto", "budget=8", "selection.finalists=2"]
    optimize(TINY, over, out=tmp_path, progress=False)
    study = open_study(load_space(TINY, over), tmp_path)
    assert type(study.sampler).__name__ == "NSGAIISampler"
    assert [d.name for d in study.directions] == ["MAXIMIZE", "MINIMIZE"]
    assert (tmp_path / "pareto.png").stat().st_size > 0


def test_the_front_keeps_only_the_non_dominated_candidates() -> None:
    from sim.optimize.outputs import front

    rows = [
        {"meetings_per_prospect": 1.0, "opt_out_rate": 1.0},  # dominated by the next
        {"meetings_per_prospect": 2.0, "opt_out_rate": 1.0},
        {"meetings_per_prospect": 0.5, "opt_out_rate": 0.1},
        {"meetings_per_prospect": 0.4, "opt_out_rate": 0.2},  # dominated by the one before
    ]
    assert front(rows, ["meetings_per_prospect", "opt_out_rate"]) == [1, 2]


def test_compared_strategies_join_the_selection_and_entitlement_does_not_win(
    tmp_path: Path,
) -> None:
    over = ["budget=8", "selection.finalists=2", "compare=[entitlement,bombard]"]
    over.append("constraints.platform.max_touches_per_day=2")  # bombard: 10 touches on day 0
    out = optimize(TINY, over, out=tmp_path, progress=False)
    table = __import__("pandas").read_csv(tmp_path / "selection.csv")
    assert "entitlement" in set(table["finalist"])
    assert out["chosen"] != "entitlement"
    assert "bombard" not in set(table["finalist"])
    assert any(line.startswith("bombard breaks the space's constraints") for line in out["answer"])


@pytest.mark.parametrize("name", ["cadence", "workshop"])
def test_the_example_spaces_are_accepted(name: str, tmp_path: Path) -> None:
    from sim.optimize.api import prepare

    ready = prepare(ROOT / "examples" / "optimize" / f"{name}.yaml", out=tmp_path / "new")
    assert ready.space.name == name and ready.space.budget >= 40
    assert not (tmp_path / "new").exists()  # checked, nothing written
