"""Sequence-level targets: what a whole cadence gets, from ``calibration-targets.md``'s new section.

Every target is defined operationally here, on ``cold_list``:

- *email sequence*: six emails over three weeks (days 0, 3, 7, 10, 14, 21; one benefit-led offer
  in six wordings; stop on any reply). Measured: replies of
  any kind, positive replies and opt-outs per prospect enrolled, the share who never reply, and
  the largest rise of the per-step reply rate after step 2 and the reply rate of steps 5-6
  (their mean) over that of step 1 (replies of any kind credited to the step whose touch decided
  them, over the step's touches);
- *multichannel meetings*: the ``multichannel`` preset's meetings per prospect;
- *calls-only meetings per dial*: six calls with a voicemail over two weeks;
- *voicemail and the next connect*: the live-answer rate of a second call two days after a
  first call that left a voicemail, over the same second call after a first call that left none
  (the first calls are the same draws on both arms: common random numbers).

``make calibrate`` fits the defaults to these and to the single-touch targets at once; the tests
assert both (``tests/validation``).
"""

from __future__ import annotations

import functools

import numpy as np

from sim.model.config import StrategyConfig
from sim.validation.probes import (
    REPLY,
    Check,
    Outcome,
    Sizing,
    cadence,
    experiment,
    metric,
    preset,
    run,
    step,
    touch_counts,
)

#: Whole cadences: a mid-sized list, a few replicates.
SEQUENCE_SIZE = Sizing(prospects=20_000, replications=3)
#: The largest of three step-to-step rises is biased upward by sampling noise (a max of noisy
#: differences): a list large enough that the noise is a small share of the 0.1-point bound.
STEP_CURVE_SIZE = Sizing(prospects=200_000, replications=3)
#: One offer in six wordings (``vary_messages``): the content is held constant so that the
#: per-step curve shows the sequence's own dynamics (who is left, what they have seen). A
#: sequence that alternates strong and weak content swings with it; that is the message effect,
#: which has its own targets.
EMAIL_SEQUENCE = tuple((day, "benefit_led") for day in (0.0, 3.0, 7.0, 10.0, 14.0, 21.0))


@functools.lru_cache(maxsize=2)  # five targets read the same run
def _email_sequence(sizing: Sizing) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Per-replicate metrics of the six-email sequence, and its per-step reply rates."""
    steps = [step("email", message, day) for day, message in EMAIL_SEQUENCE]
    res = run(experiment({"emails": cadence(*steps)}, sizing))
    prospects = metric(res, "emails", "prospects")
    values = {
        name: metric(res, "emails", column) / prospects
        for name, column in (
            ("positive", "responses"),
            ("negative", "negative_replies"),
            ("opt-outs", "opt_outs"),
        )
    }
    values["any reply"] = values["positive"] + values["negative"]
    rates = []
    for k in range(1, len(EMAIL_SEQUENCE) + 1):
        counts = touch_counts(res, "emails", k)
        replies = sum((counts[o] for o in REPLY), np.zeros_like(counts["touches"]))
        rates.append(replies / np.maximum(counts["touches"], 1.0))
    return values, np.vstack(rates)  # (steps, replicates)


def sequence_replies(sizing: Sizing) -> Outcome:
    """Replies of any kind per prospect over the six-email sequence."""
    values, _ = _email_sequence(sizing)
    return Outcome(values["any reply"], values)


def sequence_positive(sizing: Sizing) -> Outcome:
    """Positive replies per prospect over the six-email sequence."""
    values, _ = _email_sequence(sizing)
    return Outcome(values["positive"], values)


def sequence_silent(sizing: Sizing) -> Outcome:
    """Share of prospects who never reply to the six-email sequence."""
    values, _ = _email_sequence(sizing)
    return Outcome(1.0 - values["any reply"], values)


def sequence_optouts(sizing: Sizing) -> Outcome:
    """Opt-outs per prospect over the six-email sequence."""
    values, _ = _email_sequence(sizing)
    return Outcome(values["opt-outs"], values)


def sequence_step_curve(sizing: Sizing) -> Outcome:
    """Largest rise of the per-step reply rate from step 3 on (<= 0: never rises again)."""
    _, rates = _email_sequence(sizing)
    rise = np.max(np.diff(rates[1:], axis=0), axis=0)
    return Outcome(rise, {f"step {k + 1}": rates[k] for k in range(rates.shape[0])})


def sequence_step_decline(sizing: Sizing) -> Outcome:
    """Reply rate of steps 5-6 (mean of the two) over that of step 1, per email sent."""
    _, rates = _email_sequence(sizing)
    late = rates[4:6].mean(axis=0)
    return Outcome(late / np.maximum(rates[0], 1e-12), {"step 1": rates[0], "steps 5-6": late})


def multichannel_meetings(sizing: Sizing) -> Outcome:
    """Meetings per prospect of the ``multichannel`` preset (8 touches over 18 days)."""
    res = run(experiment({"multichannel": preset("multichannel")}, sizing))
    rate = metric(res, "multichannel", "meeting_rate")
    return Outcome(rate, {"meetings per prospect": rate})


def calls_meetings_per_dial(sizing: Sizing) -> Outcome:
    """Meetings per dial of six calls with a voicemail over two weeks."""
    calls = cadence(*(step("phone", "benefit_led", day) for day in (0, 2, 4, 7, 9, 14)))
    res = run(experiment({"calls": calls}, sizing))
    rate = metric(res, "calls", "meetings") / np.maximum(metric(res, "calls", "dials"), 1.0)
    return Outcome(rate, {"meetings per dial": rate})


def voicemail_next_connect(sizing: Sizing) -> Outcome:
    """Connect rate of a second call after a voicemail over that after a call with none."""
    one = cadence(step("phone", voicemail=False))
    arms = {
        "one": one,
        "no_vm": cadence(step("phone", voicemail=False), step("phone", day=2.0, voicemail=False)),
        "vm": cadence(step("phone"), step("phone", day=2.0, voicemail=False)),
    }
    res = run(experiment(arms, sizing))

    def second_connect(arm: str) -> np.ndarray:
        live = metric(res, arm, "live_answers") - metric(res, "one", "live_answers")
        return live / np.maximum(metric(res, arm, "dials") - metric(res, "one", "dials"), 1.0)

    after_none, after_vm = second_connect("no_vm"), second_connect("vm")
    return Outcome(
        after_vm / after_none,
        {"connect after no voicemail": after_none, "connect after a voicemail": after_vm},
    )


SEQUENCE_TARGETS: tuple[Check, ...] = (
    Check(
        "sequence_any_reply",
        "target",
        "Email sequence (6 emails, 3 weeks): replies of any kind",
        "Instantly 2026; Woodpecker",
        "3-15 % of prospects",
        0.03,
        0.15,
        sequence_replies,
        SEQUENCE_SIZE,
        "replies / prospects",
    ),
    Check(
        "sequence_positive",
        "target",
        "Email sequence: positive replies",
        "Growbots 3.7M emails",
        "1-5 % of prospects",
        0.01,
        0.05,
        sequence_positive,
        SEQUENCE_SIZE,
        "positive replies / prospects",
    ),
    Check(
        "sequence_silent",
        "target",
        "Most of a cold list never answers",
        "follows from the two rows above",
        ">= 80 % send no reply",
        0.80,
        None,
        sequence_silent,
        SEQUENCE_SIZE,
        "prospects without a reply / prospects",
    ),
    Check(
        "sequence_step_curve",
        "target",
        "Per-step reply rate: highest at step 1-2, never rising after",
        "Belkins 7.5M emails 2026; Growbots 2018",
        "largest rise after step 2 <= 0.1 points",
        None,
        0.001,
        sequence_step_curve,
        STEP_CURVE_SIZE,
        "max rise of the step reply rate from step 3 on",
    ),
    Check(
        "sequence_step_decline",
        "target",
        "Per-step reply rate: steps 5-6 against step 1",
        "Belkins 7.5M emails 2026 (0.47x); Growbots 2018 (0.48x, positive)",
        "0.3-0.6x of step 1",
        0.3,
        0.6,
        sequence_step_decline,
        STEP_CURVE_SIZE,
        "replies per email at steps 5-6 / at step 1",
    ),
    Check(
        "sequence_optouts",
        "target",
        "Opt-outs over a whole email sequence",
        "Woodpecker; Belkins 2025",
        "1.5-6 % of prospects",
        0.015,
        0.06,
        sequence_optouts,
        SEQUENCE_SIZE,
        "opt-outs / prospects",
    ),
    Check(
        "multichannel_meetings",
        "target",
        "Meetings from a full multichannel cadence",
        "outbound SDR benchmarks (folklore-grade)",
        "0.5-4 % of prospects",
        0.005,
        0.04,
        multichannel_meetings,
        SEQUENCE_SIZE,
        "meetings / prospects",
    ),
    Check(
        "calls_meetings_per_dial",
        "target",
        "Calls-only cadence: meetings per dial",
        "Baylor Keller Center 2012; Gong x Cognism",
        "0.2-0.5 %",
        0.002,
        0.005,
        calls_meetings_per_dial,
        Sizing(prospects=60_000, replications=3),  # a few meetings per thousand dials
        "meetings / dials",
    ),
    Check(
        "voicemail_next_connect",
        "target",
        "A voicemail lowers the next call's connect rate",
        "Gong x 30MPC 2024",
        "by 10-30 %: ratio 0.7-0.9",
        0.70,
        0.90,
        voicemail_next_connect,
        Sizing(prospects=100_000, replications=3),
        "connect rate after a voicemail / after none",
    ),
)


# --- what the report draws: per-step curves and every preset's levels ---------------------

#: The presets whose whole-cadence levels the report and docs/calibration.md tabulate.
PRESETS = (
    "entitlement",
    "benefit_led",
    "cooldown_heatup",
    "persistent",
    "high_volume",
    "bombard",
    "hang_up",
    "multichannel",
)
#: Levels per preset: (column of ``metrics``, label).
LEVELS = (
    ("response_rate", "positive responses"),
    ("negative_rate", "not interested"),
    ("opt_out_rate", "opt-outs"),
    ("meeting_rate", "meetings"),
)
CALLS_SEQUENCE = tuple((day, "phone") for day in (0.0, 2.0, 4.0, 7.0, 9.0, 14.0))


def step_curves(sizing: Sizing) -> dict[str, dict[str, np.ndarray]]:
    """Per-step rates of an email-only, a calls-only and the multichannel cadence.

    Replies per touch for each (means over replicates), and live answers per dial for the calls.
    """
    emails = cadence(*(step("email", message, day) for day, message in EMAIL_SEQUENCE))
    calls = cadence(*(step(ch, "benefit_led", day) for day, ch in CALLS_SEQUENCE))
    arms = {"email-only": emails, "calls-only": calls, "multichannel": preset("multichannel")}
    res = run(experiment(arms, sizing))
    out: dict[str, dict[str, np.ndarray]] = {}
    for arm, strategy in arms.items():
        replies, answers = [], []
        for k in range(1, len(strategy.steps) + 1):
            counts = touch_counts(res, arm, k)
            touches = np.maximum(counts["touches"], 1.0)
            replies.append(float(np.mean(sum(counts[o] for o in REPLY) / touches)))
        out[arm] = {"replies per touch": np.array(replies)}
        if arm == "calls-only":
            for k in range(1, len(strategy.steps) + 1):
                one = cadence(*(step(ch, "benefit_led", d) for d, ch in CALLS_SEQUENCE[:k]))
                answers.append(one)
            out[arm]["live answers per dial"] = _connects(answers, sizing)
    return out


def _connects(prefixes: list[StrategyConfig], sizing: Sizing) -> np.ndarray:
    """Live answers per dial of each call: differences of the cadence's prefixes (common draws)."""
    arms = {f"calls{k + 1}": s for k, s in enumerate(prefixes)}
    res = run(experiment(arms, sizing))
    live = [0.0] + [float(np.mean(metric(res, a, "live_answers"))) for a in arms]
    dials = [0.0] + [float(np.mean(metric(res, a, "dials"))) for a in arms]
    return np.array(
        [(live[k + 1] - live[k]) / max(dials[k + 1] - dials[k], 1.0) for k in range(len(arms))]
    )


def preset_levels(population: str, sizing: Sizing) -> dict[str, dict[str, float]]:
    """Each preset's whole-cadence levels per prospect (mean over replicates) on a population."""
    arms = {name: preset(name) for name in PRESETS}
    res = run(experiment(arms, sizing, population=population, ample_capacity=False))
    return {
        name: {label: float(np.mean(metric(res, name, col))) for col, label in LEVELS}
        for name in PRESETS
    }
