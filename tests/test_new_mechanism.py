"""A new mechanism takes five files: pure function, parameter, model step, docs entry and test.

The count and the worked example are those of docs/architecture.md, "Where a change goes".

The package is copied into a temporary folder, where the worked example of the architecture
document is added with three code edits and nothing else: a spam folder that swallows a share
of the emails (``landed`` in ``sim/model/response.py``, the ``spam_rate`` parameter of
``ModelConfig`` in ``sim/model/config.py`` with its range and a neutral default, and a ``spam``
step in ``sim/model/touch.py``'s ``PIPELINE``). The other two files are the entry in
``docs/model.md`` and a test such as this one. The copy then runs through the command line: at
the neutral default its tables equal the original's byte for byte (the step changes nothing
until the parameter is set), with ``model.spam_rate=1`` no email gets a reply, and an
out-of-range value is refused by the parameter's declared range.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]

PURE_FUNCTION = '''

def landed(p: ArrayLike, spam_rate: float) -> Array:
    """A reply chance once the spam folder has taken its share: ``p (1 - s)``."""
    return np.asarray(np.asarray(p) * (1.0 - spam_rate))
'''
PARAMETER = "    spam_rate: float = prob(0.0)  # share of emails that land in the spam folder\n"
STEP = '''

def spam(world: World, b: Touch) -> None:
    """An email in the spam folder decides nothing: its reply chances scaled by ``landed``."""
    email = b.ch[b.decides] == EMAIL
    rate = world.cfg.spam_rate
    b.p_pos = np.where(email, rf.landed(b.p_pos, rate), b.p_pos)
    b.p_neg = np.where(email, rf.landed(b.p_neg, rate), b.p_neg)
    b.p_opt = np.where(email, rf.landed(b.p_opt, rate), b.p_opt)
'''


def add_mechanism(package: Path) -> list[Path]:
    """Add the spam folder to the copy at ``package``; return the files edited."""
    model = package / "sim" / "model"
    response = model / "response.py"
    response.write_text(response.read_text() + PURE_FUNCTION)
    config = model / "config.py"
    text = config.read_text()
    anchor = text.index("class ModelConfig")
    body = text.index("\n\n", text.index('"""', text.index('"""', anchor) + 3)) + 2
    config.write_text(text[:body] + PARAMETER + text[body:])
    touch = model / "touch.py"
    text = touch.read_text()
    text = text.replace(
        "from sim.model.channels import PHONE", "from sim.model.channels import EMAIL, PHONE"
    )
    pipeline = text.index("\n\n#: The model steps of one touch")
    text = text[:pipeline] + STEP + text[pipeline:]
    text = text.replace("    respond,\n    outcome,\n", "    respond,\n    spam,\n    outcome,\n")
    touch.write_text(text)
    return [response, config, touch]


def run(package: Path | None, out: Path, *overrides: str) -> subprocess.CompletedProcess[str]:
    """The command line on ``package`` (the project's own when None) into ``out``."""
    env = dict(os.environ)
    if package is not None:
        env["PYTHONPATH"] = str(package)
    command = [
        sys.executable,
        "-m",
        "sim",
        "strategy=[entitlement,benefit_led,multichannel]",
        "population.size=400",
        "replications=1",
        "horizon_days=40",
        "outputs=tables",
        f"hydra.run.dir={out}",
        *overrides,
    ]
    cwd = out.parent
    return subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=False)


def test_a_mechanism_added_in_three_code_files_runs_and_is_neutral_by_default(
    tmp_path: Path,
) -> None:
    package = tmp_path / "package"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for part in ("sim", "hydra_plugins"):
        shutil.copytree(ROOT / part, package / part, ignore=ignore)
    edited = add_mechanism(package)
    assert len(edited) == 3
    check = [sys.executable, "-c", "import sim.model.touch as t; print(len(t.PIPELINE))"]
    env = {**os.environ, "PYTHONPATH": str(package)}
    counted = subprocess.run(check, env=env, cwd=tmp_path, capture_output=True, text=True)
    from sim.model.touch import PIPELINE

    assert counted.stdout.strip() == str(len(PIPELINE) + 1), counted.stderr

    original = run(None, tmp_path / "original")
    assert original.returncode == 0, original.stderr
    neutral = run(package, tmp_path / "neutral")
    assert neutral.returncode == 0, neutral.stderr
    for table in ("metrics.csv", "by_touch.csv"):
        assert (tmp_path / "neutral" / table).read_bytes() == (
            tmp_path / "original" / table
        ).read_bytes(), f"{table}: the new step at its neutral default moved the tables"

    full = run(package, tmp_path / "full", "model.spam_rate=1")
    assert full.returncode == 0, full.stderr
    by_touch = pd.read_csv(tmp_path / "full" / "by_touch.csv")
    emails = by_touch[by_touch["channel"] == "email"]
    assert emails["touches"].sum() > 0
    assert emails["replies"].sum() == 0 and emails["opt_outs"].sum() == 0
    before = pd.read_csv(tmp_path / "original" / "by_touch.csv")
    assert before.loc[before["channel"] == "email", "replies"].sum() > 0

    refused = run(package, tmp_path / "refused", "model.spam_rate=1.5")
    assert refused.returncode == 2
    assert "spam_rate" in refused.stderr and "1.5" in refused.stderr
