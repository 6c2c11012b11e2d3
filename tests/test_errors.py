"""Bad inputs through the real command: exit 2, one message naming the field, nothing written."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests import reliability_cases as rc
from tests.cli_helpers import AGGREGATE, APP, run

#: The real console script, for a sample of the catalogue (tests/reliability_cases.py, which runs
#: every case in-process): the installed command behaves as the in-process runs say.
SAMPLE = [*rc.BAD_INPUTS[::5], *rc.HOSTILE_CONFIGS]


def _check(tmp: Path, case: rc.Case) -> None:
    user = tmp / "mine"
    user.mkdir()
    (tmp / "VICTIM").write_text("precious\n")
    for rel, text in case.files.items():
        (user / rel).parent.mkdir(parents=True, exist_ok=True)
        (user / rel).write_text(rc.fill(text, tmp))
    work = tmp / "work"
    work.mkdir()
    env = {"PYTHONPATH": str(user / case.pythonpath)} if case.pythonpath else None
    program = APP if case.program == "outreach-sim" else AGGREGATE
    proc = run([rc.fill(a, tmp) for a in case.args], work, env, program=program)
    assert proc.returncode == 2, (case.what, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    for name in case.names:
        assert name in rc.fill(lines[0], tmp) or name in lines[0], (name, lines[0])
    assert not (work / "results").exists() and not list(work.iterdir()), "nothing written"
    assert not (tmp / "MARKER").exists(), "the hostile config ran code"
    assert (tmp / "VICTIM").read_text() == "precious\n"


def test_the_console_script_handles_a_sample_of_the_catalogue(tmp_path: Path) -> None:
    dirs = [tmp_path / str(i) for i in range(len(SAMPLE))]
    for d in dirs:
        d.mkdir()
    # Each case only pays Python's start-up and a compose: run a few at once.
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = [pool.submit(_check, d, case) for d, case in zip(dirs, SAMPLE, strict=True)]
        for future in futures:
            future.result()
