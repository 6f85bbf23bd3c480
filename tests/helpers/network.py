"""Loopback networking for tests: a port nothing listens on, and a server of the test's own.

``LoopbackServer`` stands in for the live API where the sandbox cannot: it answers each request
with what the test's ``answer`` function returns, over real HTTP on 127.0.0.1, and records what
it was sent. It is a server, not a mock of our code: the client under test runs unchanged.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


def closed_port() -> int:
    """A loopback port with nothing listening on it (bound once, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def silent_listener() -> Iterator[str]:
    """An API root whose port accepts no connection in time: its listen backlog is full, so a
    connect hangs until the client's connect timeout (nothing is ever sent)."""
    server = socket.socket()
    fillers: list[socket.socket] = []
    try:
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        port = server.getsockname()[1]
        for _ in range(3):  # more than the backlog holds: later connects get no answer
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
            fillers.append(filler)
        yield f"http://127.0.0.1:{port}/ATServicesRest/"
    finally:
        for filler in fillers:
            filler.close()
        server.close()


@dataclass
class Answer:
    """What the server sends back: a status, a JSON body (or text/bytes as given), headers."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> tuple[bytes, str]:
        if isinstance(self.body, bytes):
            return self.body, "application/octet-stream"
        if isinstance(self.body, str):
            return self.body.encode(), "text/html; charset=utf-8"
        return json.dumps(self.body).encode(), "application/json; charset=utf-8"


@dataclass(frozen=True)
class Received:
    method: str
    path: str  # with the query string
    body: bytes


class LoopbackServer:
    """``with LoopbackServer(answer) as server:`` then ``server.url`` (ends ``/ATServicesRest/``).

    ``answer(method, path)`` returns the ``Answer`` for a request (``path`` with its query
    string); ``server.received`` lists what came in.
    """

    def __init__(self, answer: Callable[[str, str], Answer]) -> None:
        self.answer = answer
        self.received: list[Received] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                owner.received.append(Received(self.command, self.path, body))
                reply = owner.answer(self.command, self.path)
                content, content_type = reply.encoded()
                self.send_response(reply.status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(content)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet: the test reads ``received``

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/ATServicesRest/"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
