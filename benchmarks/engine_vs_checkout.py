"""This engine against another checkout's, even one from before the re-layout (issue 24).

``benchmarks/engine.py --compare-with DIR`` runs this tree's worker with ``PYTHONPATH=DIR``; a
checkout from before the re-layout has no ``sim.model``, so the editable install's import hook
serves this tree's modules to both rows. Here each checkout runs its *own*
``benchmarks/engine.py --worker engine`` (its own workload of the same 8-step email cadence), with
the editable install's hook removed, alternating with this tree's, ``--runs`` times each; the
best run of each is compared per touch.

Run: ``.venv/bin/python benchmarks/engine_vs_checkout.py DIR [--n 100000] [--runs 7]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Runs a checkout's own worker with the editable install's import hook removed.
OWN_WORKER = (
    "import runpy, sys; "
    "sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in repr(f).lower()]; "
    "root = sys.argv[1]; sys.path.insert(0, root); "
    "sys.argv = ['engine.py', '--worker', 'engine', '--n', sys.argv[2], '--horizon', '120']; "
    "runpy.run_path(root + '/benchmarks/engine.py', run_name='__main__')"
)


def run(root: Path, n: int) -> dict[str, float]:
    """One worker of ``root``'s engine in a fresh process: its JSON line."""
    done = subprocess.run(
        [sys.executable, "-c", OWN_WORKER, str(root), str(n)],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("other", type=Path)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    roots = {"this": ROOT, args.other.name: args.other.resolve()}
    results: dict[str, list[dict[str, float]]] = {name: [] for name in roots}
    for _ in range(args.runs):
        for name, root in roots.items():
            results[name].append(run(root, args.n))
    per_touch = {}
    for name, rows in results.items():
        best = min(rows, key=lambda r: r["wall"] / r["touches"])
        per_touch[name] = best["wall"] / best["touches"] * 1e6
        print(
            f"{name}: {int(best['touches']):,} touches, {best['wall']:.3f} s, "
            f"{per_touch[name]:.3f} us/touch, peak {best['peak_mb']:.0f} MB"
        )
    print(f"this engine / {args.other.name}: {per_touch['this'] / per_touch[args.other.name]:.2f}x")


if __name__ == "__main__":
    main()
