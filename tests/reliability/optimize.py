"""Bad inputs and faults of ``outreach-sim-optimize``: the search space, its overrides, the folder.

Each bad input is refused before the output folder exists: one ``error:`` line naming the
field, exit 2, nothing written (sim/optimize/api.py ``prepare``).
"""

from __future__ import annotations

from tests.reliability.kinds import BAD, Case, Fault

#: How docs/reliability.md names this entry point.
TITLE = "`outreach-sim-optimize`"
PROGRAM = "outreach-sim-optimize"

#: A small good space; each case changes one line.
GOOD = """name: small
experiment: [population.size=200, replications=1]
steps: {min: 2, max: 3}
gap_days: {min: 1, max: 5}
channels: [email, phone]
messages: [benefit_led, resource]
budget: 5
"""
SPACE = "{dir}/space.yaml"


def space(what: str, text: str, *names: str, args: tuple[str, ...] = ()) -> Case:
    """A space file ``DIR/space.yaml`` with a mistake."""
    return Case(BAD, what, [SPACE, *args], list(names), {"space.yaml": text}, program=PROGRAM)


def _with(line: str) -> str:
    key = line.split(":", 1)[0]
    kept = [one for one in GOOD.splitlines() if not one.startswith(key + ":")]
    return "\n".join([*kept, line]) + "\n"


CASES: list[Case] = [
    space("an empty space file", "", "space=None", "a mapping"),
    space("a space that is a list", "- steps\n", "space=", "a mapping"),
    space("a space file that is not YAML", "steps: {min: 1\n", "space=", "valid YAML"),
    Case(
        BAD, "a space file that does not exist", ["{dir}/nosuch.yaml"], ["space="], program=PROGRAM
    ),
    Case(
        BAD,
        "the space is /dev/zero (read forever)",
        ["/dev/zero"],
        ["space=", "a YAML file"],
        program=PROGRAM,
    ),
    Case(BAD, "the space is a folder", ["{dir}"], ["space=", "a YAML file"], program=PROGRAM),
    space(
        "an unknown channel in the space",
        _with("channels: [email, fax]"),
        "channels='fax'",
        "one of",
    ),
    space(
        "an unknown message in the space",
        _with("messages: [benefit_led, bribe]"),
        "messages='bribe'",
    ),
    space("a range with min > max", _with("steps: {min: 5, max: 2}"), "steps=", "min <= max"),
    space("a budget of zero", _with("budget: 0"), "budget=0", "an integer >= 1"),
    space("a budget of zero as an override", GOOD, "budget=0", args=("budget=0",)),
    space(
        "a contradictory space: no candidate keeps the touches per week",
        _with("constraints: {max_touches_per_week: 1}\ngap_days: {min: 1, max: 2}"),
        "constraints=",
        "touches in a week",
    ),
    space(
        "a contradictory space: the cheapest candidate costs too many rep minutes",
        _with("constraints: {max_rep_minutes_per_prospect: 1}"),
        "constraints=",
        "rep minutes per prospect",
    ),
    space(
        "a channel the team does not have",
        _with("constraints: {team_channels: [email]}"),
        "channels='phone'",
        "a channel the team has",
    ),
    space("an unknown key (a typo)", _with("budgte: 5"), "budgte", "a known key"),
    space("an unknown objective", _with("objectives: {revenue: 1}"), "objectives.revenue"),
    space("every objective weighted 0", _with("objectives: {opt_out_rate: 0}"), "objectives="),
    space("more worlds than the model has", _with("worlds: 100000"), "worlds="),
    space(
        "an experiment override Hydra refuses",
        _with("experiment: [population.sise=5]"),
        "population.sise",
    ),
    space("an override that is not KEY=VALUE", GOOD, "override=", args=("budget",)),
    space(
        "an unwritable output folder (under a file)",
        GOOD,
        "out=",
        "a folder this user can write",
        args=("--out", "{victim}/optimize"),
    ),
    space(
        "a compared strategy the experiment does not have",
        _with("compare: [nosuch]"),
        "compare='nosuch'",
    ),
    space("--trials 0", GOOD, "--trials=0", args=("--trials", "0")),
]

FAULTS: list[Fault] = [
    Fault(
        "Ctrl-C (SIGINT) during the search",
        "exit 130 with one line (stopped: the same command continues ...), no manifest; the "
        "same command finishes the same study",
        "tests/test_optimize.py::test_ctrl_c_stops_with_one_line_and_the_study_continues",
    ),
    Fault(
        "the search killed (SIGKILL) after some trials",
        "the same command continues the same study from study.journal: the trials before the "
        "kill are kept, the budget counts them",
        "tests/test_optimize.py::test_a_killed_search_resumes_the_same_study",
    ),
]
