"""Output plumbing: atomic writes, the manifest's resume key, and escaped HTML."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from sim.cli.resume import is_completed
from sim.report.comparison import render
from sim.run import outputs


def test_atomic_write_replaces_whole_file_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "a.csv"
    outputs.write_text(target, "old\n")
    outputs.write_csv(target, pd.DataFrame({"x": [1, 2]}))
    assert target.read_text() == "x\n1\n2\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.csv"]


def test_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "m.json"
    outputs.write_json(target, {"status": "ok"})

    def boom(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        outputs.write_json(target, {"status": "half"})
    assert '"ok"' in target.read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]


def test_completed_means_ok_and_same_config_hash(tmp_path: Path) -> None:
    digest = outputs.config_hash("seed: 1\n")
    assert not is_completed(tmp_path, digest)
    base = dict(seed=1, replications=1, overrides=[], started="t", job=0, choices={})
    outputs.write_json(
        tmp_path / "manifest.json", outputs.manifest(config_hash=digest, status="failed", **base)
    )
    assert not is_completed(tmp_path, digest)
    outputs.write_json(
        tmp_path / "manifest.json", outputs.manifest(config_hash=digest, status="ok", **base)
    )
    assert not is_completed(tmp_path, digest)  # it vouches for no file
    table = tmp_path / "metrics.csv"
    table.write_text("arm\na\n")
    sums = {"metrics.csv": outputs.file_digest(table)}
    ok = outputs.manifest(
        config_hash=digest, status="ok", files=list(sums), file_sha256=sums, **base
    )
    outputs.write_json(tmp_path / "manifest.json", ok)
    assert is_completed(tmp_path, digest)
    assert not is_completed(tmp_path, outputs.config_hash("seed: 2\n"))
    table.write_text("arm\nb\n")  # a table changed since: not complete any more
    assert not is_completed(tmp_path, digest)


def test_report_escapes_config_labels() -> None:
    summary = pd.DataFrame(
        [
            {
                "arm": "<b>x</b>",
                "metric": "response_rate",
                "mean": 0.1,
                "ci_low": 0.05,
                "ci_high": 0.15,
                "n": 2,
                "diff_vs_baseline": float("nan"),
                "diff_ci_low": float("nan"),
                "diff_ci_high": float("nan"),
                "p_value": float("nan"),
            }
        ]
    )
    page = render(
        title="t <i>",
        facts={"overrides": "a=<script>"},
        summary=summary,
        labels={"<b>x</b>": "<script>alert(1)</script>"},
        baseline="<b>x</b>",
        figures={"response_rate.png": b"\x89PNG"},
    )
    assert "<script>" not in page and "<b>x</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "data:image/png;base64," in page


def test_atomic_write_gives_the_umask_mode_not_mkstemps_0600(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        target = tmp_path / "metrics.csv"
        outputs.write_text(target, "a\n")
    finally:
        os.umask(old)
    # The module reads the umask at import; the test process runs under the usual 022.
    assert target.stat().st_mode & 0o777 == 0o666 & ~outputs._UMASK
    assert target.stat().st_mode & 0o044  # readable by group and others, like any CSV


def _two_arm_summary(arm_rates: list[float], base_rates: list[float]) -> pd.DataFrame:
    from sim.run.stats import summarize

    rows = [
        {"arm": arm, "replicate": r, "seed": 0, "response_rate": v, "meeting_rate": v / 4}
        for arm, values in (("base", base_rates), ("arm", arm_rates))
        for r, v in enumerate(values)
    ]
    return summarize(pd.DataFrame(rows), "base")


def test_table_footnote_sizes_each_arm_and_says_what_the_size_rests_on() -> None:
    from sim.report.comparison import AB_CAVEAT, ab_footnote

    clear = ab_footnote(_two_arm_summary([0.12, 0.13, 0.125], [0.10, 0.11, 0.105]), "base")
    assert " ".join(clear).count(AB_CAVEAT) == 1 and all(len(x) <= 100 for x in clear)
    sized = clear[-1]
    assert sized.startswith("  arm  response rate ") and "meetings per prospect" in sized
    assert "not clear" not in sized
    # A difference the replicates cannot tell from zero is sized, and said to be unclear.
    noisy = ab_footnote(_two_arm_summary([0.12, 0.09, 0.125], [0.10, 0.11, 0.105]), "base")
    assert "simulated difference not clear of zero" in noisy[-1]
    same = ab_footnote(_two_arm_summary([0.1, 0.11], [0.1, 0.11]), "base")
    assert same[-1].endswith(
        "response rate no predicted difference, meetings per prospect no predicted difference"
    )
    # Only the baseline, or no baseline among the arms: nothing to size, no footnote.
    assert ab_footnote(_two_arm_summary([0.1], [0.2]), "elsewhere") == []


def test_report_shows_the_ab_size_under_a_difference_and_its_caveat() -> None:
    summary = _two_arm_summary([0.12, 0.13, 0.125], [0.10, 0.11, 0.105])
    size = summary[(summary["arm"] == "arm") & (summary["metric"] == "response_rate")][
        "ab_prospects_per_arm"
    ].iloc[0]
    common = dict(title="t", facts={}, labels={}, baseline="base", figures={})
    page = render(summary=summary, **common)
    assert f"live A/B test: {size:,.0f} per arm" in page and "not evidence for it" in page
    # A table without sizes (one arm) gets neither the cells nor the paragraph.
    page = render(summary=summary[summary["arm"] == "base"], **common)
    assert "live A/B test" not in page and "not evidence" not in page


def test_the_words_name_the_power_and_alpha_the_sizes_use() -> None:
    from sim.report.comparison import AB_NOTE, ab_footnote
    from sim.run.stats import AB_ALPHA, AB_POWER

    said = f"power {AB_POWER:g}, two-sided alpha {AB_ALPHA:g}"
    footnote = " ".join(ab_footnote(_two_arm_summary([0.12, 0.13], [0.10, 0.11]), "base"))
    assert said in AB_NOTE and said in footnote
