"""Configuration schemas: typed dataclasses for every config group, with their allowed ranges.

Values live in YAML under ``sim/conf/``; these classes give each field its type and, through
``metadata["range"]`` (:mod:`sim.model.checks`), what values are allowed. :func:`validate` checks
a resolved config, ranges and rules across fields, and raises the first problem, so a bad value
stops the program before any simulation. Per-channel and per-message values are classes built
from the channel and message tables (:mod:`sim.model.channels`, :mod:`sim.model.messages`); a
strategy's schema and rules are :mod:`sim.model.cadence`. Every name is importable from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.model import cost
from sim.model.cadence import (
    NO_VARIANT,
    PERSONALIZATION,
    PREFERRED,
    STOP_OUTCOMES,
    CooldownConfig,
    StepConfig,
    StrategyConfig,
    VariantConfig,
    check_voicemail_steps,
    validate_strategy,
    variant_names,
)
from sim.model.channels import PerChannel, affinities, preference_weights
from sim.model.checks import (
    ConfigError,
    check_known_keys,
    check_ranges,
    check_weights,
    nonneg,
    positive,
    prob,
    ranged,
    real,
)
from sim.model.cost import (
    BYTES_PER_DAY,
    BYTES_PER_PROSPECT,
    BYTES_PER_RESULT,
    BYTES_PER_RESULT_DAY,
    RunSize,
    machine_memory,
)
from sim.model.market_config import AccountsConfig, MarketConfig, check_market
from sim.model.messages import PerMessage
from sim.model.per_name import NumberPerName, one_number_each
from sim.model.support import LogSupport, check_support
from sim.model.worlds import WorldsConfig, check_worlds

__all__ = [
    "BYTES_PER_DAY",
    "BYTES_PER_PROSPECT",
    "BYTES_PER_RESULT",
    "BYTES_PER_RESULT_DAY",
    "CREDIT_RULES",
    "NO_VARIANT",
    "OUTPUTS",
    "PERSONALIZATION",
    "PREFERRED",
    "RELATIONSHIPS",
    "STOP_OUTCOMES",
    "AccountsConfig",
    "ConfigError",
    "CooldownConfig",
    "ExperimentConfig",
    "LogSupport",
    "MarketConfig",
    "ModelConfig",
    "PerChannel",
    "PerMessage",
    "PerPersonalization",
    "PerRelationship",
    "PopulationConfig",
    "RepsConfig",
    "RunSize",
    "StepConfig",
    "StrategyConfig",
    "VariantConfig",
    "WorldsConfig",
    "check_fits_in_memory",
    "check_known_keys",
    "check_voicemail_steps",
    "machine_memory",
    "memory_needed",
    "nonneg",
    "positive",
    "prob",
    "real",
    "run_size",
    "validate",
    "validate_strategy",
    "variant_names",
]

#: Pre-existing relationships of a prospect with the rep (design 2, seeds 001 and 002).
RELATIONSHIPS: tuple[str, ...] = ("stranger", "met_once", "client")


@one_number_each(RELATIONSHIPS)
class PerRelationship(NumberPerName):
    """One number per pre-existing relationship: stranger, met_once, client."""


@one_number_each(PERSONALIZATION)
class PerPersonalization(NumberPerName):
    """One number per personalization level of a strategy: low, medium, high."""


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
    notice_responsiveness: float = nonneg()  # log-sd of notice intensity carried by the frailty
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
    wearout_recovery_days: float = positive()  # half-life of touches received (tedium fades)
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
    # Deliverability (seed 004, hook volume): sender reputation and inbox placement of emails.
    # Deliverability on or off (docs/model.md 2.17): off until make calibrate fits with it on.
    deliverability: bool = False
    reputation_half_life_days: float = positive()  # recovery of a mailbox's reputation toward 1
    reputation_safe_volume: float = positive()  # emails per mailbox per day before volume hurts
    reputation_volume: float = nonneg()  # damage per safe volume sent above the safe volume
    reputation_complaints: float = nonneg()  # damage per spam complaint per safe volume
    reputation_bounces: float = nonneg()  # damage per bounce per safe volume
    reputation_identical: float = nonneg()  # damage per identical email per safe volume
    inbox_base: float = real()  # log-odds of inbox placement at reputation 0
    inbox_reputation: float = nonneg()  # log-odds of inbox placement per unit reputation
    complaint_share: float = prob()  # share of email opt-outs made by marking the email as spam
    # Meetings (seed 001).
    meeting_base: float = real()  # log-odds that a positive response becomes a meeting
    meeting_warmth: float = real()
    meeting_need: float = real()
    # Introductions (seeds 001, 004).
    introduction_familiarity: float = prob()  # familiarity an introduction confers
    # Plausible worlds (sim.model.worlds, docs/uncertainty.md): the model/worlds config group.
    worlds: WorldsConfig | None = None
    # A fitted model's evidence (sim.model.support, written by outreach-sim-fit): what its touch
    # log contains, so that a cadence step outside it is named in a warning. None: not fitted.
    fitted_log: LogSupport | None = None


@dataclass(kw_only=True)
class PopulationConfig:
    """Who the prospects are: relationships, channel preferences, busyness."""

    size: int = ranged(1, None)
    relationship_mix: PerRelationship = field(metadata={"each": (0.0, None)})
    warmth: PerRelationship = field(metadata={"each": (0.0, 1.0)})  # mean baseline warmth
    familiarity: PerRelationship = field(metadata={"each": (0.0, 1.0)})  # mean initial
    warmth_concentration: float = positive()  # Beta a+b around the mean warmth
    # Preferred-channel weights, and attention to a touch on a channel the prospect does not
    # prefer: by default the channel table's columns (sim/model/channels.py).
    channel_preference: PerChannel = field(
        default_factory=preference_weights, metadata={"each": (0.0, None)}
    )
    affinity: PerChannel = field(default_factory=affinities, metadata={"each": (0.0, 1.0)})
    preferred_affinity: float = prob()  # attention to the preferred channel
    voicemail_listeners: float = prob()  # share who ever listen to voicemail (seed 003 #5)
    connector_share: float = prob()  # share with a mutual connection who can introduce
    connector_warmth: float = prob()  # warmth a connector's introduction carries
    bad_address_share: float = prob()  # share of email addresses that bounce (deliverability)
    enrollment_days: float = nonneg()  # the list is enrolled uniformly over this many days
    # Contacts per account (company) and what spreads among colleagues (sim.model.market_config).
    accounts: AccountsConfig = field(default_factory=AccountsConfig)


@dataclass(kw_only=True)
class RepsConfig:
    """Rep capacity (seed 004, hook volume): minutes per working day and the cost of each touch."""

    count: int = ranged(1, None)
    minutes_per_day: float = positive()
    touch_minutes: PerChannel = field(metadata={"each": (0.0, None)})
    voicemail_minutes: float = nonneg()  # extra minutes to leave a voicemail
    personalization_minutes: PerPersonalization = field(metadata={"each": (0.0, None)})
    wrong_name_rate: PerPersonalization = field(metadata={"each": (0.0, 1.0)})
    work_weekends: bool = False
    callback_number_matches: bool = True  # seed 003 #1
    # Sending mailboxes (deliverability): emails go out round-robin over the team's mailboxes.
    mailboxes: int = ranged(1, None)  # sending mailboxes per rep
    mailbox_daily_cap: int = ranged(1, None)  # emails per mailbox per day, once warmed up
    warmup_days: float = nonneg()  # days over which new mailboxes' caps ramp up (0: warm already)
    start_reputation: float = prob()  # the mailboxes' sender reputation on day 0
    # Share of an email's text that is the same for every recipient (a template), by level.
    template_share: PerPersonalization = field(metadata={"each": (0.0, 1.0)})


@dataclass(kw_only=True)
class ExperimentConfig:
    """The whole run: what the Hydra app composes and :func:`sim.run.api.simulate` takes."""

    population: PopulationConfig
    reps: RepsConfig
    model: ModelConfig
    strategy: dict[str, StrategyConfig] = field(default_factory=dict)
    seed: int = ranged(0, None, default=0)
    replications: int = ranged(1, None, default=5)
    horizon_days: float = positive(default=120.0)
    baseline: str = "entitlement"
    study: str | None = None  # set by a workshop study (conf/experiment): the app writes its report
    resume: bool = False  # sweeps: skip jobs whose manifest says ok for the same resolved config
    # by_touch.csv credits each outcome to the touch that decided it ("decided") or, as
    # sales-engagement platforms do, to the last touch before the reply arrived ("last_touch").
    credit: str = "decided"
    # What each job writes: its tables only, or also its figures and report.html; "auto" is full
    # for a single run and small sweeps, tables for larger ones (sim.cli.resume.TABLES_ABOVE).
    outputs: str = "auto"
    # Plausible worlds to run (sim.model.worlds): 0 runs the model as configured, K >= 2 runs the
    # experiment once in each of the model's first K worlds (docs/uncertainty.md).
    worlds: int = ranged(0, None, default=0)
    # The list as an asset: burned prospects, the re-contact pause, a second wave
    # (sim.model.market_config; docs/model.md 2.15).
    market: MarketConfig = field(default_factory=MarketConfig)


#: The values of ``outputs``.
OUTPUTS: tuple[str, ...] = ("auto", "tables", "full")
#: The values of ``credit``: which touch an outcome is credited to in ``by_touch``.
CREDIT_RULES: tuple[str, ...] = ("decided", "last_touch")


def validate(cfg: ExperimentConfig) -> None:
    """Check every ranged field and the cross-field rules; raise the first :class:`ConfigError`."""
    check_ranges(cfg, "")
    if not cfg.strategy:
        raise ConfigError("strategy", [], "at least one strategy, e.g. strategy=[entitlement]")
    check_fits_in_memory(cfg)
    if cfg.credit not in CREDIT_RULES:
        raise ConfigError("credit", cfg.credit, " or ".join(CREDIT_RULES))
    if cfg.outputs not in OUTPUTS:
        raise ConfigError(
            "outputs",
            cfg.outputs,
            "auto, tables (tables, config, manifest) or full (also figures and report.html)",
        )
    if cfg.baseline not in cfg.strategy:
        raise ConfigError("baseline", cfg.baseline, f"one of the arms: {', '.join(cfg.strategy)}")
    for name in ("relationship_mix", "channel_preference"):
        weights = getattr(cfg.population, name)
        check_weights(f"population.{name}", dict(zip(weights.NAMES, weights.array(), strict=True)))
    for name, strategy in cfg.strategy.items():
        validate_strategy(name, strategy)
    check_worlds(cfg.model, cfg.worlds)
    check_support(cfg.model.fitted_log)
    check_market(cfg.market, cfg.population.accounts, cfg.population.size, cfg.horizon_days)


# --- sizes that cannot fit (sim.model.cost) ---------------------------------------------------


def run_size(cfg: ExperimentConfig) -> RunSize:
    """The inputs that scale ``cfg``'s run, for :mod:`sim.model.cost`."""
    return RunSize(
        prospects=cfg.population.size,
        horizon_days=cfg.horizon_days,
        replications=cfg.replications,
        worlds=cfg.worlds,
        strategy=cfg.strategy,
        waves=1 if cfg.market.second_wave_day is None else 2,
    )


def memory_needed(cfg: ExperimentConfig) -> tuple[float, str, object]:
    """Estimated peak bytes of a run, and the setting that drives most of it (with its value)."""
    return cost.memory_needed(run_size(cfg))


def check_fits_in_memory(cfg: ExperimentConfig) -> None:
    """Refuse a run that cannot fit in memory or would run too long (:func:`cost.check_fits`)."""
    cost.check_fits(run_size(cfg))
