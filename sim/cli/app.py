"""The experiment app: the ``outreach-sim`` Hydra command, its pre-flight checks and one job.

``main`` first checks the whole command line before Hydra creates any directory: it parses the
overrides, expands a sweep into its jobs, composes each job's config with Hydra's own compose API,
checks that the config names nothing executable outside the project's allowlist
(:mod:`sim.cli.guard`) and validates every value (:func:`sim.model.config.validate`). A user error
prints one message naming the field, the value and what is allowed, and exits with status 2: nothing
is written. Only then does it hand over to the thin ``@hydra.main`` function, which calls
:func:`run_job` for each job.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hydra
import yaml
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf, open_dict
from omegaconf._utils import get_omega_conf_dumper

from sim.cli import guard
from sim.cli.sweep import (
    JUDGED,
    complete_before,
    end_ahead,
    progress_line,
    retire_manifest,
    shard_of,
    take_ahead,
    without_subdir,
)
from sim.model.config import ConfigError, ExperimentConfig
from sim.run.outputs import (
    config_hash,
    file_digest,
    files_intact,
    job_error_path,
    manifest,
    now_iso,
    read_manifest,
    stop_if_orphaned,
    sweep_total,
    write_bytes,
    write_csv,
    write_json,
    write_text,
)
from sim.run.registry import (
    CONF_DIR,
    group_test,
    register_configs,
    split_overrides,
    to_experiment,
    with_plain,
)

#: Test-only fault injection: a job whose overrides include this exact ``key=value`` fails.
FAIL_JOB_ENV = "OUTREACH_SIM_FAIL_JOB"
#: Test-only: set (to anything), no configuration is simulated ahead (sim.cli.sweep.simulate_ahead),
#: so tests that kill a sweep while its jobs simulate know that none has finished yet.
NO_AHEAD_ENV = "OUTREACH_SIM_NO_AHEAD"

register_configs()
guard.register_resolvers()


#: ``outputs=auto``: a sweep of more than this many configurations writes tables only in each
#: job's folder (its root still gets tables, figures and a report). Figures and the report cost
#: about 1.3 s per job, more than a small configuration's simulation; ten jobs' worth is still
#: quick to look through one by one, a hundred is not.
TABLES_ABOVE = 10


def resolved_yaml(cfg: DictConfig) -> str:
    """The job's resolved config as YAML, without what does not change results.

    ``resume`` and ``outputs`` only say whether to run and which files to write: a job resumed
    with other values is the same job.
    """
    plain = OmegaConf.to_container(cfg, resolve=True)
    assert isinstance(plain, dict)
    plain.pop("resume", None)
    plain.pop("outputs", None)
    # What OmegaConf.to_yaml(OmegaConf.create(plain)) writes (its dumper, its options), without
    # building a config from ``plain`` and taking it apart again: a third of the cost per job.
    text: str = yaml.dump(
        plain,
        default_flow_style=False,
        allow_unicode=True,
        sort_keys=False,
        Dumper=get_omega_conf_dumper(),
    )
    return text


def wants_full(outputs: object, sweep_jobs: int | None) -> bool:
    """Whether a job writes figures and report.html (``sweep_jobs``: None for a single run)."""
    if outputs == "auto":
        return sweep_jobs is None or sweep_jobs <= TABLES_ABOVE
    return outputs == "full"


def is_completed(job_dir: Path, digest: str, *, full: bool = False) -> bool:
    """A completed result: the manifest and every file it vouches for.

    Status ok, the same resolved config, and every file the manifest lists still there with the
    bytes it recorded (a deleted or edited table makes the job run again); with ``full``, a
    result written with ``outputs=tables`` is not complete (it has no report).
    """
    found = read_manifest(job_dir)
    return (
        found is not None
        and found.get("status") == "ok"
        and found.get("config_hash") == digest
        and files_intact(job_dir, found)
        and (not full or "report.html" in (found.get("files") or []))
    )


def write_results(
    job_dir: Path,
    results: Any,
    exp: ExperimentConfig,
    resolved: str,
    info: dict[str, Any],
    *,
    full: bool = True,
) -> None:
    """Write a finished job's files, each atomically, the manifest last.

    ``full``: also its figures and report.html (``outputs``); the tables are the same bytes
    either way.
    """
    # A manifest from an earlier run must not vouch for files that are about to be replaced.
    (job_dir / "manifest.json").unlink(missing_ok=True)
    tables = {
        "metrics.csv": results.metrics,
        "summary.csv": results.summary,
        "by_touch.csv": results.by_touch,
        "timeseries.csv": results.timeseries,
    }
    for name, frame in tables.items():
        write_csv(job_dir / name, frame)
    write_text(job_dir / "config.yaml", resolved)
    files = [*tables, "config.yaml"]
    if full:
        files += _write_figures_and_report(job_dir, results, exp, info)
    write_json(
        job_dir / "manifest.json",
        manifest(
            status="ok",
            files=files,
            file_sha256={name: file_digest(job_dir / name) for name in files},
            **_manifest_fields(exp, info),
        ),
    )


def _write_figures_and_report(
    job_dir: Path, results: Any, exp: ExperimentConfig, info: dict[str, Any]
) -> list[str]:
    """A job's figures and report.html; returns their file names."""
    # Imported here: Matplotlib is only needed once a simulation has succeeded.
    from sim.report import comparison as report
    from sim.report import plots
    from sim.run.metrics import limits_warnings

    figures = plots.job_figures(
        results.metrics, results.summary, results.by_touch, results.timeseries
    )
    for name, data in figures.items():
        write_bytes(job_dir / name, data)
    choices = info["choices"]
    page = report.render(
        title=f"outreach-sim: {', '.join(exp.strategy)} on {choices.get('population', '?')}",
        facts={
            "population": f"{choices.get('population', '?')}, {exp.population.size} prospects",
            "replications": str(exp.replications),
            "horizon": f"{exp.horizon_days:g} days",
            "seed": str(exp.seed),
            "overrides": " ".join(info["overrides"]) or "(none)",
        },
        summary=results.summary,
        labels={name: s.label for name, s in exp.strategy.items()},
        baseline=exp.baseline,
        figures=figures,
        notes=[
            *limits_warnings(results.metrics),
            "Intervals are Student t-intervals over replicates; differences are paired by "
            "replicate (arms share prospects and random numbers) with a paired t-test. With one "
            "replicate, t-intervals are not defined; the response-rate figure then shows a "
            "Wilson interval for that replicate's proportion.",
        ],
    )
    write_text(job_dir / "report.html", page)
    if exp.study:
        # A workshop study replaces the generic page with its own report (sim.report.study).
        from sim.report.study import write_study_report

        write_study_report(job_dir, exp)
    return [*figures, "report.html"]


def _manifest_fields(exp: ExperimentConfig | None, info: dict[str, Any]) -> dict[str, Any]:
    return {
        "seed": exp.seed if exp else info["seed"],
        "replications": exp.replications if exp else info["replications"],
        "config_hash": info["config_hash"],
        "overrides": info["overrides"],
        "started": info["started"],
        "job": info["job"],
        "choices": info["choices"],
    }


@dataclass
class Configuration:
    """One configuration to run: its task config and where and under which name it goes."""

    cfg: DictConfig  # the task config (no ``hydra`` node)
    job_dir: Path
    overrides: list[str]
    choices: dict[str, Any]
    number: int | None  # its job number in a sweep; None for a single run


def _choices(hydra_node: Any) -> dict[str, Any]:
    return {k: v for k, v in hydra_node.runtime.choices.items() if not k.startswith("hydra/")}


def run_job(cfg: DictConfig) -> int:
    """Run one Hydra job (a single run, a sweep job, or a shard of sweep jobs).

    A shard (``hydra_plugins/outreach_sim_sweeper``) is the Hydra job of its first configuration;
    its other configurations are composed here, with the same Hydra overrides, and run one after
    the other in this process, each into its own folder exactly as its own job would (a folder
    that cannot be written fails that configuration alone, recorded in ``job_errors/``).

    Returns:
        0 when every configuration's results were written (or already complete under
        ``resume``), 1 when one failed; a single run with an error exits instead (2 for a config
        error, 1 otherwise).
    """
    hc = HydraConfig.get()
    here = Path(hc.runtime.output_dir)
    head = Configuration(cfg, here, [str(o) for o in hc.overrides.task], _choices(hc), None)
    if hc.mode != RunMode.MULTIRUN:
        return run_configuration(head, None)
    sweep_dir = Path(hc.sweep.dir)
    first = int(here.name) if here.name.isdigit() else int(hc.job.num)
    shard = shard_of(sweep_dir, first)
    if not shard:
        # The folder's number, as for a shard: a resumed sweep launches only the configurations
        # that are not complete, each with its folder given (hydra.sweep.subdir), so Hydra's
        # job number counts the launched ones (hydra_plugins/outreach_sim_sweeper).
        head.number = first
        return run_configuration(head, sweep_dir)
    composer = ShardComposer(hc, cfg)
    codes = []
    for number, overrides in shard:
        # A parallel worker whose command was killed starts no further configuration (each
        # write checks too: sim.run.outputs.watch_parent).
        stop_if_orphaned()
        if number == first:
            head.number = number
            codes.append(run_configuration(head, sweep_dir))
            continue
        try:
            one = composer.configuration(overrides, sweep_dir / str(number), number)
        except Exception as exc:  # pre-flight composed it already: record, go on with the rest
            one = Configuration(cfg, sweep_dir / str(number), overrides, {}, number)
            codes.append(_record_failure(one, None, exc, time.perf_counter(), sweep_dir))
            continue
        codes.append(run_configuration(one, sweep_dir))
    return max(codes)


def compose_configuration(
    hc: Any, head_cfg: DictConfig, overrides: list[str], job_dir: Path, number: int
) -> Configuration:
    """Compose a shard's configuration as its launcher would (:meth:`load_sweep_config`).

    The shard's own Hydra overrides (search path, launcher, sweep dir) come first, then the
    configuration's; the head's resolver cache is copied so ``${now:}`` and ``${unique_id:}``
    give every job of the sweep the same value.
    """
    from hydra.core.global_hydra import GlobalHydra

    loader = GlobalHydra.instance().config_loader()
    composed = loader.load_configuration(
        config_name=hc.job.config_name,
        overrides=[*(str(o) for o in hc.overrides.hydra), *overrides],
        run_mode=RunMode.RUN,
    )
    OmegaConf.copy_cache(from_config=head_cfg, to_config=composed)
    hydra_node = composed.hydra
    task = composed.copy()
    with open_dict(task):
        del task["hydra"]
    return Configuration(
        task, job_dir, [str(o) for o in hydra_node.overrides.task], _choices(hydra_node), number
    )


#: The task configs (and group choices) :class:`ShardComposer` composed in this process, by sweep
#: (config name, folder, Hydra overrides), then by the configuration's group overrides.
_SHARD_BASES: dict[tuple[str, ...], dict[tuple[str, ...], tuple[DictConfig, dict[str, Any]]]] = {}


class ShardComposer:
    """A shard's configurations as :func:`compose_configuration` gives them, composed less.

    Composing a configuration costs about 0.28 s, a quarter of a small configuration's
    simulation (issue 13); a shard's configurations mostly differ in plain values. As the
    pre-flight's :class:`sim.cli.guard.JobComposer` does, the group choices (``population=``,
    ``strategy=``, ...) are composed once with the shard's Hydra overrides, and each
    configuration's plain overrides applied to a copy of that task config with Hydra's own
    function, in order (:func:`sim.run.registry.split_overrides`): the same config, the same
    ``config.yaml`` bytes. A configuration that overrides ``hydra.*`` itself is composed in full.
    """

    def __init__(self, hc: Any, head_cfg: DictConfig) -> None:
        self.hc = hc
        self.head_cfg = head_cfg
        # The shard's own subdir only places the head's folder: the task config never reads it.
        self.hydra_overrides = without_subdir([str(o) for o in hc.overrides.hydra])
        # Shared by the shards of the same sweep that this process runs (a joblib worker runs
        # several): each choice of groups is composed once per process.
        sweep = (str(hc.job.config_name), str(hc.sweep.dir), *self.hydra_overrides)
        self.bases = _SHARD_BASES.setdefault(sweep, {})
        self.is_group = group_test(str(hc.job.config_name), self.hydra_overrides)

    def configuration(self, overrides: list[str], job_dir: Path, number: int) -> Configuration:
        """The configuration of ``overrides``, to run into ``job_dir``."""
        from hydra.core.override_parser.overrides_parser import OverridesParser

        parsed = OverridesParser.create().parse_overrides(list(overrides))
        if any(o.is_hydra_override() for o in parsed):
            return compose_configuration(self.hc, self.head_cfg, overrides, job_dir, number)
        key, plain = split_overrides(parsed, self.is_group)
        if key not in self.bases:
            base = compose_configuration(self.hc, self.head_cfg, list(key), job_dir, number)
            self.bases[key] = (base.cfg, base.choices)
        task, choices = self.bases[key]
        cfg = with_plain(task, plain)
        # As load_sweep_config does: ${now:} and ${unique_id:} as the rest of the sweep has them.
        OmegaConf.copy_cache(from_config=self.head_cfg, to_config=cfg)
        return Configuration(cfg, job_dir, [str(o.input_line) for o in parsed], choices, number)


def run_configuration(job: Configuration, sweep_dir: Path | None) -> int:
    """Run one configuration and write its folder (``sweep_dir``: None for a single run).

    Returns:
        0 when its results were written (or already complete under ``resume``), 1 when it
        failed; a single run with an error exits instead (2 for a config error, 1 otherwise).
    """
    cfg, job_dir, overrides = job.cfg, job.job_dir, job.overrides
    multirun = sweep_dir is not None
    resolved = resolved_yaml(cfg)
    info: dict[str, Any] = {
        "config_hash": config_hash(resolved),
        "overrides": overrides,
        "started": now_iso(),
        "job": job.number,
        "choices": job.choices,
        "seed": cfg.get("seed"),
        "replications": cfg.get("replications"),
    }
    full = wants_full(cfg.get("outputs", "auto"), sweep_total(sweep_dir) if sweep_dir else None)
    clock = time.perf_counter()
    if sweep_dir is not None:
        # An earlier attempt's record of a folder it could not write no longer holds.
        with contextlib.suppress(OSError):
            job_error_path(sweep_dir, info["job"]).unlink(missing_ok=True)
    if cfg.get("resume") and is_completed(job_dir, info["config_hash"], full=full):
        if sweep_dir is not None:
            progress_line(sweep_dir, info["job"], "already complete", 0.0, overrides)
        else:
            print(f"Already complete: {job_dir}")
        return 0
    if sweep_dir is not None:
        retire_manifest(job_dir)  # an earlier attempt's, which no longer holds (sim.cli.sweep)
    exp: ExperimentConfig | None = None
    # Imported here: the pre-flight check of a bad command needs none of the simulation stack.
    from sim.run.api import simulate, tables

    try:
        exp = to_experiment(cfg)
        fail = os.environ.get(FAIL_JOB_ENV)
        if fail and fail in overrides:
            raise RuntimeError(f"deliberate failure for tests ({FAIL_JOB_ENV}={fail})")
        # A bar for a long single run, on a terminal only: a log or CI output gets no bar
        # redraws, and a sweep's jobs have their own progress lines.
        show = not multirun and sys.stderr.isatty()
        # A sweep's first configuration may have been simulated ahead, while the sweep was
        # checked (sim.cli.sweep.take_ahead): the same config (by hash), so the same results.
        arms = take_ahead(info["config_hash"]) if multirun else None
        if arms is not None:
            results = tables(exp, arms)
        else:
            results = simulate(exp, checked=True, progress=show)  # to_experiment validated it
        write_results(job_dir, results, exp, resolved, info, full=full)
    except Exception as exc:
        if isinstance(exc, ConfigError) and not multirun:
            # Pre-flight normally catches this; never leave an empty run directory behind.
            _remove_if_empty(job_dir)
            print(f"error: {exc}", file=sys.stderr)
            sys.exit(2)
        return _record_failure(job, exp, exc, clock, sweep_dir, info)
    if sweep_dir is not None:
        progress_line(sweep_dir, info["job"], "ok", time.perf_counter() - clock, overrides)
    else:
        # Imported after the simulation: pandas and SciPy add ~70 MB that its peak need not carry.
        from sim.report.comparison import comparison_table
        from sim.run.metrics import limits_warnings

        title = f"{exp.population.size} prospects ({info['choices'].get('population', '?')})"
        print(comparison_table(results.summary, results.metrics, exp.baseline, title, exp))
        for line in limits_warnings(results.metrics):
            print(line)
        print(f"\nOutput: {job_dir}")
    return 0


def _record_failure(
    job: Configuration,
    exp: ExperimentConfig | None,
    exc: Exception,
    clock: float,
    sweep_dir: Path | None,
    info: dict[str, Any] | None = None,
) -> int:
    """Write a failed manifest for ``job``; a single run exits 1, a sweep job returns 1."""
    error = f"{type(exc).__name__}: {exc}"
    if info is None:
        info = {
            "config_hash": None,
            "overrides": job.overrides,
            "started": now_iso(),
            "job": job.number,
            "choices": job.choices,
            "seed": None,
            "replications": None,
        }
    failed = manifest(status="failed", error=error, **_manifest_fields(exp, info))
    try:
        write_json(job.job_dir / "manifest.json", failed)
    except OSError as unwritable:
        # The folder cannot hold even the manifest (a file in its place, read-only, full): the
        # sweep keeps the record at its root, so the job is listed as failed and the sweep goes on.
        if sweep_dir is None:
            print(f"error: the run failed: {error}; {unwritable}", file=sys.stderr)
            sys.exit(1)
        write_json(job_error_path(sweep_dir, info["job"]), failed)
    if sweep_dir is None:
        print(f"error: the run failed: {error}\n(details in {job.job_dir})", file=sys.stderr)
        sys.exit(1)
    elapsed = time.perf_counter() - clock
    progress_line(sweep_dir, info["job"], "FAILED", elapsed, job.overrides)
    return 1


def _remove_if_empty(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.rmdir()


# ``config_path`` is sim/conf given as an absolute path (found from the package's own file), so
# the configs shipped as package data are read the same way from an editable or a wheel install.
@hydra.main(config_path=str(CONF_DIR), config_name="config", version_base="1.3")
def hydra_app(cfg: DictConfig) -> int:
    """The Hydra entry point: one call per job, to :func:`run_job`."""
    return run_job(cfg)


def preflight(argv: Sequence[str], *, warm: bool = False) -> int | guard.Checked:
    """Check the command line before Hydra starts; print the error and return 2 on a user error.

    ``warm``: a joblib sweep's workers start (and import) while its configurations are checked,
    one of them simulating the first configuration ahead
    (:func:`hydra_plugins.outreach_sim_launchers.start_workers`); they are stopped again, and
    what they simulated is thrown away, when the command is refused. A resumed sweep's
    configurations that are complete already are found here too (:data:`sim.cli.sweep.JUDGED`),
    so that the sweeper need not launch them.

    Returns:
        2 after printing a user error; else what the check learnt (:class:`sim.cli.guard.Checked`).
    """
    started: list[bool] = []
    JUDGED.clear()

    def on_job(config: DictConfig, cfg: DictConfig, number: int, jobs: int) -> None:
        sweep_dir = resumed_sweep_dir(config, cfg)
        if sweep_dir is None:
            return
        done = completed_before(sweep_dir, cfg, number, jobs)
        if done is not None:  # None: the job tells for itself (not in JUDGED)
            JUDGED.setdefault(sweep_dir.resolve(), {})[number] = done

    def on_sweep(config: DictConfig, first: DictConfig) -> None:
        from hydra_plugins.outreach_sim_launchers import start_workers

        started.append(True)
        sweep_dir = resumed_sweep_dir(config, first)
        if sweep_dir is not None and 0 in complete_before(sweep_dir):
            start_workers(config)  # its result is there: nothing to simulate ahead
            return
        try:
            digest = config_hash(resolved_yaml(first))
        except Exception:  # it cannot be resolved here (${hydra:...}): its job simulates it
            start_workers(config)
        else:
            ahead = None if os.environ.get(NO_AHEAD_ENV) else (digest, first)
            start_workers(config, ahead)

    try:
        return guard.check_command(argv, on_sweep=on_sweep if warm else None, on_job=on_job)
    except guard.UserError as exc:
        if started:
            from hydra_plugins.outreach_sim_launchers import stop_workers

            stop_workers()
            end_ahead()
        # One line, whatever the message holds: a terminal or a log shows one error.
        print("error: " + "; ".join(_lines(str(exc))), file=sys.stderr)
        return 2
    return None


def resumed_sweep_dir(config: DictConfig, cfg: DictConfig) -> Path | None:
    """The folder of a sweep resumed into an existing folder; None when there is nothing to find.

    ``config``: the sweep's config (its ``hydra`` node), ``cfg``: a job's task config. Only
    with the job folders Hydra makes by default (``hydra.sweep.subdir: ${hydra.job.num}``):
    another layout is left to the jobs, which skip themselves when complete.
    """
    if not cfg.get("resume"):
        return None
    node = OmegaConf.select(config, "hydra.sweep")
    if node is None:
        return None
    raw = OmegaConf.to_container(node, resolve=False)
    if not isinstance(raw, dict) or raw.get("subdir") != "${hydra.job.num}":
        return None
    try:
        sweep_dir = Path(str(node.dir))
    except Exception:  # it cannot be resolved here (${hydra:...}): a new folder, or the jobs'
        return None
    return sweep_dir if sweep_dir.is_dir() else None


def completed_before(sweep_dir: Path, cfg: DictConfig, number: int, jobs: int) -> bool | None:
    """Whether job ``number`` of ``jobs`` already has its completed result in ``sweep_dir``.

    The same test as the job's own under ``resume`` (:func:`is_completed`, the same config hash
    and outputs), made before the sweep is launched. None: it cannot be told here.
    """
    try:
        digest = config_hash(resolved_yaml(cfg))
    except Exception:  # it cannot be resolved here (${hydra:...}): the job tells for itself
        return None
    full = wants_full(cfg.get("outputs", "auto"), jobs)
    return is_completed(sweep_dir / str(number), digest, full=full)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def main() -> None:
    """Console entry point of ``outreach-sim``."""
    checked = preflight(sys.argv[1:], warm=True)
    if isinstance(checked, int):
        sys.exit(checked)
    # Ctrl-C: one line and out, wherever the run is. Every file is written atomically and the
    # manifest last, so the job in progress simply has no manifest and a resume runs it again.
    # SIGTERM (a scheduler, `kill`) the same way; parallel workers then stop writing on their own
    # (sim.run.outputs.watch_parent).
    signal.signal(signal.SIGINT, _on_interrupt)
    signal.signal(signal.SIGTERM, _on_interrupt)
    try:
        with _known_mode(checked):
            hydra_app()
    finally:
        end_ahead()


@contextlib.contextmanager
def _known_mode(checked: guard.Checked) -> Iterator[None]:
    """Hydra's ``get_mode`` answered from the pre-flight, when it knows the answer.

    Hydra composes the whole config once only to read ``hydra.mode`` before it composes the
    run's or the sweep's config (about 0.25 s of a command's start, issue 13); the pre-flight
    composed the same overrides already (:func:`sim.cli.guard._mode` says when it is the same).
    """
    if not checked.mode_known:
        yield
        return
    from hydra._internal.hydra import Hydra

    own = Hydra.get_mode

    def get_mode(self: Hydra, config_name: str | None, overrides: list[str]) -> Any:
        return checked.mode

    Hydra.get_mode = get_mode  # type: ignore[method-assign]
    try:
        yield
    finally:
        Hydra.get_mode = own  # type: ignore[method-assign]


def _on_interrupt(signum: int, frame: object) -> None:
    # One write, line and newline together (see sim.cli.sweep.progress_line).
    sys.stderr.write(interrupted_line(sys.argv[1:]) + "\n")
    sys.stderr.flush()
    end_ahead()
    os._exit(128 + signum)


def interrupted_line(argv: Sequence[str]) -> str:
    """What Ctrl-C leaves: what finished, and the exact command that finishes the rest."""
    from sim.cli.sweep import STARTED

    if not STARTED:
        return "interrupted: the run did not finish (its folder holds no manifest: incomplete)"
    sweep_dir = STARTED[-1]
    done = sum(1 for _ in sweep_dir.glob("*/manifest.json"))
    total = sweep_total(sweep_dir)
    kept = [a for a in argv if not a.startswith(("hydra.sweep.dir=", "resume="))]
    again = " ".join(["outreach-sim", *kept, f"hydra.sweep.dir={sweep_dir}", "resume=true"])
    return (
        f"interrupted: {done} of {total if total is not None else '?'} jobs finished in "
        f"{sweep_dir}; finish the rest with: {again}"
    )
