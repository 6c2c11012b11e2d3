"""Only the page's own browser tab may talk to the workshop server.

The server listens on 127.0.0.1, but any web page open in the trainer's browser can still reach
it: a foreign page can open a websocket to ``ws://127.0.0.1:PORT/websocket/`` (browsers send it
with that page's ``Origin``), and a DNS-rebinding page reaches it under its own host name (the
request's ``Host`` header names that site). :class:`SameOrigin`, a plain ASGI middleware
around Shiny's Starlette app (``app.starlette_app.add_middleware``; Shiny itself is not
patched), refuses both before Shiny sees them, and refuses the routes the page does not use:

- ``Host`` must be ``127.0.0.1:PORT`` or ``localhost:PORT``, PORT the one the request came in
  on (``scope["server"]``), given once;
- a websocket must carry an ``Origin`` of ``http://`` and such a host (browsers always send
  one), and an HTTP request that carries an ``Origin`` must carry that one;
- only ``GET`` and ``HEAD``; nothing under ``/session/``, which is Shiny's file upload and
  download endpoint (the page has neither: without this, a 50 MB file was written under the
  temporary folder with a declared size of 1 byte).

An HTTP request is answered ``403`` with one line saying why; a websocket is closed before it is
accepted (code 1008, policy violation), which uvicorn answers as an HTTP ``403``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Host names of this machine the page may be opened under.
OWN_HOSTS = ("127.0.0.1", "localhost")
#: Shiny's per-session endpoint: file uploads (POST) and downloads (GET); the page uses neither.
REFUSED_PREFIX = "/session/"
#: Methods the page uses: it only reads pages and assets; everything else goes over the socket.
METHODS = ("GET", "HEAD")
#: Websocket close code for a refused handshake (RFC 6455: policy violation).
POLICY_VIOLATION = 1008


def _shown(value: str) -> str:
    # What a refusal quotes of a header: short and printable (it is the sender's text).
    text = "".join(c if c.isprintable() else "?" for c in value)
    return text if len(text) <= 60 else text[:57] + "..."


def refusal(scope: Scope) -> str | None:
    """Why the request of ``scope`` is refused, in one line; ``None`` if it is the page's own."""
    server = scope.get("server")
    if not server or server[1] is None:
        return "forbidden: the server does not know its own address"
    own = [f"{host}:{server[1]}" for host in OWN_HOSTS]
    headers: dict[str, list[str]] = {}
    for name, value in scope.get("headers", []):
        headers.setdefault(name.decode("latin-1").lower(), []).append(value.decode("latin-1"))
    hosts = headers.get("host", [])
    if len(hosts) != 1 or hosts[0].lower() not in own:
        given = _shown(", ".join(hosts)) or "missing"
        return f"forbidden: Host={given} is not allowed: {' or '.join(own)}"
    origins = headers.get("origin", [])
    allowed = [f"http://{h}" for h in own]
    if scope["type"] == "websocket" and not origins:
        return f"forbidden: Origin=missing is not allowed: {' or '.join(allowed)}"
    if origins and (len(origins) != 1 or origins[0].lower() not in allowed):
        return (
            f"forbidden: Origin={_shown(', '.join(origins))} is not allowed: {' or '.join(allowed)}"
        )
    if str(scope.get("path", "")).startswith(REFUSED_PREFIX):
        return "forbidden: uploads and downloads are not allowed: the page has neither"
    if scope["type"] == "http" and scope.get("method") not in METHODS:
        return f"forbidden: method={_shown(str(scope.get('method')))} is not allowed: GET or HEAD"
    return None


class SameOrigin:
    """ASGI middleware: refuse what :func:`refusal` refuses, pass the rest to ``app``."""

    def __init__(self, app: ASGIApp) -> None:
        """Wrap ``app`` (Shiny's Starlette app)."""
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse a foreign or unused request; pass the page's own on."""
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        reason = refusal(scope)
        if reason is None:
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": POLICY_VIOLATION, "reason": reason})
        else:
            body = (reason + "\n").encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 403,
                    "headers": [
                        (b"content-type", b"text/plain; charset=utf-8"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
