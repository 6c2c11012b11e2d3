"""The strategy and population presets of design section 4, and the README's custom strategy.

Each strategy preset composes, is documented (label, a comment citing its seed), runs, and
makes exactly the touches its steps say (checked from the engine's touch log against a schedule
recomputed by plain loops); each also gets a check of what design section 4 says it does.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from cadence_helpers import check_schedule, experiment, log_frame, run_arm

from sim.model.config import ExperimentConfig, StrategyConfig
from sim.run.api import simulate
from sim.run.registry import CONF_DIR, compose

ROOT = CONF_DIR.parent.parent
REQUIRED = (
    "entitlement",
    "benefit_led",
    "cooldown_heatup",
    "multichannel",
    "high_volume",
    "bombard",
    "hang_up",
    "nurture",
    "breakup",
    "referral",
)
PRESETS = tuple(sorted(p.stem for p in (CONF_DIR / "strategy").glob("*.yaml")))
POPULATIONS = ("cold_list", "networking_event", "house_list", "mixed")


def test_every_required_preset_exists() -> None:
    assert set(REQUIRED) <= set(PRESETS)
    assert "persistent" in PRESETS  # cooldown_heatup's twin for the validation suite


@pytest.mark.parametrize("name", PRESETS)
def test_preset_is_documented_and_composes(name: str) -> None:
    path = CONF_DIR / "strategy" / f"{name}.yaml"
    text = path.read_text()
    # A leading comment citing the seed passage the strategy comes from.
    header = text.split(f"{name}:", 1)[0]
    assert re.search(r"^# Seeds? 00[0-4]", header, re.MULTILINE), f"{path}: cite the seed"
    assert '"' in header, f"{path}: quote the seed passage"
    assert list(yaml.safe_load(text)) == [name]  # content sits under the strategy's name
    cfg = compose([f"strategy=[{name}]", f"baseline={name}"])
    assert cfg.strategy[name].label


@pytest.mark.parametrize("name", PRESETS)
def test_preset_touches_happen_when_where_and_how_its_steps_say(name: str) -> None:
    cfg = experiment([name], size=120)
    run = run_arm(cfg, name)
    assert check_schedule(cfg, name, run) >= 120


def test_all_presets_run_together() -> None:
    names = ",".join(PRESETS)
    cfg = compose([f"strategy=[{names}]", "population.size=150", "replications=1"])
    cfg.horizon_days = 60.0
    res = simulate(cfg)
    assert set(res.metrics["arm"]) == set(PRESETS)
    assert (res.metrics["touches"] > 0).all()
    assert set(res.by_touch["arm"]) == set(PRESETS)


# --- what each preset does (design section 4) ------------------------------------------------


def _log(name: str, **kwargs: Any) -> tuple[StrategyConfig, pd.DataFrame]:
    cfg = experiment([name], size=100, **kwargs)
    return cfg.strategy[name], log_frame(run_arm(cfg, name))


def test_entitlement_repeats_one_self_focused_voicemail_every_two_days() -> None:
    s, log = _log("entitlement")
    assert not s.vary_messages
    assert set(log["channel"]) == {"phone"} and set(log["message"]) == {"self_focused"}
    assert log["voicemail"].all()
    assert set(np.diff([st.day for st in s.steps])) == {2.0}


def test_benefit_led_varies_benefit_led_messages_spaced_three_to_five_days() -> None:
    s, log = _log("benefit_led")
    assert s.vary_messages
    assert set(log["channel"]) == {"phone", "email"}
    assert log["message"].isin(["benefit_led", "resource"]).all()
    days = sorted({st.day for st in s.steps})
    assert all(3 <= gap <= 5 for gap in np.diff(days))


def test_cooldown_heatup_bursts_pauses_for_weeks_and_returns_on_a_new_channel() -> None:
    s, log = _log("cooldown_heatup")
    assert s.cooldown is not None and s.cooldown.pause_days >= 14 and s.cooldown.cycles >= 1
    one = log[log["prospect"] == log["prospect"].iloc[0]]
    for cycle in range(1, int(one["cycle"].max()) + 1):
        before = set(one.loc[one["cycle"] == cycle - 1, "channel"])
        first = one.loc[one["cycle"] == cycle, "channel"].iloc[0]
        assert first not in before  # a new angle on a new channel


def test_persistent_is_cooldown_heatup_without_the_pause() -> None:
    cfg = compose(["strategy=[cooldown_heatup,persistent]", "baseline=persistent"])
    heat, flat = cfg.strategy["cooldown_heatup"], cfg.strategy["persistent"]
    assert flat.cooldown is None and heat.cooldown is not None
    assert flat.steps == heat.steps
    assert (flat.vary_messages, flat.stop_on, flat.personalization) == (
        heat.vary_messages,
        heat.stop_on,
        heat.personalization,
    )
    # The documented one-arm alternative gives the same cadence.
    alt = compose(["strategy=[cooldown_heatup]", "baseline=cooldown_heatup"]).strategy
    assert alt["cooldown_heatup"].cooldown is not None
    off = compose(
        [
            "strategy=[cooldown_heatup]",
            "baseline=cooldown_heatup",
            "strategy.cooldown_heatup.cooldown=null",
        ]
    ).strategy["cooldown_heatup"]
    assert off.cooldown is None and off.steps == flat.steps


def test_multichannel_calls_leaves_voicemail_emails_then_social_letter_drop_in() -> None:
    s, log = _log("multichannel")
    assert {"phone", "email", "social", "postal", "drop_in"} <= set(log["channel"])
    assert log.loc[log["channel"] == "phone", "voicemail"].all()
    first_day = [st.channel for st in s.steps if st.day == s.steps[0].day]
    assert first_day == ["phone", "email"]


def test_high_volume_spreads_the_same_reps_over_a_larger_list() -> None:
    cfg = experiment(["high_volume", "entitlement"], size=100, no_stops=False)
    s = cfg.strategy["high_volume"]
    assert s.list_multiplier >= 3 and s.personalization == "low" and len(s.steps) <= 3
    res = simulate(cfg)
    prospects = res.metrics.set_index("arm")["prospects"]
    assert prospects["high_volume"] == round(100 * s.list_multiplier)
    assert prospects["entitlement"] == 100


def test_bombard_makes_ten_touches_in_twenty_four_hours() -> None:
    def weekends(cfg: ExperimentConfig) -> None:
        cfg.reps.work_weekends = True

    _, log = _log("bombard", edit=weekends)
    per = log.groupby("prospect")["time"].agg(["size", "min", "max"])
    assert (per["size"] == 10).all()
    assert ((per["max"] - per["min"]) < 1.0).all()


def test_hang_up_calls_without_ever_leaving_a_voicemail() -> None:
    _, log = _log("hang_up")
    assert set(log["channel"]) == {"phone"} and not log["voicemail"].any()
    cfg = experiment(["hang_up"], size=300, no_stops=False)
    metrics = simulate(cfg).metrics.iloc[0]
    assert metrics["dials"] > 0 and metrics["voicemails_left"] == 0


def test_nurture_leads_with_helpful_resources_and_high_personalization() -> None:
    s, log = _log("nurture")
    assert s.personalization == "high" and s.vary_messages
    assert log["message"].value_counts().idxmax() == "resource"
    assert not log["message"].isin(["self_focused", "deadline", "lazy_question"]).any()


def test_breakup_ends_with_a_kiss_off_email() -> None:
    s, log = _log("breakup")
    last = log.groupby("prospect").tail(1)
    done = log.groupby("prospect").size() == len(s.steps)
    assert done.all()
    assert set(last["message"]) == {"breakup"} and set(last["channel"]) == {"email"}
    assert (log["message"] == "breakup").sum() == log["prospect"].nunique()


def test_referral_asks_a_connector_first_then_follows_up() -> None:
    _, log = _log("referral")
    first = log[log["number"] == 1]
    assert set(first["channel"]) == {"referral"}
    assert set(log.loc[log["number"] > 1, "channel"]) <= {"phone", "email"}


# --- population presets ---------------------------------------------------------------------


@pytest.mark.parametrize("name", POPULATIONS)
def test_population_preset_is_documented_and_composes(name: str) -> None:
    text = (CONF_DIR / "population" / f"{name}.yaml").read_text()
    assert text.startswith("# "), "first line: what the population represents"
    cfg = compose([f"population={name}", "strategy=[entitlement]"])
    mix = cfg.population.relationship_mix
    shares = {"cold_list": "stranger", "networking_event": "met_once", "house_list": "client"}
    if name in shares:
        assert getattr(mix, shares[name]) == sum(mix.array())
    else:
        assert (mix.array() > 0).all()


# --- the README's custom strategy ------------------------------------------------------------


EXAMPLES = ROOT / "examples"


def test_readme_custom_strategy_runs_through_compose_and_simulate() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "## Add a strategy" in readme
    assert "hydra.searchpath=[file://examples]" in readme
    overrides = ["hydra.searchpath=[file://examples]", "strategy=[my_cadence,entitlement]"]
    assert " ".join(overrides) in readme
    overrides[0] = f"hydra.searchpath=[file://{EXAMPLES}]"
    cfg = compose([*overrides, "population.size=300", "replications=1"])
    res = simulate(cfg)
    assert set(res.metrics["arm"]) == {"my_cadence", "entitlement"}
    mine = res.by_touch[res.by_touch["arm"] == "my_cadence"]
    assert {"benefit", "case_study"} <= set(mine["variant"])


def test_readme_custom_strategy_schedule() -> None:
    overrides = [f"hydra.searchpath=[file://{EXAMPLES}]"]
    cfg = experiment(["my_cadence", "entitlement"], overrides, size=200)
    run = run_arm(cfg, "my_cadence")
    log = log_frame(run)
    assert check_schedule(cfg, "my_cadence", run, log) == len(log) > 0
    assert {"benefit", "case_study"} <= set(log["variant"])
    cap = cfg.strategy["my_cadence"].max_touches_per_week
    assert cap is not None
    assert log.groupby(["prospect", np.floor(log["time"] / 7)]).size().max() <= cap


def test_example_file_matches_the_readme() -> None:
    text = (EXAMPLES / "strategy" / "my_cadence.yaml").read_text()
    assert list(yaml.safe_load(text)) == ["my_cadence"]
    readme = (ROOT / "README.md").read_text()
    assert "examples/strategy/my_cadence.yaml" in readme


def test_readme_custom_strategy_runs_through_the_cli(tmp_path: Path) -> None:
    cli = Path(sys.executable).parent / "outreach-sim"
    args = ["hydra.searchpath=[file://examples]", "strategy=[my_cadence,entitlement]"]
    small = ["population.size=100", "replications=1", "horizon_days=30"]
    out = tmp_path / "run"
    done = subprocess.run(
        [str(cli), *args, *small, f"hydra.run.dir={out}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    by_touch = pd.read_csv(out / "by_touch.csv")
    mine = by_touch[by_touch["arm"] == "my_cadence"]
    assert {"benefit", "case_study"} <= set(mine["variant"])


def test_a_bad_user_strategy_fails_the_cli_with_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "mine" / "strategy"
    folder.mkdir(parents=True)
    (folder / "mine.yaml").write_text(
        "mine:\n  steps:\n    - {day: 0, channel: fax, message: benefit_led}\n"
    )
    cli = Path(sys.executable).parent / "outreach-sim"
    out = tmp_path / "run"
    done = subprocess.run(
        [
            str(cli),
            f"hydra.searchpath=[file://{folder.parent}]",
            "strategy=[mine,entitlement]",
            f"hydra.run.dir={out}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2
    assert "strategy.mine.steps[0].channel='fax'" in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists()
