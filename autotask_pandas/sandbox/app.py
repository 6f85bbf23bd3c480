"""The sandbox as a WSGI application: auth, limits, faults, routing, and the live API's bodies.

Order of work for a request, as the live API appears to do it: route (404/405 first), then the
three auth headers, then injected faults, then the hourly budget (latency tiers, 429), then a
thread slot per (integration code, endpoint) for the duration of the work. ``latency`` is the
zone's response time by default: the answer (encoded inside the slot) is held until ``latency``
after the request arrived, the work included (``limits.ZoneLatency``; ``latency_mode="added"``
sleeps the whole latency before the work instead, the old meaning).

Status lines carry the standard reason phrases (``401 Unauthorized``, ``405 Method Not Allowed``,
``500 Internal Server Error``), as IIS/ASP.NET sends them (FACTS §9), not the web framework's
upper-case defaults: some clients written against the live API recognise errors by the phrase.
"""

from __future__ import annotations

import email.utils
import http
import math
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from werkzeug.wrappers import Request, Response

from ..catalog import Catalog, load_catalog
from . import tenant
from .errors import ApiError, RouteError
from .faults import FaultPlan, FaultRule
from .handlers import Call, Handlers, encode_json
from .jsontext import read_json
from .limits import (
    AttachmentVolume,
    LatencyMode,
    LimitError,
    RequestBudget,
    ThreadLimiter,
    ThreadLimitExceeded,
    ZoneLatency,
)
from .metadata import MetadataBuilder
from .routes import resolve
from .store import Store
from .writes import WriteContext, Writer

__all__ = ["ConnectionDropped", "RequestRecord", "SandboxApp", "SandboxSettings", "status_line"]

PREFIX = "/atservicesrest"
JSON = "application/json; charset=utf-8"
# The largest body read: IIS's default request limit (maxAllowedContentLength, 30,000,000
# bytes), refused with 413 before it is read; an attachment's ~6-7 MB file (FACTS §9) is ~9 MB
# as base64 JSON, well within.
MAX_BODY_BYTES = 30_000_000
HTML = "text/html; charset=utf-8"
# The page IIS itself answers when the application behind it fails: HTML, not the API's JSON.
IIS_ERROR_PAGE = (
    "<!DOCTYPE html><html><head><title>500 - Internal server error.</title></head><body>"
    "<h2>500 - Internal server error.</h2><h3>There is a problem with the resource you are looking"
    " for, and it cannot be displayed.</h3><!-- sandbox fault injection --></body></html>"
)


def status_line(status: int) -> str:
    """``"401 Unauthorized"``: the code and its standard reason phrase (RFC 9110, as IIS has it)."""
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = "Unknown"
    return f"{status} {phrase}"
UNAUTHENTICATED = {"version_information", "zone_information"}
UNLIMITED = {"zone_information", "version_information"}  # ZoneInformation is thread-exempt


class ConnectionDropped(ConnectionResetError):
    """Raised to end a request without an answer (an injected connection reset).

    Being a ConnectionError, the HTTP server treats it as a dropped client and stays quiet; the
    in-process transport turns it into the network error a client would see.
    """

    def __init__(self, fault: str) -> None:
        super().__init__(f"sandbox fault injection ({fault}) dropped the connection")
        self.fault = fault


@dataclass(frozen=True)
class SandboxSettings:
    """Every knob of the emulator; the defaults are the live API's numbers."""

    latency: float = 0.0  # the zone's response time in seconds, to play a remote zone
    # "response-time": the sandbox's own work is done inside the latency; "added": slept before
    # the work, which then adds its own time (the old meaning; limits.ZoneLatency).
    latency_mode: LatencyMode = "response-time"
    thread_limit: int = 3
    thread_limit_status: int = 429  # UNCONFIRMED live status (FACTS §10)
    hourly_limit: int = 10_000
    threshold_timeframe: float = 3600.0
    threshold_delays: tuple[float, float] = (0.5, 1.0)
    retry_after_on_threshold: bool = True  # whether a 429 carries Retry-After (UNCONFIRMED)
    max_attachment_bytes: int = 6 * 1024 * 1024
    attachment_window_bytes: int = 10_000_000
    attachment_window_seconds: float = 300.0
    # OR conditions a query may hold (each in/notIn value, each item of an or group; FACTS §4).
    # Raise it to run a long list unsplit, e.g. as the reference a split query is compared with.
    max_or_conditions: int = 500


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request as the sandbox saw it (for tests that count what a client sent)."""

    method: str
    path: str
    status: int
    fault: str | None = None


@dataclass
class _Outcome:
    status: int
    body: Any  # JSON, or the text of a page when content_type is not JSON
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = JSON
    encoded: bytes | None = None  # the body, when it was encoded inside the request's slot


class _PageError(Exception):
    """An error the web server answers itself with a page, before the API sees the request."""

    def __init__(self, status: int, page: str) -> None:
        super().__init__(page)
        self.status = status
        self.page = page


class SandboxApp:
    """Callable WSGI app. One instance is one Autotask database with one API user."""

    def __init__(
        self,
        store: Store,
        settings: SandboxSettings | None = None,
        faults: FaultPlan | None = None,
        catalog: Catalog | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.catalog = catalog or load_catalog()
        self.store = store
        self.settings = settings or SandboxSettings()
        self.faults = faults
        self.sleep = sleep
        self.clock = clock
        s = self.settings
        self.latency = ZoneLatency(s.latency, s.latency_mode)
        self.budget = RequestBudget(s.hourly_limit, s.threshold_timeframe, s.threshold_delays, clock)
        self.threads = ThreadLimiter(s.thread_limit, s.thread_limit_status)
        self.volume = AttachmentVolume(
            s.max_attachment_bytes, s.attachment_window_bytes, s.attachment_window_seconds, clock
        )
        self.meta = MetadataBuilder(self.catalog)
        self.writer = Writer(store, self.meta, attachment_gate=self.volume.admit)
        self.handlers = Handlers(
            self.catalog, store, self.meta, self.writer, self.budget, s.max_or_conditions
        )
        self.user = tenant.DEMO_API_USER
        self._log_lock = threading.Lock()
        self.requests: list[RequestRecord] = []

    # -- WSGI -----------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        arrived = self.clock()
        request = Request(environ)
        # A dropped connection (ConnectionDropped) propagates to the server; _drop records it.
        outcome, fault = self._handle(request, arrived)
        body = outcome.encoded if outcome.encoded is not None else self._encode(outcome)
        self._record(request, outcome.status, fault.kind if fault else None)
        response = Response(
            body, status_line(outcome.status), outcome.headers, content_type=outcome.content_type
        )
        return response(environ, start_response)

    def _record(self, request: Request, status: int, fault: str | None) -> None:
        with self._log_lock:
            self.requests.append(RequestRecord(request.method, request.path, status, fault))

    @staticmethod
    def _encode(outcome: _Outcome) -> bytes:
        if outcome.content_type == JSON:
            return encode_json(outcome.body)
        return str(outcome.body).encode()

    def _handle(self, request: Request, arrived: float) -> tuple[_Outcome, FaultRule | None]:
        fault = None
        due = arrived  # latency is counted from here; added latency (faults, budget) moves it on
        try:
            route_path = request.path
            if not route_path.lower().startswith(PREFIX + "/"):
                raise RouteError(404, f"No HTTP resource was found that matches the request URI '{request.url}'.")
            segments = [s for s in route_path[len(PREFIX) + 1 :].split("/") if s]
            route = resolve(self.catalog, request.method, segments, request.url)
            ctx = WriteContext(self.user.resource_id)
            if route.handler not in UNAUTHENTICATED:
                ctx = self._authenticate(request)
            body = self._body(request)  # read only for an authenticated caller (issue 11)
            fault = self.faults.decide(request.method, request.path) if self.faults else None
            if fault is not None:
                if fault.kind == "slow":
                    due += fault.seconds  # injected slowness comes on top of the zone's latency
                self._inject_before(request, fault)
            if route.handler not in UNLIMITED:
                admission = self.budget.admit()
                if not admission.allowed:
                    headers = {}
                    if self.settings.retry_after_on_threshold and admission.retry_after is not None:
                        headers["Retry-After"] = str(max(1, int(admission.retry_after + 0.999)))
                    raise ApiError(admission.message or "Request threshold exceeded", status=429, headers=headers)
                if admission.delay:
                    due += admission.delay  # the threshold's added latency, on top as well
                    self.sleep(admission.delay)
            base_url = f"{request.scheme}://{request.host}/ATServicesRest/"
            call = Call(route, request.method, base_url, dict(request.args), body, ctx)
            if route.handler in UNLIMITED:
                return self._work(call, request, fault), fault
            key = (self.user.integration_code, route.endpoint.lower())
            with self.threads.slot(key):
                # The whole response time is spent holding the slot, as a live request would.
                wait = self.latency.before_work()
                if wait is not None:
                    self.sleep(wait)
                try:
                    outcome = self._work(call, request, fault)
                except (ApiError, LimitError, RouteError, _PageError) as exc:
                    outcome = self._error(exc)
                outcome.encoded = self._encode(outcome)  # encoding is the zone's work too
                wait = self.latency.after_work(due, self.clock())
                if wait is not None:
                    self.sleep(wait)
            return outcome, fault
        except (ApiError, LimitError, RouteError, _PageError) as exc:
            return self._error(exc), fault

    def _work(self, call: Call, request: Request, fault: FaultRule | None) -> _Outcome:
        """The request's own work: the handler, then the faults that act on its answer."""
        status, payload = self.handlers.dispatch(call)
        if fault is not None and fault.kind == "reset-after":
            self._drop(request, fault.kind)
        if fault is not None and fault.kind == "200-empty":
            status, payload = 200, {}  # the work is done; the answer says nothing of it
        return _Outcome(status, payload)

    @staticmethod
    def _error(exc: ApiError | LimitError | RouteError | _PageError) -> _Outcome:
        if isinstance(exc, (ApiError, LimitError)):
            return _Outcome(exc.status, {"errors": exc.errors}, dict(exc.headers))
        if isinstance(exc, RouteError):
            return _Outcome(exc.status, {"Message": exc.message})
        return _Outcome(exc.status, exc.page, content_type=HTML)

    def _body(self, request: Request) -> Any:
        if request.method not in ("POST", "PUT", "PATCH"):
            return None
        content_type = request.mimetype or "application/json"
        if content_type.startswith("multipart/") or content_type == "application/x-www-form-urlencoded":
            raise RouteError(
                415,
                f"The request entity's media type '{content_type}' is not supported for this resource.",
            )
        if (request.content_length or 0) > MAX_BODY_BYTES:
            raise RouteError(413, "The request entity is too large.")
        raw = request.stream.read(MAX_BODY_BYTES + 1)  # a body without a length is capped too
        if len(raw) > MAX_BODY_BYTES:
            raise RouteError(413, "The request entity is too large.")
        if not raw.strip():
            return None
        try:
            return read_json(raw.decode("utf-8-sig"))
        except (ValueError, UnicodeDecodeError):
            raise ApiError("The request body is not valid JSON.") from None

    def _authenticate(self, request: Request) -> WriteContext:
        headers = request.headers  # case-insensitive, as the live API's header names are
        code = headers.get("ApiIntegrationCode", "")
        username = headers.get("UserName", "")
        secret = headers.get("Secret", "")
        if not (code and username and secret):
            raise RouteError(401, "Authorization has been denied for this request.")
        if username.strip().lower() != self.user.username.lower():
            raise ApiError("Zone information could not be determined")
        if code != self.user.integration_code:
            raise ApiError("IntegrationCode is invalid.")
        if secret != self.user.secret:
            raise RouteError(401, "Authorization has been denied for this request.")
        impersonated = headers.get("ImpersonationResourceId")
        if impersonated in (None, ""):
            return WriteContext(self.user.resource_id)
        try:
            resource_id = int(impersonated)
        except ValueError:
            raise ApiError(f"ImpersonationResourceId '{impersonated}' is not a resource id.") from None
        if resource_id == self.user.resource_id or not self.store.exists("Resources", resource_id):
            # API-only security levels cannot be impersonated (FACTS §2).
            raise ApiError(f"Resource {resource_id} cannot be impersonated.")
        return WriteContext(self.user.resource_id, resource_id)

    def _inject_before(self, request: Request, fault: FaultRule) -> None:
        kind = fault.kind
        if kind == "slow":
            self.sleep(fault.seconds)
        elif kind == "reset-before":
            self._drop(request, kind)
        elif kind == "500":
            raise ApiError("An unexpected error occurred. (sandbox fault injection)")
        elif kind == "503":
            raise ApiError("The service is unavailable. (sandbox fault injection)", status=503)
        elif kind == "429":
            raise ApiError("Too many requests. (sandbox fault injection)", status=429)
        elif kind == "429-retry-after":
            seconds = str(max(0, int(fault.seconds + 0.999)))
            raise ApiError(
                "Too many requests. (sandbox fault injection)", status=429, headers={"Retry-After": seconds}
            )
        elif kind == "thread-limit":
            raise ThreadLimitExceeded(self.threads.limit, None, self.threads.status)
        elif kind == "403":
            raise ApiError("Forbidden. (sandbox fault injection)", status=403)
        elif kind == "429-retry-date":
            # An HTTP date has whole seconds: round up, so the client waits at least `seconds`.
            when = email.utils.formatdate(math.ceil(time.time() + fault.seconds), usegmt=True)
            raise ApiError(
                "Too many requests. (sandbox fault injection)", status=429, headers={"Retry-After": when}
            )
        elif kind == "500-html":
            raise _PageError(500, IIS_ERROR_PAGE)

    def _drop(self, request: Request, fault: str) -> None:
        self._record(request, 0, fault)
        sock = request.environ.get("werkzeug.socket")
        if isinstance(sock, socket.socket):
            # Abort: no answer reaches the client, and the close is a reset, not a clean FIN.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        raise ConnectionDropped(fault)
