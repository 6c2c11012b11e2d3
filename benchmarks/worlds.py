"""Benchmark: the default comparison over 20 plausible worlds against the one-world comparison.

Run by ``make benchmark`` (or ``.venv/bin/python benchmarks/worlds.py``). Each measurement is
the wall time of the real command, end to end, in a fresh process (``outreach-sim ...
outputs=tables``, its folder in a temporary directory): the default comparison as it was (one
world, 6 arms x 5 replicates x 2,000 prospects) and the same comparison over 20 plausible worlds
of 2 replicates each (``worlds=20 replications=2``, what ``make run`` runs), in turn (A B A B
...) so that both share the machine's load; the best of ``--repeat`` each. The target (issue
25): the worlds' run at most 5 times the one-world run's wall time on 2 cores.

The worlds are the default model's (``sim/conf/model/worlds/default.yaml``); when the model
has none (before ``make calibrate`` wrote them), 20 worlds drawn here around the defaults stand
in (:func:`stand_in`), and the output says so: what a world costs depends little on its values.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

BIN = Path(sys.executable).parent
APP = str(BIN / "outreach-sim")
ONE = ["outputs=tables"]
WORLDS = ["worlds=20", "replications=2", "outputs=tables"]
TARGET = 5.0
#: Stand-in worlds: each parameter times a factor drawn uniformly from this range.
STAND_IN_PARAMETERS = ("wearout", "response_base.email", "response_base.phone", "answer_base")


def stand_in(folder: Path, rows: int = 20, seed: int = 0) -> list[str]:
    """Write 20 worlds around the defaults into ``folder``; the overrides that select them."""
    from sim.model.worlds import MODEL_VERSION
    from sim.run.registry import compose

    model = compose([]).model
    rng = np.random.default_rng(seed)
    base = [eval_path(model, p) for p in STAND_IN_PARAMETERS]
    values = [[round(b * float(rng.uniform(0.8, 1.2)), 4) for b in base] for _ in range(rows)]
    doc = {
        "model_version": MODEL_VERSION,
        "source": "benchmarks/worlds.py",
        "method": "stand-in: each parameter times a uniform factor in 0.8-1.2",
        "parameters": list(STAND_IN_PARAMETERS),
        "status": {},
        "values": values,
    }
    target = folder / "model" / "worlds"
    target.mkdir(parents=True, exist_ok=True)
    (target / "standin.yaml").write_text("# @package model.worlds\n" + yaml.safe_dump(doc))
    return [f"hydra.searchpath=[file://{folder}]", "+model/worlds=standin"]


def eval_path(node: object, path: str) -> float:
    """The number at a dotted path of a config object."""
    for part in path.split("."):
        node = getattr(node, part)
    assert isinstance(node, int | float)
    return float(node)


def timed(args: list[str], folder: Path) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one run of the command, end to end.

    CPU time is the child's own (``RUSAGE_CHILDREN`` before and after): on a machine other
    work keeps busy it moves less than the wall time does.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [APP, *args, f"hydra.run.dir={folder / 'run'}"],
        check=True,
        capture_output=True,
        cwd=folder,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="runs of each, the best counts")
    args = ap.parse_args(argv)
    from sim.run.registry import compose

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        extra: list[str] = []
        source = "the default model's worlds"
        if compose([]).model.worlds is None:
            extra = stand_in(folder / "conf")
            source = "stand-in worlds (the default model has none yet)"
        one, many = [], []
        for _ in range(args.repeat):
            one.append(timed([*extra, *ONE], folder))
            many.append(timed([*extra, *WORLDS], folder))
    (w1, c1), (wk, ck) = min(one), min(many)
    ratio = wk / w1
    verdict = "meets" if ratio <= TARGET else "MISSES"
    print(f"default comparison over plausible worlds ({source}), best of {args.repeat}:")
    print("                                              wall      CPU")
    print(f"  one world (6 arms x 5 replicates):        {w1:6.1f} s {c1:6.1f} s")
    print(f"  20 worlds x 2 replicates (worlds=20 ...):  {wk:6.1f} s {ck:6.1f} s")
    print(
        f"  ratio {ratio:.2f} wall, {ck / c1:.2f} CPU ({verdict} the target: at most {TARGET:g}x)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
