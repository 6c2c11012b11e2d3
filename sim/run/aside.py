"""A configuration's plausible worlds set aside while it is checked and run in one world.

At model v3 the default model's worlds (``model.worlds``: 71 rows of 37 numbers) are nine tenths
of a composed config's nodes, and a sweep copied, checked, resolved and hashed them for every
configuration, in the pre-flight and again in its job: about 0.15 s a configuration of the
0.3 s the simulation of a small one takes (docs/scaling.md). A configuration that runs in one
world (``worlds=0``, the default) never reads them.

So a choice of config groups (a *base*, composed once by :class:`sim.run.compose.GroupComposer`)
has its worlds taken out once (:func:`set_aside`): a configuration that neither runs worlds nor
overrides anything under ``model.worlds`` is made from the base without them, and gets them back
where they are read: its resolved config (``config.yaml`` and the config hash, the same bytes:
:func:`resolved_text`) and its experiment (:func:`experiment_with`, the same dataclasses). Worlds
that hold an interpolation are never set aside (another value of the configuration could change
what they resolve to).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from omegaconf import DictConfig, OmegaConf

from sim.run.compose import copy_config, dump_yaml

if TYPE_CHECKING:
    from hydra.core.override_parser.types import Override

    from sim.model.config import ExperimentConfig
    from sim.model.worlds import WorldsConfig

#: Where a composed config holds the model's worlds.
WORLDS_KEY = "model.worlds"


#: What a light configuration's resolved YAML holds where its worlds go, until they are put back.
MARK = "outreach-sim-worlds-set-aside"


@dataclass(frozen=True)
class Aside:
    """One base's worlds, taken out of its config once: resolved, as YAML, and typed."""

    plain: dict[str, Any]  # OmegaConf.to_container of the node, resolved
    worlds: WorldsConfig  # OmegaConf.to_object of the node
    # The lines of ``model.worlds`` in the config's YAML, from "  worlds:" on (dumping them was
    # most of what they cost a configuration's config.yaml).
    text: str | None = None


@dataclass(frozen=True)
class Light:
    """A base without its worlds (``model.worlds: null``), and the worlds set aside."""

    cfg: DictConfig
    aside: Aside


def set_aside(base: DictConfig) -> Light | None:
    """``base`` without its worlds, and the worlds; None when they cannot be set aside.

    None when the base has no worlds, or when they hold an interpolation.
    """
    node = OmegaConf.select(base, WORLDS_KEY)
    if not isinstance(node, DictConfig):
        return None
    raw = OmegaConf.to_container(node, resolve=False)
    if _interpolates(raw):
        return None
    plain = OmegaConf.to_container(node, resolve=True)
    assert isinstance(plain, dict)
    worlds: WorldsConfig = OmegaConf.to_object(node)  # type: ignore[assignment]
    light = copy_config(base)
    OmegaConf.update(light, WORLDS_KEY, None, merge=False)
    return Light(light, Aside({str(k): v for k, v in plain.items()}, worlds, _lines(plain)))


def _lines(plain: dict[Any, Any]) -> str | None:
    """The YAML lines of ``model.worlds`` as a config's YAML has them; None if not separable.

    A block mapping's value at a given depth is written the same whatever precedes its key (the
    emitter starts each key on a fresh line at the mapping's indentation), so the lines of the
    worlds under ``model:`` alone are the lines they take in the whole config.
    """
    head = "model:\n"
    whole = dump_yaml({"model": {"worlds": plain}})
    marked = dump_yaml({"model": {"worlds": MARK}})
    if not whole.startswith(head) or marked != f"{head}  worlds: {MARK}\n":
        return None
    return whole[len(head) :]


def leaves_worlds(plain: Sequence[Override]) -> bool:
    """Whether no override of ``plain`` sets ``model`` or anything under ``model.worlds``."""
    for override in plain:
        key = str(override.key_or_group)
        if key == "model" or key == WORLDS_KEY or key.startswith(WORLDS_KEY + "."):
            return False
    return True


def in_one_world(cfg: DictConfig) -> bool:
    """Whether a composed configuration runs the model as configured (``worlds`` is 0)."""
    value = OmegaConf.select(cfg, "worlds", throw_on_resolution_failure=False)
    return isinstance(value, int) and not isinstance(value, bool) and value == 0


def resolved_text(plain: dict[Any, Any], aside: Aside | None) -> str:
    """The YAML of a resolved configuration (``to_container``), its worlds put back if aside.

    The key ``worlds`` kept its place in ``model`` (it was set to null, never removed), so the
    text is the full configuration's, byte for byte (tests/test_aside.py): the configuration is
    written with a mark where the worlds go, and the mark's line replaced by their lines.
    """
    if aside is None:
        return dump_yaml(plain)
    model = plain["model"]
    assert model["worlds"] is None, "a configuration made without its worlds"
    if aside.text is not None:
        model["worlds"] = MARK
        text = dump_yaml(plain)
        line = f"  worlds: {MARK}\n"
        if text.count(line) == 1:
            return text.replace(line, aside.text)
    model["worlds"] = aside.plain
    return dump_yaml(plain)


def experiment_with(exp: ExperimentConfig, aside: Aside | None) -> ExperimentConfig:
    """The experiment of a light configuration with its worlds back (its own copy of them)."""
    if aside is None:
        return exp
    model = dataclasses.replace(exp.model, worlds=copy.deepcopy(aside.worlds))
    return dataclasses.replace(exp, model=model)


def _interpolates(tree: Any) -> bool:
    if isinstance(tree, str):
        return "${" in tree
    if isinstance(tree, dict):
        return any(_interpolates(v) for v in tree.values())
    if isinstance(tree, list):
        return any(_interpolates(v) for v in tree)
    return False
