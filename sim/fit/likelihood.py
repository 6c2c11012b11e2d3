"""The log-likelihood of a touch log under the model's response, with its exact gradient.

Per prospect ``i`` (docs/fitting.md, 2):

    L_i = 1/R sum_r W_ir [ pi sum_q w_q sum_{need} prod_k e_ik(r, q, s_k)
                          + (1 - pi) prod_k e0_ik(r) ]

over ``R`` hidden paths ``r`` (:mod:`sim.fit.replay`, importance weight ``W_ir``), reachability
(share ``pi``; the unreachable only opt out), the responsiveness score ``z_q`` (Gauss-Hermite
nodes and weights ``w_q``: the frailty integrated exactly, not drawn), and need as the model's
two-state Markov chain (:func:`sim.model.response.need_probability`), summed by the forward
algorithm. ``e`` is the chance of what the touch shows under the model's three-way split
(sim.model.response.outcome_probabilities): opt-out ``s(o)``, positive ``(1-s(o)) s(p)``, "no"
``(1-s(o))(1-s(p)) s(n)``, nothing ``(1-s(o))(1-s(p))(1-s(n))``, times the meeting chance on a
positive reply. The gradient comes from the forward-backward posteriors: the score of each
logit, weighted by how likely each hidden state is given the prospect's whole log.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from sim.fit.calls import ANSWER_KINDS, Calls
from sim.fit.need_chain import forward_backward
from sim.fit.params import Param, dnatural, logsig, natural
from sim.fit.replay import NEGATIVE, OPT_OUT, POSITIVE, FitLog, Paths
from sim.model import response as rf
from sim.model.arrays import F64
from sim.model.config import ModelConfig
from sim.model.touch import reply_weights

#: Gauss-Hermite nodes for the responsiveness score: enough for a normal random effect on a logit.
NODES = 7
LN2 = float(np.log(2.0))
#: The weights of the log-odds (sim.model.response.ReplyWeights) the fit may estimate.
FITTED_WEIGHTS = (
    "wearout",
    "habituation",
    "response_annoyance",
    "negative_base",
    "negative_annoyance",
    "optout_annoyance",
    "conversation_bonus",
)


@dataclass(frozen=True)
class _Rows:
    """The reachable branch on the reply rows (m, Q, S): log-chances of what each row shows."""

    reply: F64  # the log-chance of the row's reply (and meeting), given the node and need state
    ls_p: F64  # log s(positive log-odds)
    ls_n: F64  # log s("no" log-odds)
    ls_m: F64  # log s(meeting log-odds)
    is_pos: npt.NDArray[np.bool_]
    is_neg: npt.NDArray[np.bool_]
    metj: npt.NDArray[np.bool_]


class Likelihood:
    """The negative log-likelihood of a log and its gradient, for a chosen set of parameters."""

    def __init__(self, log: FitLog, paths: Paths, cfg: ModelConfig, params: list[Param]) -> None:
        self.log, self.paths, self.cfg, self.params = log, paths, cfg, params
        R, n, K = paths.R, log.n, log.K
        self.R, self.n, self.K = R, n, K
        self.ch, self.msg = np.zeros((n, K), np.intp), np.zeros((n, K), np.intp)
        self.y = np.zeros((n, K), np.int8)
        self.met = np.zeros((n, K), np.bool_)
        self.said_no = np.zeros((n, K), np.bool_)
        self.t = np.zeros((n, K))
        at = (log.prospect, log.pos)
        self.ch[at], self.msg[at], self.y[at] = log.channel, log.message, log.y
        self.met[at], self.said_no[at], self.t[at] = log.met, log.said_no, log.since_first
        # Padding repeats the prospect's last time: no time passes, the need chain stays put.
        for k in range(1, K):
            pad = ~paths.active[:, k]
            self.t[pad, k] = self.t[pad, k - 1]
        p = paths
        el = p.eligible
        self.elig = el
        self.reply_rows = el & ~self.said_no[None]  # rows where a reply (not only opt-out) may come
        m = cfg
        # The fit assumes the number called back is the one dialled: no callback mismatch.
        self.weights = reply_weights(cfg, log.vary_messages, callback_matches=True)
        self.meet_off = m.meeting_warmth * p.warmth_arrival
        nodes, weights = np.polynomial.hermite_e.hermegauss(NODES)
        self.z, self.wq = nodes, weights / weights.sum()
        on, off = 1.0 / m.need_mean_out_of_market_days, 1.0 / m.need_mean_in_market_days
        self.pi_need = on / (on + off)
        x = np.ones((n, K))
        x[:, 1:] = np.exp(-(on + off) * (self.t[:, 1:] - self.t[:, :-1]))
        self.x = x  # the chain's memory between touches: T = pi + (state - pi) x
        self.W = np.exp(p.log_weight)  # (R, n)
        self.dt = self.t[:, :, None] - self.t[:, None, :]  # (n, K, K): t_k - t_j
        self.y_b = self.y[None]
        # The rows where a reply (positive or "no") may come, flat over (R, n, K): the only rows
        # where responsiveness and need enter, so the (nodes x need) work is done on them alone.
        shape = (R, n, K)
        rows = self.reply_rows & (np.broadcast_to(self.y_b, shape) != OPT_OUT)
        J = np.flatnonzero(rows.ravel())
        self.reply_flat = J
        # The terms of the reply log-odds on those rows, as (rows, 1, 1): they broadcast over the
        # nodes and the need states.
        self.terms_j = {
            name: getattr(p, name).ravel()[J][:, None, None]
            for name in (
                "warmth",
                "familiarity",
                "exposures",
                "received",
                "wrong_name",
                "voicemail",
                "answered",
            )
        }
        negative_message = m.negative_message.array()[self.msg][None]
        self.neg_msg_j = np.broadcast_to(negative_message, shape).ravel()[J][:, None, None]
        self.met_j = np.broadcast_to(self.met[None], shape).ravel()[J]
        self.meet_off_j = self.meet_off.ravel()[J]
        self.calls = Calls.of(log, paths, self.K)

    # --- parameters ---------------------------------------------------------------------

    def _current(self, u: F64) -> dict[str, object]:
        cfg = self.cfg
        base = cfg.response_base.array().copy()
        value = cfg.message_value.array().copy()
        optbase = cfg.optout_base.array().copy()
        s: dict[str, float] = {
            "wearout": cfg.wearout,
            "habituation": (
                cfg.habituation_varied if self.log.vary_messages else cfg.habituation_identical
            ),
            "response_annoyance": cfg.response_annoyance,
            "negative_base": cfg.negative_base,
            "negative_annoyance": cfg.negative_annoyance,
            "optout_annoyance": cfg.optout_annoyance,
            "annoyance_half_life": cfg.annoyance_half_life_days,
            "responsiveness_sd": cfg.responsiveness_sd,
            "reachable": float(cfg.reachable.array().mean()),
            "meeting_base": cfg.meeting_base,
            "conversation_bonus": cfg.conversation_bonus,
            **{kind: float(getattr(cfg, kind)) for kind in ANSWER_KINDS},
        }
        for par, v in zip(self.params, u, strict=True):
            val = float(natural(par, v))
            if par.kind == "response_base":
                base[par.index] = val
            elif par.kind == "message_value":
                value[par.index] = val
            elif par.kind == "optout_base":
                optbase[par.index] = val
            else:
                s[par.kind] = val
        return {"base": base, "value": value, "optbase": optbase, **s}

    # --- the likelihood -----------------------------------------------------------------

    def annoyance(self, h: float) -> tuple[F64, F64]:
        """Annoyance at each touch for half-life ``h`` and its derivative in ``h`` (R, n, K)."""
        inc = self.paths.increment
        a = np.zeros_like(inc)
        da = np.zeros_like(inc)
        for k in range(self.K):
            dt = self.dt[:, k, : k + 1]  # (n, k+1)
            f = np.exp2(-dt / h)
            a[:, :, k] = np.einsum("rnj,nj->rn", inc[:, :, : k + 1], f)
            da[:, :, k] = np.einsum("rnj,nj->rn", inc[:, :, : k + 1], f * dt * LN2 / (h * h))
        return a, da

    def __call__(self, u: F64) -> tuple[float, F64]:
        """Negative log-likelihood at ``u`` and its gradient in ``u``."""
        c = self._current(u)
        base, value, optbase = c["base"], c["value"], c["optbase"]
        assert isinstance(base, np.ndarray) and isinstance(value, np.ndarray)
        assert isinstance(optbase, np.ndarray)
        f = {k: float(v) for k, v in c.items() if not isinstance(v, np.ndarray)}  # type: ignore[arg-type]
        a, da = self.annoyance(f["annoyance_half_life"])
        val = value[self.msg][None]
        pi = f["reachable"]
        wt = replace(self.weights, **{name: f[name] for name in FITTED_WEIGHTS})
        lo, do, L0 = self._optout(wt, optbase, val, a)
        rows = self._replies(wt, base, val, a, f)
        alpha, beta, L1q = self._need_chain(lo, rows.reply)
        L1 = (L1q * self.wq).sum(axis=-1)  # (R, n)
        log_answer, answer_score = self.calls.chances(f, self.R, self.n)
        W = self.W * np.exp(log_answer)
        D = (W * (pi * L1 + (1.0 - pi) * L0)).sum(axis=0)  # (n,)
        D = np.maximum(D, 1e-300)
        nll = -float(np.log(D / self.R).sum())
        # Posterior weights of each component, and of each need state at each reply row.
        Q, K = self.z.size, self.K
        c1 = W[..., None] * pi * self.wq * L1q / D[None, :, None]  # (R, n, Q)
        c1_over = (c1 / np.where(L1q > 0, L1q, 1.0)).reshape(-1, Q)[self.reply_flat // K]  # (m, Q)
        g_p, g_pz, g_n, g_nz, g_m = self._reply_scores(alpha, beta, c1_over, rows)
        g_o = (c1.sum(axis=-1) + c0_of(W, pi, L0, D))[..., None] * do
        d_pi = (W * (L1 - L0)).sum(axis=0) / D
        # Each path's posterior weight, on each call with a disposition: the score of its answer.
        g_a = (c1.sum(axis=-1) + c0_of(W, pi, L0, D)).ravel()[self.calls.path] * answer_score
        grad = np.zeros(len(self.params))
        for j, par in enumerate(self.params):
            if par.kind in ANSWER_KINDS:
                gj = self.calls.partial(par, g_a, f)
            else:
                gj = self._partial(par, g_p, g_pz, g_n, g_nz, g_o, g_m, a, da, f, d_pi)
            grad[j] = -gj * dnatural(par, u[j])
        return nll, grad

    def _optout(self, wt: rf.ReplyWeights, optbase: F64, val: F64, a: F64) -> tuple[F64, F64, F64]:
        """The opt-out part, the same in both branches (R, n, K), and the unreachable branch.

        Returns the log-chance of what each touch shows about opting out (log s(o) or
        log s(-o)), its score in the opt-out log-odds, and the unreachable branch's likelihood
        (R, n): replies impossible.
        """
        y, el, p = self.y_b, self.elig, self.paths
        opt = rf.optout_log_odds(wt, optbase[self.ch][None], val, p.warmth, p.familiarity, a)
        ls_o = logsig(opt)
        is_opt = y == OPT_OUT
        lo = np.where(el, np.where(is_opt, ls_o, ls_o - opt), 0.0)
        do = np.where(el, is_opt - np.exp(ls_o), 0.0)
        impossible = (el & ((y == POSITIVE) | (y == NEGATIVE))).any(axis=2)
        L0 = np.where(impossible, 0.0, np.exp(lo.sum(axis=2)))  # (R, n)
        return lo, do, L0

    def _replies(
        self, wt: rf.ReplyWeights, base: F64, val: F64, a: F64, f: dict[str, float]
    ) -> _Rows:
        """The reachable branch on the rows where a reply may come: (m, Q, S), S = need (out, in).

        The log-odds on each reply row, at each node of the responsiveness score (frailty) and
        in each need state, and the log-chance of what the row shows.
        """
        J, cfg = self.reply_flat, self.cfg
        yj = np.broadcast_to(self.y_b, a.shape).ravel()[J][:, None, None]
        aj = a.ravel()[J][:, None, None]
        frailty = f["responsiveness_sd"] * self.z[None, :, None]
        s = np.array([0.0, 1.0])[None, None, :]
        tj = self.terms_j
        pp = rf.reply_log_odds(
            wt,
            base[self.ch][None].repeat(self.R, 0).ravel()[J][:, None, None],
            val.repeat(self.R, 0).ravel()[J][:, None, None],
            tj["warmth"],
            tj["familiarity"],
            s,
            aj,
            tj["exposures"],
            tj["received"],
            tj["wrong_name"],
            tj["voicemail"],
            tj["answered"],
            frailty,
        )
        nn = rf.negative_log_odds(wt, self.neg_msg_j, tj["warmth"], s, aj, tj["received"], frailty)
        ls_p, ls_n = logsig(pp), logsig(nn)
        is_pos = yj == POSITIVE
        is_neg = yj == NEGATIVE
        reply = np.where(is_pos, ls_p, ls_p - pp)
        metj = self.met_j[:, None, None]
        mm = (f["meeting_base"] + self.meet_off_j)[:, None, None] + cfg.meeting_need * s
        ls_m = logsig(mm)
        reply = reply + np.where(is_pos, np.where(metj, ls_m, ls_m - mm), 0.0)
        reply = reply + np.where(is_pos, 0.0, np.where(is_neg, ls_n, ls_n - nn))
        return _Rows(reply, ls_p, ls_n, ls_m, is_pos, is_neg, metj)

    def _need_chain(self, lo: F64, reply: F64) -> tuple[F64, F64, F64]:
        """Forward-backward over need, per (r, i, q): alpha, beta and the likelihood (R, n, Q)."""
        Q, S = self.z.size, 2
        E = np.empty((*lo.shape, Q, S))
        E[...] = np.exp(lo)[..., None, None]
        Ef = E.reshape(-1, Q, S)
        Ef[self.reply_flat] *= np.exp(reply)
        return forward_backward(E, self.x, self.pi_need)

    def _reply_scores(self, alpha: F64, beta: F64, c1_over: F64, rows: _Rows) -> F64:
        """The posterior-weighted scores of the reply rows (5, R, n, K).

        Positive log-odds, its frailty part, "no" log-odds, its frailty part, meeting log-odds.
        """
        J, zq = self.reply_flat, self.z[None, :, None]
        Q, S = self.z.size, 2
        gw = alpha.reshape(-1, Q, S)[J] * beta.reshape(-1, Q, S)[J] * c1_over[:, :, None]
        is_pos = rows.is_pos
        dp = np.where(is_pos, 1.0, 0.0) - np.exp(rows.ls_p)
        dn = np.where(is_pos, 0.0, rows.is_neg - np.exp(rows.ls_n))
        dm = np.where(is_pos, rows.metj - np.exp(rows.ls_m), 0.0)
        g = np.zeros((5, *alpha.shape[:3]))
        gf = g.reshape(5, -1)
        gf[0, J] = (gw * dp).sum(axis=(-2, -1))
        gf[1, J] = (gw * dp * zq).sum(axis=(-2, -1))
        gf[2, J] = (gw * dn).sum(axis=(-2, -1))
        gf[3, J] = (gw * dn * zq).sum(axis=(-2, -1))
        gf[4, J] = (gw * dm).sum(axis=(-2, -1))
        return g

    def _partial(
        self,
        par: Param,
        g_p: F64,
        g_pz: F64,
        g_n: F64,
        g_nz: F64,
        g_o: F64,
        g_m: F64,
        a: F64,
        da: F64,
        f: dict[str, float],
        d_pi: F64,
    ) -> float:
        """D logL / d parameter (natural scale)."""
        p = self.paths
        kind = par.kind
        if kind == "response_base":
            return float(g_p[:, self.ch == par.index].sum())
        if kind == "optout_base":
            return float(g_o[:, self.ch == par.index].sum())
        if kind == "message_value":
            sel = self.msg == par.index
            return float((g_p + self.cfg.optout_value * g_o)[:, sel].sum())
        if kind == "wearout":
            return float(-((g_p + g_n) * p.received).sum())
        if kind == "habituation":
            return float((g_p * p.exposures).sum())
        if kind == "response_annoyance":
            return float((g_p * a).sum())
        if kind == "negative_base":
            return float(g_n.sum())
        if kind == "negative_annoyance":
            return float((g_n * a).sum())
        if kind == "optout_annoyance":
            return float((g_o * a).sum())
        if kind == "annoyance_half_life":
            lin = f["response_annoyance"] * g_p + f["negative_annoyance"] * g_n
            lin = lin + f["optout_annoyance"] * g_o
            return float((lin * da).sum())
        if kind == "responsiveness_sd":
            return float((g_pz + g_nz).sum())
        if kind == "reachable":
            return float(d_pi.sum())
        if kind == "meeting_base":
            return float(g_m.sum())
        if kind == "conversation_bonus":
            return float((g_p * p.answered).sum())
        raise ValueError(f"unknown parameter kind {kind!r}")


def c0_of(W: F64, pi: float, L0: F64, D: F64) -> F64:
    """Posterior weight of each path's unreachable branch (R, n)."""
    return np.asarray(W * (1.0 - pi) * L0 / D[None])
