"""Find the best cadence: an optimiser over the cadence language (docs/optimize.md).

``space`` (the search space's YAML, checked), ``candidate`` (a candidate compiled to a strategy,
its constraints), ``evaluate`` (the engine's objectives, common random numbers), ``search`` (the
Optuna study, stored in the output folder), ``select`` (Kim-Nelson ranking and selection, the
plausible worlds), ``outputs`` (the files), ``api`` (:func:`optimize`), ``cli``.
"""

from __future__ import annotations

from typing import Any


def optimize(*args: Any, **kwargs: Any) -> dict[str, Any]:
    """:func:`sim.optimize.api.optimize` (imported when called: Optuna is not cheap)."""
    from sim.optimize.api import optimize as run

    return run(*args, **kwargs)


__all__ = ["optimize"]
