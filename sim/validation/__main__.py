"""Command line of the validation report: ``python -m sim.validation``."""

from __future__ import annotations

import sys
import warnings

from sim.validation.report import REPORT, write_report
from sim.validation.sequences import SEQUENCE_TARGETS


def main() -> int:
    """Write ``docs/validation.md``; exit 1 if any check fails."""
    # Identical replicate values (a config value, a saturated ratio) make SciPy warn about
    # precision; the interval is still right, and the warning would bury the summary.
    warnings.filterwarnings("ignore", category=RuntimeWarning, module="scipy")
    results = write_report()
    reported = {c.key for c in SEQUENCE_TARGETS}  # not yet calibrated: reported, not required
    checked = [r for r in results if r.check.key not in reported]
    failed = [r.check.key for r in checked if not r.passed]
    print(f"wrote {REPORT}: {len(checked) - len(failed)} of {len(checked)} checks pass")
    for key in failed:
        print(f"  FAIL {key}")
    missed = [r.check.key for r in results if r.check.key in reported and not r.passed]
    print(
        f"sequence targets (reported, not yet calibrated): {len(missed)} of {len(reported)} missed"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
