"""The benchmark script's own logic (benchmarks/engine.py): no timings are asserted here, the
performance targets live in the benchmark's output (docs/performance.md)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ENGINE = Path(__file__).resolve().parent.parent / "benchmarks" / "engine.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    """benchmarks/ is not a package: load engine.py by path."""
    spec = importlib.util.spec_from_file_location("bench_engine", ENGINE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_numpy_floor_counts_touches_like_the_workload(bench: ModuleType) -> None:
    n, steps = 20_000, 8
    result = bench.numpy_floor(n, steps, seed=3)
    # Same seed, same count: the floor has a generator of its own.
    assert result["touches"] == bench.numpy_floor(n, steps, seed=3)["touches"]
    p = bench.FLOOR_STOP_P
    expected = n * sum((1 - p) ** k for k in range(steps))
    assert abs(result["touches"] - expected) < 0.01 * expected
    assert n <= result["touches"] <= n * steps


def test_bad_sweep_size_is_one_line_and_exit_2(
    bench: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    assert bench.main(["--sweep-configs", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--sweep-configs" in err[0]


def test_bad_repeat_or_comparison_tree_is_one_line_and_exit_2(
    bench: ModuleType, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert bench.main(["--repeat", "0"]) == 2
    assert bench.main(["--compare-with", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "--repeat" in err[0] and "--compare-with" in err[1]


def test_best_engines_alternate_trees_and_keep_the_fastest(
    bench: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    walls = {"a": iter([3.0, 1.0, 2.0]), "b": iter([5.0, 6.0, 4.0])}

    def fake_measure(kind: str, n: int, horizon: float, timeout: float, root: Path) -> object:
        calls.append(root.name)
        return {"wall": next(walls[root.name]), "touches": 10}

    monkeypatch.setattr(bench, "measure", fake_measure)
    best = bench.best_engines(100, 120.0, 10.0, 3, [Path("a"), Path("b")])
    assert calls == ["a", "b"] * 3  # in turn, so both see the same load
    assert [r["wall"] for r in best] == [1.0, 4.0]
