"""Resume: when a job's folder already holds its completed result, and which sweep is resumed.

A job is the same job when its resolved config is the same (``resume`` and ``outputs`` aside):
its config hash. Under ``resume=true`` a job whose folder holds a manifest of that hash, status
ok and every file it vouches for, is not run again; a resumed sweep's complete jobs are found by
the pre-flight, before anything is launched (:func:`sim.cli.preflight.preflight`).
"""

from __future__ import annotations

from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from sim.run.aside import Aside, resolved_text
from sim.run.outputs import config_hash, files_intact, read_manifest

#: ``outputs=auto``: a sweep of more than this many configurations writes tables only in each
#: job's folder (its root still gets tables, figures and a report). Figures and the report cost
#: about 1.3 s per job, more than a small configuration's simulation; ten jobs' worth is still
#: quick to look through one by one, a hundred is not.
TABLES_ABOVE = 10


def resolved_yaml(cfg: DictConfig, aside: Aside | None = None) -> str:
    """The job's resolved config as YAML, without what does not change results.

    ``resume`` and ``outputs`` only say whether to run and which files to write: a job resumed
    with other values is the same job. ``aside``: the worlds of a configuration made without
    them (:mod:`sim.run.aside`), put back.
    """
    plain = OmegaConf.to_container(cfg, resolve=True)
    assert isinstance(plain, dict)
    plain.pop("resume", None)
    plain.pop("outputs", None)
    return resolved_text(plain, aside)


def wants_full(outputs: object, sweep_jobs: int | None) -> bool:
    """Whether a job writes figures and report.html (``sweep_jobs``: None for a single run)."""
    if outputs == "auto":
        return sweep_jobs is None or sweep_jobs <= TABLES_ABOVE
    return outputs == "full"


def is_completed(job_dir: Path, digest: str, *, full: bool = False) -> bool:
    """A completed result: the manifest and every file it vouches for.

    Status ok, the same resolved config, and every file the manifest lists still there with the
    bytes it recorded (a deleted or edited table makes the job run again); with ``full``, a
    result written with ``outputs=tables`` is not complete (it has no report).
    """
    found = read_manifest(job_dir)
    return (
        found is not None
        and found.get("status") == "ok"
        and found.get("config_hash") == digest
        and files_intact(job_dir, found)
        and (not full or "report.html" in (found.get("files") or []))
    )


def resumed_sweep_dir(config: DictConfig, cfg: DictConfig) -> Path | None:
    """The folder of a sweep resumed into an existing folder; None when there is nothing to find.

    ``config``: the sweep's config (its ``hydra`` node), ``cfg``: a job's task config. Only
    with the job folders Hydra makes by default (``hydra.sweep.subdir: ${hydra.job.num}``):
    another layout is left to the jobs, which skip themselves when complete.
    """
    if not cfg.get("resume"):
        return None
    node = OmegaConf.select(config, "hydra.sweep")
    if node is None:
        return None
    raw = OmegaConf.to_container(node, resolve=False)
    if not isinstance(raw, dict) or raw.get("subdir") != "${hydra.job.num}":
        return None
    try:
        sweep_dir = Path(str(node.dir))
    except Exception:  # it cannot be resolved here (${hydra:...}): a new folder, or the jobs'
        return None
    return sweep_dir if sweep_dir.is_dir() else None


def completed_before(
    sweep_dir: Path, cfg: DictConfig, number: int, jobs: int, aside: Aside | None = None
) -> bool | None:
    """Whether job ``number`` of ``jobs`` already has its completed result in ``sweep_dir``.

    The same test as the job's own under ``resume`` (:func:`is_completed`, the same config hash
    and outputs), made before the sweep is launched. None: it cannot be told here.
    """
    try:
        digest = config_hash(resolved_yaml(cfg, aside))
    except Exception:  # it cannot be resolved here (${hydra:...}): the job tells for itself
        return None
    full = wants_full(cfg.get("outputs", "auto"), jobs)
    return is_completed(sweep_dir / str(number), digest, full=full)
