"""The fit's terminal summary: its header, the command that uses the fit, and how far to trust it.

The trust line reads what the fit already knows about itself: which parameters the log
identified (:mod:`sim.fit.identify`, :mod:`sim.fit.verdict`), which pairs it could not tell
apart, whether the fitted model replays the log's own sequences within noise
(:mod:`sim.fit.sequences`) and the worlds' misfit (:mod:`sim.fit.worlds`). It says which of
three it is, and what to do about it, in one line (docs/fitting.md, 5).
"""

from __future__ import annotations

import shlex
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from sim.fit.verdict import NOT_IDENTIFIED

if TYPE_CHECKING:
    from sim.fit.estimate import FitResult
    from sim.fit.worlds import Ensemble

#: The command line ``outreach-sim`` runs from ``./conf`` (hydra_plugins/outreach_sim_conf).
DEFAULT_CONF = Path("conf")


def program() -> str:
    """``outreach-sim`` if the shell finds it, else its full path in this Python's folder.

    A hint pasted outside the virtual environment must still run (``command not found``
    otherwise); ``python -m sim`` where no script is installed.
    """
    if shutil.which("outreach-sim"):
        return "outreach-sim"
    script = Path(sys.executable).parent / "outreach-sim"
    if script.is_file():
        return shlex.quote(str(script))
    return f"{shlex.quote(sys.executable)} -m sim"


def use_hint(name: str, conf_dir: Path) -> str:
    """The command that runs the fitted model, quoted for any shell, from the current folder."""
    words = [f"model=fitted_{name}"]
    if conf_dir.resolve() != DEFAULT_CONF.resolve():
        words.insert(0, shlex.quote(f"hydra.searchpath=[file://{conf_dir.resolve()}]"))
    return " ".join([program(), *words])


def header(log: str, mapping: str, name: str, out: Path, conf_dir: Path) -> str:
    """The first line: what is fitted, read how, and where it goes."""
    model = conf_dir / "model" / f"fitted_{name}.yaml"
    return f"outreach-sim-fit {log} (mapping {mapping}): fit {name!r} into {out}/ and {model}"


def trust_line(result: FitResult, ensemble: Ensemble) -> str:
    """How far to trust the fit, from what it knows about itself, and what to do about it."""
    fitted = [e for e in result.estimates if e.status != NOT_IDENTIFIED]
    kept = len(result.estimates) - len(fitted)
    missed = sum(bool(check.warnings()) for check in result.sequences)
    counts = ensemble.counts()
    said = (
        f"{len(fitted)} of {len(result.estimates)} fitted parameters estimated"
        + (f", {kept} kept at the default" if kept else "")
        + (f", {len(result.confounded)} confounded pairs" if result.confounded else "")
    )
    runs = f"worlds={len(ensemble.worlds.values)}"
    if missed or ensemble.misfit > 0:
        return (
            f"trust: low: {said}, but the fitted model misses {missed} of the log's "
            f"sequences beyond noise: read answers across the worlds ({runs}), not one run"
        )
    if kept or result.confounded or counts["weak"]:
        return (
            f"trust: moderate: {said}, {counts['weak']} weak; answers that lean on those rest "
            f"on the defaults: run across the worlds ({runs}) to carry it"
        )
    return (
        f"trust: good within this log's channels, messages and cadences: {said}, the "
        "sequences replayed within noise; outside them the run's extrapolation warnings say so"
    )
