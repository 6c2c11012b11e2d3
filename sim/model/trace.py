"""What an arm records beyond its tables: the log of every touch, and traced prospects' journeys.

Both are optional and cost nothing when off. The touch log (:class:`TouchRecorder`) keeps who was
touched, when, from which step and on which channel; the journeys (:class:`Journeys`) keep, for a
few chosen prospects, one row per touch and per reply (sim.report.journey draws them).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from sim.model.arrays import F64, I64
from sim.model.channels import CHANNELS
from sim.model.messages import MESSAGES
from sim.model.population import ProspectState
from sim.model.strategy import Plan
from sim.model.touch import NONE


@dataclass(frozen=True)
class TouchLog:
    """Every touch of an arm, in the order made: who, when, which step and what was sent."""

    prospect: I64
    time: F64
    step: npt.NDArray[np.int16]
    number: npt.NDArray[np.int16]  # the prospect's touch number (1 = first touch)
    cycle: npt.NDArray[np.int8]  # cool-down pauses before this touch
    channel: npt.NDArray[np.int8]  # the channel used: a ``preferred`` step's is the prospect's
    message: npt.NDArray[np.int8]
    voicemail: npt.NDArray[np.bool_]  # the step says leave one (phone), whether or not needed
    variant: npt.NDArray[np.int16]  # index into variant_names (0: the step has no variants)
    variant_names: tuple[str, ...]

    def columns(self) -> dict[str, npt.NDArray[Any]]:
        """The log as named columns with channel, message and variant names decoded."""
        return {
            "prospect": self.prospect,
            "time": self.time,
            "step": self.step,
            "number": self.number,
            "cycle": self.cycle,
            "channel": np.asarray(CHANNELS)[self.channel],
            "message": np.asarray(MESSAGES)[self.message],
            "voicemail": self.voicemail,
            "variant": np.asarray(self.variant_names)[self.variant],
        }


class TouchRecorder:
    """The touches of an arm, kept batch by batch, joined into a :class:`TouchLog` at the end."""

    def __init__(self) -> None:
        """Start with no touches."""
        self.parts: list[tuple[npt.NDArray[Any], ...]] = []

    def append(self, *columns: npt.NDArray[Any]) -> None:
        """Keep a batch: prospects, times, steps, touch numbers, cycles, slots, channels."""
        self.parts.append(columns)

    def log(self, plan: Plan) -> TouchLog:
        """Every touch kept, in order, with the message, voicemail and variant of its slot."""
        parts = self.parts or [
            (
                np.zeros(0, np.int64),
                np.zeros(0),
                *(np.zeros(0, np.int16),) * 4,
                np.zeros(0, np.int8),
            )
        ]
        columns = (np.concatenate(c) for c in zip(*parts, strict=True))
        prospect, time, step, number, cycle, slot, channel = columns
        return TouchLog(
            prospect=prospect.astype(np.int64),
            time=time.astype(np.float64),
            step=step.astype(np.int16),
            number=number.astype(np.int16),
            cycle=cycle.astype(np.int8),
            channel=channel.astype(np.int8),  # the channel used (``preferred`` resolved)
            message=plan.message[slot],
            voicemail=plan.voicemail[slot],
            variant=plan.variant_code[slot],
            variant_names=plan.variant_names,
        )


class Journeys:
    """One row per touch and per reply of a few traced prospects (sim.report.journey)."""

    def __init__(self, trace: Sequence[int], n: int) -> None:
        """Trace the prospects ``trace`` among ``n`` (those beyond ``n`` are not in the arm)."""
        ids = np.asarray(trace, dtype=np.intp)
        ids = ids[ids < n]  # a prospect beyond this arm's (shorter) list is not in it
        self.traced = np.zeros(n, np.bool_)
        self.traced[ids] = True
        self.rows: list[dict[str, Any]] = []

    @classmethod
    def of(cls, trace: Sequence[int], n: int) -> Journeys | None:
        """The journeys of ``trace`` among ``n`` prospects; None when none of them is in the arm."""
        journeys = cls(trace, n)
        return journeys if journeys.traced.any() else None

    def touches(
        self, state: ProspectState, pending_at: F64, idx: I64, t: F64, *cols: npt.NDArray[Any]
    ) -> None:
        """Append one row per traced touch: what was sent, what was noticed, the state after."""
        ch, msg, noticed, answered, voicemail, need, attn, p_notice, kind = cols
        for j, i in enumerate(idx):
            self.rows.append(
                {
                    "event": "touch",
                    "prospect": int(i),
                    "time": float(t[j]),
                    "channel": int(ch[j]),
                    "message": int(msg[j]),
                    "noticed": bool(noticed[j]),
                    "answered": bool(answered[j]),
                    "voicemail": bool(voicemail[j]),
                    "in_market": bool(need[j]),
                    "attention": float(attn[j]),
                    "p_notice": float(p_notice[j]),
                    "warmth": float(state.warmth[i]),
                    "annoyance": float(state.annoyance[i]),
                    "familiarity": float(state.familiarity[i]),
                    "decided": int(kind[j]),
                    "reply_at": float(pending_at[i]) if kind[j] != NONE else math.nan,
                }
            )

    def replies(
        self, ready: I64, pending_at: F64, pending_kind: npt.NDArray[np.int8], met: npt.NDArray[Any]
    ) -> None:
        """Append one row per traced reply among ``ready``: its time, outcome and meeting."""
        for i in ready[self.traced[ready]]:
            self.rows.append(
                {
                    "event": "reply",
                    "prospect": int(i),
                    "time": float(pending_at[i]),
                    "decided": int(pending_kind[i]),
                    "meeting": bool(met[i]),
                }
            )
