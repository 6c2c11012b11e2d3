"""Bad inputs, hostile inputs and faults of ``outreach-sim-fit``: logs, mappings, arguments."""

from __future__ import annotations

from tests.reliability.kinds import BAD, HOSTILE, Case, Fault

#: How docs/reliability.md names this entry point.
TITLE = "`outreach-sim-fit`"
PROGRAM = "outreach-sim-fit"
HEADER = "prospect_id,touched_at,channel,outcome,outcome_at\n"


def log_text(
    prospects: int = 40,
    replies: int = 12,
    touches: int = 3,
    day: str = "2026-03-{d:02d}T09:00:00Z",
    reply_at: str = "2026-03-{d:02d}T15:00:00Z",
) -> str:
    """A small canonical log: ``touches`` e-mails a prospect; the first ``replies`` reply once."""
    rows = []
    for i in range(prospects):
        for k in range(touches):
            d = 2 + 2 * k
            if i < replies and k == touches - 1:
                rows.append(f"p{i},{day.format(d=d)},email,positive,{reply_at.format(d=d)}")
            else:
                rows.append(f"p{i},{day.format(d=d)},email,,")
    return HEADER + "\n".join(rows) + "\n"


def one_long_prospect(touches: int = 10_000) -> str:
    """One prospect touched ``touches`` times, an hour apart, with one reply."""
    first = "p1,2026-01-01T00:00:00Z,email,positive,2026-01-01T12:00:00Z"
    rest = [f"p1,{_hour(h)},email,," for h in range(1, touches)]
    return HEADER + "\n".join([first, *rest]) + "\n"


def _hour(h: int) -> str:
    days, hour = divmod(h, 24)
    # Day by day from 2026-01-01: a month of 28 days keeps every date valid.
    months, day = divmod(days, 28)
    years, month = divmod(months, 12)
    return f"{2026 + years}-{month + 1:02d}-{day + 1:02d}T{hour:02d}:00:00Z"


def fit(kind: str, what: str, *args: str, names: tuple[str, ...] = (), **files: str) -> Case:
    """A case of ``outreach-sim-fit``: ``files`` as ``name=text`` (``log_csv`` is ``log.csv``)."""
    given = {name.replace("_csv", ".csv").replace("_yaml", ".yaml"): t for name, t in files.items()}
    return Case(kind, what, list(args), list(names), given, program=PROGRAM)


LOG = "{dir}/log.csv"
GOOD = log_text()


def mapping(what: str, text: str, *names: str, kind: str = BAD) -> Case:
    """A mapping file ``DIR/map.yaml`` with a mistake, beside a good log."""
    return fit(
        kind, what, LOG, "--mapping", "{dir}/map.yaml", names=names, log_csv=GOOD, map_yaml=text
    )


def bad_log(what: str, text: str, *names: str, args: tuple[str, ...] = ()) -> Case:
    """A log ``DIR/log.csv`` the fit cannot mean anything from."""
    return fit(BAD, what, LOG, *args, names=names, log_csv=text)


_ARGUMENTS = [
    fit(BAD, "the log is /dev/zero (read forever)", "/dev/zero", names=("log=", "a device")),
    fit(BAD, "the log is a directory", "{dir}", names=("log=", "a directory")),
    fit(BAD, "the log does not exist", "{dir}/nosuch.csv", names=("no such file",)),
    fit(BAD, "--seed -1", LOG, "--seed", "-1", names=("--seed=-1", "0 to 2**63")),
    fit(BAD, "--seed 2**64", LOG, "--seed", str(2**64), names=("--seed=", "2**63"), log_csv=GOOD),
    fit(BAD, "--seed 1.5", LOG, "--seed", "1.5", names=("--seed",), log_csv=GOOD),
    fit(BAD, "--paths 1000", LOG, "--paths", "1000", names=("--paths=1000",), log_csv=GOOD),
    fit(
        BAD,
        "--conf-dir /proc/x (fails after fitting, before the fix)",
        LOG,
        "--conf-dir",
        "/proc/x",
        names=("--conf-dir='/proc/x'", "create and write"),
        log_csv=GOOD,
    ),
    fit(
        BAD,
        "--conf-dir is a file",
        LOG,
        "--conf-dir",
        "{victim}",
        names=("--conf-dir=", "create and write"),
        log_csv=GOOD,
    ),
    fit(
        BAD,
        "--out is a file",
        LOG,
        "--out",
        "{victim}",
        names=("--out=", "this is a file"),
        log_csv=GOOD,
    ),
    fit(
        BAD,
        "--out is the user's folder (the fit would replace it whole)",
        LOG,
        "--out",
        "{dir}",
        names=("--out=", "log.csv"),
        log_csv=GOOD,
    ),
    fit(BAD, "--out .", LOG, "--out", ".", names=("--out='.'", "working folder"), log_csv=GOOD),
    fit(BAD, "--out ..", LOG, "--out", "..", names=("--out='..'", "one above"), log_csv=GOOD),
    fit(
        BAD,
        "--name would replace a model file the user wrote",
        LOG,
        "--conf-dir",
        "{dir}/conf",
        names=("--name='log'", "not one outreach-sim-fit wrote"),
        log_csv=GOOD,
        **{"conf/model/fitted_log_yaml": "# my own model, by hand\nresponse_base: {}\n"},
    ),
    fit(
        BAD,
        "--population unknown",
        LOG,
        "--population",
        "martians",
        names=("population='martians'",),
        log_csv=GOOD,
    ),
    fit(BAD, "an unknown flag", LOG, "--fast", names=("--fast",), log_csv=GOOD),
    fit(BAD, "--population ''", LOG, "--population", "", names=("--population=''",), log_csv=GOOD),
    fit(
        BAD,
        "--model names no model",
        LOG,
        "--model",
        "fitted_nobody",
        names=("model='fitted_nobody'",),
        log_csv=GOOD,
    ),
    fit(BAD, "--seed 1e3", LOG, "--seed", "1e3", names=("--seed",), log_csv=GOOD),
    fit(
        BAD,
        "--out a folder with a folder of the user's in it",
        LOG,
        "--out",
        "{dir}/fit",
        names=("--out=", "holds keep"),
        log_csv=GOOD,
        **{"fit/keep/notes_txt": "mine\n", "fit/fit.json": "{}\n"},
    ),
    fit(
        BAD,
        "--name would replace a worlds file the user wrote",
        LOG,
        "--conf-dir",
        "{dir}/conf",
        names=("--name='log'", "worlds/fitted_log.yaml"),
        log_csv=GOOD,
        **{"conf/model/worlds/fitted_log_yaml": "values: []\n"},
    ),
    fit(BAD, "--paths -3", LOG, "--paths", "-3", names=("--paths=-3",), log_csv=GOOD),
    fit(
        BAD,
        "--conf-dir /dev/null",
        LOG,
        "--conf-dir",
        "/dev/null",
        names=("--conf-dir='/dev/null'",),
        log_csv=GOOD,
    ),
    fit(BAD, "--out /proc/x", LOG, "--out", "/proc/x", names=("--out='/proc/x'",), log_csv=GOOD),
    fit(
        BAD,
        "--mapping names no mapping and no file",
        LOG,
        "--mapping",
        "salesforce",
        names=("--mapping='salesforce'", "outreach"),
        log_csv=GOOD,
    ),
]

_HOSTILE_ARGUMENTS = [
    fit(
        HOSTILE,
        "--model '${oc.env:SECRET}' (would print the environment)",
        LOG,
        "--model",
        "${oc.env:SECRET}",
        names=("--model=", "nothing is interpolated"),
        log_csv=GOOD,
    ),
    fit(
        HOSTILE,
        "--population '${oc.env:HOME}'",
        LOG,
        "--population",
        "${oc.env:HOME}",
        names=("--population=",),
        log_csv=GOOD,
    ),
    fit(
        HOSTILE,
        "--model a sweep (default,fitted_x)",
        LOG,
        "--model",
        "default,fitted_x",
        names=("--model=",),
        log_csv=GOOD,
    ),
    fit(
        HOSTILE, "--model ../../etc/passwd", LOG, "--model", "../../etc/passwd", names=("--model=",)
    ),
    fit(
        HOSTILE,
        "--model with an override appended (default hydra.run.dir=x)",
        LOG,
        "--model",
        "default hydra.run.dir={marker}",
        names=("--model=",),
        log_csv=GOOD,
    ),
    fit(HOSTILE, "--name ${oc.env:HOME}", LOG, "--name", "${oc.env:HOME}", names=("--name=",)),
    fit(
        HOSTILE,
        "the log is /proc/self/environ (its errors would print the environment)",
        "/proc/self/environ",
        names=("log='/proc/self/environ'", "/proc"),
    ),
    fit(
        HOSTILE,
        "the mapping is /proc/self/environ",
        LOG,
        "--mapping",
        "/proc/self/environ",
        names=("--mapping=", "/proc"),
        log_csv=GOOD,
    ),
    fit(
        HOSTILE,
        "a log named ${oc.env:HOME}.csv (read as a name, not resolved)",
        "{dir}/${oc.env:HOME}.csv",
        names=("${oc.env:HOME}.csv", "no such file"),
    ),
    fit(
        HOSTILE,
        "--out into a folder above the working one (--out ~: would be replaced whole)",
        LOG,
        "--out",
        "{tmp}",
        names=("--out=", "one above it"),
        log_csv=GOOD,
    ),
]

_MAPPINGS = [
    mapping(
        "channels Email: phone, email: email, EMAIL: sms (case-only differences)",
        "channels: {Email: phone, email: email, EMAIL: sms}\n",
        "channels",
        "'email'",
    ),
    mapping("channels email: sms (a canonical value sent elsewhere)", "channels: {email: sms}\n"),
    mapping(
        "outcomes Replied: positive, replied: negative",
        "outcomes: {Replied: positive, replied: negative}\n",
        "outcomes",
        "'replied'",
    ),
    mapping(
        "dispositions 'No Answer' and ' no answer ' to different values",
        "dispositions: {No Answer: no_answer, ' no answer ': connected}\n",
        "dispositions",
    ),
    mapping(
        "two canonical columns mapped to one header",
        "columns: {prospect_id: Id, channel: Id}\n",
        "columns",
        "'Id'",
        "one header per column",
    ),
    mapping(
        "touched_at and outcome_at mapped to one header",
        "columns: {touched_at: When, outcome_at: When}\n",
        "columns",
        "'When'",
    ),
    mapping("an unknown canonical channel", "channels: {Fax: fax}\n", "'fax'", "channels"),
    mapping("an unknown canonical column", "columns: {person: Id}\n", "'person'", "columns"),
    mapping("a misspelt key", "colums: {prospect_id: Id}\n", "'colums'"),
    mapping("a value that is a list", "channels: {Email: [email, sms]}\n", "text to text"),
    mapping("not a mapping at all", "- email\n- phone\n", "must be a mapping"),
    mapping("not YAML", "channels: {Email: email\n", "not YAML"),
    mapping("an empty mapping file", "", "must be a mapping"),
    mapping("a name that is a number", "name: 5\n", "name=5"),
    mapping("a key that is a number", "channels: {5: email}\n", "text to text"),
    mapping(
        "outcomes Bounced: bounce, bounced: positive",
        "outcomes: {Bounced: bounce, bounced: positive}\n",
        "outcomes",
        "'bounced'",
    ),
    mapping(
        "messages BL: benefit_led, bl: resource",
        "messages: {BL: benefit_led, bl: resource}\n",
        "messages",
    ),
    mapping(
        "outcome and outcome_at mapped to one header",
        "columns: {outcome: Result, outcome_at: Result}\n",
        "columns",
        "'Result'",
    ),
    mapping(
        "the mapped prospect column is not in the log",
        "columns: {prospect_id: Contact}\n",
        "'Contact' (prospect_id) is missing",
    ),
    mapping(
        "a mapping file over 1 MiB",
        "name: big\n" + "# padding\n" * 120_000,
        "--mapping=",
        "at most 1 MiB",
    ),
    fit(
        BAD,
        "the mapping is /dev/zero",
        LOG,
        "--mapping",
        "/dev/zero",
        names=("--mapping=", "a device"),
        log_csv=GOOD,
    ),
    fit(
        BAD,
        "the mapping is a directory",
        LOG,
        "--mapping",
        "{dir}",
        names=("--mapping=", "a directory"),
        log_csv=GOOD,
    ),
]

_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)
_HOSTILE_MAPPINGS = [
    mapping("a YAML alias bomb", _BOMB, "not YAML", "alias", kind=HOSTILE),
    mapping(
        "a Python tag (would run a command)",
        "columns: !!python/object/apply:os.system ['touch {marker}']\n",
        "not YAML",
        kind=HOSTILE,
    ),
    mapping(
        "an interpolation in a value",
        "channels: {Email: '${oc.env:HOME}'}\n",
        "channels",
        kind=HOSTILE,
    ),
]

_LOGS = [
    bad_log(
        "one prospect of 10,000 touches (tried to allocate 93.9 GiB, then ran for minutes)",
        one_long_prospect(),
        "touches per prospect=10,000",
        "at most 500",
    ),
    bad_log(
        "one prospect (intervals 1e-21 to 1e+20)",
        log_text(prospects=1, replies=1),
        "prospects=1 ",
        "at least 30",
    ),
    bad_log(
        "one prospect of 501 touches (one over the bound)",
        one_long_prospect(501),
        "touches per prospect=501",
    ),
    bad_log(
        "touches dated 2150",
        log_text(day="2150-03-{d:02d}T09:00:00Z", reply_at="2150-03-{d:02d}T15:00:00Z"),
        "touched_at=2150-03-02",
    ),
    bad_log(
        "a reply a year and six hours after its touch",
        log_text(reply_at="2027-03-{d:02d}T15:00:00Z"),
        "reply delay=365.2 days",
        "at most 365",
    ),
    bad_log(
        "a duplicate row",
        HEADER + "p1,2026-03-02T09:00:00Z,email,,\np1,2026-03-02T09:00:00Z,email,,\n",
        "row 3: the same touch as row 2",
    ),
    bad_log("29 prospects", log_text(prospects=29, replies=20), "prospects=29", "at least 30"),
    bad_log("a log without outcomes", log_text(replies=0), "outcomes=0", "at least 10"),
    bad_log("nine outcomes", log_text(replies=9), "outcomes=9", "at least 10"),
    bad_log(
        "every touch bounced",
        HEADER + "p1,2026-03-02T09:00:00Z,email,bounce,2026-03-02T09:01:00Z\n",
        "every touch bounced",
    ),
    bad_log(
        "touches in the year 0001",
        log_text(day="0001-03-{d:02d}T09:00:00Z", reply_at="0001-03-{d:02d}T15:00:00Z"),
        "touched_at=0001-03-02",
        "1980 to 2099",
    ),
    bad_log(
        "outcomes in the year 9999",
        log_text(reply_at="9999-03-{d:02d}T15:00:00Z"),
        "outcome_at=9999-03-",
        "1980 to 2099",
    ),
    bad_log(
        "touches in 1970 (an epoch placeholder)",
        log_text(day="1970-01-{d:02d}T00:00:00Z", reply_at="1970-01-{d:02d}T15:00:00Z"),
        "touched_at=1970-01-02",
    ),
    bad_log(
        "replies four years after the touch",
        log_text(reply_at="2030-03-{d:02d}T15:00:00Z"),
        "reply delay=1,461.",
        "at most 365",
    ),
    bad_log("an empty log file", "", "not a CSV file"),
    bad_log("a header and no touches", HEADER, "no touches"),
    bad_log("a required column missing", "prospect_id,channel\np1,email\n", "'touched_at'"),
    bad_log(
        "a channel that is not one",
        HEADER + "p1,2026-03-02T09:00:00Z,fax,,\n",
        "row 2, column 'channel'",
    ),
    bad_log(
        "an outcome before its touch",
        HEADER + "p1,2026-03-02T09:00:00Z,email,positive,2026-03-01T09:00:00Z\n",
        "is before its touch",
    ),
]

CASES: list[Case] = [*_ARGUMENTS, *_HOSTILE_ARGUMENTS, *_MAPPINGS, *_HOSTILE_MAPPINGS, *_LOGS]

FAULTS: list[Fault] = [
    Fault(
        "SIGINT to a running fit (a KeyboardInterrupt traceback before)",
        "exit 130, one 'error: interrupted by SIGINT' line, no traceback; no model, no fit "
        "folder, no temporary file",
        "tests/test_fit_reliability.py::test_sigint_to_a_running_fit_is_one_line_exit_130",
    ),
    Fault(
        "SIGTERM to a running fit",
        "exit 143, one line; nothing written",
        "tests/test_fit_reliability.py::test_sigterm_to_a_running_fit_is_one_line_exit_143",
    ),
    Fault(
        "a full disk (ENOSPC) while the fit writes its files (a traceback before)",
        "exit 1, one 'error: the fit could not be written' line; no file, no folder and no "
        "temporary left; an earlier fit of the same name is as it was",
        "tests/test_fit_reliability.py::test_a_full_disk_leaves_nothing_and_the_earlier_fit",
    ),
    Fault(
        "an interrupt in the middle of the write",
        "the earlier fit's folder and model are put back; nothing of the new one remains",
        "tests/test_fit_reliability.py::test_an_interrupt_mid_write_puts_the_earlier_fit_back",
    ),
    Fault(
        "a FIFO as the log (would block forever)",
        "refused from its stat, never opened: exit 2, one line",
        "tests/test_fit_reliability.py::test_a_fifo_or_an_oversized_log_is_refused_unread",
    ),
    Fault(
        "a 300 MiB log (sparse: no disk used)",
        "refused from its size before reading: exit 2, one line naming the bound",
        "tests/test_fit_reliability.py::test_a_fifo_or_an_oversized_log_is_refused_unread",
    ),
    Fault(
        "--model '${oc.env:SECRET}' with SECRET set",
        "the secret's value is in no output",
        "tests/test_fit_reliability.py::test_no_argument_is_interpolated",
    ),
    Fault(
        "a fit that identifies no parameter",
        "writes no model and says so: exit 2",
        "tests/test_fit_reliability.py::test_a_fit_that_identifies_nothing_writes_no_model",
    ),
    Fault(
        "a log too large for this machine's memory",
        "refused before the fit with the memory it would need: exit 2",
        "tests/test_fit_reliability.py::test_the_memory_a_fit_needs_is_checked_first",
    ),
    Fault(
        "--paths far beyond what the log needs (a fit of more than 4 hours)",
        "refused before the fit with the hours it would take: exit 2",
        "tests/test_fit_reliability.py::test_the_time_a_fit_needs_is_checked_first",
    ),
]
