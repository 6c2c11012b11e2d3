"""Each sequence of the log replayed by the fitted model, against its observed replies.

A sequence is the ordered list of (channel, message) steps a group of prospects received. A
prospect whose cadence stopped early at an outcome (a reply, an opt-out) shows only a prefix of
its sequence: it joins the most common sequence that its steps begin, and its replay gets the
sequence's remaining steps, spaced as the prospects who received the whole sequence got them
(the median offsets). Without that, the replay would give the prospects who answered fewer
chances to answer than the others, and the replayed totals would fall short under a correct
model. Prospects whose list stopped with no outcome (still running when the log was exported)
are replayed on what they received.

The up to :data:`MAX_SEQUENCES` most common sequences with at least :data:`MIN_PROSPECTS`
prospects are replayed :data:`REPLICATES` times with outcomes drawn by the model
(:func:`sim.fit.check.simulated_outcomes`); the 2.5 and 97.5 % quantiles of the replicates'
totals are the interval an observed total falls in with 95 % chance if the model is right
(parameter uncertainty aside). A total outside it is a warning (docs/fitting.md, 4).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, replace

import numpy as np
import numpy.typing as npt

from sim.fit.check import simulated_outcomes
from sim.fit.replay import NEGATIVE, NONE, OPT_OUT, POSITIVE, FitLog
from sim.fit.world import padded
from sim.model.channels import CHANNELS
from sim.model.config import ModelConfig, PopulationConfig
from sim.model.messages import MESSAGES

MAX_SEQUENCES = 8
MIN_PROSPECTS = 50
REPLICATES = 40
LEVEL = 0.95
#: A step: (channel, message) codes.
Steps = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class SequenceCheck:
    """One sequence: observed totals against the replayed ones and their 95 % intervals."""

    label: str
    prospects: int
    observed_replies: int
    replayed_replies: float
    replies_low: float
    replies_high: float
    observed_opt_outs: int
    replayed_opt_outs: float
    opt_outs_low: float
    opt_outs_high: float

    @property
    def replies_off(self) -> bool:
        """The observed replies fall outside the replayed interval."""
        return not self.replies_low <= self.observed_replies <= self.replies_high

    @property
    def opt_outs_off(self) -> bool:
        """The observed opt-outs fall outside the replayed interval."""
        return not self.opt_outs_low <= self.observed_opt_outs <= self.opt_outs_high

    def warnings(self) -> list[str]:
        """A terminal line per total the replay misses."""
        out = []
        for what, off, obs, mean, lo, hi in (
            ("replies", self.replies_off, self.observed_replies, self.replayed_replies,
             self.replies_low, self.replies_high),
            ("opt-outs", self.opt_outs_off, self.observed_opt_outs, self.replayed_opt_outs,
             self.opt_outs_low, self.opt_outs_high),
        ):  # fmt: skip
            if off:
                out.append(
                    f'warning: sequence "{self.label}" ({self.prospects} prospects): observed '
                    f"{obs} {what}, the fitted model replays {mean:.1f} "
                    f"({100 * LEVEL:.0f} % {lo:.0f}-{hi:.0f})"
                )
        return out

    def record(self) -> dict[str, object]:
        """``fit.json``'s entry."""
        return {**asdict(self), "replies_off": self.replies_off, "opt_outs_off": self.opt_outs_off}


def label(steps: Steps) -> str:
    """``email/benefit_led > phone/resource``."""
    return " > ".join(f"{CHANNELS[c]}/{MESSAGES[m]}" for c, m in steps)


def prospect_steps(log: FitLog) -> list[Steps]:
    """Each prospect's received steps, in order."""
    out: list[list[tuple[int, int]]] = [[] for _ in range(log.n)]
    order = np.lexsort((log.pos, log.prospect))
    for i, c, m in zip(log.prospect[order], log.channel[order], log.message[order], strict=True):
        out[int(i)].append((int(c), int(m)))
    return [tuple(s) for s in out]


def assign(steps: list[Steps]) -> tuple[list[Steps], npt.NDArray[np.intp]]:
    """The sequences checked, and each prospect's (-1: none).

    Candidates are the lists at least :data:`MIN_PROSPECTS` prospects received exactly, less
    those that begin a longer candidate (a prefix is a cadence cut short); a prospect joins the
    most common candidate its list begins. The :data:`MAX_SEQUENCES` largest groups of at least
    :data:`MIN_PROSPECTS` are kept.
    """
    counts = Counter(steps)
    common = [s for s, c in counts.most_common() if c >= MIN_PROSPECTS]
    whole = [s for s in common if not any(len(t) > len(s) and t[: len(s)] == s for t in common)]
    group = np.full(len(steps), -1, np.intp)
    for i, s in enumerate(steps):
        for g, seq in enumerate(whole):
            if seq[: len(s)] == s:
                group[i] = g
                break
    sizes = np.bincount(group[group >= 0], minlength=len(whole))
    kept = [g for g in np.argsort(-sizes, kind="stable") if sizes[g] >= MIN_PROSPECTS]
    kept = kept[:MAX_SEQUENCES]
    renumber = np.full(len(whole) + 1, -1, np.intp)
    renumber[kept] = np.arange(len(kept))
    return [whole[g] for g in kept], renumber[group]


def check_sequences(
    log: FitLog,
    model: ModelConfig,
    population: PopulationConfig,
    seed: int,
    wrong_name_rate: float = 0.0,
    replicates: int = REPLICATES,
) -> list[SequenceCheck]:
    """Each common sequence's observed reply and opt-out totals against ``model``'s replays."""
    steps = prospect_steps(log)
    sequences, group = assign(steps)
    if not sequences:
        return []
    full, row_group = _extended(log, steps, sequences, group)
    sims = np.zeros((replicates, 2, len(sequences)))
    for r in range(replicates):
        # Each replicate its own draws: a seed of its own, away from the fit's hidden paths.
        key = seed + 7919 * (r + 1)
        y, made = simulated_outcomes(full, model, population, key, wrong_name_rate)
        sims[r] = _totals(y, made, row_group, len(sequences))
    observed = _totals(log.y, np.ones(log.y.size, np.bool_), group[log.prospect], len(sequences))
    lo, hi = np.quantile(sims, [(1 - LEVEL) / 2, (1 + LEVEL) / 2], axis=0)
    mean = sims.mean(axis=0)
    return [
        SequenceCheck(
            label=label(seq),
            prospects=int((group == g).sum()),
            observed_replies=int(observed[0, g]),
            replayed_replies=float(mean[0, g]),
            replies_low=float(lo[0, g]),
            replies_high=float(hi[0, g]),
            observed_opt_outs=int(observed[1, g]),
            replayed_opt_outs=float(mean[1, g]),
            opt_outs_low=float(lo[1, g]),
            opt_outs_high=float(hi[1, g]),
        )
        for g, seq in enumerate(sequences)
    ]


def _totals(
    y: npt.NDArray[np.int8], made: npt.NDArray[np.bool_], group: npt.NDArray[np.intp], G: int
) -> npt.NDArray[np.float64]:
    """(2, G): replies (positive or "no") and opt-outs per sequence, over the touches made."""
    ok = made & (group >= 0)
    replies = ok & ((y == POSITIVE) | (y == NEGATIVE))
    return np.stack(
        [
            np.bincount(group[replies], minlength=G).astype(np.float64),
            np.bincount(group[ok & (y == OPT_OUT)], minlength=G).astype(np.float64),
        ]
    )


def _extended(
    log: FitLog, steps: list[Steps], sequences: list[Steps], group: npt.NDArray[np.intp]
) -> tuple[FitLog, npt.NDArray[np.intp]]:
    """The log's checked prospects, each cut short by an outcome given its sequence's rest.

    Returns the log to replay and each of its rows' sequence.
    """
    offsets = [_median_offsets(log, steps, seq) for seq in sequences]
    last = np.full(log.n, -np.inf)
    np.maximum.at(last, log.prospect, log.time)
    answered = np.zeros(log.n, np.bool_)
    answered[log.prospect[log.y != NONE]] = True
    extra: list[tuple[int, float, int, int]] = []  # prospect, time, channel, message
    for i in np.flatnonzero((group >= 0) & answered):
        seq, have = sequences[group[i]], len(steps[i])
        off = offsets[group[i]]
        for k in range(have, len(seq)):
            extra.append((int(i), float(last[i] + off[k] - off[have - 1]), *seq[k]))
    add = np.array(extra, np.float64).reshape(-1, 4)
    prospect = np.concatenate([log.prospect, add[:, 0].astype(np.int64)])
    time = np.concatenate([log.time, add[:, 1]])
    channel = np.concatenate([log.channel, add[:, 2].astype(np.intp)])
    message = np.concatenate([log.message, add[:, 3].astype(np.intp)])
    order = np.lexsort((time, prospect))
    pos, K = padded(prospect[order], log.n)
    full = replace(
        log,
        K=K,
        prospect=prospect[order],
        pos=pos,
        time=time[order],
        channel=channel[order],
        message=message[order],
        delay=np.full(prospect.size, np.nan),
    )
    return full, group[prospect[order]]


def _median_offsets(log: FitLog, steps: list[Steps], seq: Steps) -> npt.NDArray[np.float64]:
    """Median days from the first step to each step among the prospects who got all of ``seq``."""
    whole = np.array([s == seq for s in steps], np.bool_)
    rows = whole[log.prospect]
    first = np.full(log.n, np.inf)
    np.minimum.at(first, log.prospect, log.time)
    offset = log.time[rows] - first[log.prospect[rows]]
    k = log.pos[rows]
    return np.array([float(np.median(offset[k == j])) for j in range(len(seq))])
