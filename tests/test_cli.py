"""The command a user types: the default comparison, its files, and --help."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

from sim.run.stats import SUMMARY_COLUMNS
from tests.cli_helpers import APP, run

CORE = ("entitlement", "benefit_led", "cooldown_heatup", "multichannel", "high_volume", "bombard")


def test_default_run_compares_core_arms_and_writes_every_file(tmp_path: Path) -> None:
    proc = run(["population.size=100", "replications=2", "horizon_days=20"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "response rate (95% CI)" in out and "vs entitlement (95% CI)" in out
    for arm in CORE:
        assert arm in out
    job = Path(out.strip().splitlines()[-1].removeprefix("Output: "))
    assert job.parent == tmp_path / "results" / "runs"
    names = {p.name for p in job.iterdir()}
    assert names == {
        "metrics.csv",
        "summary.csv",
        "by_touch.csv",
        "timeseries.csv",
        "manifest.json",
        "config.yaml",
        "report.html",
        "response_rate.png",
        "timeseries.png",
        "by_touch.png",
        "efficiency.png",
    }, names  # and no temporary files left behind
    summary = pd.read_csv(job / "summary.csv")
    assert list(summary.columns) == list(SUMMARY_COLUMNS)
    assert list(dict.fromkeys(summary["arm"])) == list(CORE)
    manifest = json.loads((job / "manifest.json").read_text())
    assert manifest["status"] == "ok" and manifest["seed"] == 0 and manifest["replications"] == 2
    assert len(manifest["config_hash"]) == 64 and manifest["started"] <= manifest["ended"]
    assert {"numpy", "simpy", "hydra-core", "outreach-sim"} <= set(manifest["versions"])
    assert "population.size=100" in manifest["overrides"]
    page = (job / "report.html").read_text()
    assert page.count("data:image/png;base64,") == 4 and 'src="http' not in page
    for png in ("response_rate.png", "by_touch.png"):
        assert (job / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_failed_single_run_leaves_only_a_failed_manifest(tmp_path: Path) -> None:
    proc = run(
        ["population.size=50", "replications=1", "seed=5"],
        tmp_path,
        env={"OUTREACH_SIM_FAIL_JOB": "seed=5"},
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    (job,) = (tmp_path / "results" / "runs").iterdir()
    assert [p.name for p in job.iterdir()] == ["manifest.json"]
    assert json.loads((job / "manifest.json").read_text())["status"] == "failed"


def test_help_lists_groups_and_options(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "--help"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0
    for text in (
        "population: cold_list",
        "strategy: benefit_led",
        "reps: default",
        "replications=INT",
        "baseline=ARM",
        "hydra/launcher=joblib",
        "resume=BOOL",
    ):
        assert text in proc.stdout, text
    assert not (tmp_path / "results").exists()
    assert run(["--cfg", "job"], tmp_path).stdout.startswith("population:")
    assert APP.endswith("outreach-sim")
