"""Metrics: the tidy output tables (metrics, by_touch, timeseries), built once per run."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.channels import CHANNELS
from sim.engine import TIMESERIES_COLUMNS, ArmResult

#: Columns of ``metrics.csv`` in order (design section 5 lists the first sixteen).
METRIC_COLUMNS: tuple[str, ...] = (
    "prospects",
    "touches",
    "responses",
    "meetings",
    "negative_replies",
    "opt_outs",
    "response_rate",
    "meeting_rate",
    "opt_out_rate",
    "rep_hours",
    "responses_per_rep_hour",
    "meetings_per_rep_hour",
    "median_days_to_response",
    "negative_rate",
    "touches_per_rep_hour",
    "responses_per_touch",
    "prospects_touched",
    "mean_warmth_change",
    "relationships_built",
    "relationships_burned",
    "mean_familiarity",
    "mean_annoyance",
    "dials",
    "live_answers",
    "voicemails_left",
    "voicemail_replies",
    "voicemail_callbacks",
)
BY_TOUCH_OUTCOMES = ("touches", "responses", "negative_replies", "opt_outs")


def metrics_table(results: Sequence[ArmResult]) -> pd.DataFrame:
    """One row per (arm, replicate)."""
    rows = [{"arm": r.arm, "replicate": r.replicate, "seed": r.seed, **r.metrics} for r in results]
    # Counts come from the engine as Python ints, so pandas gives those columns int64 itself.
    return pd.DataFrame(rows, columns=["arm", "replicate", "seed", *METRIC_COLUMNS])


def by_touch_table(results: Sequence[ArmResult]) -> pd.DataFrame:
    """One row per (arm, replicate, touch_number, channel, variant) with a touch or an outcome.

    ``variant`` names the A/B variant of the step that made the touch (``-``: no variants).
    """
    frames = []
    for r in results:
        number, column = np.nonzero(r.by_touch.sum(axis=2))
        counts = r.by_touch[number, column]
        variant, channel = np.divmod(column, len(CHANNELS))
        frame = pd.DataFrame(counts, columns=list(BY_TOUCH_OUTCOMES))
        frame.insert(0, "variant", np.asarray(r.variants)[variant])
        frame.insert(0, "channel", np.asarray(CHANNELS)[channel])
        frame.insert(0, "touch_number", number.astype(np.int64))
        frame.insert(0, "replicate", r.replicate)
        frame.insert(0, "arm", r.arm)
        frames.append(frame)
    columns = ["arm", "replicate", "touch_number", "channel", "variant", *BY_TOUCH_OUTCOMES]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


def timeseries_table(results: Sequence[ArmResult]) -> pd.DataFrame:
    """One row per (arm, replicate, day): cumulative counts and mean state at the day's end."""
    frames = []
    for r in results:
        frame = pd.DataFrame(r.timeseries, columns=list(TIMESERIES_COLUMNS))
        for col in TIMESERIES_COLUMNS[:5]:
            frame[col] = frame[col].astype(np.int64)
        frame.insert(0, "day", np.arange(1, len(frame) + 1, dtype=np.int64))
        frame.insert(0, "replicate", r.replicate)
        frame.insert(0, "arm", r.arm)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)
