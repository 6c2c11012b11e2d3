"""Bad inputs through the real command: exit 2, one message naming the field, nothing written."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.cli_helpers import AGGREGATE, run

STRATEGY_OK = "{day: 0, channel: email, message: benefit_led}"

#: (files in a user folder, arguments, what the message must name)
CASES: list[tuple[dict[str, str], list[str], list[str]]] = [
    ({}, ["population=nowhere"], ["population", "nowhere", "cold_list"]),
    ({}, ["seed=abc"], ["seed", "abc"]),
    ({}, ["replications=1.5"], ["replications", "1.5"]),
    ({}, ["model.answer_base=1.5"], ["model.answer_base", "1.5", "0 to 1"]),
    ({}, ["population.size=-5"], ["population.size", "-5", ">= 1"]),
    ({}, ["replications=0"], ["replications", "0"]),
    ({}, ["baseline=nope"], ["baseline", "nope", "entitlement"]),
    ({}, ["strategy=[entitlement,nope]"], ["strategy", "nope", "benefit_led"]),
    ({}, ["no_such_option=1"], ["no_such_option"]),
    ({}, ["seed=[1,"], ["seed=[1,"]),
    ({}, ["seed=1,2"], ["seed=1,2", "--multirun"]),
    ({}, ["hydra/launcher=nope"], ["hydra/launcher", "nope", "joblib"]),
    ({}, ["hydra.searchpath=[nowhere://x]"], ["nowhere", "file"]),
    (
        {"strategy/fax.yaml": "fax:\n  steps: [{day: 0, channel: fax, message: benefit_led}]\n"},
        ["hydra.searchpath=[file://{dir}]", "strategy=[entitlement,fax]"],
        ["strategy.fax.steps[0].channel", "fax", "email"],
    ),
    (
        {"strategy/broken.yaml": "broken:\n  steps: [{day: 0, channel: email\n"},
        ["hydra.searchpath=[file://{dir}]", "strategy=[entitlement,broken]"],
        ["strategy/broken"],
    ),
    (
        {"strategy/nochan.yaml": "nochan:\n  steps: [{day: 0, message: benefit_led}]\n"},
        ["hydra.searchpath=[file://{dir}]", "strategy=[entitlement,nochan]"],
        ["strategy.nochan.steps[0].channel", "missing", "required"],
    ),
    ({}, ["population.size=1000000000000"], ["population.size", "GiB", "fits in memory"]),
    ({}, ["horizon_days=1e9"], ["horizon_days", "GiB", "fits in memory"]),
    ({}, ["strategy.high_volume.list_multiplier=1e9"], ["list_multiplier", "GiB"]),
    ({}, ["+replication=5"], ["replication", "did you mean replications?"]),
    ({}, ["replication=5"], ["replication", "did you mean replications?"]),
    ({}, ["+population.sizee=100"], ["population.sizee", "did you mean population.size?"]),
    ({}, ["strategy=[entitlement,entitlement]"], ["strategy", "entitlement", "more than once"]),
    ({}, ["credit=first_touch"], ["credit", "first_touch", "decided or last_touch"]),
    (
        {"strategy/typo.yaml": "typo:\n  steps: [{day: 0, channel: email, mesage: resource}]\n"},
        ["hydra.searchpath=[file://{dir}]", "strategy=[entitlement,typo]"],
        ["mesage", "day, channel, message, voicemail, variants", "did you mean message?"],
    ),
    (
        {"strategy/late.yaml": f"late:\n  steps: [{STRATEGY_OK}]\n  list_multiplier: -1\n"},
        ["hydra.searchpath=[file://{dir}]", "strategy=[entitlement,late]"],
        ["list_multiplier", "-1"],
    ),
]


def _check(tmp: Path, files: dict[str, str], args: list[str], names: list[str]) -> None:
    user = tmp / "mine"
    for rel, text in files.items():
        (user / rel).parent.mkdir(parents=True, exist_ok=True)
        (user / rel).write_text(text)
    work = tmp / "work"
    work.mkdir()
    proc = run([a.replace("{dir}", str(user)) for a in args], work)
    assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    message = proc.stderr.strip()
    assert message.startswith("error: ") and message.count("error: ") == 1, message
    for name in names:
        assert name in message, (name, message)
    assert not (work / "results").exists(), "a bad input must write nothing"


def test_a_dozen_bad_inputs_exit_2_naming_the_field(tmp_path: Path) -> None:
    dirs = [tmp_path / str(i) for i in range(len(CASES))]
    for d in dirs:
        d.mkdir()
    # Each case only pays Python's start-up and a compose: run a few at once.
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = [pool.submit(_check, d, *case) for d, case in zip(dirs, CASES, strict=True)]
        for future in futures:
            future.result()


HOSTILE = {
    # A strategy that names a callable: the schema has no such field.
    "target": "pwn:\n  _target_: os.system\n  _args_: ['touch {marker}']\n"
    "  steps: [{day: 0, channel: email, message: benefit_led}]\n",
    # A file that escapes its package to register a Hydra callback.
    "callback": "# @package _global_\nhydra:\n  callbacks:\n    pwn:\n"
    "      _target_: os.system\n      command: 'touch {marker}'\n",
    # A file that adds a logging factory (logging.config calls '()' objects).
    "logging": "# @package _global_\nhydra:\n  job_logging:\n    version: 1\n    handlers:\n"
    "      x:\n        '()': os.system\n        command: 'touch {marker}'\n",
    # A file that swaps the launcher for a callable.
    "launcher": "# @package _global_\nhydra:\n  launcher:\n    _target_: os.system\n",
    # Files that add a logging.FileHandler: it would append to (or truncate) any file.
    "job_log_file": "# @package _global_\nhydra:\n  job_logging:\n    version: 1\n    handlers:\n"
    "      f:\n        class: logging.FileHandler\n        filename: '{marker}'\n        mode: a\n"
    "    root:\n      handlers: [f]\n"
    "strategy:\n  pwn:\n    steps: [{day: 0, channel: email, message: benefit_led}]\n",
    "hydra_log_file": "# @package _global_\nhydra:\n  hydra_logging:\n    handlers:\n"
    "      f:\n        class: logging.FileHandler\n        filename: '{marker}'\n        mode: w\n"
    "    root:\n      handlers: [f]\n"
    "strategy:\n  pwn:\n    steps: [{day: 0, channel: email, message: benefit_led}]\n",
    # A label that copies the environment into report.html, config.yaml and manifest.json.
    "environment": "pwn:\n  label: '${oc.env:HOME}'\n"
    "  steps: [{day: 0, channel: email, message: benefit_led}]\n",
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_yaml_cannot_run_code(tmp_path: Path, kind: str) -> None:
    marker = tmp_path / "PWNED"
    user = tmp_path / "mine" / "strategy"
    user.mkdir(parents=True)
    (user / "pwn.yaml").write_text(HOSTILE[kind].replace("{marker}", str(marker)))
    work = tmp_path / "work"
    work.mkdir()
    args = [f"hydra.searchpath=[file://{user.parent}]", "strategy=[entitlement,pwn]"]
    for mode in ([], ["-m"]):
        proc = run([*mode, *args, "population.size=50", "replications=1"], work)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr
        if kind != "target":  # (the schema already refuses a strategy field named _target_)
            assert "is not allowed: " in proc.stderr
        assert not marker.exists(), "the hostile config ran code"
        assert not (work / "results").exists()


def test_a_package_search_path_is_refused_before_it_is_imported(tmp_path: Path) -> None:
    marker = tmp_path / "PWNED"
    package = tmp_path / "site" / "pwnpkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    work = tmp_path / "work"
    work.mkdir()
    env = {"PYTHONPATH": str(tmp_path / "site")}
    for mode in ([], ["-m"]):
        proc = run([*mode, "hydra.searchpath=[pkg://pwnpkg]", "population.size=50"], work, env)
        assert proc.returncode == 2, proc.stderr
        assert "hydra.searchpath='pkg://pwnpkg' is not allowed" in proc.stderr
        assert not marker.exists(), "the search path imported the module"
        assert not (work / "results").exists()


@pytest.mark.parametrize(
    "override",
    [
        "hydra/job_logging=default",
        "hydra/hydra_logging=disabled",
        "+hydra.job_logging.handlers.f.class=logging.FileHandler",
        "hydra.hydra_logging.root.level=DEBUG",
    ],
)
def test_logging_is_the_programs_own_on_the_command_line(tmp_path: Path, override: str) -> None:
    proc = run([override, "population.size=50"], tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr
    assert not (tmp_path / "results").exists()


def test_aggregate_rejects_a_folder_that_is_not_a_sweep(tmp_path: Path) -> None:
    proc = run([str(tmp_path / "missing")], tmp_path, program=AGGREGATE)
    assert proc.returncode == 2 and "DIR=" in proc.stderr and "Traceback" not in proc.stderr
