"""Bad inputs, hostile inputs and faults of the workshop server (``outreach-sim-workshop``)."""

from __future__ import annotations

from tests.reliability.kinds import Case, Fault

#: How docs/reliability.md names this entry point.
TITLE = "the workshop server"

CASES: list[Case] = []
FAULTS: list[Fault] = []
