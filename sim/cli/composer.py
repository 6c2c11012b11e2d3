"""The pre-flight's compositions: each job's config as Hydra composes it, with less composing.

:class:`PreflightComposer` gives :mod:`sim.cli.preflight` every job's config with Hydra's errors
as :class:`~sim.cli.guard.UserError`: each choice of config groups composed once
(:func:`compose_job`), each job's plain values applied to a copy, and a job that runs in one
world made without the model's worlds once its base's worlds were checked (:mod:`sim.run.aside`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import yaml
from hydra import compose as hydra_compose
from hydra.errors import ConfigCompositionException, HydraException
from omegaconf import DictConfig
from omegaconf.errors import OmegaConfBaseException

from sim.cli.guard import UserError, parse_overrides
from sim.run.aside import Aside, Light, in_one_world, leaves_worlds, set_aside
from sim.run.compose import GroupComposer, copy_config, with_hydra_fields
from sim.run.hydra_errors import describe_hydra_error, describe_yaml_error

if TYPE_CHECKING:
    from hydra.core.override_parser.types import Override


class PreflightComposer:
    """Each job's config as :func:`compose_job` gives it, composed once per choice of groups.

    Composing costs about 0.28 s a job (50 minutes of pre-flight for 10,000 jobs), and a sweep's
    jobs mostly differ in plain values: :class:`sim.run.compose.GroupComposer` composes each
    choice of groups (and search path) once, and each job's plain overrides are applied to a copy
    with Hydra's own function, after which the ``hydra`` node's fields Hydra derives from the
    overrides are set as Hydra sets them: the same config, the same errors (as
    :class:`~sim.cli.guard.UserError`), in the same job order.
    """

    def __init__(self, config_name: str) -> None:
        self.groups: GroupComposer[DictConfig] = GroupComposer(
            config_name, lambda key: compose_job(config_name, key)
        )
        # Each base without its worlds (sim.run.aside), made once a configuration of it passed in
        # full (passed): its worlds were checked then; a light one differs outside them.
        self.lights: dict[tuple[str, ...], Light | None] = {}
        self.last: tuple[str, ...] | None = None

    def is_group(self, searchpath: tuple[str, ...], override: Override) -> bool:
        """Whether Hydra reads ``override`` as a group choice, with the job's search path."""
        return self.groups.is_group(searchpath, override)

    def compose(self, overrides: list[str]) -> DictConfig:
        """The job's config with its ``hydra`` node; Hydra's errors as UserErrors."""
        return self.compose_light(overrides, light=False)[0]

    def passed(self) -> None:
        """The configuration composed last passed the check: its base's worlds may be set aside."""
        if self.last is not None and self.last not in self.lights:
            self.lights[self.last] = set_aside(self.groups.base(self.last))

    def for_check(
        self, job: list[str], composed: DictConfig | None, number: int
    ) -> tuple[DictConfig, Aside | None]:
        """Job ``number``'s config and worlds set aside (``composed``: the probe's, if it is).

        The first job, which a worker simulates ahead, has its worlds, as Hydra composes it.
        """
        if composed is not None:
            return composed, None
        return self.compose_light(job, light=number > 0)

    def compose_light(
        self, overrides: list[str], *, light: bool = True
    ) -> tuple[DictConfig, Aside | None]:
        """The job's config, and its worlds when it was made without them (and ``light``)."""
        parsed = parse_overrides(overrides)
        try:
            key, plain = self.groups.split(parsed)
        except (HydraException, OmegaConfBaseException, ValueError) as exc:
            raise UserError(describe_hydra_error(exc)) from None
        except yaml.YAMLError as exc:
            raise UserError(describe_yaml_error(exc)) from None
        self.last = key
        lighter = self.lights.get(key) if light and leaves_worlds(plain) else None
        if lighter is not None:
            cfg = self._with_fields(copy_config(lighter.cfg), parsed, plain)
            if in_one_world(cfg):
                return cfg, lighter.aside
        return self._with_fields(copy_config(self.groups.base(key)), parsed, plain), None

    @staticmethod
    def _with_fields(cfg: DictConfig, parsed: list[Override], plain: list[Override]) -> DictConfig:
        """``cfg`` with the job's plain overrides and Hydra's fields; errors as UserErrors."""
        try:
            with_hydra_fields(cfg, parsed, plain)
        except (HydraException, ValueError) as exc:
            raise UserError(describe_hydra_error(exc)) from None
        except OmegaConfBaseException as exc:
            # As ConfigLoaderImpl.load_configuration wraps it.
            try:
                raise ConfigCompositionException() from exc
            except ConfigCompositionException as wrapped:
                raise UserError(describe_hydra_error(wrapped)) from None
        return cfg


def compose_job(config_name: str, overrides: list[str]) -> DictConfig:
    """Compose one job's config with its ``hydra`` node, turning Hydra errors into UserErrors."""
    try:
        return hydra_compose(config_name, overrides=overrides, return_hydra_config=True)
    except (HydraException, OmegaConfBaseException, ValueError) as exc:
        raise UserError(describe_hydra_error(exc)) from None
    except yaml.YAMLError as exc:  # a config file that is not valid YAML
        raise UserError(describe_yaml_error(exc)) from None
