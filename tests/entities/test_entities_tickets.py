"""``TicketsEntity``: the reference's ticket helpers against the sandbox."""

from __future__ import annotations

from typing import Any

import pytest

from autotask_pandas import AutotaskClient, AutotaskValidationError
from autotask_pandas.entities.tickets import COMPLETE_STATUS


def _resource_without_default_role(client: AutotaskClient) -> int:
    rows = client.query("Resources", [{"op": "notExist", "field": "defaultServiceDeskRoleID"}])
    return int(rows.items[0]["id"])


def test_create_ticket_maps_account_id_and_fills_required_defaults(
    client: AutotaskClient, company_id: int
) -> None:
    tickets = client.entities.tickets
    made = tickets.create_ticket("Printer jam", "Tray 2 jams", account_id=company_id)
    row = tickets.get(made.item_id)
    assert row["companyID"] == company_id
    assert (row["title"], row["description"]) == ("Printer jam", "Tray 2 jams")
    # status/priority are required live; the tenant's picklist defaults are used.
    assert row["status"] == tickets.picklist_default("status") == 1
    assert row["priority"] == tickets.picklist_default("priority") == 2
    assert row["queueID"] == tickets.picklist_default("queueID")


def test_create_ticket_with_everything(
    client: AutotaskClient, company_id: int, resource_id: int
) -> None:
    tickets = client.entities.tickets
    role = client.get("Resources", resource_id)["defaultServiceDeskRoleID"]
    made = tickets.create_ticket(
        title="Server down",
        description="Nothing answers",
        account_id=company_id,
        queue_id=29682977,
        priority="Critical",
        status=8,
        assigned_resource_id=resource_id,
        issue_type=2,
        subIssueType=102,
    )
    row = tickets.get(made.item_id)
    assert row["priority"] == 4 and row["status"] == 8 and row["queueID"] == 29682977
    assert (row["assignedResourceID"], row["assignedResourceRoleID"]) == (resource_id, role)
    assert (row["issueType"], row["subIssueType"]) == (2, 102)


def test_create_ticket_accepts_api_names_in_kwargs(client: AutotaskClient, company_id: int) -> None:
    made = client.entities.tickets.create_ticket(
        "kw", "kw", companyID=company_id, status=1, priority=3
    )
    row = client.entities.tickets.get(made.item_id)
    assert (row["companyID"], row["priority"]) == (company_id, 3)


def test_create_ticket_refuses_conflicts_and_a_missing_company(
    client: AutotaskClient, company_id: int, request_log
) -> None:
    log = request_log()
    with pytest.raises(AutotaskValidationError, match="companyID is given twice"):
        client.entities.tickets.create_ticket("t", "d", account_id=company_id, accountID=1)
    with pytest.raises(AutotaskValidationError, match="account_id"):
        client.entities.tickets.create_ticket("t", "d")
    with pytest.raises(AutotaskValidationError, match="not a Tickets status label"):
        client.entities.tickets.create_ticket("t", "d", account_id=company_id, status="Nope")
    assert [r for r in log.requests if r.method != "GET"] == []


def test_tickets_by_account(client: AutotaskClient, company_id: int) -> None:
    tickets = client.entities.tickets
    # The company's demo tickets are all Complete: one New and one Complete ticket of the test's
    # own give each filter a row to keep and a row to leave out, whatever ran before.
    new_one = tickets.create_ticket("Still open", "o", account_id=company_id).item_id
    done_one = tickets.create_ticket(
        "Already done", "d", account_id=company_id, status=COMPLETE_STATUS
    ).item_id

    def ids(page: Any) -> set[int]:
        return {t["id"] for t in page.items}

    every = tickets.get_tickets_by_account(company_id)
    assert {new_one, done_one} <= ids(every)
    assert all(t["companyID"] == company_id for t in every.items)
    total = tickets.count([{"op": "eq", "field": "companyID", "value": company_id}])
    assert len(every.items) == min(total, 500)

    open_ = tickets.get_tickets_by_account(company_id, status_filter="open")
    closed = tickets.get_tickets_by_account(company_id, status_filter="closed")
    assert new_one in ids(open_) and done_one in ids(closed)
    assert all(t["status"] != COMPLETE_STATUS for t in open_.items)
    assert all(t["status"] == COMPLETE_STATUS for t in closed.items)
    assert len(open_.items) + len(closed.items) == len(every.items)

    new = tickets.get_tickets_by_account(company_id, status_filter="New")
    assert new_one in ids(new) and done_one not in ids(new)
    assert all(t["status"] == 1 for t in new.items)
    with pytest.raises(AutotaskValidationError, match="'In Progress'"):
        tickets.get_tickets_by_account(company_id, status_filter="Bogus")


def test_tickets_by_resource(client: AutotaskClient) -> None:
    tickets = client.entities.tickets
    resource = tickets.query(
        filters=[
            {"op": "noteq", "field": "status", "value": COMPLETE_STATUS},
            {"op": "exist", "field": "assignedResourceID"},
        ],
        max_records=1,
    ).items[0]["assignedResourceID"]
    every = tickets.get_tickets_by_resource(resource)
    active = tickets.get_tickets_by_resource(resource, include_completed=False)
    assert every.items and all(t["assignedResourceID"] == resource for t in every.items)
    assert active.items and all(t["status"] != COMPLETE_STATUS for t in active.items)
    assert len(active.items) < len(every.items)


def test_update_ticket_status_with_a_note(client: AutotaskClient, company_id: int) -> None:
    tickets = client.entities.tickets
    ticket = tickets.create_ticket("Status", "s", account_id=company_id).item_id
    assert tickets.update_ticket_status(ticket, 8) == {"itemId": ticket}
    assert tickets.get(ticket)["status"] == 8
    tickets.update_ticket_status(ticket, "Complete", note="Fixed by a reboot")
    assert tickets.get(ticket)["status"] == COMPLETE_STATUS
    notes = client.entities.ticket_notes.list_children(ticket)
    assert [n["description"] for n in notes] == ["Fixed by a reboot"]


def test_assign_ticket_sends_the_resources_default_role(
    client: AutotaskClient, company_id: int, resource_id: int, request_log
) -> None:
    tickets = client.entities.tickets
    ticket = tickets.create_ticket("Assign", "a", account_id=company_id).item_id
    role = client.get("Resources", resource_id)["defaultServiceDeskRoleID"]
    tickets.assign_ticket(ticket, resource_id, note="Yours now")
    row = tickets.get(ticket)
    assert (row["assignedResourceID"], row["assignedResourceRoleID"]) == (resource_id, role)
    assert [n["description"] for n in client.entities.ticket_notes.list_children(ticket)] == [
        "Yours now"
    ]
    other_role = next(r["id"] for r in client.query_all("Roles") if r["id"] != role)
    tickets.assign_ticket(ticket, resource_id, role_id=other_role)
    assert tickets.get(ticket)["assignedResourceRoleID"] == other_role


def test_assign_ticket_without_a_known_role_is_refused_before_the_write(
    client: AutotaskClient, company_id: int, request_log
) -> None:
    tickets = client.entities.tickets
    ticket = tickets.create_ticket("No role", "n", account_id=company_id).item_id
    nobody = _resource_without_default_role(client)
    log = request_log()
    with pytest.raises(AutotaskValidationError, match="role_id="):
        tickets.assign_ticket(ticket, nobody)
    assert [r for r in log.requests if r.method == "PATCH"] == []


def test_the_sandbox_refuses_a_resource_without_its_role(
    client: AutotaskClient, company_id: int, resource_id: int
) -> None:
    # Why assign_ticket looks the role up: the live API's rule, as the sandbox applies it.
    from autotask_pandas import AutotaskAPIError

    ticket = client.entities.tickets.create_ticket("Rule", "r", account_id=company_id).item_id
    with pytest.raises(AutotaskAPIError, match="assignedResourceRoleID"):
        client.update("Tickets", ticket, assignedResourceID=resource_id)


def test_add_ticket_note(client: AutotaskClient, request_log) -> None:
    ticket = client.entities.tickets.query(max_records=1).items[0]["id"]
    log = request_log()
    made = client.entities.tickets.add_ticket_note(ticket, "First line\nmore", publish=2)
    assert log.paths("POST") == [f"/ATServicesRest/V1.0/Tickets/{ticket}/Notes"]
    note = client.entities.ticket_notes.get(made.item_id)
    assert (note["ticketID"], note["title"], note["description"]) == (
        ticket,
        "First line",
        "First line\nmore",
    )
    assert (note["noteType"], note["publish"]) == (1, 2)
    titled = client.entities.tickets.add_ticket_note(ticket, "x", note_type=3, title="Own title")
    assert client.entities.ticket_notes.get(titled.item_id)["title"] == "Own title"
