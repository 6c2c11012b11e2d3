"""A fitted model's plausible worlds (sim.fit.worlds) and its extrapolation warnings, end to end."""

from __future__ import annotations

import copy
import functools
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.fit import cli
from sim.fit.estimate import FitResult, fit
from sim.fit.params import Param, to_scale
from sim.fit.replay import prepare
from sim.fit.synthetic import simulate_log
from sim.fit.worlds import DEFAULT_ROWS, fitted_worlds, prior_range, truncated_normal
from sim.model.checks import ConfigError
from sim.model.config import ExperimentConfig, ModelConfig
from sim.model.extrapolation import experiment_warnings
from sim.model.strategy import compile_plan
from sim.model.worlds import MODEL_VERSION, WorldsConfig, check_worlds
from sim.run.registry import compose
from sim.run.touchlog import read_touch_log

#: A cadence whose third step is a LinkedIn message carrying a resource: a benefit_led log has
#: no social touch at all.
LINKED = """linked:
  label: Benefit-led with a LinkedIn resource
  steps:
    - {day: 0, channel: phone, message: benefit_led, voicemail: true}
    - {day: 0, channel: email, message: benefit_led}
    - {day: 3, channel: social, message: resource}
    - {day: 8, channel: email, message: benefit_led}
"""


@functools.cache
def _cfg() -> ExperimentConfig:
    return compose(["strategy=[benefit_led]", "baseline=benefit_led"])


def _write_log(path: Path, n: int = 300, seed: int = 1) -> Path:
    cfg = _cfg()
    plan = compile_plan("benefit_led", cfg.strategy["benefit_led"])
    simulate_log(cfg.model, cfg.population, plan, n, seed, 0.03).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> FitResult:
    """A CI-sized fit: 300 prospects on benefit_led, two hidden paths."""
    log = prepare(read_touch_log(_write_log(tmp_path_factory.mktemp("log") / "team.csv")))
    cfg = _cfg()
    return fit(log, cfg.model, cfg.population, seed=3, paths=2, wrong_name_rate=0.03)


def _base_with_worlds(result: FitResult, rows: int = 30) -> tuple[ModelConfig, str, str]:
    """The base model with worlds of its own: a parameter the fit does not try
    (``notice_warmth``), one the log does not identify, one it identifies (the fit's wins)."""
    missing = next(e for e in result.estimates if e.status == "not identified")
    known = next(e for e in result.estimates if e.status == "estimated" and "delay" not in e.path)
    rng = np.random.default_rng(0)
    spread = rng.uniform(-0.5, 0.5, rows)
    base = copy.deepcopy(_cfg().model)
    base.worlds = WorldsConfig(
        model_version=MODEL_VERSION,
        source="test",
        method="by hand",
        parameters=["notice_warmth", missing.path, known.path],
        status={"notice_warmth": "prior", missing.path: "weak", known.path: "identified"},
        values=[
            [0.5 + 0.2 * s, missing.default + abs(missing.default) * s, known.default]
            for s in spread
        ],
    )
    return base, missing.path, known.path


def _column(worlds: WorldsConfig, path: str) -> np.ndarray:
    return np.asarray(worlds.values)[:, worlds.parameters.index(path)]


def test_fitted_worlds_pass_the_checks_and_take_the_base_worlds_where_the_log_is_silent(
    result: FitResult,
) -> None:
    base, missing, known = _base_with_worlds(result)
    ens = fitted_worlds(result, base, seed=3, source="team.csv")
    w = ens.worlds
    assert len(w.values) == 30 and w.model_version == MODEL_VERSION  # the base ensemble's rows
    model = copy.deepcopy(result.model)
    model.worlds = w
    check_worlds(model, len(w.values))  # every row inside every field's range
    given = np.asarray(base.worlds.values)  # type: ignore[union-attr]
    # Not tried by the fit, and not identified by the log: the base worlds' values, row by row
    # (shuffled), so they vary over the worlds: never pinned at a bound or at the default.
    for j, path in enumerate(["notice_warmth", missing]):
        assert w.status[path] == "prior"
        assert sorted(_column(w, path)) == pytest.approx(sorted(given[:, j]), rel=1e-5)
        assert np.std(_column(w, path)) > 0
    # Identified by the log: the fit's draws, not the base worlds' (constant) column.
    assert w.status[known] in ("identified", "weak")
    assert np.std(_column(w, known)) > 0
    # The base worlds' rows stay together: notice_warmth and the other prior column move as one.
    for a, b in zip(_column(w, "notice_warmth"), _column(w, missing), strict=True):
        same = np.isclose(given[:, 0], a, rtol=1e-5) & np.isclose(given[:, 1], b, rtol=1e-5)
        assert same.any()


def test_without_base_worlds_an_unidentified_parameter_spreads_over_its_stated_range(
    result: FitResult,
) -> None:
    base = copy.deepcopy(_cfg().model)
    base.worlds = None
    w = fitted_worlds(result, base, seed=3, source="team.csv").worlds
    assert len(w.values) == DEFAULT_ROWS
    params = {p.path: p for p in result.params}
    held = [e for e in result.estimates if e.status == "not identified" and e.path in params]
    assert held, "the small log leaves some parameter unidentified"
    for e in held:
        par = params[e.path]
        low, high = prior_range(par, e.default)
        u = np.array([to_scale(par, v) for v in _column(w, e.path)])
        assert w.status[e.path] == "prior"
        assert np.all((u >= low - 1e-6) & (u <= high + 1e-6)), e.path
        assert np.ptp(u) > 0.3 * (high - low), e.path  # spread over the range, not pinned
        assert not np.any(np.isclose(u, par.lower) | np.isclose(u, par.upper)), e.path


def test_identified_parameters_stay_near_their_estimates(result: FitResult) -> None:
    w = fitted_worlds(result, _cfg().model, seed=3, source="team.csv").worlds
    cov = result.covariance
    checked = 0
    for j, par in enumerate(result.params):
        se = math.sqrt(cov[j, j]) if np.isfinite(cov[j, j]) else math.nan
        far = min(result.optimum[j] - par.lower, par.upper - result.optimum[j]) > 3 * se
        if not (math.isfinite(se) and far):
            continue
        u = np.array([to_scale(par, v) for v in _column(w, par.path)])
        q05, q95 = np.quantile(u, [0.05, 0.95])
        assert q05 < result.optimum[j] < q95, par.path
        # A normal's 5-95 % range spans 3.29 standard errors; 50 draws give it within ~40 %.
        assert 2.0 * se < q95 - q05 < 4.6 * se, par.path
        checked += 1
    assert checked >= 3


def test_the_same_fit_and_seed_give_the_same_worlds(result: FitResult) -> None:
    one = fitted_worlds(result, _cfg().model, seed=3, source="x").worlds
    assert one == fitted_worlds(result, _cfg().model, seed=3, source="x").worlds
    assert one.values != fitted_worlds(result, _cfg().model, seed=4, source="x").worlds.values


def test_draws_from_the_fit_stay_inside_its_bounds() -> None:
    rng = np.random.default_rng(1)
    draws = truncated_normal(
        np.array([0.05, -3.0]),
        np.diag([0.1**2, 0.5**2]),
        np.zeros(2) - [0, 12],
        np.array([3.0, 4.0]),
        200,
        rng,
    )
    assert draws.shape == (200, 2) and (draws[:, 0] > 0).all()
    assert abs(draws[:, 1].mean() + 3.0) < 0.2


def test_the_stated_prior_ranges() -> None:
    log_scale = Param(
        "annoyance_half_life_days", "annoyance_half_life", scale="log", lower=-2, upper=5
    )
    assert np.exp(prior_range(log_scale, 4.0)) == pytest.approx((2.0, 8.0))
    assert prior_range(Param("wearout", "wearout", lower=0.0, upper=3.0), 0.1) == pytest.approx(
        (0.0, 0.2)
    )
    assert prior_range(Param("response_annoyance", "response_annoyance"), -0.5) == pytest.approx(
        (-1.0, 0.0)
    )
    assert prior_range(
        Param("meeting_base", "meeting_base", lower=-12, upper=8), -0.5
    ) == pytest.approx((-1.5, 0.5))


@pytest.fixture(scope="module")
def fitted_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``outreach-sim-fit team.csv --conf-dir myconf``, with a cadence file of the user's."""
    root = tmp_path_factory.mktemp("fitted")
    log = _write_log(root / "team.csv")
    conf = root / "myconf"
    code = cli.run([str(log), "--paths", "2", "--conf-dir", str(conf), "--out", str(root / "fit")])
    assert code == 0
    (conf / "strategy").mkdir()
    (conf / "strategy" / "linked.yaml").write_text(LINKED, encoding="utf-8")
    return root


def test_the_fit_writes_worlds_its_model_selects_and_its_covariance(fitted_folder: Path) -> None:
    conf = fitted_folder / "myconf"
    model_text = (conf / "model" / "fitted_team.yaml").read_text(encoding="utf-8")
    assert "defaults:\n  - worlds: fitted_team\n  - _self_\n" in model_text
    assert (conf / "model" / "worlds" / "fitted_team.yaml").is_file()
    record = json.loads((fitted_folder / "fit" / "fit.json").read_text(encoding="utf-8"))
    cov = record["covariance"]
    assert len(cov["matrix"]) == len(cov["parameters"]) == len(cov["optimum"])
    base = _cfg().model.worlds
    assert record["worlds"]["count"] == (len(base.values) if base else DEFAULT_ROWS)
    assert sum(record["worlds"]["status"].values()) == len(record["worlds"]["parameters"])
    assert record["fitted_log"]["pairs"] == [
        "phone/benefit_led",
        "email/benefit_led",
        "email/resource",
    ]
    report = (fitted_folder / "fit" / "report.html").read_text(encoding="utf-8")
    assert "Plausible worlds" in report and "prior</strong>" in report
    search = f"hydra.searchpath=[file://{conf}]"
    exp = compose(
        ["model=fitted_team", search, "worlds=5", "strategy=[benefit_led]", "baseline=benefit_led"]
    )
    assert exp.model.worlds is not None and exp.model.fitted_log is not None
    assert experiment_warnings(exp) == []  # the logged cadence is inside its own log
    with pytest.raises(ConfigError, match="no plausible worlds"):  # an old fit, without worlds
        compose(["model=fitted_team", search, "worlds=5", "model.worlds=null"])
    with pytest.raises(ConfigError, match=r"model\.fitted_log\.pairs"):
        compose(["model=fitted_team", search, "model.fitted_log.pairs=[email/fax]"])


def test_a_run_over_fitted_worlds_warns_of_a_step_outside_the_log(fitted_folder: Path) -> None:
    """outreach-sim model=fitted_team worlds=5 through hydra.searchpath: the LinkedIn resource
    step is named on stderr, in manifest.json and in report.html; benefit_led, inside, is not."""
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            "model=fitted_team",
            "worlds=5",
            f"hydra.searchpath=[file://{fitted_folder / 'myconf'}]",
            "strategy=[benefit_led,linked]",
            "baseline=benefit_led",
            "population.size=150",
            "replications=1",
            "hydra.run.dir=out",
        ],
        cwd=fitted_folder,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
        check=False,
    )
    assert run.returncode == 0, run.stderr
    expected = "warning: strategy linked step 3 (social/resource): social with a resource message"
    terminal = [x for x in run.stderr.splitlines() if x.startswith("warning:")]
    assert (
        len(terminal) == 1 and terminal[0].startswith(expected) and "not in the log" in terminal[0]
    )
    manifest = json.loads((fitted_folder / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["warnings"] == terminal
    report = (fitted_folder / "out" / "report.html").read_text(encoding="utf-8")
    assert expected in report and "strategy benefit_led" not in report


def test_a_misfit_beyond_noise_widens_every_channels_reply_log_odds(result: FitResult) -> None:
    """sim.fit.misfit: replays that miss the log's sequences shift each world's reply log-odds."""
    from tests.test_fit_misfit import _check

    base = _cfg().model
    plain = fitted_worlds(result, base, seed=3, source="x")
    missed = copy.copy(result)
    missed.sequences = [_check(60 if i % 2 else 240, 120.0) for i in range(12)]
    wide = fitted_worlds(missed, base, seed=3, source="x")
    assert plain.misfit == 0.0 and wide.misfit == pytest.approx(math.log(2), rel=0.1)
    paths = [p.path for p in result.params if p.path.startswith("response_base.")]
    assert paths
    for path in paths:
        assert wide.worlds.status[path] == "weak"
        spread = np.std(_column(wide.worlds, path))
        assert spread > 0.5 * wide.misfit
        if path in plain.worlds.parameters:
            assert spread > np.std(_column(plain.worlds, path))


def test_a_shared_miss_moves_every_worlds_reply_log_odds_towards_the_log(result: FitResult) -> None:
    """Replays that fall short of every sequence: the worlds answer nearer the log's level."""
    from tests.test_fit_misfit import _check

    base = _cfg().model
    low = copy.copy(result)
    low.sequences = [_check(240 if i % 2 else 480, 120.0) for i in range(12)]
    wide = fitted_worlds(low, base, seed=3, source="x")
    assert wide.misfit_mean == pytest.approx(math.log(math.sqrt(8)), rel=0.1)
    fitted = {e.path: e.estimate for e in result.estimates}
    for p in result.params:
        if p.path.startswith("response_base.") and p.path in fitted:
            moved = np.median(_column(wide.worlds, p.path)) - fitted[p.path]
            assert moved > 0.5 * wide.misfit_mean, p.path
