"""The experiment app: the ``outreach-sim`` command.

``main`` first checks the whole command line before Hydra creates any directory
(:func:`sim.cli.preflight.preflight`): it parses the overrides, expands a sweep into its jobs,
composes each job's config, checks that the config names nothing executable outside the project's
allowlist (:mod:`sim.cli.guard`) and validates every value (:func:`sim.model.config.validate`). A
user error prints one message naming the field, the value and what is allowed, and exits with
status 2: nothing is written. Only then does it hand over to the thin ``@hydra.main`` function,
which calls :func:`sim.cli.job.run_job` for each job.
"""

from __future__ import annotations

import os
import shlex
import signal
import sys
from collections.abc import Sequence

import hydra
from omegaconf import DictConfig

from sim.cli.job import run_job
from sim.cli.preflight import preflight
from sim.cli.sweep import STATE, SweepState, end_ahead
from sim.run.compose import known_mode, register_resolvers
from sim.run.outputs import sweep_total
from sim.run.registry import CONF_DIR, register_configs

register_configs()
register_resolvers()


# ``config_path`` is sim/conf given as an absolute path (found from the package's own file), so
# the configs shipped as package data are read the same way from an editable or a wheel install.
@hydra.main(config_path=str(CONF_DIR), config_name="config", version_base="1.3")
def hydra_app(cfg: DictConfig) -> int:
    """The Hydra entry point: one call per job, to :func:`sim.cli.job.run_job`."""
    return run_job(cfg)


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
        # Hydra's own composition of the whole config to read ``hydra.mode`` is answered from the
        # pre-flight's, when that is the same composition (sim.cli.preflight.mode_of).
        with known_mode(checked.mode_known, checked.mode):
            hydra_app()
    finally:
        end_ahead(STATE)


def _on_interrupt(signum: int, frame: object) -> None:
    # One write, line and newline together (see sim.cli.sweep.progress_line).
    sys.stderr.write(interrupted_line(sys.argv[1:]) + "\n")
    sys.stderr.flush()
    end_ahead(STATE)
    os._exit(128 + signum)


def resume_command(arguments: Sequence[str]) -> str:
    """The command with ``arguments`` as a shell takes it when pasted, from any folder.

    This interpreter's full path with ``-m sim`` (a bare ``outreach-sim`` is not on the path
    outside its virtual environment), each argument quoted for the shell (``strategy=[a,b]``
    is a glob pattern in zsh).
    """
    return shlex.join([sys.executable, "-m", "sim", *arguments])


def interrupted_line(argv: Sequence[str], state: SweepState = STATE) -> str:
    """What Ctrl-C leaves: what finished, and the exact command that finishes the rest."""
    if not state.started:
        return "interrupted: the run did not finish (its folder holds no manifest: incomplete)"
    sweep_dir = state.started[-1]
    done = sum(1 for _ in sweep_dir.glob("*/manifest.json"))
    total = sweep_total(sweep_dir)
    kept = [a for a in argv if not a.startswith(("hydra.sweep.dir=", "resume="))]
    again = resume_command([*kept, f"hydra.sweep.dir={sweep_dir}", "resume=true"])
    return (
        f"interrupted: {done} of {total if total is not None else '?'} jobs finished in "
        f"{sweep_dir}; finish the rest with: {again}"
    )
