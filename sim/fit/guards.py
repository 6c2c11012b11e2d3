"""What ``outreach-sim-fit`` refuses before it reads, fits or writes: one line each, exit 2.

Three kinds of check, in the order the command meets them (docs/fitting.md, 1, "Refusals"):

* **Arguments and files** (:func:`check_arguments`, :func:`check_input_file`,
  :func:`check_folder`): the log must be a regular file of at most :data:`MAX_LOG_BYTES` (not a
  directory, a FIFO or a device such as ``/dev/zero``, which would be read forever); the seed a
  whole number the seeding accepts; ``--population`` and ``--model`` plain names (nothing in them
  is interpolated: ``${oc.env:...}`` is refused, never resolved); the folders the fit writes
  into must be creatable and writable, checked before the fit rather than after it.
* **Size** (:func:`check_size`): the most touches of one prospect (:data:`MAX_TOUCHES_PER_PROSPECT`)
  and the memory the fit's hidden paths would take (:func:`memory_needed`).
* **Meaning** (:func:`check_meaning`): a log from which no parameter can be estimated is refused,
  not fitted into a model of defaults and noise: too few prospects (:data:`MIN_PROSPECTS`) or
  outcomes (:data:`MIN_OUTCOMES`), dates outside :data:`EARLIEST`-:data:`LATEST`, or an outcome
  more than :data:`MAX_DELAY_DAYS` after its touch.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.model.config import machine_memory
from sim.run.touchlog import TouchTable

if TYPE_CHECKING:
    from sim.fit.estimate import FitResult
    from sim.fit.replay import FitLog

#: The fit's outcome code of "no outcome" (sim.fit.replay.NONE; not imported: it pulls the model).
NONE = 0


class UsageError(ValueError):
    """A bad argument, mapping or log the fit cannot mean anything from: one line, exit 2."""


#: The largest log read: pandas holds every cell as text, about ten times the file in memory,
#: and a million touches of a wide export (30 columns) is about 250 MB.
MAX_LOG_BYTES = 256 * 2**20
#: Pseudo file systems: their files are generated as read (``/proc/self/environ`` says it holds
#: 0 bytes and yields the environment), so neither their type nor their size can be trusted.
PSEUDO_ROOTS = frozenset({"proc", "sys", "dev"})
#: The largest mapping file read (the shipped ones are under 2 kB).
MAX_MAPPING_BYTES = 2**20
#: The most touches one prospect may have. The fit steps through a prospect's history touch by
#: touch (the annoyance and need recursions, the eligibility of each touch), once per touch
#: number per likelihood evaluation, so its time grows with the longest history whatever the
#: log's size. Real cadences are tens of touches (the bank telemarketing log: 63 calls at most).
MAX_TOUCHES_PER_PROSPECT = 500
#: Bytes the fit holds per (hidden path, touch) cell, and for the process itself: measured on
#: examples/touch_log.csv fitted with 2 and 16 paths (47,360 and 378,880 cells: 204 and 396 MiB
#: peak, about 640 bytes a cell over 175 MiB), with a margin (docs/fitting.md, 1).
BYTES_PER_CELL = 700
BASE_BYTES = 256 * 2**20
#: The fit's intervals come from the curvature of a sum over independent prospects: a
#: large-sample (normal) approximation, not trusted below the usual 30 units.
MIN_PROSPECTS = 30
#: Ten outcome events per estimated parameter (Peduzzi et al. 1996, J Clin Epidemiol 49:1373):
#: below ten replies and opt-outs in all, not even one response parameter can be estimated.
MIN_OUTCOMES = 10
#: Plausible touch and outcome dates: no sales-engagement log predates 1980, and none is dated
#: after 2100 (a year 0001 or 9999 is a placeholder or a broken export, not a touch).
EARLIEST = pd.Timestamp("1980-01-01", tz="UTC")
LATEST = pd.Timestamp("2100-01-01", tz="UTC")
#: The longest a reply may take to be read as an answer to its touch: a year, three times the
#: simulator's default horizon (120 days). A "reply" years later answers a later conversation.
MAX_DELAY_DAYS = 365.0
#: What ``--population`` and ``--model`` may be: a config name, nothing Hydra would interpolate.
GROUP_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$")
#: What a fit writes into its folder (sim.fit.outputs.write_fit): a folder holding anything else
#: is not an earlier fit's, and is not replaced.
FIT_FILES = frozenset(
    {
        "estimates.csv",
        "step_curves.csv",
        "fit.json",
        "report.html",
        "reply_curve.png",
        "opt_out_curve.png",
        "reply_delays.png",
    }
)
#: The first words of the files a fit writes into the config folder (sim.fit.outputs, worlds).
FITTED_HEADERS = ("# Model fitted to ", "# Plausible worlds of the model fitted to ")
#: Seeds: any whole number the seed sequences take, as ``outreach-sim seed=`` (0 or more).
MAX_SEED = 2**63 - 1


def check_arguments(seed: int, population: str, model: str, paths: int | None) -> None:
    """The plain arguments: a seed in range, config names that are names, paths in range."""
    if not 0 <= seed <= MAX_SEED:
        raise UsageError(f"--seed={seed} is not allowed: a whole number from 0 to 2**63 - 1")
    for flag, value in (("--population", population), ("--model", model)):
        if not GROUP_NAME.match(value):
            raise UsageError(
                f"--{flag.lstrip('-')}={value!r} is not allowed: a config name (1-64 letters, "
                "digits, _ or -; nothing is interpolated)"
            )
    if paths is not None and not 1 <= paths <= 256:
        raise UsageError(f"--paths={paths} is not allowed: 1 to 256")


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_input_file(path: Path, flag: str, limit: int, what: str) -> None:
    """``path`` is a regular, readable file of at most ``limit`` bytes: checked before reading.

    A directory, FIFO or device is refused from its ``stat`` alone, never opened (a FIFO would
    block, ``/dev/zero`` would be read until memory runs out), and so is anything on a pseudo
    file system (:data:`PSEUDO_ROOTS`), symbolic links followed.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise UsageError(
            f"{flag}={str(path)!r} is not allowed: {what} that exists (no such file)"
        ) from None
    except OSError as exc:
        raise UsageError(f"{flag}={str(path)!r} cannot be read: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise UsageError(
            f"{flag}={str(path)!r} is not allowed: {what} (a regular file); this is "
            f"{_kind(info.st_mode)}"
        )
    real = Path(os.path.realpath(path))
    if real.parts[1:2] and real.parts[1] in PSEUDO_ROOTS:
        raise UsageError(
            f"{flag}={str(path)!r} is not allowed: {what} (a regular file); this is on /"
            f"{real.parts[1]}, the system's own (its size is not its content)"
        )
    if info.st_size > limit:
        raise UsageError(
            f"{flag}={str(path)!r} is not allowed: {what} of at most {limit / 2**20:,.0f} MiB; "
            f"this one has {info.st_size / 2**20:,.1f} MiB"
        )
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise UsageError(f"{flag}={str(path)!r} cannot be read: {exc.strerror}") from None


def check_folder(path: Path, flag: str, given: Path | None = None) -> None:
    """A folder the fit will write into can be made and written in: tried now, undone at once.

    The missing folders are made, a file is made and removed in the deepest, and the folders
    made are removed again, so a bad ``--conf-dir`` or ``--out`` fails before the fit, not after
    it, and a good one is left as it was. The line names ``given`` (what the user typed), or
    ``path``.
    """
    made: list[Path] = []
    try:
        missing = [p for p in (path, *path.parents) if not p.exists()]
        for folder in reversed(missing):
            folder.mkdir()
            made.append(folder)
        if not path.is_dir():
            raise NotADirectoryError(20, "not a directory")
        handle, probe = tempfile.mkstemp(prefix=".probe-", dir=path)
        os.close(handle)
        os.unlink(probe)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise UsageError(
            f"{flag}={str(given or path)!r} is not allowed: a folder this command can create "
            f"and write in ({reason})"
        ) from None
    finally:
        for folder in reversed(made):
            folder.rmdir()


def check_size(table: TouchTable) -> None:
    """The longest history, before the fit lays out a cell per touch and path."""
    per = np.bincount(table.prospect)
    if per.size and int(per.max()) > MAX_TOUCHES_PER_PROSPECT:
        who = table.prospect_ids[int(per.argmax())]
        raise UsageError(
            f"touches per prospect={int(per.max()):,} (prospect {who!r}) is not allowed: at most "
            f"{MAX_TOUCHES_PER_PROSPECT} (the fit steps through each history touch by touch)"
        )


def memory_needed(log: FitLog, paths: int | None) -> float:
    """Bytes the fit would hold: a cell per hidden path and touch, more paths for the replied."""
    from sim.fit.estimate import REPLIED_PATHS, paths_for

    R = paths or paths_for(log)
    replied = np.zeros(log.n, np.bool_)
    replied[log.prospect[log.y != NONE]] = True
    touches = np.bincount(log.prospect, minlength=log.n)
    cells = R * int(touches[~replied].sum()) + R * REPLIED_PATHS * int(touches[replied].sum())
    return BASE_BYTES + BYTES_PER_CELL * cells


def check_memory(log: FitLog, paths: int | None) -> None:
    """Refuse a fit whose hidden paths would not fit in this machine's memory."""
    need, have = memory_needed(log, paths), machine_memory()
    if need > 0.8 * have:
        raise UsageError(
            f"log size={log.prospect.size:,} touches is not allowed: a fit that fits in memory: "
            f"this one needs about {need / 2**30:,.1f} GiB, the machine has {have / 2**30:,.1f} GiB"
        )


#: Seconds the fit takes per touch at the paths it chooses itself, on 2 cores: the end-to-end
#: benchmark logs (docs/fitting.md, 7) took 73.8 s for 101,460 touches and 68.6 s for 126,436
#: (0.73 and 0.54 ms a touch, on a loaded machine); the larger is taken.
SECONDS_PER_TOUCH = 7.5e-4
#: The longest fit started. The largest log read (:data:`MAX_LOG_BYTES`, some 2.5 million
#: touches) takes about half an hour at the paths the fit chooses; more paths than it would
#: choose (``--paths``) multiply that.
MAX_FIT_HOURS = 4.0


def time_needed(log: FitLog, paths: int | None) -> float:
    """Seconds the fit would take on 2 cores, roughly: per touch, times the paths' share."""
    from sim.fit.estimate import paths_for

    chosen = paths_for(log)
    return SECONDS_PER_TOUCH * log.prospect.size * (paths or chosen) / chosen


def check_time(log: FitLog, paths: int | None) -> float:
    """Refuse a fit estimated at more than :data:`MAX_FIT_HOURS`; else its estimate in seconds."""
    need = time_needed(log, paths)
    if need > 3600.0 * MAX_FIT_HOURS:
        what = f"--paths={paths}" if paths else f"log size={log.prospect.size:,} touches"
        raise UsageError(
            f"{what} is not allowed: a fit of at most {MAX_FIT_HOURS:g} hours; this one "
            f"({log.prospect.size:,} touches) would take about {need / 3600:,.1f} hours on "
            "2 cores (fewer paths, or a sample of the prospects)"
        )
    return need


def check_dates(table: TouchTable) -> None:
    """Plausible dates and reply delays.

    Every touch and outcome is dated between :data:`EARLIEST` and :data:`LATEST`, and no outcome
    comes more than :data:`MAX_DELAY_DAYS` after its touch.
    """
    day = pd.Timedelta(days=1)
    first, last = table.start, table.start + float(table.time.max()) * day
    outcomes = table.outcome_time[np.isfinite(table.outcome_time)]
    for field, when in (
        ("touched_at", first),
        ("touched_at", last),
        ("outcome_at", table.start + float(outcomes.min()) * day if outcomes.size else first),
        ("outcome_at", table.start + float(outcomes.max()) * day if outcomes.size else last),
    ):
        if not EARLIEST <= when < LATEST:
            raise UsageError(
                f"{field}={when.isoformat()} is not allowed: a date from "
                f"{EARLIEST.year} to {LATEST.year - 1} (the log has one outside them)"
            )
    delay = table.outcome_time - table.time
    late = np.flatnonzero(np.nan_to_num(delay, nan=0.0) > MAX_DELAY_DAYS)
    if late.size:
        worst = late[np.argmax(delay[late])]
        raise UsageError(
            f"reply delay={delay[worst]:,.1f} days (prospect "
            f"{table.prospect_ids[int(table.prospect[worst])]!r}, {late.size:,} outcome(s) in all) "
            f"is not allowed: at most {MAX_DELAY_DAYS:.0f} days from a touch to its outcome"
        )


def check_meaning(log: FitLog) -> None:
    """Enough prospects and outcomes for at least one parameter's estimate to mean anything."""
    if log.n < MIN_PROSPECTS:
        raise UsageError(
            f"prospects={log.n:,} is not allowed: at least {MIN_PROSPECTS} (the fit's intervals "
            "are a large-sample approximation over independent prospects); nothing written"
        )
    outcomes = int((log.y != NONE).sum())
    if outcomes < MIN_OUTCOMES:
        raise UsageError(
            f"outcomes={outcomes:,} is not allowed: at least {MIN_OUTCOMES} replies and opt-outs "
            "(ten events per estimated parameter); the log cannot tell any response parameter, "
            "nothing written"
        )


def check_targets(out: Path, conf_dir: Path, name: str) -> None:
    """The fit's folder and config files: writable, and replacing only an earlier fit's files.

    The fit replaces its folder as a whole and its two config files: a folder that holds
    anything a fit does not write (``--out .``, ``--out ~/Documents``), or a config file it did
    not write, is the user's, and is refused rather than deleted.
    """
    here = Path.cwd().resolve()
    if here == out.resolve() or out.resolve() in here.parents:
        raise UsageError(
            f"--out={str(out)!r} is not allowed: a folder of its own (the fit replaces it "
            "whole); this is the working folder or one above it"
        )
    if out.exists():
        if not out.is_dir():
            raise UsageError(f"--out={str(out)!r} is not allowed: a folder; this is a file")
        foreign = sorted(p.name for p in out.iterdir() if p.name not in FIT_FILES)
        if foreign:
            raise UsageError(
                f"--out={str(out)!r} is not allowed: a new folder or an earlier fit's (the fit "
                f"replaces it whole); this one holds {', '.join(foreign[:3])}"
                + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
            )
    check_folder(out, "--out")
    check_folder(conf_dir / "model" / "worlds", "--conf-dir", conf_dir)
    for path in (conf_dir / "model" / f"fitted_{name}.yaml",
                 conf_dir / "model" / "worlds" / f"fitted_{name}.yaml"):  # fmt: skip
        if path.is_symlink() or (path.exists() and not _written_by_a_fit(path)):
            raise UsageError(
                f"--name={name!r} is not allowed: a name whose files are new or an earlier "
                f"fit's; {path} is not one outreach-sim-fit wrote (it is left as it is)"
            )


def _written_by_a_fit(path: Path) -> bool:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.readline().startswith(FITTED_HEADERS)
    except (OSError, UnicodeDecodeError):
        return False


def check_identified(result: FitResult) -> None:
    """A fit that identified no parameter at all writes no model: it would be defaults and noise."""
    told = [e for e in result.estimates if e.status in ("estimated", "confounded")]
    if not told:
        raise UsageError(
            f"estimated parameters=0 of {len(result.estimates)} is not allowed: a fit that "
            "identifies at least one; this log identifies none (each is at a bound, flat, or "
            "wider than 100x), nothing written"
        )
