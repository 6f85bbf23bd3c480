"""The lazy ``Query`` over a split query (an ``in``/``notIn`` list past the 500-OR limit) answers
as the unsplit query would: the lowest ids first, each row once, the count of the union.

These are issue 15's examples; tests/client/test_split_queries.py holds the property test that
compares every split query with the same query run unsplit.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from autotask_pandas import AuthCredentials, AutotaskClient, ClientConfig
from autotask_pandas.frames.lazy import Query
from autotask_pandas.sandbox import Sandbox
from autotask_pandas.types import QueryFilter

# First part 7100..7599, second part 7000..7099: the lowest ids are in the second part.
LATE_FIRST = [*range(7100, 7600), *range(7000, 7100)]
FILLER_NAMES = [f"No such company {i}" for i in range(499)]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(scale=0.2, seed=0) as sb:  # tickets 7000..7999, 31 companies
        yield sb


@pytest.fixture(scope="module")
def client(sandbox: Sandbox) -> Iterator[AutotaskClient]:
    creds = AuthCredentials(
        sandbox.username, sandbox.integration_code, sandbox.secret, api_url=sandbox.url
    )
    with AutotaskClient(creds, ClientConfig(transport=sandbox.transport())) as c:
        yield c


def _ids(frame: object) -> list[int]:
    return [int(i) for i in frame["id"]]  # type: ignore[index]


def test_head_of_a_split_in_gives_the_lowest_ids(sandbox: Sandbox, client: AutotaskClient) -> None:
    q = Query(client, "Tickets", where=[QueryFilter(field="id", op="in", value=LATE_FIRST)])
    q.metadata()  # fetched once per client; not counted below
    mark = len(sandbox.requests)
    assert _ids(q.head(3)) == [7000, 7001, 7002]
    # Each part is asked for one page of 3 rows (either may hold the lowest ids), nothing more.
    assert [r.path.rsplit("/", 2)[-2:] for r in sandbox.requests[mark:]] == [
        ["Tickets", "query"]
    ] * 2


def test_limit_of_a_split_in_gives_the_lowest_ids(client: AutotaskClient) -> None:
    q = Query(client, "Tickets", where=[QueryFilter(field="id", op="in", value=LATE_FIRST)])
    assert _ids(q.limit(3).to_pandas(progress=False)) == [7000, 7001, 7002]


def test_to_pandas_of_a_split_in_is_in_id_order(client: AutotaskClient) -> None:
    q = Query(client, "Tickets", where=[QueryFilter(field="id", op="in", value=LATE_FIRST)])
    assert _ids(q.to_pandas(progress=False)) == list(range(7000, 7600))


def test_values_equal_on_the_server_in_two_parts_give_the_row_once(client: AutotaskClient) -> None:
    # "Sandbox MSP" ends the first part, "SANDBOX MSP" is the second: the server compares names
    # without regard to case, so both parts find company 0.
    names = ["Sandbox MSP", *FILLER_NAMES, "SANDBOX MSP"]
    q = Query(client, "Companies", where=[QueryFilter(field="companyName", op="in", value=names)])
    frame = q.to_pandas(progress=False)
    assert _ids(frame) == [0]
    assert q.count() == 1 and len(q) == 1
    frame.loc[frame.index[0], "phone"] = "(518) 555-0199"
    result = frame.autotask.push(dry_run=True)  # a frame with an id twice cannot be pushed
    assert len(result) == 1


def test_count_of_a_split_not_in_is_the_number_of_rows(client: AutotaskClient) -> None:
    companies = client.query_all("Companies", include_fields=["id", "companyName"])
    kept = companies[-8:]
    others = [c["companyName"] for c in companies[1:-8]]
    assert companies[0]["companyName"] == "Sandbox MSP"
    assert {c["companyName"].lower() for c in kept}.isdisjoint(n.lower() for n in others)
    # First part: notIn ["Sandbox MSP", 499 fillers]; the rows of "SANDBOX MSP" and the other
    # names are found with an ``in`` query and removed. Company 0 is in neither the first part nor
    # the answer, so it must not be subtracted again.
    names = ["Sandbox MSP", *FILLER_NAMES, "SANDBOX MSP", *others]
    q = Query(
        client, "Companies", where=[QueryFilter(field="companyName", op="notIn", value=names)]
    )
    frame = q.to_pandas(progress=False)
    assert _ids(frame) == [c["id"] for c in kept]
    assert q.count() == 8
