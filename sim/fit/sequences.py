"""Each sequence of the log replayed by the fitted model, against its observed replies.

A sequence is the ordered list of (channel, message) steps a group of prospects received. A
prospect whose cadence stopped early at an outcome (a reply, an opt-out) shows only a prefix of
its sequence, and the log does not say which sequence it would have received. It belongs to each
checked sequence its steps begin with a share: the chance, read off the log, that a prospect
with its steps goes on to receive that sequence (the product over the later steps of the share
of prospects who, having received the steps before, received that one next), and its replay gets
that sequence's remaining steps, spaced as the prospects who received the whole sequence got
them (the median offsets). Without the remaining steps, the replay would give the prospects who
answered fewer chances to answer than the others, and the replayed totals would fall short under
a correct model. Giving every such prospect to the most common sequence its steps begin, as a
first version did, sent all early answers of a prefix to one sequence: where a team varies its
messages at random, that sequence looked far more answered than the model replays it and its
siblings far less, a misfit of the check's own making. Prospects whose list stopped with no
outcome (still running when the log was exported) are shared the same way and replayed on what
they received. Observed and replayed totals are sums of the shares.

The up to :data:`MAX_SEQUENCES` most common sequences with at least :data:`MIN_PROSPECTS`
prospects are replayed :data:`REPLICATES` times with outcomes drawn by the model
(:func:`sim.fit.check.simulated_outcomes`); the 2.5 and 97.5 % quantiles of the replicates'
totals are the interval an observed total falls in with 95 % chance if the model is right
(parameter uncertainty aside). A total outside it is a warning (docs/fitting.md, 4).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from sim.fit.check import simulated_outcomes
from sim.fit.replay import NEGATIVE, NONE, OPT_OUT, POSITIVE, FitLog
from sim.fit.world import padded
from sim.model.arrays import F64, B
from sim.model.channels import CHANNELS
from sim.model.config import ModelConfig, PopulationConfig
from sim.model.messages import MESSAGES

MAX_SEQUENCES = 8
MIN_PROSPECTS = 50
REPLICATES = 40
LEVEL = 0.95
#: A channel pattern's message: any (:func:`pattern`).
ANY = -1
#: A step: (channel, message) codes.
Steps = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class SequenceCheck:
    """One sequence: observed totals against the replayed ones and their 95 % intervals."""

    label: str
    prospects: int
    observed_replies: float  # a sum of shares (module docstring)
    replayed_replies: float
    replies_low: float
    replies_high: float
    observed_opt_outs: float
    replayed_opt_outs: float
    opt_outs_low: float
    opt_outs_high: float
    # Positive replies alone: a model can replay the replies and miss how many say yes.
    observed_positives: float = 0.0
    replayed_positives: float = 0.0
    positives_low: float = 0.0
    positives_high: float = 0.0

    @property
    def replies_off(self) -> bool:
        """The observed replies fall outside the replayed interval."""
        return not self.replies_low <= self.observed_replies <= self.replies_high

    @property
    def opt_outs_off(self) -> bool:
        """The observed opt-outs fall outside the replayed interval."""
        return not self.opt_outs_low <= self.observed_opt_outs <= self.opt_outs_high

    @property
    def positives_off(self) -> bool:
        """The observed positive replies fall outside the replayed interval."""
        return not self.positives_low <= self.observed_positives <= self.positives_high

    def warnings(self) -> list[str]:
        """A terminal line per total the replay misses."""
        out = []
        for what, off, obs, mean, lo, hi in (
            ("replies", self.replies_off, self.observed_replies, self.replayed_replies,
             self.replies_low, self.replies_high),
            ("opt-outs", self.opt_outs_off, self.observed_opt_outs, self.replayed_opt_outs,
             self.opt_outs_low, self.opt_outs_high),
            ("positive replies", self.positives_off, self.observed_positives,
             self.replayed_positives, self.positives_low, self.positives_high),
        ):  # fmt: skip
            if off:
                out.append(
                    f'warning: sequence "{self.label}" ({self.prospects} prospects): observed '
                    f"{obs:.0f} {what}, the fitted model replays {mean:.1f} "
                    f"({100 * LEVEL:.0f} % {lo:.0f}-{hi:.0f})"
                )
        return out

    def record(self) -> dict[str, object]:
        """``fit.json``'s entry."""
        offs = {
            "replies_off": self.replies_off,
            "opt_outs_off": self.opt_outs_off,
            "positives_off": self.positives_off,
        }
        return {**asdict(self), **offs}


def label(steps: Steps) -> str:
    """``email/benefit_led > phone/resource``; a channel pattern ``email/any > phone/any``."""
    return " > ".join(f"{CHANNELS[c]}/{MESSAGES[m] if m != ANY else 'any'}" for c, m in steps)


def pattern(steps: Steps) -> Steps:
    """The channels of ``steps``, whatever their messages."""
    return tuple((c, ANY) for c, _ in steps)


def prospect_steps(log: FitLog) -> list[Steps]:
    """Each prospect's received steps, in order."""
    out: list[list[tuple[int, int]]] = [[] for _ in range(log.n)]
    order = np.lexsort((log.pos, log.prospect))
    for i, c, m in zip(log.prospect[order], log.channel[order], log.message[order], strict=True):
        out[int(i)].append((int(c), int(m)))
    return [tuple(s) for s in out]


@dataclass(frozen=True)
class Membership:
    """Which checked sequence each prospect belongs to, and with what share (one row a pair)."""

    prospect: npt.NDArray[np.intp]
    group: npt.NDArray[np.intp]
    share: F64


def assign(steps: list[Steps]) -> tuple[list[Steps], Membership]:
    """The sequences checked, and each prospect's share of them.

    First by channel and message (:func:`_assign`); the prospects who belong to none of those (a
    team that varies its messages at random spreads a long cadence over more lists than any
    holds :data:`MIN_PROSPECTS`) by their channels alone, messages as received, so that a
    cadence the log holds is checked even when no list of it is common.
    """
    sequences, members = _assign(steps)
    covered = np.bincount(members.prospect, weights=members.share, minlength=len(steps))
    rest = np.flatnonzero(covered < 0.5)
    patterns, more = _assign([pattern(steps[i]) for i in rest])
    return sequences + patterns, Membership(
        prospect=np.concatenate([members.prospect, rest[more.prospect]]),
        group=np.concatenate([members.group, more.group + len(sequences)]),
        share=np.concatenate([members.share, more.share]),
    )


def _assign(steps: list[Steps]) -> tuple[list[Steps], Membership]:
    """The sequences of ``steps`` checked, and each list's share of them.

    Candidates are the lists at least :data:`MIN_PROSPECTS` prospects received exactly, less
    those that begin a longer candidate (a prefix is a cadence cut short). A prospect whose list
    is a candidate belongs to it; one whose list begins candidates belongs to each with the
    share :func:`_continuation` reads off the log. The :data:`MAX_SEQUENCES` largest of at least
    :data:`MIN_PROSPECTS` prospects (summed shares) are kept.
    """
    counts = Counter(steps)
    common = [s for s, c in counts.most_common() if c >= MIN_PROSPECTS]
    whole = [s for s in common if not any(len(t) > len(s) and t[: len(s)] == s for t in common)]
    depth = max((len(s) for s in whole), default=0)
    begun = Counter(s[:k] for s in steps for k in range(1, min(len(s), depth) + 1))
    pairs: list[tuple[int, int, float]] = []
    for i, s in enumerate(steps):
        for g, seq in enumerate(whole):
            if len(s) <= len(seq) and seq[: len(s)] == s:
                share = _continuation(seq, len(s), begun, counts)
                if share > 0.0:
                    pairs.append((i, g, share))
    table = np.array(pairs, np.float64).reshape(-1, 3)
    group = table[:, 1].astype(np.intp)
    sizes = np.bincount(group, weights=table[:, 2], minlength=len(whole))
    kept = [g for g in np.argsort(-sizes, kind="stable") if sizes[g] >= MIN_PROSPECTS]
    kept = kept[:MAX_SEQUENCES]
    renumber = np.full(len(whole), -1, np.intp)
    renumber[kept] = np.arange(len(kept))
    mine = renumber[group] >= 0
    return [whole[g] for g in kept], Membership(
        prospect=table[mine, 0].astype(np.intp),
        group=renumber[group[mine]],
        share=table[mine, 2],
    )


def _continuation(seq: Steps, have: int, begun: Counter[Steps], exact: Counter[Steps]) -> float:
    """The share of prospects with ``seq[:have]`` who went on to receive all of ``seq``.

    Step by step: of the prospects who received ``seq[:k]`` and a step after it, the share whose
    next step was ``seq[k]``. A prospect whose list ends at ``seq[:k]`` does not count: it never
    received a step ``k``, whatever its cadence would have sent.
    """
    share = 1.0
    for k in range(have, len(seq)):
        went_on = begun[seq[:k]] - exact[seq[:k]]
        share *= begun[seq[: k + 1]] / went_on if went_on > 0 else 0.0
    return share


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
    sequences, members = assign(steps)
    if not sequences:
        return []
    full = _extended(log, steps, sequences, members)
    G, M = len(sequences), members.prospect.size
    sims = np.zeros((replicates, 3, G))
    for r in range(replicates):
        # Each replicate its own draws: a seed of its own, away from the fit's hidden paths.
        key = seed + 7919 * (r + 1)
        y, made = simulated_outcomes(full, model, population, key, wrong_name_rate)
        sims[r] = _totals(_outcomes(y, made, full.prospect, M), members, G)
    own = _outcomes(log.y, np.ones(log.y.size, np.bool_), log.prospect, log.n)
    observed = _totals(own[:, members.prospect], members, G)
    lo, hi = np.quantile(sims, [(1 - LEVEL) / 2, (1 + LEVEL) / 2], axis=0)
    mean = sims.mean(axis=0)
    sizes = np.bincount(members.group, weights=members.share, minlength=G)
    return [
        SequenceCheck(
            label=label(seq),
            prospects=round(float(sizes[g])),
            observed_replies=round(float(observed[0, g]), 2),
            replayed_replies=float(mean[0, g]),
            replies_low=float(lo[0, g]),
            replies_high=float(hi[0, g]),
            observed_opt_outs=round(float(observed[1, g]), 2),
            replayed_opt_outs=float(mean[1, g]),
            opt_outs_low=float(lo[1, g]),
            opt_outs_high=float(hi[1, g]),
            observed_positives=round(float(observed[2, g]), 2),
            replayed_positives=float(mean[2, g]),
            positives_low=float(lo[2, g]),
            positives_high=float(hi[2, g]),
        )
        for g, seq in enumerate(sequences)
    ]


def _outcomes(y: npt.NDArray[np.int8], made: B, who: npt.NDArray[np.int64], n: int) -> F64:
    """(3, n): replies (positive or "no"), opt-outs and positive replies of ``n`` prospects."""
    replies = made & ((y == POSITIVE) | (y == NEGATIVE))
    return np.stack(
        [
            np.bincount(who[replies], minlength=n).astype(np.float64),
            np.bincount(who[made & (y == OPT_OUT)], minlength=n).astype(np.float64),
            np.bincount(who[made & (y == POSITIVE)], minlength=n).astype(np.float64),
        ]
    )


def _totals(per_pair: F64, members: Membership, G: int) -> F64:
    """(3, G): each membership pair's totals times its share, summed by sequence."""
    return np.stack(
        [np.bincount(members.group, weights=row * members.share, minlength=G) for row in per_pair]
    )


def _extended(
    log: FitLog, steps: list[Steps], sequences: list[Steps], members: Membership
) -> FitLog:
    """The log to replay: a prospect per membership pair, cut-short ones given the rest.

    Pair ``e`` (prospect ``i``, sequence ``g``) is prospect ``e`` of the result: ``i``'s touches,
    and, when ``i`` answered before ``g`` ended, ``g``'s remaining steps after ``i``'s last touch.
    """
    offsets = [_median_offsets(log, steps, seq) for seq in sequences]
    sequences = [_concrete(log, steps, seq) for seq in sequences]
    first = np.searchsorted(log.prospect, np.arange(log.n))
    length = np.bincount(log.prospect, minlength=log.n)[members.prospect]
    pair = np.repeat(np.arange(members.prospect.size), length)
    start = np.repeat(np.cumsum(length) - length, length)
    rows = first[members.prospect][pair] + np.arange(pair.size) - start
    last = np.full(log.n, -np.inf)
    np.maximum.at(last, log.prospect, log.time)
    answered = np.zeros(log.n, np.bool_)
    answered[log.prospect[log.y != NONE]] = True
    extra: list[tuple[int, float, int, int]] = []  # pair, time, channel, message
    for e in np.flatnonzero(answered[members.prospect]):
        i, g = int(members.prospect[e]), int(members.group[e])
        seq, have, off = sequences[g], len(steps[i]), offsets[g]
        for k in range(have, len(seq)):
            extra.append((int(e), float(last[i] + off[k] - off[have - 1]), *seq[k]))
    add = np.array(extra, np.float64).reshape(-1, 4)
    prospect = np.concatenate([pair, add[:, 0].astype(np.int64)])
    time = np.concatenate([log.time[rows], add[:, 1]])
    channel = np.concatenate([log.channel[rows], add[:, 2].astype(np.intp)])
    message = np.concatenate([log.message[rows], add[:, 3].astype(np.intp)])
    order = np.lexsort((time, prospect))
    pos, K = padded(prospect[order], members.prospect.size)
    extra_rows = len(extra)

    def rows_then(values: npt.NDArray[Any], fill: object) -> npt.NDArray[Any]:
        """A per-row field of the log for the replay's rows: the touch's own, ``fill`` after."""
        return np.concatenate([values[rows], np.full(extra_rows, fill, values.dtype)])[order]

    return replace(
        log,
        n=members.prospect.size,
        K=K,
        prospect=prospect[order],
        pos=pos,
        time=time[order],
        channel=channel[order],
        message=message[order],
        y=rows_then(log.y, NONE),
        met=rows_then(log.met, False),
        delay=np.full(prospect.size, np.nan),
        can_decide=rows_then(log.can_decide, True),
        said_no=rows_then(log.said_no, False),
        disposition=rows_then(log.disposition, -1),
    )


def _whole(steps: list[Steps], seq: Steps) -> npt.NDArray[np.bool_]:
    """The prospects who received all of ``seq`` (a channel pattern: its channels)."""
    if any(m == ANY for _, m in seq):
        return np.array([len(s) == len(seq) and pattern(s) == seq for s in steps], np.bool_)
    return np.array([s == seq for s in steps], np.bool_)


def _concrete(log: FitLog, steps: list[Steps], seq: Steps) -> Steps:
    """``seq`` with a message at each step: a pattern's most common one there, among ``_whole``."""
    if not any(m == ANY for _, m in seq):
        return seq
    got = [steps[i] for i in np.flatnonzero(_whole(steps, seq))]
    return tuple(
        (c, Counter(s[k][1] for s in got).most_common(1)[0][0]) for k, (c, _) in enumerate(seq)
    )


def _median_offsets(log: FitLog, steps: list[Steps], seq: Steps) -> npt.NDArray[np.float64]:
    """Median days from the first step to each step among the prospects who got all of ``seq``."""
    whole = _whole(steps, seq)
    rows = whole[log.prospect]
    first = np.full(log.n, np.inf)
    np.minimum.at(first, log.prospect, log.time)
    offset = log.time[rows] - first[log.prospect[rows]]
    k = log.pos[rows]
    return np.array([float(np.median(offset[k == j])) for j in range(len(seq))])
