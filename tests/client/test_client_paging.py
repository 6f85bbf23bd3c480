"""Queries against the sandbox: one page, the POSTed next page, every row once, splitting."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from autotask_pandas import (
    AutotaskClient,
    AutotaskValidationError,
    FilterOperation,
    QueryFilter,
)
from autotask_pandas.sandbox import Sandbox

OPEN = QueryFilter(field="status", op=FilterOperation.NOTEQ, value=5)
COMPLETE = QueryFilter(field="status", op=FilterOperation.EQ, value=5)


def _queries(sb: Sandbox, mark: int) -> list:
    return [r for r in sb.requests[mark:] if "/query" in r.path.lower()]


def test_query_returns_one_page(sandbox: Sandbox, client: AutotaskClient) -> None:
    mark = len(sandbox.requests)
    page = client.query("Tickets", max_records=50)
    assert len(page.items) == 50 == page.page_details.count
    assert page.page_details.request_count == 50
    assert page.page_details.next_page_url
    assert page.has_next_page
    assert [(r.method, r.path) for r in sandbox.requests[mark:]] == [
        ("POST", "/ATServicesRest/V1.0/Tickets/query")
    ]


def test_next_page_is_posted_with_the_same_body(sandbox: Sandbox, client: AutotaskClient) -> None:
    first = client.query("Tickets", [OPEN], max_records=20)
    mark = len(sandbox.requests)
    second = client.get_next_page(first)
    assert second is not None
    calls = _queries(sandbox, mark)
    assert [(r.method, r.path.lower(), r.status) for r in calls] == [
        ("POST", "/atservicesrest/v1.0/tickets/query/next", 200)
    ]
    assert all(row["status"] != 5 for row in second.items)  # the filter travelled with the page
    assert max(r["id"] for r in first.items) < min(r["id"] for r in second.items)


def test_iteration_gives_every_row_exactly_once(sandbox: Sandbox, client: AutotaskClient) -> None:
    expected = client.count("Tickets", [COMPLETE])
    assert expected > 500
    mark = len(sandbox.requests)
    rows = list(client.iter_query("Tickets", [COMPLETE], page_size=137))
    ids = [r["id"] for r in rows]
    assert len(ids) == expected == len(set(ids))
    assert ids == sorted(ids)
    pages = _queries(sandbox, mark)
    assert len(pages) == math.ceil(expected / 137)
    assert all(r.method == "POST" for r in pages)


def test_pages_walk_to_the_end(client: AutotaskClient) -> None:
    total = client.count("Companies")
    pages = list(client.iter_pages("Companies", page_size=40))
    assert [len(p.items) for p in pages[:-1]] == [40] * (len(pages) - 1)
    assert sum(len(p.items) for p in pages) == total
    assert client.get_next_page(pages[-1]) is None


def test_no_filter_means_every_row(client: AutotaskClient) -> None:
    # Sent as [{"op": "gte", "field": "id", "value": 0}]: an empty filter returns nothing live.
    rows = client.query_all("Companies")
    assert len(rows) == client.count("Companies") > 0


def test_limit_fetches_no_more_than_needed(sandbox: Sandbox, client: AutotaskClient) -> None:
    mark = len(sandbox.requests)
    rows = list(client.iter_query("Tickets", limit=10))
    assert len(rows) == 10
    assert len(_queries(sandbox, mark)) == 1


def test_page_size_is_checked_before_any_request(sandbox: Sandbox, client: AutotaskClient) -> None:
    mark = len(sandbox.requests)
    for bad in (0, 501, 1000):
        with pytest.raises(AutotaskValidationError, match="1 to 500"):
            client.query("Tickets", max_records=bad)
    assert sandbox.requests[mark:] == []


def test_include_fields_always_carries_the_id(client: AutotaskClient) -> None:
    page = client.query("Companies", include_fields=["companyName"], max_records=5)
    assert page.items
    for row in page.items:
        assert isinstance(row["id"], int) and "companyName" in row
        assert "phone" not in row


def test_filters_accept_raw_dicts_and_refuse_unknown_operators(
    sandbox: Sandbox, client: AutotaskClient
) -> None:
    assert client.count(
        "Tickets", [{"op": "noteq", "field": "status", "value": 5}]
    ) == client.count("Tickets", [OPEN])
    mark = len(sandbox.requests)
    with pytest.raises(AutotaskValidationError, match="unknown filter operator 'ne'"):
        client.count("Tickets", [{"op": "ne", "field": "status", "value": 5}])
    assert sandbox.requests[mark:] == []


def test_a_text_filter_is_refused_whole_before_any_request(
    sandbox: Sandbox, client: AutotaskClient
) -> None:
    # Iterated as filters, the text was refused by its first character ("got str: 'i'").
    mark = len(sandbox.requests)
    with pytest.raises(AutotaskValidationError, match=r"got the text 'id < 7005'.*read_autotask"):
        client.query_all("Tickets", "id < 7005")  # type: ignore[arg-type]
    assert sandbox.requests[mark:] == []


def test_or_groups(client: AutotaskClient) -> None:
    either = QueryFilter.or_(
        QueryFilter(field="priority", op="eq", value=1),
        QueryFilter(field="priority", op="eq", value=2),
    )
    rows = client.query_all("Tickets", [either], include_fields=["priority"])
    assert rows and {r["priority"] for r in rows} == {1, 2}


def _ticket_ids(client: AutotaskClient, n: int) -> list[int]:
    return [r["id"] for r in client.iter_query("Tickets", include_fields=["id"], limit=n)]


def test_long_in_lists_are_split_and_merged(sandbox: Sandbox, client: AutotaskClient) -> None:
    ids = _ticket_ids(client, 2000)[::-1][::2]  # 1000 ids, given in descending order
    wanted = ids + ids[:50]  # duplicates in the list are one condition
    mark = len(sandbox.requests)
    rows = client.query_all("Tickets", [QueryFilter(field="id", op="in", value=wanted)])
    got = [r["id"] for r in rows]
    assert got == sorted(set(ids))  # every row once, ascending id across the parts
    posts = [r for r in _queries(sandbox, mark) if r.path.lower().endswith("/tickets/query")]
    assert len(posts) == 2  # 1000 distinct values: two queries of 500
    assert client.count("Tickets", [QueryFilter(field="id", op="in", value=wanted)]) == len(ids)


def test_long_in_lists_page_by_page(client: AutotaskClient) -> None:
    ids = _ticket_ids(client, 1200)
    f = QueryFilter(field="id", op="in", value=ids)
    page = client.query("Tickets", [f], max_records=500)
    seen: list[int] = []
    while page is not None:
        seen.extend(r["id"] for r in page.items)
        page = client.get_next_page(page)
    assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen))


def test_long_not_in_lists(client: AutotaskClient) -> None:
    excluded = _ticket_ids(client, 1300)[::2]  # 650 ids
    f = QueryFilter(field="id", op="notIn", value=excluded)
    total = client.count("Tickets")
    assert client.count("Tickets", [f]) == total - len(excluded)
    rows = client.query_all("Tickets", [f], include_fields=["id"])
    got = [r["id"] for r in rows]
    assert len(got) == total - len(excluded) == len(set(got))
    assert not set(got) & set(excluded)
    assert got == sorted(got)


def test_long_lists_inside_groups_are_refused(sandbox: Sandbox, client: AutotaskClient) -> None:
    group = QueryFilter.or_(
        QueryFilter(field="id", op="in", value=list(range(1, 600))),
        QueryFilter(field="status", op="eq", value=1),
    )
    mark = len(sandbox.requests)
    with pytest.raises(AutotaskValidationError, match="only top-level lists can be split"):
        client.query("Tickets", [group])
    assert sandbox.requests[mark:] == []


def test_one_udf_condition_per_query(sandbox: Sandbox, client: AutotaskClient) -> None:
    one = QueryFilter(field="Customer Impact", op="eq", value="3", udf=True)
    n = client.count("Tickets", [one])
    rows = client.query_all("Tickets", [one])
    assert len(rows) == n > 0
    for row in rows:
        assert {"name": "Customer Impact", "value": "3"} in row["userDefinedFields"]
    second = {"op": "exist", "field": "Root Cause", "udf": True}
    mark = len(sandbox.requests)
    with pytest.raises(AutotaskValidationError, match="one user-defined-field condition"):
        client.query("Tickets", [one, QueryFilter.or_(second, OPEN)])
    with pytest.raises(AutotaskValidationError, match="one user-defined-field condition"):
        client.count("Tickets", [one, second])
    assert sandbox.requests[mark:] == []


def test_child_only_entities_are_queried_at_their_root(
    sandbox: Sandbox, client: AutotaskClient
) -> None:
    # A company that has contacts: the company of the first contact (company 0, the MSP
    # itself, has none, and two empty lists would prove nothing).
    company = client.query("Contacts", max_records=1).items[0]["companyID"]
    mark = len(sandbox.requests)
    contacts = client.query_all(
        "Contacts", [QueryFilter(field="companyID", op="eq", value=company)]
    )
    assert contacts and all(c["companyID"] == company for c in contacts)
    assert {r.path for r in sandbox.requests[mark:]} == {"/ATServicesRest/V1.0/Contacts/query"}
    listed = client.list_children("Contacts", company)
    assert [c["id"] for c in listed] == [c["id"] for c in contacts]


def test_entity_names_ignore_case(make_client: Callable[..., AutotaskClient]) -> None:
    client = make_client(inprocess=True)
    assert client.count("tickets") == client.count("TICKETS") == client.count("Tickets")
    with pytest.raises(AutotaskValidationError, match="no entity called 'Ticket'"):
        client.count("Ticket")
