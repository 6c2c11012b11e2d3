"""Reference results: rerun every workshop study through the real command line and keep its files.

``python -m sim.cli.reference --all`` (``make reference``), or with study names, reruns each study
as ``outreach-sim +experiment=NAME`` does and replaces ``results/reference/<study>/`` with its
tables, figures and report.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from sim.report.study import REPORT_NAME, STUDIES, StudyError, write_study_report
from sim.report.study.notes import not_allowed
from sim.run.registry import compose

PROJECT_DIR = Path(__file__).resolve().parents[2]
REFERENCE_DIR = PROJECT_DIR / "results" / "reference"
#: Files a reference folder keeps (small ones only; the report embeds its figures).
REFERENCE_FILES: tuple[str, ...] = (
    "report.html",
    "summary.csv",
    "metrics.csv",
    "study_table.csv",
    "sweep_summary.csv",
)


def run_study(name: str, work: Path) -> Path:
    """Run a study through the real command line into ``work``; return its job or sweep folder.

    Raises:
        StudyError: the study is unknown, or the command failed (its stderr is included).
    """
    if name not in STUDIES:
        raise not_allowed(name)
    run_dir, sweep_dir = work / "run", work / "sweep"
    command = [
        sys.executable,
        "-c",
        "from sim.cli.app import main; main()",
        f"+experiment={name}",
        f"hydra.run.dir={run_dir}",
        f"hydra.sweep.dir={sweep_dir}",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=PROJECT_DIR)
    if done.returncode != 0:
        raise StudyError(f"outreach-sim +experiment={name} failed:\n{done.stderr[-3000:]}")
    out = sweep_dir if sweep_dir.is_dir() else run_dir
    if not (out / REPORT_NAME).is_file():  # the app did not write it: do it here
        write_study_report(out, compose([f"+experiment={name}"]))
    return out


def write_reference(name: str, reference_dir: Path = REFERENCE_DIR) -> Path:
    """Rerun study ``name`` and replace ``reference_dir/name`` with its tables, figures, report."""
    target = reference_dir / name
    reference_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=reference_dir, prefix=f".{name}.") as tmp:
        out = run_study(name, Path(tmp) / "work")
        staged = Path(tmp) / "staged"
        staged.mkdir()
        shutil.copyfile(out / REPORT_NAME, staged / "report.html")
        for file in REFERENCE_FILES[1:]:
            if (out / file).is_file():
                shutil.copyfile(out / file, staged / file)
        for png in sorted(out.glob("study_*.png")):
            shutil.copyfile(png, staged / png.name)
        # Swap in the new folder only once it is complete: a failed run keeps the old one.
        old = Path(tmp) / "old"
        if target.exists():
            target.rename(old)
        staged.rename(target)
    return target


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sim.cli.reference --all`` (or study names): regenerate the reference results."""
    parser = argparse.ArgumentParser(prog="python -m sim.cli.reference", description=main.__doc__)
    parser.add_argument("studies", nargs="*", help=f"any of: {', '.join(STUDIES)}")
    parser.add_argument("--all", action="store_true", help="every study")
    parser.add_argument("--out", type=Path, default=REFERENCE_DIR, help="reference folder")
    args = parser.parse_args(argv)
    names = list(STUDIES) if args.all else list(args.studies)
    unknown = [n for n in names if n not in STUDIES]
    if unknown or not names:
        print(
            f"error: study={unknown[0] if unknown else ''!r} is not allowed: "
            f"--all or any of {', '.join(STUDIES)}",
            file=sys.stderr,
        )
        return 2
    for name in names:
        try:
            print(f"{name}: {write_reference(name, args.out)}")
        except StudyError as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
