"""``sample_prospects`` draws the same prospects as main at 807a10e: the same bits and dtypes,
on one thread or two.

``reference_block`` is main's ``_sample_block``, kept verbatim: ``Generator.choice`` with
probabilities, ``Generator.uniform`` and a float32 copy of each trait. The optimised block
(``_choice``, ``random() + 0.5``, float32 on the copy into the population) must give the same
arrays, for every preset population and sizes that end inside a block.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from sim.model.channels import N_CHANNELS
from sim.model.config import ModelConfig, PopulationConfig
from sim.model.population import BLOCK, LOAD_GROUPS, _choice, sample_prospects
from sim.run.registry import compose


def reference_block(
    cfg: PopulationConfig, model: ModelConfig, seq: np.random.SeedSequence, block: int
) -> dict[str, npt.NDArray[np.generic]]:
    block_seq = np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, block))
    rng = np.random.Generator(np.random.PCG64(block_seq))
    mix = cfg.relationship_mix.array()
    relationship = rng.choice(3, size=BLOCK, p=mix / mix.sum()).astype(np.int8)
    mean_w = cfg.warmth.array()[relationship]
    conc = cfg.warmth_concentration
    warmth = rng.beta(np.maximum(mean_w * conc, 1e-3), np.maximum((1 - mean_w) * conc, 1e-3))
    mean_f = cfg.familiarity.array()[relationship]
    familiarity = rng.beta(np.maximum(mean_f * conc, 1e-3), np.maximum((1 - mean_f) * conc, 1e-3))
    pref_w = cfg.channel_preference.array()
    preferred = rng.choice(N_CHANNELS, size=BLOCK, p=pref_w / pref_w.sum()).astype(np.int8)
    base = cfg.affinity.array()[None, :] * rng.uniform(0.5, 1.5, size=(BLOCK, N_CHANNELS))
    affinity = np.clip(base, 0.0, 1.0)
    affinity[np.arange(BLOCK), preferred] = cfg.preferred_affinity
    sd = model.load_prospect_sd
    busyness = np.exp(rng.normal(-0.5 * sd * sd, sd, size=BLOCK))
    return {
        "relationship": relationship,
        "warmth_base": warmth.astype(np.float32),
        "familiarity0": familiarity.astype(np.float32),
        "preferred": preferred,
        "affinity": affinity.astype(np.float32),
        "busyness": busyness.astype(np.float32),
        "load_group": rng.integers(0, LOAD_GROUPS, size=BLOCK, dtype=np.uint8),
        "listens_voicemail": rng.random(BLOCK) < cfg.voicemail_listeners,
        "has_connector": rng.random(BLOCK) < cfg.connector_share,
        "enrolled_at": np.floor(rng.random(BLOCK) * cfg.enrollment_days),
        "reachable": rng.random(BLOCK) < model.reachable.array()[relationship],
        "responsiveness": rng.standard_normal(BLOCK).astype(np.float32),
    }


@pytest.mark.parametrize("population", ["cold_list", "house_list", "mixed", "networking_event"])
def test_sample_prospects_matches_the_reference_draws(population: str) -> None:
    cfg = compose([f"population={population}"])
    n = 2 * BLOCK + 123
    seq = np.random.SeedSequence(42, spawn_key=(3,))
    got = sample_prospects(cfg.population, cfg.model, n, seq)
    blocks = [reference_block(cfg.population, cfg.model, seq, b) for b in range(3)]
    for name in blocks[0]:
        want = np.concatenate([b[name] for b in blocks])[:n]
        value = getattr(got, name)
        assert value.dtype == want.dtype, name
        np.testing.assert_array_equal(value, want, err_msg=name)


def test_choice_is_generator_choice() -> None:
    pick = np.random.default_rng(7)
    for trial in range(300):
        k = int(pick.integers(1, 9))
        weights = pick.random(k) * (pick.random(k) < 0.7)
        weights[int(pick.integers(k))] += 0.5 if trial % 2 else 1.0  # a positive total
        a = np.random.default_rng(trial)
        b = np.random.default_rng(trial)
        want = a.choice(k, size=999, p=weights / weights.sum()).astype(np.int8)
        np.testing.assert_array_equal(_choice(b, weights, 999), want)
        assert a.random() == b.random()  # the stream moved on by the same draws


def test_two_threads_draw_the_same_prospects_as_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks drawn on a helper thread (sample_prospects' ``workers=2``) are the same bits."""
    import dataclasses
    import threading

    import sim.model.population as population

    cfg = compose(["population=mixed"])
    n = 7 * BLOCK + 5  # an odd number of blocks, the last one short
    seq = np.random.SeedSequence(11, spawn_key=(1,))
    threads: set[int] = set()
    draw = population._sample_block

    def recorded(*args: object) -> dict[str, npt.NDArray[np.generic]]:
        threads.add(threading.get_ident())
        return draw(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(population, "_sample_block", recorded)
    one = sample_prospects(cfg.population, cfg.model, n, seq, workers=1)
    assert len(threads) == 1
    two = sample_prospects(cfg.population, cfg.model, n, seq, workers=2)
    assert len(threads) == 2  # the helper drew some of the blocks
    for field in dataclasses.fields(one):
        np.testing.assert_array_equal(getattr(two, field.name), getattr(one, field.name))
        assert getattr(two, field.name).dtype == getattr(one, field.name).dtype


def test_the_default_uses_a_second_thread_only_for_a_large_list_and_a_second_cpu(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sim.model.population as population

    cfg = compose([])
    seq = np.random.SeedSequence(3)
    made: list[int] = []
    pool = population.ThreadPoolExecutor

    def counted(*args: object, **kwargs: object) -> object:
        made.append(1)
        return pool(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(population, "ThreadPoolExecutor", counted)
    monkeypatch.setattr(population, "usable_cpus", lambda: 2)
    sample_prospects(cfg.population, cfg.model, (population.PARALLEL_BLOCKS - 1) * BLOCK, seq)
    assert made == []  # too few blocks to be worth a thread
    sample_prospects(cfg.population, cfg.model, population.PARALLEL_BLOCKS * BLOCK, seq)
    assert made == [1]
    monkeypatch.setattr(population, "usable_cpus", lambda: 1)
    sample_prospects(cfg.population, cfg.model, 8 * BLOCK, seq)
    assert made == [1]  # one CPU: no helper


def test_an_error_on_the_helper_thread_reaches_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    import sim.model.population as population

    cfg = compose([])
    draw = population._sample_block

    def failing(c: PopulationConfig, m: ModelConfig, s: np.random.SeedSequence, b: int) -> object:
        if b == 5:  # in the second half: the helper's
            raise RuntimeError("block 5")
        return draw(c, m, s, b)

    monkeypatch.setattr(population, "_sample_block", failing)
    with pytest.raises(RuntimeError, match="block 5"):
        sample_prospects(cfg.population, cfg.model, 6 * BLOCK, np.random.SeedSequence(1), workers=2)
