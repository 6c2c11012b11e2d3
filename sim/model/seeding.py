"""Seeding: one root ``SeedSequence`` per run, spawned into independent named streams.

Replicate ``r`` of a run with seed ``s`` draws from ``SeedSequence(s, spawn_key=(r,))``; that
sequence is split into the streams below, always in the same order, so a stream never depends on
how many draws another stream made. No global random state is used anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Population traits (prefix-stable blocks), day-to-day load shocks, schedule jitter, responses.
STREAMS: tuple[str, ...] = ("population", "load", "schedule", "responses")


@dataclass(frozen=True)
class Streams:
    """The seed sequences of one replicate; generators are made fresh per arm from them."""

    seed: int
    replicate: int
    population: np.random.SeedSequence
    load: np.random.SeedSequence
    schedule: np.random.SeedSequence
    responses: np.random.SeedSequence

    def generator(self, stream: str) -> np.random.Generator:
        """A new generator on ``stream``; each arm gets its own, starting at the same state.

        Arms of one replicate therefore start from identical random numbers (common random
        numbers), which makes their differences paired.
        """
        seq: np.random.SeedSequence = getattr(self, stream)
        return np.random.Generator(np.random.PCG64(seq))


def replicate_streams(seed: int, replicate: int) -> Streams:
    """The streams of replicate ``replicate`` under root ``seed``."""
    root = np.random.SeedSequence(seed, spawn_key=(replicate,))
    children = root.spawn(len(STREAMS))
    return Streams(seed, replicate, *children)


def side_stream(rng: np.random.Generator) -> np.random.Generator:
    """A stream independent of ``rng``, made without drawing from it (a PCG64 jump-ahead)."""
    bits = rng.bit_generator
    if not isinstance(bits, np.random.PCG64):
        raise TypeError("pass schedule_rng explicitly when the generator is not PCG64")
    return np.random.Generator(bits.jumped())
