"""Limits, politely (issue 11, section 3).

* A 429 whose ``Retry-After`` is beyond the client's patience (``retry_after_cap``) raises
  ``AutotaskRateLimitError(retry_after=...)`` after one request, and nothing more is sent - not a
  retry, not a threshold reading - until that time has passed.
* Thread-limit refusals are retried within a time budget (``thread_limit_patience``), with
  jitter, not a fixed small count.
* A read answered 500 is retried when the words are not a user error; a user error's 500 and a
  write's 500 are not (docs/client.md, "Retries").

Waits go to a hand-driven clock (``helpers.FakeClock``): nothing here waits for real.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest
from helpers import FAST, Answer, FakeClock, LoopbackServer, new_sandbox

from autotask_pandas import (
    AuthCredentials,
    AutotaskAPIError,
    AutotaskClient,
    AutotaskRateLimitError,
    AutotaskThreadLimitError,
    ClientConfig,
)
from autotask_pandas.sandbox import FaultPlan, Sandbox

ALL = {"op": "exist", "field": "id"}


def on_clock(client: AutotaskClient) -> FakeClock:
    """Waits on a hand-driven clock, and the jitter drawn from a seeded generator: with the
    sandbox's seeded faults, every run makes the same requests."""
    clock = FakeClock(1000.0)
    client._transport.sleep = clock.sleep
    client._transport.clock = clock
    client._transport._rng = random.Random(0)
    return clock


@pytest.fixture
def over_the_hour() -> Iterator[Sandbox]:
    with new_sandbox(0.05, 0, hourly_limit=5) as sb:
        assert sb.app is not None
        sb.app.budget.prefill(5)
        yield sb


@pytest.mark.parametrize("threshold_check_every", [250, 0])
def test_retry_after_beyond_patience_raises_at_once_after_one_request(
    over_the_hour: Sandbox, threshold_check_every: int
) -> None:
    sb = over_the_hour
    config = ClientConfig(transport=sb.transport(), threshold_check_every=threshold_check_every)
    with AutotaskClient(sb.credentials, config) as client:
        clock = on_clock(client)
        with pytest.raises(AutotaskRateLimitError) as caught:
            client.query("Tickets", ALL)
        assert caught.value.retry_after is not None and caught.value.retry_after > 3000
        assert len(sb.requests) == 1  # one request (a threshold reading or the query)
        assert clock.sleeps == []
        # Later calls within the window are refused here: the database gets no more load.
        with pytest.raises(AutotaskRateLimitError, match="was not sent"):
            client.get("Tickets", 7000)
        assert len(sb.requests) == 1
        # Once the window has passed, the client asks again.
        clock.advance(caught.value.retry_after + 1)
        with pytest.raises(AutotaskRateLimitError):
            client.get("Tickets", 7000)
        assert len(sb.requests) == 2


def test_retry_after_within_patience_is_waited_and_retried() -> None:
    with new_sandbox(0.05, 0, faults="429-retry-after=2:1@POST /V1.0/Tickets/query") as sb:
        config = ClientConfig(transport=sb.transport(), threshold_check_every=0, max_retries=2)
        with AutotaskClient(sb.credentials, config) as client:
            clock = on_clock(client)
            with pytest.raises(AutotaskRateLimitError):
                client.query("Tickets", ALL)
            assert clock.sleeps == [2.0, 2.0]
            assert len(sb.requests) == 3


def test_thread_limit_refusals_are_retried_within_a_time_budget_with_jitter() -> None:
    with new_sandbox(
        0.05, 0, faults=FaultPlan.parse("thread-limit:0.6@GET /V1.0/Tickets/*", 5)
    ) as sb:
        config = ClientConfig(transport=sb.transport(), threshold_check_every=0)
        with AutotaskClient(sb.credentials, config) as client:
            clock = on_clock(client)
            ids = [r["id"] for r in client.query("Tickets", ALL, max_records=20).items]
            for ticket_id in ids:  # each call outlasts refusals a fixed 3 retries would not
                assert client.get("Tickets", ticket_id) is not None
        refused = [r for r in sb.requests if r.fault == "thread-limit"]
        assert len(refused) > 3 * len(ids) * 0.5, "too few refusals: the test proves nothing"
        per_call: dict[str, int] = {}
        for r in refused:
            per_call[r.path] = per_call.get(r.path, 0) + 1
        assert max(per_call.values()) > 3  # more than the old fixed count of retries
        assert len(set(clock.sleeps)) > len(clock.sleeps) // 2  # jittered, not a fixed step
        assert sum(clock.sleeps) <= 30.0 * len(ids)


def test_thread_limit_retries_stop_when_the_budget_is_spent() -> None:
    with new_sandbox(0.05, 0, faults="thread-limit:1@GET /V1.0/Tickets/*") as sb:
        config = ClientConfig(
            transport=sb.transport(), threshold_check_every=0, thread_limit_patience=5.0
        )
        with AutotaskClient(sb.credentials, config) as client:
            clock = on_clock(client)
            with pytest.raises(AutotaskThreadLimitError):
                client.get("Tickets", 7000)
        assert sum(clock.sleeps) == pytest.approx(5.0)
        assert len(sb.requests) == len(clock.sleeps) + 1 > 4


# -- 500s -----------------------------------------------------------------------------------


def test_a_transient_500_on_a_read_is_retried() -> None:
    with new_sandbox(0.05, 0, faults="500:1@POST /V1.0/Tickets/query") as sb:
        config = ClientConfig(transport=sb.transport(), threshold_check_every=0, max_retries=3)
        with AutotaskClient(sb.credentials, config) as client:
            on_clock(client)
            with pytest.raises(AutotaskAPIError) as caught:
                client.query("Tickets", ALL)
        assert caught.value.status_code == 500
        assert len(sb.requests) == 4  # 1 + 3 retries


def test_a_pull_under_transient_500s_completes() -> None:
    faults = "500:0.1@POST /V1.0/Tickets/query*; 500-html:0.05@POST /V1.0/Tickets/query*"
    with new_sandbox(0.5, 0) as clean:
        with AutotaskClient(clean.credentials, ClientConfig(transport=clean.transport())) as c:
            expected = c.query_all("Tickets", ALL, page_size=50)
    with new_sandbox(0.5, 0, faults=FaultPlan.parse(faults, 11)) as sb:
        config = ClientConfig(transport=sb.transport(), threshold_check_every=0)
        with AutotaskClient(sb.credentials, config) as client:
            on_clock(client)
            rows = client.query_all("Tickets", ALL, page_size=50)
        assert any(r.fault for r in sb.requests), "no fault injected: the test proves nothing"
    assert len(expected) > 500  # many pages
    assert rows == expected


@pytest.mark.parametrize(
    ("status", "words", "method"),
    [
        (500, "Unable to find fooBar in the Ticket Entity.", "query"),
        (500, "Conversion failed when converting the varchar value 'x' to data type int.", "query"),
        (500, "An unexpected error occurred.", "update"),  # a write's 500 is never retried
    ],
)
def test_user_error_500s_and_write_500s_are_not_retried(
    status: int, words: str, method: str
) -> None:
    with LoopbackServer(lambda m, p: Answer(status, {"errors": [words]})) as server:
        creds = AuthCredentials("u@example.com", "CODE", "not-a-real-secret", api_url=server.url)
        with AutotaskClient(creds, ClientConfig(**{**FAST, "max_retries": 3})) as client:
            call: Any = (
                (lambda: client.query("Tickets", ALL))
                if method == "query"
                else (lambda: client.request("PATCH", "Tickets", json={"id": 1, "title": "x"}))
            )
            with pytest.raises(AutotaskAPIError) as caught:
                call()
        assert words in str(caught.value)
        assert len(server.received) == 1
