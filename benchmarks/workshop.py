"""How long the workshop page takes to answer: each study, first answer and after a control moves.

Run: ``.venv/bin/python benchmarks/workshop.py``. The page promises an answer within a couple of
seconds (docs/workshop.md); this prints the seconds per answer (simulation, wording and the
traced journey), cold cache, one process.
"""

from __future__ import annotations

import time

from sim.workshop.live import answer_for
from sim.workshop.scenarios import SCENARIOS, Control, defaults


def _moved(control: Control, start: object) -> object:
    if control.kind == "slider":
        return control.low if start == control.high else control.high
    if control.kind == "choice":
        return next(v for v in control.choices if v != start)
    return not start


def main() -> None:
    for study, scenario in SCENARIOS.items():
        start = defaults(study)  # composes the study once, as picking it on the page does
        t = time.perf_counter()
        answer_for(study, {})
        first = time.perf_counter() - t
        control = scenario.controls[0]
        t = time.perf_counter()
        answer_for(study, {control.key: _moved(control, start[control.key])})
        moved = time.perf_counter() - t
        print(f"{study:22s} first answer {first:.2f} s, after moving {control.key!r} {moved:.2f} s")


if __name__ == "__main__":
    main()
