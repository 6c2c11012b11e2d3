"""Population state as arrays: a prospect is a row index, every attribute one NumPy array.

Traits that never change during a run (relationship, channel affinity, busyness, voicemail habit,
connector, reachability, responsiveness) live in :class:`Prospects` and are shared by every arm.
What a strategy changes (warmth, familiarity, annoyance, exposures, touches received, voicemails
left) lives in :class:`ProspectState`,
made fresh for each arm from the same traits.

Sampling is prefix-stable: prospects are drawn in fixed blocks, each from its own spawned seed,
so prospect ``i`` is the same person whether the list holds 1,000 or 5,000 prospects (a
``list_multiplier`` arm works a longer list whose head is everyone else's list).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt

from sim.model.arrays import F32, F64, I8, B
from sim.model.channels import N_CHANNELS
from sim.model.config import ModelConfig, PopulationConfig
from sim.model.draws import stream_key
from sim.model.messages import N_MESSAGES
from sim.model.need import need_at_start

BLOCK = 4096
#: Populations of at least this many blocks are drawn on two threads (sample_prospects): below
#: it, starting a thread costs about what it saves.
PARALLEL_BLOCKS = 4
#: Each trait's dtype in :class:`Prospects`; blocks are drawn in float64 and rounded on the copy.
FLOAT32_TRAITS = ("warmth_base", "familiarity0", "affinity", "busyness", "responsiveness")
#: Columns of the day-to-day load shock table; a prospect follows one column (its load group).
LOAD_GROUPS = 64


@dataclass
class Prospects:
    """Static traits of ``n`` prospects (row ``i`` is prospect ``i``)."""

    relationship: I8  # 0 stranger, 1 met once, 2 client
    warmth_base: F32  # relationship warmth the prospect returns to
    familiarity0: F32  # familiarity with the rep's name at enrolment
    need0: B  # in market at day 0 (keyed per prospect: sim.model.need)
    preferred: I8  # preferred channel
    affinity: F32  # (n, channels): attention given to a touch on each channel
    busyness: F32  # multiplier on the channel loads (interruption load, seed 004)
    load_group: npt.NDArray[np.uint8]  # column of the daily load shock table
    listens_voicemail: B  # seed 003 #5: some never listen to voicemail
    has_connector: B  # a mutual connection who can introduce the rep (seeds 001, 004)
    enrolled_at: F64  # day the prospect enters the cadence
    reachable: B  # can ever reply at all (mover-stayer mixture; docs/model.md 2.14)
    responsiveness: F32  # standard normal score of the prospect's reply propensity (frailty)

    @property
    def n(self) -> int:
        """Number of prospects."""
        return int(self.warmth_base.shape[0])

    def head(self, n: int) -> Prospects:
        """The first ``n`` prospects (views, no copy): the list of an arm with fewer prospects."""
        return Prospects(**{f.name: getattr(self, f.name)[:n] for f in fields(self)})


#: Columns (float32) of a :class:`ProspectState` record: warmth, familiarity, annoyance, the
#: warmth baseline and busyness (copies of the traits, read on every touch), four packed bytes
#: (voicemails left, in market, load group, spare), the float64 time of the last update and the
#: float64 end of the current need episode (sim.model.need); then the counts, then the affinity.
W_COL, F_COL, A_COL, BASE_COL, BUSY_COL, PACKED_COL = range(6)
VOICEMAIL_BYTE, NEED_BYTE, LOAD_GROUP_BYTE = 4 * PACKED_COL, 4 * PACKED_COL + 1, 4 * PACKED_COL + 2
T_STATE_COL64, UNTIL_COL64 = 3, 4  # float64 columns (float32 columns 6-7 and 8-9)
COUNTS_COL = 10


class ProspectState:
    """What an arm's touches change, per prospect; decays are applied lazily from ``t_state``.

    One record per prospect: everything a touch reads or writes about a prospect, apart from a
    few traits read for some touches only, is one padded row of ``rows`` ((n, width) float32,
    64 or 128 bytes), so that a batch gathers it with one ``np.take`` and stores it with one
    ``np.put`` on the rows seen as one item each (docs/performance.md: one cache line per
    prospect instead of one per array). ``warmth``, ``t_state``, ``voicemails`` and the others
    are views of their column (writes go to the record).

    The counts: noticed exposures per message kind of ``count_messages``, then touches received
    per channel of ``count_channels``, all recovering from t_state. Only the kinds and channels
    the arm's strategy can use have a column (the others stay 0); ``exposures`` and ``received``
    give the full (n, kinds) tables. A single-channel arm also keeps its prospects' affinity for
    that channel in the row (``affinity_col``).
    """

    def __init__(
        self,
        rows: F32,
        count_messages: tuple[int, ...] = tuple(range(N_MESSAGES)),
        count_channels: tuple[int, ...] = tuple(range(N_CHANNELS)),
        affinity_channel: int = -1,
    ) -> None:
        self.rows = rows
        self.count_messages = count_messages
        self.count_channels = count_channels
        self.n_counts = len(count_messages) + len(count_channels)
        self.affinity_channel = affinity_channel
        self.affinity_col = COUNTS_COL + self.n_counts if affinity_channel >= 0 else -1
        self.width = int(rows.shape[1])
        #: The rows as one item each, for np.take and np.put.
        self.records = rows.view(np.dtype((np.void, 4 * self.width))).reshape(-1)
        wide = rows.view(np.float64)
        raw = rows.view(np.uint8)
        self.warmth: F32 = rows[:, W_COL]
        self.familiarity: F32 = rows[:, F_COL]
        self.annoyance: F32 = rows[:, A_COL]
        self.t_state: F64 = wide[:, T_STATE_COL64]  # time of the last update of W, F and A
        self.voicemails: npt.NDArray[np.uint8] = raw[:, VOICEMAIL_BYTE]  # call screening
        #: sim.model.need's track of the in-market state (NeedTrack keeps it here).
        self.need_until: F64 = wide[:, UNTIL_COL64]
        self.in_market: B = raw[:, NEED_BYTE].view(np.bool_)
        self.counts: F32 = rows[:, COUNTS_COL : COUNTS_COL + self.n_counts]

    @property
    def exposures(self) -> F32:
        """(n, messages): noticed exposures per message kind, recovering (at t_state); a copy."""
        out = np.zeros((self.rows.shape[0], N_MESSAGES), np.float32)
        out[:, list(self.count_messages)] = self.counts[:, : len(self.count_messages)]
        return out

    @property
    def received(self) -> F32:
        """(n, channels): touches received per channel, recovering (wear-out); a copy."""
        out = np.zeros((self.rows.shape[0], N_CHANNELS), np.float32)
        out[:, list(self.count_channels)] = self.counts[:, len(self.count_messages) :]
        return out

    def columns(self) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
        """Column of ``counts`` of each message kind and of each channel (-1: none)."""
        msg_col = np.full(N_MESSAGES, -1, np.intp)
        msg_col[list(self.count_messages)] = np.arange(len(self.count_messages))
        ch_col = np.full(N_CHANNELS, -1, np.intp)
        ch_col[list(self.count_channels)] = len(self.count_messages) + np.arange(
            len(self.count_channels)
        )
        return msg_col, ch_col

    @classmethod
    def initial(
        cls,
        prospects: Prospects,
        messages: Sequence[int] | None = None,
        channels: Sequence[int] | None = None,
    ) -> ProspectState:
        """The state at enrolment, before any touch.

        ``messages`` and ``channels``: the message kinds and channels the arm can use (default:
        all); touches on any other would find no column for their counts. The need columns are
        filled by :class:`sim.model.need.NeedTrack`.
        """
        n = prospects.n
        kinds = tuple(sorted(set(range(N_MESSAGES) if messages is None else messages)))
        chans = tuple(sorted(set(range(N_CHANNELS) if channels is None else channels)))
        used = COUNTS_COL + len(kinds) + len(chans)
        # Rows padded to 64 or 128 bytes: a row never straddles more cache lines than it must.
        width = _padded(used)
        # A single channel's affinity rides along when the padding has room for it.
        affinity_channel = chans[0] if len(chans) == 1 and used < width else -1
        rows = _aligned_zeros(n, width)
        state = cls(rows, kinds, chans, affinity_channel)
        rows[:, W_COL] = prospects.warmth_base
        rows[:, F_COL] = prospects.familiarity0
        rows[:, BASE_COL] = prospects.warmth_base
        rows[:, BUSY_COL] = prospects.busyness
        rows.view(np.uint8)[:, LOAD_GROUP_BYTE] = prospects.load_group
        if affinity_channel >= 0:
            rows[:, state.affinity_col] = prospects.affinity[:, affinity_channel]
        return state


def _aligned_zeros(n: int, width: int) -> F32:
    """An (n, width) float32 array of zeros whose first row starts on a 64-byte cache line.

    A large array from the allocator starts 16 bytes past a page boundary: every 64-byte row
    would then straddle two cache lines, and a gather would miss twice per prospect.
    """
    buffer = np.zeros(n * width + 16, np.float32)
    skip = (-buffer.ctypes.data % 64) // 4
    return buffer[skip : skip + n * width].reshape(n, width)


def _padded(columns: int) -> int:
    """The least power of two, at least 16, that holds ``columns`` float32 columns."""
    return max(16, 1 << (columns - 1).bit_length())


def need_stationary_share(model: ModelConfig) -> float:
    """Long-run share of prospects in market: on-time over on-time plus off-time."""
    on, off = model.need_mean_in_market_days, model.need_mean_out_of_market_days
    return on / (on + off)


def sample_prospects(
    cfg: PopulationConfig,
    model: ModelConfig,
    n: int,
    seq: np.random.SeedSequence,
    workers: int | None = None,
) -> Prospects:
    """Draw ``n`` prospects, block by block, so that any prefix is the same whatever ``n``.

    ``workers``: threads that draw blocks at once (default: two when the machine lets this
    process use two CPUs and there are at least :data:`PARALLEL_BLOCKS` blocks, else one). Each
    block has a generator of its own and is written to its own rows, so the prospects are the
    same bits whatever the number of threads; NumPy's samplers release the GIL while they draw.
    """
    blocks = -(-n // BLOCK)
    if workers is None:
        workers = 2 if blocks >= PARALLEL_BLOCKS and usable_cpus() > 1 else 1
    # Fill preallocated arrays block by block: a list of every block, then a concatenated copy,
    # would hold the population twice at once (a million prospects: ~50 MB more at the peak).
    # The first block gives each trait's dtype and shape.
    first = _sample_block(cfg, model, seq, 0)
    merged: dict[str, npt.NDArray[np.generic]] = {
        name: np.empty(
            (n, *values.shape[1:]), np.float32 if name in FLOAT32_TRAITS else values.dtype
        )
        for name, values in first.items()
    }

    def fill(b: int, block: dict[str, npt.NDArray[np.generic]] | None = None) -> None:
        lo, hi = b * BLOCK, min((b + 1) * BLOCK, n)
        for name, values in (block or _sample_block(cfg, model, seq, b)).items():
            merged[name][lo:hi] = values[: hi - lo]

    def fill_range(lo: int, hi: int) -> None:
        for b in range(lo, hi):
            fill(b)

    fill(0, first)
    # In market at day 0: a keyed draw per prospect (sim.model.need), the start of the need
    # trajectory every arm of the replicate follows.
    share = need_stationary_share(model)
    if workers > 1 and blocks > 2:
        # The second half of the blocks on a helper thread, the first half and the need here:
        # contiguous halves, so that each thread writes rows of its own.
        half = (blocks + 1) // 2
        with ThreadPoolExecutor(max_workers=1) as pool:
            helper = pool.submit(fill_range, half, blocks)
            fill_range(1, half)
            merged["need0"] = need_at_start(stream_key(seq), n, share)
            helper.result()
    else:
        fill_range(1, blocks)
        merged["need0"] = need_at_start(stream_key(seq), n, share)
    return Prospects(**merged)  # type: ignore[arg-type]


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _choice(rng: np.random.Generator, weights: F64, size: int) -> I8:
    """``rng.choice(len(weights), size, p=weights / weights.sum())`` as int8, the same draws.

    ``Generator.choice`` draws one ``random()`` per item and finds it in the normalised
    cumulative weights with ``searchsorted(side="right")``: the number of cumulative weights at
    or below the uniform. With a handful of weights, counting them with one comparison each is
    several times faster than the binary search per item (docs/performance.md).
    """
    p = np.asarray(weights / weights.sum(), np.float64)
    cdf = p.cumsum()
    cdf /= cdf[-1]
    u = rng.random(size)
    out = np.zeros(size, np.int8)
    for c in cdf[:-1]:  # the last is 1.0, above every uniform
        out += u >= c
    return out


def _sample_block(
    cfg: PopulationConfig, model: ModelConfig, seq: np.random.SeedSequence, block: int
) -> dict[str, npt.NDArray[np.generic]]:
    block_seq = np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, block))
    rng = np.random.Generator(np.random.PCG64(block_seq))
    relationship = _choice(rng, cfg.relationship_mix.array(), BLOCK)
    mean_w = cfg.warmth.array()[relationship]
    conc = cfg.warmth_concentration
    warmth = rng.beta(np.maximum(mean_w * conc, 1e-3), np.maximum((1 - mean_w) * conc, 1e-3))
    mean_f = cfg.familiarity.array()[relationship]
    familiarity = rng.beta(np.maximum(mean_f * conc, 1e-3), np.maximum((1 - mean_f) * conc, 1e-3))
    preferred = _choice(rng, cfg.channel_preference.array(), BLOCK)
    # Affinity varies around the population's level so that no two prospects are identical.
    # rng.uniform(0.5, 1.5) is 0.5 + 1.0 * rng.random(): the same numbers, drawn by the faster
    # fill of random() and shifted in place.
    affinity = rng.random((BLOCK, N_CHANNELS))
    affinity += 0.5
    affinity *= cfg.affinity.array()[None, :]
    np.clip(affinity, 0.0, 1.0, out=affinity)
    affinity[np.arange(BLOCK), preferred] = cfg.preferred_affinity
    sd = model.load_prospect_sd
    busyness = np.exp(rng.normal(-0.5 * sd * sd, sd, size=BLOCK))
    # Float64 draws: the copy into the population's float32 arrays rounds them (sample_prospects).
    return {
        "relationship": relationship,
        "warmth_base": warmth,
        "familiarity0": familiarity,
        "preferred": preferred,
        "affinity": affinity,
        "busyness": busyness,
        "load_group": rng.integers(0, LOAD_GROUPS, size=BLOCK, dtype=np.uint8),
        "listens_voicemail": rng.random(BLOCK) < cfg.voicemail_listeners,
        "has_connector": rng.random(BLOCK) < cfg.connector_share,
        # Reps enrol a list over its first days, not all at once (hook volume, seed 004).
        "enrolled_at": np.floor(rng.random(BLOCK) * cfg.enrollment_days),
        # Drawn last: the two mixture traits do not move the stream of any trait above.
        "reachable": rng.random(BLOCK) < model.reachable.array()[relationship],
        "responsiveness": rng.standard_normal(BLOCK),
    }


def daily_load_shocks(model: ModelConfig, days: int, seq: np.random.SeedSequence) -> F32:
    """Multiplicative day-to-day load shocks, (days, LOAD_GROUPS), mean one (seed 004)."""
    rng = np.random.Generator(np.random.PCG64(seq))
    sd = model.load_daily_sd
    return np.exp(rng.normal(-0.5 * sd * sd, sd, size=(days, LOAD_GROUPS))).astype(np.float32)
