"""Hydra's, OmegaConf's and YAML's errors as one readable line for a user.

Hydra reports a bad override or config file as a multi-line message with its own internals
(search path, full keys, links); a user gets one line naming the field, the value and what is
allowed. The command line's pre-flight (:mod:`sim.cli.guard`) and ``outreach-sim-fit`` word
their errors here.
"""

from __future__ import annotations

import dataclasses
import difflib
import re

import yaml
from hydra.errors import OverrideParseException
from omegaconf.errors import OmegaConfBaseException

from sim.model import config as sim_config
from sim.run.registry import CONF_DIR

#: What an override Hydra's grammar cannot read needs.
QUOTE_HINT = (
    "a value with spaces, braces, brackets, accented letters or other special characters must "
    "be quoted inside the override (in the shell: 'key=\"value\"')"
)


def _describe_parse_error(exc: OverrideParseException) -> str:
    first = exc.message.splitlines()[0]
    if re.search(r"LexerNoViableAlt|no viable alternative|token recognition", first):
        # Hydra's grammar takes letters, digits and a few signs unquoted: say how to quote.
        return f"{exc.override!r} is not a valid override: {QUOTE_HINT}"
    if re.search(r"mismatched input|extraneous input", first):
        return f"{exc.override!r} is not a valid override ({first}): {QUOTE_HINT}"
    return f"{exc.override!r} is not a valid override: {first}"


def describe_hydra_error(exc: BaseException) -> str:
    """One readable line from a Hydra or OmegaConf error and its cause."""
    if isinstance(exc, OverrideParseException):
        return _describe_parse_error(exc)
    text = _plain_words(str(exc))
    cause = exc.__cause__
    detail = ""
    if isinstance(cause, OmegaConfBaseException) and str(cause):
        detail = _plain_words(str(cause).splitlines()[0])
    merging = re.match(r"Error merging override (\S+)", text)
    if merging and detail:
        return f"{merging[1]} is not allowed: {detail}"
    unknown = re.search(r"Key '([^']+)' not in '(\w+)'", text + str(cause or ""))
    schema = getattr(sim_config, unknown[2], None) if unknown else None
    if unknown and dataclasses.is_dataclass(schema):
        names = [f.name for f in dataclasses.fields(schema)]
        close = difflib.get_close_matches(unknown[1], names, n=1)
        override = re.match(r"Could not override '([^']+)'", text)
        where = re.match(r"In '([^']+)'", text)
        key = override[1] if override else unknown[1]
        place = f" (in {where[1]}.yaml)" if where and not override else ""
        return f"{key}{place} is not a setting here: one of {', '.join(names)}" + (
            f"; did you mean {close[0]}?" if close else ""
        )
    composing = re.match(r"In '([^']+)': \w+ raised while composing config:\n(.+)", text)
    if composing:
        empty = re.match(r"field '([^']+)' is not Optional", composing[2].strip())
        if empty:  # a key with nothing after it: a file cut short, or a value left out
            return (
                f"{composing[1]}.yaml: {empty[1]} has no value, and it needs one "
                "(a truncated file?)"
            )
        key = re.search(r"full_key: (\S+)", text)
        return f"{composing[1]}.yaml: {key[1] + ': ' if key else ''}{composing[2].strip()}"
    missing = re.search(r"Could not (?:load|find) '([\w/]+)/([^'/]*)'", text)
    if missing:
        group, name = missing[1], missing[2]
        options = re.findall(r"^\t(\S+)$", text, flags=re.MULTILINE)
        if (CONF_DIR / group).is_dir():
            options = sorted(p.stem for p in (CONF_DIR / group).glob("*.yaml"))
        if options or (CONF_DIR / group).is_dir():
            return (
                f"{group}={name!r} is not allowed: one of {', '.join(options)}, or a file "
                f"{group}/NAME.yaml in a folder added with hydra.searchpath=[file://DIR]"
            )
    lines: list[str] = []
    for line in text.splitlines():
        if line.strip() == "Config search path:":
            break  # what follows lists Hydra's providers: noise for a user
        lines.append(line.strip())
    if detail:
        key = getattr(cause, "full_key", None)
        lines.append(f"{key}: {detail}" if key else detail)
    noise = ("See https://", "full_key", "object_type", "reference_type", "To append to your")
    kept = [line for line in lines if line and not line.startswith(noise)]
    # One line: a message of several lines reads as several errors in a terminal or a log.
    return "; ".join(line.rstrip(":.") for line in kept)


#: OmegaConf's words for a value of the wrong shape, and what a user reads instead.
_SHAPES = (
    (
        re.compile(r"Invalid value assigned: \w+ is not a ListConfig, list or tuple\.?"),
        "a list is needed here, not a single value (write [value] for one item)",
    ),
    (
        re.compile(
            r"Invalid value assigned: \w+ is not a DictConfig, dict or structured config\.?"
        ),
        "a mapping (key: value lines) is needed here, not a single value",
    ),
    (
        re.compile(r"Invalid type assigned: \w+ is not a subclass of (\w+)\.?"),
        r"a mapping of \1's fields (key: value lines) is needed here, not a single value;",
    ),
)


def _plain_words(text: str) -> str:
    for pattern, words in _SHAPES:
        text = pattern.sub(words, text)
    return text


def describe_yaml_error(exc: yaml.YAMLError) -> str:
    """The file, the place and the problem of a YAML syntax error, on one line."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if mark is None:
        return f"a config file is not valid YAML: {problem}"
    return (
        f"{mark.name} is not valid YAML: {problem} (line {mark.line + 1}, column {mark.column + 1})"
    )
