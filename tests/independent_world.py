"""A world that is not this project's model: touch logs for the honest-answer tests (issue 25).

The fit and the plausible worlds are judged on logs this module writes, from a process that shares
nothing with the simulator's equations:

- each prospect has a fixed responsiveness ``r ~ Beta(a, b)`` (heterogeneity: a few answer often,
  most hardly ever);
- the chance of a reply to the touch at step ``s`` (1-based) is
  ``min(1, r * decline**(s - 1) * channel[c] * message[m])``: a per-step decline, a channel and a
  message factor; nothing else. **Spacing has no effect at all**: the same steps squeezed into a
  week get exactly what they get over a month;
- a reply is positive with chance ``positive_share``, else negative; independently of replies, a
  touch brings an opt-out with chance ``optout``; a reply or an opt-out ends the prospect's
  sequence;
- a reply arrives after a log-normal delay (median ``reply_hours``, log-sd ``delay_sd``).

:func:`expected_positive` gives a cadence's exact positive-response rate in this world (the
expectation over ``r`` by Gauss-Jacobi quadrature: :func:`scipy.special.roots_jacobi`), the truth
the simulator's answers are held against.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import special

#: A cadence: (day from enrolment, channel, message) per step, in order.
Cadence = Sequence[tuple[float, str, str]]

START = pd.Timestamp("2026-02-02T00:00:00Z")


@dataclass(frozen=True)
class Truth:
    """The generating world's parameters."""

    a: float = 0.4
    b: float = 10.0
    decline: float = 0.8
    channel: dict[str, float] = field(default_factory=lambda: {"email": 1.0, "phone": 0.7})
    message: dict[str, float] = field(
        default_factory=lambda: {"self_focused": 1.0, "benefit_led": 1.8}
    )
    positive_share: float = 0.6
    optout: float = 0.004
    reply_hours: float = 20.0
    delay_sd: float = 0.8

    def hazards(self, r: np.ndarray, cadence: Cadence) -> np.ndarray:
        """Reply chance of each prospect (rows) at each step (columns)."""
        factors = np.array(
            [
                self.decline**s * self.channel[c] * self.message[m]
                for s, (_, c, m) in enumerate(cadence)
            ]
        )
        return np.minimum(1.0, np.outer(r, factors))


def expected_positive(truth: Truth, cadence: Cadence, nodes: int = 200) -> float:
    """The cadence's positive-response rate per prospect in ``truth``, exactly (quadrature)."""
    # E[f(r)] for r ~ Beta(a, b): Gauss-Jacobi nodes on [-1, 1] with weight (1-x)^(b-1)(1+x)^(a-1).
    x, w = special.roots_jacobi(nodes, truth.b - 1.0, truth.a - 1.0)
    r = (x + 1.0) / 2.0
    h = truth.hazards(r, cadence)
    stay = (1.0 - h) * (1.0 - truth.optout)  # no reply and no opt-out at a step
    alive = np.cumprod(np.hstack([np.ones((r.size, 1)), stay[:, :-1]]), axis=1)
    per_r = (alive * h).sum(axis=1) * truth.positive_share
    return float((w * per_r).sum() / w.sum())


def write_log(
    truth: Truth,
    groups: Sequence[tuple[Cadence, int]],
    seed: int,
    *,
    mixed_messages: bool = True,
    enrol_days: float = 20.0,
) -> pd.DataFrame:
    """A touch log in the fit's format: ``groups`` of (cadence, prospects), one row per touch.

    ``mixed_messages``: each touch's message is drawn 50/50 from self_focused and benefit_led (a
    team testing templates), whatever the cadence lists; the log then varies the message, never
    the spacing within a cadence.
    """
    rng = np.random.default_rng(seed)
    frames = []
    first = 0
    for cadence, n in groups:
        r = rng.beta(truth.a, truth.b, size=n)
        steps = len(cadence)
        if mixed_messages:
            kinds = np.array(["self_focused", "benefit_led"])[rng.integers(0, 2, (n, steps))]
        else:
            kinds = np.tile([m for _, _, m in cadence], (n, 1))
        chan = np.tile([c for _, c, _ in cadence], (n, 1))
        factor = np.vectorize(truth.channel.__getitem__)(chan) * np.vectorize(
            truth.message.__getitem__
        )(kinds)
        h = np.minimum(1.0, r[:, None] * truth.decline ** np.arange(steps) * factor)
        reply = rng.random((n, steps)) < h
        optout = rng.random((n, steps)) < truth.optout
        positive = rng.random((n, steps)) < truth.positive_share
        ended = reply | optout
        # A step is made when no earlier step ended the sequence.
        made = np.hstack([np.ones((n, 1), bool), np.cumsum(ended, axis=1)[:, :-1] == 0])
        enrol = START + pd.to_timedelta(rng.uniform(0.0, enrol_days, n).round(), unit="D")
        day = np.array([d for d, _, _ in cadence])
        hour = 9.0 + np.arange(steps) % 2  # two steps on one day: an hour apart
        when = (
            enrol.tz_convert(None).to_numpy()[:, None]
            + pd.to_timedelta(day, unit="D").values[None, :]
            + pd.to_timedelta(hour, unit="h").values[None, :]
        )
        outcome = np.where(reply, np.where(positive, "positive", "negative"), "")
        outcome = np.where(optout & ~reply, "opt_out", outcome)
        rows, cols = np.nonzero(made)
        delay = truth.reply_hours * 3600 * rng.lognormal(0.0, truth.delay_sd, (n, steps))
        out_at = when + delay.astype("timedelta64[s]")
        out_at = np.where(outcome != "", out_at, np.datetime64("NaT"))
        frames.append(
            pd.DataFrame(
                {
                    "prospect_id": [f"q{first + i:06d}" for i in rows],
                    "touched_at": pd.to_datetime(when[rows, cols], utc=True),
                    "channel": chan[rows, cols],
                    "message": kinds[rows, cols],
                    "outcome": outcome[rows, cols],
                    "outcome_at": pd.to_datetime(out_at[rows, cols], utc=True),
                    "step": cols + 1,
                }
            )
        )
        first += n
    log = pd.concat(frames, ignore_index=True)
    for col in ("touched_at", "outcome_at"):
        log[col] = log[col].dt.strftime("%Y-%m-%dT%H:%M:%SZ").fillna("")
    return log


# --- the comparison the tests and benchmarks/honest_answers.py make ---------------------------

A = [(0, "email", "self_focused"), (3, "email", "self_focused"), (7, "email", "self_focused")]
A += [(14, "email", "self_focused")]
B = [
    (0, "email", "self_focused"),
    (2, "phone", "self_focused"),
    (4, "email", "self_focused"),
    (7, "phone", "self_focused"),
    (10, "email", "self_focused"),
    (14, "phone", "self_focused"),
    (21, "email", "self_focused"),
]
D = [(float(i), c, m) for i, (_, c, m) in enumerate(B)]
W = [(d, c, "benefit_led") for d, c, _ in B]
CADENCES = {"b_logged": B, "d_squeezed": D, "w_benefit": W}
WORLDS = 20


def _strategy_file(conf: Path, name: str, cadence: Cadence) -> None:
    """A cadence as a strategy file, written as the logged team writes: its texts vary.

    The team behind the log draws each touch's message kind at random (:func:`write_log`), so
    its texts vary from touch to touch; ``vary_messages: true`` says so. A first version wrote
    ``false`` (one identical text repeated), which no log of this team shows: every compared
    cadence then also differed from the logged ones in the habituation to a repeated text
    (``model.habituation_identical``, which the fit keeps at the base model's values), a
    dimension the comparisons do not mean to test.
    """
    steps = [{"day": d, "channel": c, "message": m} for d, c, m in cadence]
    body = {
        name: {
            "label": name,
            "steps": steps,
            "vary_messages": True,
            "stop_on": ["positive", "negative", "opt_out"],
            "cooldown": None,
            "list_multiplier": 1.0,
            "personalization": "medium",
        }
    }
    (conf / "strategy").mkdir(parents=True, exist_ok=True)
    (conf / "strategy" / f"{name}.yaml").write_text(yaml.safe_dump(body), encoding="utf-8")


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(
        [sys.executable, *args], cwd=cwd, capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def compare_on_a_fitted_log(
    seed: int, folder: Path, cadences: dict[str, Cadence] | None = None, worlds: int = WORLDS
) -> pd.DataFrame:
    """Fit a log of the independent world, then compare D and W with B over the fitted worlds."""
    truth = Truth()
    write_log(truth, [(A, 2400), (B, 600)], seed).to_csv(folder / "team.csv", index=False)
    _run(["-m", "sim.fit", "team.csv", "--name", "team", "--paths", "4"], folder)
    cadences = cadences or CADENCES
    for name, cadence in cadences.items():
        _strategy_file(folder / "conf", name, cadence)
    _run(
        [
            "-m",
            "sim",
            "model=fitted_team",
            f"worlds={worlds}",
            "replications=1",
            "population.size=2000",
            f"strategy=[{','.join(cadences)}]",
            "baseline=b_logged",
            "outputs=tables",
            "hydra.run.dir=out",
        ],
        folder,
    )
    return pd.read_csv(folder / "out" / "summary.csv", keep_default_na=False)
