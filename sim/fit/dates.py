"""Which date format an export's timestamps are in, as far as its values tell.

``--inspect`` reads the touch and outcome times and names the ``date_format`` for the mapping
(:mod:`sim.run.logdates`). A slashed date says which number is the month only when one of them
is above 12 (``07/23/2026``: the 23 is a day); when every date has both numbers at 12 or below,
the export does not say, and neither does the inspection: it names both formats and leaves the
choice to whoever knows the account's settings (docs/fitting.md, 1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from sim.run.logdates import parse_times

_SLASHED = re.compile(
    r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{2}|\d{4})"
    r"(?:[ T](\d{1,2}):(\d{2})(:\d{2})?\s*([AaPp][Mm])?)?$"
)


@dataclass(frozen=True)
class DateFormat:
    """What the values say: the format to use (empty: ISO 8601 or undecided) and why."""

    fmt: str
    note: str
    example: str
    candidates: tuple[str, ...] = ()


def detect(values: pd.Series) -> DateFormat:
    """The date format of ``values`` (text cells; blanks ignored)."""
    text = values.fillna("").astype(str).str.strip()
    text = text[text != ""]
    if text.empty:
        return DateFormat("", "no dates", "")
    example = str(text.iloc[0])
    if parse_times(text).notna().all():
        return DateFormat("", "ISO 8601: no date_format needed", example)
    parts = text.str.extract(_SLASHED)
    if parts[0].isna().any():
        bad = str(text[parts[0].isna()].iloc[0])
        return DateFormat("", f"not ISO 8601 and not a slashed date, e.g. {bad!r}", example)
    first, second = parts[0].astype(int), parts[2].astype(int)
    sep = str(parts[1].iloc[0])
    year = "%Y" if len(str(parts[3].iloc[0])) == 4 else "%y"
    seconds = ":%S" if parts[6].notna().any() else ""
    clock = ""
    if parts[4].notna().any():
        clock = f" %I:%M{seconds} %p" if parts[7].notna().any() else f" %H:%M{seconds}"
    us = f"%m{sep}%d{sep}{year}{clock}"
    eu = f"%d{sep}%m{sep}{year}{clock}"
    day_second = (second > 12).any()
    day_first = (first > 12).any()
    if day_second and day_first:
        return DateFormat("", "both orders occur: the column mixes formats", example, (us, eu))
    for fits, fmt, why in (
        (day_second, us, "month first (a day above 12 in the second place)"),
        (day_first, eu, "day first (a day above 12 in the first place)"),
    ):
        if fits and parse_times(text, fmt).notna().all():
            return DateFormat(fmt, why, example)
    return DateFormat(
        "",
        "ambiguous: every date has month and day at 12 or below; set the order your export uses",
        example,
        (us, eu),
    )
