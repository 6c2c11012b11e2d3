"""``outreach-sim-fit LOG.csv``: fit the response parameters to a team's own touch log.

Reads and checks the log (:mod:`sim.run.touchlog`, through a platform mapping), fits
(:mod:`sim.fit.estimate`), and writes ``conf/model/fitted_<name>.yaml`` (so that
``outreach-sim model=fitted_<name>`` works from the same folder) and the fit's folder
``results/fits/<name>/``: ``estimates.csv``, ``step_curves.csv``, ``fit.json``, ``report.html``
and its figures. A bad argument, mapping or log, or one the fit cannot mean anything from
(:mod:`sim.fit.guards`, :mod:`sim.fit.mapping_checks`), prints one ``error:`` line per problem
and exits with 2, having written nothing. The files are written all or none
(:mod:`sim.fit.atomic`): a write that fails exits with 1, SIGINT or SIGTERM with 128 + the
signal, each with one line and nothing left half-written.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import signal
import sys
import threading
import typing
from collections.abc import Iterator, Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.fit.guards import (
    MAX_LOG_BYTES,
    MAX_MAPPING_BYTES,
    UsageError,
    check_arguments,
    check_dates,
    check_identified,
    check_input_file,
    check_meaning,
    check_memory,
    check_size,
    check_targets,
    check_time,
)
from sim.fit.mapping_checks import check_mapping, mapping_of, parse_mapping
from sim.model.config import ConfigError
from sim.run.touchlog import LogError, LogMapping, read_touch_log

if TYPE_CHECKING:
    from sim.fit.estimate import FitResult
    from sim.fit.replay import FitLog
    from sim.fit.worlds import Ensemble

#: Built-in mappings of sales-engagement exports (sim/fit/mappings/<name>.yaml).
MAPPINGS = ("canonical", "outreach", "salesloft", "hubspot")
NAME = re.compile(r"^[A-Za-z0-9_]{1,64}$")


def load_mapping(spec: str) -> LogMapping:
    """A built-in mapping by name, or a mapping file (YAML) by path: checked as a whole."""
    if spec == "canonical":
        return LogMapping()
    if spec in MAPPINGS:
        text = resources.files("sim.fit").joinpath("mappings", f"{spec}.yaml").read_text("utf-8")
        where = f"mapping {spec}"
    else:
        path = Path(spec)
        if not path.exists():
            raise UsageError(
                f"--mapping={spec!r} is not allowed: one of {', '.join(MAPPINGS)}, or a "
                "mapping file (YAML) that exists"
            )
        check_input_file(path, "--mapping", MAX_MAPPING_BYTES, "a mapping file (YAML)")
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"--mapping={spec!r}: cannot be read ({exc})") from None
        where = f"mapping file {spec}"
    mapping = mapping_of(parse_mapping(text, where), spec)
    check_mapping(mapping, where)
    return mapping


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error as one line (exit 2), not the usage block and the error."""

    def error(self, message: str) -> typing.NoReturn:
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def parser() -> argparse.ArgumentParser:
    """The command line."""
    p = _Parser(
        prog="outreach-sim-fit",
        description="Fit the model's response parameters to a team's touch log (docs/fitting.md).",
    )
    p.add_argument("log", help="the touch log: a CSV, one row per touch")
    p.add_argument(
        "--mapping",
        default="canonical",
        help=f"the export's column and value names: {', '.join(MAPPINGS)}, or a YAML file",
    )
    p.add_argument("--name", help="the fitted model's name (default: the log's file name)")
    p.add_argument("--population", default="cold_list", help="population preset (traits)")
    p.add_argument("--model", default="default", help="base model: what the log cannot tell")
    p.add_argument("--out", type=Path, help="the fit's folder (default results/fits/NAME)")
    p.add_argument(
        "--conf-dir",
        type=Path,
        default=Path("conf"),
        help="where conf/model/fitted_NAME.yaml goes; outreach-sim reads ./conf (default conf)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the hidden paths (default 0)")
    p.add_argument("--paths", type=int, help="hidden paths per prospect (default: by log size)")
    return p


def _configs(population: str, model: str) -> tuple[Any, Any, float]:
    from sim.run.hydra_errors import describe_hydra_error
    from sim.run.registry import compose

    overrides = [
        f"population={population}",
        f"model={model}",
        "strategy=[benefit_led]",
        "baseline=benefit_led",
    ]
    try:
        cfg = compose(overrides)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    except Exception as exc:  # Hydra's composition errors: one readable line
        raise UsageError(describe_hydra_error(exc)) from None
    return cfg.model, cfg.population, float(cfg.reps.wrong_name_rate.medium)


class StopSignal(Exception):  # noqa: N818 (a signal, not an error)
    """SIGINT or SIGTERM reached the fit: it stops where it is, and nothing is left written."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class WriteError(OSError):
    """The fit's files could not be written (a full disk, a folder gone): nothing was left."""


@contextlib.contextmanager
def _signals_stop_the_fit() -> Iterator[None]:
    """SIGINT and SIGTERM raise :class:`StopSignal` (in the main thread; elsewhere as they are).

    SIGTERM would otherwise end the process without unwinding: the staging folder of a write
    in progress would stay behind.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise StopSignal(signum)

    saved = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def _error(line: str) -> None:
    print(f"error: {line}", file=sys.stderr, flush=True)


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command; return its exit status (0; 2 refused; 1 not written; 128 + a signal)."""
    p = parser()
    try:
        args = p.parse_args(argv)
    except SystemExit as exc:  # argparse printed its one line already
        return 0 if exc.code == 0 else 2
    try:
        with _signals_stop_the_fit():
            done = _fit_and_write(args)
    except UsageError as exc:
        _error(str(exc))
        return 2
    except LogError as exc:
        for line in str(exc).splitlines():
            _error(line)
        return 2
    except (StopSignal, KeyboardInterrupt) as exc:
        signum = exc.signum if isinstance(exc, StopSignal) else signal.SIGINT
        _error(f"interrupted by {signal.Signals(signum).name}: the fit stopped, nothing written")
        return 128 + signum
    except WriteError as exc:
        _error(str(exc))
        return 1
    try:
        _print_estimates(*done)
    except KeyboardInterrupt:
        _error(f"interrupted by SIGINT: the fit was written ({done[2]['model']})")
        return 130
    return 0


def _checked_inputs(args: argparse.Namespace) -> tuple[str, Path, LogMapping]:
    """The fit's name, its folder and its mapping, with every argument checked before reading."""
    name = args.name or re.sub(r"[^A-Za-z0-9_]", "_", Path(args.log).stem)
    if not NAME.match(name):
        raise UsageError(f"--name={name!r} is not allowed: 1-64 letters, digits or underscores")
    check_arguments(args.seed, args.population, args.model, args.paths)
    mapping = load_mapping(args.mapping)
    check_input_file(Path(args.log), "log", MAX_LOG_BYTES, "a touch log (CSV)")
    out = args.out or Path("results") / "fits" / name
    check_targets(out, args.conf_dir, name)
    return name, out, mapping


def _fit_and_write(args: argparse.Namespace) -> tuple[FitResult, str, dict[str, Path], Ensemble]:
    """Check, read, fit and write; what the terminal shows of it."""
    from sim.fit.estimate import fit
    from sim.fit.replay import prepare
    from sim.fit.sequences import check_sequences
    from sim.fit.worlds import fitted_worlds

    name, out, mapping = _checked_inputs(args)
    log_path = Path(args.log)
    table = read_touch_log(log_path, mapping)
    check_size(table)
    check_dates(table)
    log = prepare(table)
    if log.n == 0:
        raise UsageError(f"log={str(log_path)!r}: every touch bounced: nothing to fit")
    check_meaning(log)
    check_memory(log, args.paths)
    minutes = check_time(log, args.paths) / 60.0
    model, population, wrong_name = _configs(args.population, args.model)
    print(
        f"fitting {log.n:,} prospects, {log.prospect.size:,} touches "
        f"(about {max(minutes, 1.0):,.0f} min on 2 cores) ...",
        flush=True,
    )
    result = fit(
        log, model, population, seed=args.seed, paths=args.paths, wrong_name_rate=wrong_name
    )
    check_identified(result)
    result.sequences = check_sequences(log, result.model, population, args.seed, wrong_name)
    ensemble = fitted_worlds(result, model, seed=args.seed, source=str(log_path))
    where = _write(
        result, log, name, log_path, out, args, (model, population, wrong_name), ensemble
    )
    return result, name, where, ensemble


def _write(
    result: FitResult,
    log: FitLog,
    name: str,
    log_path: Path,
    out: Path,
    args: argparse.Namespace,
    configs: tuple[Any, Any, float],
    ensemble: Ensemble,
) -> dict[str, Path]:
    """The fit's files, all or none; a failed write as :class:`WriteError`."""
    from sim.fit.outputs import write_fit
    from sim.model.support import support_of

    model, population, wrong_name = configs
    support = support_of(str(log_path), log.prospect, log.time, log.channel, log.message)
    try:
        return write_fit(
            result,
            log,
            name,
            str(log_path),
            out,
            args.conf_dir,
            model,
            population,
            args.seed,
            wrong_name,
            ensemble,
            support,
        )
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        raise WriteError(
            f"the fit could not be written{where}: {exc.strerror or exc}; nothing written "
            "(an earlier fit of the same name is as it was)"
        ) from None


def _print_estimates(
    result: FitResult, name: str, where: dict[str, Path], ensemble: Ensemble
) -> None:
    """A line per estimate, per confounded pair and per missed sequence; the worlds; the files."""
    width = max(len(e.path) for e in result.estimates)
    for e in result.estimates:
        if e.status == "not identified":
            print(
                f"  {e.path:<{width}}  {e.estimate:9.4g}  not identified by this log: "
                f"{e.reason} (the fitted model keeps the default)"
            )
            continue
        print(
            f"  {e.path:<{width}}  {e.estimate:9.4g}  ({e.ci_low:.4g} to {e.ci_high:.4g})  "
            f"default {e.default:.4g}  {e.status}"
        )
    for a, b, r in result.confounded:
        print(f"confounded: {a} and {b} (r={r:+.2f})")
    missed = [line for check in result.sequences for line in check.warnings()]
    for line in missed:
        print(line)
    if result.sequences and not missed:
        print(
            f"sequences: {len(result.sequences)} checked; the fitted model replays each one's "
            "replies, opt-outs and positive replies within 95 % intervals"
        )
    counts = ensemble.counts()
    print(
        f"worlds: {len(ensemble.worlds.values)} plausible worlds in {where['worlds']} "
        f"({counts['identified']} parameters identified, {counts['weak']} weak, "
        f"{counts['prior']} prior: the log does not tell them)"
    )
    if ensemble.misfit > 0 or ensemble.misfit_mean != 0:
        print(
            "worlds: the replays miss the log's sequences beyond noise (spread "
            f"{ensemble.misfit:.2f} log-odds, mean {ensemble.misfit_mean:+.2f}): every world "
            "shifts the reply log-odds by a draw of one more sequence's miss, so answers are wider"
        )
    print(
        f"fitted in {result.seconds:.1f} s; model: {where['model']} "
        f"(use: outreach-sim model=fitted_{name}); report: {where['report']}"
    )


def main() -> None:
    """Entry point of ``outreach-sim-fit``."""
    sys.exit(run())
