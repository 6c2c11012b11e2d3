"""The HTML templates (sim.report.pages): autoescaped, notes' markdown rendered, raw HTML kept as
text."""

import pandas as pd
import pytest

from sim.report import pages
from sim.report.comparison import render


def test_markdown_is_rendered_and_raw_html_stays_text() -> None:
    out = str(pages.markdown_html("Run `outreach-sim` *now* <script>alert(1)</script>"))
    assert "<code>outreach-sim</code>" in out and "<em>now</em>" in out
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "`" not in out


def test_templates_escape_every_value_unless_marked_trusted() -> None:
    summary = pd.DataFrame(
        [
            {
                "arm": "<b>arm</b>",
                "metric": "response_rate",
                "mean": 0.1,
                "ci_low": 0.05,
                "ci_high": 0.15,
                "diff_vs_baseline": float("nan"),
                "diff_ci_low": float("nan"),
                "diff_ci_high": float("nan"),
                "p_value": float("nan"),
            }
        ]
    )
    page = render(
        title="<i>t</i>",
        facts={"<u>k</u>": "<img src=x onerror=alert(1)>"},
        summary=summary,
        labels={"<b>arm</b>": "<script>x</script>"},
        baseline="<b>arm</b>",
        figures={"a.png": b"\x89PNG"},
    )
    for raw in ("<i>t</i>", "<u>k</u>", "<img src=x", "<b>arm</b>", "<script>x"):
        assert raw not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page
    assert "<small>(0.05 to 0.15)</small>" in page  # the numbers' own markup is kept
    assert 'src="data:image/png;base64,iVBORw=="' in page


def test_workshop_command_refuses_a_bad_or_busy_port(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    from sim.workshop import main

    assert main(["--port", "80", "--no-browser"]) == 2
    assert capsys.readouterr().err.strip() == "error: port=80 is not allowed: 1024 to 65535"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert main(["--port", str(port), "--no-browser"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: port={port} is in use") and "\n" not in err
