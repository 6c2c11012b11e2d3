"""Which parameters a touch log identifies, and where their fit starts.

A log speaks to a channel's bases only if it used the channel, to a message kind's value only if
it sent that kind besides the reference kind, to the annoyance terms only if some prospect got
more than one touch, to the meeting base only if someone replied with interest. The rest keeps
the model's values, each with the reason (docs/fitting.md).
"""

from __future__ import annotations

import math

import numpy as np

from sim.fit.params import Param, to_scale
from sim.fit.replay import CONNECTED, POSITIVE, FitLog
from sim.model.channels import CHANNELS
from sim.model.config import ModelConfig, PerChannel, PerMessage
from sim.model.messages import MESSAGES

#: A parameter kept at the model's value, and why.
Kept = tuple[str, str]


def choose_params(log: FitLog, cfg: ModelConfig) -> tuple[list[Param], list[Kept]]:
    """The parameters this log identifies, and those it does not (with the reason)."""
    params: list[Param] = []
    kept: list[Kept] = []
    _content(log, params, kept)
    _repeats(log, params, kept)
    params += [
        Param("negative_base", "negative_base", lower=-12, upper=4),
        Param(
            "responsiveness_sd",
            "responsiveness_sd",
            scale="log",
            lower=math.log(0.02),
            upper=math.log(5.0),
        ),
    ]
    # Reachability and responsiveness both describe how prospects differ; in a log where each
    # prospect replies at most once they trade off along a ridge (and against the bases) that
    # Wald intervals cannot describe. The fit estimates the spread and keeps the share.
    kept.append(
        (
            "reachable",
            "with responsiveness_sd, a second measure of how prospects differ: the two trade "
            "off in a log where each prospect replies at most once (docs/fitting.md, 3)",
        )
    )
    if (log.y == POSITIVE).any():
        params.append(Param("meeting_base", "meeting_base", lower=-12, upper=8))
    else:
        kept.append(("meeting_base", "the log has no positive replies"))
    kept.append(
        (
            "negative_annoyance",
            "annoyance shows in replies and opt-outs; one more term "
            'for it in the "no" is confounded with both in a log',
        )
    )
    _answers(log, params, kept)
    for name, why in (
        ("response_warmth, response_familiarity, response_need", "hidden states, from defaults"),
        ("warmth, familiarity and need dynamics", "hidden states, from defaults"),
    ):
        kept.append((name, why))
    return params, kept


def _answers(log: FitLog, params: list[Param], kept: list[Kept]) -> None:
    """The answer parameters (2.2) where the log gives calls' dispositions (sim.fit.calls).

    The base from any call with a disposition; familiarity and the voicemails already left move
    only from a prospect's second call on; the conversation bonus needs a connected call that
    could decide an outcome. Warmth barely moves between a prospect's calls: its term is kept.
    """
    told = log.disposition >= 0
    if not told.any():
        kept.append(
            (
                "notice and answer parameters",
                "they set the hidden paths (what was noticed); the log gives no call dispositions",
            )
        )
        return
    kept.append(("notice parameters", "they set the hidden paths (what was noticed)"))
    params.append(Param("answer_base", "answer_base", scale="logit", lower=-10.0, upper=4.0))
    if (told & (log.pos > 0)).any():
        params.append(Param("answer_familiarity", "answer_familiarity", lower=-10, upper=10))
        params.append(Param("answer_voicemail", "answer_voicemail", lower=-5, upper=5))
    else:
        kept.append(("answer_familiarity, answer_voicemail", "every call is a prospect's first"))
    kept.append(
        (
            "answer_warmth",
            "warmth barely moves between a prospect's calls: confounded with answer_base",
        )
    )
    if (told & (log.disposition == CONNECTED) & log.can_decide).any():
        params.append(Param("conversation_bonus", "conversation_bonus", lower=-5, upper=10))
    else:
        kept.append(("conversation_bonus", "no connected call that could decide an outcome"))


def _content(log: FitLog, params: list[Param], kept: list[Kept]) -> None:
    """The bases of each channel the log used, the value of each message kind it sent."""
    used = np.unique(log.channel)
    msgs = np.unique(log.message)
    for c, name in enumerate(CHANNELS):
        if c in used:
            params.append(Param(f"response_base.{name}", "response_base", c, lower=-12, upper=4))
            params.append(Param(f"optout_base.{name}", "optout_base", c, lower=-12, upper=4))
        else:
            kept.append((f"response_base.{name}", f"the log has no {name} touches"))
    for m, name in enumerate(MESSAGES):
        if m == log.reference_message:
            kept.append(
                (f"message_value.{name}", "the reference message kind: the bases absorb it")
            )
        elif m in msgs:
            params.append(Param(f"message_value.{name}", "message_value", m, lower=-8, upper=8))


def _repeats(log: FitLog, params: list[Param], kept: list[Kept]) -> None:
    """Wear-out, habituation and annoyance: identified when some prospect got several touches."""
    habit = "habituation_varied" if log.vary_messages else "habituation_identical"
    other = "habituation_identical" if log.vary_messages else "habituation_varied"
    kept.append(
        (
            other,
            "the log's prospects "
            + ("get varied" if log.vary_messages else "get one")
            + " kind of message"
            + ("s" if log.vary_messages else ""),
        )
    )
    several = np.bincount(log.prospect, minlength=log.n) > 1
    if several.any():
        params += [
            Param("wearout", "wearout", lower=0.0, upper=3.0),
            Param(habit, "habituation", lower=-5, upper=5),
            Param("response_annoyance", "response_annoyance", lower=-10, upper=10),
            Param("optout_annoyance", "optout_annoyance", lower=-10, upper=10),
            Param(
                "annoyance_half_life_days",
                "annoyance_half_life",
                scale="log",
                lower=math.log(0.25),
                upper=math.log(120.0),
            ),
        ]
    else:
        for name in ("wearout", habit, "annoyance_half_life_days"):
            kept.append((name, "every prospect got one touch"))


def start_value(par: Param, cfg: ModelConfig, vary: bool) -> float:
    """The default's value on the parameter's fitting scale, inside its bounds."""
    value = default_value(par, cfg, vary)
    u = to_scale(par, value)
    return float(np.clip(u, par.lower + 1e-6, par.upper - 1e-6))


def default_value(par: Param, cfg: ModelConfig, vary: bool) -> float:
    """The model config's value of ``par``."""
    if par.kind in ("response_base", "optout_base", "message_value"):
        group: PerChannel | PerMessage = getattr(cfg, par.kind)
        return float(group.array()[par.index])
    if par.kind == "habituation":
        return cfg.habituation_varied if vary else cfg.habituation_identical
    if par.kind == "reachable":
        return float(cfg.reachable.array().mean())
    if par.kind == "annoyance_half_life":
        return cfg.annoyance_half_life_days
    return float(getattr(cfg, par.kind))
