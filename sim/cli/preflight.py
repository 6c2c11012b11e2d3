"""Pre-flight: a whole command line checked before Hydra creates any directory.

:func:`check_command` parses the command line as Hydra would, expands a sweep into its jobs and
composes every job's config (each choice of config groups once, then each job's plain values
applied as Hydra applies them: :class:`PreflightComposer`), so that an unknown group option, a
value of the wrong type, an out-of-range number, a missing strategy file or anything the policy
of :mod:`sim.cli.guard` refuses is reported once, as a :class:`~sim.cli.guard.UserError`, before
any directory exists. :func:`preflight` is what the app runs: the check, the start of a parallel
sweep's workers while the rest is checked, and a resumed sweep's complete jobs found.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from hydra import initialize_config_dir
from hydra.errors import HydraException
from omegaconf import DictConfig, OmegaConf

from sim.cli import outdirs
from sim.cli.capacity import (
    check_not_empty,
    check_sweep_size,
    check_workers_fit,
    joblib_workers,
)
from sim.cli.composer import PreflightComposer
from sim.cli.guard import (
    UserError,
    check_arm_names,
    check_arms,
    check_job,
    check_searchpath,
    parse_overrides,
)
from sim.cli.resume import completed_before, resolved_yaml, resumed_sweep_dir
from sim.cli.sweep import STATE, SweepState, end_ahead, sweeper_params
from sim.cli.workers import start_workers, stop_workers
from sim.model.config import memory_needed
from sim.model.extrapolation import experiment_warnings
from sim.run.aside import Aside
from sim.run.compose import (
    get_args_parser,
    register_resolvers,
    searchpath_of,
    sweep_jobs,
)
from sim.run.hydra_errors import describe_hydra_error
from sim.run.outputs import config_hash
from sim.run.registry import CONF_DIR, register_configs

if TYPE_CHECKING:
    from hydra.core.override_parser.types import Override

#: Where a shell gives Hydra's completion the command line being completed (bash, zsh, fish).
COMPLETION_LINE = "COMP_LINE"
#: Test-only: set (to anything), no configuration is simulated ahead (sim.cli.sweep.simulate_ahead),
#: so tests that kill a sweep while its jobs simulate know that none has finished yet.
NO_AHEAD_ENV = "OUTREACH_SIM_NO_AHEAD"


def is_multirun(cfg: DictConfig) -> bool:
    """True when the composed config asks for a sweep (``hydra.mode: MULTIRUN``)."""
    return str(OmegaConf.select(cfg, "hydra.mode")) in {"MULTIRUN", "RunMode.MULTIRUN"}


@dataclasses.dataclass(frozen=True)
class Checked:
    """What the check of a command line found out that Hydra would compose a config to learn.

    ``mode_known``: ``mode`` is what Hydra's ``get_mode`` returns for these overrides (the
    ``hydra.mode`` a config composed from them sets, None when unset), so the app need not
    have Hydra compose the whole config once more to read it (about 0.25 s).
    """

    mode_known: bool = False
    mode: Any = None
    # Steps outside a fitted model's log, over every job, each once (sim.model.extrapolation).
    warnings: tuple[str, ...] = ()


def _jobs(
    composer: PreflightComposer, overrides: Sequence[str], multirun: bool, show_only: bool
) -> tuple[list[tuple[list[str], DictConfig | None]], DictConfig | None, Checked]:
    """Every job the command would run (only the first when showing), with its composition.

    A job is its overrides and, when the probe composition already is that job's config (a
    single run), that config, so it is not composed again. The probe is composed by
    ``composer``, so a sweep's jobs that choose the same groups start from its composition.
    Returned with the probe when the command runs a sweep (None otherwise), and what the probe
    says about Hydra's mode (:class:`Checked`).
    """
    parsed = parse_overrides(overrides)
    check_searchpath(parsed)
    check_arms(parsed)
    plain = [str(o.input_line) for o in parsed if not o.is_sweep_override()]
    probe = composer.compose(plain)
    multirun = multirun or is_multirun(probe)
    sweeps = [str(o.input_line) for o in parsed if o.is_sweep_override()]
    checked = mode_of(composer, parsed, probe)
    if sweeps and not multirun and not show_only:
        raise UserError(
            f"{sweeps[0]} is a sweep over several values: add -m (--multirun) to run a sweep, or "
            "give one value (a list for a multi-select group: strategy=[a,b])"
        )
    if not multirun:
        # A single run's probe is its composed config: it is not composed a second time.
        return [(plain, probe) if show_only else (list(overrides), probe)], None, checked
    every = parse_overrides([*sweeper_params(probe), *overrides])
    check_sweep_size(every)
    try:
        jobs: list[tuple[list[str], DictConfig | None]] = [(job, None) for job in sweep_jobs(every)]
    except HydraException as exc:
        raise UserError(describe_hydra_error(exc)) from None
    check_not_empty(every, jobs)
    if show_only:
        return jobs[:1], None, checked
    return jobs, probe, checked


def mode_of(composer: PreflightComposer, parsed: list[Override], probe: DictConfig) -> Checked:
    """What Hydra's ``get_mode`` would return for ``parsed``, when the probe tells.

    ``get_mode`` composes every override, sweeps included, and returns the config's
    ``hydra.mode``, or None when composing fails. The probe is the composition of the overrides
    that are not sweeps. Without sweeps, the two are the same composition. Sweeps over plain
    values (not a config group, not ``hydra.*``) choose the same config files and leave
    ``hydra.mode`` alone, or make composing fail: either way None when the probe's is unset.
    Otherwise (a sweep over a group, whose files could set it) Hydra has to compose.
    """
    mode = OmegaConf.select(probe, "hydra.mode")
    sweeps = [o for o in parsed if o.is_sweep_override()]
    if not sweeps:
        return Checked(mode_known=True, mode=mode)
    searchpath = searchpath_of(parsed)
    plain = all(not o.is_hydra_override() and not composer.is_group(searchpath, o) for o in sweeps)
    return Checked(mode_known=mode is None and plain, mode=None)


def _argument_error(message: str) -> NoReturn:
    # argparse would print its usage block, then the message: one line instead.
    raise UserError(f"{message}; outreach-sim --help lists the options")


def _check_completion(line: str) -> None:
    """Shell completion composes the line being completed: its search path is checked first.

    Hydra's completion (``-sc query=bash``, run by the shell on TAB) composes the config with
    the words typed so far, so a ``hydra.searchpath=[pkg://MODULE]`` among them would be
    imported, and a folder's YAML files read, as a run's would.
    """
    words = [w for w in line.split() if w.startswith("hydra.searchpath=")]
    if words:
        check_searchpath(parse_overrides(words))


def _refuse_flags(args: Any) -> None:
    """Hydra's flags that read configs from elsewhere, which a search path does instead."""
    for flag, given in (
        ("--config-path", args.config_path),
        ("--config-dir", args.config_dir),
        ("--experimental-rerun", args.experimental_rerun),
    ):
        if given:
            raise UserError(
                f"{flag}={given} is not supported: add a folder of your own configs with "
                "hydra.searchpath=[file://DIR]"
            )


def _parsed(argv: Sequence[str]) -> Any | None:
    """Hydra's own arguments; ``None`` when the line composes nothing a run would (checked)."""
    parser = get_args_parser()
    parser.error = _argument_error  # type: ignore[method-assign]
    args = parser.parse_args(list(argv))
    if args.shell_completion:
        _check_completion(os.environ.get(COMPLETION_LINE, ""))
        return None
    if (args.help or args.hydra_help) and not args.overrides:
        return None
    _refuse_flags(args)
    return args


def _check_folder(
    cfg: DictConfig, sweep: DictConfig | None, number: int, subdirs: dict[str, int]
) -> None:
    """Where job ``number`` writes: a run's folder, or a sweep job's (docs/outputs.md)."""
    if sweep is None:
        outdirs.check_run(cfg)
    else:
        outdirs.check_sweep_job(cfg, number, subdirs)


def check_command(
    argv: Sequence[str],
    on_sweep: Callable[[DictConfig, DictConfig], None] | None = None,
    on_job: Callable[[DictConfig, DictConfig, int, int, Aside | None], None] | None = None,
) -> Checked:
    """Check a whole ``outreach-sim`` command line before Hydra runs it.

    ``on_sweep``: called with a sweep's config (its ``hydra`` node: launcher, sweeper) and its
    first job's task config (checked, without ``hydra``) once that job has passed, before the
    others are checked (the app starts its workers then, and has them simulate the first job
    ahead, :func:`preflight`); a check that fails afterwards still raises. ``on_job``:
    called for every job of a sweep once it has passed, before ``on_sweep``, with the sweep's
    config, the job's task config, its number, the number of jobs and the job's worlds when its
    config was made without them (:mod:`sim.run.aside`; a resumed sweep looks for the jobs that
    are complete already, :func:`preflight`).

    Returns:
        What the check learnt that Hydra would compose again to learn (:class:`Checked`).

    Raises:
        UserError: on the first problem found, with a message naming the field.
    """
    args = _parsed(argv)
    if args is None:
        return Checked()
    # --help and --hydra-help compose the config too: the same checks as --cfg.
    show_only = bool(args.cfg or args.info or args.help or args.hydra_help)
    name = args.config_name or "config"
    register_configs()
    register_resolvers()
    with initialize_config_dir(str(CONF_DIR), version_base="1.3", job_name="outreach-sim"):
        composer = PreflightComposer(name)
        jobs, sweep, checked = _jobs(composer, args.overrides, bool(args.multirun), show_only)
        # A parallel sweep's workers, checked before any starts (on_sweep): their imports alone.
        workers = joblib_workers(sweep) if sweep is not None else None
        check_workers_fit(workers or 1)
        if sweep is not None:
            outdirs.check_sweep(sweep)
        warnings: dict[str, None] = {}
        subdirs: dict[str, int] = {}
        peak = 0.0  # the largest job's memory: what each parallel worker may hold at once
        for number, (job, composed) in enumerate(jobs):
            cfg, aside = composer.for_check(job, composed, number)
            if not show_only:  # where the job writes, before check_job takes the hydra node
                _check_folder(cfg, sweep, number, subdirs)
            # Each job's config is composed for this check alone: the check may consume it.
            exp = check_job(cfg, validate=not show_only, owned=True)
            composer.passed()
            if exp is not None:
                peak = max(peak, memory_needed(exp)[0])
            if exp is not None and exp.model.fitted_log is not None:
                warnings.update(dict.fromkeys(experiment_warnings(exp)))
            check_arm_names(job, cfg)
            if sweep is not None and on_job is not None:
                on_job(sweep, cfg, number, len(jobs), aside)
            if number == 0 and sweep is not None and on_sweep is not None:
                on_sweep(sweep, cfg)  # check_job took out its hydra node: the task config
        check_workers_fit(workers or 1, peak, len(jobs))
    return dataclasses.replace(checked, warnings=tuple(warnings))


def preflight(
    argv: Sequence[str], *, warm: bool = False, state: SweepState = STATE
) -> int | Checked:
    """Check the command line before Hydra starts; print the error and return 2 on a user error.

    ``warm``: a joblib sweep's workers start (and import) while its configurations are checked,
    one of them simulating the first configuration ahead (:func:`sim.cli.workers.start_workers`);
    they are stopped again, and what they simulated is thrown away, when the command is refused.
    A resumed sweep's configurations that are complete already are found here too, into
    ``state`` (:attr:`sim.cli.sweep.SweepState.judged`), so that the sweeper need not launch them.

    Returns:
        2 after printing a user error; else what the check learnt (:class:`Checked`).
    """
    started: list[bool] = []
    state.judged.clear()

    def on_job(
        config: DictConfig, cfg: DictConfig, number: int, jobs: int, aside: Aside | None
    ) -> None:
        sweep_dir = resumed_sweep_dir(config, cfg)
        if sweep_dir is None:
            return
        done = completed_before(sweep_dir, cfg, number, jobs, aside)
        if done is not None:  # None: the job tells for itself (not judged)
            state.judged.setdefault(sweep_dir.resolve(), {})[number] = done

    def on_sweep(config: DictConfig, first: DictConfig) -> None:
        started.append(True)
        sweep_dir = resumed_sweep_dir(config, first)
        if sweep_dir is not None and 0 in state.complete_before(sweep_dir):
            start_workers(config, state=state)  # its result is there: nothing to simulate ahead
            return
        try:
            digest = config_hash(resolved_yaml(first))
        except Exception:  # it cannot be resolved here (${hydra:...}): its job simulates it
            start_workers(config, state=state)
        else:
            ahead = None if os.environ.get(NO_AHEAD_ENV) else (digest, first)
            start_workers(config, ahead, state=state)

    try:
        checked = check_command(argv, on_sweep=on_sweep if warm else None, on_job=on_job)
    except UserError as exc:
        if started:
            stop_workers(state=state)
            end_ahead(state)
        # One line, whatever the message holds: a terminal or a log shows one error.
        print("error: " + "; ".join(_lines(str(exc))), file=sys.stderr)
        return 2
    for line in checked.warnings:  # before any result: the fitted model extrapolates here
        print(line, file=sys.stderr)
    return checked


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]
