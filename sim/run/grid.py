"""A sweep's grid: its arguments checked, its combinations written as overrides and composed.

What :func:`sim.run.api.sweep` does before anything runs: a string where a list belongs, an
empty grid or a bad value is one :class:`~sim.model.checks.ConfigError`, and every combination
is composed (each choice of config groups once) before the first simulation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sim.model.checks import ConfigError
from sim.model.config import ExperimentConfig


def _short(value: object) -> object:
    text = repr(value)
    return value if len(text) <= 80 else text[:77] + "..."


#: What a grid value may be: a value Hydra's override grammar writes as text (None as null).
GRID_VALUES = (str, int, float, bool)


def check_sweep_inputs(base: object, grid: object, replications: object) -> dict[str, list[object]]:
    """The sweep's arguments checked before anything is composed; the grid as lists.

    A string where a list belongs is refused, not iterated character by character
    (``{"seed": "12"}`` would otherwise run seeds 1 and 2), and a grid that gives no
    configuration at all (no key, or a key with no value) is refused rather than returning an
    empty table.

    Raises:
        ConfigError: naming the argument, the value and what is allowed.
    """
    if isinstance(base, str | bytes) or not isinstance(base, Sequence):
        raise ConfigError(
            "base", _short(base), "a list of overrides, e.g. ['population=house_list']"
        )
    for k, one in enumerate(base):
        if not isinstance(one, str):
            raise ConfigError(f"base[{k}]", _short(one), "an override KEY=VALUE, as a string")
    if replications is not None and (
        isinstance(replications, bool) or not isinstance(replications, int) or replications < 1
    ):
        raise ConfigError("replications", _short(replications), "an integer >= 1, or None")
    if grid is None:
        grid = {}
    if not isinstance(grid, Mapping):
        raise ConfigError("grid", _short(grid), "a dict of override key -> list of values")
    if not grid:
        raise ConfigError(
            "grid",
            _short(grid),
            "at least one key with values to sweep, e.g. {'seed': [1, 2]} (one configuration "
            "alone: simulate(compose(base)))",
        )
    return {_grid_key(key): _grid_values(key, values) for key, values in grid.items()}


def _grid_key(key: object) -> str:
    if not isinstance(key, str) or not key or "=" in key or key != key.strip():
        raise ConfigError("grid key", _short(key), "an override key, e.g. 'population.size'")
    return key


def _grid_values(key: str, values: object) -> list[object]:
    where = f"grid[{key!r}]"
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        hint = " (a string is one value, not a list of its characters)" if values else ""
        raise ConfigError(where, _short(values), f"a list of values, e.g. [{values!r}]{hint}")
    if isinstance(values, Mapping | set | frozenset):
        raise ConfigError(where, _short(values), "a list of values, in the order to run them")
    # A NumPy array's items as Python numbers (np.linspace(...) is a fine list of values).
    tolist = getattr(values, "tolist", None)
    listed: list[object] = tolist() if callable(tolist) else list(values)
    if not listed:
        raise ConfigError(where, _short(values), "at least one value")
    for k, value in enumerate(listed):
        items = value if isinstance(value, list | tuple) else [value]
        if not all(v is None or isinstance(v, GRID_VALUES) for v in items):
            raise ConfigError(
                f"{where}[{k}]",
                _short(value),
                "a number, a string, a bool, None or a list of them",
            )
    return listed


def override_value(value: object) -> str:
    """``value`` written as a Hydra override value: lists as ``[a,b]``, None as null."""
    if isinstance(value, list | tuple):
        return "[" + ",".join(override_value(v) for v in value) + "]"
    if value is None:
        return "null"
    return str(value)


def combinations(
    base: Sequence[str], lists: Mapping[str, list[object]], replications: int | None
) -> tuple[list[tuple[object, ...]], list[ExperimentConfig]]:
    """Every combination of ``lists`` (in the grid's order) and its composed configuration."""
    import itertools

    keys = list(lists)
    combos = list(itertools.product(*(lists[k] for k in keys)))
    extra = [] if replications is None else [f"replications={replications}"]
    configs = compose_grid(
        [
            [
                *base,
                *extra,
                *(f"{k}={override_value(v)}" for k, v in zip(keys, combo, strict=True)),
            ]
            for combo in combos
        ]
    )
    return combos, configs


def compose_grid(overrides: list[list[str]]) -> list[ExperimentConfig]:
    """Every configuration composed; Hydra's and YAML's errors as a one-line ConfigError."""
    import yaml
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    from sim.run.hydra_errors import describe_hydra_error, describe_yaml_error
    from sim.run.registry import compose_all  # Hydra's compose API: not needed by simulate()

    try:
        return compose_all(overrides)
    except (HydraException, OmegaConfBaseException) as exc:
        message = describe_hydra_error(exc)
    except yaml.YAMLError as exc:
        message = describe_yaml_error(exc)
    error = ConfigError("overrides", None, message)
    error.args = (message,)
    raise error from None
