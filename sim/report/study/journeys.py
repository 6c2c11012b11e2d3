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
    When both arms' typical prospect is the same person, one figure.

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
    for arm, role in zip(arms, ("baseline", "best"), strict=True):
        prospect, how = typical_prospect(traced[arm])
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
