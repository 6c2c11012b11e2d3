"""A team's touch log: one row per touch made, read from CSV and checked like any other input.

The log is what a sales-engagement platform exports: who was touched, when, on which channel,
with what kind of message when known, and the outcome with its time when there was one. A mapping
(:class:`LogMapping`) renames a platform's columns and values to the canonical ones below. Every
problem found is reported as one line naming the row and the column (:class:`LogError`), so a bad
log is refused as a whole before anything is fitted or written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from sim.model.channels import CHANNELS
from sim.model.messages import MESSAGES

#: Outcomes a log may record; ``bounce`` means the address or number did not reach anyone.
OUTCOMES: Final[tuple[str, ...]] = ("positive", "negative", "opt_out", "meeting", "bounce")
#: What came of a call, where the export says (docs/fitting.md, 1): nobody picked up, the line
#: was busy, a voicemail was left, a live conversation (whatever came of it), or the number
#: reached someone else or no one (left out, like a bounce).
DISPOSITIONS: Final[tuple[str, ...]] = (
    "no_answer",
    "busy",
    "voicemail",
    "connected",
    "wrong_number",
)
#: Canonical columns: the required ones first.
REQUIRED: Final[tuple[str, ...]] = ("prospect_id", "touched_at", "channel")
OPTIONAL: Final[tuple[str, ...]] = ("message", "outcome", "outcome_at", "step", "disposition")
#: At most this many problem lines are listed; the rest are counted.
MAX_PROBLEMS: Final[int] = 20


class LogError(ValueError):
    """A touch log that cannot be used: one line per problem, each naming row and column."""

    def __init__(self, path: str, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        shown = [f"{path}: {p}" for p in self.problems[:MAX_PROBLEMS]]
        if len(self.problems) > MAX_PROBLEMS:
            shown.append(f"{path}: ... and {len(self.problems) - MAX_PROBLEMS} more problems")
        super().__init__("\n".join(shown))


@dataclass(frozen=True)
class LogMapping:
    """How a platform's export names the canonical columns and values.

    ``columns`` maps a canonical column to the export's header; ``channels``, ``outcomes``,
    ``messages`` and ``dispositions`` map the export's values to canonical ones (canonical values
    are always accepted, case-insensitively). An empty string in an outcome, message or
    disposition column means none / unknown. ``outcome`` and ``disposition`` may name the same
    header (Salesloft's Disposition holds both): a value is read by whichever list names it.
    """

    name: str = "canonical"
    columns: Mapping[str, str] = field(default_factory=dict)
    channels: Mapping[str, str] = field(default_factory=dict)
    outcomes: Mapping[str, str] = field(default_factory=dict)
    messages: Mapping[str, str] = field(default_factory=dict)
    dispositions: Mapping[str, str] = field(default_factory=dict)

    def header(self, column: str) -> str:
        """The export's header for canonical ``column``."""
        return self.columns.get(column, column)


@dataclass(frozen=True)
class TouchTable:
    """A checked log: a row per touch, ordered by prospect and time, times in days.

    ``time`` and ``outcome_time`` count days from the first touch in the log; ``message`` is -1
    where the log does not say; ``outcome`` is an index into :data:`OUTCOMES` or -1 (none);
    ``disposition`` an index into :data:`DISPOSITIONS` or -1 (not a call, or not said).
    """

    prospect: np.ndarray
    time: np.ndarray
    channel: np.ndarray
    message: np.ndarray
    outcome: np.ndarray
    outcome_time: np.ndarray
    prospect_ids: tuple[str, ...]
    start: pd.Timestamp
    disposition: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    @property
    def n_touches(self) -> int:
        """Number of touches in the log."""
        return int(self.time.size)


def _codes(
    values: pd.Series, allowed: Sequence[str], aliases: Mapping[str, str]
) -> tuple[np.ndarray, np.ndarray]:
    """Codes of ``values`` in ``allowed`` (through ``aliases``), -1 for blank; and a bad mask."""
    lookup = {name.lower(): i for i, name in enumerate(allowed)}
    lookup.update({k.lower(): lookup[v.lower()] for k, v in aliases.items() if v.lower() in lookup})
    text = values.fillna("").astype(str).str.strip().str.lower()
    codes = text.map(lookup)
    blank = text == ""
    bad = codes.isna() & ~blank
    return codes.fillna(-1).to_numpy(np.int64), bad.to_numpy()


def _times(values: pd.Series) -> pd.Series:
    """Timestamps (UTC) from ISO 8601 text; NaT where the text is not one."""
    return pd.to_datetime(values, format="ISO8601", utc=True, errors="coerce")


def check_mapping_values(mapping: LogMapping) -> list[str]:
    """Problems with the mapping itself: aliases that point to no canonical value."""
    problems = []
    for kind, aliases, allowed in (
        ("channels", mapping.channels, CHANNELS),
        ("outcomes", mapping.outcomes, OUTCOMES),
        ("messages", mapping.messages, MESSAGES),
        ("dispositions", mapping.dispositions, DISPOSITIONS),
    ):
        for key, value in aliases.items():
            if value not in allowed:
                problems.append(
                    f"mapping {mapping.name}, {kind}: {key!r} -> {value!r} is not allowed: "
                    f"one of {', '.join(allowed)}"
                )
    for column in mapping.columns:
        if column not in (*REQUIRED, *OPTIONAL):
            problems.append(
                f"mapping {mapping.name}, columns: {column!r} is not a log column: "
                f"one of {', '.join((*REQUIRED, *OPTIONAL))}"
            )
    return problems


def read_touch_log(path: Path, mapping: LogMapping | None = None) -> TouchTable:
    """Read and check the touch log at ``path``.

    Raises:
        LogError: every problem found, one line each naming the row (as a spreadsheet numbers
            it: the header is row 1) and the column.
    """
    mapping = mapping or LogMapping()
    name = str(path)
    raw = _read_csv(path, mapping, name)
    problems: list[str] = []
    rows = _parse_rows(raw, mapping, problems)
    problems += _duplicates(rows)
    if problems:
        raise LogError(name, problems)
    return _table(rows)


@dataclass(frozen=True)
class _Rows:
    """The log's columns parsed into codes and times, one entry per row of the file."""

    row: np.ndarray
    ids: pd.Series
    touched: pd.Series
    channel: np.ndarray
    message: np.ndarray
    outcome: np.ndarray
    outcome_at: pd.Series
    disposition: np.ndarray


def _read_csv(path: Path, mapping: LogMapping, name: str) -> pd.DataFrame:
    """The file as text columns, with the mapping's values and the required columns checked."""
    problems = check_mapping_values(mapping)
    if problems:
        raise LogError(name, problems)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except FileNotFoundError:
        raise LogError(name, ["no such file"]) from None
    except UnicodeDecodeError:
        raise LogError(name, ["not UTF-8 text: export the log as CSV (UTF-8)"]) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise LogError(name, [f"not a CSV file: {str(exc).strip()}"]) from None
    missing = [c for c in REQUIRED if mapping.header(c) not in raw.columns]
    if missing:
        raise LogError(
            name,
            [
                f"column {mapping.header(c)!r} ({c}) is missing; the header has: "
                f"{', '.join(map(str, raw.columns))}"
                for c in missing
            ],
        )
    if raw.empty:
        raise LogError(name, ["the log has a header but no touches"])
    return raw


def _parse_rows(raw: pd.DataFrame, mapping: LogMapping, problems: list[str]) -> _Rows:
    """Each column parsed; a problem line appended for every bad cell, row by row."""
    column = {c: mapping.header(c) for c in (*REQUIRED, *OPTIONAL) if mapping.header(c) in raw}
    blank = pd.Series("", index=raw.index)
    row = raw.index.to_numpy() + 2  # spreadsheet numbering: the header is row 1

    def report(mask: np.ndarray, canonical: str, what: Callable[[str], str]) -> None:
        values = raw[column[canonical]] if canonical in column else blank
        for r, v in zip(row[mask], values[mask], strict=True):
            problems.append(f"row {r}, column {column.get(canonical, canonical)!r}: {what(v)}")

    ids = raw[column["prospect_id"]].str.strip()
    report((ids == "").to_numpy(), "prospect_id", lambda v: "empty: every touch needs a prospect")
    touched = _times(raw[column["touched_at"]])
    report(
        touched.isna().to_numpy(),
        "touched_at",
        lambda v: f"{v!r} is not a timestamp: ISO 8601, e.g. 2026-03-02T09:30:00Z",
    )
    channel, bad = _codes(raw[column["channel"]], CHANNELS, mapping.channels)
    report(bad, "channel", lambda v: f"{v!r} is not a channel: one of {', '.join(CHANNELS)}")
    report((channel < 0) & ~bad, "channel", lambda v: "empty: every touch needs a channel")
    message, bad = _codes(raw.get(column.get("message", ""), blank), MESSAGES, mapping.messages)
    report(bad, "message", lambda v: f"{v!r} is not a message kind: one of {', '.join(MESSAGES)}")
    outcome, disposition = _outcomes_and_dispositions(raw, column, mapping, channel, report)
    outcome_text = raw.get(column.get("outcome_at", ""), blank).str.strip()
    outcome_at = _times(outcome_text)
    has_outcome = outcome >= 0
    time_given = (outcome_text != "").to_numpy()
    report(
        has_outcome & outcome_at.isna().to_numpy() & time_given,
        "outcome_at",
        lambda v: f"{v!r} is not a timestamp: ISO 8601, e.g. 2026-03-02T14:05:00Z",
    )
    report(
        has_outcome & ~time_given,
        "outcome_at",
        lambda v: "empty: an outcome needs the time it happened",
    )
    report(
        ~has_outcome & time_given & _blank(raw, column, "outcome"),
        "outcome",
        lambda v: "empty, but the row has an outcome time: name the outcome",
    )
    before = (outcome_at < touched).fillna(False).to_numpy()
    report(before, "outcome_at", lambda v: f"{v!r} is before its touch (touched_at)")
    return _Rows(row, ids, touched, channel, message, outcome, outcome_at, disposition)


def _blank(raw: pd.DataFrame, column: Mapping[str, str], canonical: str) -> np.ndarray:
    """Rows whose ``canonical`` cell is empty (or the log has no such column).

    An outcome time on a row without an outcome is a problem only when the outcome cell is
    empty: an unknown value is reported as such, once, and a call disposition that shares the
    outcome's column (Salesloft's Disposition and Disposition Date) brings its own time.
    """
    if canonical not in column:
        return np.ones(len(raw), np.bool_)
    return (raw[column[canonical]].fillna("").astype(str).str.strip() == "").to_numpy()


def _outcomes_and_dispositions(
    raw: pd.DataFrame,
    column: Mapping[str, str],
    mapping: LogMapping,
    channel: np.ndarray,
    report: Callable[[np.ndarray, str, Callable[[str], str]], None],
) -> tuple[np.ndarray, np.ndarray]:
    """The outcome and call-disposition codes; a line for each value neither list knows.

    Where both read one header, a cell is bad only if it is neither an outcome nor a disposition.
    A disposition on a touch that is not a call is a problem too.
    """
    blank = pd.Series("", index=raw.index)
    o_col, d_col = column.get("outcome"), column.get("disposition")
    outcome, bad_o = _codes(raw[o_col] if o_col else blank, OUTCOMES, mapping.outcomes)
    disposition, bad_d = _codes(raw[d_col] if d_col else blank, DISPOSITIONS, mapping.dispositions)
    shared = o_col is not None and o_col == d_col
    if shared:
        bad_o = bad_d = bad_o & bad_d
        report(
            bad_o,
            "outcome",
            lambda v: (
                f"{v!r} is neither an outcome ({', '.join(OUTCOMES)}) nor a call "
                f"disposition ({', '.join(DISPOSITIONS)})"
            ),
        )
    else:
        report(bad_o, "outcome", lambda v: f"{v!r} is not an outcome: one of {', '.join(OUTCOMES)}")
        report(
            bad_d,
            "disposition",
            lambda v: f"{v!r} is not a call disposition: one of {', '.join(DISPOSITIONS)}",
        )
    not_call = (disposition >= 0) & (channel >= 0) & (channel != CHANNELS.index("phone"))
    report(
        not_call,
        "disposition",
        lambda v: (
            f"{v!r} on a touch that is not a call: a disposition is for phone touches "
            "(leave it blank)"
        ),
    )
    return outcome, disposition


def _duplicates(rows: _Rows) -> list[str]:
    """A problem line for each row that repeats an earlier one's prospect, time and channel."""
    key = pd.DataFrame({"id": rows.ids, "t": rows.touched, "c": rows.channel})
    dup = key.duplicated(keep="first").to_numpy() & ~rows.touched.isna().to_numpy()
    first_of = key.reset_index().groupby(["id", "t", "c"], dropna=False)["index"].transform("min")
    return [
        f"row {r}: the same touch as row {f} (prospect, time and channel): a duplicate row"
        for r, f in zip(rows.row[dup], first_of.to_numpy()[dup] + 2, strict=True)
    ]


def _table(rows: _Rows) -> TouchTable:
    """The checked rows as days since the first touch, sorted by prospect and time."""
    start = rows.touched.min()
    days = ((rows.touched - start) / pd.Timedelta(days=1)).to_numpy(np.float64)
    out_days = ((rows.outcome_at - start) / pd.Timedelta(days=1)).to_numpy(
        np.float64, na_value=np.nan
    )
    codes, uniques = pd.factorize(rows.ids, sort=True)
    order = np.lexsort((days, codes))
    return TouchTable(
        prospect=codes[order].astype(np.int64),
        time=days[order],
        channel=rows.channel[order],
        message=rows.message[order],
        outcome=rows.outcome[order],
        outcome_time=out_days[order],
        prospect_ids=tuple(str(u) for u in uniques),
        start=start,
        disposition=rows.disposition[order],
    )
