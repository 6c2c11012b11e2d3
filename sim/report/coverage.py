"""What a comparison's intervals cover, said beside every table that shows them.

An interval over replicates covers the simulation's own noise only, as if the model's parameters
were known; an interval across plausible worlds (``worlds=K``) carries the model's parameter
uncertainty too (docs/uncertainty.md). The terminal's table and ``report.html`` say which one
they show (:func:`coverage_note`), and across worlds, the verdict for each arm
(:func:`verdict_lines`).
"""

from __future__ import annotations

import math
import textwrap

import pandas as pd

from sim.report.verdict import world_verdict, worlds_row

#: The command a one-world answer suggests for the model's own uncertainty: 20 worlds of 2
#: replicates each (the default of ``make run``; docs/uncertainty.md says why 2).
WORLDS_COMMAND = "outreach-sim worlds=20 replications=2"
#: Width the terminal's notes are wrapped to.
WIDTH = 100


def worlds_of(summary: pd.DataFrame) -> int:
    """The worlds a summary's answer covers: 0 for one world (intervals over replicates)."""
    if "interval" not in summary.columns or summary.empty:
        return 0
    first = summary.iloc[0]
    return int(first["worlds"]) if first["interval"] == "worlds" else 0


def coverage_note(summary: pd.DataFrame, baseline: str, model_worlds: int | None) -> str:
    """One paragraph: what the intervals of ``summary`` cover, and how to get the other kind.

    Args:
        summary: The ``summary.csv`` table.
        baseline: The arm the differences are taken against.
        model_worlds: The plausible worlds the model carries (``len(model.worlds.values)``),
            None when it has none.
    """
    k = worlds_of(summary)
    if k:
        return (
            f"Intervals across {k} plausible worlds: they include the model's own uncertainty "
            "(parameter sets consistent with the evidence) as well as the replicate noise. "
            f"“Better in”: the worlds in which the arm's mean beats {baseline}'s (more replies "
            "and meetings, fewer opt-outs; docs/uncertainty.md)."
        )
    said = (
        "These intervals cover the simulation's replicate noise only: they take the model's "
        "parameters as known."
    )
    if not model_worlds:
        return f"{said} This model has no plausible worlds to run over (docs/uncertainty.md)."
    command = WORLDS_COMMAND.replace("worlds=20", f"worlds={min(20, model_worlds)}")
    return (
        f"{said} For intervals that include the model's own uncertainty, run over its plausible "
        f"worlds: {command} (docs/uncertainty.md)."
    )


def better_in(row: pd.Series) -> str:
    """``n of K``: the worlds in which the arm beats the baseline (empty for the baseline)."""
    share = float(row.get("share_worlds_better", math.nan))
    if math.isnan(share):
        return ""
    k = int(row["worlds"])
    return f"{round(share * k)} of {k}"


#: The metrics a one-world answer says in words, in this order (the run report, the terminal).
ANSWERED = ("response_rate", "meeting_rate", "opt_out_rate")


def verdicts(
    summary: pd.DataFrame, baseline: str, metric: str = "response_rate"
) -> list[tuple[str, str]]:
    """Each compared arm's verdict on ``metric`` in words.

    Across worlds: :func:`sim.report.verdict.world_verdict`. In one world, the paired replicate
    interval said as :func:`sim.run.answers.answer` does, for each metric of :data:`ANSWERED`
    (``benefit_led gets 6.0 points more positive replies than entitlement ...``).
    """
    if not worlds_of(summary):
        return one_world_answers(summary, baseline)
    out = []
    for arm in dict.fromkeys(summary["arm"]):
        row = None if arm == baseline else worlds_row(summary, str(arm), metric)
        if row is not None and isinstance(row["verdict"], str) and row["verdict"]:
            out.append((str(arm), world_verdict(row, "higher", "lower")))
    return out


def one_world_answers(summary: pd.DataFrame, baseline: str) -> list[tuple[str, str]]:
    """In one world, each compared arm's :data:`ANSWERED` metrics in words (one per line)."""
    from sim.run.answers import answer

    out = []
    rows = summary[summary["metric"].isin(ANSWERED) & (summary["arm"] != baseline)]
    order = {m: k for k, m in enumerate(ANSWERED)}
    for arm in dict.fromkeys(rows["arm"]):
        mine = rows[rows["arm"] == arm].sort_values("metric", key=lambda m: m.map(order))
        for _, row in mine.iterrows():
            said = answer(row, baseline)
            if said:
                out.append((str(arm), said))
    return out


def verdicts_heading(baseline: str, noun: str = "response rate", worlds: bool = True) -> str:
    """The line above :func:`verdicts`."""
    if not worlds:
        return f"In words, against {baseline}:"
    return f"Verdict on the {noun} against {baseline}, across the plausible worlds:"


def verdict_lines(summary: pd.DataFrame, baseline: str) -> list[str]:
    """:func:`verdicts` as the terminal prints them, under a heading.

    Across worlds: the response rate's verdict per arm. In one world: the response rate's
    answer per arm (the other metrics are in the run report), each line wrapped at :data:`WIDTH`.
    """
    k = worlds_of(summary)
    said = verdicts(summary, baseline)
    if not k:
        said = [(a, w) for a, w in said if " positive replies than " in w]
    if not said:
        return []
    if not k:
        lines = [verdicts_heading(baseline, worlds=False)]
        for _, words in said:
            lines += textwrap.wrap(
                words, width=WIDTH, initial_indent="  ", subsequent_indent="    "
            )
        return lines
    width = max(len(a) for a, _ in said)
    lines = [verdicts_heading(baseline)]
    for arm, words in said:
        wrapped = textwrap.wrap(words, width=WIDTH - width - 4)
        lines.append(f"  {arm.ljust(width)}  {wrapped[0]}")
        lines += [f"  {' ' * width}  {more}" for more in wrapped[1:]]
    return lines
