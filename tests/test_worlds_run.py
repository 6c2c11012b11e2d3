"""Runs over plausible worlds (sim.run.worlds): the experiment in each world, with one seed.

Worlds here are made for the test (a few rows varying a few parameters), not the shipped
ensemble, so the tests hold whatever ``sim/conf/model/worlds/`` holds.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim.model.config import ExperimentConfig
from sim.model.worlds import MODEL_VERSION, WorldsConfig
from sim.run.api import simulate
from sim.run.registry import CONF_DIR, compose
from sim.run.worlds import world_configs
from tests.cli_helpers import run

SMALL = [
    "population.size=150",
    "replications=2",
    "horizon_days=30",
    "strategy=[entitlement,benefit_led]",
]
PARAMETERS = ["wearout", "response_base.email", "message_value.benefit_led"]
#: Rows of the test's worlds; the third repeats the first (common random numbers across worlds).
ROWS = [[0.03, -3.2, 0.4], [0.1, -3.8, 1.3], [0.03, -3.2, 0.4], [0.06, -3.5, 0.9]]
TABLES = ("metrics", "by_touch", "timeseries")
#: The command line's runs: smaller still (each pays for a process and its imports).
CLI = [
    "population.size=100",
    "replications=2",
    "horizon_days=20",
    "strategy=[entitlement,benefit_led]",
]


def _worlds() -> WorldsConfig:
    return WorldsConfig(
        model_version=MODEL_VERSION,
        source="test",
        method="by hand",
        parameters=list(PARAMETERS),
        status={"wearout": "prior", "response_base.email": "identified"},
        values=copy.deepcopy(ROWS),
    )


def _config(worlds: int, carry: bool = True) -> ExperimentConfig:
    cfg = compose(SMALL)
    cfg.model.worlds = _worlds() if carry else None
    cfg.worlds = worlds
    return cfg


def _csv(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, lineterminator="\n")


def test_without_worlds_the_tables_are_those_of_one_world() -> None:
    plain, carrying = simulate(_config(0, carry=False)), simulate(_config(0))
    for name in (*TABLES, "summary"):
        assert _csv(getattr(plain, name)) == _csv(getattr(carrying, name)), name
    assert "world" not in plain.metrics.columns and plain.drivers is None
    assert set(plain.summary["interval"]) == {"replicates"}


def test_each_world_runs_the_experiment_with_the_same_seed() -> None:
    cfg = _config(3)
    res = simulate(cfg)
    for name in TABLES:
        assert list(getattr(res, name).columns[:3]) == ["arm", "world", "replicate"], name
    assert sorted(set(res.metrics["world"])) == [0, 1, 2]
    assert len(res.metrics) == 3 * 2 * 2  # worlds x replicates x arms
    singles = [simulate(one) for one in world_configs(cfg)]
    for k, one in enumerate(singles):
        assert one.metrics["seed"].eq(cfg.seed).all()
        for name in TABLES:
            table = getattr(res, name)
            mine = table[table["world"] == k].drop(columns="world").reset_index(drop=True)
            pd.testing.assert_frame_equal(mine, getattr(one, name), check_dtype=True)
    # Worlds 0 and 2 have the same parameters and the same draws: the same rows.
    by_world = res.metrics.drop(columns="world").groupby(res.metrics["world"])
    pd.testing.assert_frame_equal(
        by_world.get_group(0).reset_index(drop=True), by_world.get_group(2).reset_index(drop=True)
    )
    assert (
        not by_world.get_group(1)
        .reset_index(drop=True)
        .equals(by_world.get_group(0).reset_index(drop=True))
    )
    summary = res.summary
    assert set(summary["interval"]) == {"worlds"} and set(summary["worlds"]) == {3}
    assert summary["p_value"].isna().all()


# --- through the command line ------------------------------------------------------------------


def _conf(tmp_path: Path) -> list[str]:
    """A search-path folder with the test's worlds, and the overrides that select them."""
    folder = tmp_path / "conf" / "model" / "worlds"
    folder.mkdir(parents=True)
    doc = {k: v for k, v in vars(_worlds()).items()}
    (folder / "mine.yaml").write_text("# @package model.worlds\n" + yaml.safe_dump(doc))
    # Appended while the shipped model selects no worlds of its own, chosen once it does.
    shipped = (CONF_DIR / "model" / "worlds").is_dir()
    select = "model/worlds=mine" if shipped else "+model/worlds=mine"
    return [f"hydra.searchpath=[file://{tmp_path / 'conf'}]", select]


@pytest.mark.parametrize("k", ["-1", "1", "abc", "1000"])
def test_a_bad_number_of_worlds_is_one_line_and_nothing_written(tmp_path: Path, k: str) -> None:
    work = tmp_path / "work"
    work.mkdir()
    proc = run([*_conf(tmp_path), *CLI, f"worlds={k}"], work)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"error: worlds={k} is not allowed")
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert not list(work.iterdir()), "nothing written"


def test_the_command_says_what_its_intervals_cover(tmp_path: Path) -> None:
    conf = _conf(tmp_path)
    one = run([*conf, *CLI, "outputs=tables"], tmp_path)
    assert one.returncode == 0, one.stderr
    assert "replicate noise only" in one.stdout
    assert "outreach-sim worlds=4 replications=2" in one.stdout  # 4: the worlds the model has
    many = run([*conf, *CLI, "worlds=4"], tmp_path)
    assert many.returncode == 0, many.stderr
    out = many.stdout
    assert "100 prospects (cold_list), 4 plausible worlds x 2 replicates" in out
    assert "better in" in out.splitlines()[2]  # the table's header
    assert "Intervals across 4 plausible worlds" in out
    assert "Verdict on the response rate against entitlement" in out
    job = Path(out.strip().splitlines()[-1].removeprefix("Output: "))
    summary = pd.read_csv(job / "summary.csv")
    assert set(summary["interval"]) == {"worlds"}
    assert list(pd.read_csv(job / "metrics.csv").columns[:3]) == ["arm", "world", "replicate"]
    drivers = pd.read_csv(job / "drivers.csv")
    assert set(drivers["parameter"]) == set(PARAMETERS)
    page = (job / "report.html").read_text()
    assert "Intervals across 4 plausible worlds" in page and "better in" in page
