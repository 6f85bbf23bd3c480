"""The hourly request budget and the thread limit as clients meet them (FACTS.md section 10).

No test here asserts a wall-clock time: the latency the sandbox adds is observed through the
``sleep`` it calls (``SandboxApp(sleep=...)``), time passes on a hand-driven clock, and concurrency
is made deterministic by holding requests inside that ``sleep`` until the test lets them go.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from helpers import FakeClock, auth_headers, new_sandbox
from sandbox_http import ALL, SleepRecorder

from autotask_pandas.sandbox import Sandbox, SandboxApp, SandboxSettings, SandboxTransport

THREAD_ERROR = {
    "errors": [
        "Thread Threshold Exceeded — The Autotask API thread threshold of 3 threads has been exceeded."
    ]
}


@pytest.fixture(scope="module")
def budget_sandbox() -> Iterator[Sandbox]:
    """A tenant allowed 20 requests an hour (tiny tier delays, so nothing waits noticeably)."""
    with new_sandbox(settings=SandboxSettings(hourly_limit=20, threshold_delays=(0.001, 0.002))) as sb:
        yield sb


# --------------------------------------------------------------------------- hourly budget


def test_threshold_information_counts_and_the_budget_ends_in_429(budget_sandbox: Sandbox) -> None:
    sb = budget_sandbox
    with httpx.Client(base_url=sb.url, headers=auth_headers(sb), timeout=30) as client:
        first = client.get("V1.0/ThresholdInformation")
        assert first.status_code == 200
        assert first.json() == {
            "externalRequestThreshold": 20,
            "requestThresholdTimeframe": 60,
            "currentTimeframeRequestCount": 1,
        }
        for _ in range(2, 11):
            assert (
                client.post(
                    "V1.0/Companies/query", json={"filter": [ALL], "MaxRecords": 1}
                ).status_code
                == 200
            )
        assert client.get("V1.0/ThresholdInformation").json()["currentTimeframeRequestCount"] == 11
        assert sb.app.budget.count() == 11
        for _ in range(12, 21):
            assert client.get("V1.0/Companies/0").status_code == 200
        refused = client.get("V1.0/Companies/0")
        assert refused.status_code == 429
        assert set(refused.json()) == {"errors"} and refused.json()["errors"]
        assert int(refused.headers["Retry-After"]) >= 1
        assert client.get("V1.0/ThresholdInformation").status_code == 429
        # A refused request is not counted, and ZoneInformation is no API call against the budget.
        assert sb.app.budget.count() == 20
        zone = httpx.get(sb.url + "V1.0/ZoneInformation", params={"user": sb.username})
        assert zone.status_code == 200


def budget_app(store: Any, **settings: Any) -> tuple[SandboxApp, FakeClock, SleepRecorder]:
    clock, sleep = FakeClock(50_000.0), SleepRecorder()
    app = SandboxApp(store, SandboxSettings(**settings), clock=clock, sleep=sleep)
    return app, clock, sleep


def in_process(sb: Sandbox, app: SandboxApp) -> httpx.Client:
    return httpx.Client(base_url=sb.url, headers=auth_headers(sb), transport=SandboxTransport(app=app))


def test_latency_tiers_and_refusal_on_a_hand_driven_clock(budget_sandbox: Sandbox) -> None:
    app, clock, sleep = budget_app(
        budget_sandbox.app.store, hourly_limit=20, threshold_delays=(0.05, 0.1)
    )
    with in_process(budget_sandbox, app) as client:
        for n in range(1, 21):
            assert client.get("V1.0/Companies/0").status_code == 200
            clock.now += 1
        # Requests 1-9 run at full speed, 10-14 (>= 50 %) wait 0.05 s, 15-20 (>= 75 %) 0.1 s.
        assert sleep.calls == [0.05] * 5 + [0.1] * 6
        refused = client.get("V1.0/Companies/0")
        assert refused.status_code == 429
        # The oldest request (at t=0) leaves the window at t=3600; it is now t=20.
        assert refused.headers["Retry-After"] == "3580"
        clock.now += 3580 - 1
        assert client.get("V1.0/Companies/0").status_code == 429
        clock.now += 1
        assert client.get("V1.0/Companies/0").status_code == 200  # the oldest request left
        assert client.get("V1.0/Companies/0").status_code == 429  # ... and took its place
        clock.now += 1
        assert client.get("V1.0/Companies/0").status_code == 200  # the second oldest left
        assert app.budget.snapshot()["currentTimeframeRequestCount"] == 20


def test_retry_after_on_threshold_is_a_setting(budget_sandbox: Sandbox) -> None:
    app, _, _ = budget_app(budget_sandbox.app.store, hourly_limit=1, retry_after_on_threshold=False)
    with in_process(budget_sandbox, app) as client:
        assert client.get("V1.0/Companies/0").status_code == 200
        refused = client.get("V1.0/Companies/0")
        assert refused.status_code == 429 and "Retry-After" not in refused.headers


def test_latency_setting_is_added_to_every_request(budget_sandbox: Sandbox) -> None:
    app, _, sleep = budget_app(budget_sandbox.app.store, latency=0.25)
    with in_process(budget_sandbox, app) as client:
        for _ in range(3):
            assert client.get("V1.0/Companies/0").status_code == 200
        assert sleep.calls == [0.25] * 3


# --------------------------------------------------------------------------- thread limit


class Gate:
    """A ``sleep`` that holds its first ``hold`` callers until ``open()``; the rest pass."""

    def __init__(self, hold: int) -> None:
        self.hold = hold
        self.entered = threading.Semaphore(0)
        self._released = threading.Event()
        self._lock = threading.Lock()
        self._calls = 0

    def __call__(self, seconds: float) -> None:
        with self._lock:
            self._calls += 1
            held = self._calls <= self.hold
        if held:
            self.entered.release()
            self._released.wait(20)

    def open(self) -> None:
        self._released.set()


@pytest.fixture()
def gated() -> Iterator[tuple[Sandbox, Gate]]:
    """A sandbox with a per-request latency whose sleep is a gate holding the first 3 requests."""
    with new_sandbox(latency=0.001) as sb:
        gate = Gate(hold=3)
        sb.app.sleep = gate  # what SandboxApp(sleep=...) sets; the latency is spent in it
        try:
            yield sb, gate
        finally:
            gate.open()


def test_three_concurrent_requests_per_endpoint_and_the_rest_refused(
    gated: tuple[Sandbox, Gate],
) -> None:
    sb, gate = gated
    results: list[httpx.Response] = []
    done = threading.Condition()

    with httpx.Client(base_url=sb.url, headers=auth_headers(sb), timeout=30) as client:

        def fire() -> None:
            response = client.post("V1.0/Tickets/query", json={"filter": [ALL], "MaxRecords": 5})
            with done:
                results.append(response)
                done.notify_all()

        threads = [threading.Thread(target=fire) for _ in range(6)]
        for thread in threads:
            thread.start()
        for _ in range(3):
            assert gate.entered.acquire(timeout=20), "three requests should be running"
        with done:
            assert done.wait_for(lambda: len(results) == 3, timeout=20), (
                "the other three should be refused at once"
            )
        refused = list(results)
        for response in refused:
            assert response.status_code == sb.settings.thread_limit_status
            assert response.json() == THREAD_ERROR
        # The same endpoint by another URL is full too; other endpoints are not.
        same = client.get(f"V1.0/Tickets/{7000}")
        assert same.status_code == sb.settings.thread_limit_status and same.json() == THREAD_ERROR
        other = client.post("V1.0/Companies/query", json={"filter": [ALL], "MaxRecords": 1})
        assert other.status_code == 200
        zone = client.get("V1.0/ZoneInformation", params={"user": sb.username})
        assert zone.status_code == 200

        gate.open()
        for thread in threads:
            thread.join(20)
        assert (
            sorted(r.status_code for r in results)
            == [200, 200, 200] + [sb.settings.thread_limit_status] * 3
        )
        assert all(len(r.json()["items"]) == 5 for r in results if r.status_code == 200)
        # The slots are free again.
        assert (
            client.post("V1.0/Tickets/query", json={"filter": [ALL], "MaxRecords": 1}).status_code
            == 200
        )
    statuses = [r.status for r in sb.requests if r.path.lower().endswith("/tickets/query")]
    assert sorted(statuses) == [200] * 4 + [sb.settings.thread_limit_status] * 3
