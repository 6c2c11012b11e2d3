"""Fixtures shared by the tests: Hydra set up on the package's configs, a finished process's id.

Helpers that tests import by name (running the real command, small settings) stay in
``tests/cli_helpers.py``; what is here is what a test asks for as an argument.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
from hydra import initialize_config_dir

from sim.run.compose import register_resolvers
from sim.run.registry import CONF_DIR, register_configs


@pytest.fixture
def hydra_context() -> Iterator[None]:
    """Hydra initialised on ``sim/conf`` as the command line initialises it, for the whole test.

    The schema, the launchers and the ``${unique_id:}`` resolver are registered first, so that
    ``hydra.compose("config", ...)`` inside the test composes what ``outreach-sim`` would.
    """
    register_configs()
    register_resolvers()
    with initialize_config_dir(str(CONF_DIR), version_base="1.3", job_name="outreach-sim"):
        yield


@pytest.fixture
def exited_pid() -> int:
    """The id of a process that has run and exited: a stale owner of a lock or a claim."""
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    )
    return int(done.stdout.strip())
