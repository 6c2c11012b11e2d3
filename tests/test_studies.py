"""Workshop studies: every experiment composes, notes parse, answers follow the CIs, reports
embed real PNGs, and regenerating a reference study gives the same tables."""

import base64
import html
import io
import math
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.image import imread

from sim.cli.reference import REFERENCE_DIR, main, write_reference
from sim.report.lead import lead_line
from sim.report.study import (
    NOTES,
    STUDIES,
    StudyError,
    answer_single,
    answer_sweep,
    read_note,
    render_report,
)
from sim.report.study.words import NO_DIFFERENCE, QUESTIONS
from sim.run.registry import compose

ROOT = Path(__file__).resolve().parent.parent
EXPERIMENT_DIR = ROOT / "sim" / "conf" / "experiment"
SEEDS = ROOT.parent / "shared" / "seeds"
#: Cheap studies regenerated in the test (one single run; the sweep path is covered by cool_down's
#: answer test on a synthetic table, and by the reference folder's tables).
CHEAP = "callback_entitlement"


def _norm(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')
    return " ".join(text.split())


@pytest.mark.parametrize("name", STUDIES)
def test_every_study_composes_names_itself_and_has_a_note(name: str) -> None:
    assert (EXPERIMENT_DIR / f"{name}.yaml").read_text().startswith("# @package _global_")
    cfg = compose([f"+experiment={name}"])
    assert cfg.study == name
    assert cfg.baseline in cfg.strategy
    note = read_note(name)
    assert note.question and note.passage and note.look_at
    assert re.fullmatch(r"\d{3}_[0-9a-f]+\.txt", note.seed_file)
    if SEEDS.is_dir():  # the seeds live beside the repository in the workshop checkout
        assert _norm(note.passage) in _norm((SEEDS / note.seed_file).read_text())


def test_a_name_that_is_not_a_study_is_refused_with_the_studies() -> None:
    with pytest.raises(
        StudyError, match="study='nope' is not allowed: one of entitlement_vs_value"
    ):
        read_note("nope")


def test_the_reference_command_refuses_an_unknown_study(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nope"]) == 2
    assert main([]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("error: study='nope' is not allowed: --all or any of entitlement")
    assert err[1].startswith("error: study='' is not allowed")


def test_stalker_mode_arms_send_the_same_touches_at_different_spacing() -> None:
    cfg = compose(["+experiment=stalker_mode"])
    kinds = {
        name: [(s.channel, s.message) for s in arm.steps] for name, arm in cfg.strategy.items()
    }
    assert len({tuple(v) for v in kinds.values()}) == 1
    spans = sorted(arm.steps[-1].day for arm in cfg.strategy.values())
    assert spans[0] < 1 <= spans[1] <= 7 < spans[2] <= 31


def test_readme_lists_every_study_with_its_command() -> None:
    text = (ROOT / "README.md").read_text()
    assert "For trainers" in text
    for name in STUDIES:
        assert f"outreach-sim +experiment={name}" in text
        assert f"outreach-sim +experiment={name}" in (NOTES / "README.md").read_text()


def _summary(diff: tuple[float, float, float], opt: tuple[float, float, float]) -> pd.DataFrame:
    rows = []
    for arm, base in (("base", True), ("new", False)):
        for metric, d in (("response_rate", diff), ("opt_out_rate", opt)):
            rows.append(
                {
                    "arm": arm,
                    "metric": metric,
                    "mean": 0.05 + (0 if base else d[0]),
                    "ci_low": math.nan,
                    "ci_high": math.nan,
                    "n": 5,
                    "diff_vs_baseline": math.nan if base else d[0],
                    "diff_ci_low": math.nan if base else d[1],
                    "diff_ci_high": math.nan if base else d[2],
                    "p_value": math.nan,
                }
            )
    return pd.DataFrame(rows)


def test_answer_follows_the_paired_confidence_interval() -> None:
    labels = {"base": "Waiting", "new": "Following up"}
    clear = answer_single(_summary((0.04, 0.02, 0.06), (-0.01, -0.02, -0.005)), "base", labels)
    assert clear.startswith("“Following up”: 9.0% of prospects replied, against 5.0% with")
    assert "; clearly more; difference +4.0 points, 95% interval +2.0 to +6.0 points" in clear
    unclear = answer_single(_summary((0.01, -0.01, 0.03), (0.0, -0.01, 0.01)), "base", labels)
    assert "not clearly different" in unclear and "clearly more" not in unclear
    worse = answer_single(_summary((-0.03, -0.04, -0.02), (0.0, -0.01, 0.01)), "base", labels)
    assert "clearly fewer" in worse
    # No config key: labels only.
    assert "base" not in clear.replace("“Waiting”", "")


def test_sweep_answer_names_the_leader_per_value_and_the_verdict() -> None:
    rows = []
    for pause, lead in ((3, -0.01), (30, 0.03)):
        for arm, mean in (("persist", 0.1), ("cool", 0.1 + lead)):
            ci = (lead - 0.02, lead + 0.02) if arm == "cool" else (math.nan, math.nan)
            rows.append(
                {
                    "pause_days": pause,
                    "arm": arm,
                    "response_rate_mean": mean,
                    "response_rate_ci_low": mean - 0.01,
                    "response_rate_ci_high": mean + 0.01,
                    "response_rate_diff_ci_low": ci[0],
                    "response_rate_diff_ci_high": ci[1],
                }
            )
    param = "strategy.cool_down.cooldown.pause_days"
    table = pd.DataFrame(rows).rename(columns={"pause_days": param})
    text = answer_sweep(table, [param], "persist", {"cool": "Cool down", "persist": "Persist"})
    assert "depends on the pause length: “Persist” with a pause of 3 days" in text
    assert "“Cool down” with a pause of 30 days" in text
    assert "clearly ahead with a pause of 30 days" in text
    assert "not clearly different with a pause of 3 days" in text
    assert "pause_days" not in text and "=" not in text


def test_report_escapes_config_text() -> None:
    note = read_note("stalker_mode")
    page = render_report(note, "<script>x</script>", "", [("<b>c</b>", b"\x89PNG")], {"k": "<i>"})
    assert "<script>x" not in page and "&lt;script&gt;" in page
    assert "<b>c</b>" not in page and "<i>" not in page


def _images(page: str) -> list[bytes]:
    sources = re.findall(r"<img\b[^>]*\bsrc=\"([^\"]*)\"", page)
    assert len(sources) == page.count("<img")
    out = []
    for src in sources:
        assert src.startswith("data:image/png;base64,"), src[:40]
        out.append(base64.b64decode(src.split(",", 1)[1], validate=True))
    return out


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A study rerun through the real command line, as `make reference` does."""
    return write_reference(CHEAP, tmp_path_factory.mktemp("reference"))


def test_study_report_embeds_decodable_pngs_and_the_computed_answer(regenerated: Path) -> None:
    page = (regenerated / "report.html").read_text()
    images = _images(page)
    assert len(images) >= 3  # outcomes, timeline, journey
    for png in images:
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        pixels = imread(io.BytesIO(png), format="png")
        assert pixels.shape[0] > 100 and pixels.shape[1] > 100
        assert pixels.std() > 0.01  # not a blank picture
    answer = re.search(r'<div class="answer"><p>(.*?)</p>', page, re.S)
    assert answer is not None
    # The trade-offs and the rep time are on the page; the note's markdown is rendered.
    trade = re.search(r'<p class="tradeoffs">(.*?)</p>', page, re.S)
    assert trade is not None and "Opt-outs:" in trade.group(1) and "Rep time:" in trade.group(1)
    assert "rep hours per meeting" in page and page.count("<tr>") >= 3
    text = re.sub(r"<[^>]+>", "", page.split("<body>", 1)[1])
    assert "`" not in text
    assert "typical prospect" in page
    summary = pd.read_csv(regenerated / "summary.csv")
    cfg = compose([f"+experiment={CHEAP}"])
    labels = {n: s.label for n, s in cfg.strategy.items()}
    q = QUESTIONS[CHEAP]
    expected = answer_single(summary, cfg.baseline, labels, q.rank, q.lead)
    assert html.unescape(answer.group(1)) == expected


def test_regenerating_a_reference_study_gives_the_same_tables(regenerated: Path) -> None:
    reference = REFERENCE_DIR / CHEAP
    assert reference.is_dir(), "run `make reference` to create results/reference/"
    tables = sorted(p.name for p in reference.glob("*.csv"))
    assert {"summary.csv", "metrics.csv", "study_table.csv"} <= set(tables)
    for name in tables:
        pd.testing.assert_frame_equal(
            # Floats within 1e-9 (relative): the reference may come from another CPU.
            pd.read_csv(regenerated / name),
            pd.read_csv(reference / name),
            check_exact=False,
            rtol=1e-9,
        )


def test_every_reference_report_embeds_only_png_data_uris() -> None:
    for name in STUDIES:
        page = (REFERENCE_DIR / name / "report.html").read_text()
        images = _images(page)
        assert images, name
        assert all(png.startswith(b"\x89PNG\r\n\x1a\n") for png in images)


@pytest.mark.skipif(
    shutil.which("chromium") is None,
    reason="chromium is not installed (Debian: apt-get install -y chromium); "
    "the report screenshots are checked by scripts/check_reports.sh",
)
def test_reports_render_in_headless_chromium(regenerated: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [str(ROOT / "scripts" / "check_reports.sh"), str(regenerated / "report.html")],
        env={"OUT": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    shot = imread(tmp_path / f"{regenerated.name}.png")
    assert shot.shape[1] == 1280 and shot.std() > 0.05


# --- each study's answer leads with what its question asks about --------------------------------


def _rows(arm: str, values: dict[str, tuple[float, float, float, float]]) -> list[dict]:
    """Rows of a summary: metric -> (mean, ci half-width, diff, diff half-width)."""
    out = []
    for metric, (mean, half, diff, dhalf) in values.items():
        out.append(
            {
                "arm": arm,
                "metric": metric,
                "mean": mean,
                "ci_low": mean - half,
                "ci_high": mean + half,
                "n": 5,
                "diff_vs_baseline": diff,
                "diff_ci_low": diff - dhalf,
                "diff_ci_high": diff + dhalf,
                "p_value": math.nan,
            }
        )
    return out


def _first_sentence(text: str) -> str:
    return text.split(". ", 1)[0]


def test_stalker_mode_answer_leads_with_opt_outs_and_the_burned_list() -> None:
    nan = math.nan
    summary = pd.DataFrame(
        _rows(
            "day",
            {
                "opt_out_rate": (0.38, 0.01, nan, nan),
                "prospects_burned": (547.0, 5, nan, nan),
                "meeting_rate": (0.007, 0.001, nan, nan),
                "prospects": (1000.0, 0, nan, nan),
            },
        )
        + _rows(
            "month",
            {
                "opt_out_rate": (0.18, 0.01, -0.20, 0.02),
                "prospects_burned": (274.0, 5, -273, 10),
                "meeting_rate": (0.008, 0.001, 0.001, 0.002),
                "prospects": (1000.0, 0, 0, 0),
            },
        )
    )
    q = QUESTIONS["stalker_mode"]
    labels = {"day": "In a day", "month": "Over a month"}
    text = answer_single(summary, "day", labels, q.rank, q.lead)
    first = _first_sentence(text)
    # Opt-outs first, the burned list next, meetings after; each with its verdict.
    assert first.startswith("“Over a month” against “In a day”: opted out 18.0% against 38.0%")
    assert first.index("opted out") < first.index("prospects burned") < first.index("meeting")
    assert "prospects burned 274 of 1,000 against 547 of 1,000, clearly fewer" in first
    assert "booked a meeting 0.8% against 0.7%, not clearly different" in first
    # The best arm is the one with the fewest opt-outs, not the most meetings.
    assert "the fewest came from" not in text  # one challenger: no count sentence


def test_hook_volume_answer_says_meetings_and_what_volume_costs_unpaired() -> None:
    nan = math.nan
    costs = ("inbox_placement_rate", "complaint_rate", "final_reputation", "prospects_burned")
    long = pd.DataFrame(
        _rows(
            "hooks",
            {
                "meetings": (72.0, 10, nan, nan),
                "inbox_placement_rate": (0.837, 0.01, nan, nan),
                "complaint_rate": (0.0006, 0.0002, nan, nan),
                "final_reputation": (0.93, 0.01, nan, nan),
                "prospects_burned": (244.0, 10, nan, nan),
                "prospects": (3200.0, 0, nan, nan),
            },
        )
    )
    short = long.copy()
    short["mean"] = [7.8, 0.87, 0.0006, 1.0, 25.2, 400.0]
    short["ci_low"], short["ci_high"] = short["mean"] - 0.001, short["mean"] + 0.001
    q = QUESTIONS["hook_volume"]
    assert q.lead[0] == "meetings" and set(costs) <= set(q.lead)
    line = lead_line(long, "hooks", "Long list", short, "hooks", "Short list", q.lead)
    assert line.startswith("“Long list” against “Short list”: meetings 72.0 against 7.8, clearly")
    assert "emails in the inbox 83.7% against 87.0%, clearly lower" in line
    assert "spam complaints per email 0.06% against 0.06%, not clearly different" in line
    assert "sender reputation 0.93 against 1.00, clearly lower" in line
    assert "prospects burned 244 of 3,200 against 25 of 400" in line
    # Deliverability off: its metrics are NaN and the line leaves them out.
    off = long.copy()
    off.loc[off["metric"].isin(costs[:3]), "mean"] = nan
    assert "inbox" not in lead_line(off, "hooks", "A", off, "hooks", "B", q.lead)


def test_every_study_has_a_question_that_leads_with_its_rank_metric() -> None:
    assert set(QUESTIONS) == set(STUDIES)
    for name, q in QUESTIONS.items():
        assert q.lead[0] == q.rank, name
    assert QUESTIONS["stalker_mode"].lead[:2] == ("opt_out_rate", "prospects_burned")


def test_a_sweep_without_a_clear_difference_says_so_first() -> None:
    rows = []
    for pause, lead in ((3, 0.001), (30, -0.001)):
        for arm, mean in (("persist", 0.066), ("cool", 0.066 + lead)):
            ci = (lead - 0.002, lead + 0.002) if arm == "cool" else (math.nan, math.nan)
            rows.append(
                {
                    "pause_days": pause,
                    "arm": arm,
                    "response_rate_mean": mean,
                    "response_rate_ci_low": mean - 0.01,
                    "response_rate_ci_high": mean + 0.01,
                    "response_rate_diff_ci_low": ci[0],
                    "response_rate_diff_ci_high": ci[1],
                }
            )
    param = "strategy.cool_down.cooldown.pause_days"
    table = pd.DataFrame(rows).rename(columns={"pause_days": param})
    text = answer_sweep(table, [param], "persist", {"cool": "Cool down", "persist": "Persist"})
    assert text == (
        "With a pause of 3 and 30 days alike, “Cool down” is not clearly different from "
        f"“Persist” in responses: {NO_DIFFERENCE}"
    )
    assert "depends on" not in text  # who "leads" within the noise is not an answer


def test_stalker_mode_report_table_and_first_figure_lead_with_opt_outs(tmp_path: Path) -> None:
    from sim.report.study.content import single_run

    nan = math.nan
    base = {
        "opt_out_rate": (0.38, 0.01, nan, nan),
        "prospects_burned": (547.0, 5, nan, nan),
        "meeting_rate": (0.007, 0.001, nan, nan),
        "response_rate": (0.016, 0.002, nan, nan),
        "meetings": (7.0, 1, nan, nan),
        "rep_hours": (470.0, 5, nan, nan),
        "prospects": (1000.0, 0, nan, nan),
        "prospects_reachable": (437.0, 5, nan, nan),
        "expected_future_meetings": (1.4, 0.2, nan, nan),
    }
    month = {k: (v[0] / 2, v[1], -v[0] / 2, v[1]) for k, v in base.items()}
    month["prospects"] = (1000.0, 0, 0, 0)
    pd.DataFrame(_rows("stalker_24h", base) + _rows("stalker_month", month)).to_csv(
        tmp_path / "summary.csv", index=False
    )
    exp = compose(["+experiment=stalker_mode"])
    exp.strategy = {k: exp.strategy[k] for k in ("stalker_24h", "stalker_month")}
    labels = {n: s.label for n, s in exp.strategy.items()}
    content = single_run(tmp_path, exp, labels, QUESTIONS["stalker_mode"])
    assert list(content.table.columns[1:3]) == ["opt_out_rate_mean", "opt_out_rate_ci_low"]
    assert content.figures[0][1].startswith("Opt-outs, prospects burned and meetings")
    assert _first_sentence(content.answer).split(": ", 1)[1].startswith("opted out 19.0%")
    assert content.answer_more.startswith("What the list has left on day 120: 218 prospects")


def test_a_lead_line_over_plausible_worlds_says_their_verdict() -> None:
    nan = math.nan
    summary = pd.DataFrame(
        _rows(
            "base", {"response_rate": (0.05, 0.01, nan, nan), "opt_out_rate": (0.05, 0, nan, nan)}
        )
        + _rows(
            "new",
            {"response_rate": (0.06, 0.01, 0.01, 0.005), "opt_out_rate": (0.04, 0, -0.01, 0.005)},
        )
    )
    summary["interval"] = "worlds"
    # The interval alone would say "clearly more"; the worlds disagree, so it depends.
    summary["verdict"] = ["", "", "depends", "better"]
    line = lead_line(
        summary, "new", "New", summary, "base", "Base", ("response_rate", "opt_out_rate")
    )
    assert "replied 6.0% against 5.0%, it depends on what the evidence does not pin down" in line
    assert "opted out 4.0% against 5.0%, clearly fewer" in line
