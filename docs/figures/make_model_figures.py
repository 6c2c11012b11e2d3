"""Figures of docs/model.md: one PNG per response function, drawn at the default parameters.

Run from the repository root: ``.venv/bin/python docs/figures/make_model_figures.py``. The
parameters are read from the composed default config, so the figures follow re-calibration.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless: choose the backend before pyplot is imported
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from scipy.stats import norm

from sim.model import response as rf
from sim.model.channels import CHANNEL_INDEX, CHANNELS
from sim.model.config import ExperimentConfig, ModelConfig
from sim.model.messages import MESSAGE_INDEX, MESSAGES
from sim.run.registry import compose

OUT = Path(__file__).resolve().parent


def figure(
    name: str, draw: Callable[[Axes, ExperimentConfig], None], cfg: ExperimentConfig
) -> Path:
    """Draw one figure with ``draw`` and save it as ``OUT/name.png``."""
    fig, ax = plt.subplots(figsize=(6.0, 3.8), dpi=110)
    draw(ax, cfg)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path = OUT / f"{name}.png"
    fig.savefig(path)
    plt.close(fig)
    return path


def decays(ax: Axes, cfg: ExperimentConfig) -> None:
    """Annoyance and familiarity decay to zero; warmth relaxes to its baseline."""
    m = cfg.model
    dt = np.linspace(0, 120, 400)
    ax.plot(dt, rf.decay(1.0, dt, m.annoyance_half_life_days), label="annoyance (from 1)")
    ax.plot(dt, rf.decay(1.0, dt, m.familiarity_half_life_days), label="familiarity (from 1)")
    ax.plot(dt, rf.relax(0.5, 0.03, dt, m.warmth_half_life_days), label="warmth 0.5 -> base 0.03")
    ax.set(xlabel="days since last update", ylabel="value", title="Lazy decay (decay, relax)")
    ax.legend()


def need(ax: Axes, cfg: ExperimentConfig) -> None:
    """Chance of being in market later, from in and out of market now."""
    m = cfg.model
    dt = np.linspace(0, 720, 400)
    for state, label in ((True, "in market now"), (False, "out of market now")):
        p = rf.need_probability(
            np.full(dt.shape, state), dt, m.need_mean_in_market_days, m.need_mean_out_of_market_days
        )
        ax.plot(dt, p, label=label)
    pi = m.need_mean_in_market_days / (m.need_mean_in_market_days + m.need_mean_out_of_market_days)
    ax.axhline(pi, color="grey", ls="--", label=f"stationary share {pi:.2f}")
    ax.set(
        xlabel="days later",
        ylabel="P(in market)",
        ylim=(0, 1),
        title="Need comes and goes (need_probability)",
    )
    ax.legend()


def attention(ax: Axes, cfg: ExperimentConfig) -> None:
    """Attention share against competing messages, per channel."""
    m = cfg.model
    load = np.linspace(0, 300, 400)
    for ch in ("phone", "email", "social", "postal"):
        i = CHANNEL_INDEX[ch]
        ax.plot(load, rf.attention(load, m.half_load.array()[i]), label=ch)
        ax.plot(m.load.array()[i], rf.attention(m.load.array()[i], m.half_load.array()[i]), "k.")
    ax.set(
        xlabel="competing messages per day",
        ylabel="attention share",
        title="Interruption load (attention); dots: default load",
    )
    ax.legend()


def notice(ax: Axes, cfg: ExperimentConfig) -> None:
    """Chance an email to a stranger is noticed, by load and familiarity."""
    m = cfg.model
    i = CHANNEL_INDEX["email"]
    load = np.linspace(0, 300, 400)
    for f in (0.0, 0.3, 0.8):
        p = rf.notice_probability(
            cfg.population.affinity.email,
            m.salience.array()[i],
            load,
            m.half_load.array()[i],
            f,
            0.03,
            m.notice_familiarity,
            m.notice_warmth,
        )
        ax.plot(load, p, label=f"familiarity {f}")
    ax.axvline(m.load.email, color="grey", ls="--", label="default email load")
    ax.set(
        xlabel="email load (messages per day)",
        ylabel="P(noticed)",
        title="Notice: an email to a stranger (notice_probability)",
    )
    ax.legend()


def answer(ax: Axes, cfg: ExperimentConfig) -> None:
    """Chance a dial is answered live, by familiarity and warmth."""
    m = cfg.model
    f = np.linspace(0, 1, 200)
    for w in (0.03, 0.2, 0.55):
        p = rf.answer_probability(f, w, m.answer_base, m.answer_familiarity, m.answer_warmth)
        ax.plot(f, p, label=f"warmth {w}")
    ax.set(
        xlabel="familiarity",
        ylabel="P(answered live)",
        title="Phone pickup (answer_probability)",
    )
    ax.legend()


def outcomes(ax: Axes, cfg: ExperimentConfig) -> None:
    """Outcome shares of a noticed benefit-led email as annoyance grows."""
    m = cfg.model
    a = np.linspace(0, 3, 300)
    ch, msg = CHANNEL_INDEX["email"], MESSAGE_INDEX["benefit_led"]
    pos = m.response_base.array()[ch] + m.message_value.array()[msg] + m.response_annoyance * a
    neg = m.negative_base + m.negative_message.array()[msg] + m.negative_annoyance * a
    opt = m.optout_base.array()[ch] + m.optout_annoyance * a
    p_pos, p_neg, p_opt = rf.outcome_probabilities(pos, neg, opt)
    ax.stackplot(a, p_opt, p_pos, p_neg, labels=["opt-out", "positive", "not interested"])
    ax.set(
        xlabel="annoyance",
        ylabel="probability per noticed touch",
        title="Outcomes of a noticed benefit-led email to a stranger",
    )
    ax.legend(loc="upper left")


def warmth(ax: Axes, cfg: ExperimentConfig) -> None:
    """Warmth over repeated noticed touches of each message kind."""
    m = cfg.model
    deposit = m.warmth_deposit.array()
    touches = np.arange(0, 11)
    for msg in MESSAGES:
        w = [0.2]
        for _ in touches[1:]:
            w.append(float(rf.warmth_after_touch(w[-1], deposit[MESSAGE_INDEX[msg]], 0.0, 0.0)))
        ax.plot(touches, w, marker=".", label=msg)
    ax.set(
        xlabel="noticed touches (no annoyance, no decay)",
        ylabel="warmth",
        title="Deposits and withdrawals (warmth_after_touch)",
    )
    ax.legend(fontsize=7, ncol=2)


def familiarity(ax: Axes, cfg: ExperimentConfig) -> None:
    """Familiarity over repeated noticed touches on each channel."""
    gain = cfg.model.familiarity_gain.array()
    touches = np.arange(0, 9)
    for ch in CHANNELS:
        f = [0.0]
        for _ in touches[1:]:
            f.append(float(rf.familiarity_after_touch(f[-1], gain[CHANNEL_INDEX[ch]])))
        ax.plot(touches, f, marker=".", label=ch)
    ax.set(
        xlabel="noticed touches (no decay)",
        ylabel="familiarity",
        title="Familiarity builds (familiarity_after_touch)",
    )
    ax.legend(fontsize=7, ncol=2)


def meeting(ax: Axes, cfg: ExperimentConfig) -> None:
    """Chance a positive reply becomes a meeting, by warmth and need."""
    m = cfg.model
    w = np.linspace(0, 1, 200)
    for need_, label in ((1.0, "in market"), (0.0, "out of market")):
        ax.plot(
            w,
            rf.meeting_probability(w, need_, m.meeting_base, m.meeting_warmth, m.meeting_need),
            label=label,
        )
    ax.set(
        xlabel="warmth",
        ylabel="P(meeting | positive reply)",
        ylim=(0, 1),
        title="Meetings (meeting_probability)",
    )
    ax.legend()


def delay(ax: Axes, cfg: ExperimentConfig) -> None:
    """Cumulative distribution of reply delays per channel."""
    m = cfg.model
    q = np.linspace(0.001, 0.999, 300)
    for ch in CHANNELS:
        median = m.reply_delay_days.array()[CHANNEL_INDEX[ch]]
        ax.plot(rf.reply_delay_quantile(norm.ppf(q), median, m.reply_delay_sd), q, label=ch)
    ax.set(
        xlabel="days from touch to reply",
        ylabel="cumulative share",
        xscale="symlog",
        title="Reply delays (reply_delay_quantile)",
    )
    ax.legend(fontsize=7, ncol=2)


FIGURES: dict[str, Callable[[Axes, ExperimentConfig], None]] = {
    "decay": decays,
    "need": need,
    "attention": attention,
    "notice": notice,
    "answer": answer,
    "outcomes": outcomes,
    "warmth": warmth,
    "familiarity": familiarity,
    "meeting": meeting,
    "reply_delay": delay,
}


def main() -> None:
    """Render every figure into this folder."""
    cfg = compose(["strategy=[entitlement]"])
    assert isinstance(cfg.model, ModelConfig)
    for name, draw in FIGURES.items():
        print(figure(name, draw, cfg))


if __name__ == "__main__":
    main()
