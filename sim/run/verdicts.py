"""Verdicts: an arm's difference from the baseline judged as better, worse, depends or unclear.

The rules are written out in docs/uncertainty.md ("Answers over plausible worlds"); the numbers
they read (intervals, shares of worlds, whether the worlds disagree) come from
:mod:`sim.run.stats` (one world, over replicates) and :mod:`sim.run.world_stats` (over worlds).

Only the metrics of :data:`DIRECTION` have a verdict: for them "better" has a meaning (more
replies, meetings, relationships built; fewer opt-outs, negative replies, relationships burned).
Every other metric (touches, rep hours, warmth, days to a response, the limits' counts) is
described, not judged: its verdict is empty.
"""

from __future__ import annotations

import math

#: Which way is better: +1 when more is better, -1 when less is. Metrics not listed have no
#: verdict (a cost or a description: more rep hours is neither better nor worse by itself).
DIRECTION: dict[str, int] = {
    "response_rate": 1,
    "meeting_rate": 1,
    "responses": 1,
    "meetings": 1,
    "responses_per_rep_hour": 1,
    "meetings_per_rep_hour": 1,
    "responses_per_touch": 1,
    "relationships_built": 1,
    "opt_out_rate": -1,
    "opt_outs": -1,
    "negative_replies": -1,
    "negative_rate": -1,
    "relationships_burned": -1,
}

#: The count of ``metrics.csv`` behind each share of prospects (at most one each): an interval
#: on one of these stays in [0, 1] (:func:`sim.run.stats.share_interval`).
SHARE_COUNTS: dict[str, str] = {
    "response_rate": "responses",
    "opt_out_rate": "opt_outs",
    "meeting_rate": "meetings",
}

BETTER = "better"
WORSE = "worse"
DEPENDS = "depends"
UNCLEAR = "no clear difference"
#: Every verdict ``summary.csv`` can hold, beside the empty one (no direction, no interval).
VERDICTS: tuple[str, ...] = (BETTER, WORSE, DEPENDS, UNCLEAR)

#: What the intervals of a ``summary.csv`` row cover (its ``interval`` column).
REPLICATES = "replicates"
WORLDS = "worlds"


def _oriented(metric: str, low: float, high: float) -> tuple[float, float] | None:
    """The interval turned so that positive is better, or None (no direction, or no interval)."""
    sign = DIRECTION.get(metric)
    if sign is None or math.isnan(low) or math.isnan(high):
        return None
    a, b = sign * low, sign * high
    return min(a, b), max(a, b)


def replicate_verdict(metric: str, low: float, high: float) -> str:
    """The verdict of one world's paired replicate interval ``(low, high)`` of the difference.

    ``better`` (``worse``) when the interval lies wholly on the better (worse) side of zero,
    ``no clear difference`` when it holds zero; empty for a metric without a direction or
    without an interval (one replicate). It covers the simulation's noise only.
    """
    side = _oriented(metric, low, high)
    if side is None:
        return ""
    if side[0] > 0:
        return BETTER
    if side[1] < 0:
        return WORSE
    return UNCLEAR


def worlds_verdict(
    metric: str, low: float, high: float, better: float, worse: float, disagree: bool
) -> str:
    """The verdict across worlds.

    Args:
        metric: The metric (its direction decides what better means).
        low: Low end of the across-worlds interval of the difference.
        high: Its high end.
        better: Share of worlds whose mean difference is on the better side of zero.
        worse: Share of worlds whose mean difference is on the worse side.
        disagree: Whether the worlds' differences differ by more than replicate noise
            (:func:`sim.run.world_stats.worlds_disagree`).

    Returns:
        ``better`` when the interval lies on the better side of zero and the arm is better in
        every world; ``worse`` alike; otherwise ``depends`` when the worlds disagree, and
        ``no clear difference`` when they do not. Empty without a direction or an interval.
    """
    side = _oriented(metric, low, high)
    if side is None:
        return ""
    if side[0] > 0 and better >= 1.0:
        return BETTER
    if side[1] < 0 and worse >= 1.0:
        return WORSE
    return DEPENDS if disagree else UNCLEAR
