"""Outreach channels: their names, their order in the population arrays, and their costs."""

from __future__ import annotations

from typing import Final

#: Order of the channel axis in every per-channel array (affinity, load, parameters).
CHANNELS: Final[tuple[str, ...]] = (
    "phone",
    "email",
    "sms",
    "social",
    "postal",
    "drop_in",
    "referral",
)
CHANNEL_INDEX: Final[dict[str, int]] = {name: i for i, name in enumerate(CHANNELS)}
N_CHANNELS: Final[int] = len(CHANNELS)

PHONE: Final[int] = CHANNEL_INDEX["phone"]
EMAIL: Final[int] = CHANNEL_INDEX["email"]
SMS: Final[int] = CHANNEL_INDEX["sms"]
SOCIAL: Final[int] = CHANNEL_INDEX["social"]
POSTAL: Final[int] = CHANNEL_INDEX["postal"]
DROP_IN: Final[int] = CHANNEL_INDEX["drop_in"]
REFERRAL: Final[int] = CHANNEL_INDEX["referral"]

#: Channels whose touch leaves the rep's name behind when it is noticed. A phone call that is
#: neither answered nor followed by a voicemail leaves nothing (seed 002: "hanging up is like
#: knocking on someone's door and running"), so phone is handled by the engine, not by this set.
NAME_BEARING: Final[frozenset[int]] = frozenset({EMAIL, SMS, SOCIAL, POSTAL, DROP_IN, REFERRAL})


def channel_index(name: str) -> int:
    """Return the array index of a channel name.

    Raises:
        ValueError: the name is not a channel; the message lists the allowed names.
    """
    try:
        return CHANNEL_INDEX[name]
    except KeyError:
        raise ValueError(f"unknown channel {name!r}; allowed: {', '.join(CHANNELS)}") from None
