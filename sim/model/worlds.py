"""Plausible worlds: the model's own uncertainty as an ensemble of parameter sets.

A model config may carry its worlds (``model.worlds``, the ``model/worlds`` config group): the
names of the parameters that vary (dotted paths into :class:`~sim.model.config.ModelConfig`, e.g.
``response_base.email`` or ``wearout``), one row of values per world, and for each parameter
how far the evidence behind the worlds pins it down. ``make calibrate`` writes the default
model's worlds (parameter sets consistent with every published target); ``outreach-sim-fit``
writes a fitted model's (what the log determines, and the default worlds' range where it does
not). Worlds are data: rows of numbers in the config, never a path to a file.

A run over ``worlds=K`` runs the experiment once per world, with the first ``K`` rows (stored in
a random order, so the first ``K`` are a random subsample) replacing the listed parameters and
every other parameter as the config has it.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, Protocol, TypeVar

from sim.model.checks import ConfigError, check_ranges

#: The model's version: worlds made for another version are refused (their parameters may mean
#: something else). Bumped whenever a mechanism changes what a parameter does.
MODEL_VERSION = 3

#: How far the evidence pins a parameter down (docs/uncertainty.md): ``identified`` (narrow
#: against its bounds), ``weak`` (narrowed, but wide), ``prior`` (the evidence says nothing: the
#: worlds spread it over its plausible range).
IDENTIFICATION: tuple[str, ...] = ("identified", "weak", "prior")


@dataclass(kw_only=True)
class WorldsConfig:
    """An ensemble of parameter sets, as data (``sim/conf/model/worlds/*.yaml``)."""

    model_version: int  # MODEL_VERSION the worlds were made for
    source: str  # who made them: "make calibrate" or "outreach-sim-fit <log>"
    method: str  # one line: how they were drawn (docs/uncertainty.md has the detail)
    parameters: list[str] = field(default_factory=list)  # dotted ModelConfig paths
    status: dict[str, str] = field(default_factory=dict)  # parameter -> one of IDENTIFICATION
    values: list[list[float]] = field(default_factory=list)  # one row per world


class HasWorlds(Protocol):
    """A model config (:class:`~sim.model.config.ModelConfig`, which imports this module)."""

    worlds: WorldsConfig | None


M = TypeVar("M", bound=HasWorlds)


def _parent(model: object, path: str) -> tuple[object, str]:
    """The object holding the last part of a dotted ``path``, and that part's name."""
    *head, last = path.split(".")
    node = model
    for part in head:
        node = getattr(node, part)
    return node, last


def _settable(model: HasWorlds, path: str) -> bool:
    """Whether ``path`` names a number of the model (not a table, not ``worlds`` itself)."""
    if not path or path.split(".")[0] == "worlds":
        return False
    try:
        node, last = _parent(model, path)
    except AttributeError:
        return False
    if not is_dataclass(node) or last not in {f.name for f in fields(node)}:
        return False
    return isinstance(getattr(node, last), int | float) and not isinstance(
        getattr(node, last), bool
    )


def check_worlds(model: HasWorlds, k: int, path: str = "model.worlds") -> None:
    """Refuse worlds that cannot be used, and a ``worlds=K`` this model cannot give.

    Raises:
        ConfigError: naming the field, the value and what is allowed.
    """
    w = model.worlds
    if k == 0:
        return
    if w is None:
        raise ConfigError(
            "worlds",
            k,
            "0 for this model: it has no plausible worlds (model.worlds is empty; a model fitted "
            "before worlds existed must be refitted with outreach-sim-fit)",
        )
    if w.model_version != MODEL_VERSION:
        raise ConfigError(
            f"{path}.model_version",
            w.model_version,
            f"{MODEL_VERSION}: these worlds were made for another model version "
            "(rerun make calibrate, or refit the log with outreach-sim-fit)",
        )
    bad = [p for p in w.parameters if not _settable(model, p)]
    if bad or not w.parameters:
        raise ConfigError(f"{path}.parameters", bad or [], "names of the model's numbers")
    unknown = {p: s for p, s in w.status.items() if s not in IDENTIFICATION}
    if unknown:
        raise ConfigError(f"{path}.status", unknown, f"one of {', '.join(IDENTIFICATION)} each")
    strays = sorted(set(w.status) - set(w.parameters))
    if strays:
        raise ConfigError(
            f"{path}.status",
            strays,
            f"statuses of the names in {path}.parameters only (a truncated file?)",
        )
    for i, row in enumerate(w.values):
        if len(row) != len(w.parameters) or not all(math.isfinite(v) for v in row):
            raise ConfigError(
                f"{path}.values[{i}]",
                row if len(row) <= 6 else [*row[:4], f"... {len(row)} numbers"],
                f"{len(w.parameters)} finite numbers, one per parameter (a truncated file?)",
            )
    if not 2 <= k <= len(w.values):
        raise ConfigError(
            "worlds", k, f"0 (one world: the model as configured) or 2 to {len(w.values)}"
        )
    for i, world in enumerate(world_models(model, len(w.values))):
        try:
            check_ranges(world, "model.")
        except ConfigError as err:
            raise ConfigError(
                f"{path}.values[{i}]", err.value, f"{err.path}: {err.allowed}"
            ) from None


def world_models(model: M, k: int) -> list[M]:
    """The first ``k`` worlds of ``model`` as models (``model.worlds`` checked already)."""
    w = model.worlds
    assert w is not None
    out = []
    for row in w.values[:k]:
        m = copy.deepcopy(model)
        for p, value in zip(w.parameters, row, strict=True):
            node, last = _parent(m, p)
            current: Any = getattr(node, last)
            setattr(node, last, type(current)(value))
        out.append(m)
    return out
