"""A new channel takes three files: the channel table and the YAML values (docs/architecture.md).

The package is copied into a temporary folder, where WhatsApp is added by a row of the channel
table (``sim/model/channels.py``) and a value in every per-channel row of
``sim/conf/model/default.yaml`` and ``sim/conf/reps/default.yaml``, and nothing else. The copy
then runs through the command line, first on the path, with a strategy that messages on
WhatsApp; its touches must show in ``by_touch.csv``. A channel that needed an edit anywhere else
(a schema field, a population file, a journey colour) would fail here. A platform's export
that names the channel as the table does needs no edit of its mapping either.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
ROW = '    Channel("whatsapp", "a WhatsApp text", "WhatsApp texts", "#bcbd22", "v", 0.1, 0.6),\n'
STRATEGY = """\
on_whatsapp:
  label: WhatsApp first
  steps:
    - {day: 0, channel: whatsapp, message: benefit_led}
    - {day: 3, channel: whatsapp, message: resource}
    - {day: 7, channel: email, message: check_in}
"""
#: Every per-channel row in flow style gets the new channel, at the value sms has there.
PER_CHANNEL_ROW = re.compile(r"^(\w+: \{[^}]*\bsms: ([-0-9.e]+)[^}]*)\}", re.MULTILINE)


def add_channel(package: Path) -> list[Path]:
    """Add ``whatsapp`` to the copy at ``package``; return the files edited."""
    table = package / "sim" / "model" / "channels.py"
    text = table.read_text()
    start = text.index("CHANNEL_TABLE")
    end = text.index("\n)\n", start) + 1
    table.write_text(text[:end] + ROW + text[end:])
    edited = [table]
    for name in ("model", "reps"):
        values = package / "sim" / "conf" / name / "default.yaml"
        new, rows = PER_CHANNEL_ROW.subn(r"\1, whatsapp: \2}", values.read_text())
        assert rows > 0, f"no per-channel row in {values}"
        values.write_text(new)
        edited.append(values)
    return edited


def test_a_channel_added_to_the_table_and_the_yaml_carries_touches(tmp_path: Path) -> None:
    package = tmp_path / "package"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for part in ("sim", "hydra_plugins"):
        shutil.copytree(ROOT / part, package / part, ignore=ignore)
    assert len(add_channel(package)) == 3
    strategies = tmp_path / "mine" / "strategy"
    strategies.mkdir(parents=True)
    (strategies / "on_whatsapp.yaml").write_text(STRATEGY)
    out = tmp_path / "run"
    # The copy first on the path; the working folder is the temporary one (``-m``, ``-c``: first).
    env = {**os.environ, "PYTHONPATH": str(package)}
    command = [
        sys.executable,
        "-m",
        "sim",
        f"hydra.searchpath=[file://{tmp_path / 'mine'}]",
        "strategy=[on_whatsapp,entitlement]",
        "population.size=300",
        "replications=1",
        "horizon_days=30",
        "outputs=tables",
        f"hydra.run.dir={out}",
    ]
    done = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    by_touch = pd.read_csv(out / "by_touch.csv")
    mine = by_touch[(by_touch["arm"] == "on_whatsapp") & (by_touch["channel"] == "whatsapp")]
    assert set(mine["step"]) == {1, 2}
    assert mine["touches"].sum() > 0
    assert "whatsapp" not in set(by_touch.loc[by_touch["arm"] == "entitlement", "channel"])

    # A team's log from Outreach with a WhatsApp step reads through the shipped mapping.
    log = tmp_path / "log.csv"
    log.write_text(
        "Prospect ID,Completed At,Step Type\n"
        "p1,2026-03-02T09:00:00Z,WhatsApp\n"
        "p1,2026-03-04T09:00:00Z,Call\n"
    )
    read = (
        "import sys; from sim.fit.cli import load_mapping; "
        "from sim.run.touchlog import read_touch_log; from sim.model.channels import CHANNELS; "
        "t = read_touch_log(sys.argv[1], load_mapping('outreach')); "
        "print(*(CHANNELS[c] for c in t.channel))"
    )
    command = [sys.executable, "-c", read, str(log)]
    done = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["whatsapp", "phone"]
