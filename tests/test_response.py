"""Property tests of the pure response functions (sim/model/response.py): bounds and
monotonicity."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model import response as rf

unit = st.floats(0.0, 1.0)
open_unit = st.floats(0.001, 0.999)
days = st.floats(0.0, 1000.0)
half_lives = st.floats(0.1, 1000.0)
loads = st.floats(0.0, 1000.0)
coef = st.floats(0.0, 10.0)
logits = st.floats(-30.0, 30.0)
TOL = 1e-12

settings.register_profile("sim", max_examples=150, deadline=None)
settings.load_profile("sim")


def ordered(strategy: st.SearchStrategy[float]) -> st.SearchStrategy[tuple[float, float]]:
    """Two draws, returned smallest first."""
    return st.tuples(strategy, strategy).map(lambda xy: (min(xy), max(xy)))


# --- decay and relax -----------------------------------------------------------------------


@given(st.floats(0.0, 10.0), ordered(days), half_lives)
def test_decay_is_bounded_and_monotone_in_dt(
    value: float, dts: tuple[float, float], h: float
) -> None:
    early, late = (float(rf.decay(value, dt, h)) for dt in dts)
    assert 0.0 <= late <= early + TOL <= value + 2 * TOL


@given(st.floats(0.0, 10.0), half_lives)
def test_decay_halves_at_half_life_and_is_identity_at_zero(value: float, h: float) -> None:
    assert np.isclose(rf.decay(value, 0.0, h), value)
    assert np.isclose(rf.decay(value, h, h), value / 2)


@given(unit, unit, ordered(days), half_lives)
def test_relax_moves_monotonically_toward_baseline(
    value: float, base: float, dts: tuple[float, float], h: float
) -> None:
    early, late = (float(rf.relax(value, base, dt, h)) for dt in dts)
    lo, hi = min(value, base), max(value, base)
    assert lo - TOL <= late <= hi + TOL
    # Later is never further from the baseline than earlier.
    assert abs(late - base) <= abs(early - base) + TOL


# --- need ----------------------------------------------------------------------------------


@given(st.booleans(), days, st.floats(1.0, 500.0), st.floats(1.0, 500.0))
def test_need_probability_is_a_probability(
    state: bool, dt: float, mean_in: float, mean_out: float
) -> None:
    p = float(rf.need_probability(np.array([state]), dt, mean_in, mean_out)[0])
    assert 0.0 <= p <= 1.0


@given(ordered(days), st.floats(1.0, 500.0), st.floats(1.0, 500.0))
def test_need_probability_moves_monotonically_to_the_stationary_share(
    dts: tuple[float, float], mean_in: float, mean_out: float
) -> None:
    pi = mean_in / (mean_in + mean_out)
    states = np.array([True, False])
    early = rf.need_probability(states, dts[0], mean_in, mean_out)
    late = rf.need_probability(states, dts[1], mean_in, mean_out)
    # In market now: the chance of still being in market falls with time, never below pi.
    assert pi - TOL <= late[0] <= early[0] + TOL
    # Out of market now: the chance of being in market rises with time, never above pi.
    assert early[1] - TOL <= late[1] <= pi + TOL


@given(st.floats(1.0, 500.0), st.floats(1.0, 500.0))
def test_need_probability_starts_at_the_state_and_tends_to_the_stationary_share(
    mean_in: float, mean_out: float
) -> None:
    states = np.array([True, False])
    assert np.allclose(rf.need_probability(states, 0.0, mean_in, mean_out), [1.0, 0.0])
    pi = mean_in / (mean_in + mean_out)
    far = rf.need_probability(states, 100.0 * (mean_in + mean_out), mean_in, mean_out)
    assert np.allclose(far, pi, atol=1e-9)


# --- attention and notice ------------------------------------------------------------------


@given(ordered(loads), st.floats(0.1, 500.0))
def test_attention_is_bounded_and_falls_with_load(ls: tuple[float, float], half: float) -> None:
    low, high = (float(rf.attention(load, half)) for load in ls)
    assert 0.0 < high <= low + TOL <= 1.0 + TOL
    assert np.isclose(rf.attention(half, half), 0.5)


notice_args = st.fixed_dictionaries(
    {
        "affinity": unit,
        "salience": st.floats(0.0, 5.0),
        "load": loads,
        "half_load": st.floats(0.1, 500.0),
        "familiarity": unit,
        "warmth": unit,
        "notice_familiarity": coef,
        "notice_warmth": coef,
    }
)


def notice(**kw: float) -> float:
    return float(rf.notice_probability(**kw))  # type: ignore[arg-type]


@given(notice_args)
def test_notice_is_a_probability_capped_by_affinity(kw: dict[str, float]) -> None:
    p = notice(**kw)
    assert 0.0 <= p <= kw["affinity"] + TOL


@given(notice_args, ordered(unit))
def test_notice_rises_with_familiarity(kw: dict[str, float], fs: tuple[float, float]) -> None:
    lo, hi = (notice(**{**kw, "familiarity": f}) for f in fs)
    assert lo <= hi + TOL


@given(notice_args, ordered(unit))
def test_notice_rises_with_warmth(kw: dict[str, float], ws: tuple[float, float]) -> None:
    lo, hi = (notice(**{**kw, "warmth": w}) for w in ws)
    assert lo <= hi + TOL


@given(notice_args, ordered(unit))
def test_notice_rises_with_affinity(kw: dict[str, float], aff: tuple[float, float]) -> None:
    lo, hi = (notice(**{**kw, "affinity": a}) for a in aff)
    assert lo <= hi + TOL


@given(notice_args, ordered(st.floats(0.0, 20.0)))
def test_notice_rises_with_attentiveness(kw: dict[str, float], rs: tuple[float, float]) -> None:
    lo, hi = (notice(**{**kw, "attentiveness": r}) for r in rs)
    assert lo <= hi + 1e-12


@given(st.floats(-6.0, 6.0), ordered(st.floats(0.0, 3.0)))
def test_attentiveness_rises_with_the_score_and_is_one_without_spread(
    z: float, sds: tuple[float, float]
) -> None:
    assert float(rf.attentiveness(z, 0.0)) == 1.0
    assert float(rf.attentiveness(z + 0.5, sds[1])) >= float(rf.attentiveness(z, sds[1]))


@given(notice_args, ordered(loads))
def test_notice_falls_with_load(kw: dict[str, float], ls: tuple[float, float]) -> None:
    light, heavy = (notice(**{**kw, "load": load}) for load in ls)
    assert heavy <= light + TOL


def test_notice_strictly_falls_with_load_and_rises_with_familiarity() -> None:
    # Strictness on a typical point: a flat function would pass the weak properties above.
    base = {
        "affinity": 0.7,
        "salience": 1.0,
        "load": 110.0,
        "half_load": 60.0,
        "familiarity": 0.0,
        "warmth": 0.03,
        "notice_familiarity": 2.0,
        "notice_warmth": 1.0,
    }
    assert notice(**{**base, "load": 220.0}) < notice(**base) < notice(**{**base, "load": 20.0})
    assert notice(**base) < notice(**{**base, "familiarity": 0.5})
    assert notice(**base) < notice(**{**base, "warmth": 0.5})


# --- answering the phone -------------------------------------------------------------------


@given(unit, unit, open_unit, coef, coef)
def test_answer_is_a_probability(f: float, w: float, base: float, bf: float, bw: float) -> None:
    assert 0.0 <= float(rf.answer_probability(f, w, base, bf, bw)) <= 1.0


@given(ordered(unit), unit, open_unit, st.floats(0.01, 10.0), coef)
def test_answer_rises_with_familiarity(
    fs: tuple[float, float], w: float, base: float, bf: float, bw: float
) -> None:
    lo, hi = (float(rf.answer_probability(f, w, base, bf, bw)) for f in fs)
    assert lo <= hi + TOL
    if fs[1] - fs[0] > 0.05:
        assert lo < hi or hi > 1 - 1e-9


@given(unit, ordered(unit), open_unit, coef, coef)
def test_answer_rises_with_warmth(
    f: float, ws: tuple[float, float], base: float, bf: float, bw: float
) -> None:
    lo, hi = (float(rf.answer_probability(f, w, base, bf, bw)) for w in ws)
    assert lo <= hi + TOL


@given(open_unit)
def test_answer_equals_base_for_a_stranger(base: float) -> None:
    assert np.isclose(rf.answer_probability(0.0, 0.0, base, 0.8, 1.0), base)


# --- outcomes ------------------------------------------------------------------------------


@given(logits, logits, logits)
def test_outcome_probabilities_are_probabilities_summing_to_at_most_one(
    pos: float, neg: float, opt: float
) -> None:
    p_pos, p_neg, p_opt = (float(x) for x in rf.outcome_probabilities(pos, neg, opt))
    for p in (p_pos, p_neg, p_opt):
        assert 0.0 <= p <= 1.0
    assert p_pos + p_neg + p_opt <= 1.0 + 1e-12


@given(ordered(logits), logits, logits)
def test_positive_rises_with_its_logit(pos: tuple[float, float], neg: float, opt: float) -> None:
    lo, hi = (float(rf.outcome_probabilities(x, neg, opt)[0]) for x in pos)
    assert lo <= hi + TOL


@given(logits, logits, ordered(logits))
def test_optout_rises_with_its_logit_and_crowds_out_replies(
    pos: float, neg: float, opt: tuple[float, float]
) -> None:
    low, high = (rf.outcome_probabilities(pos, neg, x) for x in opt)
    assert float(low[2]) <= float(high[2]) + TOL
    assert float(high[0]) <= float(low[0]) + TOL  # an opt-out is decided first


@given(logits, ordered(logits), logits)
def test_negative_rises_with_its_logit(pos: float, neg: tuple[float, float], opt: float) -> None:
    lo, hi = (float(rf.outcome_probabilities(pos, x, opt)[1]) for x in neg)
    assert lo <= hi + TOL


# --- warmth and familiarity ----------------------------------------------------------------


@given(unit, st.floats(-1.0, 1.0), st.floats(0.0, 10.0), coef)
def test_warmth_after_touch_stays_in_unit_interval(w: float, d: float, a: float, k: float) -> None:
    assert 0.0 <= float(rf.warmth_after_touch(w, d, a, k)) <= 1.0


@given(unit, st.floats(0.0, 1.0))
def test_positive_deposit_raises_warmth(w: float, d: float) -> None:
    after = float(rf.warmth_after_touch(w, d, 0.0, 0.05))
    assert w - TOL <= after <= 1.0
    if d > 1e-6 and w < 1 - 1e-6:
        assert after > w


@given(unit, st.floats(-1.0, 0.0))
def test_withdrawal_lowers_warmth(w: float, d: float) -> None:
    after = float(rf.warmth_after_touch(w, d, 0.0, 0.05))
    assert 0.0 <= after <= w + TOL
    if d < -1e-6 and w > 1e-6:
        assert after < w


@given(unit, ordered(st.floats(-1.0, 1.0)), st.floats(0.0, 5.0), coef)
def test_warmth_after_touch_rises_with_deposit(
    w: float, ds: tuple[float, float], a: float, k: float
) -> None:
    lo, hi = (float(rf.warmth_after_touch(w, d, a, k)) for d in ds)
    assert lo <= hi + TOL


@given(unit, st.floats(-1.0, 1.0), ordered(st.floats(0.0, 5.0)), coef)
def test_annoyance_withdraws_warmth(
    w: float, d: float, annoy: tuple[float, float], k: float
) -> None:
    calm, annoyed = (float(rf.warmth_after_touch(w, d, a, k)) for a in annoy)
    assert annoyed <= calm + TOL


@given(unit, unit)
def test_familiarity_after_touch_is_bounded_and_never_falls(f: float, g: float) -> None:
    after = float(rf.familiarity_after_touch(f, g))
    assert f - TOL <= after <= 1.0 + TOL
    if g > 1e-6 and f < 1 - 1e-6:
        assert after > f


@given(unit, ordered(unit))
def test_familiarity_rises_with_gain(f: float, gs: tuple[float, float]) -> None:
    lo, hi = (float(rf.familiarity_after_touch(f, g)) for g in gs)
    assert lo <= hi + TOL


# --- meetings and reply delays -------------------------------------------------------------


@given(unit, st.booleans(), st.floats(-5.0, 5.0), coef, coef)
def test_meeting_is_a_probability(w: float, need: bool, b0: float, bw: float, bn: float) -> None:
    assert 0.0 <= float(rf.meeting_probability(w, float(need), b0, bw, bn)) <= 1.0


@given(ordered(unit), st.booleans(), st.floats(-5.0, 5.0), st.floats(0.01, 10.0), coef)
def test_meeting_rises_with_warmth_and_need(
    ws: tuple[float, float], need: bool, b0: float, bw: float, bn: float
) -> None:
    lo, hi = (float(rf.meeting_probability(w, float(need), b0, bw, bn)) for w in ws)
    assert lo <= hi + TOL
    out, in_market = (float(rf.meeting_probability(ws[0], x, b0, bw, bn)) for x in (0.0, 1.0))
    assert out <= in_market + TOL


@given(ordered(st.floats(-5.0, 5.0)), st.floats(0.0, 30.0), st.floats(0.0, 2.0))
def test_reply_delay_is_nonnegative_and_rises_with_the_score(
    us: tuple[float, float], median: float, sd: float
) -> None:
    lo, hi = (float(rf.reply_delay_quantile(u, median, sd)) for u in us)
    assert 0.0 <= lo <= hi + TOL * max(1.0, hi)


@given(st.floats(0.0, 30.0), ordered(st.floats(0.0, 30.0)), st.floats(0.0, 2.0))
def test_reply_delay_median_and_growth_with_channel_median(
    u: float, medians: tuple[float, float], sd: float
) -> None:
    assert np.isclose(rf.reply_delay_quantile(0.0, medians[1], sd), medians[1])
    lo, hi = (float(rf.reply_delay_quantile(u, m, sd)) for m in medians)
    assert lo <= hi + TOL * max(1.0, hi)


def test_functions_are_vectorised() -> None:
    # The engine calls every function on arrays of a batch; shapes must pass through.
    x = np.linspace(0.0, 1.0, 5)
    assert rf.decay(x, x, 4.0).shape == (5,)
    assert rf.relax(x, 0.1, x, 4.0).shape == (5,)
    assert rf.need_probability(x > 0.5, x, 45.0, 180.0).shape == (5,)
    assert rf.notice_probability(x, 1.0, x * 100, 60.0, x, x, 2.0, 1.0).shape == (5,)
    assert rf.answer_probability(x, x, 0.05, 0.8, 1.0).shape == (5,)
    assert all(p.shape == (5,) for p in rf.outcome_probabilities(x, x, x))
    assert rf.warmth_after_touch(x, x - 0.5, x, 0.05).shape == (5,)
    assert rf.familiarity_after_touch(x, x).shape == (5,)
    assert rf.meeting_probability(x, x > 0.5, -0.5, 2.0, 1.0).shape == (5,)
    assert rf.reply_delay_quantile(x, x, 0.8).shape == (5,)


# --- the log-odds of a reply, a "no" and an opt-out ----------------------------------------


def _weights(**changes: float) -> rf.ReplyWeights:
    """Weights with every term 1 (the signs of the terms say which way each moves)."""
    names = rf.ReplyWeights.__dataclass_fields__
    return rf.ReplyWeights(**{**dict.fromkeys(names, 1.0), **changes})


def _reply(wt: rf.ReplyWeights, **terms: float) -> float:
    """The reply log-odds with every term 0 but ``terms``."""
    names = list(inspect.signature(rf.reply_log_odds).parameters)[1:]  # all but the weights
    return float(rf.reply_log_odds(wt, **{**dict.fromkeys(names, 0.0), **terms}))


def test_reply_log_odds_adds_each_term_times_its_weight() -> None:
    wt = _weights(response_warmth=2.0, habituation=-0.5, wearout=0.25, callback_mismatch=-3.0)
    assert _reply(wt) == 0.0
    assert _reply(wt, base=-4.0, value=1.0, frailty=0.5) == -2.5
    assert _reply(wt, warmth=1.0) == 2.0
    assert _reply(wt, exposures=2.0) == -1.0
    assert _reply(wt, received=4.0) == -1.0  # wear-out lowers it
    assert _reply(wt, voicemail=1.0) == -3.0


@given(logits, logits, st.floats(0.0, 5.0), st.floats(0.0, 1.0))
def test_negative_and_optout_log_odds_move_with_their_terms(
    base: float, msg: float, a: float, w: float
) -> None:
    wt = _weights(negative_base=base, optout_warmth=-1.0, wearout=0.5)
    neg = rf.negative_log_odds(wt, msg, w, 0.0, a, 0.0, 0.0)
    assert float(neg) == pytest.approx(base + msg + a + w, abs=1e-9)
    assert float(rf.negative_log_odds(wt, msg, w, 0.0, a, 2.0, 0.0)) < float(neg)  # wear-out
    opt = rf.optout_log_odds(wt, base, msg, w, 0.0, a)
    assert float(opt) == pytest.approx(base + a - w + msg, abs=1e-9)


def test_engine_and_fit_read_the_same_weights() -> None:
    from sim.fit.likelihood import FITTED_WEIGHTS
    from sim.model.touch import reply_weights
    from sim.run.registry import compose

    cfg = compose([]).model
    wt = reply_weights(cfg, vary_messages=True, callback_matches=False)
    assert wt.habituation == cfg.habituation_varied
    assert wt.callback_mismatch == cfg.callback_mismatch
    assert reply_weights(cfg, False, True).habituation == cfg.habituation_identical
    assert reply_weights(cfg, False, True).callback_mismatch == 0.0
    # Every weight the fit estimates is one of the log-odds' weights.
    assert set(FITTED_WEIGHTS) <= set(rf.ReplyWeights.__dataclass_fields__)
