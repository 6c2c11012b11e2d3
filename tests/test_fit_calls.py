"""Call dispositions: read from a log or a platform's export, and used by the fit's likelihood.

Where a log says what came of a call (no answer, busy, voicemail left, connected), the phone's
answer branch is observed rather than drawn: the answer parameters become estimable
(sim.fit.calls, docs/fitting.md).
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

from sim.fit import cli
from sim.fit.estimate import FitResult, fit, with_values
from sim.fit.identify import choose_params, start_value
from sim.fit.likelihood import Likelihood
from sim.fit.replay import CONNECTED, NONE, FitLog, prepare, replay
from sim.fit.synthetic import simulate_log
from sim.model.config import ExperimentConfig
from sim.model.strategy import compile_plan
from sim.run.registry import compose
from sim.run.touchlog import DISPOSITIONS, LogError, read_touch_log

#: The truth of the recovery: calls answered about twice as often as the default's 6.3 %, more
#: screening after a voicemail, a live conversation worth more.
TRUTH = {"answer_base": 0.12, "answer_voicemail": -0.8, "conversation_bonus": 1.5}


@functools.cache
def _cfg() -> ExperimentConfig:
    return compose(["strategy=[benefit_led]", "baseline=benefit_led"])


@functools.cache
def _frame(n: int = 1500, seed: int = 41) -> pd.DataFrame:
    cfg = _cfg()
    truth = with_values(cfg.model, TRUTH)
    plan = compile_plan("benefit_led", cfg.strategy["benefit_led"])
    return simulate_log(truth, cfg.population, plan, n, seed, 0.03, dispositions=True)


def _log(tmp_path: Path, frame: pd.DataFrame, name: str = "log") -> FitLog:
    path = tmp_path / f"{name}.csv"
    frame.to_csv(path, index=False)
    return prepare(read_touch_log(path))


@pytest.fixture(scope="module")
def fits(tmp_path_factory: pytest.TempPathFactory) -> dict[str, FitResult]:
    tmp = tmp_path_factory.mktemp("calls")
    cfg = _cfg()
    frames = {"with": _frame(), "without": _frame().drop(columns="disposition")}
    return {
        name: fit(_log(tmp, frame, name), cfg.model, cfg.population, seed=1, paths=2)
        for name, frame in frames.items()
    }


def test_dispositions_make_the_answer_parameters_estimable(fits: dict[str, FitResult]) -> None:
    with_ = {e.path: e for e in fits["with"].estimates}
    without = {e.path: e for e in fits["without"].estimates}
    # Without dispositions the answer is hidden: answer_base keeps the default (6.3 %, not 12 %).
    assert "answer_base" not in without
    assert any(p == "notice and answer parameters" for p, _ in fits["without"].kept)
    for path, truth in TRUTH.items():
        e = with_[path]
        assert e.status in ("estimated", "confounded"), e
        assert e.ci_low <= truth <= e.ci_high, e
    # answer_base within an eighth of the truth, its interval under a third of the truth wide.
    e = with_["answer_base"]
    assert abs(e.estimate - 0.12) < 0.015 and e.ci_high - e.ci_low < 0.04, e


def test_the_gradient_with_dispositions_is_the_likelihoods_own(tmp_path: Path) -> None:
    log = _log(tmp_path, _frame(300, 5))
    cfg = _cfg()
    params, _ = choose_params(log, cfg.model)
    kinds = {p.kind for p in params}
    assert {"answer_base", "answer_familiarity", "answer_voicemail", "conversation_bonus"} <= kinds
    lik = Likelihood(log, replay(log, cfg.model, cfg.population, 2, 1, 0.03), cfg.model, params)
    u = np.array([start_value(p, cfg.model, log.vary_messages) for p in params]) + 0.05
    exact = lik(u)[1]
    numeric = optimize.approx_fprime(u, lambda v: lik(v)[0], 1e-6)
    np.testing.assert_allclose(exact, numeric, rtol=2e-3, atol=2e-3)


def test_every_path_makes_a_call_come_out_as_logged(tmp_path: Path) -> None:
    log = _log(tmp_path, _frame(300, 5))
    cfg = _cfg()
    paths = replay(log, cfg.model, cfg.population, 3, 1, 0.03)
    told = log.disposition[paths.layout.row]  # each (path, touch) cell's call
    known = told >= 0
    assert known.sum() > 100
    assert np.array_equal(paths.answered[known], told[known] == CONNECTED)
    voicemail = told == DISPOSITIONS.index("voicemail")
    assert np.array_equal(paths.voicemail[known], voicemail[known])


HEADER = "prospect_id,touched_at,channel,outcome,outcome_at,disposition\n"


def test_hang_ups_decide_nothing_and_wrong_numbers_are_left_out(tmp_path: Path) -> None:
    text = (
        HEADER
        + "p1,2026-03-02T09:00:00Z,phone,negative,2026-03-03T09:00:00Z,no_answer\n"
        + "p1,2026-03-04T09:00:00Z,phone,,,Busy\n"
        + "p1,2026-03-05T09:00:00Z,phone,positive,2026-03-05T09:00:00Z,connected\n"
        + "p2,2026-03-02T09:00:00Z,phone,,,wrong_number\n"
        + "p2,2026-03-03T09:00:00Z,email,,,\n"
    )
    path = tmp_path / "log.csv"
    path.write_text(text, encoding="utf-8")
    log = prepare(read_touch_log(path))
    assert log.prospect.size == 4 and log.bounced == 1
    assert [DISPOSITIONS[d] if d >= 0 else "" for d in log.disposition] == [
        "no_answer",
        "busy",
        "connected",
        "",
    ]
    assert log.y[0] == NONE and log.ignored_outcomes == 1


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            "p1,2026-03-02T09:00Z,phone,,,maybe",
            "row 2, column 'disposition': 'maybe' is not a call",
        ),
        ("p1,2026-03-02T09:00Z,email,,,voicemail", "row 2, column 'disposition': 'voicemail' on a"),
    ],
)
def test_a_bad_disposition_is_one_line_exit_2_and_nothing_written(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    row: str,
    expected: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "log.csv").write_text(HEADER + row + "\n", encoding="utf-8")
    code = cli.run(["log.csv"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and expected in err[0], err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log.csv"]


def test_each_shipped_mapping_reads_its_platforms_dispositions(tmp_path: Path) -> None:
    for name in ("outreach", "salesloft", "hubspot"):
        mapping = cli.load_mapping(name)
        columns = ("prospect_id", "touched_at", "channel", "outcome", "outcome_at", "disposition")
        head = list(dict.fromkeys(mapping.header(c) for c in columns))  # Salesloft: one column
        call = next(k for k, v in mapping.channels.items() if v == "phone")
        lines = [",".join(f'"{h}"' for h in head)]
        for i, value in enumerate(mapping.dispositions):
            cells = {
                mapping.header("prospect_id"): f"p{i}",
                mapping.header("touched_at"): "2026-03-02T09:00:00Z",
                mapping.header("channel"): call,
                mapping.header("outcome"): "",
                mapping.header("outcome_at"): "",
            }
            cells[mapping.header("disposition")] = value
            if value in mapping.outcomes:  # Salesloft's "Connected - Interested": an outcome too
                cells[mapping.header("outcome_at")] = "2026-03-02T09:00:00Z"
            lines.append(",".join(f'"{cells[h]}"' for h in head))
        path = tmp_path / f"{name}.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        table = read_touch_log(path, mapping)
        read = [DISPOSITIONS[d] for d in table.disposition[np.argsort(table.prospect)]]
        by_id = dict(zip(sorted(table.prospect_ids), read, strict=True))
        assert {f"p{i}": v for i, v in enumerate(mapping.dispositions.values())} == by_id


def test_a_shared_outcome_and_disposition_column_reads_both(tmp_path: Path) -> None:
    mapping = cli.load_mapping("salesloft")
    text = (
        '"Person ID","Completed Date","Step Type","Disposition","Disposition Date"\n'
        "a,2026-03-02T09:00:00Z,Phone,No Answer,2026-03-02T09:00:00Z\n"
        "a,2026-03-04T09:00:00Z,Phone,Connected - Interested,2026-03-04T09:00:00Z\n"
        "b,2026-03-02T09:00:00Z,Email,Replied Positive,2026-03-03T09:00:00Z\n"
        "c,2026-03-02T09:00:00Z,Phone,Maybe Later,\n"
    )
    path = tmp_path / "salesloft.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LogError) as err:
        read_touch_log(path, mapping)
    lines = str(err.value).splitlines()
    assert len(lines) == 1 and "'Maybe Later' is neither an outcome" in lines[0], lines
    path.write_text(text.rsplit("c,", 1)[0], encoding="utf-8")
    table = read_touch_log(path, mapping)
    assert [DISPOSITIONS[d] if d >= 0 else "" for d in table.disposition] == [
        "no_answer",
        "connected",
        "",
    ]
    assert table.outcome.tolist() == [-1, 0, 0]
