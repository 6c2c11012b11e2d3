"""Scenarios: each workshop study as a few plain controls, and the run those controls describe.

A trainer never sees a config key. Each study of ``sim/conf/experiment/`` becomes a
:class:`Scenario`: two arms ("yours" and the one it is compared with), the controls a room can
reason about (touches in the first day, pause length, list size and personalization, emails a
prospect gets a day, whether the voicemail waits for a call-back), and :func:`build`, which
composes the study's own experiment file exactly as ``outreach-sim +experiment=NAME`` does and
then applies the controls to the typed config. Everything else (model, population, seed) is the
study's own, so the page and the study report speak about the same world; only the size is
smaller (:data:`LIVE_SIZE`, :data:`LIVE_REPLICATIONS`) so an answer comes within a second or two.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sim.model.config import CooldownConfig, ExperimentConfig, StrategyConfig, validate

#: Prospects per arm and replicates of a live run: small enough to answer in about a second on
#: two cores, large enough for intervals a room can read (the page says so).
LIVE_SIZE = 600
LIVE_REPLICATIONS = 4
#: Plausible worlds of the page's "across plausible worlds" switch, and its replicates per world.
LIVE_WORLDS = 20
LIVE_WORLD_REPLICATIONS = 1
#: The arm the page calls "yours" and the arm it is compared with (the baseline of the summary).
YOURS, OTHER = "yours", "other"

Values = Mapping[str, object]


@dataclass(frozen=True)
class Control:
    """One control on the page: a slider (``low``..``high``), a choice, or a yes/no switch."""

    key: str
    label: str
    kind: str  # "slider", "choice" or "switch"
    default: object
    low: float = 0
    high: float = 0
    step: float = 1
    choices: Mapping[str, str] = field(default_factory=dict)  # value: words shown
    help: str = ""


@dataclass(frozen=True)
class Scenario:
    """A study as the page shows it: its controls, the metric its answer ranks by, and the run."""

    study: str
    title: str
    controls: tuple[Control, ...]
    metric: str
    arms: Callable[[ExperimentConfig, Values], tuple[StrategyConfig, StrategyConfig]]


EMAILS = Control(
    "emails",
    "Emails a prospect gets a day (from everyone)",
    "slider",
    None,  # the study's own inbox (see :func:`defaults`)
    low=10,
    high=400,
    step=10,
    help="Their inbox: the more crowded, the less any one email is noticed.",
)


def _label(strategy: StrategyConfig, label: str) -> StrategyConfig:
    out = copy.deepcopy(strategy)
    out.label = label
    return out


def _stalker(cfg: ExperimentConfig, v: Values) -> tuple[StrategyConfig, StrategyConfig]:
    k = int(v["first_day"])  # type: ignore[call-overload]
    month = cfg.strategy["stalker_month"]
    mine = copy.deepcopy(month)
    # The first k touches an hour apart on day one, the rest every three days after that.
    days = [
        0.05 * i if i < k else 0.05 * (k - 1) + 3.0 * (i - k + 1) for i in range(len(mine.steps))
    ]
    for step, day in zip(mine.steps, days, strict=True):
        step.day = round(day, 4)
    mine.label = f"{k} of the 10 touches in the first day"
    return mine, _label(month, "the same 10 touches, one every 3 days")


def _cool_down(cfg: ExperimentConfig, v: Values) -> tuple[StrategyConfig, StrategyConfig]:
    pause = float(v["pause"])  # type: ignore[arg-type]
    mine = copy.deepcopy(cfg.strategy["cool_down"])
    base = mine.cooldown or CooldownConfig()
    mine.cooldown = CooldownConfig(base.after_unanswered, pause, base.cycles)
    mine.label = f"pause {pause:g} days after 3 unanswered touches"
    return mine, _label(cfg.strategy["persistence"], "the same 9 touches straight through")


PERSONAL = {"low": "a template", "medium": "a few lines about them", "high": "written for them"}


def _hooks(cfg: ExperimentConfig, v: Values) -> tuple[StrategyConfig, StrategyConfig]:
    size = float(v["list"])  # type: ignore[arg-type]
    care = str(v["care"])
    mine = copy.deepcopy(cfg.strategy["hooks"])
    mine.list_multiplier = size / cfg.population.size
    mine.personalization = care
    mine.label = f"{size:g} prospects, messages {PERSONAL[care]}"
    other = copy.deepcopy(cfg.strategy["hooks"])
    other.list_multiplier, other.personalization = 1.0, "high"
    other.label = f"{cfg.population.size} prospects, messages {PERSONAL['high']}"
    return mine, other


def _value_first(cfg: ExperimentConfig, v: Values) -> tuple[StrategyConfig, StrategyConfig]:
    return copy.deepcopy(cfg.strategy[str(v["value"])]), copy.deepcopy(cfg.strategy["entitlement"])


def _inbox(cfg: ExperimentConfig, v: Values) -> tuple[StrategyConfig, StrategyConfig]:
    return copy.deepcopy(cfg.strategy[str(v["approach"])]), copy.deepcopy(
        cfg.strategy["generic_email"]
    )


def _pair(
    study_yes: str, study_no: str, key: str
) -> Callable[[ExperimentConfig, Values], tuple[StrategyConfig, StrategyConfig]]:
    def arms(cfg: ExperimentConfig, v: Values) -> tuple[StrategyConfig, StrategyConfig]:
        yes, no = copy.deepcopy(cfg.strategy[study_yes]), copy.deepcopy(cfg.strategy[study_no])
        return (yes, no) if bool(v[key]) else (no, yes)

    return arms


SCENARIOS: dict[str, Scenario] = {
    s.study: s
    for s in (
        Scenario(
            "entitlement_vs_value",
            "Entitlement or value first?",
            (
                Control(
                    "value",
                    "What the value-first rep does",
                    "choice",
                    "benefit_led",
                    choices={
                        "benefit_led": "Benefit-led messages",
                        "nurture": "Nurture: useful things first, the ask later",
                        "multichannel": "Several channels, value first",
                    },
                ),
                EMAILS,
            ),
            "meeting_rate",
            _value_first,
        ),
        Scenario(
            "stalker_mode",
            "Ten touches: how many in the first day?",
            (
                Control(
                    "first_day",
                    "Touches in the first day (of 10)",
                    "slider",
                    10,
                    low=1,
                    high=10,
                    help="The rest follow one every three days.",
                ),
                EMAILS,
            ),
            "meeting_rate",
            _stalker,
        ),
        Scenario(
            "cool_down",
            "Cool down, then heat up",
            (
                Control(
                    "pause",
                    "Pause after 3 unanswered touches (days)",
                    "slider",
                    30,
                    low=3,
                    high=60,
                    step=1,
                ),
                EMAILS,
            ),
            "meeting_rate",
            _cool_down,
        ),
        Scenario(
            "hook_volume",
            "More hooks in the water?",
            (
                Control(
                    "list",
                    "Prospects on one rep's list",
                    "slider",
                    1600,
                    low=400,
                    high=3200,
                    step=400,
                    help="One rep, six hours a day: a longer list means less time for each.",
                ),
                Control("care", "Each message is", "choice", "low", choices=PERSONAL),
                EMAILS,
            ),
            "meetings",
            _hooks,
        ),
        Scenario(
            "interruption_load",
            "A crowded inbox",
            (
                EMAILS,
                Control(
                    "approach",
                    "Against generic emails, try",
                    "choice",
                    "benefit_email",
                    choices={
                        "benefit_email": "Benefit-led emails, varied",
                        "multichannel": "Several channels, value first",
                        "referral": "An introduction first",
                    },
                ),
            ),
            "response_rate",
            _inbox,
        ),
        Scenario(
            "channel_match",
            "Their channel or yours?",
            (
                Control(
                    "preferred",
                    "Reach each prospect on the channel they prefer",
                    "switch",
                    True,
                    help="Off: email for everyone.",
                ),
                EMAILS,
            ),
            "response_rate",
            _pair("matched", "ignored", "preferred"),
        ),
        Scenario(
            "callback_entitlement",
            "Waiting for the call-back",
            (
                Control(
                    "waits",
                    "The voicemail waits for a call-back",
                    "switch",
                    True,
                    help="Off: each voicemail is followed up on another channel.",
                ),
                EMAILS,
            ),
            "meeting_rate",
            _pair("wait_for_callback", "follow_up", "waits"),
        ),
    )
}


@functools.lru_cache(maxsize=len(SCENARIOS))
def study_config(study: str) -> ExperimentConfig:
    """The study's experiment as ``outreach-sim +experiment=NAME`` composes it (cached; copy it)."""
    from sim.run.registry import compose

    return compose([f"+experiment={study}"])


def defaults(study: str) -> dict[str, object]:
    """The controls of ``study`` at their starting values (emails: the study's own inbox)."""
    out = {c.key: c.default for c in SCENARIOS[study].controls}
    out["emails"] = round(float(study_config(study).model.load.email))
    return out


def build(
    study: str,
    values: Values,
    size: int = LIVE_SIZE,
    replications: int = LIVE_REPLICATIONS,
    worlds: int = 0,
) -> ExperimentConfig:
    """The run the controls describe: the study's experiment, two arms, the controls applied.

    Args:
        study: A name of :data:`SCENARIOS`.
        values: A value per control key (missing keys take their defaults).
        size: Prospects per arm before a list-size control.
        replications: Replicates (common random numbers between the two arms).
        worlds: Plausible worlds to run in (0: the model as configured; docs/uncertainty.md).

    Raises:
        KeyError: ``study`` is not a scenario.
        sim.model.config.ConfigError: a control's value is out of its range.
    """
    scenario = SCENARIOS[study]
    merged = {**defaults(study), **values}
    base = study_config(study)
    cfg = copy.deepcopy(base)
    # hook_volume's list control counts prospects, so its base size is the study's own.
    if study != "hook_volume":
        cfg.population.size = size
    cfg.replications = replications
    cfg.worlds = worlds
    cfg.model.load.email = float(merged["emails"])  # type: ignore[arg-type]
    mine, other = scenario.arms(base, merged)
    cfg.strategy = {YOURS: mine, OTHER: other}
    cfg.baseline = OTHER
    cfg.study = None  # a live run writes no report
    validate(cfg)
    return cfg


__all__ = [
    "EMAILS",
    "LIVE_REPLICATIONS",
    "LIVE_SIZE",
    "LIVE_WORLDS",
    "LIVE_WORLD_REPLICATIONS",
    "OTHER",
    "SCENARIOS",
    "YOURS",
    "Control",
    "Scenario",
    "build",
    "defaults",
]
