"""What drives a difference (sim.run.drivers) and its figure and table (sim.report.drivers)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from sim.model.worlds import MODEL_VERSION, WorldsConfig
from sim.report.drivers import drivers_figure, drivers_html
from sim.run.drivers import (
    DRIVER_COLUMNS,
    MIN_WORLDS,
    drivers,
    first_order_index,
    harmonics,
    matters,
)

NAMES = ["a", "b", "flat", "c", "d"]


def _worlds(k: int, seed: int = 0, status: dict[str, str] | None = None) -> WorldsConfig:
    x = np.random.default_rng(seed).uniform(size=(k, len(NAMES)))
    x[:, NAMES.index("flat")] = 0.25  # a parameter the worlds do not vary
    return WorldsConfig(
        model_version=MODEL_VERSION,
        source="test",
        method="uniform draws",
        parameters=list(NAMES),
        status=status if status is not None else {"a": "weak", "b": "identified"},
        values=x.tolist(),
    )


def _diffs(worlds: WorldsConfig, pairs: dict[tuple[str, str], object]) -> pd.DataFrame:
    x = np.asarray(worlds.values)
    cols = {n: x[:, i] for i, n in enumerate(NAMES)}
    rows = []
    for (arm, metric), f in pairs.items():
        diff = f(cols)  # type: ignore[operator]
        rows += [
            {"arm": arm, "metric": metric, "world": i, "diff": float(d)} for i, d in enumerate(diff)
        ]
    return pd.DataFrame(rows)


def _linear(seed: int) -> object:
    noise = np.random.default_rng(100 + seed).normal(scale=0.3, size=20)
    return lambda c: 3 * c["a"] + 0.1 * c["b"] + noise


def test_the_strong_parameter_gets_by_far_the_largest_index() -> None:
    for seed in range(3):
        worlds = _worlds(20, seed)
        table = drivers(_diffs(worlds, {("x", "response_rate"): _linear(seed)}), worlds, 20)
        index = dict(zip(table["parameter"], table["index"], strict=True))
        assert table["parameter"].iloc[0] == "a"
        assert index["a"] > 0.6
        assert index["b"] < 0.3 and index["a"] - index["b"] > 0.5
        assert matters(table, "x", "response_rate") == ["a"]  # b is not named


def test_a_parameter_the_worlds_do_not_vary_explains_nothing() -> None:
    worlds = _worlds(20)
    table = drivers(_diffs(worlds, {("x", "response_rate"): _linear(0)}), worlds, 20)
    flat = table[table["parameter"] == "flat"].iloc[0]
    assert (flat["index"], flat["index_low"], flat["index_high"], flat["p_value"]) == (0, 0, 0, 1)


def test_status_is_carried_and_a_parameter_without_one_is_prior() -> None:
    worlds = _worlds(20, status={"a": "weak", "b": "identified", "c": "prior"})
    table = drivers(_diffs(worlds, {("x", "response_rate"): _linear(0)}), worlds, 20)
    status = dict(zip(table["parameter"], table["status"], strict=True))
    assert status == {"a": "weak", "b": "identified", "flat": "prior", "c": "prior", "d": "prior"}
    assert matters(table, "x", "response_rate", statuses=("identified",)) == []
    assert matters(table, "x", "response_rate", statuses=("weak", "prior")) == ["a"]


def test_columns_order_of_pairs_and_sorting_by_index() -> None:
    worlds = _worlds(20)
    pairs = {
        ("y", "meeting_rate"): lambda c: c["c"] + 0.01 * c["d"],
        ("x", "response_rate"): _linear(0),
    }
    table = drivers(_diffs(worlds, pairs), worlds, 20)
    assert tuple(table.columns) == DRIVER_COLUMNS
    assert list(dict.fromkeys(zip(table["arm"], table["metric"], strict=True))) == list(pairs)
    for _, rows in table.groupby(["arm", "metric"], sort=False):
        assert list(rows["index"]) == sorted(rows["index"], reverse=True)
        assert len(rows) == len(NAMES) and set(rows["worlds"]) == {20}
    assert table[table["arm"] == "y"]["parameter"].iloc[0] == "c"
    assert ((table["index_low"] <= table["index_high"]) & table["index"].between(0, 1)).all()


def test_the_same_differences_give_the_same_table() -> None:
    worlds = _worlds(20)
    diffs = _diffs(worlds, {("x", "response_rate"): _linear(0)})
    pd.testing.assert_frame_equal(drivers(diffs, worlds, 20), drivers(diffs, worlds, 20))


def test_small_k_constant_and_missing_differences_give_no_warning_and_no_crash() -> None:
    worlds = _worlds(20)
    pairs = {
        ("few", "response_rate"): lambda c: c["a"],
        ("same", "response_rate"): lambda c: np.full(len(c["a"]), 0.01),
        ("gaps", "response_rate"): lambda c: np.where(c["b"] > 0.8, np.nan, 3 * c["a"]),
    }
    diffs = _diffs(worlds, pairs)
    diffs = diffs[(diffs["arm"] != "few") | (diffs["world"] < MIN_WORLDS - 1)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = drivers(diffs, worlds, 20)
        small = drivers(diffs[diffs["world"] < 3], worlds, 3)
        png = drivers_figure(table)
    few = table[table["arm"] == "few"]
    assert few["index"].isna().all() and set(few["worlds"]) == {MIN_WORLDS - 1}
    assert matters(table, "few", "response_rate") == []
    assert small["index"].isna().all()
    same = table[table["arm"] == "same"]
    assert (same["index"] == 0).all() and (same["p_value"] == 1).all()
    gaps = table[table["arm"] == "gaps"]
    assert gaps["worlds"].iloc[0] < 20 and gaps["parameter"].iloc[0] == "a"
    assert png.startswith(b"\x89PNG")


def test_bad_k_or_worlds_are_refused() -> None:
    worlds = _worlds(20)
    diffs = _diffs(worlds, {("x", "response_rate"): _linear(0)})
    with pytest.raises(ValueError, match="k=21"):
        drivers(diffs, worlds, 21)
    with pytest.raises(ValueError, match="worlds outside 0 to 9"):
        drivers(diffs, worlds, 10)
    with pytest.raises(ValueError, match="more than one row"):
        drivers(pd.concat([diffs, diffs.iloc[:1]]), worlds, 20)
    assert drivers(diffs.iloc[:0], worlds, 20).columns.tolist() == list(DRIVER_COLUMNS)


def test_the_index_is_salibs_rbd_fast_first_order_index() -> None:
    from SALib.analyze import rbd_fast

    rng = np.random.default_rng(5)
    for k, m in ((10, 1), (20, 1), (33, 2), (64, 3)):
        x = rng.uniform(size=(k, 4))
        y = 3 * x[:, 0] + np.sin(6 * x[:, 1]) + rng.normal(size=k)
        problem = {"num_vars": 4, "names": list("abcd")}
        expected = rbd_fast.analyze(problem, x, y, M=m, num_resamples=2, seed=1)["S1"]
        assert first_order_index(x.T, y, m) == pytest.approx(expected, abs=1e-12)


def test_more_worlds_see_a_u_shaped_effect() -> None:
    # One harmonic (20 worlds) holds a monotone effect; a U-shape lives in the second harmonic,
    # which harmonics() adds from 40 worlds on.
    assert [harmonics(k) for k in (10, 20, 39, 40, 100, 1000)] == [1, 1, 1, 2, 5, 6]
    rng = np.random.default_rng(2)
    x = rng.uniform(size=(60, 3))
    y = (x[:, 0] - 0.5) ** 2 + 0.002 * rng.normal(size=60)
    assert first_order_index(x[:, 0], y, 1) < 0.3
    assert first_order_index(x[:, 0], y) > 0.7  # harmonics(60) == 3


def test_figure_and_table_show_status_and_escape_names() -> None:
    worlds = _worlds(20, status={"a": "weak"})
    worlds.parameters = ["<a>", *NAMES[1:]]
    diffs = _diffs(worlds, {("<arm>", "response_rate"): _linear(0)})
    table = drivers(diffs, worlds, 20)
    assert drivers_figure(table).startswith(b"\x89PNG")
    assert drivers_figure(table.iloc[:0]).startswith(b"\x89PNG")
    fragment = str(drivers_html(table))
    assert "&lt;arm&gt;" in fragment and "<arm>" not in fragment
    assert "&lt;a&gt; (0." in fragment and "prior only" in fragment
