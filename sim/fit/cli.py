"""``outreach-sim-fit LOG.csv``: fit the response parameters to a team's own touch log.

Reads and checks the log (:mod:`sim.run.touchlog`, through a platform mapping), fits
(:mod:`sim.fit.estimate`), and writes ``conf/model/fitted_<name>.yaml`` (so that
``outreach-sim model=fitted_<name>`` works from the same folder) and the fit's folder
``results/fits/<name>/``: ``estimates.csv``, ``step_curves.csv``, ``fit.json``, ``report.html``
and its figures. A bad argument, mapping or log prints one line per problem and exits with 2,
having written nothing.
"""

from __future__ import annotations

import argparse
import re
import sys
import typing
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from sim.model.config import ConfigError
from sim.run.touchlog import LogError, LogMapping, read_touch_log

if TYPE_CHECKING:
    from sim.fit.estimate import FitResult
    from sim.fit.worlds import Ensemble

#: Built-in mappings of sales-engagement exports (sim/fit/mappings/<name>.yaml).
MAPPINGS = ("canonical", "outreach", "salesloft", "hubspot")
MAPPING_KEYS = ("name", "columns", "channels", "outcomes", "messages")
NAME = re.compile(r"^[A-Za-z0-9_]{1,64}$")


class UsageError(ValueError):
    """A bad argument or mapping file: one line, exit status 2."""


def load_mapping(spec: str) -> LogMapping:
    """A built-in mapping by name, or a mapping file (YAML) by path."""
    if spec == "canonical":
        return LogMapping()
    if spec in MAPPINGS:
        text = resources.files("sim.fit").joinpath("mappings", f"{spec}.yaml").read_text("utf-8")
        where = f"mapping {spec}"
    else:
        path = Path(spec)
        if not path.is_file():
            raise UsageError(
                f"--mapping={spec!r} is not allowed: one of {', '.join(MAPPINGS)}, or a "
                "mapping file (YAML) that exists"
            )
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"--mapping={spec!r}: cannot be read ({exc})") from None
        where = f"mapping file {spec}"
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0]
        raise UsageError(f"{where}: not YAML: {first}") from None
    if not isinstance(data, dict):
        raise UsageError(f"{where}: must be a mapping of {', '.join(MAPPING_KEYS)}")
    for key, value in data.items():
        if key not in MAPPING_KEYS:
            raise UsageError(
                f"{where}: key {key!r} is not allowed: one of {', '.join(MAPPING_KEYS)}"
            )
        if key == "name":
            if not isinstance(value, str):
                raise UsageError(f"{where}: name={value!r} is not allowed: text")
            continue
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise UsageError(f"{where}: {key} must map text to text (export value: canonical)")
    return LogMapping(
        name=str(data.get("name", spec)),
        columns=data.get("columns", {}),
        channels=data.get("channels", {}),
        outcomes=data.get("outcomes", {}),
        messages=data.get("messages", {}),
    )


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error as one line (exit 2), not the usage block and the error."""

    def error(self, message: str) -> typing.NoReturn:
        self.exit(2, f"{self.prog}: {message} (see --help)\n")


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


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command; return its exit status."""
    p = parser()
    try:
        args = p.parse_args(argv)
    except SystemExit as exc:  # argparse printed its one line already
        return 0 if exc.code == 0 else 2
    try:
        log_path = Path(args.log)
        name = args.name or re.sub(r"[^A-Za-z0-9_]", "_", log_path.stem)
        if not NAME.match(name):
            raise UsageError(f"--name={name!r} is not allowed: 1-64 letters, digits or underscores")
        if args.paths is not None and not 1 <= args.paths <= 256:
            raise UsageError(f"--paths={args.paths} is not allowed: 1 to 256")
        mapping = load_mapping(args.mapping)
        model, population, wrong_name = _configs(args.population, args.model)
        table = read_touch_log(log_path, mapping)
    except UsageError as exc:
        print(f"outreach-sim-fit: {exc}", file=sys.stderr)
        return 2
    except LogError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    from sim.fit.estimate import fit
    from sim.fit.outputs import write_fit
    from sim.fit.replay import prepare
    from sim.fit.sequences import check_sequences
    from sim.fit.worlds import fitted_worlds
    from sim.model.support import support_of

    log = prepare(table)
    if log.n == 0:
        print(f"{log_path}: every touch bounced: nothing to fit", file=sys.stderr)
        return 2
    print(f"fitting {log.n:,} prospects, {log.prospect.size:,} touches ...", flush=True)
    result = fit(
        log, model, population, seed=args.seed, paths=args.paths, wrong_name_rate=wrong_name
    )
    result.sequences = check_sequences(log, result.model, population, args.seed, wrong_name)
    ensemble = fitted_worlds(result, model, seed=args.seed, source=str(log_path))
    support = support_of(str(log_path), log.prospect, log.time, log.channel, log.message)
    out = args.out or Path("results") / "fits" / name
    where = write_fit(
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
    _print_estimates(result, name, where, ensemble)
    return 0


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
            "replies and opt-outs within 95 % intervals"
        )
    counts = ensemble.counts()
    print(
        f"worlds: {len(ensemble.worlds.values)} plausible worlds in {where['worlds']} "
        f"({counts['identified']} parameters identified, {counts['weak']} weak, "
        f"{counts['prior']} prior: the log does not tell them)"
    )
    if ensemble.misfit > 0:
        print(
            "worlds: the replays miss the log's sequences beyond noise (spread "
            f"{ensemble.misfit:.2f} log-odds): every world shifts the reply log-odds by as much, "
            "so answers are wider"
        )
    print(
        f"fitted in {result.seconds:.1f} s; model: {where['model']} "
        f"(use: outreach-sim model=fitted_{name}); report: {where['report']}"
    )


def main() -> None:
    """Entry point of ``outreach-sim-fit``."""
    sys.exit(run())
