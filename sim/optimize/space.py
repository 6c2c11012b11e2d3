"""A search space in the cadence language: what may vary, the constraints, the objectives.

A space is a YAML file (docs/optimize.md, "The search space"); :func:`parse_space` reads it into
a :class:`Space` and checks every field, raising a :class:`~sim.model.checks.ConfigError` that
names the field, the value and what is allowed (the command prints it as one line, exit 2).
Whether any candidate satisfies the constraints at all is :func:`sim.optimize.candidate.
check_feasible`'s question, once the team's minutes per touch are known.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sim.model.cadence import PERSONALIZATION, STOP_OUTCOMES
from sim.model.channels import CHANNELS
from sim.model.checks import ConfigError
from sim.model.messages import MESSAGES

#: The objectives a space may weigh, each with its direction.
OBJECTIVES: dict[str, str] = {
    "meetings_per_prospect": "maximize",
    "opt_out_rate": "minimize",
    "burned_rate": "minimize",
    "rep_hours_per_meeting": "minimize",
}
#: How the search treats several objectives.
MODES = ("weighted", "pareto")
NAME = re.compile(r"^[A-Za-z0-9_]{1,64}$")
TOP_KEYS = {
    "name", "experiment", "steps", "gap_days", "business_days", "channels", "messages",
    "voicemail", "cooldown", "stop_on", "personalization", "constraints", "objectives", "mode",
    "budget", "seed", "selection", "worlds", "n_jobs", "compare",
}  # fmt: skip


@dataclass(frozen=True)
class IntRange:
    """An inclusive range of integers."""

    low: int
    high: int


@dataclass(frozen=True)
class Cooldown:
    """The cool-down pause a candidate may take: after how many unanswered touches, how long."""

    after_unanswered: IntRange
    pause_days: IntRange


@dataclass(frozen=True)
class Constraints:
    """What every candidate must satisfy; a candidate that breaks one is never simulated."""

    max_touches_per_week: int | None = None  # in any 7 days (5 working days with business_days)
    max_rep_minutes_per_prospect: float | None = None  # every step made, at the space's level
    team_channels: tuple[str, ...] = CHANNELS
    max_steps: int | None = None  # the platform's longest sequence
    max_touches_per_day: int | None = None  # the platform's touches per prospect and day
    max_touches_per_rep_day: int | None = None  # the platform's cap, compiled into each strategy


@dataclass(frozen=True)
class Selection:
    """The ranking-and-selection stage (Kim-Nelson, docs/optimize.md)."""

    finalists: int = 4
    margin: float = 0.002  # the indifference zone, in units of the weighted score
    alpha: float = 0.05  # 1 - alpha: the probability of correct selection KN guarantees
    first_stage: int = 5  # replications of every finalist before eliminating
    max_replications: int = 40


@dataclass(frozen=True)
class Space:
    """A checked search space."""

    name: str
    experiment: tuple[str, ...]
    steps: IntRange
    gap_days: IntRange
    business_days: bool
    channels: tuple[str, ...]
    messages: tuple[str, ...]
    voicemail: tuple[bool, ...]
    cooldown: Cooldown | None
    stop_on: tuple[tuple[str, ...], ...]
    personalization: str
    constraints: Constraints
    objectives: dict[str, float]
    mode: str = "weighted"
    budget: int = 60
    seed: int = 0
    selection: Selection = field(default_factory=Selection)
    worlds: int = 0
    n_jobs: int = 1
    # Strategies of the experiment (shipped or the user's) that join the finalists in the
    # selection and worlds stages: does the search beat what the team runs today?
    compare: tuple[str, ...] = ()

    @property
    def used(self) -> list[str]:
        """The objectives with a weight, in :data:`OBJECTIVES`' order."""
        return [k for k in OBJECTIVES if self.objectives.get(k, 0.0) != 0.0]


def _int(where: str, value: object, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ConfigError(where, value, f"an integer >= {low}")
    return value


def _opt_int(where: str, value: object, low: int = 1) -> int | None:
    return None if value is None else _int(where, value, low)


def _range(where: str, value: object, low: int = 0) -> IntRange:
    if isinstance(value, int) and not isinstance(value, bool):
        value = {"min": value, "max": value}
    if not isinstance(value, Mapping) or set(value) != {"min", "max"}:
        raise ConfigError(where, value, "{min: INT, max: INT}")
    lo, hi = _int(f"{where}.min", value["min"], low), _int(f"{where}.max", value["max"], low)
    if lo > hi:
        raise ConfigError(where, dict(value), f"min <= max (min {lo} > max {hi})")
    return IntRange(lo, hi)


def _choices(where: str, value: object, allowed: tuple[str, ...]) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise ConfigError(where, value, f"a non-empty list, of {', '.join(allowed)}")
    for one in value:
        if one not in allowed:
            raise ConfigError(where, one, f"one of {', '.join(allowed)}")
    return tuple(dict.fromkeys(value))


def _keys(where: str, node: object, known: set[str]) -> Mapping[str, Any]:
    if node is None:
        return {}
    if not isinstance(node, Mapping):
        raise ConfigError(where, node, "a mapping")
    for key in node:
        if key not in known:
            raise ConfigError(
                f"{where}.{key}" if where else str(key),
                "?",
                "a known key: " + ", ".join(sorted(known)),
            )
    return node


def _constraints(node: object, channels: tuple[str, ...]) -> Constraints:
    c = _keys(
        "constraints",
        node,
        {"max_touches_per_week", "max_rep_minutes_per_prospect", "team_channels", "platform"},
    )
    team = _choices("constraints.team_channels", c.get("team_channels", list(CHANNELS)), CHANNELS)
    for one in channels:
        if one not in team:
            raise ConfigError(
                "channels",
                one,
                f"a channel the team has (constraints.team_channels: {', '.join(team)})",
            )
    platform = _keys(
        "constraints.platform",
        c.get("platform"),
        {"max_steps", "max_touches_per_day", "max_touches_per_rep_day"},
    )
    minutes = c.get("max_rep_minutes_per_prospect")
    if minutes is not None and (
        isinstance(minutes, bool) or not isinstance(minutes, int | float) or not minutes > 0
    ):
        raise ConfigError(
            "constraints.max_rep_minutes_per_prospect", minutes, "minutes > 0, or null"
        )
    return Constraints(
        max_touches_per_week=_opt_int(
            "constraints.max_touches_per_week", c.get("max_touches_per_week")
        ),
        max_rep_minutes_per_prospect=None if minutes is None else float(minutes),
        team_channels=team,
        max_steps=_opt_int("constraints.platform.max_steps", platform.get("max_steps")),
        max_touches_per_day=_opt_int(
            "constraints.platform.max_touches_per_day", platform.get("max_touches_per_day")
        ),
        max_touches_per_rep_day=_opt_int(
            "constraints.platform.max_touches_per_rep_day", platform.get("max_touches_per_rep_day")
        ),
    )


def _objectives(node: object) -> dict[str, float]:
    obj = _keys(
        "objectives", node if node is not None else {"meetings_per_prospect": 1.0}, set(OBJECTIVES)
    )
    out: dict[str, float] = {}
    for key, weight in obj.items():
        if isinstance(weight, bool) or not isinstance(weight, int | float) or weight < 0:
            raise ConfigError(f"objectives.{key}", weight, "a weight >= 0")
        out[key] = float(weight)
    if not any(out.values()):
        raise ConfigError("objectives", dict(obj), "at least one objective with a weight > 0")
    return out


def _selection(node: object) -> Selection:
    s = _keys(
        "selection", node, {"finalists", "margin", "alpha", "first_stage", "max_replications"}
    )
    margin, alpha = s.get("margin", 0.002), s.get("alpha", 0.05)
    if isinstance(margin, bool) or not isinstance(margin, int | float) or not margin > 0:
        raise ConfigError("selection.margin", margin, "a number > 0 (the indifference zone)")
    if isinstance(alpha, bool) or not isinstance(alpha, float) or not 0 < alpha < 0.5:
        raise ConfigError("selection.alpha", alpha, "a number in (0, 0.5)")
    first = _int("selection.first_stage", s.get("first_stage", 5), 2)
    return Selection(
        finalists=_int("selection.finalists", s.get("finalists", 4), 1),
        margin=float(margin),
        alpha=alpha,
        first_stage=first,
        max_replications=_int("selection.max_replications", s.get("max_replications", 40), first),
    )


def _stop_on(node: object) -> tuple[tuple[str, ...], ...]:
    rules = node if node is not None else [list(STOP_OUTCOMES)]
    if not isinstance(rules, list) or not rules:
        raise ConfigError("stop_on", rules, "a list of stop rules, each a list of outcomes")
    return tuple(_choices(f"stop_on[{k}]", r, STOP_OUTCOMES) for k, r in enumerate(rules))


def _name_and_experiment(top: Mapping[str, Any]) -> tuple[str, list[str]]:
    name = top.get("name", "cadence")
    if not isinstance(name, str) or not NAME.match(name):
        raise ConfigError("name", name, "letters, digits and _ (at most 64)")
    experiment = top.get("experiment", [])
    if not isinstance(experiment, list) or not all(isinstance(o, str) for o in experiment):
        raise ConfigError(
            "experiment", experiment, "a list of overrides, e.g. [population.size=500]"
        )
    return name, experiment


def _voicemail(value: object) -> list[bool]:
    if isinstance(value, bool):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, bool) for v in value):
        raise ConfigError("voicemail", value, "true, false or [true, false]")
    return value


def _names(where: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and NAME.match(v) for v in value):
        raise ConfigError(where, value, "a list of strategy names, e.g. [entitlement]")
    return tuple(dict.fromkeys(value))


def parse_space(raw: object) -> Space:
    """A space's YAML (loaded) checked into a :class:`Space`.

    Raises:
        ConfigError: the first field that is not allowed, by name.
    """
    top = _keys("", raw, TOP_KEYS)
    if not top:
        raise ConfigError("space", raw, "a mapping with steps, gap_days, channels and messages")
    name, experiment = _name_and_experiment(top)
    channels = _choices("channels", top.get("channels"), CHANNELS)
    voicemail = _voicemail(top.get("voicemail", [True]))
    cool = _keys("cooldown", top.get("cooldown"), {"after_unanswered", "pause_days"})
    mode = top.get("mode", "weighted")
    if mode not in MODES:
        raise ConfigError("mode", mode, f"one of {', '.join(MODES)}")
    personalization = top.get("personalization", "medium")
    if personalization not in PERSONALIZATION:
        raise ConfigError(
            "personalization", personalization, f"one of {', '.join(PERSONALIZATION)}"
        )
    business = top.get("business_days", False)
    if not isinstance(business, bool):
        raise ConfigError("business_days", business, "true or false")
    worlds = _int("worlds", top.get("worlds", 0))
    if worlds == 1:
        raise ConfigError("worlds", 1, "0 (no worlds stage) or K >= 2 plausible worlds")
    return Space(
        name=name,
        experiment=tuple(experiment),
        steps=_range("steps", top.get("steps"), 1),
        gap_days=_range("gap_days", top.get("gap_days"), 0),
        business_days=business,
        channels=channels,
        messages=_choices("messages", top.get("messages"), MESSAGES),
        voicemail=tuple(dict.fromkeys(voicemail)),
        cooldown=None
        if not cool
        else Cooldown(
            _range("cooldown.after_unanswered", cool.get("after_unanswered"), 1),
            _range("cooldown.pause_days", cool.get("pause_days"), 1),
        ),
        stop_on=_stop_on(top.get("stop_on")),
        personalization=personalization,
        constraints=_constraints(top.get("constraints"), channels),
        objectives=_objectives(top.get("objectives")),
        mode=mode,
        budget=_int("budget", top.get("budget", 60), 1),
        seed=_int("seed", top.get("seed", 0)),
        selection=_selection(top.get("selection")),
        worlds=worlds,
        n_jobs=_int("n_jobs", top.get("n_jobs", 1), 1),
        compare=_names("compare", top.get("compare", [])),
    )
