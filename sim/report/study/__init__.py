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
:mod:`~sim.report.study.content` (what a report says, from a run's tables); writing the report
is here, the one place where a report asks the run layer for something: the traces of the two
arms it follows (:mod:`sim.run.journeys`). ``python -m sim.cli.reference --all``
(``make reference``) reruns every study and keeps its tables, figures and report in
``results/reference/<study>/``.
"""

from __future__ import annotations

from pathlib import Path

from omegaconf import DictConfig

from sim.model.config import ExperimentConfig
from sim.report.study.content import Content, Follow, single_run, sweep
from sim.report.study.journeys import journey_pngs
from sim.report.study.notes import NOTES, STUDIES, Note, StudyError, read_note
from sim.report.study.page import render_report
from sim.report.study.tables import study_table, sweep_table
from sim.report.study.words import QUESTIONS, Question, answer_single, answer_sweep
from sim.run.journeys import follow_everyone, job_config, pair_config
from sim.run.outputs import write_bytes, write_csv, write_text
from sim.run.registry import to_experiment

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

#: The study report replaces the app's generic page in a study's job folder (and a sweep root).
REPORT_NAME = "report.html"


def _journeys(exp: ExperimentConfig, follow: Follow) -> list[tuple[str, str, bytes]]:
    """The journey figures of the two arms to follow, from traces the run layer makes."""
    if follow.jobs is None:
        cfg, arms = exp, follow.arms
    else:
        jobs = (job_config(follow.jobs[0]), job_config(follow.jobs[1]))
        cfg = pair_config(jobs, follow.arms, follow.suffixes)
        arms = ("baseline", "best")
    traced, prospects = follow_everyone(cfg, arms)
    return journey_pngs(cfg, traced, prospects, arms)


def write_study_report(out_dir: Path | str, cfg: ExperimentConfig | DictConfig) -> Path:
    """Write ``report.html`` (and its figures and ``study_table.csv``) for a job or a sweep root.

    Args:
        out_dir: A job folder (holds ``summary.csv``) or a sweep root (job folders ``0``, ``1``,
            ...; called after every job has finished).
        cfg: The study's config (for a sweep, any job's): names the study, the arms, labels.

    Returns:
        The path of the report.
    """
    exp = cfg if isinstance(cfg, ExperimentConfig) else to_experiment(cfg)
    if exp.study is None:
        raise StudyError("study=None is not allowed here: a study name, e.g. +experiment=cool_down")
    out = Path(out_dir)
    note = read_note(exp.study)
    labels = {name: (s.label or name) for name, s in exp.strategy.items()}
    question = QUESTIONS.get(exp.study, Question())
    facts = {
        "seed": str(exp.seed),
        "replications": str(exp.replications),
        "prospects": str(exp.population.size),
        "days": f"{exp.horizon_days:g}",
        "baseline": labels.get(exp.baseline, exp.baseline),
    }
    read = single_run if (out / "summary.csv").is_file() else sweep
    content: Content = read(out, exp, labels, question)
    facts.update(content.facts)
    figures = content.figures
    if content.follow is not None:
        figures = [*figures, *_journeys(exp, content.follow)]
    for name, _, data in figures:
        write_bytes(out / name, data)
    write_csv(out / "study_table.csv", content.table.round(10))
    report = out / REPORT_NAME
    page = render_report(
        note,
        content.answer,
        content.table_html,
        [f[1:] for f in figures],
        facts,
        trade_offs=content.trade,
        rep_time=content.rep_time,
        capacity=content.capacity,
        answer_more=content.answer_more,
    )
    write_text(report, page)
    return report
