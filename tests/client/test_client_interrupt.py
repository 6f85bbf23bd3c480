"""``write_many`` under Ctrl-C, and the order of several operations on one record.

An interrupt is a real SIGINT sent to the main thread (``signal.pthread_kill``) while
``write_many`` runs there. It is sent once the first write has reached the sandbox, whose latency
(0.3 s a request, 3 requests at a time) keeps the rest of the 12 writes queued for a second: so it
always arrives while writes are queued, and the tests assert what must hold whatever the exact
timing (every record written once, no result lost), not how many landed.

Ordering: a transport in front of the sandbox delays each PATCH by a jitter drawn from a seeded
generator for its body (the first update of a record the longest), so later operations would land
first if they ran concurrently. The delay is the network's: the sandbox itself is unchanged.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from helpers.interrupts import Watched, interrupt_when

from autotask_pandas import (
    AutotaskClient,
    AutotaskUncertainWriteError,
    ClientConfig,
    WriteOperation,
    WriteResult,
)
from autotask_pandas.sandbox import Sandbox

FAST: dict[str, Any] = {"backoff_base": 0.001, "backoff_max": 0.01, "threshold_check_every": 0}
LATENCY = 0.3  # seconds a request: 12 writes, 3 at a time, take four rounds of it


@pytest.fixture(scope="module")
def slow() -> Iterator[Sandbox]:
    with Sandbox(scale=1, seed=0, latency=LATENCY, thread_limit=3) as sb:
        yield sb


def _client(sb: Sandbox, transport: httpx.BaseTransport) -> AutotaskClient:
    return AutotaskClient(sb.credentials, ClientConfig(transport=transport, **FAST))


def _on_server(client: AutotaskClient, marker: str) -> list[tuple[str, int]]:
    """(title, id) of every appointment whose title starts with ``marker``, by title."""
    rows = client.query_all(
        "Appointments", [{"op": "beginsWith", "field": "title", "value": marker}], ["id", "title"]
    )
    return sorted((str(r["title"]), int(r["id"])) for r in rows)


def _titles(client: AutotaskClient, marker: str) -> list[str]:
    return [title for title, _ in _on_server(client, marker)]


def _posts(sb: Sandbox, since: int) -> int:
    return sum(
        1 for r in sb.requests[since:] if r.method == "POST" and not r.path.endswith("/query")
    )


def test_an_interrupt_cancels_the_queued_writes_and_reports_what_landed(slow: Sandbox) -> None:
    watched = Watched(slow.transport())
    marker = f"interrupt {uuid.uuid4().hex[:8]}"
    titles = [f"{marker} {i:02d}" for i in range(12)]
    ops = [WriteOperation.create("Appointments", {"title": t}) for t in titles]
    seen: list[WriteResult] = []
    with _client(slow, watched) as client:
        with pytest.raises(KeyboardInterrupt) as info:
            with interrupt_when(watched.first_write):
                client.write_many(ops, progress=seen.append)

        landed = _on_server(client, marker)
        assert 0 < len(landed) < len(ops)  # the queued writes were cancelled, not run on

        results: list[WriteResult | None] = info.value.write_results  # type: ignore[attr-defined]
        assert len(results) == len(ops)  # one slot per operation, input order
        sent = [r for r in results if r is not None]
        assert [r.index for r in sent] == [i for i, r in enumerate(results) if r is not None]
        # the writes in flight were waited for: each is reported with its outcome, none is lost
        assert all(r.status == "ok" for r in sent)
        assert sorted((titles[r.index], r.item_id) for r in sent) == landed
        assert sorted(r.index for r in seen) == [r.index for r in sent]  # the callback saw each

        # what was never sent can be sent again: every record exists exactly once
        rest = [op for op, r in zip(ops, results) if r is None]
        again = client.write_many(rest)
        assert all(r.ok for r in again)
        assert _titles(client, marker) == titles


def test_a_second_interrupt_stops_waiting_for_the_writes_in_flight(
    slow: Sandbox,
) -> None:
    watched = Watched(slow.transport())
    marker = f"twice {uuid.uuid4().hex[:8]}"
    titles = [f"{marker} {i:02d}" for i in range(12)]
    ops = [WriteOperation.create("Appointments", {"title": t}) for t in titles]
    with _client(slow, watched) as client:
        mark = len(slow.requests)
        with pytest.raises(KeyboardInterrupt) as info:
            with interrupt_when(watched.first_write, after=0.03, times=2):
                client.write_many(ops)
        results: list[WriteResult | None] = info.value.write_results  # type: ignore[attr-defined]
        sent = [r for r in results if r is not None]
        assert 0 < len(sent) < len(ops)
        assert {r.status for r in sent} <= {"ok", "uncertain"}
        assert all(
            isinstance(r.error, AutotaskUncertainWriteError) for r in sent if r.status != "ok"
        )
        # the writes left in flight finish on their own (they cannot be recalled); then: every
        # ok write landed, whatever landed was reported (ok or uncertain), nothing queued was sent
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(
            t.name.startswith("autotask-write") for t in threading.enumerate()
        ):
            time.sleep(0.05)
        landed = _titles(client, marker)
        assert {titles[r.index] for r in sent if r.ok} <= set(landed)
        assert set(landed) <= {titles[r.index] for r in sent}
        assert _posts(slow, mark) == len(landed)


def test_operations_on_one_record_run_in_input_order(sandbox: Sandbox) -> None:
    rng = random.Random(15)
    records, versions = 8, 4
    delays: dict[str, float] = {}
    for k in range(records):
        for v in range(versions):
            # the first update of each record is held longest: run concurrently, it lands last
            delays[f"r{k} v{v}"] = 0.12 if v == 0 else rng.choice([0.0, 0.02, 0.04, 0.08])
    watched = Watched(sandbox.transport(), delays)
    with _client(sandbox, watched) as client:
        made = client.batch_create("Appointments", [{"title": f"r{k}"} for k in range(records)])
        ids = [m.item_id for m in made]
        ops = [
            WriteOperation.update("Appointments", ids[k], {"title": f"r{k} v{v}"})
            for k in range(records)
            for v in range(versions)
        ]
        ops += [WriteOperation.update("appointments", ids[0], {"title": "r0 last"})]
        results = client.write_many(ops, max_workers=6)
        assert all(r.ok for r in results)
        for k, record_id in enumerate(ids):
            want = "r0 last" if k == 0 else f"r{k} v{versions - 1}"
            assert client.get("Appointments", record_id)["title"] == want

        # an update then a delete of one record: the delete comes last, so both succeed
        doomed = client.batch_create("Appointments", [{"title": "doomed"}])[0].item_id
        delays["doomed v1"] = 0.12
        results = client.write_many(
            [
                WriteOperation.update("Appointments", doomed, {"title": "doomed v1"}),
                WriteOperation.delete("Appointments", doomed),
            ]
        )
        assert [r.status for r in results] == ["ok", "ok"]
        assert client.get("Appointments", doomed) is None
        client.batch_delete("Appointments", ids)
