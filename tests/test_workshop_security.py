"""The workshop server talks only to its own page, takes no files and checks every value it gets.

Against one real server (``python -m sim.workshop``, started once for the module), with a raw
websocket client (the ``websockets`` package) and raw HTTP, as a foreign page, a DNS-rebinding
page or a hand-written client would send them; then the command line's errors, and an
unexpected failure inside an answer (the app in this process). The browser side (Playwright and
chromium) is in ``tests/test_workshop_page.py``; the checks without a server in
``tests/test_workshop_checks.py``.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from tests.test_workshop_checks import FIRST_DAY, RAW
from tests.workshop_server import free_port, serve

# --- against the running server ---------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    """One server for the module: its port and its temporary folder (``TMPDIR``)."""
    tmp = tmp_path_factory.mktemp("workshop_tmp")
    with serve(tmp) as url:
        yield int(url.rstrip("/").rsplit(":", 1)[1]), tmp


def _open(port: int, origin: str | None, host: str | None = None) -> ClientConnection:
    """A websocket to the server; ``host``: the name a DNS-rebinding page reaches it under."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    name = host or f"127.0.0.1:{port}"
    return connect(
        f"ws://{name}/websocket/",
        sock=sock,
        origin=origin,  # type: ignore[arg-type]
        open_timeout=10,
        max_size=None,
    )


def _own(port: int) -> ClientConnection:
    return _open(port, f"http://127.0.0.1:{port}")


def _inputs(**values: object) -> dict[str, object]:
    """stalker_mode's inputs as the page sends them on start, with ``values`` replaced."""
    data: dict[str, object] = {
        "study": "stalker_mode",
        "worlds": False,
        "stalker_mode__period": "day",
        "stalker_mode__first_day": 4,
        "stalker_mode__emails": 50,
        ".clientdata_output_result_hidden": False,
    }
    data.update(values)
    return data


def _result(ws: ClientConnection) -> str:
    """The next HTML the server sends for the page's answer (``result``)."""
    while True:
        message = json.loads(ws.recv(timeout=60))
        result = message.get("values", {}).get("result")
        if result is not None:
            return str(result["html"])
        assert not message.get("errors"), message


def _refused_handshake(port: int, origin: str | None, host: str | None = None) -> None:
    with pytest.raises(InvalidStatus) as refused:
        _open(port, origin, host)
    assert refused.value.response.status_code == 403


def test_a_websocket_from_a_foreign_origin_is_refused(server: tuple[int, Path]) -> None:
    """A page of another site, open in the trainer's browser, cannot drive the server."""
    _refused_handshake(server[0], "http://evil.test")


def test_a_websocket_from_another_port_or_scheme_of_this_machine_is_refused(
    server: tuple[int, Path],
) -> None:
    port, _ = server
    for origin in ("http://127.0.0.1:1", f"https://127.0.0.1:{port}", f"http://[::1]:{port}"):
        _refused_handshake(port, origin)


def test_a_websocket_without_an_origin_or_from_a_sandboxed_page_is_refused(
    server: tuple[int, Path],
) -> None:
    """Browsers always send an Origin; a sandboxed iframe or a data: page sends "null"."""
    for origin in (None, "null"):
        _refused_handshake(server[0], origin)


def test_a_websocket_under_a_rebound_host_name_is_refused(server: tuple[int, Path]) -> None:
    """DNS rebinding: evil.test resolves to 127.0.0.1; its page is its own origin."""
    port, _ = server
    _refused_handshake(port, f"http://evil.test:{port}", host=f"evil.test:{port}")


def _http(port: int, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> Any:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    for name, value in headers.items():
        conn.putheader(name, value)
    conn.endheaders(body or None)
    response = conn.getresponse()
    text = response.read().decode()
    conn.close()
    return response.status, text


def test_http_under_a_rebound_host_name_is_refused(server: tuple[int, Path]) -> None:
    port, _ = server
    own = f"127.0.0.1:{port}"
    assert _http(port, "GET", "/", {"Host": own})[0] == 200
    assert _http(port, "GET", "/", {"Host": f"localhost:{port}"})[0] == 200
    for host in (f"evil.test:{port}", "127.0.0.1", f"127.0.0.1.nip.io:{port}"):
        status, text = _http(port, "GET", "/", {"Host": host})
        assert status == 403 and text == f"forbidden: Host={host} is not allowed: {own} or " + (
            f"localhost:{port}\n"
        )


def test_http_from_a_foreign_origin_is_refused(server: tuple[int, Path]) -> None:
    port, _ = server
    own = f"127.0.0.1:{port}"
    status, text = _http(port, "GET", "/", {"Host": own, "Origin": "http://evil.test"})
    assert status == 403 and text.startswith("forbidden: Origin=http://evil.test")
    status, text = _http(port, "POST", "/", {"Host": own, "Content-Length": "0"})
    assert status == 403 and text.startswith("forbidden: method=POST")


def test_a_same_origin_websocket_gets_an_answer(server: tuple[int, Path]) -> None:
    port, _ = server
    for origin in (f"http://127.0.0.1:{port}", f"http://localhost:{port}"):
        with _open(port, origin) as ws:
            ws.send(json.dumps({"method": "init", "data": _inputs()}))
            html = _result(ws)
        assert 'id="answer-text"' in html and "4 of the 10 touches in the first day" in html


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def test_the_upload_messages_are_not_served(server: tuple[int, Path]) -> None:
    """Shiny's upload handshake over the socket: unknown, so no upload folder or URL."""
    port, tmp = server
    with _own(port) as ws:
        ws.send(json.dumps({"method": "init", "data": _inputs()}))
        upload = [[{"name": "big.bin", "size": 1, "type": "application/octet-stream"}]]
        ws.send(json.dumps({"method": "uploadInit", "args": upload, "tag": 7}))
        while "response" not in (reply := json.loads(ws.recv(timeout=60))):
            pass
        assert reply["response"] == {"tag": 7, "error": "Unknown method: uploadInit"}
        # Shiny makes one empty upload folder per session; a served uploadInit adds one in it.
        assert _files(tmp) == []
        assert [p for base in tmp.glob("fileupload-*") for p in base.iterdir()] == []


def test_the_upload_endpoint_is_refused_and_nothing_is_written(server: tuple[int, Path]) -> None:
    """Issue 27: a 50 MB file was written under the temporary folder (declared size 1 byte)."""
    port, tmp = server
    with _own(port) as ws:
        ws.send(json.dumps({"method": "init", "data": _inputs()}))
        session = json.loads(ws.recv(timeout=30))["config"]["sessionId"]
        body = b"x" * (1 << 20)
        status, text = _http(
            port,
            "POST",
            f"/session/{session}/upload/1?w=",
            {"Host": f"127.0.0.1:{port}", "Content-Length": "1"},
            body,
        )
        assert status == 403 and "uploads and downloads are not allowed" in text
        assert _files(tmp) == []


def _refused_then_answered(port: int, value: object) -> None:
    with _own(port) as ws:
        ws.send(json.dumps({"method": "init", "data": _inputs(stalker_mode__first_day=value)}))
        html = _result(ws)
        assert 'id="refused-text"' in html and FIRST_DAY in html
        assert "answer-text" not in html and "<table" not in html
        assert not any(raw in html for raw in RAW)
        # The same session answers again once the value is one the control can show.
        ws.send(json.dumps({"method": "update", "data": {"stalker_mode__first_day": 4}}))
        assert 'id="answer-text"' in _result(ws)


@pytest.mark.parametrize("value", [1_000_000_000, -5, 0, 11], ids=repr)
def test_a_value_out_of_range_over_the_socket_gives_one_sentence_and_no_answer(
    server: tuple[int, Path], value: object
) -> None:
    """Issue 27: "1000000000 of the 10 touches in the first day" ran; -5 was accepted."""
    _refused_then_answered(server[0], value)


@pytest.mark.parametrize("value", ["x", "4", 4.5, [1, 2], {"a": 1}, None, True], ids=repr)
def test_a_value_of_the_wrong_kind_over_the_socket_gives_one_sentence_and_no_answer(
    server: tuple[int, Path], value: object
) -> None:
    """Issue 27: "invalid literal for int()" reached the page."""
    _refused_then_answered(server[0], value)


def test_a_study_not_on_the_page_over_the_socket_gives_one_sentence(
    server: tuple[int, Path],
) -> None:
    port, _ = server
    with _own(port) as ws:
        ws.send(json.dumps({"method": "init", "data": _inputs(study="__import__('os')")}))
        html = _result(ws)
    assert 'id="refused-text"' in html and "There is no study" in html
    assert not any(raw in html for raw in RAW)


def _still_answers(port: int) -> None:
    with _own(port) as ws:
        ws.send(json.dumps({"method": "init", "data": _inputs()}))
        assert 'id="answer-text"' in _result(ws)


def test_an_oversized_message_closes_only_its_own_socket(server: tuple[int, Path]) -> None:
    port, _ = server
    with _own(port) as ws, pytest.raises(ConnectionClosed) as closed:
        ws.send("x" * (1 << 20))  # 1 MiB; the page's own messages are a few kilobytes
        ws.recv(timeout=30)
        ws.recv(timeout=30)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
    _still_answers(port)


def test_a_malformed_message_ends_only_its_own_session(server: tuple[int, Path]) -> None:
    port, _ = server
    for bad in ("{not json", '{"method": "init", "data": {"study": 1' + "0" * 5000 + "}}"):
        with _own(port) as ws, pytest.raises(ConnectionClosed):
            ws.send(bad)
            for _ in range(5):
                ws.recv(timeout=30)
    _still_answers(port)


# --- the command line ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--port", "abc"], "error: argument --port: invalid int value: 'abc'"),
        (["--port", "80"], "error: port=80 is not allowed: 1024 to 65535"),
        (["--port", "99999"], "error: port=99999 is not allowed: 1024 to 65535"),
        (["--port", "-1"], "error: port=-1 is not allowed: 1024 to 65535"),
        (["--host", "0.0.0.0"], "error: unrecognized arguments: --host 0.0.0.0"),
    ],
)
def test_a_bad_command_line_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], args: list[str], says: str
) -> None:
    """No way to serve beyond this machine (no --host), and no usage block before the error."""
    from sim.workshop import main

    try:
        code = main(args)
    except SystemExit as exc:
        code = exc.code  # type: ignore[assignment]
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.startswith(says) and err.count("\n") == 1


# --- an unexpected failure ----------------------------------------------------------------------


@contextlib.contextmanager
def _in_process() -> Iterator[int]:
    """The page's app served by uvicorn in a thread of this process (so a test can patch it)."""
    import threading

    import uvicorn

    from sim.workshop.page import make_app

    port = free_port()
    config = uvicorn.Config(make_app(), host="127.0.0.1", port=port, log_level="critical")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_a_raw_python_error_never_reaches_the_page(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever fails inside an answer, the page shows one plain sentence, not Python's words."""
    import sim.workshop.page as page

    def broken(*args: object) -> None:
        raise ValueError("invalid literal for int() with base 10: 'x'")

    monkeypatch.setattr(page, "answer_for", broken)
    with _in_process() as port, _own(port) as ws:
        ws.send(json.dumps({"method": "init", "data": _inputs()}))
        while not (message := json.loads(ws.recv(timeout=60))).get("errors"):
            pass
    shown = json.dumps(message["errors"])
    assert message["errors"]["result"]["message"] == page.FAILED
    assert not any(raw in shown for raw in ("invalid literal", "ValueError", "Traceback"))
