"""Outreach channels: the one table of them, their order in every per-channel array, their values.

A channel is a row of :data:`CHANNEL_TABLE`. Everything else reads the table: the channel axis
of the population and parameter arrays (:data:`CHANNELS`), the config schema's per-channel
values (:class:`PerChannel`, one field per row), the population's default channel preferences
and attention, how a journey draws and words a touch, and the names a touch log may use. A new
channel is a row here plus its values in ``sim/conf/model/default.yaml`` (the nine per-channel
rows) and ``sim/conf/reps/default.yaml`` (``touch_minutes``); ``tests/test_new_channel.py``
keeps that true.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sim.model.per_name import NumberPerName, one_number_each


@dataclass(frozen=True)
class Channel:
    """One channel: its name in configs and tables, how people say it, how a journey draws it.

    ``preference`` and ``affinity`` are the defaults of ``population.channel_preference`` (the
    weight of prospects who prefer the channel) and ``population.affinity`` (attention to a touch
    on it from a prospect who prefers another channel, 0-1, +-50 % per prospect); a population
    file may set its own.
    """

    name: str
    one: str  # one touch, as a room says it: "a call"
    several: str  # several touches: "calls"
    colour: str  # journey figures: one colour and one marker, so a touch reads without colour
    marker: str
    preference: float
    affinity: float


#: Every channel, in the order of the channel axis of every per-channel array.
CHANNEL_TABLE: Final[tuple[Channel, ...]] = (
    # name, one touch, several, colour, marker, preference, affinity
    Channel("phone", "a call", "calls", "#1f77b4", "o", 0.2, 0.5),
    Channel("email", "an email", "emails", "#ff7f0e", "s", 0.4, 0.7),
    Channel("sms", "a text", "texts", "#2ca02c", "^", 0.1, 0.4),
    Channel("social", "a social message", "social messages", "#9467bd", "D", 0.2, 0.5),
    Channel("postal", "a letter", "letters", "#8c564b", "P", 0.05, 0.5),
    Channel("drop_in", "a visit", "visits", "#e377c2", "*", 0.05, 0.7),
    Channel("referral", "an introduction", "introductions", "#17becf", "X", 0.0, 1.0),
)

#: Order of the channel axis in every per-channel array (affinity, load, parameters).
CHANNELS: Final[tuple[str, ...]] = tuple(c.name for c in CHANNEL_TABLE)
CHANNEL_INDEX: Final[dict[str, int]] = {name: i for i, name in enumerate(CHANNELS)}
N_CHANNELS: Final[int] = len(CHANNELS)

# Channels the model treats in a way of their own (a dial is answered or not, an introduction
# needs a connector, a prospect who prefers a referral is emailed).
PHONE: Final[int] = CHANNEL_INDEX["phone"]
EMAIL: Final[int] = CHANNEL_INDEX["email"]
REFERRAL: Final[int] = CHANNEL_INDEX["referral"]


@one_number_each(CHANNELS)
class PerChannel(NumberPerName):
    """One number per channel, a field per row of :data:`CHANNEL_TABLE`, in its order."""


def preference_weights() -> PerChannel:
    """The table's ``preference`` column: the default ``population.channel_preference``."""
    return PerChannel(*(c.preference for c in CHANNEL_TABLE))


def affinities() -> PerChannel:
    """The table's ``affinity`` column: the default ``population.affinity``."""
    return PerChannel(*(c.affinity for c in CHANNEL_TABLE))
