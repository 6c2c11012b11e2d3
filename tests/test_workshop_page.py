"""The workshop page in a real browser: Debian's chromium driven by Playwright.

The server is started here (``python -m sim.workshop``) on 127.0.0.1 and a free port, with a
time limit, and stopped after. Every study is loaded, a control is moved, and the answer must
change; the page must ask for nothing outside this machine (it works offline) and show no config
key. Screenshots go to ``results/workshop/`` for a person to look at.

Without ``/usr/bin/chromium`` the tests skip on a workstation and fail in CI (``CI`` set): CI
installs chromium (``.ci/run``), so a skip there would hide a broken page.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sim.workshop.scenarios import SCENARIOS, Control, defaults

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
SHOTS = Path(__file__).resolve().parent.parent / "results" / "workshop"
ROOT = Path(__file__).resolve().parent.parent
#: Config keys and override syntax a room must never see (e.g. "hooks.list_multiplier=8").
CONFIG_KEY = re.compile(r"\b[a-z_]+\.[a-z_]+=|list_multiplier|load\.email|pause_days")

if not CHROMIUM.exists():
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing in CI: .ci/run installs it", pytrace=False)
    pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)", allow_module_level=True)

# A dev dependency (pyproject.toml): imported plainly, so a missing driver fails, never skips.
from playwright.sync_api import sync_playwright  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.workshop", "--no-browser", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                out = proc.stdout.read().decode() if proc.stdout else ""
                pytest.fail(f"the workshop server did not start:\n{out[-2000:]}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
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
