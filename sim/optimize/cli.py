"""``outreach-sim-optimize SPACE.yaml [KEY=VALUE ...]``: find the best cadence of a search space.

Everything is checked before the output folder exists: a bad argument, space field or
experiment override, a space no candidate satisfies, a folder that cannot be written print one
``error:`` line and exit with 2, having written nothing. Ctrl-C (or SIGTERM) stops the search
with one line and exit 130 (143); the same command continues the same study
(``study.journal`` in the folder).
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from typing import Any

from sim.model.checks import ConfigError

EPILOG = """examples:
  outreach-sim-optimize examples/optimize/cadence.yaml
  outreach-sim-optimize examples/optimize/cadence.yaml budget=300 name=long n_jobs=2
  outreach-sim-optimize SPACE.yaml --out results/optimize/mine --trials 20   # 20 now, resume later
docs/optimize.md describes the space, the objectives, the selection stage and the files."""


def parser() -> argparse.ArgumentParser:
    """The command line."""
    p = argparse.ArgumentParser(
        prog="outreach-sim-optimize",
        description="Search the cadences of a space for the best one (Optuna), select among "
        "the finalists (Kim-Nelson) and check them across the plausible worlds.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("space", help="the search space (YAML)")
    p.add_argument("overrides", nargs="*", help="KEY=VALUE: a field of the space, e.g. budget=100")
    p.add_argument("--out", default=None, help="output folder (default results/optimize/<name>)")
    p.add_argument("--trials", type=int, default=None, help="at most this many trials now")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


class _UsageError(Exception):
    pass


class _TerminatedError(KeyboardInterrupt):
    """SIGTERM, as Ctrl-C is SIGINT: the search stops the same way."""


def _terminate(signum: int, frame: Any) -> None:
    raise _TerminatedError


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command; exit 0, 2 (a bad input) or 130/143 (stopped: resumable)."""
    p = parser()
    p.error = lambda message: (_ for _ in ()).throw(_UsageError(message))  # type: ignore[method-assign]
    try:
        args = p.parse_args(argv)
        if args.trials is not None and args.trials < 1:
            raise ConfigError("--trials", args.trials, "an integer >= 1")
    except _UsageError as exc:
        print(f"error: {exc} (outreach-sim-optimize --help)", file=sys.stderr)
        sys.exit(2)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    from sim.optimize.api import optimize

    signal.signal(signal.SIGTERM, _terminate)
    # Ctrl-C stops the search even when the command was started with SIGINT ignored (a
    # background job of a script inherits that, and Python then never raises KeyboardInterrupt:
    # the search ran on to its budget), as outreach-sim and outreach-sim-fit do.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        result = optimize(
            args.space, args.overrides, out=args.out, progress=not args.quiet, trials=args.trials
        )
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt as exc:
        print("stopped: the same command continues the study where it was", file=sys.stderr)
        sys.exit(128 + (signal.SIGTERM if isinstance(exc, _TerminatedError) else signal.SIGINT))
    if result["status"] == "stopped":
        print(f"{result['trials']} trials done in {result['folder']}: the same command continues")
        return
    for line in result["answer"]:
        print(line)
    print(f"files: {result['folder']}")
