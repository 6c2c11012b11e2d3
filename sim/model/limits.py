"""What the limits did by the horizon: touches planned, made late, never made, and why.

Read from a :class:`~sim.model.schedule.Schedule` once its arm has run to the horizon.
"""

from __future__ import annotations

import numpy as np

from sim.model.arrays import I64
from sim.model.schedule import Schedule


def remaining_touches(schedule: Schedule, who: I64) -> tuple[int, int]:
    """Touches the cadence still plans for ``who``: in all, and for the overdue among them.

    Each prospect of ``who`` has a touch due; an overdue one (due before the horizon) was held
    back by capacity, not by the horizon.

    What remains depends only on a prospect's place in the cadence (step, cycle, touches in
    cycle), so it is worked out once per place, not once per prospect.
    """
    plan = schedule.plan
    place = (
        schedule.step[who].astype(np.int64) * (plan.cooldown_cycles + 1) + schedule.cycle[who]
    ) * (plan.max_touches + 1) + schedule.in_cycle[who]
    overdue = schedule.next_due[who] < schedule.horizon
    places, inverse = np.unique(place, return_inverse=True)
    first = np.zeros(places.size, np.intp)
    first[inverse] = np.arange(who.size)  # any prospect at each place
    step, cycle, in_cycle = (
        schedule.step[who][first],
        schedule.cycle[who][first],
        schedule.in_cycle[who][first],
    )
    left = np.ones(places.size, np.int64)
    alive = np.arange(places.size)
    for _ in range(plan.max_touches):
        step, cycle, in_cycle, due = plan.advance(step, cycle, in_cycle, np.zeros(alive.size))
        more = np.isfinite(due)
        alive, step, cycle, in_cycle = alive[more], step[more], cycle[more], in_cycle[more]
        if alive.size == 0:
            break
        left[alive] += 1
    per_place = np.bincount(inverse, minlength=places.size)
    per_place_overdue = np.bincount(inverse[overdue], minlength=places.size)
    return int(left @ per_place), int(left @ per_place_overdue)


def limits(schedule: Schedule, made: int) -> dict[str, float]:
    """Whether rep capacity or the horizon bound: touches planned, late, never made.

    A touch is late when it is made on a later working day than the one it was due on. At the
    horizon, a prospect still in the cadence whose touch was due before the horizon lost that
    touch and every later one to capacity; a prospect whose next touch falls after the
    horizon lost the rest of its cadence to the horizon.
    """
    active = np.flatnonzero(np.isfinite(schedule.next_due) & (schedule.next_due < schedule.stop_at))
    remaining, overdue = remaining_touches(schedule, active) if active.size else (0, 0)
    cut = remaining - overdue
    available = schedule.work_days * schedule.capacity
    return {
        "touches_planned": made + overdue + cut,
        "touches_on_time": made - schedule.touches_late,
        "touches_late": schedule.touches_late,
        "touches_never_made_capacity": overdue,
        "touches_never_made_horizon": cut,
        "working_days": schedule.work_days,
        "capacity_bound_days": schedule.bound_days,
        "rep_utilisation": schedule.minutes_used / available if available > 0 else 0.0,
    }
