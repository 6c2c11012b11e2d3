"""A sweep's page does not pay for SciPy's statistics when it does not use them (about 1 s)."""

from __future__ import annotations

import subprocess
import sys


def test_the_sweep_report_modules_do_not_import_scipy_stats() -> None:
    code = (
        "import sys, sim.report.aggregate, sim.report.comparison, sim.run.drivers; "
        "print('scipy.stats' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
