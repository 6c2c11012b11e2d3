"""Sweeps, resources and faults of ``outreach-sim``; ``sim.api`` called from Python."""

from __future__ import annotations

from tests.reliability.kinds import Case, Fault

#: How docs/reliability.md names this entry point.
TITLE = "sweeps, resources and `sim.api`"

CASES: list[Case] = []
FAULTS: list[Fault] = []
