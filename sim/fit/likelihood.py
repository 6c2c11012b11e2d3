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

Every array is flat over the (path, touch) cells of :mod:`sim.fit.layout` (memory in proportion
to touches, not prospects times the longest history), and the work that depends on the nodes and
the need state is done on the rows where a reply may come alone. ``prod_k e_ik`` splits into the
opt-out factors of the touches that could decide (the same in every node and need state), which
go into the path's weight, and the reply rows' factors, which the need chain sums
(:mod:`sim.fit.need_chain`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from sim.fit.calls import ANSWER_KINDS, Calls
from sim.fit.layout import Index
from sim.fit.need_chain import Chain, backward, forward
from sim.fit.params import Param, dnatural, logsig, natural, sig_pair
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
class _Reply:
    """The reachable branch on the reply rows (m, Q, S): what each row shows, and the chances."""

    E: F64  # the chance of the row's reply (and meeting), given the node and need state
    sp: F64  # s(positive log-odds)
    dn: F64  # D log E / D "no" log-odds (0 on positive rows)
    pos: Index  # the positive rows
    dm: F64  # (positive rows, 1, S): D log E / D meeting log-odds


@dataclass(frozen=True)
class _Scores:
    """D log L / d each log-odds: on the reply rows (m,), and the opt-out on eligible cells."""

    p: F64  # positive log-odds
    pz: F64  # its frailty part (times the node)
    n: F64  # "no" log-odds
    nz: F64
    m: F64  # meeting log-odds (positive rows)
    o: F64  # opt-out log-odds, on the cells that could decide
    a: F64  # annoyance, every cell
    da: F64  # its derivative in the half-life
    d_pi: F64  # (n,) reachability


class Likelihood:
    """The negative log-likelihood of a log and its gradient, for a chosen set of parameters."""

    def __init__(self, log: FitLog, paths: Paths, cfg: ModelConfig, params: list[Param]) -> None:
        self.log, self.paths, self.cfg, self.params = log, paths, cfg, params
        lay = self.lay = paths.layout
        self.R, self.n = paths.R, log.n
        row = lay.row
        y = log.y[row]
        # The fit assumes the number called back is the one dialled: no callback mismatch.
        self.weights = reply_weights(cfg, log.vary_messages, callback_matches=True)
        nodes, weights = np.polynomial.hermite_e.hermegauss(NODES)
        self.z, self.wq = nodes, weights / weights.sum()
        on, off = 1.0 / cfg.need_mean_out_of_market_days, 1.0 / cfg.need_mean_in_market_days
        self.pi_need = on / (on + off)
        t = log.since_first
        before = np.where(log.pos > 0, np.arange(t.size) - 1, np.arange(t.size))
        self.gap = (t - t[before])[row]  # days since the prospect's previous touch (0: first)
        # The cells that could decide (noticed, nothing pending): the only ones with factors.
        el = np.flatnonzero(paths.eligible)
        self.el, self.ch_el, self.msg_el = el, log.channel[row[el]], log.message[row[el]]
        self.path_el, self.is_opt = lay.path[el], y[el] == OPT_OUT
        self.warmth_el, self.fam_el = paths.warmth[el], paths.familiarity[el]
        decided = (y[el] == POSITIVE) | (y[el] == NEGATIVE)
        paths_n = self.R * self.n
        self.impossible = np.bincount(self.path_el, decided, minlength=paths_n) > 0
        # The rows where a reply (positive or "no") may come, in the need chain's order: the
        # only rows where responsiveness and need enter, so the (nodes x need) work is theirs.
        reply = el[~log.said_no[row[el]] & ~self.is_opt]
        self.chain = Chain.of(reply, lay.path, t[row], paths_n, on + off)
        J = self.chain.cells
        self.ch_j, self.msg_j, self.y_j = log.channel[row[J]], log.message[row[J]], y[J]
        self.pos_j = np.flatnonzero(self.y_j == POSITIVE)
        self.neg_j = np.flatnonzero(self.y_j == NEGATIVE)
        # The terms of the reply log-odds on those rows, as (m, 1): they broadcast over need.
        self.terms_j = {name: getattr(paths, name)[J][:, None] for name in _REPLY_TERMS}
        self.neg_msg_j = cfg.negative_message.array()[self.msg_j][:, None]
        self.met_pos = log.met[row[J[self.pos_j]]][:, None, None]
        self.meet_off_pos = cfg.meeting_warmth * paths.warmth_arrival[J[self.pos_j]]
        self.calls = Calls.of(log, paths)

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
        """Annoyance at each cell for half-life ``h``, and its derivative in ``h``.

        ``a_k = a_(k-1) 2^(-gap_k / h) + increment_k``: touch by touch, every prospect and path
        at once (the same sum as ``sum_j increment_j 2^(-(t_k - t_j) / h)``, in one pass).
        """
        lay, inc = self.lay, self.paths.increment
        a, da = np.empty_like(inc), np.empty_like(inc)
        for k in range(lay.steps):
            blk = lay.block(k)
            if k == 0:
                a[blk], da[blk] = inc[blk], 0.0
                continue
            prev = lay.block(k - 1)
            before, d_before = lay.carried(k, a[prev]), lay.carried(k, da[prev])
            gap = self.gap[blk]
            f = np.exp2(-gap / h)
            a[blk] = before * f + inc[blk]
            da[blk] = (d_before + before * gap * LN2 / (h * h)) * f
        return a, da

    def __call__(self, u: F64) -> tuple[float, F64]:
        """Negative log-likelihood at ``u`` and its gradient in ``u``."""
        c = self._current(u)
        base, value, optbase = c["base"], c["value"], c["optbase"]
        assert isinstance(base, np.ndarray) and isinstance(value, np.ndarray)
        assert isinstance(optbase, np.ndarray)
        f = {k: float(v) for k, v in c.items() if not isinstance(v, np.ndarray)}  # type: ignore[arg-type]
        a, da = self.annoyance(f["annoyance_half_life"])
        wt = replace(self.weights, **{name: f[name] for name in FITTED_WEIGHTS})
        lo, do = self._optout(wt, optbase, value, a[self.el])
        reply = self._replies(wt, base, value, a[self.chain.cells], f)
        alpha, total = forward(self.chain, reply.E, self.pi_need)
        R, n, Q = self.R, self.n, self.z.size
        log_answer, answer_score = self.calls.chances(f, R, n)
        log_w = self.paths.log_weight.ravel() + log_answer.ravel()
        log_w = (log_w + np.bincount(self.path_el, lo, minlength=R * n)).reshape(R, n)
        # Shifted per prospect so that no path's weight underflows; the posteriors are ratios.
        shift = log_w.max(axis=0)
        W = np.exp(log_w - shift[None])
        pi = f["reachable"]
        C = total.reshape(R, n, Q)  # the reply rows' chain, per node
        L1 = (C * self.wq).sum(axis=-1)
        L0 = (~self.impossible).reshape(R, n).astype(np.float64)
        D = np.maximum((W * (pi * L1 + (1.0 - pi) * L0)).sum(axis=0), 1e-300)  # (n,)
        nll = -float((np.log(D) + shift - np.log(R)).sum())
        # Posterior weights: of each node on each path (over its chain total), of each path.
        c1_over = W[..., None] * pi * self.wq / D[None, :, None]  # (R, n, Q)
        post = ((c1_over * C).sum(axis=-1) + W * (1.0 - pi) * L0 / D[None]).ravel()
        beta = backward(self.chain, reply.E, self.pi_need)
        alpha *= beta
        alpha *= c1_over.reshape(-1, Q)[self.chain.path][:, :, None]  # posterior weights
        g = _Scores(
            *self._reply_scores(alpha, reply),
            o=post[self.path_el] * do,
            a=a,
            da=da,
            d_pi=(W * (L1 - L0)).sum(axis=0) / D,
        )
        # Each path's posterior weight, on each call with a disposition: the score of its answer.
        g_a = post[self.calls.path] * answer_score
        grad = np.zeros(len(self.params))
        for j, par in enumerate(self.params):
            if par.kind in ANSWER_KINDS:
                gj = self.calls.partial(par, g_a, f)
            else:
                gj = self._partial(par, g, f)
            grad[j] = -gj * dnatural(par, u[j])
        return nll, grad

    def _optout(self, wt: rf.ReplyWeights, optbase: F64, value: F64, a: F64) -> tuple[F64, F64]:
        """The opt-out part on the cells that could decide, the same in every branch.

        The log-chance of what each shows about opting out (log s(o) or log s(-o)), and its
        score in the opt-out log-odds.
        """
        val = value[self.msg_el]
        opt = rf.optout_log_odds(wt, optbase[self.ch_el], val, self.warmth_el, self.fam_el, a)
        ls_o = logsig(opt)
        is_opt = self.is_opt
        return np.where(is_opt, ls_o, ls_o - opt), is_opt - np.exp(ls_o)

    def _replies(
        self, wt: rf.ReplyWeights, base: F64, value: F64, aj: F64, f: dict[str, float]
    ) -> _Reply:
        """The reachable branch on the rows where a reply may come: (m, Q, S), S = need (out, in).

        The log-odds on each reply row in each need state (the model's own equations), then at
        each node of the responsiveness score (frailty, which adds to both log-odds), and the
        chance of what the row shows.
        """
        cfg, tj = self.cfg, self.terms_j
        aj = aj[:, None]
        frailty = f["responsiveness_sd"] * self.z[None, :, None]
        s = np.array([0.0, 1.0])[None, :]
        pp = rf.reply_log_odds(
            wt,
            base[self.ch_j][:, None],
            value[self.msg_j][:, None],
            tj["warmth"],
            tj["familiarity"],
            s,
            aj,
            tj["exposures"],
            tj["received"],
            tj["wrong_name"],
            tj["voicemail"],
            tj["answered"],
            0.0,
        )
        nn = rf.negative_log_odds(wt, self.neg_msg_j, tj["warmth"], s, aj, tj["received"], 0.0)
        sp, qp = sig_pair(pp[:, None, :] + frailty)
        sn, qn = sig_pair(nn[:, None, :] + frailty)
        N, P = self.neg_j, self.pos_j  # the few rows with a reply; the rest show nothing
        E = qp * qn
        E[N] = qp[N] * sn[N]
        dn = np.negative(sn, out=sn)
        dn[N] = qn[N]
        mm = (f["meeting_base"] + self.meet_off_pos)[:, None, None] + cfg.meeting_need * s[None]
        sm, qm = sig_pair(mm)
        E[P] = sp[P] * np.where(self.met_pos, sm, qm)  # a positive reply, a meeting or not
        dn[P] = 0.0
        return _Reply(E, sp, dn, P, self.met_pos - sm)

    def _reply_scores(self, gw: F64, reply: _Reply) -> tuple[F64, F64, F64, F64, F64]:
        """The posterior-weighted scores of the reply rows (m,) each, from weights ``gw``.

        Positive log-odds, its frailty part, "no" log-odds, its frailty part; the meeting
        log-odds on the positive rows.
        """
        P = reply.pos
        dp = np.negative(reply.sp)
        dp[P] += 1.0
        gp = np.einsum("mqs,mqs->mq", gw, dp)
        gn = np.einsum("mqs,mqs->mq", gw, reply.dn)
        gm = np.einsum("mqs,mqs->m", gw[P], np.broadcast_to(reply.dm, gw[P].shape))
        return gp.sum(axis=1), gp @ self.z, gn.sum(axis=1), gn @ self.z, gm

    def _partial(self, par: Param, g: _Scores, f: dict[str, float]) -> float:
        """D logL / d parameter (natural scale)."""
        tj, kind, J, el = self.terms_j, par.kind, self.chain.cells, self.el
        if kind == "response_base":
            return float(g.p[self.ch_j == par.index].sum())
        if kind == "optout_base":
            return float(g.o[self.ch_el == par.index].sum())
        if kind == "message_value":
            on_reply = g.p[self.msg_j == par.index].sum()
            return float(on_reply + self.cfg.optout_value * g.o[self.msg_el == par.index].sum())
        if kind == "wearout":
            return float(-((g.p + g.n) * tj["received"][:, 0]).sum())
        if kind == "habituation":
            return float((g.p * tj["exposures"][:, 0]).sum())
        if kind == "response_annoyance":
            return float((g.p * g.a[J]).sum())
        if kind == "negative_base":
            return float(g.n.sum())
        if kind == "negative_annoyance":
            return float((g.n * g.a[J]).sum())
        if kind == "optout_annoyance":
            return float((g.o * g.a[el]).sum())
        if kind == "annoyance_half_life":
            on_reply = (f["response_annoyance"] * g.p + f["negative_annoyance"] * g.n) * g.da[J]
            return float(on_reply.sum() + f["optout_annoyance"] * (g.o * g.da[el]).sum())
        if kind == "responsiveness_sd":
            return float((g.pz + g.nz).sum())
        if kind == "reachable":
            return float(g.d_pi.sum())
        if kind == "meeting_base":
            return float(g.m.sum())
        if kind == "conversation_bonus":
            return float((g.p * tj["answered"][:, 0]).sum())
        raise ValueError(f"unknown parameter kind {kind!r}")


#: What the reply log-odds read of a path, on the reply rows.
_REPLY_TERMS = (
    "warmth",
    "familiarity",
    "exposures",
    "received",
    "wrong_name",
    "voicemail",
    "answered",
)
