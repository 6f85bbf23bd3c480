"""Writes whose fate is unknown (issue 11, section 2).

A PATCH (or DELETE) whose first attempt lands but whose answer is lost, and whose retry is then
refused, may well have done its work: it is never reported ``failed`` on the retry's word. The
client reads the record back where it can: the edit is there, ``ok``; it is not, ``failed``; the
read fails too, ``uncertain``. A create stays ``uncertain`` (nothing to read back by).

The misbehaving server is the sandbox itself behind a transport that, for the writes a test
picks, carries the request out and then drops the answer, or answers a retry with a 500 - what a
flaky network and a busy server do - while the client runs unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
from helpers import FAST, new_sandbox

from autotask_pandas import AutotaskClient, ClientConfig, WriteOperation
from autotask_pandas.exceptions import AutotaskAPIError, AutotaskUncertainWriteError
from autotask_pandas.sandbox import Sandbox

# What happens to the n-th (1-based) write request of a method: "lost" = carried out, answer
# dropped; "500" = refused before it is carried out; "drop" = dropped before it is carried out.
Script = Callable[[str, int], str | None]


class Flaky(httpx.BaseTransport):
    def __init__(self, sb: Sandbox, script: Script, *, fail_reads: bool = False) -> None:
        self.inner = sb.transport()
        self.script = script
        self.fail_reads = fail_reads
        self.counts: dict[str, int] = {}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        method = request.method
        if method == "GET" and self.fail_reads and "/Tickets/" in request.url.path:
            return httpx.Response(500, json={"errors": ["Read failed, try again."]})
        if method in ("PATCH", "PUT", "DELETE"):
            n = self.counts[method] = self.counts.get(method, 0) + 1
            what = self.script(method, n)
            if what == "500":
                return httpx.Response(500, json={"errors": ["Object reference not set."]})
            if what == "drop":
                raise httpx.ReadError("connection reset by peer", request=request)
            if what == "lost":
                self.inner.handle_request(request).read()
                raise httpx.ReadError("connection reset by peer", request=request)
        return self.inner.handle_request(request)


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with new_sandbox(0.2, 3) as made:
        yield made


def client_on(sb: Sandbox, transport: httpx.BaseTransport) -> AutotaskClient:
    return AutotaskClient(sb.credentials, ClientConfig(transport=transport, **FAST))


def a_ticket(sb: Sandbox) -> dict[str, object]:
    with client_on(sb, sb.transport()) as client:
        rows = client.query("Tickets", {"op": "exist", "field": "id"}, max_records=3).items
    return dict(rows[1])


def lost_then_500(method: str, n: int) -> str | None:
    return {1: "lost", 2: "500"}.get(n)


def dropped_then_500(method: str, n: int) -> str | None:
    return {1: "drop", 2: "500"}.get(n)


def test_a_patch_that_landed_unseen_then_500_is_ok_not_failed(sb: Sandbox) -> None:
    ticket = a_ticket(sb)
    title = "landed, answer lost"
    with client_on(sb, Flaky(sb, lost_then_500)) as client:
        [result] = client.write_many(
            [WriteOperation.update("Tickets", ticket["id"], {"title": title})]
        )
    assert result.status == "ok", result
    with client_on(sb, sb.transport()) as check:
        assert (check.get("Tickets", int(ticket["id"])) or {})["title"] == title


def test_a_patch_lost_before_landing_then_500_is_failed_after_reading_back(sb: Sandbox) -> None:
    ticket = a_ticket(sb)
    with client_on(sb, Flaky(sb, dropped_then_500)) as client:
        [result] = client.write_many(
            [WriteOperation.update("Tickets", ticket["id"], {"title": "never"})]
        )
    assert result.status == "failed", result
    assert "Object reference not set." in str(result.error)
    with client_on(sb, sb.transport()) as check:
        assert (check.get("Tickets", int(ticket["id"])) or {})["title"] == ticket["title"]


def test_a_patch_that_cannot_be_read_back_stays_uncertain(sb: Sandbox) -> None:
    ticket = a_ticket(sb)
    with client_on(sb, Flaky(sb, lost_then_500, fail_reads=True)) as client:
        [result] = client.write_many(
            [WriteOperation.update("Tickets", ticket["id"], {"title": "?"})]
        )
    assert result.status == "uncertain", result
    assert isinstance(result.error, AutotaskUncertainWriteError)
    assert "Object reference not set." in str(result.error)  # the server's last words kept


def test_a_single_update_that_landed_unseen_returns_normally(sb: Sandbox) -> None:
    ticket = a_ticket(sb)
    with client_on(sb, Flaky(sb, lost_then_500)) as client:
        answer = client.update("Tickets", int(ticket["id"]), title="one call")
    assert answer == {"itemId": ticket["id"]}


def test_a_single_update_not_landed_raises_the_servers_error(sb: Sandbox) -> None:
    ticket = a_ticket(sb)
    with client_on(sb, Flaky(sb, dropped_then_500)) as client, pytest.raises(AutotaskAPIError):
        client.update("Tickets", int(ticket["id"]), title="not landed")


def a_contact(sb: Sandbox) -> int:
    with client_on(sb, sb.transport()) as client:
        rows = client.query("Contacts", {"op": "exist", "field": "id"}, max_records=1).items
    return int(rows[0]["id"])


def test_a_delete_that_landed_unseen_then_500_is_ok(sb: Sandbox) -> None:
    todo = a_contact(sb)
    with client_on(sb, Flaky(sb, lost_then_500)) as client:
        [result] = client.write_many([WriteOperation.delete("Contacts", todo)])
    assert result.status == "ok", result
    with client_on(sb, sb.transport()) as check:
        assert check.get("Contacts", todo) is None


def test_a_delete_not_landed_then_500_is_failed_and_the_record_stays(sb: Sandbox) -> None:
    todo = a_contact(sb)
    with client_on(sb, Flaky(sb, dropped_then_500)) as client:
        [result] = client.write_many([WriteOperation.delete("Contacts", todo)])
    assert result.status == "failed", result
    with client_on(sb, sb.transport()) as check:
        assert check.get("Contacts", todo) is not None
