"""Configuration schemas: typed dataclasses for every config group, with their allowed ranges.

Values live in YAML under ``sim/conf/``; these classes give each field its type and, through
``metadata["range"]``, what values are allowed. :func:`validate` walks a resolved config and
reports the first field outside its range, so a bad value stops the program before any simulation.
"""

from __future__ import annotations

import difflib
import math
import os
import types
import typing
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from omegaconf import MISSING

from sim.model.channels import CHANNEL_INDEX, CHANNELS
from sim.model.messages import MESSAGE_INDEX, MESSAGES


class ConfigError(ValueError):
    """A config value that is not allowed: names the field, the value and what is allowed."""

    def __init__(self, path: str, value: object, allowed: str) -> None:
        self.path = path
        self.value = value
        self.allowed = allowed
        super().__init__(f"{path}={value!r} is not allowed: {allowed}")

    @classmethod
    def missing(cls, path: str) -> ConfigError:
        """A required field that was left out (e.g. a strategy step's ``channel``)."""
        err = cls(path, MISSING, "a value (this field is required)")
        err.args = (f"{path} is missing: this field is required",)
        return err


def _ranged(low: float | None, high: float | None, *, default: Any = None) -> Any:
    """A dataclass field whose value must lie in [low, high] (None: unbounded)."""
    meta = {"range": (low, high)}
    if default is None:
        return field(metadata=meta)
    return field(default=default, metadata=meta)


def prob(default: Any = None) -> Any:
    """A probability in [0, 1]."""
    return _ranged(0.0, 1.0, default=default)


def nonneg(default: Any = None) -> Any:
    """A non-negative number."""
    return _ranged(0.0, None, default=default)


def positive(default: Any = None) -> Any:
    """A strictly positive number (checked as > 0)."""
    return field(metadata={"range": (0.0, None), "strict": True}, **_dflt(default))


def real(default: Any = None) -> Any:
    """Any finite number (log-odds coefficients)."""
    return _ranged(None, None, default=default)


def _dflt(default: Any) -> dict[str, Any]:
    return {} if default is None else {"default": default}


@dataclass
class PerChannel:
    """One number per channel, in the order of :data:`sim.model.channels.CHANNELS`."""

    phone: float
    email: float
    sms: float
    social: float
    postal: float
    drop_in: float
    referral: float

    def array(self) -> npt.NDArray[np.float64]:
        """The values as an array indexed by channel."""
        return np.array([getattr(self, c) for c in CHANNELS], dtype=np.float64)


@dataclass
class PerMessage:
    """One number per message kind, in the order of :data:`sim.model.messages.MESSAGES`."""

    self_focused: float
    benefit_led: float
    resource: float
    deadline: float
    lazy_question: float
    check_in: float
    breakup: float

    def array(self) -> npt.NDArray[np.float64]:
        """The values as an array indexed by message kind."""
        return np.array([getattr(self, m) for m in MESSAGES], dtype=np.float64)


@dataclass
class PerRelationship:
    """One number per pre-existing relationship (design 2, seeds 001 and 002)."""

    stranger: float
    met_once: float
    client: float

    def array(self) -> npt.NDArray[np.float64]:
        """The values as an array: stranger, met_once, client."""
        return np.array([self.stranger, self.met_once, self.client], dtype=np.float64)


RELATIONSHIPS: tuple[str, ...] = ("stranger", "met_once", "client")


@dataclass
class PerPersonalization:
    """One number per personalization level of a strategy."""

    low: float
    medium: float
    high: float


PERSONALIZATION: tuple[str, ...] = ("low", "medium", "high")


@dataclass(kw_only=True)
class ModelConfig:
    """Response parameters: every number of ``docs/model.md``'s table, without defaults here.

    Units are in the field comments; the defaults and their sources are in
    ``sim/conf/model/default.yaml`` and ``docs/model.md``.
    """

    # Interruption load (seed 004): competing messages per day on each channel.
    load: PerChannel = field(metadata={"each": (0.0, None)})
    load_prospect_sd: float = nonneg()  # log-sd of a prospect's busyness across prospects
    load_daily_sd: float = nonneg()  # log-sd of day-to-day variation in load
    half_load: PerChannel = field(metadata={"each": (1e-9, None)})  # load that halves attention
    salience: PerChannel = field(metadata={"each": (0.0, None)})  # notice intensity at zero load
    notice_familiarity: float = nonneg()  # notice intensity multiplier per unit familiarity
    notice_warmth: float = nonneg()  # notice intensity multiplier per unit warmth
    wearout: float = nonneg()  # reply log-odds lost per recent touch on the channel
    # Phone: a dial is answered live, goes to voicemail, or is hung up on (seeds 002, 003).
    answer_base: float = prob()  # probability a stranger answers a dial
    answer_familiarity: float = real()  # log-odds per unit familiarity
    answer_warmth: float = real()  # log-odds per unit warmth
    conversation_bonus: float = real()  # log-odds bonus of a live conversation over a message
    answer_voicemail: float = real()  # log-odds per voicemail already left (call screening)
    # Who can ever reply (a mover-stayer mixture): the right person, a live inbox, a need at all.
    reachable: PerRelationship = field(metadata={"each": (0.0, 1.0)})
    responsiveness_sd: float = nonneg()  # sd of a prospect's reply log-odds (frailty)
    # Positive response to a noticed touch (seeds 000, 001, 002, 003).
    response_base: PerChannel = field(metadata={"each": (None, None)})  # log-odds, stranger
    message_value: PerMessage = field(metadata={"each": (None, None)})  # log-odds by content
    response_warmth: float = real()  # log-odds per unit warmth (seed 001)
    response_familiarity: float = real()  # log-odds per unit familiarity (seed 002)
    response_need: float = real()  # log-odds when in market (seed 004 comment)
    response_annoyance: float = real()  # log-odds per unit annoyance (seed 003)
    habituation_identical: float = real()  # log-odds per earlier identical exposure (seed 004)
    habituation_varied: float = real()  # log-odds per earlier varied exposure of the same kind
    habituation_recovery_days: float = positive()  # half-life of exposures (spontaneous recovery)
    wrong_name: float = real()  # log-odds when the name is wrong (seed 003 #4)
    callback_mismatch: float = real()  # log-odds on call-backs to a different number (003 #1)
    # "Not interested" and opt-out (seeds 003, 004).
    negative_base: float = real()  # log-odds of a "not interested" reply to a noticed touch
    negative_message: PerMessage = field(metadata={"each": (None, None)})  # log-odds by content
    negative_annoyance: float = real()  # log-odds per unit annoyance
    negative_need: float = real()  # log-odds when in market
    negative_warmth: float = real()  # log-odds per unit warmth
    optout_base: PerChannel = field(metadata={"each": (None, None)})  # log-odds of opting out
    optout_annoyance: float = real()  # log-odds per unit annoyance
    optout_warmth: float = real()  # log-odds per unit warmth (a relationship shields)
    optout_familiarity: float = real()  # log-odds per unit familiarity
    optout_value: float = real()  # log-odds per unit of the message's value
    # Relationship warmth (seeds 001, 002).
    warmth_deposit: PerMessage = field(metadata={"each": (-1.0, 1.0)})  # share of gap closed
    warmth_annoyance: float = nonneg()  # warmth withdrawn per unit annoyance on a noticed touch
    warmth_half_life_days: float = positive()  # decay toward the prospect's baseline warmth
    # Familiarity (seed 002).
    familiarity_gain: PerChannel = field(metadata={"each": (0.0, 1.0)})  # share of gap closed
    familiarity_half_life_days: float = positive()
    # Annoyance (seeds 003, 004).
    annoyance_increment: PerChannel = field(metadata={"each": (0.0, None)})  # per touch
    annoyance_message: PerMessage = field(metadata={"each": (0.0, None)})  # multiplier by content
    annoyance_unnoticed: float = prob()  # share of the increment an unnoticed touch still adds
    annoyance_half_life_days: float = positive()
    # Need: a latent in-market state that comes and goes (seed 004 comment).
    need_mean_in_market_days: float = positive()
    need_mean_out_of_market_days: float = positive()
    # Response delays (all seeds): median days until a reply arrives, and its log-sd.
    reply_delay_days: PerChannel = field(metadata={"each": (0.0, None)})
    reply_delay_sd: float = nonneg()
    # Meetings (seed 001).
    meeting_base: float = real()  # log-odds that a positive response becomes a meeting
    meeting_warmth: float = real()
    meeting_need: float = real()
    # Introductions (seeds 001, 004).
    introduction_familiarity: float = prob()  # familiarity an introduction confers


@dataclass(kw_only=True)
class PopulationConfig:
    """Who the prospects are: relationships, channel preferences, busyness."""

    size: int = _ranged(1, None)
    relationship_mix: PerRelationship = field(metadata={"each": (0.0, None)})
    warmth: PerRelationship = field(metadata={"each": (0.0, 1.0)})  # mean baseline warmth
    familiarity: PerRelationship = field(metadata={"each": (0.0, 1.0)})  # mean initial
    warmth_concentration: float = positive()  # Beta a+b around the mean warmth
    channel_preference: PerChannel = field(
        metadata={"each": (0.0, None)}
    )  # preferred-channel weights
    affinity: PerChannel = field(
        metadata={"each": (0.0, 1.0)}
    )  # attention to a non-preferred channel
    preferred_affinity: float = prob()  # attention to the preferred channel
    voicemail_listeners: float = prob()  # share who ever listen to voicemail (seed 003 #5)
    connector_share: float = prob()  # share with a mutual connection who can introduce
    connector_warmth: float = prob()  # warmth a connector's introduction carries
    enrollment_days: float = nonneg()  # the list is enrolled uniformly over this many days


@dataclass(kw_only=True)
class RepsConfig:
    """Rep capacity (seed 004, hook volume): minutes per working day and the cost of each touch."""

    count: int = _ranged(1, None)
    minutes_per_day: float = positive()
    touch_minutes: PerChannel = field(metadata={"each": (0.0, None)})
    voicemail_minutes: float = nonneg()  # extra minutes to leave a voicemail
    personalization_minutes: PerPersonalization = field(metadata={"each": (0.0, None)})
    wrong_name_rate: PerPersonalization = field(metadata={"each": (0.0, 1.0)})
    work_weekends: bool = False
    callback_number_matches: bool = True  # seed 003 #1


@dataclass
class VariantConfig:
    """One A/B variant of a step: what it changes from the step, and its share of prospects.

    Fields left ``None`` keep the step's value. Prospects are split between a step's variants
    at random in proportion to ``weight`` (once per prospect and step, from the run's seed).
    """

    name: str = ""  # reported in by_touch's ``variant`` column; "" means A, B, C... by position
    channel: str | None = None
    message: str | None = None
    voicemail: bool | None = None
    weight: float = 1.0


@dataclass
class StepConfig:
    """One step of a cadence: when (``day``), where (``channel``), what (``message``)."""

    # Required: a step that forgets its channel or message must not silently become an email.
    day: float = MISSING  # days after enrolment (business days if the strategy says so)
    channel: str = MISSING
    message: str = MISSING
    voicemail: bool = True  # phone only: leave a voicemail when nobody answers (false: hang up)
    variants: list[VariantConfig] = field(default_factory=list)  # A/B test: two or more, or none


@dataclass
class CooldownConfig:
    """After N unanswered touches, pause, then come back with a new angle (seed 004 #5)."""

    after_unanswered: int = 3
    pause_days: float = 30.0
    cycles: int = 1


@dataclass
class StrategyConfig:
    """A strategy in the cadence language of design section 4."""

    label: str = ""
    steps: list[StepConfig] = field(default_factory=list)
    vary_messages: bool = True
    stop_on: list[str] = field(default_factory=lambda: ["positive", "negative", "opt_out"])
    cooldown: CooldownConfig | None = None
    list_multiplier: float = 1.0
    personalization: str = "medium"
    business_days: bool = False  # count step days and pauses in working days (Mon-Fri)
    max_touches_per_week: int | None = None  # per prospect, per calendar week (Mon-Sun)
    max_touches_per_rep_day: int | None = None  # per rep per working day, times reps.count


STOP_OUTCOMES: tuple[str, ...] = ("positive", "negative", "opt_out")


@dataclass(kw_only=True)
class ExperimentConfig:
    """The whole run: what the Hydra app composes and :func:`sim.run.api.simulate` takes."""

    population: PopulationConfig
    reps: RepsConfig
    model: ModelConfig
    strategy: dict[str, StrategyConfig] = field(default_factory=dict)
    seed: int = _ranged(0, None, default=0)
    replications: int = _ranged(1, None, default=5)
    horizon_days: float = positive(default=120.0)
    baseline: str = "entitlement"
    study: str | None = None  # set by a workshop study (conf/experiment): the app writes its report
    resume: bool = False  # sweeps: skip jobs whose manifest says ok for the same resolved config
    # by_touch.csv credits each outcome to the touch that decided it ("decided") or, as
    # sales-engagement platforms do, to the last touch before the reply arrived ("last_touch").
    credit: str = "decided"
    # What each job writes: its tables only, or also its figures and report.html; "auto" is full
    # for a single run and small sweeps, tables for larger ones (sim.cli.app.TABLES_ABOVE).
    outputs: str = "auto"


#: The values of ``outputs``.
OUTPUTS: tuple[str, ...] = ("auto", "tables", "full")


def validate(cfg: ExperimentConfig) -> None:
    """Check every ranged field and the cross-field rules; raise the first :class:`ConfigError`."""
    _check_ranges(cfg, "")
    if not cfg.strategy:
        raise ConfigError("strategy", [], "at least one strategy, e.g. strategy=[entitlement]")
    check_fits_in_memory(cfg)
    if cfg.credit not in ("decided", "last_touch"):
        raise ConfigError("credit", cfg.credit, "decided or last_touch")
    if cfg.outputs not in OUTPUTS:
        raise ConfigError(
            "outputs",
            cfg.outputs,
            "auto, tables (tables, config, manifest) or full (also figures and report.html)",
        )
    if cfg.baseline not in cfg.strategy:
        raise ConfigError("baseline", cfg.baseline, f"one of the arms: {', '.join(cfg.strategy)}")
    if sum(cfg.population.relationship_mix.array()) <= 0:
        raise ConfigError(
            "population.relationship_mix", cfg.population.relationship_mix, "a positive total"
        )
    if cfg.population.channel_preference.array().sum() <= 0:
        raise ConfigError(
            "population.channel_preference", cfg.population.channel_preference, "a positive total"
        )
    for name, strategy in cfg.strategy.items():
        validate_strategy(name, strategy)


def _check_ranges(node: object, prefix: str) -> None:
    if not is_dataclass(node):
        return
    for f in fields(node):
        value = getattr(node, f.name)
        path = f"{prefix}{f.name}"
        if "range" in f.metadata:
            _check_number(path, value, f.metadata["range"], f.metadata.get("strict", False))
        if "each" in f.metadata and is_dataclass(value):
            for sub in fields(value):
                _check_number(f"{path}.{sub.name}", getattr(value, sub.name), f.metadata["each"])
        if is_dataclass(value):
            _check_ranges(value, path + ".")


def _check_number(
    path: str, value: object, bounds: tuple[float | None, float | None], strict: bool = False
) -> None:
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(path, value, "a finite number")
    if low is not None and (value < low or (strict and value <= low)):
        raise ConfigError(path, value, _describe(low, high, strict))
    if high is not None and value > high:
        raise ConfigError(path, value, _describe(low, high, strict))


def _describe(low: float | None, high: float | None, strict: bool) -> str:
    if low is not None and high is not None:
        return f"a number from {low:g} to {high:g}"
    if low is not None:
        return f"a number {'>' if strict else '>='} {low:g}"
    return f"a number <= {high:g}"


# --- strategies: the cadence language's rules (compiled by sim.model.strategy) -------------------

#: ``variant`` of a touch from a step that has no variants.
NO_VARIANT = "-"
#: ``channel: preferred``: a step reaches each prospect on its own preferred channel.
PREFERRED = "preferred"


def _check_content(at: str, channel: str | None, message: str | None) -> None:
    # A StepConfig built in Python without a channel or message holds OmegaConf's MISSING.
    for name, value in (("channel", channel), ("message", message)):
        if value == MISSING:
            raise ConfigError.missing(f"{at}.{name}")
    if channel is not None and channel not in CHANNEL_INDEX and channel != PREFERRED:
        raise ConfigError(f"{at}.channel", channel, f"one of {', '.join((*CHANNELS, PREFERRED))}")
    if message is not None and message not in MESSAGE_INDEX:
        raise ConfigError(f"{at}.message", message, f"one of {', '.join(MESSAGES)}")


def variant_names(s: StrategyConfig) -> list[list[str]]:
    """Each step's variant names, defaulting to A, B, C... by position."""
    return [[v.name or chr(ord("A") + k) for k, v in enumerate(step.variants)] for step in s.steps]


def _check_cap(path: str, value: int | None) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ConfigError(path, value, "an integer >= 1, or null for no cap")


def validate_strategy(name: str, s: StrategyConfig) -> None:
    """Check a strategy's fields; raise a :class:`ConfigError` that names strategy and field."""
    where = f"strategy.{name}"
    if not s.steps:
        raise ConfigError(f"{where}.steps", [], "at least one step")
    previous = 0.0
    names = variant_names(s)
    for k, step in enumerate(s.steps):
        at = f"{where}.steps[{k}]"
        _check_content(at, step.channel, step.message)
        if step.day == MISSING:
            raise ConfigError.missing(f"{at}.day")
        if not np.isfinite(step.day) or step.day < 0:
            raise ConfigError(f"{at}.day", step.day, "a number of days >= 0")
        if step.day < previous:
            raise ConfigError(f"{at}.day", step.day, f"steps in order: a day >= {previous:g}")
        previous = step.day
        if len(step.variants) == 1:
            raise ConfigError(f"{at}.variants", "1 variant", "two or more variants, or none")
        if len(step.variants) > 26:
            raise ConfigError(f"{at}.variants", len(step.variants), "at most 26 variants")
        for j, variant in enumerate(step.variants):
            vat = f"{at}.variants[{j}]"
            _check_content(vat, variant.channel, variant.message)
            if not (np.isfinite(variant.weight) and variant.weight > 0):
                raise ConfigError(f"{vat}.weight", variant.weight, "a number > 0")
            if names[k][j] == NO_VARIANT or names[k].count(names[k][j]) > 1:
                raise ConfigError(
                    f"{vat}.name",
                    names[k][j],
                    f"a name unique in the step, other than {NO_VARIANT!r}",
                )
    for outcome in s.stop_on:
        if outcome not in STOP_OUTCOMES:
            raise ConfigError(f"{where}.stop_on", outcome, f"any of {', '.join(STOP_OUTCOMES)}")
    if s.cooldown is not None:
        if s.cooldown.after_unanswered < 1:
            raise ConfigError(
                f"{where}.cooldown.after_unanswered", s.cooldown.after_unanswered, "an integer >= 1"
            )
        if not (np.isfinite(s.cooldown.pause_days) and s.cooldown.pause_days > 0):
            raise ConfigError(
                f"{where}.cooldown.pause_days",
                s.cooldown.pause_days,
                "days > 0 (a cool-down needs a pause; cooldown: null for none)",
            )
        if s.cooldown.cycles < 1:
            raise ConfigError(f"{where}.cooldown.cycles", s.cooldown.cycles, "an integer >= 1")
    if not (np.isfinite(s.list_multiplier) and s.list_multiplier > 0):
        raise ConfigError(f"{where}.list_multiplier", s.list_multiplier, "a number > 0")
    if s.personalization not in PERSONALIZATION:
        raise ConfigError(
            f"{where}.personalization", s.personalization, f"one of {', '.join(PERSONALIZATION)}"
        )
    _check_cap(f"{where}.max_touches_per_week", s.max_touches_per_week)
    _check_cap(f"{where}.max_touches_per_rep_day", s.max_touches_per_rep_day)


def check_voicemail_steps(strategies: object) -> None:
    """A step (or variant) that asks for a voicemail on a channel that has none is an error.

    Read on the strategy files as written (``{name: {steps: [...]}}``): in a composed config
    ``voicemail`` already holds its default, true, so only the file tells what was set.
    """
    if not isinstance(strategies, dict):
        return
    for name, strategy in strategies.items():
        steps = strategy.get("steps") if isinstance(strategy, dict) else None
        for k, step in enumerate(steps if isinstance(steps, list) else []):
            if not isinstance(step, dict):
                continue
            variants = step.get("variants") or []
            found = [(f"strategy.{name}.steps[{k}]", step, step.get("channel"))]
            found += [
                (
                    f"strategy.{name}.steps[{k}].variants[{j}]",
                    v,
                    v.get("channel") or step.get("channel"),
                )
                for j, v in enumerate(variants if isinstance(variants, list) else [])
                if isinstance(v, dict)
            ]
            for at, node, channel in found:
                if node.get("voicemail") is True and channel not in ("phone", PREFERRED, None):
                    raise ConfigError(
                        f"{at}.voicemail",
                        True,
                        f"only on a phone step (or channel: {PREFERRED}); this one is {channel}",
                    )


# --- unknown settings: a typo is an error, with a suggestion --------------------------------


def check_known_keys(node: object, cls: type, path: str = "") -> None:
    """Raise a :class:`ConfigError` for the first key of ``node`` that ``cls`` has no field for.

    ``node`` is the composed config as plain dicts and lists; ``+population.sizee=100`` or a
    step's ``mesage`` would otherwise be dropped without a word. The message names the path,
    the fields allowed there and the closest one (:mod:`difflib`).
    """
    if not isinstance(node, dict) or not is_dataclass(cls):
        return
    hints = typing.get_type_hints(cls)
    names = [f.name for f in fields(cls)]
    for key, value in node.items():
        where = f"{path}{key}"
        if key not in hints:
            close = difflib.get_close_matches(str(key), names, n=1)
            hint = f"; did you mean {path}{close[0]}?" if close else ""
            raise ConfigError(
                where,
                value,
                f"a setting of {path.rstrip('.') or 'the run'}: {', '.join(names)}{hint}",
            )
        _check_value(value, hints[key], f"{where}")


def _check_value(value: object, hint: Any, where: str) -> None:
    """Walk into ``value`` by its annotation: a dataclass, a dict of them, a list of them."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(hint):
            if is_dataclass(arg):
                _check_value(value, arg, where)
        return
    if is_dataclass(hint) and isinstance(hint, type):
        check_known_keys(value, hint, where + ".")
    elif origin is dict and isinstance(value, dict):
        item = typing.get_args(hint)[1]
        for key, sub in value.items():
            _check_value(sub, item, f"{where}.{key}")
    elif origin is list and isinstance(value, list):
        item = typing.get_args(hint)[0]
        for i, sub in enumerate(value):
            _check_value(sub, item, f"{where}[{i}]")


# --- sizes that cannot fit --------------------------------------------------------------------

#: Bytes the engine holds per prospect of the longest list (traits, state, schedule, replies;
#: docs/performance.md measures about 210 at a million prospects, peak included), and per
#: simulated day (load shocks of 64 groups, the day's row of every arm's time series, and the
#: float64 temporaries of drawing the shocks).
BYTES_PER_PROSPECT = 310
BYTES_PER_DAY = 64 * 8 * 3
#: Bytes kept per (arm, replicate) until the tables are built at the end of the run: its
#: metrics and by-touch rows, and per simulated day its row of the time series (as arrays, then
#: in the DataFrame). ``replications=10**12`` is refused here instead of running for ever.
BYTES_PER_RESULT = 4096
BYTES_PER_RESULT_DAY = 150


def memory_needed(cfg: ExperimentConfig) -> tuple[float, str, object]:
    """Estimated peak bytes of a run, and the setting that drives most of it (with its value)."""
    longest = max((s.list_multiplier for s in cfg.strategy.values()), default=1.0)
    prospects = cfg.population.size * max(longest, 1.0) * BYTES_PER_PROSPECT
    days = math.ceil(cfg.horizon_days) * (BYTES_PER_DAY + 8 * 8 * len(cfg.strategy))
    results = (
        cfg.replications
        * len(cfg.strategy)
        * (BYTES_PER_RESULT + (math.ceil(cfg.horizon_days) + 1) * BYTES_PER_RESULT_DAY)
    )
    if results > max(prospects, days):
        # Replicates times days: name whichever is further above its default (5 and 120).
        if cfg.replications / 5 >= cfg.horizon_days / 120:
            return prospects + days + results, "replications", cfg.replications
        return prospects + days + results, "horizon_days", cfg.horizon_days
    if prospects < days:
        return prospects + days + results, "horizon_days", cfg.horizon_days
    # The list alone, or the list times a long arm's multiplier: name the one that does not fit.
    if longest > 1.0 and cfg.population.size * BYTES_PER_PROSPECT < 0.8 * machine_memory():
        name = next(n for n, s in cfg.strategy.items() if s.list_multiplier == longest)
        return prospects + days + results, f"strategy.{name}.list_multiplier", longest
    return prospects + days + results, "population.size", cfg.population.size


def machine_memory() -> float:
    """Physical memory of this machine in bytes (infinite where the system does not say)."""
    try:
        return float(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return math.inf


def check_fits_in_memory(cfg: ExperimentConfig) -> None:
    """Refuse a run that cannot fit in this machine's memory, before anything is allocated."""
    need, path, value = memory_needed(cfg)
    have = machine_memory()
    if need > 0.8 * have:
        raise ConfigError(
            path,
            value,
            f"a run that fits in memory: this one needs about {need / 2**30:,.1f} GiB, the "
            f"machine has {have / 2**30:,.1f} GiB",
        )
