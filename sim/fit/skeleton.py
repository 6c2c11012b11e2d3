"""``outreach-sim-fit --inspect LOG``: what an export holds, and a mapping skeleton to fill.

A real export names its channels, template tags, outcomes and call dispositions as the team set
them up; a mapping sends each to a canonical value (docs/fitting.md, 1). The inspection lists
every distinct value of those columns with its count, and the date format of the touch and
outcome times (:mod:`sim.fit.dates`), and writes a mapping file: the values the starting mapping
already knows filled in, every other one ``""`` with the values allowed named above its section
(the message kinds with the glossary, :mod:`sim.fit.glossary`). Nothing is guessed that the
export does not say: an unknown tag stays blank, an ambiguous date format is named twice.
"""

from __future__ import annotations

import json
import shlex
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sim.fit.dates import DateFormat, detect
from sim.fit.glossary import glossary_lines
from sim.fit.guards import MAX_LOG_BYTES, UsageError, check_input_file
from sim.fit.mapping_checks import MAPPINGS, load_mapping
from sim.model.channels import CHANNELS
from sim.model.messages import MESSAGES
from sim.run.touchlog import DISPOSITIONS, OPTIONAL, OUTCOMES, REQUIRED, LogMapping

#: The value lists of a mapping: the canonical column each reads, and the values allowed.
KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "channels": ("channel", CHANNELS),
    "messages": ("message", MESSAGES),
    "outcomes": ("outcome", OUTCOMES),
    "dispositions": ("disposition", DISPOSITIONS),
}


@dataclass(frozen=True)
class Value:
    """One distinct value of an export's column: its rows and the canonical value known for it."""

    text: str
    rows: int
    canonical: str  # "" where the starting mapping does not know it


@dataclass
class Inspection:
    """What an export holds, read through a starting mapping."""

    source: str
    rows: int
    header: tuple[str, ...]
    mapping: LogMapping
    columns: dict[str, str] = field(default_factory=dict)  # canonical: header ("" not found)
    values: dict[str, list[Value]] = field(default_factory=dict)  # per kind of KINDS
    dates: dict[str, DateFormat] = field(default_factory=dict)  # per date column found

    @property
    def date_format(self) -> DateFormat:
        """The format of the touch times (the outcome times must share it)."""
        return self.dates.get("touched_at", DateFormat("", "no dates", ""))


def read_export(path: Path) -> pd.DataFrame:
    """The export as text cells; a file pandas cannot read as CSV is one line."""
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"log={str(path)!r}: not UTF-8 text: export it as CSV (UTF-8)") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise UsageError(f"log={str(path)!r}: not a CSV file: {str(exc).strip()}") from None


def best_mapping(
    header: Sequence[str], given: LogMapping, known: Sequence[LogMapping]
) -> LogMapping:
    """``given`` if it finds the required columns, else the known mapping that finds the most."""

    def found(m: LogMapping) -> int:
        return sum(m.header(c) in header for c in (*REQUIRED, *OPTIONAL))

    if all(given.header(c) in header for c in REQUIRED):
        return given
    return max((given, *known), key=found)


def inspect_export(raw: pd.DataFrame, source: str, mapping: LogMapping) -> Inspection:
    """The distinct values and date formats of ``raw``, read through ``mapping``'s headers."""
    header = tuple(str(c) for c in raw.columns)
    ins = Inspection(source, len(raw), header, mapping)
    ins.columns = {
        c: (mapping.header(c) if mapping.header(c) in header else "")
        for c in (*REQUIRED, *OPTIONAL)
    }
    shared = ins.columns["outcome"] and ins.columns["outcome"] == ins.columns["disposition"]
    for kind, (column, allowed) in KINDS.items():
        ins.values[kind] = []
        if not ins.columns[column] or (shared and kind == "dispositions"):
            continue
        counts = raw[ins.columns[column]].str.strip().value_counts()
        for text, rows in counts.items():
            _place(ins, kind, str(text), int(rows), allowed, bool(shared))
    for column in ("touched_at", "outcome_at"):
        if ins.columns[column]:
            ins.dates[column] = detect(raw[ins.columns[column]])
    return ins


def _place(
    ins: Inspection, kind: str, text: str, rows: int, allowed: Sequence[str], shared: bool
) -> None:
    """One value into its list (a shared outcome/disposition header: the list that knows it)."""
    if not text or text.lower() in {a.lower() for a in allowed}:
        return
    aliases: Mapping[str, str] = getattr(ins.mapping, kind)
    known = {k.strip().lower(): v for k, v in aliases.items()}
    if shared and kind == "outcomes":
        calls = {k.strip().lower(): v for k, v in ins.mapping.dispositions.items()}
        if text.lower() in calls or text.lower() in DISPOSITIONS:
            ins.values["dispositions"].append(Value(text, rows, calls.get(text.lower(), "")))
            return
    ins.values[kind].append(Value(text, rows, known.get(text.lower(), "")))


def _q(text: str) -> str:
    """A YAML scalar in double quotes (JSON's string syntax is YAML's)."""
    return json.dumps(text, ensure_ascii=False)


def skeleton_text(ins: Inspection, log_arg: str, out: str) -> str:
    """The mapping file to fill: known values filled, the rest ``""``, the allowed values named."""
    lines = [
        f"# Mapping skeleton: outreach-sim-fit --inspect {log_arg} ({ins.rows:,} rows), starting",
        f'# from mapping {ins.mapping.name}. Fill every "" with one of the values named above',
        "# its section (a column not in your export: delete its line), then:",
        f"#   outreach-sim-fit {log_arg} --mapping {out}",
        f"name: {_q(Path(out).stem)}",
    ]
    lines += _date_lines(ins.date_format)
    lines.append(f"# your export's header: {', '.join(ins.header)}")
    lines.append("columns:")
    for column, header in ins.columns.items():
        note = "" if header else "  # not found: your header for it, or delete this line"
        lines.append(f"  {column}: {_q(header)}{note}")
    for kind, (_, allowed) in KINDS.items():
        lines.append(f"# {kind}: one of {', '.join(allowed)}")
        if kind == "messages":
            lines += glossary_lines("#   ")
        values = ins.values[kind]
        lines.append(f"{kind}:" + ("" if values else " {}"))
        lines += [f"  {_q(v.text)}: {_q(v.canonical)}  # {v.rows:,} rows" for v in values]
    return "\n".join(lines) + "\n"


def _date_lines(date: DateFormat) -> list[str]:
    if date.fmt:
        return [f"date_format: {_q(date.fmt)}  # {date.note}, e.g. {date.example!r}"]
    if date.candidates:
        return [
            f"# dates: {date.note} (e.g. {date.example!r}); one of:",
            *(f"# date_format: {_q(c)}" for c in date.candidates),
        ]
    return [f"# dates: {date.note}" + (f" (e.g. {date.example!r})" if date.example else "")]


def summary_lines(ins: Inspection) -> list[str]:
    """What the terminal shows: the columns found, each list's values, the dates."""
    found = [f"{c}={h!r}" for c, h in ins.columns.items() if h]
    lines = [
        f"{ins.source}: {ins.rows:,} rows; read with mapping {ins.mapping.name}",
        f"columns: {', '.join(found)}",
    ]
    for kind, values in ins.values.items():
        if not values:
            continue
        todo = sum(not v.canonical for v in values)
        shown = ", ".join(
            f"{v.text!r} ({v.rows:,})" + (f" -> {v.canonical}" if v.canonical else "")
            for v in values
        )
        lines.append(f"{kind}: {len(values)} distinct, {todo} to fill: {shown}")
    for column, date in ins.dates.items():
        fmt = f": date_format {date.fmt!r}" if date.fmt else ""
        lines.append(f"dates ({ins.columns[column]}): {date.note}{fmt}")
    return lines


def run_inspect(log: Path, mapping: LogMapping, out: Path) -> int:
    """Inspect ``log`` through ``mapping`` (or the built-in one that reads it), write ``out``."""
    check_input_file(log, "log", MAX_LOG_BYTES, "a touch log (CSV)")
    if out.exists() or out.is_symlink() or not out.parent.is_dir():
        raise UsageError(
            f"--skeleton={str(out)!r} is not allowed: a new file in a folder that exists "
            "(nothing is overwritten)"
        )
    raw = read_export(log)
    known = [load_mapping(m) for m in MAPPINGS[1:]]
    ins = inspect_export(raw, str(log), best_mapping(list(raw.columns), mapping, known))
    text = skeleton_text(ins, shlex.quote(str(log)), shlex.quote(str(out)))
    for line in summary_lines(ins):
        print(line)
    try:
        with out.open("x", encoding="utf-8") as f:
            f.write(text)
    except OSError as exc:
        print(
            f"error: --skeleton={str(out)!r} could not be written: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return 1
    blank = sum(not v.canonical for values in ins.values.values() for v in values)
    print(
        f"mapping skeleton: {out} ({blank} values to fill); then: outreach-sim-fit "
        f"{shlex.quote(str(log))} --mapping {shlex.quote(str(out))}"
    )
    return 0
