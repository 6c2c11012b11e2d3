"""Bad inputs, hostile inputs and faults of the workshop server (``outreach-sim-workshop``).

The server is not a command a case can run in-process and watch exit: each attack and each bad
value is a test of its own, named here as a :class:`Fault`: against a real server with a raw
websocket client and raw HTTP (tests/test_workshop_security.py), in chromium through Playwright
(tests/test_workshop_page.py), or the checks alone (tests/test_workshop_checks.py). What the
server does is in docs/workshop.md ("Who may talk to it").
"""

from __future__ import annotations

from tests.reliability.kinds import Case, Fault

#: How docs/reliability.md names this entry point.
TITLE = "the workshop server"

SECURITY = "tests/test_workshop_security.py::"
PAGE = "tests/test_workshop_page.py::"
CHECKS = "tests/test_workshop_checks.py::"

CASES: list[Case] = []
FAULTS: list[Fault] = [
    # Who may talk to the server: only the page's own tab (sim/workshop/guard.py).
    Fault(
        "a websocket from another site's page (Origin http://evil.test)",
        "refused before Shiny sees it: HTTP 403 on the handshake; no session",
        SECURITY + "test_a_websocket_from_a_foreign_origin_is_refused",
    ),
    Fault(
        "a websocket from another port or scheme of this machine (http://127.0.0.1:1, "
        "https://127.0.0.1:PORT, http://[::1]:PORT)",
        "refused: HTTP 403 on the handshake",
        SECURITY + "test_a_websocket_from_another_port_or_scheme_of_this_machine_is_refused",
    ),
    Fault(
        "a websocket without an Origin, or from a sandboxed page (Origin null)",
        "refused: HTTP 403 on the handshake (browsers always send an Origin)",
        SECURITY + "test_a_websocket_without_an_origin_or_from_a_sandboxed_page_is_refused",
    ),
    Fault(
        "DNS rebinding: a websocket under a foreign host name that resolves to 127.0.0.1",
        "refused: HTTP 403 on the handshake (Host is not 127.0.0.1:PORT or localhost:PORT)",
        SECURITY + "test_a_websocket_under_a_rebound_host_name_is_refused",
    ),
    Fault(
        "DNS rebinding: a page request under a foreign Host (evil.test:PORT, 127.0.0.1 "
        "without the port, 127.0.0.1.nip.io:PORT)",
        "403 with one line: forbidden: Host=... is not allowed: 127.0.0.1:PORT or localhost:PORT",
        SECURITY + "test_http_under_a_rebound_host_name_is_refused",
    ),
    Fault(
        "a request from a foreign Origin; a POST to the page",
        "403 with one line naming the Origin or the method",
        SECURITY + "test_http_from_a_foreign_origin_is_refused",
    ),
    Fault(
        "missing or doubled Host headers, an https Origin, the upload route: each request shape",
        "refused with one line starting forbidden: and naming the header, method or route",
        CHECKS + "test_a_foreign_or_unused_request_is_refused_in_one_line",
    ),
    Fault(
        "a foreign page open in the browser (chromium, another origin on this machine) opens "
        "the socket and posts 1 MB to the upload route",
        "the socket is refused; nothing is written under the server's temporary folder",
        PAGE + "test_a_foreign_page_in_the_browser_cannot_open_the_socket_or_upload",
    ),
    Fault(
        "the page opened in the browser under a rebound host name (evil.test -> 127.0.0.1)",
        "403 and one line; no page, no controls",
        PAGE + "test_the_page_under_a_rebound_host_name_is_refused",
    ),
    # No file upload: the page has no file input.
    Fault(
        "a 1 MB POST to Shiny's upload route declaring 1 byte (issue 27: 50 MB were written)",
        "403 before the body is read; no file under the server's temporary folder",
        SECURITY + "test_the_upload_endpoint_is_refused_and_nothing_is_written",
    ),
    Fault(
        "Shiny's upload handshake (uploadInit) sent over the page's own socket",
        "answered 'Unknown method: uploadInit'; no upload folder, no upload URL",
        SECURITY + "test_the_upload_messages_are_not_served",
    ),
    # Every value checked on the server (sim/workshop/inputs.py).
    Fault(
        "values out of range over the socket: 1000000000 of the 10 touches in the first day, "
        "-5, 0, 11",
        "one plain sentence on the page naming the control, its range and the value; no "
        "answer, no run; the same session answers once the value is in range",
        SECURITY + "test_a_value_out_of_range_over_the_socket_gives_one_sentence_and_no_answer",
    ),
    Fault(
        'values of the wrong kind over the socket: "x", "4", 4.5, a list, an object, null, true',
        "one plain sentence (never 'invalid literal for int()'); no answer, no run",
        SECURITY
        + "test_a_value_of_the_wrong_kind_over_the_socket_gives_one_sentence_and_no_answer",
    ),
    Fault(
        "a study that is not on the page (an expression as its name)",
        "one plain sentence: there is no such study; nothing runs, no controls drawn",
        SECURITY + "test_a_study_not_on_the_page_over_the_socket_gives_one_sentence",
    ),
    Fault(
        "NaN, infinity and a 400-digit number for a slider (JSON as Python reads it)",
        "refused in one sentence of under 200 characters (long values shortened)",
        CHECKS + "test_a_slider_value_out_of_range_or_of_the_wrong_kind_is_refused",
    ),
    Fault(
        'a choice outside its values ("extreme", 3, null, "LOW")',
        "one sentence listing the values the choice has",
        CHECKS + "test_a_choice_outside_its_values_is_refused",
    ),
    Fault(
        'a switch or the "across plausible worlds" switch set to "yes", 1, 0, null, "false"',
        "one sentence: must be on or off",
        CHECKS + "test_a_switch_that_is_not_on_or_off_is_refused",
    ),
    Fault(
        "a value for a control of another study; an unknown study through the Python API",
        "one sentence naming the control or the study",
        CHECKS + "test_a_study_not_on_the_page_or_a_control_not_of_the_study_is_refused",
    ),
    Fault(
        "a refused value, or a number of plausible worlds the page does not offer",
        "checked before the simulation: no run starts",
        CHECKS + "test_a_refused_value_runs_nothing",
    ),
    Fault(
        "values set past a slider from the page itself (Shiny.setInputValue in chromium)",
        "the sentence in place of the answer; the answer returns with an in-range value",
        PAGE + "test_a_value_out_of_range_sent_from_the_page_gives_one_sentence",
    ),
    Fault(
        "an unexpected Python error inside an answer ('invalid literal for int()')",
        "the page shows one plain sentence; Python's message and type never reach it",
        SECURITY + "test_a_raw_python_error_never_reaches_the_page",
    ),
    # The socket itself.
    Fault(
        "a 1 MiB websocket message (the page's own are a few kilobytes)",
        "that socket is closed (1009, message too big); the server answers the next client",
        SECURITY + "test_an_oversized_message_closes_only_its_own_socket",
    ),
    Fault(
        "a message that is not JSON; a 5,000-digit number (past Python's int limit)",
        "that session ends; the server answers the next client",
        SECURITY + "test_a_malformed_message_ends_only_its_own_session",
    ),
    # The command line.
    Fault(
        "--port abc, --port 80, --port 99999, --port -1; --host 0.0.0.0 (no way to serve beyond "
        "this machine)",
        "one line, exit 2, no usage block, nothing served",
        SECURITY + "test_a_bad_command_line_is_one_line_and_exit_2",
    ),
    Fault(
        "a port already in use",
        "one line naming the port and how to pick another, exit 2",
        "tests/test_pages.py::test_workshop_command_refuses_a_bad_or_busy_port",
    ),
]
