"""Injected faults as a client meets them, over real HTTP and in process (``sandbox/faults.py``).

One sandbox carries a plan with one rule per kind, each on its own path at rate 1, written in the
``--faults`` spec grammar. Resets are the interesting ones: before the write the client gets a
network error and nothing is stored; after it the client gets the same network error, but the
write is in the store, which is exactly what makes blind retries of creates dangerous.
"""

from __future__ import annotations

import email.utils
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from helpers import auth_headers, new_sandbox
from sandbox_http import ALL, SleepRecorder, count, ok

from autotask_pandas.sandbox import FaultPlan, Sandbox, SandboxApp, SandboxTransport

SPEC = (
    "500:1@GET /V1.0/Companies/query;"
    "503:1@GET /V1.0/Contacts/query;"
    "429:1@GET /V1.0/Resources/query;"
    "429-retry-after=7:1@GET /V1.0/Roles/query;"
    "thread-limit:1@GET /V1.0/Departments/query;"
    "slow=2.5:1@GET /V1.0/Version;"
    "reset-before:1@POST /V1.0/Companies;"
    "reset-after:1@POST /V1.0/Tickets/*/Notes;"
    "reset-after:1@PATCH /V1.0/Tickets;"
    "403:1@GET /V1.0/ActionTypes/query;"
    "429-retry-date=30:1@GET /V1.0/Skills/query;"
    "500-html:1@GET /V1.0/Holidays/query;"
    "200-empty:1@POST /V1.0/Appointments"
)
SEARCH = {"search": '{"filter":[{"op":"exist","field":"id"}]}'}


@pytest.fixture(scope="module")
def faulty() -> Iterator[Sandbox]:
    with new_sandbox(faults=SPEC) as sb:
        sb.app.sleep = SleepRecorder()  # what SandboxApp(sleep=...) sets: no real waiting
        yield sb


@pytest.fixture(params=["http", "inprocess"])
def client(request: pytest.FixtureRequest, faulty: Sandbox) -> Iterator[httpx.Client]:
    """A client on the faulty sandbox, over loopback HTTP or in process (same app, same data)."""
    transport = faulty.transport() if request.param == "inprocess" else None
    with httpx.Client(
        base_url=faulty.url, headers=auth_headers(faulty), transport=transport, timeout=30
    ) as c:
        yield c


def error_body(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"errors"} and len(body["errors"]) == 1
    return body["errors"][0]


# --------------------------------------------------------------------------- statuses and bodies


def test_500_and_503(client: httpx.Client) -> None:
    error_body(client.get("V1.0/Companies/query", params=SEARCH), 500)
    error_body(client.get("V1.0/Contacts/query", params=SEARCH), 503)
    # The same query by POST is not targeted by the rules.
    assert ok(client.post("V1.0/Companies/query", json={"filter": [ALL], "MaxRecords": 1}))["items"]


def test_429_with_and_without_retry_after(client: httpx.Client) -> None:
    plain = client.get("V1.0/Resources/query", params=SEARCH)
    error_body(plain, 429)
    assert "Retry-After" not in plain.headers
    timed = client.get("V1.0/Roles/query", params=SEARCH)
    error_body(timed, 429)
    assert timed.headers["Retry-After"] == "7"


def test_403(client: httpx.Client) -> None:
    assert error_body(client.get("V1.0/ActionTypes/query", params=SEARCH), 403) == (
        "Forbidden. (sandbox fault injection)"
    )


def test_429_with_retry_after_as_an_http_date(client: httpx.Client) -> None:
    response = client.get("V1.0/Skills/query", params=SEARCH)
    error_body(response, 429)
    # RFC 9110 allows an HTTP date as well as seconds; this one names a moment 30 s ahead.
    when = email.utils.parsedate_to_datetime(response.headers["Retry-After"])
    assert when.tzinfo is not None and response.headers["Retry-After"].endswith(" GMT")
    assert 25 <= (when - datetime.now(UTC)).total_seconds() <= 31


def test_500_as_an_html_page(client: httpx.Client) -> None:
    response = client.get("V1.0/Holidays/query", params=SEARCH)
    assert response.status_code == 500
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<h2>500 - Internal server error.</h2>" in response.text
    with pytest.raises(ValueError):
        response.json()


def test_200_empty_does_the_work_and_says_nothing(
    client: httpx.Client, request: pytest.FixtureRequest
) -> None:
    title = f"Made, not told ({request.node.callspec.id})"
    assert ok(client.post("V1.0/Appointments", json={"title": title})) == {}
    made = [{"op": "eq", "field": "title", "value": title}]
    assert count(client, "Appointments", made) == 1


def test_thread_limit_fault(client: httpx.Client, faulty: Sandbox) -> None:
    response = client.get("V1.0/Departments/query", params=SEARCH)
    message = error_body(response, faulty.settings.thread_limit_status)
    assert (
        message
        == "Thread Threshold Exceeded — The Autotask API thread threshold of 3 threads has been exceeded."
    )


def test_slow_fault_answers_normally_after_its_delay(client: httpx.Client, faulty: Sandbox) -> None:
    before = len(faulty.app.sleep.calls)
    assert set(ok(client.get("V1.0/Version"))) == {"majorVersion", "minorVersion", "build"}
    assert faulty.app.sleep.calls[before:] == [2.5]


def test_faults_are_logged(faulty: Sandbox) -> None:
    with httpx.Client(base_url=faulty.url, headers=auth_headers(faulty), timeout=30) as c:
        mark = len(faulty.requests)
        c.get("V1.0/Roles/query", params=SEARCH)
        c.get("V1.0/Version")
        c.post("V1.0/Companies/query", json={"filter": [ALL], "MaxRecords": 1})
    logged = [(r.status, r.fault) for r in faulty.requests[mark:]]
    assert logged == [(429, "429-retry-after"), (200, "slow"), (200, None)]


# --------------------------------------------------------------------------- connection resets


def company_body(name: str) -> dict[str, Any]:
    return {
        "companyName": name,
        "companyType": 3,
        "phone": "(555) 555-0199",
        "ownerResourceID": 29682886,
    }


def test_reset_before_the_write_stores_nothing(
    client: httpx.Client, faulty: Sandbox, request: pytest.FixtureRequest
) -> None:
    name = f"Never Stored Ltd ({request.node.callspec.id})"
    mark = len(faulty.requests)
    with pytest.raises(httpx.TransportError):
        client.post("V1.0/Companies", json=company_body(name))
    assert count(client, "Companies", [{"op": "eq", "field": "companyName", "value": name}]) == 0
    assert [(r.method, r.status, r.fault) for r in faulty.requests[mark : mark + 1]] == [
        ("POST", 0, "reset-before")
    ]


def test_reset_after_the_write_stores_it_all_the_same(
    client: httpx.Client, request: pytest.FixtureRequest
) -> None:
    ticket = ok(client.post("V1.0/Tickets/query", json={"filter": [ALL], "MaxRecords": 1}))[
        "items"
    ][0]
    title = f"Landed unseen ({request.node.callspec.id})"
    note = {
        "title": title,
        "description": "The answer was lost, the note was not.",
        "noteType": 3,
        "publish": 1,
    }
    with pytest.raises(httpx.TransportError):
        client.post(f"V1.0/Tickets/{ticket['id']}/Notes", json=note)
    stored = ok(
        client.post(
            "V1.0/TicketNotes/query",
            json={"filter": [{"op": "eq", "field": "title", "value": title}]},
        )
    )["items"]
    assert [(n["ticketID"], n["description"]) for n in stored] == [
        (ticket["id"], note["description"])
    ]

    new_title = f"Patched unseen ({request.node.callspec.id})"
    with pytest.raises(httpx.TransportError):
        client.patch("V1.0/Tickets", json={"id": ticket["id"], "title": new_title})
    assert ok(client.get(f"V1.0/Tickets/{ticket['id']}"))["item"]["title"] == new_title


def test_a_refused_write_is_not_reset(client: httpx.Client) -> None:
    """reset-after drops the answer of a write that happened; a refused write answers normally."""
    ticket = ok(client.post("V1.0/Tickets/query", json={"filter": [ALL], "MaxRecords": 1}))[
        "items"
    ][0]
    response = client.patch("V1.0/Tickets", json={"id": ticket["id"], "status": 424242})
    error_body(response, 500)


def test_in_process_reset_is_the_error_a_socket_client_sees(faulty: Sandbox) -> None:
    transport = faulty.transport()
    with (
        httpx.Client(base_url=faulty.url, headers=auth_headers(faulty), transport=transport) as c,
        pytest.raises(httpx.RemoteProtocolError),
    ):
        c.post("V1.0/Companies", json=company_body("Never Stored Either Ltd"))


# --------------------------------------------------------------------------- determinism


def statuses(faulty: Sandbox, plan: FaultPlan, n: int = 40) -> list[int]:
    app = SandboxApp(faulty.app.store, faults=plan, sleep=lambda seconds: None)
    with httpx.Client(
        base_url=faulty.url, headers=auth_headers(faulty), transport=SandboxTransport(app=app)
    ) as c:
        return [c.get("V1.0/Companies/0").status_code for _ in range(n)]


def test_fault_decisions_are_deterministic_for_a_seed(faulty: Sandbox) -> None:
    spec = "500:0.3@/V1.0/Companies/*; 503:0.2@GET"
    first = statuses(faulty, FaultPlan.parse(spec, seed=11))
    again = statuses(faulty, FaultPlan.parse(spec, seed=11))
    other = statuses(faulty, FaultPlan.parse(spec, seed=12))
    assert first == again
    assert first != other
    assert {200, 500, 503} <= set(first)


def test_sandbox_seed_drives_its_fault_plan(faulty: Sandbox) -> None:
    """``Sandbox(faults=SPEC, seed=s)`` draws its faults with the sandbox's seed: what it serves
    over HTTP is what the plan of that seed decides, and not what another seed's would."""
    spec = "500:0.5@GET /V1.0/Companies/*"
    with (
        new_sandbox(0.1, 3, faults=spec) as seeded,
        httpx.Client(base_url=seeded.url, headers=auth_headers(seeded), timeout=30) as c,
    ):
        served = [c.get("V1.0/Companies/0").status_code for _ in range(40)]
    assert served == statuses(faulty, FaultPlan.parse(spec, seed=3))
    assert served != statuses(faulty, FaultPlan.parse(spec, seed=4))
