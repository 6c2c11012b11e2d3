"""A study's journey figures: a typical prospect of each of two arms, followed through both."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from sim.model.config import ExperimentConfig
from sim.model.population import Prospects
from sim.report.journey import journey_figure, journeys_of, typical_prospect
from sim.report.plots import png
from sim.report.study.figures import FIGURE_DPI


def journey_pngs(
    cfg: ExperimentConfig,
    traced: Mapping[str, pd.DataFrame],
    prospects: Prospects,
    arms: tuple[str, str],
) -> list[tuple[str, str, bytes]]:
    """A typical prospect of the baseline and one of the best arm, each followed through both.

    "Typical" is :func:`sim.report.journey.typical_prospect` (the arm's commonest outcome, the
    median number of touches among those), in replicate 0; the caption says how each was picked.
    When both arms' typical prospect is the same person, one figure. Where the two arms send
    some prospects the very same touches, the typical prospects are picked among the others
    (:func:`treated_differently`): channel match's email-lovers get the same emails in both.

    Args:
        cfg: The config the traces were run with (arm labels, the model's decays, the horizon).
        traced: The trace rows of ``arms`` (:func:`sim.run.journeys.follow_everyone`).
        prospects: The prospects of those runs.
        arms: The baseline's arm and the best arm.

    Returns:
        ``(file name, caption, PNG)`` per figure: ``study_journey_baseline.png`` (a typical
        prospect of the baseline), ``study_journey_best.png`` (of the best arm).
    """
    labels = {name: (s.label or name) for name, s in cfg.strategy.items()}
    out: list[tuple[str, str, bytes]] = []
    seen: set[int] = set()
    differ = treated_differently({a: traced[a] for a in arms})
    for arm, role in zip(arms, ("baseline", "best"), strict=True):
        prospect, how = typical_prospect(traced[arm], differ)
        if prospect in seen:
            continue
        seen.add(prospect)
        fig = journey_figure(journeys_of(traced, prospects, prospect, cfg), cfg)
        caption = (
            f"Prospect {prospect}, followed through both strategies (replicate 0), is a typical "
            f"prospect of “{labels[arm]}”: {how}."
        )
        out.append((f"study_journey_{role}.png", caption, png(fig, dpi=FIGURE_DPI)))
    return out


def treated_differently(rows: Mapping[str, pd.DataFrame]) -> set[int]:
    """The prospects whose touches differ in channel or message between the arms of ``rows``.

    Two arms that send some prospects the very same touches (channel match: everyone who prefers
    email gets the same emails in both) tell nothing about those prospects; a journey followed
    through both arms should be one of the others. A cadence that a reply or an opt-out ended
    early is compared as far as it went. Timing is not compared: arms that differ only in spacing
    (stalker mode, cool down) treat nobody differently here, and then every prospect counts
    (:func:`sim.report.journey.typical_prospect` falls back to all).
    """
    seqs = []
    for frame in rows.values():
        if frame.empty:
            seqs.append(pd.Series(dtype=object))
            continue
        touches = frame[frame["event"] == "touch"].sort_values(["prospect", "time"], kind="stable")
        pairs = touches["channel"].astype(str) + ":" + touches["message"].astype(str)
        seqs.append(pairs.groupby(touches["prospect"]).agg(tuple))
    if len(seqs) < 2:
        return set()
    everyone = set().union(*(set(s.index) for s in seqs))
    first = seqs[0]
    return {
        int(p) for p in everyone if any(_apart(first.get(p, ()), s.get(p, ())) for s in seqs[1:])
    }


def _apart(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Whether two touch sequences differ where both go (a cadence a reply ended is a prefix)."""
    n = min(len(a), len(b))
    return a[:n] != b[:n]
