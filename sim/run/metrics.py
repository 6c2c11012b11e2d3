"""Metrics: the tidy output tables (metrics, by_touch, timeseries), built once per run."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.model.channels import CHANNELS
from sim.model.engine import BY_TOUCH_COUNTS, TIMESERIES_COLUMNS, ArmResult

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
    "touches_planned",
    "touches_on_time",
    "touches_late",
    "touches_never_made_capacity",
    "touches_never_made_horizon",
    "working_days",
    "capacity_bound_days",
    "rep_utilisation",
    # What the list has left and the second wave (sim.model.market), accounts (sim.model.accounts).
    "prospects_reachable",
    "prospects_burned",
    "expected_future_meetings",
    "second_wave_prospects",
    "second_wave_responses",
    "second_wave_meetings",
    "accounts",
    "accounts_engaged",
    "meetings_per_account",
    # Deliverability (docs/model.md 2.17): emails sent, in the inbox, bounced; the share in the
    # inbox; spam complaints and their rate per email in the inbox; the mailboxes' mean
    # reputation at the horizon; days the mailboxes' caps held emails back.
    "emails",
    "emails_in_inbox",
    "emails_bounced",
    "inbox_placement_rate",
    "spam_complaints",
    "complaint_rate",
    "final_reputation",
    "mailbox_capped_days",
)
#: Counts of ``by_touch.csv``, then the rates per touch made from the step.
BY_TOUCH_RATES = {
    "reply_rate": "replies",
    "response_rate": "responses",
    "negative_rate": "negative_replies",
    "opt_out_rate": "opt_outs",
    "meeting_rate": "meetings",
}
BY_TOUCH_COLUMNS = (
    "arm",
    "replicate",
    "touch_number",
    "step",
    "planned_day",
    "channel",
    "message",
    "variant",
    "touches",
    "replies",
    *BY_TOUCH_COUNTS[1:],
    *BY_TOUCH_RATES,
    # Rep time the step's touches took (touches x the minutes of one on that channel, with its
    # personalization and voicemail): what a step costs, beside what it got.
    "rep_minutes",
)


def metrics_table(results: Sequence[ArmResult]) -> pd.DataFrame:
    """One row per (arm, replicate)."""
    rows = [{"arm": r.arm, "replicate": r.replicate, "seed": r.seed, **r.metrics} for r in results]
    # Counts come from the engine as Python ints, so pandas gives those columns int64 itself.
    return pd.DataFrame(rows, columns=["arm", "replicate", "seed", *METRIC_COLUMNS])


def by_touch_table(results: Sequence[ArmResult]) -> pd.DataFrame:
    """Step analytics: one row per (arm, replicate, touch_number, step, channel, variant).

    Each row says which step of the cadence made the touches (its number, planned day, message
    and A/B variant, ``-`` without one), how many were made, and the outcomes credited to them:
    by default to the touch whose response decided the outcome (``credit=last_touch``: to the last
    touch before the reply arrived). ``replies`` counts replies of any kind (positive or
    negative); rates are per touch made.
    """
    frames = []
    for r in results:
        number, column = np.nonzero(r.by_touch.sum(axis=2))
        counts = r.by_touch[number, column]
        slot, channel = np.divmod(column, len(CHANNELS))
        frame = pd.DataFrame(counts, columns=list(BY_TOUCH_COUNTS))
        frame["rep_minutes"] = counts[:, 0] * r.column_minutes[column]
        step, day, message, variant = (np.asarray(v)[slot] for v in zip(*r.slots, strict=True))
        frame.insert(0, "variant", variant)
        frame.insert(0, "message", message)
        frame.insert(0, "channel", np.asarray(CHANNELS)[channel])
        frame.insert(0, "planned_day", day.astype(np.float64))
        frame.insert(0, "step", step.astype(np.int64) + 1)
        frame.insert(0, "touch_number", number.astype(np.int64))
        frame.insert(0, "replicate", r.replicate)
        frame.insert(0, "arm", r.arm)
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=list(BY_TOUCH_COLUMNS))
    table = pd.concat(frames, ignore_index=True)
    table["replies"] = table["responses"] + table["negative_replies"]
    # A rate per touch made; a row with outcomes but no touch (cannot happen) would read NaN.
    for rate, count in BY_TOUCH_RATES.items():
        table[rate] = table[count] / table["touches"].where(table["touches"] > 0)
    return table[list(BY_TOUCH_COLUMNS)]


#: Columns of the ``warnings`` table (:func:`limits_table`).
WARNING_COLUMNS = ("arm", "limit", "share", "days", "working_days", "warning")
#: A limit counts as binding when it made at least this share of an arm's planned touches late
#: or never made (a few late touches on busy days are normal).
BINDING_SHARE = 0.05


def limits_table(metrics: pd.DataFrame) -> pd.DataFrame:
    """A row per arm and limit that shaped its results: the ``warnings`` table.

    ``limit`` is ``capacity`` (rep time), ``mailbox`` (the mailboxes' daily caps, docs/model.md
    2.17) or ``horizon`` (touches planned after the horizon ended); ``share`` the share of the
    arm's planned touches late or never made (capacity, mailbox) or never made because the
    horizon ended; ``days`` the working days the limit bound (empty for the horizon);
    ``warning`` the line a run prints. Averages over replicates; only limits that bind
    (:data:`BINDING_SHARE`) have a row, so an empty table means none did.
    """
    rows: list[dict[str, object]] = []
    for arm, group in metrics.groupby("arm", sort=False):
        planned = float(group["touches_planned"].sum())
        if planned <= 0:
            continue
        late = group["touches_late"].sum() / planned
        lost = group["touches_never_made_capacity"].sum() / planned
        cut = group["touches_never_made_horizon"].sum() / planned
        days = float(group["working_days"].mean())
        if late + lost >= BINDING_SHARE:
            bound = float(group["capacity_bound_days"].mean())
            # The mailboxes' daily caps hold emails back too (docs/model.md 2.17).
            capped = (
                float(group["mailbox_capped_days"].mean()) if "mailbox_capped_days" in group else 0
            )
            if bound > 0 or capped == 0:
                said = (
                    f"warning: {arm}: rep capacity bound on {bound:.0f} of {days:.0f} working "
                    f"days: {late:.0%} of due touches late, {lost:.0%} never made (more reps, a "
                    "smaller list or fewer touches)"
                )
                rows.append(_limit(arm, "capacity", late + lost, bound, days, said))
            if capped > 0:  # the shares once, on the first line that names a limit
                shares = (
                    "" if bound > 0 else f": {late:.0%} of due touches late, {lost:.0%} never made"
                )
                said = (
                    f"warning: {arm}: mailbox caps held emails back on {capped:.0f} of "
                    f"{days:.0f} working days{shares} (more mailboxes, a higher "
                    "reps.mailbox_daily_cap or fewer emails)"
                )
                rows.append(_limit(arm, "mailbox", late + lost, capped, days, said))
        if cut >= BINDING_SHARE:
            said = (
                f"warning: {arm}: the horizon ended the cadence early: {cut:.0%} of planned "
                "touches fall after it (a longer horizon_days shows the whole cadence)"
            )
            rows.append(_limit(arm, "horizon", cut, float("nan"), days, said))
    return pd.DataFrame(rows, columns=list(WARNING_COLUMNS))


def _limit(
    arm: object, limit: str, share: float, days: float, working: float, said: str
) -> dict[str, object]:
    return {
        "arm": arm,
        "limit": limit,
        "share": float(share),
        "days": days,
        "working_days": working,
        "warning": said,
    }


def limits_warnings(metrics: pd.DataFrame) -> list[str]:
    """One line per arm and limit that shaped its results (:func:`limits_table`'s ``warning``)."""
    return [str(w) for w in limits_table(metrics)["warning"]]


def timeseries_table(results: Sequence[ArmResult]) -> pd.DataFrame:
    """One row per (arm, replicate, day): cumulative counts and mean state at the day's end."""
    frames = []
    for r in results:
        frame = pd.DataFrame(r.timeseries, columns=list(TIMESERIES_COLUMNS))
        for col in (*TIMESERIES_COLUMNS[:5], "spam_complaints"):
            frame[col] = frame[col].astype(np.int64)
        frame.insert(0, "day", np.arange(1, len(frame) + 1, dtype=np.int64))
        frame.insert(0, "replicate", r.replicate)
        frame.insert(0, "arm", r.arm)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)
