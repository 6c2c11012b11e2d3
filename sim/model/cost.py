"""What a run costs before it runs: its peak memory and its CPU time, from the config alone.

:func:`sim.model.config.validate` refuses a run that cannot fit in this machine's memory or
would simulate for more than :data:`MAX_JOB_SECONDS` (:func:`check_fits`), before anything is
allocated: ``population.size=50000000`` would otherwise simulate for hours, and a strategy of
10,000 steps allocate 26 GiB and fail after minutes. Every input that scales a run is counted:
prospects (times the longest list multiplier), days, replicates times arms times worlds, and a
strategy's steps, whose by-touch table (touch number x slot x channel x count) grows with the
square of the steps (:class:`sim.model.books.Books`). The constants are measured
(docs/performance.md, "What the pre-flight refuses"); the error names the setting that drives
the cost, its value, and the number the run would need.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass

from sim.model.cadence import StrategyConfig
from sim.model.channels import N_CHANNELS
from sim.model.checks import ConfigError

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
#: Counts per by-touch cell (touches, responses, negative replies, opt-outs, meetings:
#: ``sim.model.books.BY_TOUCH_COUNTS``, which tests/test_cost.py keeps equal), int64 each.
BY_TOUCH_COUNTS = 5
#: CPU seconds per prospect of an arm's list and replicate, and per touch it may receive
#: (about 3 us a prospect for the presets at 200,000 prospects, 0.34 us a touch at 1,000,000:
#: docs/performance.md); per by-touch cell and simulated day (the histogram each touch batch
#: adds to the table: 26 s for 2,000 steps over 120 days); per simulated day and arm (14 us).
SECONDS_PER_PROSPECT = 1.5e-6
SECONDS_PER_TOUCH = 0.35e-6
SECONDS_PER_CELL_DAY = 1.5e-9
SECONDS_PER_ARM_DAY = 2e-5
#: The longest job the pre-flight lets start, in CPU seconds at the measured speed: longer work
#: is a sweep of shorter jobs (``-m seed=...``), which can run in parallel and resume.
MAX_JOB_SECONDS = 3600.0
#: The share of the machine's memory a run may plan to use.
MEMORY_SHARE = 0.8
#: A by-touch table above this many cells is a strategy's steps at fault, not the replicates
#: that keep one each (the presets' tables have at most about 10,000 cells).
CELLS_NAMED = 2**17


class _Steps(str):
    """How a strategy's steps are shown in an error: ``[... 2000 steps]``, not the list."""

    __slots__ = ()

    def __repr__(self) -> str:
        return str(self)


def _steps(size: RunSize, name: str) -> tuple[str, object]:
    """The setting that makes arm ``name``'s by-touch table wide: its steps or its cycles."""
    s = size.strategy[name]
    if s.cooldown is not None and s.cooldown.cycles + 1 > len(s.steps):
        return f"strategy.{name}.cooldown.cycles", s.cooldown.cycles
    return f"strategy.{name}.steps", _Steps(f"[... {len(s.steps)} steps]")


def _scaled(size: RunSize, prospects: bool = True) -> tuple[str, object]:
    """The setting furthest above its default among those that scale every arm's work."""
    scale = {
        "population.size": size.prospects / 2000 if prospects else 0.0,
        "replications": size.replications / 5,
        "worlds": size.worlds / 20,
        "horizon_days": size.horizon_days / 120,
    }
    name = max(scale, key=lambda k: scale[k])
    values = {
        "population.size": size.prospects,
        "replications": size.replications,
        "worlds": size.worlds,
        "horizon_days": size.horizon_days,
    }
    return name, values[name]


@dataclass(frozen=True)
class RunSize:
    """The inputs that scale a run (of one job): what :func:`check_fits` weighs."""

    prospects: int  # population.size
    horizon_days: float
    replications: int
    worlds: int  # 0: the model as configured (one world)
    strategy: Mapping[str, StrategyConfig]
    waves: int = 1  # 2 with a second wave (market.second_wave_day)

    @property
    def runs(self) -> int:
        """Replicates of each arm: replications, in each world."""
        return self.replications * max(self.worlds, 1)

    @property
    def days(self) -> int:
        """Simulated days."""
        return math.ceil(self.horizon_days)

    def list_size(self, name: str) -> float:
        """Prospects arm ``name`` works: the list times its multiplier."""
        return self.prospects * max(self.strategy[name].list_multiplier, 0.0)

    def touches(self, name: str) -> int:
        """Most touches a prospect of arm ``name`` can receive: its steps, cycles and waves."""
        s = self.strategy[name]
        cycles = s.cooldown.cycles if s.cooldown is not None else 0
        return len(s.steps) * (max(cycles, 0) + 1) * self.waves

    def by_touch_cells(self, name: str) -> int:
        """Cells of arm ``name``'s by-touch table: touch numbers x slots x channels x counts."""
        s = self.strategy[name]
        slots = sum(max(len(step.variants), 1) for step in s.steps)
        return (self.touches(name) + 2) * slots * N_CHANNELS * BY_TOUCH_COUNTS


def memory_needed(size: RunSize) -> tuple[float, str, object]:
    """Estimated peak bytes of a run, and the setting that drives most of it (with its value).

    One arm runs at a time; each (arm, replicate) keeps its result until the tables are built,
    its whole by-touch table included, and the arm that runs adds a histogram of its table's
    size to it (:meth:`sim.model.books.Books.count`).
    """
    names = list(size.strategy)
    longest = max((size.strategy[n].list_multiplier for n in names), default=1.0)
    prospects = size.prospects * max(longest, 1.0) * BYTES_PER_PROSPECT
    days = size.days * (BYTES_PER_DAY + 8 * 8 * len(names))
    kept = {n: size.runs * 8 * size.by_touch_cells(n) for n in names}
    table = max(kept.values(), default=0) / max(size.runs, 1) + sum(kept.values())
    results = float(
        size.runs * len(names) * (BYTES_PER_RESULT + (size.days + 1) * BYTES_PER_RESULT_DAY)
    )
    total = prospects + days + table + results
    widest = max(names, key=size.by_touch_cells) if names else ""
    if table > max(prospects, days, results) and size.by_touch_cells(widest) > CELLS_NAMED:
        return (total, *_steps(size, widest))
    results += table
    if results > max(prospects, days):
        # Replicates (in each world) times days: whichever is furthest above its default.
        return (total, *_scaled(size, prospects=False))
    if prospects < days:
        return total, "horizon_days", size.horizon_days
    # The list alone, or the list times a long arm's multiplier: name the one that does not fit.
    if longest > 1.0 and size.prospects * BYTES_PER_PROSPECT < MEMORY_SHARE * machine_memory():
        name = next(n for n in names if size.strategy[n].list_multiplier == longest)
        return total, f"strategy.{name}.list_multiplier", longest
    return total, "population.size", size.prospects


def seconds_needed(size: RunSize) -> tuple[float, str, object]:
    """Estimated CPU seconds of a run, and the setting that drives most of it (with its value)."""
    names = list(size.strategy)
    work = {
        n: size.list_size(n) * (SECONDS_PER_PROSPECT + SECONDS_PER_TOUCH * size.touches(n))
        for n in names
    }
    cells = {n: SECONDS_PER_CELL_DAY * size.by_touch_cells(n) * size.days for n in names}
    per_day = SECONDS_PER_ARM_DAY * size.days * len(names)
    total = size.runs * (sum(work.values()) + sum(cells.values()) + per_day)
    widest = max(names, key=size.by_touch_cells) if names else ""
    if (
        sum(cells.values()) > max(sum(work.values()), per_day)
        and size.by_touch_cells(widest) > CELLS_NAMED
    ):
        return (total, *_steps(size, widest))
    return (total, *_scaled(size, prospects=per_day <= sum(work.values())))


def machine_memory() -> float:
    """Physical memory of this machine in bytes (infinite where the system does not say)."""
    try:
        return float(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return math.inf


def check_fits(size: RunSize) -> None:
    """Refuse a run that cannot fit in memory or would run too long, before anything runs.

    Raises:
        ConfigError: naming the setting that drives the cost, its value, and what the run
            would need against what is allowed.
    """
    need, path, value = memory_needed(size)
    have = machine_memory()
    if need > MEMORY_SHARE * have:
        raise ConfigError(
            path,
            value,
            f"a run that fits in memory: this one needs about {need / 2**30:,.1f} GiB, the "
            f"machine has {have / 2**30:,.1f} GiB",
        )
    seconds, path, value = seconds_needed(size)
    if seconds > MAX_JOB_SECONDS:
        raise ConfigError(
            path,
            value,
            f"a job of at most {MAX_JOB_SECONDS / 3600:g} hour of simulation: this one needs "
            f"about {seconds / 3600:,.1f} hours ({size.runs:,} replicates x {len(size.strategy)} "
            f"arms of {size.prospects:,} prospects over {size.days:,} days); split it into a "
            "sweep of shorter jobs (-m seed=1,2,... with fewer replications) or make it smaller",
        )
