"""Fitting a touch log: the likelihood's pieces, the command, its files and its refusals."""

from __future__ import annotations

import dataclasses
import functools
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import optimize

from sim.fit import cli
from sim.fit.check import simulated_outcomes, step_rates
from sim.fit.identify import choose_params, start_value
from sim.fit.likelihood import Likelihood
from sim.fit.params import Param
from sim.fit.replay import NEGATIVE, NONE, POSITIVE, prepare, replay
from sim.fit.synthetic import simulate_log
from sim.model.config import ExperimentConfig
from sim.model.strategy import compile_plan
from sim.run.registry import compose
from sim.run.touchlog import LogMapping, read_touch_log

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "touch_log.csv"


@functools.cache
def _cfg(strategy: str = "benefit_led") -> ExperimentConfig:
    return compose([f"strategy=[{strategy}]", f"baseline={strategy}"])


@functools.cache
def _small_log(n: int = 600, seed: int = 5) -> pd.DataFrame:
    cfg = _cfg()
    plan = compile_plan("benefit_led", cfg.strategy["benefit_led"])
    return simulate_log(cfg.model, cfg.population, plan, n, seed, 0.03)


def _read(tmp_path: Path, frame: pd.DataFrame):  # type: ignore[no-untyped-def]
    path = tmp_path / "log.csv"
    frame.to_csv(path, index=False)
    return prepare(read_touch_log(path))


def _likelihood(tmp_path: Path) -> tuple[Likelihood, list[Param], np.ndarray]:
    """The small log's likelihood over every parameter it identifies, plus ``reachable``."""
    log = _read(tmp_path, _small_log())
    cfg = _cfg()
    paths = replay(log, cfg.model, cfg.population, 3, 1, 0.03)
    params, _ = choose_params(log, cfg.model)
    params.append(Param("reachable", "reachable", scale="logit", lower=-8, upper=8))
    u = np.array([start_value(p, cfg.model, log.vary_messages) for p in params])
    return Likelihood(log, paths, cfg.model, params), params, u


def test_a_synthetic_log_follows_its_cadence_and_stops_after_a_reply(tmp_path: Path) -> None:
    frame = _small_log()
    log = _read(tmp_path, frame)
    assert log.n == 600 and log.K == 8
    # Touches stop once a reply arrived: no touch after an arrived outcome.
    t_out = np.where(log.y != NONE, log.time + log.delay, np.inf)
    first = np.full(log.n, np.inf)
    np.minimum.at(first, log.prospect, t_out)
    assert np.all(log.time <= first[log.prospect])
    assert (log.y == POSITIVE).any() and (log.y == NEGATIVE).any()
    assert log.ignored_outcomes == 0


def test_a_pending_reply_or_a_no_limits_what_a_touch_can_decide(tmp_path: Path) -> None:
    text = (
        "prospect_id,touched_at,channel,message,outcome,outcome_at\n"
        "p1,2026-03-02T09:00:00Z,email,benefit_led,negative,2026-03-05T09:00:00Z\n"
        "p1,2026-03-04T09:00:00Z,email,benefit_led,positive,2026-03-04T10:00:00Z\n"
        "p1,2026-03-06T09:00:00Z,email,benefit_led,opt_out,2026-03-06T10:00:00Z\n"
    )
    path = tmp_path / "log.csv"
    path.write_text(text, encoding="utf-8")
    log = prepare(read_touch_log(path))
    # Row 2 came while row 1's "no" was still on its way: it could not decide anything.
    assert log.can_decide.tolist() == [True, False, True]
    assert log.said_no.tolist() == [False, False, True]
    assert log.y.tolist() == [NEGATIVE, NONE, 3]
    assert log.ignored_outcomes == 1


def test_the_gradient_is_the_likelihoods_own(tmp_path: Path) -> None:
    """The analytic gradient (forward-backward posteriors) matches finite differences."""
    lik, _, u = _likelihood(tmp_path)
    u = u + 0.07
    exact = lik(u)[1]
    numeric = optimize.approx_fprime(u, lambda v: lik(v)[0], 1e-6)
    np.testing.assert_allclose(exact, numeric, rtol=2e-3, atol=2e-3)


def test_each_hidden_mechanism_moves_the_likelihood(tmp_path: Path) -> None:
    """Frailty, reachability and the annoyance half-life each change the fit's objective."""
    lik, params, u = _likelihood(tmp_path)
    base = lik(u)[0]
    for name in ("responsiveness_sd", "reachable", "annoyance_half_life_days", "wearout"):
        j = [p.path for p in params].index(name)
        moved = u.copy()
        moved[j] += 0.5
        assert abs(lik(moved)[0] - base) > 1e-3, name


def test_the_replayed_log_under_the_true_model_matches_the_observed_curve(
    tmp_path: Path,
) -> None:
    """The report's check: replaying the log with its own model gives its step curve back."""
    log = _read(tmp_path, _small_log(3000, 9))
    cfg = _cfg()
    observed = step_rates(log, log.y, np.ones(log.y.size, np.bool_))
    y, made = simulated_outcomes(log, cfg.model, cfg.population, 77, 0.03)
    sim = step_rates(log, y, made)
    total_obs = (observed.reply_rate * observed.touches).sum() / observed.touches.sum()
    total_sim = (sim.reply_rate * sim.touches).sum() / sim.touches.sum()
    assert abs(total_sim - total_obs) < 0.25 * total_obs


def test_every_shipped_mapping_reads_its_platforms_header(tmp_path: Path) -> None:
    for name in ("outreach", "salesloft", "hubspot"):
        mapping = cli.load_mapping(name)
        assert mapping.name == name
        head = [mapping.header(c) for c in ("prospect_id", "touched_at", "channel", "outcome")]
        channel = next(iter(mapping.channels))
        outcome = next(iter(mapping.outcomes))
        rows = [
            ",".join(f'"{h}"' for h in [*head, mapping.header("outcome_at")]),
            f"a,2026-03-02T09:00:00Z,{channel},{outcome},2026-03-03T09:00:00Z",
        ]
        path = tmp_path / f"{name}.csv"
        path.write_text("\n".join(rows) + "\n", encoding="utf-8")
        table = read_touch_log(path, mapping)
        assert table.n_touches == 1


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["missing.csv"], "no such file"),
        (["{log}", "--mapping", "nosuch"], "--mapping='nosuch' is not allowed"),
        (["{log}", "--mapping", "{bad_mapping}"], "key 'colums' is not allowed"),
        (["{log}", "--name", "../evil"], "--name='../evil' is not allowed"),
        (["{log}", "--population", "martians"], "population='martians' is not allowed"),
        (["{log}", "--paths", "0"], "--paths=0 is not allowed"),
        (["{log}", "--seed", "x"], "argument --seed: invalid int value"),
        (["{bad_log}"], "row 2, column 'channel': 'fax' is not a channel"),
    ],
)
def test_a_bad_argument_mapping_or_log_is_one_line_exit_2_and_nothing_written(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    expected: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    log = tmp_path / "log.csv"
    _small_log(100, 1).to_csv(log, index=False)
    bad_mapping = tmp_path / "map.yaml"
    bad_mapping.write_text("colums: {prospect_id: Id}\n", encoding="utf-8")
    bad_log = tmp_path / "bad.csv"
    bad_log.write_text("prospect_id,touched_at,channel\np1,2026-03-02T09:00Z,fax\n")
    names = {"log": log, "bad_mapping": bad_mapping, "bad_log": bad_log}
    before = sorted(p.name for p in tmp_path.iterdir())
    code = cli.run([a.format(**names) for a in argv])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and expected in err[0], err
    assert "Traceback" not in "\n".join(err)
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written


def test_the_command_writes_a_model_that_outreach_sim_runs_at_once(tmp_path: Path) -> None:
    """outreach-sim-fit LOG.csv, then outreach-sim model=fitted_<name> from the same folder."""
    log = tmp_path / "team.csv"
    _small_log(800, 3).to_csv(log, index=False)
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    fit = subprocess.run(
        [sys.executable, "-m", "sim.fit", str(log), "--paths", "4"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert fit.returncode == 0, fit.stderr
    assert "use: outreach-sim model=fitted_team" in fit.stdout
    folder = tmp_path / "results" / "fits" / "team"
    table = pd.read_csv(folder / "estimates.csv")
    assert list(table.columns)[:5] == ["parameter", "default", "estimate", "ci_low", "ci_high"]
    assert {"response_base.email", "responsiveness_sd", "meeting_base"} <= set(table["parameter"])
    assert (table["ci_low"].dropna() <= table["estimate"][table["ci_low"].notna()] + 1e-9).all()
    report = (folder / "report.html").read_text(encoding="utf-8")
    assert "Observed against simulated" in report and "data:image/png;base64," in report
    curves = pd.read_csv(folder / "step_curves.csv")
    assert curves["touches"].iloc[0] == 800
    model_file = tmp_path / "conf" / "model" / "fitted_team.yaml"
    assert model_file.is_file()
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            "model=fitted_team",
            "population.size=150",
            "strategy=[benefit_led]",
            "baseline=benefit_led",
            "replications=1",
            "hydra.run.dir=out",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    resolved = yaml.safe_load((tmp_path / "out" / "config.yaml").read_text(encoding="utf-8"))
    fitted = dict(zip(table["parameter"], table["estimate"], strict=True))
    assert resolved["model"]["meeting_base"] == pytest.approx(fitted["meeting_base"])
    assert resolved["model"]["response_base"]["email"] == pytest.approx(
        fitted["response_base.email"]
    )


def test_the_shipped_example_log_is_what_its_recipe_makes(tmp_path: Path) -> None:
    from sim.fit.example import example_log

    shipped = pd.read_csv(EXAMPLE, dtype=str, keep_default_na=False)
    made = example_log().astype(str)
    pd.testing.assert_frame_equal(shipped, made.reset_index(drop=True))


def test_a_mapping_is_data_only(tmp_path: Path) -> None:
    """A mapping file is read with safe_load: a Python tag is refused, never run."""
    path = tmp_path / "map.yaml"
    path.write_text("columns: !!python/object/apply:os.system ['echo hi']\n", encoding="utf-8")
    with pytest.raises(cli.UsageError, match="not YAML"):
        cli.load_mapping(str(path))
    assert cli.load_mapping("canonical") == LogMapping()


def test_fitted_values_stay_inside_the_models_allowed_ranges(tmp_path: Path) -> None:
    from sim.fit.estimate import fit
    from sim.model.config import validate

    log = _read(tmp_path, _small_log(400, 8))
    cfg = _cfg()
    result = fit(log, cfg.model, cfg.population, seed=1, paths=2, wrong_name_rate=0.03)
    validate(dataclasses.replace(cfg, model=result.model))


def test_the_readme_walkthrough_runs_from_a_fresh_folder(tmp_path: Path) -> None:
    """The README's fit of examples/touch_log.csv runs as shown and prints what it shows."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("$ outreach-sim-fit examples/touch_log.csv --name example\n", 1)[1]
    shown = block.split("\n$ ", 1)[0].splitlines()
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "touch_log.csv").write_bytes(EXAMPLE.read_bytes())
    done = subprocess.run(
        [sys.executable, "-m", "sim.fit", "examples/touch_log.csv", "--name", "example"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    printed = done.stdout.splitlines()
    assert printed[0] == shown[0]
    # Every estimate line the README shows names a parameter the command printed.
    for line in shown[1:]:
        name = line.split()[0] if line.startswith("  ") and line.strip() != "..." else None
        if name:
            assert any(p.split()[0] == name for p in printed[1:] if p.startswith("  "))
    assert (tmp_path / "conf" / "model" / "fitted_example.yaml").is_file()


def test_hidden_paths_grow_for_small_and_for_large_logs(tmp_path: Path) -> None:
    """Small logs get paths cheaply; large ones more as intervals narrow (simulation bias)."""
    from sim.fit.estimate import paths_for

    log = _read(tmp_path, _small_log())
    small = paths_for(log)
    mid = paths_for(dataclasses.replace(log, n=13_000))
    large = paths_for(dataclasses.replace(log, n=50_000))
    assert small > mid == 4 and large == 8
