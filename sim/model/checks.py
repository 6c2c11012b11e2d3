"""Config checks that know no schema: allowed ranges of numbers and unknown keys.

A schema field says what values it allows through its ``metadata`` (:func:`prob`,
:func:`nonneg`, :func:`positive`, :func:`real`, or ``{"each": (low, high)}`` for a value per
name); :func:`check_ranges` walks a config of dataclasses and raises a :class:`ConfigError` for
the first value outside its range. :func:`check_known_keys` walks the composed config as plain
dicts against the schema's classes, so a misspelt key is an error with a suggestion, not a
setting silently dropped.
"""

from __future__ import annotations

import difflib
import math
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import field, fields, is_dataclass
from typing import Any

from omegaconf import MISSING


class ConfigError(ValueError):
    """A config value that is not allowed: names the field, the value and what is allowed."""

    def __init__(self, path: str, value: object, allowed: str) -> None:
        self.path = path
        self.value = value
        self.allowed = allowed
        super().__init__(f"{path}={value!r} is not allowed: {allowed}")

    @classmethod
    def missing(cls, path: str) -> ConfigError:
        """A required field that was left out (e.g. a strategy step's ``channel``)."""
        err = cls(path, MISSING, "a value (this field is required)")
        err.args = (f"{path} is missing: this field is required",)
        return err


# --- fields that carry their range ------------------------------------------------------------


def ranged(low: float | None, high: float | None, *, default: Any = None) -> Any:
    """A dataclass field whose value must lie in [low, high] (None: unbounded)."""
    meta = {"range": (low, high)}
    if default is None:
        return field(metadata=meta)
    return field(default=default, metadata=meta)


def prob(default: Any = None) -> Any:
    """A probability in [0, 1]."""
    return ranged(0.0, 1.0, default=default)


def nonneg(default: Any = None) -> Any:
    """A non-negative number."""
    return ranged(0.0, None, default=default)


def positive(default: Any = None) -> Any:
    """A strictly positive number (checked as > 0)."""
    return field(metadata={"range": (0.0, None), "strict": True}, **_dflt(default))


def real(default: Any = None) -> Any:
    """Any finite number (log-odds coefficients)."""
    return ranged(None, None, default=default)


def _dflt(default: Any) -> dict[str, Any]:
    return {} if default is None else {"default": default}


# --- ranges -----------------------------------------------------------------------------------


def check_ranges(node: object, prefix: str) -> None:
    """Raise a :class:`ConfigError` for the first ranged field of ``node`` out of its range."""
    if not is_dataclass(node):
        return
    for f in fields(node):
        value = getattr(node, f.name)
        path = f"{prefix}{f.name}"
        if "range" in f.metadata:
            _check_number(path, value, f.metadata["range"], f.metadata.get("strict", False))
        if "each" in f.metadata and is_dataclass(value):
            for sub in fields(value):
                _check_number(f"{path}.{sub.name}", getattr(value, sub.name), f.metadata["each"])
        if is_dataclass(value):
            check_ranges(value, path + ".")


def _check_number(
    path: str, value: object, bounds: tuple[float | None, float | None], strict: bool = False
) -> None:
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(path, value, "a finite number")
    if low is not None and (value < low or (strict and value <= low)):
        raise ConfigError(path, value, _describe(low, high, strict))
    if high is not None and value > high:
        raise ConfigError(path, value, _describe(low, high, strict))


def _describe(low: float | None, high: float | None, strict: bool) -> str:
    if low is not None and high is not None:
        return f"a number from {low:g} to {high:g}"
    if low is not None:
        return f"a number {'>' if strict else '>='} {low:g}"
    return f"a number <= {high:g}"


# --- weights: shares once divided by their total ---------------------------------------------


def check_weights(path: str, weights: Mapping[str, float] | Sequence[float]) -> None:
    """Refuse weights (each >= 0, checked already) whose total is not positive and finite.

    Weights become shares by dividing by their total: ``1e308`` twice overflows it to infinity,
    and every share but the infinite ones becomes 0 (a cold list ran as all strangers, with only
    a RuntimeWarning). ``weights`` by name (``path.name`` is named) or by position.
    """
    named = {
        k: float(v)
        for k, v in (weights.items() if isinstance(weights, Mapping) else enumerate(weights))
    }
    total = sum(named.values())  # Python floats: an overflow is inf, without a warning
    if math.isfinite(total) and total > 0:
        return
    if total <= 0:
        raise ConfigError(
            path, named if isinstance(weights, Mapping) else weights, "a positive total"
        )
    key = max(named, key=lambda k: named[k])
    where = f"{path}.{key}" if isinstance(key, str) else f"{path}[{key}]"
    raise ConfigError(
        where,
        named[key],
        f"weights whose total is a finite number (they are divided by it): each at most "
        f"{WEIGHT_MAX:g}",
    )


#: The largest weight :func:`check_weights`' message suggests: a thousand of them add up finite.
WEIGHT_MAX = 1e300


# --- unknown settings: a typo is an error, with a suggestion --------------------------------


def check_known_keys(node: object, cls: type, path: str = "") -> None:
    """Raise a :class:`ConfigError` for the first key of ``node`` that ``cls`` has no field for.

    ``node`` is the composed config as plain dicts and lists; ``+population.sizee=100`` or a
    step's ``mesage`` would otherwise be dropped without a word. The message names the path,
    the fields allowed there and the closest one (:mod:`difflib`).
    """
    if not isinstance(node, dict) or not is_dataclass(cls):
        return
    hints = typing.get_type_hints(cls)
    names = [f.name for f in fields(cls)]
    for key, value in node.items():
        where = f"{path}{key}"
        if key not in names:  # fields only: a class variable is not a setting
            close = difflib.get_close_matches(str(key), names, n=1)
            hint = f"; did you mean {path}{close[0]}?" if close else ""
            raise ConfigError(
                where,
                value,
                f"a setting of {path.rstrip('.') or 'the run'}: {', '.join(names)}{hint}",
            )
        _check_value(value, hints[key], f"{where}")


def _check_value(value: object, hint: Any, where: str) -> None:
    """Walk into ``value`` by its annotation: a dataclass, a dict of them, a list of them."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(hint):
            if is_dataclass(arg):
                _check_value(value, arg, where)
        return
    if is_dataclass(hint) and isinstance(hint, type):
        check_known_keys(value, hint, where + ".")
    elif origin is dict and isinstance(value, dict):
        item = typing.get_args(hint)[1]
        for key, sub in value.items():
            _check_value(sub, item, f"{where}.{key}")
    elif origin is list and isinstance(value, list):
        item = typing.get_args(hint)[0]
        for i, sub in enumerate(value):
            _check_value(sub, item, f"{where}[{i}]")
