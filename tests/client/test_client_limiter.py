"""The limiter: never more than 3 requests in flight per endpoint, however many threads ask.

The sandbox enforces Autotask's thread limit (3 per integration and endpoint) and answers a
"Thread Threshold Exceeded" error beyond it; with ``max_retries=0`` any such answer would fail the
test, so a green test means the limit was never crossed.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from helpers import new_sandbox

from autotask_pandas import AutotaskClient, AutotaskThreadLimitError, WriteOperation
from autotask_pandas.client.transport import endpoint_keys
from autotask_pandas.sandbox import Sandbox

MakeClient = Callable[..., AutotaskClient]


@pytest.fixture(scope="module")
def slow_sandbox() -> Sandbox:
    # Latency makes concurrent requests overlap on the server.
    with new_sandbox(latency=0.03, thread_limit=3) as sb:
        yield sb


def _hammer(client: AutotaskClient, calls: int = 40, threads: int = 12) -> list[BaseException]:
    def one(i: int) -> None:
        client.get("Tickets", 7000 + i)

    errors: list[BaseException] = []
    with ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(one, i) for i in range(calls)]:
            if (exc := future.exception()) is not None:
                errors.append(exc)
    return errors


@pytest.mark.parametrize("inprocess", [False, True])
def test_never_more_than_three_in_flight(
    slow_sandbox: Sandbox, make_client: MakeClient, inprocess: bool
) -> None:
    client = make_client(slow_sandbox, inprocess=inprocess, max_retries=0)
    mark = len(slow_sandbox.requests)
    assert _hammer(client) == []
    assert client.limiter_peaks["tickets"] == 3
    assert {r.status for r in slow_sandbox.requests[mark:]} == {200}


def test_the_sandbox_does_refuse_a_fourth_request(
    slow_sandbox: Sandbox, make_client: MakeClient
) -> None:
    # The control: a client allowed 6 in flight is refused by the sandbox, so the test above
    # is meaningful.
    greedy = make_client(slow_sandbox, thread_limit=6, max_retries=0, thread_limit_patience=0)
    errors = _hammer(greedy)
    assert errors and all(isinstance(e, AutotaskThreadLimitError) for e in errors)


def test_child_routes_count_for_parent_and_child(
    slow_sandbox: Sandbox, make_client: MakeClient
) -> None:
    client = make_client(slow_sandbox, max_retries=0)
    company = client.query(
        "Companies", [{"op": "gt", "field": "id", "value": 0}], max_records=1
    ).items[0]["id"]
    ops = [
        WriteOperation.create(
            "Contacts", {"companyID": company, "firstName": f"F{i}", "lastName": "L", "isActive": 1}
        )
        for i in range(15)
    ]

    def companies() -> int:
        return len(client.query_all("Companies", page_size=50))

    with ThreadPoolExecutor(4) as pool:
        readers = [pool.submit(companies) for _ in range(4)]
        results = client.write_many(ops, max_workers=8)
        assert all(f.result() > 0 for f in readers)
    assert all(r.ok for r in results), [r for r in results if not r.ok]
    assert max(client.limiter_peaks.values()) <= 3


def test_paging_from_many_threads(slow_sandbox: Sandbox, make_client: MakeClient) -> None:
    client = make_client(slow_sandbox, max_retries=0)
    expected = client.count("Companies")
    with ThreadPoolExecutor(6) as pool:
        counts = list(
            pool.map(lambda _: len(client.query_all("Companies", page_size=30)), range(6))
        )
    assert counts == [expected] * 6
    assert client.limiter_peaks["companies"] <= 3


def test_endpoint_keys() -> None:
    base = "https://webservices5.autotask.net/ATServicesRest/V1.0/"
    assert endpoint_keys(base + "Tickets/query/next?paging=x") == ("tickets",)
    assert endpoint_keys(base + "Companies/12/Contacts") == ("companies", "contacts")
    assert endpoint_keys(base + "Companies/12/Contacts/5") == ("companies", "contacts")
    assert endpoint_keys(base + "Tickets/entityInformation/fields") == ("tickets",)
    assert endpoint_keys(base + "ZoneInformation?user=x") == ()  # exempt
