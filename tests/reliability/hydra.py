"""Hydra's own options, output paths, configs as data on every path."""

from __future__ import annotations

from tests.reliability.kinds import Case, Fault

#: How docs/reliability.md names this entry point.
TITLE = "Hydra's own options and output paths"

CASES: list[Case] = []
FAULTS: list[Fault] = []
