"""The two SimPy processes of an arm: the reps' working days and the end-of-day inbox.

Plain generator functions, as SimPy's own examples write processes: each takes the environment
and what it acts on, and yields timeouts. No prospect has a process of its own; each event acts
on a batch of prospects.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from typing import Any

import simpy

from sim.model.arrays import F64, I64
from sim.model.schedule import WORK_START, Schedule


def rep_days(
    env: simpy.Environment,
    schedule: Schedule,
    touch: Callable[[I64, F64], None],
    horizon: float,
    work_weekends: bool,
    batch: int,
) -> Generator[simpy.Event, Any, None]:
    """Each working day from 09:00, work the due touches within the reps' capacity.

    ``touch(idx, t)`` makes the touches, handed over in pieces of at most ``batch``.
    """
    for day in range(math.ceil(horizon)):
        yield env.timeout(day + WORK_START - env.now)
        if work_weekends or day % 7 < 5:
            schedule.work_day(day, touch, batch)


def inbox(
    env: simpy.Environment,
    deliver: Callable[[float], None],
    record_day: Callable[[float], None],
    horizon: float,
) -> Generator[simpy.Event, Any, None]:
    """At the end of each day (or at the horizon), deliver the replies that arrived; record it."""
    for day in range(math.ceil(horizon)):
        yield env.timeout(min(day + 1.0, horizon) - env.now)
        deliver(env.now)
        record_day(env.now)
