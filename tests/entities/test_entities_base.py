"""``BaseEntity``: the reference's methods plus create/update/replace/delete/count, over the
client, with child entities routed through their parents."""

from __future__ import annotations

import pytest

from autotask_pandas import (
    AutotaskBatchError,
    AutotaskClient,
    AutotaskValidationError,
    CreateResponse,
    QueryFilter,
)


def test_query_returns_one_page_and_get_next_page_follows(client: AutotaskClient) -> None:
    notes = client.entities.ticket_notes
    first = notes.query(max_records=7)
    assert len(first.items) == 7
    assert first.page_details.next_page_url
    second = notes.get_next_page(first)
    assert second is not None and len(second.items) == 7
    ids = [r["id"] for r in first.items + second.items]
    assert ids == sorted(ids) and len(set(ids)) == 14


def test_get_next_page_after_the_last_page_is_none(client: AutotaskClient) -> None:
    page = client.entities.roles.query()
    assert page.items and not page.page_details.next_page_url
    assert client.entities.roles.get_next_page(page) is None


def test_iteration_gives_every_row_once_and_count_agrees(client: AutotaskClient) -> None:
    companies = client.entities.companies
    rows = companies.query_all(page_size=40)
    assert len(rows) == len({r["id"] for r in rows}) == companies.count()
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)
    assert len(list(companies.iter_query(limit=5))) == 5
    pages = list(companies.iter_pages(page_size=100))
    assert sum(len(p.items) for p in pages) == len(rows)


def test_count_with_filters(client: AutotaskClient) -> None:
    companies = client.entities.companies
    active = [QueryFilter(field="is_active", op="eq", value=True)]
    assert companies.count(active) == len(companies.query_all(active)) < companies.count()


def test_query_by_id_and_get(client: AutotaskClient) -> None:
    first = client.entities.tickets.query(max_records=1).items[0]
    assert client.entities.tickets.query_by_id(first["id"]) == first
    assert client.entities.tickets.get(first["id"]) == first
    assert client.entities.tickets.query_by_id(999_999_999) is None


def test_create_update_replace_delete_a_child_through_its_parent(
    client: AutotaskClient, company_id: int, request_log
) -> None:
    contacts = client.entities.contacts
    log = request_log()
    made = contacts.create(
        company_id=company_id, first_name="Ada", last_name="Lovelace", is_active=1
    )
    assert isinstance(made, CreateResponse)
    assert log.paths("POST") == [f"/ATServicesRest/V1.0/Companies/{company_id}/Contacts"]
    row = contacts.get(made.item_id)
    assert (row["firstName"], row["lastName"], row["companyID"]) == ("Ada", "Lovelace", company_id)

    assert contacts.update(made.item_id, title="Countess") == {"itemId": made.item_id}
    assert contacts.get(made.item_id)["title"] == "Countess"
    patches = [r for r in log.requests if r.method == "PATCH"]
    assert [r.path for r in patches] == [f"/ATServicesRest/V1.0/Companies/{company_id}/Contacts"]

    contacts.replace(
        made.item_id, companyID=company_id, firstName="Ada", lastName="King", isActive=1
    )
    replaced = contacts.get(made.item_id)
    assert (
        replaced["lastName"] == "King" and replaced["title"] is None
    )  # PUT nulls the rest (Contact.isActive is an integer on the API)

    assert contacts.delete(made.item_id) is True
    assert contacts.get(made.item_id) is None
    assert contacts.delete(made.item_id) is False


def test_a_ticket_note_goes_under_its_ticket(client: AutotaskClient, request_log) -> None:
    ticket = client.entities.tickets.query(max_records=1).items[0]["id"]
    log = request_log()
    made = client.entities.ticket_notes.create(
        ticketID=ticket, title="t", description="d", note_type=1, publish=1
    )
    assert log.paths("POST") == [f"/ATServicesRest/V1.0/Tickets/{ticket}/Notes"]
    assert client.entities.ticket_notes.get(made.item_id)["ticketID"] == ticket
    children = client.entities.ticket_notes.list_children(ticket)
    assert made.item_id in [r["id"] for r in children]
    assert all(r["ticketID"] == ticket for r in children)


def test_delete_where_the_api_has_none_is_refused_before_any_request(
    client: AutotaskClient, request_log
) -> None:
    log = request_log()
    with pytest.raises(AutotaskValidationError, match="does not allow delete"):
        client.entities.tickets.delete(1)
    assert log.requests == []


def test_batch_create_update_delete_keep_input_order(
    client: AutotaskClient, company_id: int
) -> None:
    contacts = client.entities.contacts
    names = [f"Batch{i}" for i in range(7)]
    made = contacts.batch_create(
        [
            {"companyID": company_id, "first_name": n, "lastName": "Order", "isActive": 1}
            for n in names
        ],
        batch_size=3,
    )
    assert len(made) == 7
    assert [contacts.get(m.item_id)["firstName"] for m in made] == names

    answers = contacts.batch_update(
        [{"id": m.item_id, "title": f"T{i}"} for i, m in enumerate(made)]
    )
    assert answers == [{"itemId": m.item_id} for m in made]
    assert [contacts.get(m.item_id)["title"] for m in made] == [f"T{i}" for i in range(7)]

    ids = [m.item_id for m in made]
    assert contacts.batch_delete([ids[0], 999_999_999, *ids[1:]]) == [True, False] + [True] * 6
    assert all(contacts.get(i) is None for i in ids)


def test_batch_failures_keep_every_result_in_order(client: AutotaskClient, company_id: int) -> None:
    data = [
        {"title": "ok 0", "companyID": company_id, "status": 1, "priority": 2},
        {"title": "bad priority", "companyID": company_id, "status": 1, "priority": 99},
        {"title": "ok 2", "companyID": company_id, "status": 1, "priority": 2},
    ]
    with pytest.raises(AutotaskBatchError) as caught:
        client.entities.tickets.batch_create(data)
    results = caught.value.results
    assert [r.index for r in results] == [0, 1, 2]
    assert [r.status for r in results] == ["ok", "failed", "ok"]
    assert "priority" in str(results[1].error)
    for r in (results[0], results[2]):
        assert client.entities.tickets.get(r.item_id)["title"] == data[r.index]["title"]
