"""Write the tables of the reference configurations and every study, for a byte-for-byte check.

A refactor (a re-layout, a split module) must not move a single bit of any table. Run this on
the old tree and on the new one, then compare the two digest files (or the folders):

    .venv/bin/python scripts/table_identity.py /tmp/before      # on the old commit
    .venv/bin/python scripts/table_identity.py /tmp/after       # on the new one
    diff /tmp/before/digests.txt /tmp/after/digests.txt && diff -r /tmp/before /tmp/after

Every configuration runs through the real command line (``python -m sim``), so composition,
validation and the files written are covered, not only the engine. The digest lists the SHA-256
of every table (``*.csv``), figure (``*.png``) and report page (``report.html``) each run wrote;
manifests and ``config.yaml`` carry times and paths and are left out. Byte identity holds on one
machine; across CPUs the README's promise is weaker (counts identical, continuous columns to 1e-9
relative), so compare two trees on the same machine.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
from pathlib import Path

ALL_STRATEGIES = (
    "[benefit_led,bombard,breakup,cooldown_heatup,entitlement,hang_up,high_volume,"
    "multichannel,nurture,persistent,referral]"
)
STUDIES = (
    "callback_entitlement",
    "channel_match",
    "cool_down",
    "entitlement_vs_value",
    "hook_volume",
    "interruption_load",
    "stalker_mode",
)
# The 14 reference configurations: every preset strategy on the two list types (three seeds,
# both credit rules), the other two audiences, the headline run, and one population above the
# engine's chunk size (batches split in several chunks).
CONFIGS: dict[str, list[str]] = {
    "default": [],
    "all_cold_s0": [f"strategy={ALL_STRATEGIES}", "population=cold_list", "population.size=3000"],
    "all_house_s3": [
        f"strategy={ALL_STRATEGIES}",
        "population=house_list",
        "population.size=3000",
        "seed=3",
    ],
    "all_cold_s7_last": [
        f"strategy={ALL_STRATEGIES}",
        "population=cold_list",
        "population.size=3000",
        "seed=7",
        "credit=last_touch",
    ],
    "all_house_s7": [
        f"strategy={ALL_STRATEGIES}",
        "population=house_list",
        "population.size=3000",
        "seed=7",
    ],
    "mixed": ["population=mixed"],
    "networking": ["population=networking_event"],
    "large": ["population.size=80000", "replications=1"],
}


def run(name: str, overrides: list[str], out: Path) -> None:
    """One configuration through the command line, into ``out/name`` (or its sweep folder)."""
    command = [
        sys.executable,
        "-m",
        "sim",
        *overrides,
        f"hydra.run.dir={out / name}",
        f"hydra.sweep.dir={out / name}",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{name} failed ({done.returncode}):\n{done.stderr[-3000:]}")


def digests(out: Path) -> list[str]:
    """``sha256  relative/path`` for every table, figure and report page under ``out``, sorted."""
    lines = []
    files = [*out.rglob("*.csv"), *out.rglob("*.png"), *out.rglob("report.html")]
    for path in sorted(files):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        lines.append(f"{digest}  {path.relative_to(out)}")
    return lines


def main() -> int:
    """Run every configuration and study into OUT and write OUT/digests.txt."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="a new folder for the runs and digests.txt")
    parser.add_argument("--only", nargs="*", help="names of configurations or studies")
    parser.add_argument("--rehash", action="store_true", help="only rewrite digests.txt")
    args = parser.parse_args()
    # Studies write their full report (study_table.csv is one of their tables); the other
    # configurations write tables only, which is all the digest reads.
    jobs = {name: [*o, "outputs=tables"] for name, o in CONFIGS.items()}
    jobs |= {f"study_{s}": [f"+experiment={s}"] for s in STUDIES}
    for name, overrides in jobs.items():
        if args.rehash or (args.only and name not in args.only):
            continue
        print(name, flush=True)
        run(name, overrides, args.out)
    lines = digests(args.out)
    (args.out / "digests.txt").write_text("\n".join(lines) + "\n")
    print(f"{len(lines)} files: {args.out / 'digests.txt'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
