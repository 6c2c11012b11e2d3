"""A mapping file read as flat data and checked as a whole, before any log is read.

A mapping renames an export's columns and values to the canonical ones (:class:`LogMapping`).
Values are matched without regard to case (``Email``, ``email`` and ``EMAIL`` are one value of
the export), so a mapping that sends two spellings of one value, or a canonical value itself, to
different canonical values cannot mean what it says: which one wins would depend on the order of
the file's lines. It is refused, as is one export header named for two canonical columns (every
row of the log would otherwise be a problem of its own). The one exception is the outcome and
the call disposition, which may share a header (Salesloft's Disposition holds both).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from sim.fit.guards import UsageError
from sim.model.channels import CHANNELS
from sim.model.messages import MESSAGES
from sim.run.touchlog import DISPOSITIONS, OUTCOMES, LogMapping, check_mapping_values

MAPPING_KEYS = ("name", "columns", "channels", "outcomes", "messages", "dispositions")
#: Canonical columns that may name the same export header.
SHARED_HEADERS = frozenset({"outcome", "disposition"})
_ALLOWED = {"channels": CHANNELS, "outcomes": OUTCOMES, "messages": MESSAGES}
_ALLOWED["dispositions"] = DISPOSITIONS


class _FlatLoader(yaml.SafeLoader):
    """YAML ``safe_load`` without anchors and aliases.

    A mapping file is flat, and an alias bomb (aliases of aliases) cannot grow in memory.
    """

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.YAMLError(f"an alias (*{event.anchor}) at line {event.start_mark.line + 1}")
        node = super().compose_node(parent, index)
        if node is not None and getattr(node, "anchor", None):
            raise yaml.YAMLError(f"an anchor (&) at line {node.start_mark.line + 1}")
        return node


def parse_mapping(text: str, where: str) -> dict[str, Any]:
    """The file's keys and text-to-text tables; a YAML problem or a wrong shape as one line."""
    try:
        data = yaml.load(text, Loader=_FlatLoader)  # a SafeLoader, without aliases
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0]
        raise UsageError(f"{where}: not YAML: {first}") from None
    if not isinstance(data, dict):
        raise UsageError(f"{where}: must be a mapping of {', '.join(MAPPING_KEYS)}")
    for key, value in data.items():
        if key not in MAPPING_KEYS:
            raise UsageError(
                f"{where}: key {key!r} is not allowed: one of {', '.join(MAPPING_KEYS)}"
            )
        if key == "name":
            if not isinstance(value, str):
                raise UsageError(f"{where}: name={value!r} is not allowed: text")
            continue
        if value is None:
            data[key] = {}
        elif not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise UsageError(f"{where}: {key} must map text to text (export value: canonical)")
    return data


def mapping_of(data: Mapping[str, Any], spec: str) -> LogMapping:
    """The :class:`LogMapping` of a parsed file."""
    return LogMapping(
        name=str(data.get("name", spec)),
        columns=data.get("columns", {}),
        channels=data.get("channels", {}),
        outcomes=data.get("outcomes", {}),
        messages=data.get("messages", {}),
        dispositions=data.get("dispositions", {}),
    )


def check_mapping(mapping: LogMapping, where: str) -> None:
    """Unknown canonical names, conflicting values and shared headers: the first, as one line."""
    problems = check_mapping_values(mapping)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise UsageError(f"{problems[0]}{more}")
    for kind, allowed in _ALLOWED.items():
        _check_values(getattr(mapping, kind), kind, allowed, where)
    _check_headers(mapping.columns, where)


def _check_values(
    aliases: Mapping[str, str], kind: str, allowed: tuple[str, ...], where: str
) -> None:
    """No export value (any case, around spaces) sent to two canonical values."""
    seen: dict[str, tuple[str, str]] = {name.lower(): (name, name) for name in allowed}
    for key, value in aliases.items():
        folded = key.strip().lower()
        earlier = seen.get(folded)
        if earlier is not None and earlier[1].lower() != value.lower():
            what = "canonical" if earlier[0] in allowed else "the same value, any case"
            raise UsageError(
                f"{where}, {kind}: {key!r}: {value} is not allowed: {earlier[0]!r} ({what}) "
                f"reads as {earlier[1]}; one value of the export, in any case, is one "
                f"{kind.removesuffix('s')}"
            )
        seen[folded] = (key, value)


def _check_headers(columns: Mapping[str, str], where: str) -> None:
    """No export header named for two canonical columns (but the outcome and disposition)."""
    owner: dict[str, str] = {}
    for column, header in columns.items():
        other = owner.get(header.strip())
        if other is not None and {other, column} != SHARED_HEADERS:
            raise UsageError(
                f"{where}, columns: {column}: {header!r} is not allowed: {other} reads that "
                "header already; one header per column (only outcome and disposition may share)"
            )
        owner[header.strip()] = column
