"""The workshop server as the tests start it: ``python -m sim.workshop`` on a free port.

One server per test module (starting one takes seconds); stopped after. ``tmp``, if given, is
the server's temporary folder (``TMPDIR``), so a test can see what the server wrote there.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
#: Seconds the server may take to answer its first request.
START_SECONDS = 60


def free_port() -> int:
    """A port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_up(proc: subprocess.Popen[bytes], url: str, log: IO[bytes]) -> None:
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            log.seek(0)
            out = log.read().decode(errors="replace")
            raise RuntimeError(f"the workshop server did not start:\n{out[-2000:]}")
        time.sleep(0.3)


@contextlib.contextmanager
def serve(tmp: Path | None = None) -> Iterator[str]:
    """Serve the workshop page; yields its URL (``http://127.0.0.1:PORT/``)."""
    port = free_port()
    env = dict(os.environ)
    if tmp is not None:
        env["TMPDIR"] = str(tmp)
    # Its output to a file, not a pipe: a pipe nobody reads would stop a chatty server.
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sim.workshop", "--no-browser", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}/"
        try:
            _wait_until_up(proc, url, log)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
