"""The fit's files written all or none: staged under temporary names, then moved into place.

A fit writes a folder (``results/fits/<name>/``) and two config files; an interrupted or failed
write (a full disk, SIGINT, SIGTERM) must leave neither half a fit nor the loss of an earlier
one. Everything is written under temporary names beside its place first; then each target is
moved aside (when it exists) and replaced; on any failure, what was placed is removed, what was
moved aside is put back, and the folders made are removed (docs/fitting.md, 4).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd


def write_all(
    files: dict[str, str | bytes | pd.DataFrame], out_dir: Path, conf: dict[Path, str]
) -> None:
    """Write every file under a temporary name, then move them all into place, or none.

    The folder is staged beside its place and the config files under hidden temporary names;
    what they replace is moved aside first and put back if anything fails (a full disk, a signal:
    :class:`KeyboardInterrupt` too), and the folders this call made are removed again. On success
    the earlier files are deleted.
    """
    made: list[Path] = []
    staging: Path | None = None
    temps: list[Path] = []
    moved: list[tuple[Path, Path | None]] = []  # (a path, what it held before: set aside)
    try:
        _make_folders([out_dir.parent, *(path.parent for path in conf)], made)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
        for fname, content in files.items():
            if isinstance(content, pd.DataFrame):
                content.to_csv(staging / fname, index=False)
            elif isinstance(content, bytes):
                (staging / fname).write_bytes(content)
            else:
                (staging / fname).write_text(content, encoding="utf-8")
        for path, text in conf.items():
            temps.append(path.with_name(f".{path.name}.tmp"))
            temps[-1].write_text(text, encoding="utf-8")
        # The folder, then the worlds, then the model that selects them.
        for new, path in ((staging, out_dir), *zip(temps, conf, strict=True)):
            moved.append((path, _set_aside(path)))
            os.replace(new, path)
    except BaseException:
        _undo(staging, temps, moved, made)
        raise
    for _, old in moved:
        if old is not None:
            _remove(old)


def _make_folders(folders: list[Path], made: list[Path]) -> None:
    """Make the missing ``folders`` (and their parents), adding each to ``made`` as it is made."""
    for folder in folders:
        missing = [p for p in (folder, *folder.parents) if not p.exists()]
        for p in reversed(missing):
            p.mkdir()
            made.append(p)


def _set_aside(path: Path) -> Path | None:
    """Move an existing ``path`` to a hidden name beside it; that name, or None."""
    if not path.exists():
        return None
    aside = path.with_name(f".{path.name}.{os.getpid()}.old")
    os.replace(path, aside)
    return aside


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _undo(
    staging: Path | None,
    temps: list[Path],
    moved: list[tuple[Path, Path | None]],
    made: list[Path],
) -> None:
    """Put everything back as it was before :func:`write_all`."""
    if staging is not None:
        _remove(staging)
    for tmp in temps:
        tmp.unlink(missing_ok=True)
    for path, old in reversed(moved):
        _remove(path)
        if old is not None:
            os.replace(old, path)
    for folder in reversed(made):
        with contextlib.suppress(OSError):
            folder.rmdir()
