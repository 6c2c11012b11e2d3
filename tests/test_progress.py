"""A long single run shows a progress bar on a terminal's stderr, and none in a log."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import termios
import time
from pathlib import Path

import pytest

from tests.cli_helpers import APP, run

pytestmark = pytest.mark.slow
#: Several seconds of simulation, well past the two-second delay before the bar appears (60
#: replicates of 5,000 took 2.2 s under model v3 and the bar never showed).
LONG = [
    "population.size=10000",
    "replications=150",
    "strategy=[entitlement]",
    "baseline=entitlement",
]


def test_a_long_run_shows_progress_on_a_terminal(tmp_path: Path) -> None:
    leader, follower = pty.openpty()
    # A terminal of 80 columns (a new pseudo-terminal has none, and tqdm draws nothing in 0).
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    proc = subprocess.Popen(
        [APP, *LONG], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=follower, close_fds=True
    )
    os.close(follower)
    shown = b""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the run ended and closed the terminal
                break
            if not chunk:
                break
            shown += chunk
        elif proc.poll() is not None:
            break
    os.close(leader)
    assert proc.wait(timeout=60) == 0
    text = shown.decode(errors="replace")
    assert "replicates:" in text and "/150" in text, text


def test_no_progress_bar_in_a_log(tmp_path: Path) -> None:
    proc = run(LONG, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "replicates" not in proc.stderr
