"""Message content: the one table of the kinds of message a touch can carry, in array order.

A message kind is a row of :data:`MESSAGE_TABLE`; the message axis of exposure counts and
parameters (:data:`MESSAGES`), the config schema's per-message values (:class:`PerMessage`) and
how a journey words a touch read it. A new kind is a row here plus its values in the four
per-message rows of ``sim/conf/model/default.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sim.model.per_name import NumberPerName, one_number_each


@dataclass(frozen=True)
class Message:
    """One message kind: its name in configs and tables, and how a room says it."""

    name: str
    words: str


#: Every message kind, in the order of the message axis.
MESSAGE_TABLE: Final[tuple[Message, ...]] = (
    Message("self_focused", "all about the seller"),
    Message("benefit_led", "about what they would gain"),
    Message("resource", "sharing something useful"),
    Message("deadline", "with a deadline"),
    Message("lazy_question", "a lazy question"),
    Message("check_in", "just checking in"),
    Message("breakup", "saying goodbye"),
)

#: Order of the message axis in exposure counts and per-message parameters.
MESSAGES: Final[tuple[str, ...]] = tuple(m.name for m in MESSAGE_TABLE)
MESSAGE_INDEX: Final[dict[str, int]] = {name: i for i, name in enumerate(MESSAGES)}
N_MESSAGES: Final[int] = len(MESSAGES)


@one_number_each(MESSAGES)
class PerMessage(NumberPerName):
    """One number per message kind, a field per row of :data:`MESSAGE_TABLE`, in its order."""
