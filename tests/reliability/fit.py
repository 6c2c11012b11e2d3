"""Bad inputs, hostile inputs and faults of ``outreach-sim-fit``: logs, mappings, arguments."""

from __future__ import annotations

from tests.reliability.kinds import Case, Fault

#: How docs/reliability.md names this entry point.
TITLE = "`outreach-sim-fit`"

CASES: list[Case] = []
FAULTS: list[Fault] = []
