"""The ray extra: ``hydra/launcher=ray`` on a local Ray instance writes the serial sweep's bytes.

The same small sweep as tests/test_scale.py (4 configurations, one failing on purpose), sharded
into launched jobs of 3 and 1 configurations, each a Ray task: the sweep tables, each job's tables
and the failed job's record equal the basic launcher's, and a resume runs the failed job alone.
The guard's checks of the ``ray.init`` and ``ray.remote`` options need no Ray instance. Without
the ray extra (``pip install 'outreach-sim[ray]'``) the sweep test is skipped; ``make test``
installs it.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sim.cli import guard, preflight
from sim.run.registry import LAUNCHERS, RAY_INIT
from tests.cli_helpers import manifest, run
from tests.test_scale import FAIL, JOB_TABLES, SWEEP, failed_then_resumed, same_files

HAS_RAY = importlib.util.find_spec("ray") is not None
needs_ray = pytest.mark.skipif(not HAS_RAY, reason="the ray extra is not installed")
RAY = [
    "hydra/launcher=ray",
    "hydra.launcher.ray.init.num_cpus=2",
    "hydra.sweeper.shard_size=3",  # shards of 3 and 1: uneven on purpose
]


@pytest.fixture(scope="module")
def serial_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("serial")
    proc = run([*SWEEP, "hydra.sweep.dir=sweep"], work, env=FAIL)
    assert proc.returncode == 1, proc.stderr
    return work / "sweep"


@pytest.mark.slow
@needs_ray
def test_ray_writes_the_serial_bytes_records_failures_and_resumes(
    serial_sweep: Path, tmp_path: Path
) -> None:
    args = [*SWEEP, "hydra.sweep.dir=sweep", *RAY]
    proc = run(args, tmp_path, env=FAIL)
    assert proc.returncode == 1, proc.stderr  # one job failed: the sweep says so
    assert "Started a local Ray instance" in proc.stderr
    sweep = tmp_path / "sweep"
    same_files(sweep, serial_sweep)
    failed_then_resumed(sweep, serial_sweep, args, tmp_path)


@pytest.fixture
def ray_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """A Ray cluster started apart from the sweep (``ray start --head``), as a site runs one.

    It runs in a session of its own and is killed as a whole at the end, so that the test never
    stops another Ray instance on the machine (``ray stop`` would stop them all). Its address is
    given explicitly; Ray's token authentication is off for this cluster and its clients.
    """
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    env = {**os.environ, "RAY_AUTH_MODE": "disabled"}
    temp = tmp_path_factory.mktemp("ray")
    head = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "ray"),
            *("start", "--head", "--block", "--node-ip-address=127.0.0.1", f"--port={port}"),
            *("--num-cpus=2", "--include-dashboard=false", "--disable-usage-stats"),
            f"--temp-dir={temp}",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not list(temp.glob("session_*/sockets/raylet")) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert head.poll() is None, "ray start --head ended"
        yield f"127.0.0.1:{port}", {"RAY_AUTH_MODE": "disabled"}
    finally:
        os.killpg(head.pid, signal.SIGKILL)
        head.wait()


@pytest.mark.slow
@needs_ray
def test_ray_joins_a_running_cluster_and_writes_the_same_bytes(
    ray_cluster: tuple[str, dict[str, str]], serial_sweep: Path, tmp_path: Path
) -> None:
    # Hydra's plugin would pass its object store size and Ray would refuse to join; a null size
    # (the default) stays null when an address is given. The cluster's workers have the
    # cluster's environment, not the command's: no job fails here (FAIL does not reach them).
    address, env = ray_cluster
    args = [*SWEEP, "hydra.sweep.dir=sweep", "hydra/launcher=ray"]
    proc = run([*args, f"hydra.launcher.ray.init.address={address}"], tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "Connected to Ray cluster" in proc.stderr
    for job in ("0", "1", "3"):  # the serial sweep's job 2 failed on purpose
        for name in JOB_TABLES:
            found = (tmp_path / "sweep" / job / name).read_bytes()
            assert found == (serial_sweep / job / name).read_bytes(), (job, name)
    assert manifest(tmp_path / "sweep" / "2")["status"] == "ok"


@needs_ray
@pytest.mark.parametrize(
    ("override", "named"),
    [
        (
            "+hydra.launcher.ray.init.runtime_env={pip:[evil]}",
            "hydra.launcher.ray.init.runtime_env=",
        ),
        ("+hydra.launcher.ray.init._temp_dir=/etc", "hydra.launcher.ray.init._temp_dir="),
        (
            "+hydra.launcher.ray.init.dashboard_host=0.0.0.0",
            "hydra.launcher.ray.init.dashboard_host=",
        ),
        ("+hydra.launcher.ray.remote.runtime_env={env_vars:{A:b}}", "hydra.launcher.ray.remote."),
    ],
)
def test_the_guard_refuses_ray_options_beyond_sizes_and_address(override: str, named: str) -> None:
    with pytest.raises(guard.UserError) as err:
        preflight.check_command(["-m", "seed=1,2", "hydra/launcher=ray", override])
    assert str(err.value).startswith(named) and "\n" not in str(err.value)


@needs_ray
def test_the_guard_allows_joining_a_cluster_and_sizing_tasks() -> None:
    preflight.check_command(
        [
            "-m",
            "seed=1,2",
            "hydra/launcher=ray",
            "hydra.launcher.ray.init.address=auto",
            "hydra.launcher.ray.init.object_store_memory=null",
            "hydra.launcher.ray.remote.num_cpus=1",
            "+hydra.launcher.ray.remote.memory=2000000000",
        ]
    )


def test_the_guard_does_not_let_a_launcher_name_other_code() -> None:
    with pytest.raises(guard.UserError) as err:
        preflight.check_command(
            ["-m", "seed=1,2", "hydra.launcher._target_=hydra_plugins.evil.Launcher"]
        )
    assert "is not allowed" in str(err.value)
    assert LAUNCHERS["ray"] in guard.ALLOWED_TARGETS["hydra.launcher"]
    assert RAY_INIT["include_dashboard"] is False  # a sweep starts no web server
