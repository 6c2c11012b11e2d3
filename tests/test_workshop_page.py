"""The workshop page in a real browser: Debian's chromium driven by Playwright.

The server is started once for the module (``python -m sim.workshop``, tests/workshop_server.py)
on 127.0.0.1 and a free port, with a time limit, and stopped after. Every study is loaded, a
control is moved, and the answer must change; the page must ask for nothing outside this machine
(it works offline) and show no config key. Screenshots go to ``results/workshop/`` for a person
to look at. Then what only the page's own, well-formed values may do: a value past a slider
gives one sentence and no answer; a foreign page cannot open the socket or upload; the page
under a rebound host name is refused (tests/test_workshop_security.py does the same with a raw
client).

Without ``/usr/bin/chromium`` the tests skip on a workstation and fail in CI (``CI`` set): CI
installs chromium (``.ci/run``), so a skip there would hide a broken page.
"""

from __future__ import annotations

import contextlib
import http.server
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sim.workshop.scenarios import SCENARIOS, Control, defaults
from tests.workshop_server import free_port, serve

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: DNS rebinding as the browser sees it: a foreign name that resolves to this machine.
REBIND = "--host-resolver-rules=MAP evil.test 127.0.0.1"
SHOTS = Path(__file__).resolve().parent.parent / "results" / "workshop"
#: Config keys and override syntax a room must never see (e.g. "hooks.list_multiplier=8").
CONFIG_KEY = re.compile(r"\b[a-z_]+\.[a-z_]+=|list_multiplier|load\.email|pause_days")

if not CHROMIUM.exists():
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing in CI: .ci/run installs it", pytrace=False)
    pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)", allow_module_level=True)

# A dev dependency (pyproject.toml): imported plainly, so a missing driver fails, never skips.
from playwright.sync_api import sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """One server for the module: its URL and its temporary folder (``TMPDIR``)."""
    tmp = tmp_path_factory.mktemp("workshop_tmp")
    try:
        with serve(tmp) as url:
            yield url, tmp
    except RuntimeError as failed:
        pytest.fail(str(failed))


@pytest.fixture(scope="module")
def server(served: tuple[str, Path]) -> str:
    return served[0]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=[*FLAGS, REBIND], headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[tuple[Any, list[str]]]:
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    pg = context.new_page()
    outside: list[str] = []

    def only_local(route: Any) -> None:
        # Offline means: nothing but this server. Record and refuse anything else.
        if route.request.url.startswith(server):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    pg.route("**/*", only_local)
    pg.set_default_timeout(30_000)
    pg.goto(server)
    pg.wait_for_selector("#answer-text")
    try:
        yield pg, outside
    finally:
        context.close()


def _answer(pg: Any) -> str:
    return str(pg.locator("#answer-text").inner_text())


def _wait_new_answer(pg: Any, old: str) -> str:
    pg.wait_for_function(
        "old => { const e = document.querySelector('#answer-text');"
        " return e && e.innerText !== old && !document.querySelector('.recalculating'); }",
        arg=old,
        timeout=30_000,
    )
    return _answer(pg)


def _move(pg: Any, study: str, control: Control) -> None:
    """Move ``control`` far from its start, as a trainer would."""
    from shiny.playwright import controller

    iid = f"{study}__{control.key}"
    start = defaults(study)[control.key]
    if control.kind == "slider":
        target = (
            control.low
            if float(start) - control.low > control.high - float(start)
            else control.high
        )  # type: ignore[arg-type]
        controller.InputSlider(pg, iid).set(f"{target:,g}")
    elif control.kind == "choice":
        other = next(v for v in control.choices if v != start)
        controller.InputRadioButtons(pg, iid).set(other)
    else:
        controller.InputSwitch(pg, iid).set(not bool(start))


@pytest.mark.parametrize("study", list(SCENARIOS))
def test_each_study_answers_and_a_control_changes_the_answer(
    page: tuple[Any, list[str]], study: str
) -> None:
    pg, outside = page
    first = _answer(pg)
    if study != next(iter(SCENARIOS)):
        pg.select_option("#study", study)
        first = _wait_new_answer(pg, first)
    # Each arm has a row with rep hours and an interval; each arm's journey is told.
    rows = pg.locator("#arms tbody tr")
    assert rows.count() == 2
    assert re.search(r"\d+ h", rows.nth(0).inner_text())
    assert pg.locator("#journeys section").count() == 2
    assert "typical prospect" in pg.locator("#how-picked").inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / f"{study}.png"), full_page=True)

    control = SCENARIOS[study].controls[0]
    _move(pg, study, control)
    moved = _wait_new_answer(pg, first)
    assert moved != first
    pg.screenshot(path=str(SHOTS / f"{study}_moved.png"), full_page=True)

    text = pg.locator("body").inner_text()
    assert not CONFIG_KEY.search(text), CONFIG_KEY.search(text)
    assert outside == [], f"the page asked for outside resources: {outside}"


def test_the_inbox_control_changes_every_study_answer(page: tuple[Any, list[str]]) -> None:
    """The emails-a-day control is on every study and reaches the simulation."""
    from shiny.playwright import controller

    pg, _ = page
    study = "interruption_load"
    old = _answer(pg)
    pg.select_option("#study", study)
    old = _wait_new_answer(pg, old)
    controller.InputSlider(pg, f"{study}__emails").set("400")
    assert _wait_new_answer(pg, old) != old


# --- what only the page's own, well-formed values may do --------------------------------------


def _refused(pg: Any) -> str:
    pg.wait_for_selector("#refused-text")
    return str(pg.locator("#refused-text").inner_text())


def test_a_value_out_of_range_sent_from_the_page_gives_one_sentence(
    page: tuple[Any, list[str]],
) -> None:
    """Values set past the slider (as a console or a forged client would) run nothing."""
    pg, _ = page
    pg.select_option("#study", "stalker_mode")
    pg.wait_for_selector("#stalker_mode__first_day")
    for value in ("1000000000", "-5", "'x'", "[1, 2]"):
        pg.evaluate(f"Shiny.setInputValue('stalker_mode__first_day', {value})")
        text = _refused(pg)
        assert text.startswith('"Touches in the first day (of 10)" must be a whole number')
        assert pg.locator("#answer-text").count() == 0 and pg.locator("#arms").count() == 0
        assert "invalid literal" not in pg.locator("body").inner_text()
        pg.evaluate("Shiny.setInputValue('stalker_mode__first_day', 4)")
        pg.wait_for_selector("#answer-text")
    assert "4 of the 10 touches in the first day" in _answer(pg)


#: A foreign page, open in the trainer's browser: it tries the socket and the upload route.
FOREIGN_PAGE = """<!doctype html><title>elsewhere</title><script>
const out = {};
const ws = new WebSocket("ws://127.0.0.1:PORT/websocket/");
ws.onopen = () => { out.socket = "open"; };
ws.onclose = (e) => { out.socket = out.socket || "refused"; };
fetch("http://127.0.0.1:PORT/session/x/upload/1?w=",
      {method: "POST", mode: "no-cors", body: "x".repeat(1 << 20)})
  .then(() => { out.upload = "sent"; }, () => { out.upload = "failed"; });
window.out = out;
</script>"""


@contextlib.contextmanager
def _elsewhere(html: str) -> Iterator[str]:
    """``html`` served from another origin on this machine (another port): its URL."""

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    with http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Page) as other:
        thread = threading.Thread(target=other.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{other.server_address[1]}/"
        finally:
            other.shutdown()


def test_a_foreign_page_in_the_browser_cannot_open_the_socket_or_upload(
    browser: Any, served: tuple[str, Path]
) -> None:
    """A page of another origin on this machine (Chromium's local-network checks block public
    pages on their own, but not every browser does, and not a page on this machine)."""
    url, tmp = served
    port = url.rstrip("/").rsplit(":", 1)[1]
    context = browser.new_context()
    try:
        pg = context.new_page()
        with _elsewhere(FOREIGN_PAGE.replace("PORT", port)) as elsewhere:
            pg.goto(elsewhere)
            pg.wait_for_function("window.out && window.out.socket && window.out.upload")
            outcome = pg.evaluate("window.out")
    finally:
        context.close()
    assert outcome["socket"] == "refused", outcome
    assert [p for p in tmp.rglob("*") if p.is_file()] == []


def test_the_page_under_a_rebound_host_name_is_refused(browser: Any, server: str) -> None:
    """DNS rebinding: evil.test resolves to 127.0.0.1, but the server answers only its own name."""
    port = server.rstrip("/").rsplit(":", 1)[1]
    context = browser.new_context()
    try:
        pg = context.new_page()
        response = pg.goto(f"http://evil.test:{port}/")
        assert response is not None and response.status == 403
        assert pg.locator("body").inner_text().startswith("forbidden: Host=evil.test")
        assert pg.locator("#study").count() == 0
    finally:
        context.close()
