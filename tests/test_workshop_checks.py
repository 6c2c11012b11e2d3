"""The workshop server's checks without a server: the values and the requests it refuses.

:mod:`sim.workshop.inputs` (every value a control can show, and only those) and
:func:`sim.workshop.guard.refusal` (only the page's own origin and host; no upload route). The
same checks against a real server: tests/test_workshop_security.py.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from sim.workshop import guard
from sim.workshop.inputs import RefusedError, check_worlds, checked
from sim.workshop.scenarios import SCENARIOS, defaults

FIRST_DAY = '"Touches in the first day (of 10)" must be a whole number from 1 to 10'
#: What must never reach the page: Python's own words for a failure.
RAW = ("invalid literal", "Traceback", "Error:", "object has no attribute", "KeyError")

# --- the values, checked on the server ------------------------------------------------------

OUT_OF_RANGE: list[object] = [
    1_000_000_000,
    -5,
    0,
    11,
    4.5,
    "4",
    "x",
    None,
    True,
    [1, 2],
    {"a": 1},
    math.nan,
    math.inf,
    10**400,
]


@pytest.mark.parametrize("value", OUT_OF_RANGE, ids=[repr(v)[:20] for v in OUT_OF_RANGE])
def test_a_slider_value_out_of_range_or_of_the_wrong_kind_is_refused(value: object) -> None:
    with pytest.raises(RefusedError) as refused:
        checked("stalker_mode", {"first_day": value})
    text = str(refused.value)
    assert text.startswith(FIRST_DAY) and text.endswith("nothing was run.")
    assert "\n" not in text and len(text) < 200
    assert not any(raw in text for raw in RAW)


@pytest.mark.parametrize("study", list(SCENARIOS))
def test_every_control_takes_its_defaults_and_its_ends(study: str) -> None:
    assert checked(study, {})[1] == defaults(study)
    for c in SCENARIOS[study].controls:
        if c.kind == "slider":
            for end in (c.low, c.high):
                assert checked(study, {c.key: end})[1][c.key] == end
        elif c.kind == "choice":
            for value in c.choices:
                assert checked(study, {c.key: value})[1][c.key] == value


def test_a_choice_outside_its_values_is_refused() -> None:
    for value in ("extreme", 3, None, "LOW"):
        with pytest.raises(RefusedError, match='"Each message is" must be one of: a template'):
            checked("hook_volume", {"care": value})


def test_a_switch_that_is_not_on_or_off_is_refused() -> None:
    for value in ("yes", 1, 0, None, "false"):
        with pytest.raises(RefusedError, match="must be on or off"):
            checked("channel_match", {"preferred": value})
        with pytest.raises(RefusedError, match='"Across plausible worlds" must be on or off'):
            check_worlds(value)


def test_a_study_not_on_the_page_or_a_control_not_of_the_study_is_refused() -> None:
    for study in ("nope", None, 3, "../../etc/passwd", ["stalker_mode"]):
        with pytest.raises(RefusedError, match=r"There is no study .* on this page"):
            checked(study, {})
    with pytest.raises(RefusedError, match="The study has no control 'first_day'"):
        checked("cool_down", {"first_day": 3})


def test_a_refused_value_runs_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check comes before the simulation: a refused value never starts a run."""
    import sim.workshop.live as live

    def no_run(cfg: object) -> None:
        raise AssertionError("a refused value started a simulation")

    monkeypatch.setattr(live, "simulate", no_run)
    live._answer.cache_clear()
    for value in (1_000_000_000, -5, "x"):
        with pytest.raises(RefusedError):
            live.answer_for("stalker_mode", {"first_day": value})
    with pytest.raises(RefusedError):
        live.answer_for("stalker_mode", {}, worlds=1_000_000)


# --- the requests, checked before Shiny sees them -------------------------------------------

PORT = 8765
OWN = f"127.0.0.1:{PORT}"


def _scope(kind: str, headers: dict[str, str] | list[tuple[str, str]], **more: Any) -> Any:
    pairs = headers.items() if isinstance(headers, dict) else headers
    return {
        "type": kind,
        "server": ("127.0.0.1", PORT),
        "path": more.get("path", "/"),
        "method": more.get("method", "GET"),
        "headers": [(k.encode(), v.encode()) for k, v in pairs],
    }


@pytest.mark.parametrize(
    "scope",
    [
        _scope("http", {"host": OWN}),
        _scope("http", {"host": f"localhost:{PORT}", "origin": f"http://localhost:{PORT}"}),
        _scope("http", {"host": OWN}, path="/lib/shiny/shiny.js"),
        _scope("websocket", {"host": OWN, "origin": f"http://{OWN}"}, path="/websocket/"),
    ],
)
def test_the_pages_own_requests_pass(scope: Any) -> None:
    assert guard.refusal(scope) is None


REFUSED = {
    "a foreign Host (DNS rebinding)": (_scope("http", {"host": f"evil.test:{PORT}"}), "Host="),
    "this machine on another port": (_scope("http", {"host": "127.0.0.1:80"}), "Host="),
    "no Host": (_scope("http", {}), "Host=missing"),
    "two Host headers": (_scope("http", [("host", OWN), ("host", "evil.test")]), "Host="),
    "a websocket from a foreign Origin": (
        _scope("websocket", {"host": OWN, "origin": "http://evil.test"}),
        "Origin=http://evil.test",
    ),
    "a websocket without an Origin": (_scope("websocket", {"host": OWN}), "Origin=missing"),
    "a websocket from a sandboxed page (Origin null)": (
        _scope("websocket", {"host": OWN, "origin": "null"}),
        "Origin=null",
    ),
    "a websocket from https on the same host": (
        _scope("websocket", {"host": OWN, "origin": f"https://{OWN}"}),
        "Origin=https",
    ),
    "a request from a foreign Origin": (
        _scope("http", {"host": OWN, "origin": "http://evil.test"}),
        "Origin=",
    ),
    "a POST": (_scope("http", {"host": OWN}, method="POST"), "method=POST"),
    "the upload route": (
        _scope("http", {"host": OWN}, path="/session/abc/upload/1"),
        "uploads and downloads",
    ),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_a_foreign_or_unused_request_is_refused_in_one_line(name: str) -> None:
    scope, says = REFUSED[name]
    reason = guard.refusal(scope)
    assert reason is not None and reason.startswith("forbidden: ") and says in reason
    assert "\n" not in reason
