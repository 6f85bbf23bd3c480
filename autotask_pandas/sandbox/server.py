"""``Sandbox``: the emulator served over loopback HTTP in a background thread, or in process.

    with Sandbox(scale=1, seed=0) as sb:
        client = AutotaskClient(sb.credentials)                        # over loopback HTTP
        client = AutotaskClient(sb.credentials, ClientConfig(transport=sb.transport()))

The HTTP side is werkzeug's threaded WSGI server (one thread per connection, so the thread-limit
emulation sees real concurrency); ``sb.transport()`` skips the sockets for fast tests, like httpx's
own ``MockTransport`` but backed by the whole emulator.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self, cast

import httpx
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from ..catalog import load_catalog
from . import demo, tenant
from .app import ConnectionDropped, RequestRecord, SandboxApp, SandboxSettings
from .faults import FaultPlan, FaultRule, as_fault_plan
from .store import Store

__all__ = ["Sandbox", "SandboxCredentials", "SandboxTransport", "build_store"]


@dataclass(frozen=True)
class SandboxCredentials:
    """A sandbox's throwaway API user and URL, in the attribute names of ``AuthCredentials``.

    The secret is a demo value, yet kept out of the repr all the same: code that prints
    credentials should not learn the habit here.
    """

    username: str
    integration_code: str
    secret: str = field(repr=False)
    api_url: str


class _QuietHandler(WSGIRequestHandler):
    """No access log on stderr: the sandbox keeps its own request log (``Sandbox.requests``)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass

    def log(self, type: str, message: str, *args: Any) -> None:
        if type == "error":
            super().log(type, message, *args)


class SandboxTransport(httpx.WSGITransport):
    """In-process transport to the emulator; injected resets surface as network errors."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return super().handle_request(request)
        except ConnectionDropped:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            ) from None


def build_store(scale: float = 1, seed: int = 0, db_path: str | Path | None = None) -> Store:
    """A store holding the demo tenant; a file store is built once and reused on restart."""
    store = Store(load_catalog(), str(db_path) if db_path else None)
    built = store.get_meta("demo")
    if built is None:
        for entity, rows in demo.generate(scale=scale, seed=seed):
            store.load(entity, rows)
        store.create_indexes()
        store.set_meta("demo", f"scale={scale} seed={seed}")
    return store


class Sandbox:
    """A faithful Autotask REST v1.0 emulator with realistic demo data, for tests and demos."""

    def __init__(
        self,
        scale: float = 1,
        seed: int = 0,
        latency: float = 0.0,
        thread_limit: int = 3,
        hourly_limit: int = 10_000,
        faults: str | FaultPlan | FaultRule | Sequence[FaultRule] | None = None,
        db_path: str | Path | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        settings: SandboxSettings | None = None,
    ) -> None:
        self.scale = scale
        self.seed = seed
        self.host = host
        self.port = port
        self.db_path = db_path
        self.settings = settings or SandboxSettings(
            latency=latency, thread_limit=thread_limit, hourly_limit=hourly_limit
        )
        self.faults = as_fault_plan(faults, seed)
        self.app: SandboxApp | None = None
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> Self:
        if self.app is None:
            store = build_store(self.scale, self.seed, self.db_path)
            self.app = SandboxApp(store, self.settings, self.faults)
        if self._server is None:
            self._server = make_server(
                self.host, self.port, self.app, threaded=True, request_handler=_QuietHandler
            )
            self._thread = threading.Thread(
                target=self._server.serve_forever, name="autotask-sandbox", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def serve_forever(self) -> None:
        """Block serving (the CLI's ``autotask sandbox serve``) until interrupted."""
        self.start()
        try:
            while self._thread is not None and self._thread.is_alive():
                time.sleep(0.5)
        finally:
            self.stop()

    # -- what clients need ----------------------------------------------------------------

    @property
    def _app(self) -> SandboxApp:
        if self.app is None:
            raise RuntimeError("the sandbox is not started: use `with Sandbox() as sb:` or sb.start()")
        return self.app

    @property
    def url(self) -> str:
        """The zone URL (what ZoneInformation answers), ending ``/ATServicesRest/``."""
        if self._server is None:
            raise RuntimeError("the sandbox is not serving: use `with Sandbox() as sb:` or sb.start()")
        # a TCP (AF_INET/AF_INET6) server: the address is a (host, port, ...) tuple
        host, port = cast("tuple[Any, ...]", self._server.server_address)[:2]
        return f"http://{host}:{port}/ATServicesRest/"

    @property
    def zone_lookup_url(self) -> str:
        """The base URL to give ``ClientConfig(zone_lookup_url=...)``: the client asks
        ``{zone_lookup_url}V1.0/ZoneInformation?user=`` there, and this sandbox answers with
        ``url`` (the zone). The same server, so the same value as ``url``."""
        return self.url

    @property
    def username(self) -> str:
        return tenant.DEMO_API_USER.username

    @property
    def integration_code(self) -> str:
        return tenant.DEMO_API_USER.integration_code

    @property
    def secret(self) -> str:
        return tenant.DEMO_API_USER.secret

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request served so far, in order (method, path, status, injected fault)."""
        return self._app.requests

    def transport(self) -> SandboxTransport:
        """An httpx transport that calls the emulator in process (no sockets)."""
        return SandboxTransport(app=self._app)

    @property
    def credentials(self) -> SandboxCredentials:
        """This sandbox's throwaway API user and its URL: ``AutotaskClient(sb.credentials)``.

        A value of the sandbox's own (it imports nothing of the client); the client reads its
        ``username``, ``integration_code``, ``secret`` and ``api_url``.
        """
        return SandboxCredentials(self.username, self.integration_code, self.secret, self.url)

    def __repr__(self) -> str:
        state = f"serving at {self.url}" if self._server else "stopped"
        return f"<Sandbox scale={self.scale} seed={self.seed} {state}>"
