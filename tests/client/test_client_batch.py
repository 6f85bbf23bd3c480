"""The one write path: write_many and the reference's batch_* on top of it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from helpers import new_sandbox

from autotask_pandas import (
    AutotaskAPIError,
    AutotaskBatchError,
    AutotaskClient,
    AutotaskValidationError,
    CreateResponse,
    WriteOperation,
    WriteResult,
)
from autotask_pandas.sandbox import Sandbox


def _company(client: AutotaskClient) -> int:
    return client.query(
        "Companies", [{"op": "gt", "field": "id", "value": 0}], max_records=1
    ).items[0]["id"]


def test_batch_create_returns_ids_in_input_order(sandbox: Sandbox, client: AutotaskClient) -> None:
    company = _company(client)
    data = [
        {"companyID": company, "title": f"batch ticket {i}", "status": 1, "priority": 2}
        for i in range(25)
    ]
    mark = len(sandbox.requests)
    created = client.batch_create("Tickets", data, batch_size=7)
    assert len(created) == 25 and all(isinstance(c, CreateResponse) for c in created)
    for i, c in enumerate(created):
        assert client.get("Tickets", c.item_id)["title"] == f"batch ticket {i}"
    posts = [r for r in sandbox.requests[mark:] if r.method == "POST"]
    assert len(posts) == 25  # one request per record: there is no batch endpoint
    assert all(r.status == 200 for r in posts)


def test_batch_update_and_delete(client: AutotaskClient) -> None:
    made = client.batch_create("Appointments", [{"title": f"a{i}"} for i in range(8)])
    ids = [m.item_id for m in made]
    answers = client.batch_update("Appointments", [{"id": i, "title": f"moved {i}"} for i in ids])
    assert answers == [{"itemId": i} for i in ids]
    assert all(client.get("Appointments", i)["title"] == f"moved {i}" for i in ids)
    assert client.batch_delete("Appointments", ids) == [True] * len(ids)
    assert all(client.get("Appointments", i) is None for i in ids)


def test_every_failure_is_surfaced_in_order(client: AutotaskClient) -> None:
    company = _company(client)
    good = {"companyID": company, "title": "fine", "status": 1, "priority": 2}
    bad = {"companyID": company, "title": "no priority", "status": 1}  # refused by the server
    data = [good, bad, good, bad, good]
    with pytest.raises(AutotaskBatchError) as info:
        client.batch_create("Tickets", data)
    err = info.value
    assert [r.status for r in err.results] == ["ok", "failed", "ok", "failed", "ok"]
    assert [r.index for r in err.results] == [0, 1, 2, 3, 4]
    assert [r.index for r in err.failed] == [1, 3]
    for r in err.failed:
        assert isinstance(r.error, AutotaskAPIError)
        assert "priority is required for the Ticket entity." in r.error.errors
    assert "priority is required" in str(err)
    for r in err.succeeded:  # the successes are not lost either
        assert client.get("Tickets", r.item_id)["title"] == "fine"


def test_write_many_mixes_operations_and_reports_progress(client: AutotaskClient) -> None:
    company = _company(client)
    made = client.batch_create("Appointments", [{"title": "x"}, {"title": "y"}])
    seen: list[WriteResult] = []
    ops = [
        WriteOperation.create(
            "Contacts", {"companyID": company, "firstName": "A", "lastName": "B", "isActive": 1}
        ),
        WriteOperation.update("Appointments", made[0].item_id, {"title": "x2"}),
        WriteOperation.replace("Appointments", made[1].item_id, {"title": "y2"}),
        WriteOperation.delete("Appointments", made[0].item_id),
        WriteOperation.create("Tickets", {"companyID": company, "title": "missing status"}),
    ]
    results = client.write_many(ops, progress=seen.append)
    assert [r.index for r in results] == [0, 1, 2, 3, 4]
    assert [r.status for r in results[:4]] == ["ok"] * 4
    assert results[4].status == "failed" and "status is required" in str(results[4].error)
    assert sorted(r.index for r in seen) == [0, 1, 2, 3, 4]
    assert client.get("Contacts", results[0].item_id)["companyID"] == company
    assert client.get("Appointments", made[1].item_id)["title"] == "y2"


def test_invalid_operations_stop_everything_before_the_first_request(
    sandbox: Sandbox, client: AutotaskClient
) -> None:
    ops = [
        WriteOperation.create("Appointments", {"title": "would be fine"}),
        WriteOperation.delete("Tickets", 7000),  # Tickets cannot be deleted
        WriteOperation.create("Contacts", {"firstName": "no company"}),
        WriteOperation.create("NoSuchEntity", {}),
    ]
    mark = len(sandbox.requests)
    with pytest.raises(AutotaskValidationError) as info:
        client.write_many(ops)
    assert sandbox.requests[mark:] == []
    assert sorted(info.value.problems) == [1, 2, 3]  # type: ignore[attr-defined]
    with pytest.raises(AutotaskValidationError, match="has no id"):
        client.batch_update("Appointments", [{"title": "no id"}])


def test_empty_batches(client: AutotaskClient) -> None:
    assert client.write_many([]) == []
    assert client.batch_create("Appointments", []) == []


def test_many_writes_respect_the_thread_limit(make_client: Callable[..., AutotaskClient]) -> None:
    # More workers than the API allows: the limiter still keeps 3 in flight per endpoint, so the
    # sandbox (thread_limit=3, some latency to make requests overlap) refuses none of them.
    with new_sandbox(latency=0.02, thread_limit=3) as sb:
        client = make_client(sb, max_retries=0)
        results = client.write_many(
            [WriteOperation.create("Appointments", {"title": f"t{i}"}) for i in range(30)],
            max_workers=10,
        )
        assert all(r.ok for r in results)
        assert client.limiter_peaks["appointments"] == 3
        assert not [r for r in sb.requests if r.status != 200]
