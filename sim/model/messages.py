"""Message content: the kinds of message a touch can carry, in array order."""

from __future__ import annotations

from typing import Final

#: Order of the message axis in exposure counts and per-message parameters.
MESSAGES: Final[tuple[str, ...]] = (
    "self_focused",
    "benefit_led",
    "resource",
    "deadline",
    "lazy_question",
    "check_in",
    "breakup",
)
MESSAGE_INDEX: Final[dict[str, int]] = {name: i for i, name in enumerate(MESSAGES)}
N_MESSAGES: Final[int] = len(MESSAGES)


def message_index(name: str) -> int:
    """Return the array index of a message kind.

    Raises:
        ValueError: the name is not a message kind; the message lists the allowed names.
    """
    try:
        return MESSAGE_INDEX[name]
    except KeyError:
        raise ValueError(f"unknown message {name!r}; allowed: {', '.join(MESSAGES)}") from None
