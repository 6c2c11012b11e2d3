"""Where results go: the folders Hydra derives for a run or a sweep, checked before any exists.

Hydra writes a single run into ``hydra.run.dir`` and a sweep's job ``N`` into
``hydra.sweep.dir``/``hydra.sweep.subdir`` (its ``.hydra/`` files, when ``hydra.output_subdir``
is set, under that). None of them may put a file where the user keeps one of their own, so the
pre-flight (:func:`sim.cli.preflight.check_command`) refuses, with one line:

- an output folder that is empty once resolved (``hydra.run.dir=$UNSET`` would write into the
  current folder), the current folder itself or one of its parents, the root ``/``, or the home
  folder or one of its parents;
- an output folder that exists and holds anything this program did not write. A folder is the
  program's own when it holds a job's ``manifest.json``, a sweep's plan ``sweep.json`` or its
  ``job_errors/``, or job folders (``0/``, ``1/``...) that are the program's own, or nothing but
  empty folders: a run or a sweep written there before is run again (``resume=true``), anything
  else is refused rather than overwritten;
- a ``hydra.sweep.subdir`` or ``hydra.output_subdir`` that is absolute, or climbs out of its
  folder (``../x``), or is the folder itself; two jobs of a sweep in the same folder.

docs/outputs.md says the same for users.
"""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path, PurePath

from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf, open_dict
from omegaconf.errors import OmegaConfBaseException

from sim.cli.guard import UserError
from sim.run.outputs import JOB_ERRORS, PLAN_FILE

#: What marks a folder as the program's own output (a run's or a sweep's).
OWN_MARKS = ("manifest.json", PLAN_FILE, JOB_ERRORS)
#: A node interpolation (``${seed}``, ``${hydra.job.num}``): resolving it needs the config.
_NODE_REF = re.compile(r"\$\{\s*[^\s:{}$]+\s*\}")
#: How many entries of an existing folder are looked at before it is called not the program's.
MAX_LOOKED_AT = 10_000


def raw(cfg: DictConfig, key: str) -> str | None:
    """``key``'s value as the config holds it, interpolations unresolved."""
    parent, leaf = key.rsplit(".", 1)
    node = OmegaConf.select(cfg, parent)
    plain = OmegaConf.to_container(node, resolve=False) if isinstance(node, DictConfig) else {}
    found = plain.get(leaf) if isinstance(plain, dict) else None
    return None if found is None else str(found)


def resolved(cfg: DictConfig, key: str, job_num: int | None = None) -> str | None:
    """The value Hydra will use for ``key`` (``hydra.run.dir``...), resolved as Hydra would.

    Resolved on a copy, so that ``${now:}`` and ``${unique_id:}`` keep no value in ``cfg``;
    ``job_num``: a sweep job's number (``${hydra.job.num}``). The usual values (no
    interpolation, the job's number alone, or resolvers only) need no copy of the config: a
    sweep of 10,000 jobs checks each.

    Raises:
        UserError: when it cannot be resolved before the run (an unknown interpolation).
    """
    value = raw(cfg, key)
    if value is None or "${" not in value:
        return value
    if value == "${hydra.job.num}" and job_num is not None:
        return str(job_num)
    compact = value.replace(" ", "")
    where = key
    if not _NODE_REF.search(value) and "${hydra:" not in compact:
        # Resolvers only (the default ``${now:...}_${unique_id:}``): no copy of the config (a
        # copy costs about 0.1 s).
        where, probe = "value", OmegaConf.create({"value": value})
    else:
        probe = copy.deepcopy(cfg)
        with open_dict(probe):
            if job_num is not None:
                probe.hydra.job.num = job_num
                probe.hydra.job.id = str(job_num)
    hydra_config = HydraConfig.instance()
    before = hydra_config.cfg
    try:
        if "${hydra:" in compact:
            hydra_config.set_config(probe)  # what ${hydra:...} reads
        found = OmegaConf.select(probe, where, throw_on_missing=True)
    except OmegaConfBaseException as exc:
        first = str(exc).splitlines()[0]
        raise UserError(
            f"{key}={value!r} is not allowed: a path known before the run ({first})"
        ) from None
    finally:
        hydra_config.cfg = before
    return None if found is None else str(found)


def check_output_folder(key: str, value: str | None) -> Path:
    """Refuse an output folder that is empty, dangerous, or holds what the program did not write.

    Returns:
        The folder, absolute.
    """
    if value is None or not value.strip():
        raise UserError(
            f"{key}={value or ''!r} is not allowed: a folder for the results (empty, the results "
            "would be written into the current folder; an unset shell variable?)"
        )
    cwd = Path.cwd().resolve()
    folder = (cwd / value).resolve()
    home = Path.home().resolve()
    for place, what in ((cwd, "the current folder"), (home, "the home folder")):
        if folder == place or folder in place.parents:
            parent = "" if folder == place else "a parent of "
            raise UserError(
                f"{key}={value!r} is not allowed: a new or empty folder of its own, not "
                f"{parent}{what} ({folder}), where its files would sit among yours"
            )
    if folder == Path(folder.anchor):
        raise UserError(f"{key}={value!r} is not allowed: a folder of its own, not the root")
    if folder.is_dir():
        stranger = foreign_entry(folder)
        if stranger is not None:
            raise UserError(
                f"{key}={value!r} is not allowed: a new or empty folder, or one this program "
                f"wrote; {folder} holds {stranger!r}, which it did not write (nothing there is "
                "replaced: choose another folder)"
            )
    return folder


def foreign_entry(folder: Path) -> str | None:
    """The name of an entry of ``folder`` that is not the program's output, or None."""
    try:
        names = sorted(os.listdir(folder))[:MAX_LOOKED_AT]
    except OSError:
        return None  # it cannot be read: writing there fails as its own error
    if any(mark in names for mark in OWN_MARKS):
        return None
    for name in names:
        path = folder / name
        if path.is_symlink() or not path.is_dir():
            return name
        if foreign_entry(path) is not None:
            return name
    return None


def check_relative(key: str, value: str | None, *, optional: bool) -> str | None:
    """A folder Hydra puts inside another (``sweep.subdir``, ``output_subdir``): stays inside.

    Returns:
        The normalised relative folder (None for an unset ``optional`` one).
    """
    if value is None and optional:
        return None
    path = PurePath(os.path.normpath(value or ""))
    if not value or path.is_absolute() or str(path) == "." or path.parts[:1] == ("..",):
        raise UserError(
            f"{key}={value!r} is not allowed: a folder inside its parent folder (relative, "
            "without '..'), so that everything the run writes stays in its output folder"
        )
    return str(path)


def check_run(cfg: DictConfig) -> None:
    """A single run's folder (``hydra.run.dir``) and ``hydra.output_subdir``."""
    check_output_folder("hydra.run.dir", resolved(cfg, "hydra.run.dir"))
    check_relative("hydra.output_subdir", resolved(cfg, "hydra.output_subdir"), optional=True)


def check_sweep(cfg: DictConfig) -> None:
    """A sweep's folder (``hydra.sweep.dir``)."""
    check_output_folder("hydra.sweep.dir", resolved(cfg, "hydra.sweep.dir"))


def check_sweep_job(cfg: DictConfig, number: int, taken: dict[str, int]) -> None:
    """Job ``number``'s folder stays in the sweep's folder, its own (``taken``: subdir -> job)."""
    subdir = check_relative(
        "hydra.sweep.subdir", resolved(cfg, "hydra.sweep.subdir", number), optional=False
    )
    assert subdir is not None
    if subdir in taken:
        raise UserError(
            f"hydra.sweep.subdir={subdir!r} is not allowed: a folder of each job's own (jobs "
            f"{taken[subdir]} and {number} would both write into {subdir}; use "
            "${hydra.job.num} in it)"
        )
    taken[subdir] = number
    check_relative(
        "hydra.output_subdir", resolved(cfg, "hydra.output_subdir", number), optional=True
    )
