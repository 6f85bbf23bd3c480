"""What a client put on the wire: an httpx transport that keeps every request's body, then hands the
request to the sandbox unchanged.

``Sandbox.requests`` records method, path and status but not bodies; tests that must see the JSON a
write or a query carried wrap the sandbox's in-process transport in ``WireLog``::

    log = WireLog(sb.transport())
    client = AutotaskClient(sb.credentials, ClientConfig(transport=log))
    ...
    log.bodies("PATCH", "/Tickets")      # the parsed JSON of each PATCH to .../Tickets

Bodies are parsed exactly as sent: a fractional number becomes a ``Decimal`` holding the digits
on the wire (``1.5`` reads ``Decimal("1.5")``, never a rounded float), and ``NaN``/``Infinity``
(which Python's json writes but JSON has not) fail the test.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx


def _no_constant(name: str) -> Any:
    raise AssertionError(f"the client sent {name}, which is not JSON")


@dataclass(frozen=True)
class SentRequest:
    method: str
    path: str
    raw: bytes

    @property
    def body(self) -> Any:
        return (
            json.loads(self.raw, parse_float=Decimal, parse_constant=_no_constant)
            if self.raw
            else None
        )


class WireLog(httpx.BaseTransport):
    """Records each request (method, path, raw body) and passes it to ``inner``."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.sent: list[SentRequest] = []
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        raw = request.read()
        with self._lock:
            self.sent.append(SentRequest(request.method, request.url.path, raw))
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()

    def bodies(self, method: str, path_end: str) -> list[Any]:
        """The parsed bodies of the requests with this method whose path ends with ``path_end``
        (compared without case, as the API reads paths)."""
        end = path_end.lower()
        with self._lock:
            sent = list(self.sent)
        return [s.body for s in sent if s.method == method and s.path.lower().endswith(end)]

    def clear(self) -> None:
        with self._lock:
            self.sent.clear()
