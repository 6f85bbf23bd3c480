"""Single-record reads and writes against the sandbox, child routing included."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest

from autotask_pandas import (
    AutotaskAPIError,
    AutotaskClient,
    AutotaskValidationError,
    ClientConfig,
    CreateResponse,
    QueryFilter,
)
from autotask_pandas.entities import EntityManager
from autotask_pandas.sandbox import Sandbox


def _calls(sb: Sandbox, mark: int) -> list[tuple[str, str]]:
    prefix = "/ATServicesRest/V1.0/"
    return [(r.method, r.path[len(prefix) :]) for r in sb.requests[mark:]]


def _company(client: AutotaskClient) -> int:
    return client.query(
        "Companies", [QueryFilter(field="id", op="gt", value=0)], max_records=1
    ).items[0]["id"]


def _ticket(client: AutotaskClient, **extra: Any) -> int:
    body = {
        "companyID": _company(client),
        "title": "Printer on fire",
        "status": 1,
        "priority": 2,
        **extra,
    }
    return client.create_entity("Tickets", **body).item_id


def test_get_returns_the_record_or_none(client: AutotaskClient) -> None:
    first = client.query("Tickets", max_records=1).items[0]
    assert client.get("Tickets", first["id"]) == first
    assert client.get("tickets", 1) is None  # no such id: the API's 404 becomes None


def test_create_update_replace(sandbox: Sandbox, client: AutotaskClient) -> None:
    mark = len(sandbox.requests)
    created = client.create_entity(
        "Tickets", companyID=_company(client), title="Printer on fire", status=1, priority=2
    )
    assert isinstance(created, CreateResponse) and created.item_id > 0
    tid = created.item_id
    assert client.update("Tickets", tid, title="Printer smouldering") == {"itemId": tid}
    assert client.get("Tickets", tid)["title"] == "Printer smouldering"
    record = client.get("Tickets", tid)
    assert client.replace("Tickets", tid, **{**record, "title": "Printer replaced"}) == {
        "itemId": tid
    }
    assert client.get("Tickets", tid)["title"] == "Printer replaced"
    writes = [
        c for c in _calls(sandbox, mark) if c[0] in ("POST", "PATCH", "PUT") and "query" not in c[1]
    ]
    # writes go to the collection URL with the id in the body (PATCH /Tickets/{id} is a 405)
    assert writes == [("POST", "Tickets"), ("PATCH", "Tickets"), ("PUT", "Tickets")]


def test_server_validation_errors_keep_the_servers_words(client: AutotaskClient) -> None:
    with pytest.raises(AutotaskAPIError) as info:
        client.create_entity("Tickets", companyID=_company(client), title="no status")
    err = info.value
    assert err.status_code == 500
    assert "status is required for the Ticket entity." in err.errors
    for words in err.errors:
        assert words in str(err)


def test_unknown_filter_field_keeps_the_servers_words(client: AutotaskClient) -> None:
    with pytest.raises(AutotaskAPIError, match="Unable to find"):
        client.count("Tickets", [QueryFilter(field="noSuchField", op="eq", value=1)])


def test_contacts_are_written_through_their_company(
    sandbox: Sandbox, client: AutotaskClient
) -> None:
    company = _company(client)
    mark = len(sandbox.requests)
    cid = client.create_entity(
        "Contacts", companyID=company, firstName="Ada", lastName="Lovelace", isActive=1
    ).item_id
    assert _calls(sandbox, mark) == [("POST", f"Companies/{company}/Contacts")]
    assert client.get("Contacts", cid)["companyID"] == company

    mark = len(sandbox.requests)
    client.update("Contacts", cid, firstName="Augusta")  # no companyID given: looked up first
    assert _calls(sandbox, mark) == [
        ("GET", f"Contacts/{cid}"),
        ("PATCH", f"Companies/{company}/Contacts"),
    ]
    assert client.get("Contacts", cid)["firstName"] == "Augusta"

    mark = len(sandbox.requests)
    client.update("Contacts", cid, companyID=company, lastName="King")  # given: no lookup
    assert _calls(sandbox, mark) == [("PATCH", f"Companies/{company}/Contacts")]

    mark = len(sandbox.requests)
    assert client.delete("Contacts", cid, parent_id=company) is True
    assert _calls(sandbox, mark) == [("DELETE", f"Companies/{company}/Contacts/{cid}")]
    assert client.get("Contacts", cid) is None


def test_a_child_create_without_its_parent_is_refused(
    sandbox: Sandbox, client: AutotaskClient
) -> None:
    mark = len(sandbox.requests)
    with pytest.raises(AutotaskValidationError, match="companyID"):
        client.create_entity("Contacts", firstName="No", lastName="Company", isActive=1)
    assert sandbox.requests[mark:] == []


def test_ticket_notes_go_through_their_ticket(sandbox: Sandbox, client: AutotaskClient) -> None:
    tid = _ticket(client)
    mark = len(sandbox.requests)
    note = client.create_entity(
        "TicketNotes",
        ticketID=tid,
        title="Called",
        description="Left a message",
        noteType=1,
        publish=1,
    ).item_id
    client.update("TicketNotes", note, ticketID=tid, title="Called twice")
    assert _calls(sandbox, mark) == [
        ("POST", f"Tickets/{tid}/Notes"),
        ("PATCH", f"Tickets/{tid}/Notes"),
    ]
    assert client.get("TicketNotes", note)["title"] == "Called twice"
    notes = client.query_all("TicketNotes", [QueryFilter(field="ticketID", op="eq", value=tid)])
    assert [n["id"] for n in notes] == [note]
    # explicit parent id, body without the parent field
    other = client.create_entity(
        "TicketNotes", parent_id=tid, title="t", description="d", noteType=1, publish=1
    )
    assert client.get("TicketNotes", other.item_id)["ticketID"] == tid


@pytest.mark.parametrize(
    ("entity", "words"),
    [("Tickets", "delete on Tickets"), ("TicketNotes", "delete on TicketNotes")],
)
def test_delete_only_where_the_api_allows_it(
    sandbox: Sandbox, client: AutotaskClient, entity: str, words: str
) -> None:
    mark = len(sandbox.requests)
    with pytest.raises(AutotaskValidationError, match=words):
        client.delete(entity, 7000)
    assert sandbox.requests[mark:] == []


def test_delete_where_allowed(sandbox: Sandbox, client: AutotaskClient) -> None:
    aid = client.create_entity("Appointments", title="Quarterly review").item_id
    mark = len(sandbox.requests)
    assert client.delete("Appointments", aid) is True
    assert _calls(sandbox, mark) == [("DELETE", f"Appointments/{aid}")]
    assert client.get("Appointments", aid) is None
    # deleting it again: the live API's 500 "No matching records found" means nothing was deleted
    assert client.delete("Appointments", aid) is False
    assert client.batch_delete("Appointments", [aid]) == [False]


def test_create_takes_no_id(sandbox: Sandbox, client: AutotaskClient) -> None:
    mark = len(sandbox.requests)
    with pytest.raises(AutotaskValidationError, match="takes no id"):
        client.create_entity("Appointments", id=5, title="x")
    with pytest.raises(AutotaskValidationError, match="differs"):
        client.update("Appointments", 5, id=6, title="x")
    assert sandbox.requests[mark:] == []


def test_impersonation_per_call_and_per_client(
    sandbox: Sandbox, client: AutotaskClient, make_client: Callable[..., AutotaskClient]
) -> None:
    api_user = sandbox.app.user.resource_id if sandbox.app else None
    others = client.query(
        "Resources", [QueryFilter(field="id", op="noteq", value=api_user)], max_records=5
    )
    target = others.items[-1]["id"]
    tid = _ticket(client)
    # The API user itself cannot be impersonated (API-only users, FACTS §2): the header is sent,
    # and the server refuses it.
    with pytest.raises(AutotaskAPIError, match=f"Resource {api_user} cannot be impersonated"):
        client.create_entity(
            "TicketNotes",
            ticketID=tid,
            title="as myself",
            description="d",
            noteType=1,
            publish=1,
            impersonation_resource_id=api_user,
        )
    note = client.create_entity(
        "TicketNotes",
        ticketID=tid,
        title="as someone",
        description="d",
        noteType=1,
        publish=1,
        impersonation_resource_id=target,
    ).item_id
    assert client.get("TicketNotes", note)["impersonatorCreatorResourceID"] == target
    as_other = make_client(impersonation_resource_id=target)
    note2 = as_other.create_entity(
        "TicketNotes", ticketID=tid, title="again", description="d", noteType=1, publish=1
    ).item_id
    assert client.get("TicketNotes", note2)["impersonatorCreatorResourceID"] == target


def test_entities_property_says_what_is_missing(sandbox: Sandbox, client: AutotaskClient) -> None:
    # The package root plugs EntityManager into the client's slot; a client whose slot is empty
    # (the root bypassed) says what it misses instead of failing on None.
    class Unplugged(AutotaskClient):
        entity_manager = None

    with Unplugged(sandbox.credentials, ClientConfig(transport=sandbox.transport())) as bare:
        with pytest.raises(RuntimeError, match="needs the autotask_pandas package imported"):
            bare.entities  # noqa: B018
    # Plugged: one manager per client, made once.
    assert isinstance(client.entities, EntityManager)
    assert client.entities is client.entities


def test_bytes_travel_as_base64_through_the_parent(
    sandbox: Sandbox, client: AutotaskClient
) -> None:
    tid = _ticket(client)
    mark = len(sandbox.requests)
    made = client.create_entity(
        "TicketAttachments",
        ticketID=tid,
        title="notes.txt",
        fullPath="notes.txt",
        attachmentType="FILE_ATTACHMENT",
        publish=1,
        data=b"hello \x00 world",
    )
    assert _calls(sandbox, mark) == [("POST", f"Tickets/{tid}/Attachments")]
    got = client.get("TicketAttachments", made.item_id, parent_id=tid)
    assert got is not None and base64.b64decode(got["data"]) == b"hello \x00 world"
    assert client.delete("TicketAttachments", made.item_id, parent_id=tid) is True
    assert client.get("TicketAttachments", made.item_id, parent_id=tid) is None


def test_an_unknown_field_is_refused_before_any_request(
    sandbox: Sandbox, client: AutotaskClient
) -> None:
    # The reference's own example: the live API would silently drop the property, losing data.
    mark = len(sandbox.requests)
    with pytest.raises(AutotaskValidationError, match="Tickets has no field 'invalid_data'"):
        client.create_entity("Tickets", invalid_data=True)
    assert [r for r in sandbox.requests[mark:] if r.method != "GET"] == []
    # SOAP-era and snake_case names are mapped, not refused
    company = client.query("Companies", [{"op": "gt", "field": "id", "value": 0}], max_records=1)
    made = client.create_entity(
        "Tickets", accountID=company.items[0]["id"], title="mapped", status=1, priority=2
    )
    assert client.get("Tickets", made.item_id)["companyID"] == company.items[0]["id"]
