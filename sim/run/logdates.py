"""The timestamps of a touch log: ISO 8601, or the export's own format named in the mapping.

Platforms export dates as their users see them: Outreach in the US writes ``07/23/2026 09:48
AM``, a European account ``23/07/2026 09:48``. Which number is the month cannot be told from
``03/04/2026`` itself, so a date that is not ISO 8601 is never guessed: it is read only with the
mapping's ``date_format`` (``"%m/%d/%Y %I:%M %p"``, Python's ``strptime`` codes), and refused
without it in one line that says what to add (docs/fitting.md, 1).
"""

from __future__ import annotations

import re
from typing import Final

import pandas as pd

#: The codes a date format may use (``strptime``): the date's, the time's and a zone's.
FORMAT_CODES: Final[frozenset[str]] = frozenset("YymdbBHIMSpfzZjaA%")
#: Example formats, as the refusal and the docs name them.
US_FORMAT: Final[str] = "%m/%d/%Y %I:%M %p"
EU_FORMAT: Final[str] = "%d/%m/%Y %H:%M"
_SLASHED = re.compile(r"^\s*\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b")


def parse_times(values: pd.Series, date_format: str = "") -> pd.Series:
    """Timestamps (UTC; none given means UTC) in ``date_format``, or ISO 8601; NaT if not one."""
    fmt = date_format or "ISO8601"
    return pd.to_datetime(values, format=fmt, utc=True, errors="coerce")


def date_format_problem(date_format: str) -> str | None:
    """Why ``date_format`` cannot read dates unambiguously, or None.

    It must use only ``strptime`` codes, and name a year, a month and a day, so that every date
    it reads is one date.
    """
    codes = re.findall(r"%(.)", date_format)
    unknown = sorted({c for c in codes if c not in FORMAT_CODES})
    if unknown:
        return f"unknown codes {', '.join('%' + c for c in unknown)}"
    if not {"Y", "y"} & set(codes) or not {"m", "b", "B"} & set(codes) or "d" not in codes:
        return "a year (%Y), a month (%m) and a day (%d) are needed"
    if "I" in codes and "p" not in codes:
        return "%I (a 12-hour clock) needs %p (AM or PM)"
    return None


def not_a_time(value: str, date_format: str) -> str:
    """What a refused timestamp cell says: the format expected, and what to add if none is set."""
    if date_format:
        return f"{value!r} does not match date_format {date_format!r}"
    if _SLASHED.match(value):
        return (
            f"{value!r} is not ISO 8601 and which number is the month is not guessed: add "
            f'date_format to the mapping or --date-format (US: "{US_FORMAT}", EU: "{EU_FORMAT}"; '
            "outreach-sim-fit --inspect LOG finds it)"
        )
    return f"{value!r} is not a timestamp: ISO 8601, e.g. 2026-03-02T09:30:00Z"
