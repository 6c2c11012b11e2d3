"""The workshop on a projector: question, answer and chart above the fold at 1024x768 and 1280x800.

Debian's chromium driven by Playwright, as tests/test_workshop_page.py. For each projector size
the page is loaded at its first study, and the bounding boxes of the question, the answer and its
chart must lie inside the viewport without scrolling. Screenshots of the page at both sizes and of
each study's reference report go to docs/screenshots/ (the README links them).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sim.report.study.notes import SEED_TITLES
from tests.workshop_server import serve

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "docs" / "screenshots"
SIZES = [(1024, 768), (1280, 800)]
STUDIES = sorted(p.parent.name for p in (ROOT / "results" / "reference").glob("*/report.html"))
SEEDS = Path("/work/shared/seeds")

if not CHROMIUM.exists():
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing in CI: .ci/run installs it", pytrace=False)
    pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)", allow_module_level=True)

from playwright.sync_api import sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    try:
        with serve(tmp_path_factory.mktemp("room_tmp")) as url:
            yield url
    except RuntimeError as failed:
        pytest.fail(str(failed))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"], headless=True
        )
        try:
            yield b
        finally:
            b.close()


def _inside(box: dict[str, float] | None, width: int, height: int) -> bool:
    return (
        box is not None
        and box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= width + 0.5
        and box["y"] + box["height"] <= height + 0.5
    )


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_question_answer_and_chart_are_above_the_fold(
    browser: Any, server: str, width: int, height: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        pg = context.new_page()
        pg.set_default_timeout(60_000)
        pg.goto(server)
        pg.wait_for_selector("#answer-chart")
        pg.wait_for_function("() => document.querySelector('#answer-chart').complete")
        for selector in ("h2", ".question", "#answer-text", "#answer-chart"):
            box = pg.locator(selector).first.bounding_box()
            assert _inside(box, width, height), (selector, box, width, height)
        assert pg.evaluate("window.scrollY") == 0
        SHOTS.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(SHOTS / f"workshop_{width}x{height}.png"))
    finally:
        context.close()


def test_the_report_tab_shows_the_study_report_of_the_same_run(browser: Any, server: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        pg = context.new_page()
        pg.set_default_timeout(90_000)
        pg.goto(server)
        headline = pg.locator("#answer-text").inner_text()
        pg.get_by_role("tab", name="Its study report").click()
        frame = pg.frame_locator("#report-frame")
        answer = frame.locator(".answer").first.inner_text()
        assert " ".join(headline.split()) in " ".join(answer.split())
        pg.screenshot(path=str(SHOTS / "workshop_report_tab_1280x800.png"))
    finally:
        context.close()


def test_each_study_report_is_screenshot_for_the_readme(browser: Any) -> None:
    assert len(STUDIES) == 7
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        pg = context.new_page()
        for study in STUDIES:
            pg.goto((ROOT / "results" / "reference" / study / "report.html").as_uri())
            pg.screenshot(path=str(SHOTS / f"report_{study}.png"))
            assert (SHOTS / f"report_{study}.png").stat().st_size > 10_000
    finally:
        context.close()


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed texts are not on this machine")
def test_seed_passages_are_credited_by_their_titles() -> None:
    for path in sorted(SEEDS.glob("*.txt")):
        first = next(line for line in path.read_text().splitlines() if line.strip())
        assert SEED_TITLES[path.name[:3]] == first.strip()
