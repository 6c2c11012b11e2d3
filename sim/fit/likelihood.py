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

from dataclasses import dataclass

import numpy as np

from sim.fit.replay import NEGATIVE, OPT_OUT, POSITIVE, FitLog, Paths
from sim.model.arrays import F64
from sim.model.config import ModelConfig

#: Gauss-Hermite nodes for the responsiveness score: enough for a normal random effect on a logit.
NODES = 7
LN2 = float(np.log(2.0))


@dataclass(frozen=True)
class Param:
    """One fitted parameter: its config path, what it moves, and its scale in the optimiser.

    ``kind`` names the term it enters; ``index`` the channel or message for per-channel and
    per-message parameters. ``scale`` is ``linear``, ``log`` (a positive number, fitted as its
    logarithm) or ``logit`` (a share, fitted as its log-odds); intervals are made on that scale.
    """

    path: str
    kind: str
    index: int = -1
    scale: str = "linear"
    lower: float = -np.inf
    upper: float = np.inf


def _sig(x: F64) -> F64:
    return np.asarray(0.5 + 0.5 * np.tanh(0.5 * x))


def _logsig(x: F64) -> F64:
    """``log s(x)`` without overflow."""
    return np.asarray(-np.logaddexp(0.0, -x))


class Likelihood:
    """The negative log-likelihood of a log and its gradient, for a chosen set of parameters."""

    def __init__(self, log: FitLog, paths: Paths, cfg: ModelConfig, params: list[Param]) -> None:
        self.log, self.paths, self.cfg, self.params = log, paths, cfg, params
        R, n, K = paths.R, log.n, log.K
        self.R, self.n, self.K = R, n, K
        grid = np.zeros((n, K), np.intp)
        self.ch = grid.copy()
        self.msg = grid.copy()
        self.y = np.zeros((n, K), np.int8)
        self.met = np.zeros((n, K), np.bool_)
        self.said_no = np.zeros((n, K), np.bool_)
        self.t = np.zeros((n, K))
        at = (log.prospect, log.pos)
        self.ch[at], self.msg[at], self.y[at] = log.channel, log.message, log.y
        self.met[at], self.said_no[at], self.t[at] = log.met, log.said_no, log.time
        # Padding repeats the prospect's last time: no time passes, the need chain stays put.
        for k in range(1, K):
            pad = ~paths.active[:, k]
            self.t[pad, k] = self.t[pad, k - 1]
        p = paths
        el = p.eligible
        self.elig = el
        self.reply_rows = el & ~self.said_no[None]  # rows where a reply (not only opt-out) may come
        m = cfg
        mm = 0.0  # callback mismatch: the fit assumes the number called back is the one dialled
        self.pos_off = (
            m.response_warmth * p.warmth
            + m.response_familiarity * p.familiarity
            + m.wrong_name * p.wrong_name
            + mm * p.voicemail
            + m.conversation_bonus * p.answered
        )
        self.neg_off = m.negative_message.array()[self.msg][None] + m.negative_warmth * p.warmth
        self.opt_off = m.optout_warmth * p.warmth + m.optout_familiarity * p.familiarity
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
        self.exp_j = p.exposures.ravel()[J]
        self.rec_j = p.received.ravel()[J]
        self.pos_off_j = self.pos_off.ravel()[J]
        self.neg_off_j = np.broadcast_to(self.neg_off, shape).ravel()[J]
        self.met_j = np.broadcast_to(self.met[None], shape).ravel()[J]
        self.meet_off_j = self.meet_off.ravel()[J]

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
        cfg = self.cfg
        base, value, optbase = c["base"], c["value"], c["optbase"]
        assert isinstance(base, np.ndarray) and isinstance(value, np.ndarray)
        assert isinstance(optbase, np.ndarray)
        f = {k: float(v) for k, v in c.items() if not isinstance(v, np.ndarray)}  # type: ignore[arg-type]
        a, da = self.annoyance(f["annoyance_half_life"])
        val = value[self.msg][None]
        sigma, pi = f["responsiveness_sd"], f["reachable"]
        y, el = self.y_b, self.elig
        # Opt-out part, the same in both branches (R, n, K): log s(o) or log s(-o).
        opt = optbase[self.ch][None] + f["optout_annoyance"] * a + cfg.optout_value * val
        opt = opt + self.opt_off
        ls_o = _logsig(opt)
        is_opt = y == OPT_OUT
        lo = np.where(el, np.where(is_opt, ls_o, ls_o - opt), 0.0)
        do = np.where(el, is_opt - np.exp(ls_o), 0.0)
        # Unreachable branch: replies impossible.
        impossible = (el & ((y == POSITIVE) | (y == NEGATIVE))).any(axis=2)
        L0 = np.where(impossible, 0.0, np.exp(lo.sum(axis=2)))  # (R, n)
        # Reachable branch on the rows where a reply may come: (m, Q, S), S = need (out, in).
        J = self.reply_flat
        yj = np.broadcast_to(y, a.shape).ravel()[J][:, None, None]
        aj = a.ravel()[J]
        pos_j = (
            base[self.ch][None].repeat(self.R, 0).ravel()[J]
            + val.repeat(self.R, 0).ravel()[J]
            + f["response_annoyance"] * aj
            + f["habituation"] * self.exp_j
            - f["wearout"] * self.rec_j
            + self.pos_off_j
        )
        neg_j = f["negative_base"] + f["negative_annoyance"] * aj - f["wearout"] * self.rec_j
        neg_j = neg_j + self.neg_off_j
        zq = self.z[None, :, None]
        s = np.array([0.0, 1.0])[None, None, :]
        pp = pos_j[:, None, None] + sigma * zq + cfg.response_need * s
        nn = neg_j[:, None, None] + sigma * zq + cfg.negative_need * s
        ls_p, ls_n = _logsig(pp), _logsig(nn)
        is_pos = yj == POSITIVE
        is_neg = yj == NEGATIVE
        reply = np.where(is_pos, ls_p, ls_p - pp)
        metj = self.met_j[:, None, None]
        mm = (f["meeting_base"] + self.meet_off_j)[:, None, None] + cfg.meeting_need * s
        ls_m = _logsig(mm)
        reply = reply + np.where(is_pos, np.where(metj, ls_m, ls_m - mm), 0.0)
        reply = reply + np.where(is_pos, 0.0, np.where(is_neg, ls_n, ls_n - nn))
        Q, S = self.z.size, 2
        E = np.empty((*a.shape, Q, S))
        E[...] = np.exp(lo)[..., None, None]
        Ef = E.reshape(-1, Q, S)
        Ef[J] *= np.exp(reply)
        # Forward-backward over need, per (r, i, q).
        K = self.K
        pin = self.pi_need
        alpha = np.empty_like(E)
        prev = np.broadcast_to(np.array([1.0 - pin, pin]), E.shape[:2] + E.shape[3:]).copy()
        for k in range(K):
            if k:
                prev = _step(alpha[:, :, k - 1], self.x[:, k], pin)
            alpha[:, :, k] = prev * E[:, :, k]
        L1q = alpha[:, :, K - 1].sum(axis=-1)  # (R, n, Q)
        beta = np.ones_like(E)
        for k in range(K - 1, 0, -1):
            beta[:, :, k - 1] = _back(E[:, :, k] * beta[:, :, k], self.x[:, k], pin)
        L1 = (L1q * self.wq).sum(axis=-1)  # (R, n)
        W = self.W
        D = (W * (pi * L1 + (1.0 - pi) * L0)).sum(axis=0)  # (n,)
        D = np.maximum(D, 1e-300)
        nll = -float(np.log(D / self.R).sum())
        # Posterior weights of each component, and of each need state at each reply row.
        c1 = W[..., None] * pi * self.wq * L1q / D[None, :, None]  # (R, n, Q)
        c1_over = (c1 / np.where(L1q > 0, L1q, 1.0)).reshape(-1, Q)[J // K]  # (m, Q)
        gw = alpha.reshape(-1, Q, S)[J] * beta.reshape(-1, Q, S)[J] * c1_over[:, :, None]
        dp = np.where(is_pos, 1.0, 0.0) - np.exp(ls_p)
        dn = np.where(is_pos, 0.0, is_neg - np.exp(ls_n))
        dm = np.where(is_pos, metj - np.exp(ls_m), 0.0)
        g = np.zeros((5, *a.shape))
        gf = g.reshape(5, -1)
        gf[0, J] = (gw * dp).sum(axis=(-2, -1))
        gf[1, J] = (gw * dp * zq).sum(axis=(-2, -1))
        gf[2, J] = (gw * dn).sum(axis=(-2, -1))
        gf[3, J] = (gw * dn * zq).sum(axis=(-2, -1))
        gf[4, J] = (gw * dm).sum(axis=(-2, -1))
        g_p, g_pz, g_n, g_nz, g_m = g
        g_o = (c1.sum(axis=-1) + c0_of(W, pi, L0, D))[..., None] * do
        d_pi = (W * (L1 - L0)).sum(axis=0) / D
        grad = np.zeros(len(self.params))
        for j, par in enumerate(self.params):
            gj = self._partial(par, g_p, g_pz, g_n, g_nz, g_o, g_m, a, da, f, d_pi)
            grad[j] = -gj * dnatural(par, u[j])
        return nll, grad

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
        raise ValueError(f"unknown parameter kind {kind!r}")


def c0_of(W: F64, pi: float, L0: F64, D: F64) -> F64:
    """Posterior weight of each path's unreachable branch (R, n)."""
    return np.asarray(W * (1.0 - pi) * L0 / D[None])


def _step(alpha: F64, x: F64, pin: float) -> F64:
    """One step of the need chain forward: ``alpha @ T`` with T from memory ``x`` (n,)."""
    xb = x[None, :, None]
    out_ = alpha[..., 0]
    in_ = alpha[..., 1]
    total = out_ + in_
    # P(in next) = pin + (state - pin) x ; P(out next) = 1 - that.
    to_in = pin * total * (1.0 - xb) + in_ * xb
    return np.stack([total - to_in, to_in], axis=-1)


def _back(eb: F64, x: F64, pin: float) -> F64:
    """One step backward: ``T @ (E * beta)`` with T from memory ``x``."""
    xb = x[None, :, None]
    e_out, e_in = eb[..., 0], eb[..., 1]
    mean = (1.0 - pin) * e_out + pin * e_in  # from the stationary part
    from_out = (1.0 - xb) * mean + xb * e_out
    from_in = (1.0 - xb) * mean + xb * e_in
    return np.stack([from_out, from_in], axis=-1)


def natural(par: Param, v: float) -> float:
    """The parameter's natural value from its optimiser scale."""
    if par.scale == "log":
        return float(np.exp(v))
    if par.scale == "logit":
        return float(_sig(np.asarray(v)))
    return float(v)


def dnatural(par: Param, v: float) -> float:
    """D natural / d optimiser value."""
    if par.scale == "log":
        return float(np.exp(v))
    if par.scale == "logit":
        s = float(_sig(np.asarray(v)))
        return s * (1.0 - s)
    return 1.0


def to_scale(par: Param, value: float) -> float:
    """The optimiser's value for a natural ``value``."""
    if par.scale == "log":
        return float(np.log(value))
    if par.scale == "logit":
        return float(np.log(value) - np.log1p(-value))
    return float(value)
