"""Workshop studies: a named experiment's report a trainer can put on a screen.

A study is a Hydra experiment file (``sim/conf/experiment/NAME.yaml``, overrides only) that sets
``study: NAME``, plus a note (``sim/report/study/notes/NAME.md``, shipped with the package) with
the question, the seed passage it illustrates and what to look at. After a run (or, for a sweep,
after every job), the app calls :func:`write_study_report`, which reads the job's tables, answers
the question in one sentence computed from them (with the paired confidence intervals of
``summary.csv``), draws the figures, follows one prospect through two arms
(:mod:`sim.report.journey`), and writes one self-contained ``report.html`` (figures embedded as
base64 PNG).

The modules: :mod:`~sim.report.study.notes` (the studies and their notes),
:mod:`~sim.report.study.words` (answers in words), :mod:`~sim.report.study.tables`,
:mod:`~sim.report.study.figures`, :mod:`~sim.report.study.page` (HTML),
:mod:`~sim.report.study.journeys` (journey figures from traces),
:mod:`~sim.report.study.content` (what a report says, from a run's tables) and
:mod:`~sim.report.study.write`. ``python -m sim.cli.reference --all`` (``make reference``)
reruns every study and keeps its tables, figures and report in ``results/reference/<study>/``.
"""

from sim.report.study.notes import NOTES, STUDIES, Note, StudyError, read_note
from sim.report.study.page import render_report
from sim.report.study.tables import study_table, sweep_table
from sim.report.study.words import answer_single, answer_sweep
from sim.report.study.write import REPORT_NAME, write_study_report

__all__ = [
    "NOTES",
    "REPORT_NAME",
    "STUDIES",
    "Note",
    "StudyError",
    "answer_single",
    "answer_sweep",
    "read_note",
    "render_report",
    "study_table",
    "sweep_table",
    "write_study_report",
]
