"""The model's per-channel and per-message parameters as arrays, indexed by channel or message."""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.model.arrays import F64
from sim.model.config import ModelConfig


@dataclass
class ModelArrays:
    """Per-channel and per-message parameters as arrays, made once per run from the config."""

    cfg: ModelConfig
    load: F64 = field(init=False)
    half_load: F64 = field(init=False)
    salience: F64 = field(init=False)
    response_base: F64 = field(init=False)
    message_value: F64 = field(init=False)
    negative_message: F64 = field(init=False)
    optout_base: F64 = field(init=False)
    warmth_deposit: F64 = field(init=False)
    familiarity_gain: F64 = field(init=False)
    annoyance_increment: F64 = field(init=False)
    annoyance_message: F64 = field(init=False)
    reply_delay: F64 = field(init=False)

    def __post_init__(self) -> None:
        for name in (
            "load",
            "half_load",
            "salience",
            "response_base",
            "message_value",
            "negative_message",
            "optout_base",
            "warmth_deposit",
            "familiarity_gain",
            "annoyance_increment",
            "annoyance_message",
        ):
            setattr(self, name, getattr(self.cfg, name).array())
        self.reply_delay = self.cfg.reply_delay_days.array()
