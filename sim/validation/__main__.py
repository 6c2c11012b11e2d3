"""Command line of the validation report: ``python -m sim.validation``."""

from __future__ import annotations

import sys
import warnings

from sim.validation.report import REPORT, write_report


def main() -> int:
    """Write ``docs/validation.md``; exit 1 if any check fails."""
    # Identical replicate values (a config value, a saturated ratio) make SciPy warn about
    # precision; the interval is still right, and the warning would bury the summary.
    warnings.filterwarnings("ignore", category=RuntimeWarning, module="scipy")
    results, on_seeds = write_report()
    failed = [r.check.key for r in results if not r.passed]
    print(f"wrote {REPORT}: {len(results) - len(failed)} of {len(results)} checks pass")
    for key in failed:
        print(f"  FAIL {key}")
    missed = [row for row in on_seeds if not row.passed]
    print(f"  {len(on_seeds) - len(missed)} of {len(on_seeds)} targets in range on every seed")
    for row in missed:
        values = ", ".join(f"{r.value:.3g}" for r in row.results)
        print(f"  FAIL {row.check.key} on some seed: {values} ({row.check.expected})")
    return 1 if failed or missed else 0


if __name__ == "__main__":
    sys.exit(main())
