"""The reproducibility promise on another CPU profile: counts identical, the rest to 1e-9.

NumPy picks its SIMD kernels per CPU and OpenBLAS its kernel and threads; a second process runs
the same experiment with NumPy's dispatch held to the baseline (``NPY_DISABLE_CPU_FEATURES``:
every feature this CPU has above it), another OpenBLAS core type and thread count. Its tables
must equal this process's by the README's promise.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

from sim.run.api import simulate
from sim.run.registry import compose

OVERRIDES = [
    "population.size=1500",
    "replications=2",
    "strategy=[entitlement,benefit_led,cooldown_heatup,multichannel,bombard]",
]
DUMP = """
import sys
from sim.run.api import simulate
from sim.run.registry import compose
res = simulate(compose(sys.argv[2:]))
for name in ("metrics", "by_touch", "timeseries", "summary"):
    getattr(res, name).to_pickle(f"{sys.argv[1]}/{name}.pkl")
"""


def other_profile() -> dict[str, str]:
    """This environment with NumPy held to its baseline kernels and OpenBLAS changed."""
    above = [k for k in __cpu_dispatch__ if __cpu_features__.get(k)]
    env = dict(os.environ, OPENBLAS_CORETYPE="Prescott", OPENBLAS_NUM_THREADS="2")
    env["OMP_NUM_THREADS"] = "2"
    if above:
        env["NPY_DISABLE_CPU_FEATURES"] = " ".join(above)
    return env


def assert_same_by_the_promise(mine: pd.DataFrame, theirs: pd.DataFrame) -> None:
    """Integer and text columns identical; float columns equal to a relative 1e-9."""
    assert list(mine.columns) == list(theirs.columns)
    for column in mine.columns:
        a, b = mine[column], theirs[column]
        if pd.api.types.is_float_dtype(a):
            assert np.allclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True), column
        else:
            assert a.equals(b), column


def test_another_cpu_profile_gives_the_same_tables_by_the_promise(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-c", DUMP, str(tmp_path), *OVERRIDES],
        env=other_profile(),
        check=True,
        capture_output=True,
    )
    res = simulate(compose(OVERRIDES))
    for name in ("metrics", "by_touch", "timeseries", "summary"):
        assert_same_by_the_promise(getattr(res, name), pd.read_pickle(tmp_path / f"{name}.pkl"))
