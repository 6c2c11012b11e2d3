"""Bad plausible worlds through the real command: one line naming the problem, exit 2, nothing
written.

Each case puts a worlds file in a user's folder (``DIR/model/worlds/x.yaml``, added with
``hydra.searchpath=[file://DIR]``), made from the shipped default worlds: missing, truncated in
the middle of a row or of the file, from another model version; and asks for a number of worlds
the model cannot give.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from sim.model.worlds import MODEL_VERSION
from sim.run.registry import CONF_DIR
from tests.cli_helpers import run

SHIPPED = (CONF_DIR / "model" / "worlds" / "default.yaml").read_text()
ROWS = SHIPPED.count("\n  - [")
USE = "hydra.searchpath=[file://{dir}]"


def _cut_in_row(text: str) -> str:
    """The file cut in the middle of its last row (a download or copy that stopped)."""
    return text[: text.rindex(",")]


def _cut_at(text: str, key: str) -> str:
    """The file cut just after the line that opens ``key`` (the rest of the file lost)."""
    start = text.index(f"\n{key}:") + 1
    return text[: text.index("\n", start) + 1]


def _cut_in_parameters(text: str, status_too: bool = False) -> str:
    """The first parameter's line lost (and its status's): rows longer than the list."""
    lines = text.splitlines(keepends=True)
    first = lines.index("parameters:\n") + 1
    name = lines.pop(first).strip().removeprefix("- ")
    if status_too:
        lines.remove(f"  {name}: {name_status(text, name)}\n")
    return "".join(lines)


def name_status(text: str, name: str) -> str:
    """The status the file gives parameter ``name``."""
    start = text.index("\nstatus:\n")
    line = text[text.index(f"\n  {name}: ", start) + 1 :].split("\n", 1)[0]
    return line.split(": ", 1)[1]


@dataclass(frozen=True)
class Case:
    """A command that must be refused: its arguments, its worlds file and what the line names."""

    what: str
    args: tuple[str, ...]
    text: str | None
    names: tuple[str, ...]


CASES = [
    Case("a worlds file that is not there", ("model/worlds=nope", "worlds=2"), None, ("nope",)),
    Case(
        "cut in the middle of a row",
        ("model/worlds=x", "worlds=2"),
        _cut_in_row(SHIPPED),
        ("x.yaml", "not valid YAML"),
    ),
    Case(
        "cut after 'status:'",
        ("model/worlds=x", "worlds=2"),
        _cut_at(SHIPPED, "status"),
        ("model.worlds.status", "truncated"),
    ),
    Case(
        "cut after 'values:'",
        ("model/worlds=x", "worlds=2"),
        _cut_at(SHIPPED, "values"),
        ("model.worlds.values", "truncated"),
    ),
    Case(
        "a parameter lost",
        ("model/worlds=x", "worlds=2"),
        _cut_in_parameters(SHIPPED),
        ("model.worlds.status", "truncated"),
    ),
    Case(
        "a parameter and its status lost",
        ("model/worlds=x", "worlds=2"),
        _cut_in_parameters(SHIPPED, status_too=True),
        ("model.worlds.values[0]", "truncated"),
    ),
    Case(
        "another model version",
        ("model/worlds=x", "worlds=2"),
        SHIPPED.replace(f"model_version: {MODEL_VERSION}", f"model_version: {MODEL_VERSION - 1}"),
        ("model.worlds.model_version", "another model version"),
    ),
    Case("more worlds than rows", (f"worlds={ROWS + 1}",), None, ("worlds", f"2 to {ROWS}")),
    Case("one world", ("worlds=1",), None, ("worlds", "2 to")),
    Case(
        "worlds without an ensemble",
        ("worlds=20", "model.worlds=null"),
        None,
        ("worlds", "no plausible worlds"),
    ),
]


def _refused(tmp: Path, case: Case) -> None:
    user, work = tmp / "mine", tmp / "work"
    (user / "model" / "worlds").mkdir(parents=True)
    work.mkdir()
    if case.text is not None:
        (user / "model" / "worlds" / "x.yaml").write_text(case.text)
    proc = run([USE.format(dir=user), *case.args], work)
    assert proc.returncode == 2, (case.what, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), (case.what, proc.stderr)
    for name in case.names:
        assert name in lines[0], (case.what, name, lines[0])
    assert not list(work.iterdir()), f"{case.what}: nothing written"


def test_bad_worlds_are_refused_in_one_line(tmp_path: Path) -> None:
    dirs = [tmp_path / str(i) for i in range(len(CASES))]
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(_refused, dirs, CASES))
