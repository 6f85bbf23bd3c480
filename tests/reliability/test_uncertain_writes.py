"""Writes whose fate is unknown (issue 11, section 2).

A PATCH (or DELETE) whose first attempt lands but whose answer is lost, and whose retry is then
refused, may well have done its work: it is never reported ``failed`` on the retry's word. The
client reads the record back where it can: the edit is there, ``ok``; it is not, ``failed``; the
read fails too, ``uncertain``. An attempt that *timed out* may still be running on the server, so
a read-back without the edit leaves it ``uncertain``, never ``failed`` (the fault suite saw such an
edit land after it had been reported failed).

A create has no id to read back by: after the batch it is looked up by what was sent
(``client/reconcile.py``): one record made during the batch matches, ``ok`` with its id; none and
nothing in flight, ``failed``; otherwise ``uncertain``. A record that was there before is never
taken for it.

The misbehaving server is the sandbox itself behind a transport that, for the writes a test
picks, carries the request out and then drops the answer, or answers a retry with a 500 - what a
flaky network and a busy server do - while the client runs unchanged.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import httpx
import pandas as pd
import pytest
from helpers import FAST, new_sandbox

from autotask_pandas import AutotaskClient, ClientConfig, WriteOperation, read_autotask
from autotask_pandas.exceptions import AutotaskAPIError, AutotaskUncertainWriteError
from autotask_pandas.sandbox import Sandbox

# What happens to the n-th (1-based) write request of a method (a create is a POST that is not a
# query): "lost" = carried out, answer dropped; "500" = refused before it is carried out;
# "drop" = dropped before it is carried out; "slow" = carried out only once the test releases it
# (a busy server), while the client waits its whole timeout and gives up (``ReadTimeout``).
Script = Callable[[str, int], str | None]
TIMEOUT = 0.2  # the client's, in the tests of slow writes


class Flaky(httpx.BaseTransport):
    def __init__(self, sb: Sandbox, script: Script, *, fail_reads: bool = False) -> None:
        self.inner = sb.transport()
        self.script = script
        self.fail_reads = fail_reads
        self.counts: dict[str, int] = {}
        self.release = threading.Event()  # lets the "slow" requests be carried out
        self.answered = threading.Event()  # a create was carried out and answered
        self.late: list[threading.Thread] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        method = request.method
        if method == "GET" and self.fail_reads and "/Tickets/" in request.url.path:
            return httpx.Response(500, json={"errors": ["Read failed, try again."]})
        is_create = method == "POST" and not request.url.path.endswith("/query")
        if method in ("PATCH", "PUT", "DELETE") or is_create:
            n = self.counts[method] = self.counts.get(method, 0) + 1
            what = self.script(method, n)
            if is_create and what is not None:
                # Another create of the batch is made first (its record dated a few ms earlier),
                # as on the live API, where a create takes far longer than a millisecond.
                self.answered.wait(5)
                time.sleep(0.003)
            if what == "500":
                return httpx.Response(500, json={"errors": ["Object reference not set."]})
            if what == "drop":
                raise httpx.ReadError("connection reset by peer", request=request)
            if what == "lost":
                self.inner.handle_request(request).read()
                raise httpx.ReadError("connection reset by peer", request=request)
            if what == "slow":
                late = threading.Thread(target=self._later, args=(request,), daemon=True)
                late.start()
                self.late.append(late)
                time.sleep(TIMEOUT)  # the client's timeout passes with no answer
                raise httpx.ReadTimeout("timed out", request=request)
        response = self.inner.handle_request(request)
        if is_create:
            response.read()
            self.answered.set()
        return response

    def _later(self, request: httpx.Request) -> None:
        if self.release.wait(30):
            self.inner.handle_request(request).read()

    def land_the_slow_ones(self) -> None:
        self.release.set()
        for late in self.late:
            late.join(30)


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


# -- an attempt that timed out may still land ---------------------------------------------------


def slow_then_500(method: str, n: int) -> str | None:
    return {1: "slow", 2: "500"}.get(n)


def slow_client(sb: Sandbox, transport: httpx.BaseTransport) -> AutotaskClient:
    return AutotaskClient(
        sb.credentials, ClientConfig(transport=transport, timeout=TIMEOUT, **FAST)
    )


def test_a_patch_that_timed_out_then_500_stays_uncertain_until_it_lands(sb: Sandbox) -> None:
    # The read-back comes before the slow attempt is carried out: "not there" proves nothing.
    ticket = a_ticket(sb)
    flaky = Flaky(sb, slow_then_500)
    with slow_client(sb, flaky) as client:
        [result] = client.write_many(
            [WriteOperation.update("Tickets", ticket["id"], {"title": "slow edit"})]
        )
    assert result.status == "uncertain", result  # was "failed", and then the edit landed
    assert "may still be in flight" in "".join(getattr(result.error, "__notes__", []))
    with client_on(sb, sb.transport()) as check:
        assert (check.get("Tickets", int(ticket["id"])) or {})["title"] == ticket["title"]
        flaky.land_the_slow_ones()
        assert (check.get("Tickets", int(ticket["id"])) or {})["title"] == "slow edit"
        # and sending it again converges
        [again] = check.write_many(
            [WriteOperation.update("Tickets", ticket["id"], {"title": "slow edit"})]
        )
    assert again.status == "ok"


def test_a_single_update_that_timed_out_then_500_raises_uncertain_not_the_500(
    sb: Sandbox,
) -> None:
    ticket = a_ticket(sb)
    flaky = Flaky(sb, slow_then_500)
    with slow_client(sb, flaky) as client, pytest.raises(AutotaskUncertainWriteError):
        client.update("Tickets", int(ticket["id"]), title="one slow call")
    flaky.land_the_slow_ones()


def test_a_delete_that_timed_out_then_500_stays_uncertain_until_it_lands(sb: Sandbox) -> None:
    todo = a_contact(sb)
    flaky = Flaky(sb, slow_then_500)
    with slow_client(sb, flaky) as client:
        [result] = client.write_many([WriteOperation.delete("Contacts", todo)])
    assert result.status == "uncertain", result  # was "failed", and then the record went
    with client_on(sb, sb.transport()) as check:
        assert check.get("Contacts", todo) is not None
        flaky.land_the_slow_ones()
        assert check.get("Contacts", todo) is None


# -- uncertain creates are looked up -----------------------------------------------------------


def new_contacts(sb: Sandbox, *names: str) -> tuple[int, list[WriteOperation]]:
    with client_on(sb, sb.transport()) as client:
        company = int(
            client.query("Companies", {"op": "exist", "field": "id"}, max_records=1).items[0]["id"]
        )
    return company, [
        WriteOperation.create(
            "Contacts",
            {"companyID": company, "firstName": "Looked", "lastName": name, "isActive": 1},
        )
        for name in names
    ]


def made(sb: Sandbox, last_name: str) -> list[int]:
    with client_on(sb, sb.transport()) as client:
        rows = client.query_all("Contacts", {"op": "eq", "field": "lastName", "value": last_name})
    return sorted(int(r["id"]) for r in rows)


def nth(which: int, what: str) -> Script:
    """``what`` happens to the ``which``-th create (``Flaky`` lets another create land first)."""

    def script(method: str, n: int) -> str | None:
        return what if method == "POST" and n == which else None

    return script


def test_a_create_that_landed_unseen_is_found_and_ok_with_its_id(sb: Sandbox) -> None:
    _, ops = new_contacts(sb, "Lookup A1", "Lookup A2", "Lookup A3")
    with client_on(sb, Flaky(sb, nth(2, "lost"))) as client:
        results = client.write_many(ops, max_workers=1)
    assert [r.status for r in results] == ["ok", "ok", "ok"], results  # was ok, uncertain, ok
    for result, name in zip(results, ["Lookup A1", "Lookup A2", "Lookup A3"], strict=True):
        assert made(sb, name) == [result.item_id]  # made once, under the id reported


def test_a_create_dropped_before_landing_is_failed_and_can_be_sent_again(sb: Sandbox) -> None:
    _, ops = new_contacts(sb, "Lookup B1", "Lookup B2")
    with client_on(sb, Flaky(sb, nth(2, "drop"))) as client:
        results = client.write_many(ops, max_workers=1)
    assert [r.status for r in results] == ["ok", "failed"], results  # was ok, uncertain
    assert "not made" in str(results[1].error)
    assert made(sb, "Lookup B2") == []
    with client_on(sb, sb.transport()) as client:
        [again] = client.write_many([ops[1]])
    assert again.status == "ok" and made(sb, "Lookup B2") == [again.item_id]


def test_a_create_that_timed_out_and_is_not_there_yet_stays_uncertain(sb: Sandbox) -> None:
    _, ops = new_contacts(sb, "Lookup C1", "Lookup C2")
    flaky = Flaky(sb, nth(2, "slow"))
    with slow_client(sb, flaky) as client:
        results = client.write_many(ops, max_workers=1)
    assert [r.status for r in results] == ["ok", "uncertain"], results  # never "failed"
    assert "in flight" in "".join(getattr(results[1].error, "__notes__", []))
    flaky.land_the_slow_ones()
    assert len(made(sb, "Lookup C2")) == 1  # it landed: a resend would have made two


def test_a_record_that_was_there_before_is_never_taken_for_an_uncertain_create(
    sb: Sandbox,
) -> None:
    # The same contact already exists; the create is dropped before it lands. The one record
    # that matches is the old one: it must not be reported as made by this create.
    _, ops = new_contacts(sb, "Lookup D0", "Lookup D1")
    with client_on(sb, sb.transport()) as client:
        [old] = client.write_many([ops[1]])
    with client_on(sb, Flaky(sb, nth(2, "drop"))) as client:
        results = client.write_many(ops, max_workers=1)
    assert results[0].status == "ok"
    assert results[1].status == "uncertain" and results[1].item_id is None, results[1]
    assert made(sb, "Lookup D1") == [old.item_id]  # nothing new, nothing adopted


def test_an_old_twin_and_a_new_one_leave_the_create_uncertain(sb: Sandbox) -> None:
    # The create lands unseen, and an identical older record exists: two match, it stays open.
    _, ops = new_contacts(sb, "Lookup E0", "Lookup E1")
    with client_on(sb, sb.transport()) as client:
        client.write_many([ops[1]])
    with client_on(sb, Flaky(sb, nth(2, "lost"))) as client:
        results = client.write_many(ops, max_workers=1)
    assert results[1].status == "uncertain", results[1]
    assert "2 Contacts records match" in "".join(getattr(results[1].error, "__notes__", []))


def test_a_push_gets_the_found_id_like_an_ordinary_create_and_does_not_create_it_again(
    sb: Sandbox,
) -> None:
    company, _ = new_contacts(sb)
    flaky = Flaky(sb, nth(2, "lost"))
    with client_on(sb, flaky) as client:
        df = read_autotask(
            "Contacts",
            where=f"companyID = {company}",
            fields=["id", "companyID", "firstName", "lastName", "isActive"],
            client=client,
            progress=False,
            labels=False,
        )
        frame = df.copy()
        for label, name in [("f1", "Push F1"), ("f2", "Push F2"), ("f3", "Push F3")]:
            frame.loc[label] = {
                "id": pd.NA,
                "companyID": company,
                "firstName": "Pushed",
                "lastName": name,
                "isActive": 1,
            }
        frozen = frame.copy()
        first = frame.autotask.push(progress=False)
        assert list(first.loc[["f1", "f2", "f3"], "status"]) == ["ok"] * 3, first.loc[
            ["f1", "f2", "f3"], ["status", "message"]
        ]
        for label, name in [("f1", "Push F1"), ("f2", "Push F2"), ("f3", "Push F3")]:
            assert made(sb, name) == [int(first.at[label, "id"])]
        pd.testing.assert_frame_equal(frame, frozen)
        posts = flaky.counts.get("POST", 0)
        second = frame.autotask.push(progress=False)
    assert flaky.counts.get("POST", 0) == posts  # nothing created again
    assert second.at["f2", "id"] == first.at["f2", "id"]
    assert second.at["f2", "action"] == "none"
