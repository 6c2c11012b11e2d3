"""What a catalogue entry is: a command that must be refused, or a fault a test provokes."""

from __future__ import annotations

from dataclasses import dataclass, field

BAD = "bad input"
HOSTILE = "hostile config"


@dataclass
class Case:
    """One command that must be refused: exit 2, one line on stderr, nothing written."""

    kind: str
    what: str
    args: list[str]
    names: list[str] = field(default_factory=list)  # what the one line must contain
    files: dict[str, str] = field(default_factory=dict)  # path under DIR -> text
    program: str = "outreach-sim"
    pythonpath: str | None = None  # a folder under DIR put first on sys.path (pkg:// cases)

    @property
    def slug(self) -> str:
        """A short test id."""
        return "".join(c if c.isalnum() else "_" for c in self.what.lower())[:60].strip("_")


def bad(what: str, *args: str, names: tuple[str, ...] = ()) -> Case:
    """A bad override (or flag) on the command line."""
    return Case(BAD, what, list(args), list(names))


STEP = "{day: 0, channel: email, message: benefit_led}"
USE_FILES = "hydra.searchpath=[file://{dir}]"


def bad_strategy(what: str, name: str, body: str, *names: str) -> Case:
    """A strategy file ``DIR/strategy/NAME.yaml`` with a mistake, run beside entitlement."""
    return Case(
        BAD,
        what,
        [USE_FILES, f"strategy=[entitlement,{name}]"],
        list(names),
        {f"strategy/{name}.yaml": body},
    )


def strategy_body(name: str, steps: str = f"[{STEP}]", extra: str = "") -> str:
    """A strategy file's text: ``name`` with ``steps`` and ``extra`` lines."""
    return f"{name}:\n  steps: {steps}\n{extra}"


def hostile(what: str, files: dict[str, str], *args: str, names: tuple[str, ...] = ()) -> Case:
    """A config (files and overrides) that tries to run code, touch files or read the env."""
    given = list(args) or [USE_FILES, "strategy=[entitlement,pwn]"]
    return Case(HOSTILE, what, given, list(names), files)


def pwn_strategy(text: str) -> dict[str, str]:
    """``DIR/strategy/pwn.yaml``."""
    return {"strategy/pwn.yaml": text}


@dataclass
class Fault:
    """A fault a sweep or run survives: the test that provokes it, and what is checked."""

    what: str
    survived: str
    test: str  # tests/FILE.py::FUNCTION
