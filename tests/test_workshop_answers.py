"""The workshop page's logic without a browser: controls -> config, wording, typical prospect."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from sim.model.engine import NEGATIVE, OPT_OUT, POSITIVE
from sim.report.journey import NO_REPLY, Journey, outcomes, story, typical_prospect
from sim.report.verdict import answer, clearly, headline, trade_offs
from sim.workshop.live import answer_for
from sim.workshop.scenarios import OTHER, SCENARIOS, YOURS, build, defaults

# --- controls reach the run -------------------------------------------------------------------


@pytest.mark.parametrize("study", list(SCENARIOS))
def test_every_study_builds_two_arms_against_the_other(study: str) -> None:
    cfg = build(study, {})
    assert list(cfg.strategy) == [YOURS, OTHER]
    assert cfg.baseline == OTHER
    assert cfg.study is None  # a live run writes no report
    assert cfg.model.load.email == defaults(study)["emails"]


def test_pause_control_sets_the_cool_down_pause() -> None:
    cfg = build("cool_down", {"pause": 7})
    assert cfg.strategy[YOURS].cooldown is not None
    assert cfg.strategy[YOURS].cooldown.pause_days == 7
    assert cfg.strategy[OTHER].cooldown is None


@pytest.mark.parametrize("k", [1, 4, 10])
def test_first_day_control_puts_k_touches_in_the_first_day(k: int) -> None:
    days = [s.day for s in build("stalker_mode", {"first_day": k}).strategy[YOURS].steps]
    assert len(days) == 10
    assert sum(d < 1 for d in days) == k
    assert days == sorted(days)


def test_list_and_care_controls_set_list_size_and_personalization() -> None:
    cfg = build("hook_volume", {"list": 2400, "care": "low"})
    mine = cfg.strategy[YOURS]
    assert round(cfg.population.size * mine.list_multiplier) == 2400
    assert mine.personalization == "low"
    assert cfg.strategy[OTHER].personalization == "high"


def test_switch_swaps_which_arm_is_yours() -> None:
    on = build("callback_entitlement", {"waits": True})
    off = build("callback_entitlement", {"waits": False})
    assert on.strategy[YOURS].label == off.strategy[OTHER].label
    assert on.strategy[OTHER].label == off.strategy[YOURS].label
    assert len(on.strategy[YOURS].steps) < len(off.strategy[YOURS].steps)


def test_emails_control_sets_the_email_load() -> None:
    assert build("channel_match", {"emails": 370}).model.load.email == 370


def test_moving_a_control_changes_the_live_answer() -> None:
    a = answer_for("cool_down", {"pause": 3})
    b = answer_for("cool_down", {"pause": 60})
    assert a.rows != b.rows
    assert a.headline != b.headline
    assert answer_for("cool_down", {"pause": 3}) is a  # cached


# --- wording ------------------------------------------------------------------------------------


def _summary(diff_ci: tuple[float, float], opt_ci: tuple[float, float]) -> pd.DataFrame:
    nan = math.nan
    rows = []
    for arm, base in (("a", False), ("b", True)):
        for metric, mean, ci in (
            ("meeting_rate", 0.12 if not base else 0.10, diff_ci),
            ("opt_out_rate", 0.05 if not base else 0.04, opt_ci),
            ("meetings", 12.0 if not base else 10.0, (nan, nan)),
            ("rep_hours", 60.0 if not base else 20.0, (nan, nan)),
        ):
            d = (nan, nan, nan) if base else (0.02, *ci)
            rows.append(
                {
                    "arm": arm,
                    "metric": metric,
                    "mean": mean,
                    "ci_low": mean - 0.01,
                    "ci_high": mean + 0.01,
                    "diff_vs_baseline": d[0],
                    "diff_ci_low": d[1],
                    "diff_ci_high": d[2],
                }
            )
    return pd.DataFrame(rows)


def test_clearly_only_when_the_interval_excludes_zero() -> None:
    assert clearly(0.01, 0.03) == "higher"
    assert clearly(-0.03, -0.01) == "lower"
    assert clearly(-0.01, 0.03) == "unclear"
    assert clearly(math.nan, math.nan) == "unknown"
    labels = {"a": "A", "b": "B"}
    overlap = headline(_summary((-0.01, 0.05), (0, 0)), "a", "b", labels, "meeting_rate")
    assert "not clearly different" in overlap
    assert "clearly more" not in overlap
    apart = headline(_summary((0.01, 0.03), (0, 0)), "a", "b", labels, "meeting_rate")
    assert "clearly more" in apart
    assert "12.0% of prospects booked a meeting" in apart


def test_trade_offs_name_opt_outs_rep_hours_and_hours_per_meeting() -> None:
    text = trade_offs(_summary((0.01, 0.03), (0.001, 0.02)), "a", "b", {})
    assert "Opt-outs: 5.0% against 4.0%, clearly more" in text
    assert "60 h against 20 h (3.0 times as much)" in text
    assert "5.0 rep hours per meeting against 2.0 rep hours" in text
    full = answer(_summary((0.01, 0.03), (0.001, 0.02)), "a", "b", {}, "meeting_rate")
    assert full.startswith("“a”") and "Rep time" in full


# --- a typical prospect, in words ---------------------------------------------------------------


def _touch(p: int, t: float, channel: int = 1, noticed: bool = False) -> dict[str, object]:
    return {
        "event": "touch",
        "prospect": p,
        "time": t,
        "channel": channel,
        "message": 1,
        "noticed": noticed,
        "answered": False,
        "voicemail": False,
    }


def _reply(p: int, t: float, decided: int, meeting: bool = False) -> dict[str, object]:
    return {"event": "reply", "prospect": p, "time": t, "decided": decided, "meeting": meeting}


def test_typical_prospect_has_the_commonest_outcome_and_the_median_touch_count() -> None:
    rows = [
        # prospects 0, 1, 2 never reply, with 1, 3 and 5 touches; 3 opts out; 4 replies well
        *(_touch(0, d) for d in (0,)),
        *(_touch(1, d) for d in (0, 2, 4)),
        *(_touch(2, d) for d in (0, 2, 4, 6, 8)),
        _touch(3, 0),
        _reply(3, 1, OPT_OUT),
        _touch(4, 0),
        _reply(4, 1, POSITIVE, meeting=True),
    ]
    frame = pd.DataFrame(rows)
    table = outcomes(frame)
    assert table.loc[2, "touches"] == 5
    assert table.loc[0, "decided"] == NO_REPLY
    assert table.loc[4, "decided"] == POSITIVE and bool(table.loc[4, "meeting"])
    prospect, how = typical_prospect(frame)
    assert prospect == 1
    assert "60%" in how and "never replied" in how and "3 touches" in how


def test_story_tells_same_day_touches_on_one_line_and_the_ending() -> None:
    touches = pd.DataFrame(
        [_touch(0, 5.0 + 0.05 * i, channel=i % 2, noticed=i < 2) for i in range(10)]
    )
    replies = pd.DataFrame([_reply(0, 7.5, NEGATIVE)])
    j = Journey("a", "A", 0, 120.0, touches, replies, 0.1, 0.0, False)
    lines = story(j)
    assert lines[0].startswith("Day 1: 10 touches the same day")
    assert "2 noticed" in lines[0]
    assert lines[-1] == 'Day 3: replied "not interested".'
    quiet = Journey("a", "A", 0, 120.0, touches.iloc[:1], replies.iloc[:0], 0.1, 0.0, False)
    assert story(quiet)[-1] == "No reply by the end of the run (day 115)."


def test_unpaired_needs_the_intervals_apart_to_say_clearly() -> None:
    from sim.report.verdict import unpaired

    a = _summary((0.01, 0.03), (0, 0))
    b = _summary((0.01, 0.03), (0, 0))
    b.loc[b["metric"] == "meeting_rate", ["mean", "ci_low", "ci_high"]] = [0.05, 0.04, 0.06]
    head, trade = unpaired(a, "a", "Long list", b, "a", "Short list", "meeting_rate")
    assert head.startswith("“Long list”: 12.0%") and "“Short list”" in head
    assert "clearly more (the 95% intervals do not overlap)" in head
    same, _ = unpaired(a, "a", "Long list", a, "b", "Other", "meeting_rate")
    assert "not clearly different (the 95% intervals overlap)" in same
    assert "Rep time: 60 h against 60 h" in trade


def test_journeys_follow_prospects_the_two_arms_treat_differently() -> None:
    from sim.report.study.journeys import treated_differently

    email, phone = 1, 0
    ignored = pd.DataFrame(
        [*(_touch(p, d, email) for p in (0, 1, 2) for d in (0, 4, 8)), _reply(2, 1, OPT_OUT)]
    )
    # Prospect 0 prefers email (the same emails in both arms); 1 prefers the phone; 2 opted out
    # after its first email in both: as far as both went, the same.
    matched = pd.DataFrame(
        [
            *(_touch(0, d, email) for d in (0, 4, 8)),
            *(_touch(1, d, phone) for d in (0, 4, 8)),
            _touch(2, 0, email),
            _reply(2, 1, OPT_OUT),
        ]
    )
    differ = treated_differently({"ignored": ignored, "matched": matched})
    assert differ == {1}
    # Without the restriction the typical prospect is one who got the very same emails (0).
    assert typical_prospect(matched)[0] == 0
    prospect, how = typical_prospect(matched, differ)
    assert prospect == 1 and "the other treats differently" in how
    # Arms that differ only in timing treat nobody differently: every prospect counts.
    later = ignored.assign(time=ignored["time"] * 3)
    assert treated_differently({"a": ignored, "b": later}) == set()
    assert typical_prospect(ignored, set()) == typical_prospect(ignored)


def test_an_answer_across_plausible_worlds_says_so() -> None:
    """The page's "across plausible worlds" switch: the answer runs over the model's worlds."""
    from sim.workshop.live import answer_for
    from sim.workshop.scenarios import LIVE_WORLDS

    across = answer_for("entitlement_vs_value", {}, LIVE_WORLDS)
    assert across.worlds == LIVE_WORLDS
    assert across.size.endswith(f"{LIVE_WORLDS} plausible worlds")
    assert " to " in across.rows[0].replied  # an interval across the worlds
    assert answer_for("entitlement_vs_value", {}).worlds == 0
