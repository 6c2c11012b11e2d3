"""A real export, fitted by itself: ``--inspect``, its skeleton filled, the fit, date formats."""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim.fit import cli
from sim.fit.dates import detect
from sim.fit.glossary import GLOSSARY
from sim.fit.synthetic import simulate_log
from sim.model.messages import MESSAGES
from sim.model.strategy import compile_plan
from sim.run.logdates import EU_FORMAT, US_FORMAT
from sim.run.registry import compose
from sim.run.touchlog import LogError, read_touch_log

#: How the team tagged its templates, and what the test (the team) says each one is.
TAGS = {
    ("benefit_led", 0): "Intro - Pain Point",
    ("benefit_led", 1): "Value Prop - ROI",
    ("resource", 0): "Case Study",
    ("resource", 1): "Helpful Article",
}
CHANNELS = {("email", 0): "Auto Email", ("email", 1): "Manual Email", ("phone", 0): "Call"}
CHANNELS[("phone", 1)] = "Call - Mobile"  # not in the shipped mapping: to fill
OUTCOMES = {
    "positive": "Replied - Interested",
    "negative": "Replied - Not Now",  # not in the shipped mapping: to fill
    "opt_out": "Opted Out",
    "meeting": "Meeting Booked",
    "": "",
}
#: What the team writes into the skeleton's blanks.
FILLED = {
    "Intro - Pain Point": "benefit_led",
    "Value Prop - ROI": "benefit_led",
    "Case Study": "resource",
    "Helpful Article": "resource",
    "Call - Mobile": "phone",
    "Replied - Not Now": "negative",
}


@functools.cache
def _canonical(n: int = 300) -> pd.DataFrame:
    cfg = compose(["strategy=[benefit_led]", "baseline=benefit_led"])
    plan = compile_plan("benefit_led", cfg.strategy["benefit_led"])
    return simulate_log(cfg.model, cfg.population, plan, n, 3, 0.03)


def _when(iso: pd.Series, fmt: str) -> pd.Series:
    times = pd.to_datetime(iso.where(iso != ""), utc=True)
    return times.dt.strftime(fmt).fillna("")


def outreach_export(fmt: str = US_FORMAT) -> pd.DataFrame:
    """The canonical log as an Outreach activity export: its headers, its values, its dates."""
    log = _canonical()
    odd = pd.Series(range(len(log))) % 2
    return pd.DataFrame(
        {
            "Prospect ID": log["prospect_id"],
            "Completed At": _when(log["touched_at"], fmt),
            "Step Type": [CHANNELS[(c, o)] for c, o in zip(log["channel"], odd, strict=True)],
            "Template Tag": [TAGS[(m, o)] for m, o in zip(log["message"], odd, strict=True)],
            "Outcome": log["outcome"].map(OUTCOMES),
            "Outcome At": _when(log["outcome_at"], fmt),
            "Sequence Step": log["step"],
        }
    )


def test_an_outreach_export_fits_with_the_skeleton_inspect_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    outreach_export().to_csv("export.csv", index=False)
    assert cli.run(["--inspect", "export.csv", "--mapping", "outreach"]) == 0
    shown = capsys.readouterr().out
    assert "'Intro - Pain Point'" in shown and "month first" in shown
    text = Path("export_mapping.yaml").read_text(encoding="utf-8")
    assert f'date_format: "{US_FORMAT}"' in text
    assert all(f"#   {kind}: " in text for kind in MESSAGES)  # the glossary, above messages
    skeleton = yaml.safe_load(text)
    blanks = {
        k
        for kind in ("channels", "messages", "outcomes")
        for k, v in skeleton[kind].items()
        if v == ""
    }
    assert blanks == set(FILLED)  # what the shipped mapping knows is filled in already
    assert skeleton["channels"]["Auto Email"] == "email"
    # Unfilled, the skeleton is refused in one line naming a blank and what is allowed.
    assert cli.run(["export.csv", "--mapping", "export_mapping.yaml", "--paths", "2"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "-> '' is not allowed: one of" in err[0], err
    for kind in ("channels", "messages", "outcomes"):
        skeleton[kind] = {k: v or FILLED[k] for k, v in skeleton[kind].items()}
    Path("filled.yaml").write_text(yaml.safe_dump(skeleton), encoding="utf-8")
    argv = ["export.csv", "--mapping", "filled.yaml", "--name", "team", "--paths", "2"]
    assert cli.run([*argv, "--out", "fits/team", "--conf-dir", "mine"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("outreach-sim-fit export.csv (mapping export_mapping)")
    assert out[-1].startswith("trust: ")
    assert (tmp_path / "fits" / "team" / "report.html").is_file()
    assert (tmp_path / "mine" / "model" / "fitted_team.yaml").is_file()
    assert f"'hydra.searchpath=[file://{tmp_path / 'mine'}]' model=fitted_team" in out[-2]


@pytest.mark.parametrize("fmt", [US_FORMAT, EU_FORMAT])
def test_us_and_eu_dates_parse_with_their_format_and_are_refused_without(
    tmp_path: Path, fmt: str
) -> None:
    path = tmp_path / "export.csv"
    outreach_export(fmt).to_csv(path, index=False)
    outreach = cli.load_mapping("outreach")
    mapping = dataclasses.replace(
        outreach,
        messages={tag: kind for (kind, _), tag in TAGS.items()},
        channels={**outreach.channels, "Call - Mobile": "phone"},
        outcomes={**outreach.outcomes, "Replied - Not Now": "negative"},
    )
    assert detect(pd.read_csv(path, dtype=str)["Completed At"]).fmt == fmt
    table = read_touch_log(path, dataclasses.replace(mapping, date_format=fmt))
    assert table.n_touches == len(_canonical())
    with pytest.raises(LogError) as refused:
        read_touch_log(path, mapping)
    lines = str(refused.value).splitlines()
    assert len(lines) == 2  # one line per date column, not one per row
    assert "is not ISO 8601 and which number is the month is not guessed" in lines[0]
    assert "more rows like it" in lines[0]


def test_an_ambiguous_date_is_named_not_guessed() -> None:
    found = detect(pd.Series(["03/04/2026 09:00", "05/06/2026 10:30"]))
    assert found.fmt == "" and "ambiguous" in found.note
    assert found.candidates == ("%m/%d/%Y %H:%M", "%d/%m/%Y %H:%M")


def test_the_glossary_names_every_message_kind_with_examples() -> None:
    assert tuple(GLOSSARY) == MESSAGES
    assert all(examples for _, examples in GLOSSARY.values())


def test_inspect_reads_an_export_with_the_shipped_mapping_whose_headers_it_finds() -> None:
    from sim.fit.skeleton import best_mapping

    known = [cli.load_mapping(m) for m in ("outreach", "salesloft", "hubspot")]
    header = list(outreach_export().columns)
    assert best_mapping(header, cli.load_mapping("canonical"), known).name == "outreach"
    canonical = list(_canonical().columns)
    assert best_mapping(canonical, cli.load_mapping("canonical"), known).name == "canonical"


def test_the_reply_delay_axis_is_labelled_in_plain_numbers() -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from sim.fit.outputs import plain_log_axis

    def labels(plain: bool) -> list[str]:
        fig = Figure()
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        ax.plot([0.001, 0.1, 30.0], [1, 2, 3])
        if plain:
            plain_log_axis(ax)
        else:
            ax.set_xscale("log")
        fig.canvas.draw()
        return [t.get_text() for t in ax.get_xticklabels() if t.get_text()]

    assert any("mathdefault" in t for t in labels(plain=False))  # what the figure printed
    shown = labels(plain=True)
    assert shown and not any("$" in t for t in shown) and "1" in shown
