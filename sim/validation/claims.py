"""The seeds' claims as checks: directions the model must produce, each citing its seed.

Every claim compares two runs that differ in one thing (a relationship, a message, a setting, a
preset) on common random numbers, and states the direction the seed asserts. None of these
directions is written into the model as a rule: each follows from the response mechanisms and
the calibrated defaults, which is what the checks test. The runs themselves are in
:mod:`sim.validation.claim_measures`; this module is the table of claims and their sizes.
"""

from __future__ import annotations

from collections.abc import Callable

from sim.validation.claim_measures import (
    benefit_callbacks,
    bombarding,
    callback_mismatch,
    cooldown_recovers,
    deadline_voicemail,
    identical_message,
    larger_list_each,
    larger_list_total,
    messages_build_relationship,
    preferred_channel,
    preset_benefit_per_touch,
    preset_bombard_optout,
    preset_cooldown_optout,
    preset_hang_up_familiarity,
    preset_high_volume_response,
    preset_high_volume_touches,
    relationship_beats_message,
    warm_callbacks,
    wrong_name,
)
from sim.validation.probes import Check, Outcome, Sizing

#: Single-touch claims: a large list, few replicates.
PROBE_SIZE = Sizing(prospects=40_000, replications=3)
#: Whole-cadence claims run the presets as users do (default list and team), more replicates.
PRESET_SIZE = Sizing(prospects=2_000, replications=5)
#: Small differences between two long cadences: a large list.
PAIR_SIZE = Sizing(prospects=20_000, replications=5)
#: Call-backs are rare (about 1 %): the ratio of two needs a very large list.
CALLBACK_SIZE = Sizing(prospects=150_000, replications=4)
#: Relationship against message: two effects of similar size, so their ratio is near 1 and its
#: interval must be narrow to be resolved.
RELATIONSHIP_SIZE = Sizing(prospects=400_000, replications=6)


def _claim(
    key: str,
    title: str,
    seed: str,
    expected: str,
    low: float | None,
    high: float | None,
    measure: Callable[[Sizing], Outcome],
    sizing: Sizing,
    statistic: str,
) -> Check:
    return Check(
        key, "claim", title, seed, expected, low, high, measure, sizing, statistic, strict=True
    )


CLAIMS: tuple[Check, ...] = (
    _claim(
        "relationship_beats_message",
        "The relationship matters more than the message",
        "001",
        "house list + self-focused / cold list + benefit-led > 1x",
        1.0,
        None,
        relationship_beats_message,
        RELATIONSHIP_SIZE,
        "call-backs per voicemail, ratio",
    ),
    _claim(
        "warm_callbacks",
        "A warm relationship gets calls returned far more than a cold one",
        "001",
        "house / cold >= 1.5x",
        1.5,
        None,
        warm_callbacks,
        CALLBACK_SIZE,
        "call-backs per voicemail, ratio",
    ),
    _claim(
        "benefit_callbacks",
        'Benefit to the prospect beats "introduce myself"',
        "001, 000",
        "> 1x",
        1.0,
        None,
        benefit_callbacks,
        PROBE_SIZE,
        "call-backs per voicemail, ratio",
    ),
    _claim(
        "messages_build_relationship",
        "Value-creating messages build the relationship; hanging up does not",
        "002",
        "> 0",
        0.0,
        None,
        messages_build_relationship,
        PRESET_SIZE.scaled(5),
        "mean warmth change, difference",
    ),
    _claim(
        "callback_mismatch",
        "A mismatched call-back number lowers call-backs",
        "003 #1",
        "< 1x",
        None,
        1.0,
        callback_mismatch,
        PROBE_SIZE,
        "call-backs per voicemail, ratio",
    ),
    _claim(
        "wrong_name",
        "A wrong name lowers responses",
        "003 #4",
        "< 1x",
        None,
        1.0,
        wrong_name,
        PRESET_SIZE.scaled(5),
        "response rate, ratio",
    ),
    _claim(
        "deadline_voicemail",
        "A deadline-driven voicemail lowers call-backs",
        "003 #2",
        "< 1x",
        None,
        1.0,
        deadline_voicemail,
        PROBE_SIZE,
        "call-backs per voicemail, ratio",
    ),
    _claim(
        "bombarding",
        "Bombarding makes things worse",
        "003 #3",
        "> 0",
        0.0,
        None,
        bombarding,
        PRESET_SIZE.scaled(5),
        "(responses - opt-outs) per prospect, difference",
    ),
    _claim(
        "identical_message",
        "An identical message repeated loses effect",
        "004 #3",
        "< 1x",
        None,
        1.0,
        identical_message,
        PRESET_SIZE.scaled(5),
        "responses per touch, ratio",
    ),
    _claim(
        "preferred_channel",
        "The prospect's preferred channel matters",
        "004 #4",
        "> 1x",
        1.0,
        None,
        preferred_channel,
        PROBE_SIZE,
        "first-email reply, ratio",
    ),
    _claim(
        "cooldown_recovers",
        "Cool down/heat up recovers prospects persistence burns",
        "004 #5",
        "> 0",
        0.0,
        None,
        cooldown_recovers,
        PAIR_SIZE,
        "relationships burned, difference",
    ),
    _claim(
        "larger_list_total",
        "A larger list finds more responses in total",
        "004 (hook volume)",
        "> 1x",
        1.0,
        None,
        larger_list_total,
        PRESET_SIZE,
        "total responses, ratio",
    ),
    _claim(
        "larger_list_each",
        "... while each prospect is worked less",
        "004 (hook volume)",
        "< 1x",
        None,
        1.0,
        larger_list_each,
        PRESET_SIZE,
        "touches per prospect, ratio",
    ),
    _claim(
        "preset_benefit_per_touch",
        "benefit_led earns more responses per touch than entitlement",
        "001, 002",
        "> 1x",
        1.0,
        None,
        preset_benefit_per_touch,
        PRESET_SIZE,
        "responses per touch, ratio",
    ),
    _claim(
        "preset_bombard_optout",
        "bombard loses more prospects to opt-out than it wins responses",
        "003",
        "> 0",
        0.0,
        None,
        preset_bombard_optout,
        PRESET_SIZE,
        "opt-out rate - response rate",
    ),
    _claim(
        "preset_hang_up_familiarity",
        "hang_up builds less familiarity than leaving messages",
        "002",
        "> 0",
        0.0,
        None,
        preset_hang_up_familiarity,
        PRESET_SIZE,
        "mean familiarity, entitlement - hang_up",
    ),
    _claim(
        "preset_cooldown_optout",
        "cooldown_heatup loses fewer prospects than the same touches without the pause",
        "004",
        "> 0",
        0.0,
        None,
        preset_cooldown_optout,
        PAIR_SIZE,
        "opt-out rate, no pause - pause",
    ),
    _claim(
        "preset_high_volume_touches",
        "high_volume sends more touches per rep-hour",
        "004",
        "> 1x",
        1.0,
        None,
        preset_high_volume_touches,
        PRESET_SIZE,
        "touches per rep-hour, ratio",
    ),
    _claim(
        "preset_high_volume_response",
        "... with a lower response rate per prospect",
        "004",
        "< 1x",
        None,
        1.0,
        preset_high_volume_response,
        PRESET_SIZE,
        "response rate, ratio",
    ),
)
