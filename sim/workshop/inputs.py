"""Every value the page receives, checked on the server before anything runs.

The browser's controls keep their values in range, but the websocket carries whatever a client
sends (``1000000000`` touches of 10 in the first day, ``-5``, ``"x"``, a list, ``NaN``, an
unknown study). :func:`checked` accepts a study and its control values only if each is what its
control can show: a slider's number between its ends (a whole number where the slider moves in
whole steps), one of a choice's values, a switch's yes or no. Anything else raises
:class:`RefusedError` with one plain sentence for the page, which then runs nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from sim.workshop.scenarios import SCENARIOS, Control, defaults


class RefusedError(ValueError):
    """A value the page cannot run; ``str()`` is one plain sentence saying which and why."""


def _quoted(value: object) -> str:
    # The sender's value, short: a refusal must not repeat a megabyte back onto the page.
    try:
        text = repr(value) if isinstance(value, str) else str(value)
    except ValueError:  # an int past Python's 4,300-digit limit for str()
        return "a number too long to show"
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text if len(text) <= 40 else text[:37] + "..."


def _whole_steps(control: Control) -> bool:
    return float(control.step).is_integer() and float(control.low).is_integer()


def _slider(control: Control, value: object) -> object:
    whole = _whole_steps(control)
    what = "a whole number" if whole else "a number"
    if (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        # The range first: a huge int compares exactly, but math.isfinite would overflow on it.
        and control.low <= value <= control.high
        and math.isfinite(value)
        and (not whole or float(value).is_integer())
    ):
        return int(value) if whole else float(value)
    raise RefusedError(
        f'"{control.label}" must be {what} from {control.low:g} to {control.high:g}, '
        f"not {_quoted(value)}: nothing was run."
    )


def check_value(control: Control, value: object) -> object:
    """``value`` if ``control`` can show it (a slider's as a number); else :class:`RefusedError`."""
    if control.kind == "slider":
        return _slider(control, value)
    if control.kind == "choice":
        if not isinstance(value, str) or value not in control.choices:
            allowed = ", ".join(control.choices.values())
            raise RefusedError(
                f'"{control.label}" must be one of: {allowed}; not {_quoted(value)}: '
                "nothing was run."
            )
        return value
    if not isinstance(value, bool):
        raise RefusedError(
            f'"{control.label}" must be on or off, not {_quoted(value)}: nothing was run.'
        )
    return value


def check_study(study: object) -> str:
    """``study`` if the page has it; else :class:`RefusedError`."""
    if not isinstance(study, str) or study not in SCENARIOS:
        raise RefusedError(
            f"There is no study {_quoted(study)} on this page: pick one from the list; "
            "nothing was run."
        )
    return study


def checked(study: object, values: Mapping[str, object]) -> tuple[str, dict[str, object]]:
    """The study and every control's value, checked (missing controls take their defaults).

    Raises:
        RefusedError: the study is not on the page, a value is out of its control's range or of the
            wrong kind, or a value names no control of the study.
    """
    name = check_study(study)
    controls = {c.key: c for c in SCENARIOS[name].controls}
    unknown = sorted(str(k) for k in values if k not in controls)
    if unknown:
        raise RefusedError(f"The study has no control {_quoted(unknown[0])}: nothing was run.")
    merged = {**defaults(name), **values}
    return name, {key: check_value(c, merged[key]) for key, c in controls.items()}


def check_worlds(value: object) -> bool:
    """The "across plausible worlds" switch: on or off; else :class:`RefusedError`."""
    if not isinstance(value, bool):
        raise RefusedError(
            f'"Across plausible worlds" must be on or off, not {_quoted(value)}: nothing was run.'
        )
    return value
