"""The study report of the page's own answer: the same run, so the same numbers.

The page answers from a small run (:data:`~sim.workshop.scenarios.LIVE_SIZE` prospects per
cadence, :data:`~sim.workshop.scenarios.LIVE_REPLICATIONS` repeats, the study's seed) of two
cadences: "yours" and the one it is compared with. The study report that ``outreach-sim
+experiment=NAME`` writes runs the study's own arms at its own size, so the two could headline
different arms and numbers. :func:`report_html` writes the study report (the same template and
wording, :func:`sim.report.study.write_study_report`) from the run the page shows: the config
:func:`~sim.workshop.scenarios.build` makes for the controls' values, simulated again with the
same seed, which gives the same tables (runs are reproducible), written to a temporary folder
and read back. The page shows it in a tab, as an ``<iframe srcdoc>`` with scripts off: no file,
no route, nothing outside the websocket (:mod:`sim.workshop.guard` refuses downloads).
"""

from __future__ import annotations

import dataclasses
import functools
import tempfile
from collections.abc import Mapping
from pathlib import Path

from sim.report.study import write_study_report
from sim.run.api import simulate
from sim.run.outputs import write_csv
from sim.workshop.inputs import checked
from sim.workshop.scenarios import LIVE_WORLD_REPLICATIONS, build


def report_html(study: str, values: Mapping[str, object], worlds: int = 0) -> str:
    """The study report of the run the page answers from, as one HTML page (cached).

    Raises:
        sim.workshop.inputs.RefusedError: a value the page's controls cannot show.
    """
    name, merged = checked(study, values)
    return _report(name, tuple(sorted(merged.items())), worlds)


@functools.lru_cache(maxsize=16)
def _report(study: str, key: tuple[tuple[str, object], ...], worlds: int) -> str:
    values = dict(key)
    if worlds:
        cfg = build(study, values, replications=LIVE_WORLD_REPLICATIONS, worlds=worlds)
    else:
        cfg = build(study, values)
    results = simulate(cfg)
    # The page's run has no study set (it writes nothing); the report names its study.
    cfg = dataclasses.replace(cfg, study=study)
    with tempfile.TemporaryDirectory(prefix="workshop_report_") as tmp:
        out = Path(tmp)
        write_csv(out / "summary.csv", results.summary)
        write_csv(out / "metrics.csv", results.metrics)
        write_csv(out / "timeseries.csv", results.timeseries)
        return write_study_report(out, cfg).read_text(encoding="utf-8")
