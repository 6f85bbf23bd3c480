"""``latency`` is the zone's response time: the sandbox's own work is done inside it (issue 14).

No wall-clock time is asserted: time passes on a hand-driven clock (``FakeClock``) that moves only
when the sandbox sleeps or when its request work "takes time" (the handler's dispatch advances the
clock, standing in for SQLite, row building and encoding on a busy machine). What is checked is
when, on that clock, each answer is released to the client.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from helpers import FakeClock, auth_headers, demo_store, new_sandbox
from sandbox_http import ALL

from autotask_pandas.sandbox import Sandbox, SandboxApp, SandboxSettings, SandboxTransport
from autotask_pandas.sandbox.limits import ZoneLatency

LATENCY = 5.0  # large, so that an answer released early or late is plain to see


@pytest.fixture(scope="module")
def tenant() -> Iterator[Sandbox]:
    with new_sandbox() as sb:  # only for its URL and credentials; the apps below are our own
        yield sb


class Timed:
    """An app on a hand-driven clock whose request work takes ``work`` seconds of that clock."""

    def __init__(self, sb: Sandbox, work: float, **settings: Any) -> None:
        self.clock = FakeClock(1_000.0)
        self.app = SandboxApp(
            demo_store(), SandboxSettings(**settings), clock=self.clock, sleep=self.clock.sleep
        )
        dispatch: Callable[..., Any] = self.app.handlers.dispatch

        def working(call: Any) -> Any:
            self.clock.advance(work)
            return dispatch(call)

        self.app.handlers.dispatch = working  # type: ignore[method-assign]
        self.http = httpx.Client(
            base_url=sb.url, headers=auth_headers(sb), transport=SandboxTransport(app=self.app)
        )

    def release_time(self, send: Callable[[httpx.Client], httpx.Response]) -> tuple[float, float]:
        """(arrival, release) on the clock for one request: in process nothing else takes time."""
        arrived = self.clock()
        response = send(self.http)
        assert response.status_code == 200, response.text
        return arrived, self.clock()


def page(http: httpx.Client) -> httpx.Response:
    return http.post("V1.0/Tickets/query", json={"filter": [ALL], "MaxRecords": 500})


def test_an_answer_leaves_at_its_response_time_with_the_work_inside_it(tenant: Sandbox) -> None:
    timed = Timed(tenant, work=0.4, latency=LATENCY)
    arrived, released = timed.release_time(page)
    # Not before its time ...
    assert released >= arrived + LATENCY
    # ... and the 0.4 s of work done before is not added: only what was left was slept.
    assert released == pytest.approx(arrived + LATENCY)
    assert timed.clock.sleeps == [pytest.approx(LATENCY - 0.4)]


def test_work_longer_than_the_latency_is_not_slept_on_top(tenant: Sandbox) -> None:
    timed = Timed(tenant, work=LATENCY + 1.5, latency=LATENCY)
    arrived, released = timed.release_time(page)
    assert released == pytest.approx(arrived + LATENCY + 1.5)
    assert sum(timed.clock.sleeps) == 0


def test_every_request_of_a_sequence_keeps_its_own_time(tenant: Sandbox) -> None:
    timed = Timed(tenant, work=1.25, latency=LATENCY)
    for send in (page, lambda http: http.get("V1.0/Tickets/entityInformation/fields"), page):
        arrived, released = timed.release_time(send)
        assert released == pytest.approx(arrived + LATENCY)


def test_added_latency_of_the_hourly_budget_comes_on_top(tenant: Sandbox) -> None:
    # Past half of a 2-request budget the live API adds latency (FACTS §10): 1 s here.
    timed = Timed(tenant, work=0.4, latency=LATENCY, hourly_limit=2, threshold_delays=(1.0, 1.0))
    arrived, released = timed.release_time(page)
    assert released == pytest.approx(arrived + 1.0 + LATENCY)


def test_the_old_meaning_is_a_named_setting(tenant: Sandbox) -> None:
    timed = Timed(tenant, work=0.4, latency=LATENCY, latency_mode="added")
    arrived, released = timed.release_time(page)
    assert released == pytest.approx(arrived + LATENCY + 0.4)  # slept whole, then worked
    assert timed.clock.sleeps == [LATENCY]


def test_a_bad_latency_mode_or_value_is_refused() -> None:
    with pytest.raises(ValueError, match="latency_mode"):
        ZoneLatency(1.0, "eventually")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="non-negative"):
        ZoneLatency(-1.0)
