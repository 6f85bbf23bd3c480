"""Reading ThresholdInformation: one attempt, never retried, never the cause of another reading,
and never the cause of the caller's request failing.

The client reads the hour's budget after ``threshold_check_every`` requests and
``threshold_check_interval`` seconds (here 0: on its first request), and after a 429. Against a sandbox past its hourly limit, that reading is refused too; it must cost
one request, not a retry loop of its own with its own Retry-After waits. Waits are counted on a
fake clock (the transport's ``sleep``), never waited; the tests assert requests and requested
seconds, not wall-clock time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from autotask_pandas import AutotaskAPIError, AutotaskClient, AutotaskRateLimitError, ClientConfig
from autotask_pandas.sandbox import (
    FaultPlan,
    Sandbox,
    SandboxApp,
    SandboxSettings,
    SandboxTransport,
)

THRESHOLD = "ThresholdInformation"


class FakeSleep:
    """Counts the seconds the client asks to wait; time does not pass."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(scale=0.05, seed=0) as sb:
        yield sb


def emulator(sb: Sandbox, faults: str | None = None, seed: int = 0, **settings: Any) -> SandboxApp:
    """A fresh emulator over the module's demo data: its own budget, faults and request log
    (and no latency of its own to wait for)."""
    assert sb.app is not None
    plan = FaultPlan.parse(faults, seed) if faults else None
    return SandboxApp(sb.app.store, SandboxSettings(**settings), plan, sleep=lambda seconds: None)


def make_client(
    sb: Sandbox, transport: httpx.BaseTransport | SandboxApp, **config: Any
) -> AutotaskClient:
    """A client with the live defaults (retries, Retry-After cap, threshold reads) unless given."""
    if isinstance(transport, SandboxApp):
        transport = SandboxTransport(app=transport)
    # These tests are about what one reading costs: the first request reads (no interval first).
    config.setdefault("threshold_check_interval", 0)
    client = AutotaskClient(sb.credentials, ClientConfig(transport=transport, **config))
    # ClientConfig has no clock of its own; the transport's sleep is where every wait goes.
    client._transport.sleep = FakeSleep()
    return client


def waits(client: AutotaskClient) -> list[float]:
    sleep = client._transport.sleep
    assert isinstance(sleep, FakeSleep)
    return sleep.waits


def served(app: SandboxApp) -> list[tuple[str, int]]:
    """(last path segment, status) of every request the emulator served, zone lookups aside."""
    return [(r.path.rsplit("/", 1)[-1], r.status) for r in app.requests if "Zone" not in r.path]


def test_one_get_past_the_hourly_limit_costs_its_own_retries_only(sandbox: Sandbox) -> None:
    # The example: one GET, with the live defaults (3 retries, patience 60 s, a
    # threshold reading first), the hour's budget (5 requests) spent.
    app = emulator(sandbox, hourly_limit=5)
    app.budget.prefill(5)
    client = make_client(sandbox, app)
    with pytest.raises(AutotaskRateLimitError) as info:
        client.get("Tickets", 7000)
    # The reading is refused with a Retry-After beyond the client's patience (issue 11): the GET
    # is then not sent at all - no load is added to a database over its limit - and nothing waits.
    assert served(app) == [(THRESHOLD, 429)]
    assert info.value.retry_after is not None and info.value.retry_after > 60
    assert waits(client) == []
    client.close()


@pytest.mark.parametrize("fault", ["429", "429-retry-after=30", "503", "thread-limit", "500"])
def test_a_failed_reading_is_one_attempt_and_asks_for_no_other(
    sandbox: Sandbox, fault: str
) -> None:
    app = emulator(sandbox, f"{fault}:1@GET /V1.0/{THRESHOLD}")
    client = make_client(sandbox, app)
    for _ in range(3):
        assert client.get("Tickets", 7000)["id"] == 7000
    # one reading on the first request; its failure neither retried nor read again
    assert served(app) == [(THRESHOLD, app.requests[0].status)] + [("7000", 200)] * 3
    assert waits(client) == []
    client.close()


def test_a_reading_dropped_on_the_wire_is_not_retried(sandbox: Sandbox) -> None:
    app = emulator(sandbox, f"reset-after:1@GET /V1.0/{THRESHOLD}")
    client = make_client(sandbox, app)
    assert client.get("Tickets", 7000)["id"] == 7000
    assert [path for path, _ in served(app)] == [THRESHOLD, "7000"]
    assert waits(client) == []
    client.close()


def test_the_callers_request_keeps_its_own_retries_when_the_reading_fails(
    sandbox: Sandbox,
) -> None:
    app = emulator(sandbox, f"429:1@GET /V1.0/{THRESHOLD}; 503:0.5@GET /V1.0/Tickets/*", seed=3)
    client = make_client(sandbox, app, max_retries=8)
    for _ in range(4):
        assert client.get("Tickets", 7000)["id"] == 7000
    tickets = [status for path, status in served(app) if path == "7000"]
    assert 503 in tickets, "the fault was never injected: the test proves nothing"
    assert tickets.count(200) == 4
    # only the first request reads the budget: a 503 asks for no reading, a failed one neither
    assert [path for path, _ in served(app)].count(THRESHOLD) == 1
    assert len(waits(client)) == tickets.count(503)  # one backoff per retry, nothing else
    client.close()


def test_a_failed_reading_is_logged(sandbox: Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="autotask_pandas.transport")
    client = make_client(sandbox, emulator(sandbox, f"503:1@GET /V1.0/{THRESHOLD}"))
    client.get("Tickets", 7000)
    client.close()
    lines = [r.getMessage() for r in caplog.records if THRESHOLD in r.getMessage()]
    assert any("could not read" in line and "503" in line for line in lines), lines


class MalformedThreshold(httpx.BaseTransport):
    """The sandbox, except that the ``corrupt``-th ThresholdInformation answers (1-based) come
    back as HTTP 200 with ``body`` instead: a server that answers, but not with a reading."""

    def __init__(self, app: SandboxApp, body: bytes, corrupt: Callable[[int], bool]) -> None:
        self.inner = SandboxTransport(app=app)
        self.body = body
        self.corrupt = corrupt
        self.readings = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.url.path.lower().endswith("/thresholdinformation"):
            self.readings += 1
            if response.status_code == 200 and self.corrupt(self.readings):
                response.read()
                return httpx.Response(
                    200, content=self.body, headers={"Content-Type": "application/json"}
                )
        return response


MALFORMED = [
    pytest.param(
        b'{"externalRequestThreshold": "lots", "currentTimeframeRequestCount": 3}', id="wrong-type"
    ),
    pytest.param(b'{"currentTimeframeRequestCount": null}', id="null-count"),
    pytest.param(b"<html><body>Service busy</body></html>", id="not-json"),
    pytest.param(b"[1, 2, 3]", id="a-list"),
    pytest.param(b"", id="empty"),
    pytest.param(b"{}", id="empty-object"),  # would read as "nothing used"
    pytest.param(b'{"externalRequestThreshold": 10000}', id="no-count"),
]


@pytest.mark.parametrize("body", MALFORMED)
def test_an_unparseable_reading_never_fails_the_callers_get(
    sandbox: Sandbox, body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="autotask_pandas.transport")
    app = emulator(sandbox)
    client = make_client(sandbox, MalformedThreshold(app, body, lambda n: True))
    assert client.get("Tickets", 7000)["id"] == 7000  # no pydantic.ValidationError
    assert served(app) == [(THRESHOLD, 200), ("7000", 200)]
    assert any("could not read" in r.getMessage() for r in caplog.records)
    client.close()


@pytest.mark.parametrize("body", MALFORMED)
def test_an_unparseable_reading_keeps_the_last_good_one(sandbox: Sandbox, body: bytes) -> None:
    # 81 of 100 requests used: past 75 %, so the client waits 0.5 s before each request. A second
    # reading that cannot be read must not reset that to "nothing used".
    app = emulator(sandbox, hourly_limit=100)
    app.budget.prefill(80)
    transport = MalformedThreshold(app, body, lambda n: n == 2)
    client = make_client(
        sandbox, transport, threshold_check_every=2, threshold_delays=((0.5, 0.25), (0.75, 0.5))
    )
    for _ in range(3):  # readings before requests 1 and 3; the second is malformed
        client.get("Tickets", 7000)
    assert transport.readings == 2
    assert waits(client) == [0.5, 0.5, 0.5]
    client.close()


@pytest.mark.parametrize("body", MALFORMED)
def test_get_threshold_info_names_the_call_when_the_answer_is_no_reading(
    sandbox: Sandbox, body: bytes
) -> None:
    """The public call raises an error of our tree naming method and path, not pydantic's."""
    app = emulator(sandbox)
    client = make_client(sandbox, MalformedThreshold(app, body, lambda n: True))
    with pytest.raises(AutotaskAPIError, match="GET /ATServicesRest/V1.0/ThresholdInformation"):
        client.get_threshold_info()
    client.close()


class Clock:
    """The transport's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_readings_wait_for_both_the_request_count_and_the_interval(sandbox: Sandbox) -> None:
    # The live defaults (every 250 requests, at most once a minute), shortened to 3 requests and
    # 60 s of a hand-moved clock: a reading is a request of the hour's budget itself (FACTS §10).
    app = emulator(sandbox)
    client = make_client(sandbox, app, threshold_check_every=3, threshold_check_interval=60)
    clock = Clock()
    client._transport.clock = clock

    def readings() -> int:
        return [path for path, _ in served(app)].count(THRESHOLD)

    for _ in range(10):  # a burst within the first minute: no reading at all
        client.get("Tickets", 7000)
        clock.now += 1
    assert readings() == 0
    clock.now += 60  # a minute on, and 3+ requests since the start: the next request reads
    client.get("Tickets", 7000)
    assert readings() == 1
    client.get("Tickets", 7000)
    clock.now += 61  # the interval has passed, but only 1 request since the reading
    client.get("Tickets", 7000)
    assert readings() == 1
    client.get("Tickets", 7000)  # the third since the reading, a minute on: reads
    assert readings() == 2
    client.close()


def test_the_default_client_spends_no_request_on_readings_in_a_short_burst(
    sandbox: Sandbox,
) -> None:
    # B3's shape (issue 10): many writes within a minute send those writes and nothing else.
    app = emulator(sandbox)
    client = make_client(sandbox, app, threshold_check_interval=60.0, threshold_check_every=2)
    for _ in range(6):
        client.get("Tickets", 7000)
    assert [path for path, _ in served(app)] == ["7000"] * 6
    client.close()
