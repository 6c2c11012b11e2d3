"""The workshop page: a local web page a trainer drives live (``outreach-sim-workshop``).

:mod:`~sim.workshop.scenarios` turns each study into plain controls and a run,
:mod:`~sim.workshop.live` runs it and words the answer, :mod:`~sim.workshop.page` lays it out
(Shiny), and :func:`main` serves it on this machine and opens the browser.
"""

from __future__ import annotations

import argparse
import socket
import sys
import typing
from collections.abc import Sequence

#: The largest websocket message the server reads: the page's own are a few kilobytes (all its
#: inputs at once); uvicorn's default (16 MiB) would let any client make it parse far more.
WS_MAX_BYTES = 256 * 1024


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        return s.connect_ex((host, port)) != 0


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error as one line (exit 2), not the usage block and the error."""

    def error(self, message: str) -> typing.NoReturn:
        self.exit(2, f"error: {message} (see outreach-sim-workshop --help)\n")


def main(argv: Sequence[str] | None = None) -> int:
    """``outreach-sim-workshop``: serve the workshop page on 127.0.0.1 and open it."""
    parser = _Parser(
        prog="outreach-sim-workshop",
        description="Serve the workshop page on this machine and open it in the browser.",
    )
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    parser.add_argument(
        "--no-browser", action="store_true", help="serve only; do not open a browser"
    )
    args = parser.parse_args(argv)
    if not 1024 <= args.port <= 65535:
        print(f"error: port={args.port} is not allowed: 1024 to 65535", file=sys.stderr)
        return 2
    host = "127.0.0.1"  # this machine only: the page runs simulations on request
    if not _port_free(host, args.port):
        print(
            f"error: port={args.port} is in use: pick another with --port, e.g. --port 8766",
            file=sys.stderr,
        )
        return 2
    # Imported here so --help and argument errors stay instant; from shiny._main because
    # shiny.run_app is typed Optional (None under Pyodide).
    from shiny._main import run_app

    from sim.workshop.page import app

    print(f"Workshop page: http://{host}:{args.port}/  (Ctrl+C to stop)", flush=True)
    run_app(
        app,
        host=host,
        port=args.port,
        launch_browser=not args.no_browser,
        log_level="warning",
        ws_max_size=WS_MAX_BYTES,
    )
    return 0
