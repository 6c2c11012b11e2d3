"""The reliability catalogue: bad inputs, hostile configs and faults, and docs/reliability.md.

Every bad input and hostile config here is run through the real entry points
(:data:`ENTRY_POINTS`: ``outreach-sim``, ``outreach-sim-aggregate``, ``outreach-sim-fit``) with
``sys.argv`` set, in one batch
process (``python -m tests.reliability_cases --run OUT.json``): each case gets a fresh folder as its
working directory, a user folder ``DIR`` with the case's files, a file ``VICTIM`` that must not
change and a path ``MARKER`` that must not appear. The outcome (exit status, stderr, stdout, files
created or changed) is what ``tests/test_reliability.py`` checks and what the table in
``docs/reliability.md`` shows. Faults need real processes, signals and folders: each is a test of
its own, named in :data:`FAULTS`. The cases live in ``tests/reliability/``, one module an entry
point (:data:`ENTRY_MODULES`); the page shows them by entry point.

``python -m tests.reliability_cases --write-doc`` (or ``make reliability``) rewrites the page.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import re
import signal
import sys
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.reliability import cli, fit, hydra, resources, workshop
from tests.reliability.kinds import BAD, HOSTILE, Case, Fault

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "reliability.md"

#: The catalogue's modules, in the order of the page: each has ``CASES`` (or the command line's
#: ``BAD_INPUTS`` and ``HOSTILE_CONFIGS``) and ``FAULTS``.
ENTRY_MODULES = (cli, hydra, resources, fit, workshop)
BAD_INPUTS: list[Case] = cli.BAD_INPUTS
HOSTILE_CONFIGS: list[Case] = cli.HOSTILE_CONFIGS
FAULTS: list[Fault] = [f for m in ENTRY_MODULES for f in m.FAULTS]
__all__ = ["BAD", "HOSTILE", "Case", "Fault"]


# --- Running the cases ----------------------------------------------------------------------


def _digest(folder: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            found[str(path.relative_to(folder))] = hashlib.sha256(path.read_bytes()).hexdigest()
        elif path.is_dir():
            found[str(path.relative_to(folder)) + "/"] = ""
    return found


def _app() -> None:
    from sim.cli.app import main

    main()


def _aggregate() -> None:
    from sim.cli.aggregate import main

    main(None)


def _fit() -> None:
    from sim.fit.cli import main

    main()


#: How each program of the catalogue is called (with ``sys.argv`` set).
ENTRY_POINTS: dict[str, Callable[[], None]] = {
    "outreach-sim": _app,
    "outreach-sim-aggregate": _aggregate,
    "outreach-sim-fit": _fit,
}


def _entry(program: str) -> Callable[[], None]:
    return ENTRY_POINTS[program]


def _stderr_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    # As an uncaught warning appears to a user: on stderr (pytest would otherwise collect it).
    sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


#: Seconds a case may take; a refused case takes well under one.
CASE_SECONDS = 30


def _too_long(signum: int, frame: object) -> None:
    raise TimeoutError(f"the case ran for over {CASE_SECONDS} s: it was not refused")


def fill(text: str, tmp: Path) -> str:
    """A case's placeholders: ``{dir}``, ``{tmp}``, ``{marker}``, ``{victim}``."""
    return (
        text.replace("{dir}", str(tmp / "mine"))
        .replace("{tmp}", str(tmp))
        .replace("{marker}", str(tmp / "MARKER"))
        .replace("{victim}", str(tmp / "VICTIM"))
    )


def run_case(case: Case, tmp: Path) -> dict[str, Any]:
    """Run one case in this process, in a fresh working folder under ``tmp``; its outcome."""
    user, work = tmp / "mine", tmp / "work"
    user.mkdir(parents=True)
    work.mkdir()
    (tmp / "VICTIM").write_text("precious\n")
    for rel, text in case.files.items():
        path = user / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            text.replace("{marker}", str(tmp / "MARKER")).replace("{victim}", str(tmp / "VICTIM"))
        )
    before = _digest(tmp)
    out, err = io.StringIO(), io.StringIO()
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM)}
    # A case that is not refused would run a simulation: stop it rather than hang the batch.
    signal.signal(signal.SIGALRM, _too_long)
    signal.alarm(CASE_SECONDS)
    saved_path, saved_cwd = list(sys.path), os.getcwd()
    if case.pythonpath:
        sys.path.insert(0, str(user / case.pythonpath))
    code: Any = 0
    try:
        os.chdir(work)
        sys.argv = [case.program, *(fill(a, tmp) for a in case.args)]
        with (
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
            warnings.catch_warnings(),
        ):
            warnings.simplefilter("always")
            warnings.showwarning = _stderr_warning
            try:
                _entry(case.program)()
            except SystemExit as exc:
                code = exc.code
            except BaseException as exc:  # what a user would see as a traceback
                import traceback

                err.write("".join(traceback.format_exception(exc)))
                code = "exception"
    finally:
        signal.alarm(0)
        os.chdir(saved_cwd)
        sys.path[:] = saved_path
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    after = _digest(tmp)
    return {
        "code": code if isinstance(code, int | str) or code is None else str(code),
        "stdout": out.getvalue(),
        "stderr": _portable(err.getvalue(), tmp),
        "written": sorted(k for k in after if k not in before),
        "changed": sorted(k for k in before if after.get(k) != before[k]),
        "marker": (tmp / "MARKER").exists(),
    }


def _portable(text: str, tmp: Path) -> str:
    # The page must be the same on any machine: no temporary paths, no memory size.
    text = text.replace(str(tmp / "mine"), "DIR").replace(str(tmp), "TMP")
    return re.sub(r"the machine has [\d,.]+ GiB", "the machine has M GiB", text)


def all_cases() -> list[Case]:
    """Bad inputs, then hostile configs, then each other entry point's cases."""
    return [*BAD_INPUTS, *HOSTILE_CONFIGS, *(c for m in ENTRY_MODULES[1:] for c in m.CASES)]


def run_all() -> list[dict[str, Any]]:
    """Every case, each in a fresh temporary folder, in this process."""
    outcomes = []
    for number, case in enumerate(all_cases()):
        with tempfile.TemporaryDirectory(prefix=f"case{number}_") as tmp:
            outcomes.append(run_case(case, Path(tmp)))
    return outcomes


def problems(case: Case, outcome: dict[str, Any]) -> list[str]:
    """What is wrong with an outcome: empty when the case was handled."""
    found = []
    lines = outcome["stderr"].splitlines()
    if outcome["code"] != 2:
        found.append(f"exit status {outcome['code']!r}, not 2")
    if len(lines) != 1 or not lines[0].startswith("error: "):
        found.append(f"stderr is not one 'error: ' line: {outcome['stderr']!r}")
    if outcome["stdout"]:
        found.append(f"stdout is not empty: {outcome['stdout']!r}")
    if outcome["written"] or outcome["changed"]:
        found.append(f"files written {outcome['written']} or changed {outcome['changed']}")
    if outcome["marker"]:
        found.append("the hostile config ran code (the marker file exists)")
    message = lines[0] if lines else ""
    found += [f"the message does not name {n!r}" for n in case.names if n not in message]
    return found


# --- The page -------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("`", "'").replace("\n", " ⏎ ")


def _command(case: Case) -> str:
    shown = [
        a.replace("{dir}", "DIR").replace("{tmp}", "TMP").replace("{victim}", "VICTIM")
        for a in case.args
    ]
    command = f"`{_cell(' '.join([case.program, *shown]))}`"
    for rel, text in case.files.items():
        command += f"<br>DIR/{rel}: `{_cell(text.rstrip()) or '(empty)'}`"
    return command


def _case_rows(kind: str, indexes: list[int], cases: list[Case], outcomes: list[Any]) -> list[str]:
    lines = [
        "| # | tried | command | outcome | the line on stderr |",
        "|---|---|---|---|---|",
    ]
    for n, i in enumerate(indexes, start=1):
        case, outcome = cases[i], outcomes[i]
        found = problems(case, outcome)
        verdict = (
            ("exit 2, nothing written" if kind == BAD else "blocked, exit 2")
            if not found
            else "NOT HANDLED: " + "; ".join(found)
        )
        message = outcome["stderr"].strip()
        row = [str(n), _cell(case.what), _command(case), _cell(verdict), f"`{_cell(message)}`"]
        lines.append("| " + " | ".join(row) + " |")
    return lines


def _intro(cases: list[Case], handled: list[bool]) -> list[str]:
    kinds = {kind: [i for i, c in enumerate(cases) if c.kind == kind] for kind in (BAD, HOSTILE)}
    return [
        "# Reliability: what was tried, and what happened",
        "",
        "Generated by `tests/test_reliability.py` from the catalogue in `tests/reliability/` (one"
        " module an entry point, run by `tests/reliability_cases.py`; `make reliability` rewrites"
        " it; `make test` fails when it is stale). Every row was run by `make test`.",
        "",
        f"- **Bad inputs**: {len(kinds[BAD])} tried, "
        f"{sum(handled[i] for i in kinds[BAD])} handled: exit status 2, one line on stderr that"
        " names the setting, nothing written to the working folder or anywhere else.",
        f"- **Hostile configs**: {len(kinds[HOSTILE])} tried, "
        f"{sum(handled[i] for i in kinds[HOSTILE])} blocked: exit status 2 with one error line,"
        " before anything runs; no code ran (a marker file a"
        " callable would create does not exist), a file a logging handler would append to or"
        " truncate is unchanged, nothing was imported or written.",
        f"- **Faults**: {len(FAULTS)} provoked, each by the test named in its row, which fails"
        " unless the run survives as described with nothing lost.",
        "",
        "Each bad input and hostile config runs the real entry point (its `main` with `sys.argv`"
        " set) in a fresh working folder. DIR is a folder of the user's own configs, VICTIM an"
        " existing file that must not change, TMP the case's temporary folder, M GiB this"
        " machine's memory.",
    ]


def render(outcomes: list[dict[str, Any]]) -> str:
    """docs/reliability.md from the cases' measured outcomes, by entry point."""
    cases = all_cases()
    handled = [not problems(c, o) for c, o in zip(cases, outcomes, strict=True)]
    lines = _intro(cases, handled)
    for program in dict.fromkeys(c.program for c in cases):
        lines += ["", f"## `{program}`"]
        for kind, title in ((BAD, "Bad inputs"), (HOSTILE, "Hostile configs")):
            mine = [i for i, c in enumerate(cases) if c.kind == kind and c.program == program]
            if mine:
                lines += ["", f"### {title}", "", *_case_rows(kind, mine, cases, outcomes)]
    for module in ENTRY_MODULES:
        if not module.FAULTS:
            continue
        lines += [
            "",
            f"## Faults of {module.TITLE}",
            "",
            "| # | fault | survived: what the test checks | test |",
            "|---|---|---|---|",
        ]
        for n, fault in enumerate(module.FAULTS, start=1):
            lines.append(
                f"| {n} | {_cell(fault.what)} | {_cell(fault.survived)} | `{fault.test}` |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """``--run OUT.json``: run every case, write the outcomes; ``--write-doc``: also the page."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, help="write the outcomes of every case here")
    parser.add_argument("--write-doc", action="store_true", help="rewrite docs/reliability.md")
    args = parser.parse_args(argv)
    outcomes = run_all()
    if args.run:
        args.run.write_text(json.dumps(outcomes, indent=1))
    if args.write_doc:
        DOC.write_text(render(outcomes))
        print(f"wrote {DOC}")


if __name__ == "__main__":
    main()
