"""Reading a team's touch log: a good log is read in order; each kind of bad log is refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.run.touchlog import OUTCOMES, LogError, LogMapping, read_touch_log

HEADER = "prospect_id,touched_at,channel,message,outcome,outcome_at\n"
GOOD = (
    HEADER
    + "p2,2026-03-03T09:00:00Z,email,benefit_led,,\n"
    + "p1,2026-03-02T09:00:00Z,phone,,positive,2026-03-02T09:05:00Z\n"
    + "p2,2026-03-02T10:00:00Z,email,self_focused,opt_out,2026-03-04T08:00:00Z\n"
)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "log.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_log_is_read_by_prospect_and_time_in_days(tmp_path: Path) -> None:
    log = read_touch_log(_write(tmp_path, GOOD))
    assert log.prospect_ids == ("p1", "p2")
    assert log.prospect.tolist() == [0, 1, 1]
    assert log.time == pytest.approx([0.0, 1 / 24, 1.0])
    assert log.channel.tolist() == [0, 1, 1]
    assert log.message.tolist() == [-1, 0, 1]
    assert [OUTCOMES[o] if o >= 0 else "" for o in log.outcome] == ["positive", "opt_out", ""]
    assert log.outcome_time[0] == pytest.approx(5 / 1440)
    assert np.isnan(log.outcome_time[2])


def test_a_mapping_renames_a_platforms_columns_and_values(tmp_path: Path) -> None:
    text = (
        "Prospect,Sent,Type,Result,Result At\n"
        "A,2026-01-05T10:00Z,Auto Email,Interested,2026-01-06T10:00Z\n"
    )
    mapping = LogMapping(
        name="platform",
        columns={
            "prospect_id": "Prospect",
            "touched_at": "Sent",
            "channel": "Type",
            "outcome": "Result",
            "outcome_at": "Result At",
        },
        channels={"Auto Email": "email"},
        outcomes={"Interested": "positive"},
    )
    log = read_touch_log(_write(tmp_path, text), mapping)
    assert log.channel.tolist() == [1] and log.outcome.tolist() == [0]


BAD = {
    "missing column": (
        "prospect_id,channel\np1,email\n",
        "column 'touched_at' (touched_at) is missing",
    ),
    "bad timestamp": (
        HEADER + "p1,yesterday,email,,,\n",
        "row 2, column 'touched_at': 'yesterday' is not a timestamp",
    ),
    "unknown channel": (
        HEADER + "p1,2026-03-02T09:00Z,fax,,,\n",
        "row 2, column 'channel': 'fax' is not a channel",
    ),
    "unknown outcome": (
        HEADER + "p1,2026-03-02T09:00Z,email,,maybe,2026-03-02T10:00Z\n",
        "row 2, column 'outcome': 'maybe' is not an outcome",
    ),
    "unknown message": (
        HEADER + "p1,2026-03-02T09:00Z,email,hello,,\n",
        "row 2, column 'message': 'hello' is not a message kind",
    ),
    "outcome before touch": (
        HEADER + "p1,2026-03-02T09:00Z,email,,positive,2026-03-01T09:00Z\n",
        "row 2, column 'outcome_at': '2026-03-01T09:00Z' is before its touch",
    ),
    "outcome without time": (
        HEADER + "p1,2026-03-02T09:00Z,email,,positive,\n",
        "row 2, column 'outcome_at': empty: an outcome needs the time",
    ),
    "time without outcome": (
        HEADER + "p1,2026-03-02T09:00Z,email,,,2026-03-02T10:00Z\n",
        "row 2, column 'outcome': empty, but the row has an outcome time",
    ),
    "duplicate rows": (
        HEADER + "p1,2026-03-02T09:00Z,email,,,\np1,2026-03-02T09:00Z,email,,,\n",
        "row 3: the same touch as row 2",
    ),
    "empty prospect": (
        HEADER + " ,2026-03-02T09:00Z,email,,,\n",
        "row 2, column 'prospect_id': empty",
    ),
    "no touches": (HEADER, "the log has a header but no touches"),
    "empty file": ("", "not a CSV file"),
}


@pytest.mark.parametrize(("text", "expected"), BAD.values(), ids=BAD.keys())
def test_each_bad_log_is_refused_with_a_line_naming_row_and_column(
    tmp_path: Path, text: str, expected: str
) -> None:
    with pytest.raises(LogError) as err:
        read_touch_log(_write(tmp_path, text))
    lines = str(err.value).splitlines()
    assert any(expected in line for line in lines), lines
    assert all(line.startswith(str(tmp_path / "log.csv") + ": ") for line in lines)


def test_a_log_that_is_not_utf8_or_missing_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_bytes(HEADER.encode() + "p\xe9,2026-03-02T09:00Z,email,,,\n".encode("latin-1"))
    with pytest.raises(LogError, match="not UTF-8"):
        read_touch_log(path)
    with pytest.raises(LogError, match="no such file"):
        read_touch_log(tmp_path / "absent.csv")


def test_many_problems_are_listed_up_to_a_limit_then_counted(tmp_path: Path) -> None:
    rows = "".join(f"p{i},2026-03-02T09:00:00Z,fax,,,\n" for i in range(30))
    with pytest.raises(LogError) as err:
        read_touch_log(_write(tmp_path, HEADER + rows))
    lines = str(err.value).splitlines()
    assert len(lines) == 21 and lines[-1].endswith("... and 10 more problems")


def test_a_mapping_to_a_value_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    mapping = LogMapping(name="bad", channels={"Fax": "fax"}, columns={"who": "Prospect"})
    with pytest.raises(LogError) as err:
        read_touch_log(_write(tmp_path, GOOD), mapping)
    text = str(err.value)
    assert "'Fax' -> 'fax' is not allowed" in text and "'who' is not a log column" in text
