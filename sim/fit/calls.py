"""The phone's answer branch where the log says what came of each call (its disposition).

A call is answered live with ``P(answered) = s(logit(answer_base) + answer_familiarity F +
answer_warmth W + answer_voicemail V)`` (docs/model.md 2.2). Where the log gives a call's
disposition, the hidden paths make the call come out as logged (:mod:`sim.fit.replay`: connected
calls answered, voicemails left, hang-ups neither), and the chance that it would, at each path's
familiarity, warmth and voicemails already left, is a factor of that path's weight in the
likelihood (:mod:`sim.fit.likelihood`): that is what makes the answer parameters estimable.
Where the disposition is not given, the answer is drawn in the paths at the base model's values,
as before.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sim.fit.params import Param, logsig, sig
from sim.fit.replay import CONNECTED, FitLog, Paths
from sim.model.arrays import F64

#: The answer parameters (2.2), estimable where the log gives calls' dispositions.
ANSWER_KINDS = ("answer_base", "answer_familiarity", "answer_warmth", "answer_voicemail")


@dataclass(frozen=True)
class Calls:
    """The calls with a disposition, one entry per (path, call), and their terms."""

    path: npt.NDArray[np.intp]  # the (path, prospect) of each, flat over (R, n)
    connected: npt.NDArray[np.bool_]
    terms: dict[str, F64]  # familiarity, warmth, voicemails left: by answer parameter

    @classmethod
    def of(cls, log: FitLog, paths: Paths) -> Calls:
        """The calls of ``log`` with a disposition, on each of ``paths`` (flat cells)."""
        lay = paths.layout
        told = log.disposition[lay.row]
        cells = np.flatnonzero(told >= 0)
        return cls(
            path=lay.path[cells],
            connected=told[cells] == CONNECTED,
            terms={
                "answer_familiarity": paths.familiarity[cells],
                "answer_warmth": paths.warmth[cells],
                "answer_voicemail": paths.voicemails[cells],
            },
        )

    def chances(self, f: dict[str, float], R: int, n: int) -> tuple[F64, F64]:
        """The log-chance of the logged dispositions per path (R, n), and each call's score.

        Connected calls were answered; the others (voicemail, no answer, busy) were not. The
        score is D log-chance / D logit of the answer.
        """
        t = self.terms
        logit = (
            np.log(f["answer_base"])
            - np.log1p(-f["answer_base"])
            + f["answer_familiarity"] * t["answer_familiarity"]
            + f["answer_warmth"] * t["answer_warmth"]
            + f["answer_voicemail"] * t["answer_voicemail"]
        )
        chance = logsig(np.where(self.connected, logit, -logit))
        total = np.bincount(self.path, weights=chance, minlength=R * n).astype(np.float64)
        return total.reshape(R, n), self.connected - sig(logit)

    def partial(self, par: Param, g_a: F64, f: dict[str, float]) -> float:
        """D log L / d answer parameter (natural scale), from the calls' posterior scores."""
        if par.kind == "answer_base":
            b = f["answer_base"]
            return float(g_a.sum()) / (b * (1.0 - b))
        return float((g_a * self.terms[par.kind]).sum())
