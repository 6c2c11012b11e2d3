"""The inbox step of a touch: an email reaches the inbox, or nobody sees it (docs/model.md 2.17).

:func:`place` runs after ``notice`` in :data:`sim.model.touch.PIPELINE`: each email goes out
from one of the team's mailboxes (:class:`sim.model.deliverability.Mailboxes`) and lands in the
inbox with that mailbox's placement chance, unless the address bounces. An email that did not
arrive (spam folder, lost, bounced) is not noticed, so it decides nothing, builds nothing and
adds no annoyance; it still counts as a touch made and costs the rep's minutes.
"""

from __future__ import annotations

import numpy as np

from sim.model.batch import Touch, World
from sim.model.channels import EMAIL


def place(world: World, b: Touch) -> None:
    """Each email reaches the inbox or not; those that do not are not noticed (2.17)."""
    mail = world.mail
    if mail is None:
        return
    if world.channel >= 0:  # an arm of one channel: every touch, or none, is an email
        if world.channel != EMAIL:
            return
        placed, b.sender = mail.send(b.counter, b.idx, b.slot)
        b.undelivered = ~placed
        b.noticed &= placed
        return
    pos = np.flatnonzero(b.ch == EMAIL)
    if pos.size == 0:
        return
    placed, sender = mail.send(b.counter[pos], b.idx[pos], b.slot[pos])
    b.sender = np.full(b.idx.size, -1, np.int64)
    b.sender[pos] = sender
    b.undelivered = np.zeros(b.idx.size, np.bool_)
    b.undelivered[pos] = ~placed
    b.noticed[pos] &= placed
