"""Child routes and user-defined fields over loopback HTTP (FACTS.md sections 3, 8).

Contacts are written only through ``Companies/{id}/Contacts``, ticket notes only through
``Tickets/{id}/Notes``; UDFs travel as ``userDefinedFields: [{name, value}]``. Rows are created
fresh here, so the demo data other modules read stays as it is.
"""

from __future__ import annotations

from typing import Any

import httpx
from sandbox_http import (
    NO_MATCHING_DELETE,
    company_body,
    errors,
    item,
    names_field,
    not_allowed,
    ok,
    ticket_body,
    unique,
)

# --------------------------------------------------------------------------- child routes


def test_contacts_are_written_through_their_company(
    api: httpx.Client, customer: int, owner: int
) -> None:
    other = ok(api.post("V1.0/Companies", json=company_body(owner)))["itemId"]
    # Contact.isActive is an integer in the spec (1/0), unlike Company.isActive.
    body = {
        "firstName": "Ada",
        "lastName": unique("Lovelace"),
        "isActive": 1,
        "emailAddress": "ada@example.invalid",
    }
    # Not at the root: the spec has no POST /Contacts.
    response = api.post("V1.0/Contacts", json={**body, "companyID": customer})
    # A known path without the verb: ASP.NET's 405 (as GET /V1.0/Contacts is, FACTS §3).
    assert response.status_code == 405 and response.json() == not_allowed("POST")

    contact_id = ok(api.post(f"V1.0/Companies/{customer}/Contacts", json=body))["itemId"]
    row = item(api, f"V1.0/Contacts/{contact_id}")
    assert row["companyID"] == customer and row["lastName"] == body["lastName"]
    assert contact_id in [
        c["id"] for c in ok(api.get(f"V1.0/Companies/{customer}/Contacts"))["items"]
    ]
    assert item(api, f"V1.0/Companies/{customer}/Contacts/{contact_id}")["id"] == contact_id

    assert ok(
        api.patch(f"V1.0/Companies/{customer}/Contacts", json={"id": contact_id, "title": "CTO"})
    ) == {"itemId": contact_id}
    assert item(api, f"V1.0/Contacts/{contact_id}")["title"] == "CTO"
    # Under another company the contact is not found, and cannot be moved there by the body.
    errors(api.patch(f"V1.0/Companies/{other}/Contacts", json={"id": contact_id, "title": "CEO"}))
    errors(
        api.patch(
            f"V1.0/Companies/{customer}/Contacts", json={"id": contact_id, "companyID": other}
        )
    )
    assert api.get(f"V1.0/Companies/{other}/Contacts/{contact_id}").status_code == 404
    assert errors(api.delete(f"V1.0/Companies/{other}/Contacts/{contact_id}")) == [
        NO_MATCHING_DELETE
    ]
    assert item(api, f"V1.0/Contacts/{contact_id}")["title"] == "CTO"

    assert ok(api.delete(f"V1.0/Companies/{customer}/Contacts/{contact_id}")) == {
        "itemId": contact_id
    }
    assert api.get(f"V1.0/Contacts/{contact_id}").status_code == 404


def test_contact_validation_names_the_fields(api: httpx.Client, customer: int) -> None:
    messages = errors(api.post(f"V1.0/Companies/{customer}/Contacts", json={"firstName": "x" * 51}))
    assert names_field(messages, "lastName") and names_field(messages, "firstName")


def test_ticket_notes_are_written_through_their_ticket(api: httpx.Client, customer: int) -> None:
    ticket = ok(api.post("V1.0/Tickets", json=ticket_body(customer)))["itemId"]
    body = {
        "title": "Called the customer",
        "description": "Left a voicemail.",
        "noteType": 3,
        "publish": 1,
    }
    response = api.post("V1.0/TicketNotes", json={**body, "ticketID": ticket})
    assert response.status_code == 405 and response.json() == not_allowed("POST")

    note_id = ok(api.post(f"V1.0/Tickets/{ticket}/Notes", json=body))["itemId"]
    row = item(api, f"V1.0/TicketNotes/{note_id}")
    assert row["ticketID"] == ticket and row["title"] == body["title"]
    listed = ok(api.get(f"V1.0/Tickets/{ticket}/Notes"))
    assert [n["id"] for n in listed["items"]] == [note_id]
    assert ok(
        api.patch(
            f"V1.0/Tickets/{ticket}/Notes", json={"id": note_id, "title": "Spoke to the customer"}
        )
    ) == {"itemId": note_id}
    assert item(api, f"V1.0/TicketNotes/{note_id}")["title"] == "Spoke to the customer"
    response = api.delete(f"V1.0/Tickets/{ticket}/Notes/{note_id}")
    assert response.status_code == 405 and response.json() == not_allowed("DELETE")
    # Required note fields and picklists are checked on the child route too.
    messages = errors(
        api.post(f"V1.0/Tickets/{ticket}/Notes", json={"title": "t", "noteType": 999})
    )
    assert names_field(messages, "description") and names_field(messages, "noteType")


def test_a_child_under_a_missing_parent_is_refused(api: httpx.Client) -> None:
    body = {"title": "t", "description": "d", "noteType": 3, "publish": 1}
    errors(api.post("V1.0/Tickets/987654321/Notes", json=body))


# --------------------------------------------------------------------------- UDFs


def udfs(row: dict[str, Any]) -> dict[str, Any]:
    return {u["name"]: u["value"] for u in row.get("userDefinedFields", [])}


def test_udfs_are_written_and_read_as_name_value_pairs(api: httpx.Client, owner: int) -> None:
    body = company_body(
        owner,
        userDefinedFields=[
            {"name": "Customer Tier", "value": "1"},
            {"name": "Seats", "value": "40"},
        ],
    )
    company_id = ok(api.post("V1.0/Companies", json=body))["itemId"]
    row = item(api, f"V1.0/Companies/{company_id}")
    assert all(set(u) == {"name", "value"} for u in row["userDefinedFields"])
    assert udfs(row)["Customer Tier"] == "1" and udfs(row)["Seats"] == "40"
    # PATCH needs only the changed UDF; the others stay.
    ok(
        api.patch(
            "V1.0/Companies",
            json={"id": company_id, "userDefinedFields": [{"name": "Seats", "value": "41"}]},
        )
    )
    after = udfs(item(api, f"V1.0/Companies/{company_id}"))
    assert after["Seats"] == "41" and after["Customer Tier"] == "1"
    found = ok(
        api.post(
            "V1.0/Companies/query",
            json={
                "filter": [
                    {"op": "eq", "field": "Seats", "udf": True, "value": 41},
                    {"op": "eq", "field": "id", "value": company_id},
                ]
            },
        )
    )
    assert [r["id"] for r in found["items"]] == [company_id]


def test_udf_default_applies_on_create(api: httpx.Client, owner: int) -> None:
    definitions = ok(api.get("V1.0/Companies/entityInformation/userDefinedFields"))["fields"]
    tier = next(d for d in definitions if d["name"] == "Customer Tier")
    assert tier["defaultValue"] is not None
    company_id = ok(api.post("V1.0/Companies", json=company_body(owner)))["itemId"]
    assert udfs(item(api, f"V1.0/Companies/{company_id}"))["Customer Tier"] == tier["defaultValue"]


def test_udf_validation(api: httpx.Client, owner: int) -> None:
    unknown = errors(
        api.post(
            "V1.0/Companies",
            json=company_body(owner, userDefinedFields=[{"name": "No Such UDF", "value": "x"}]),
        )
    )
    assert names_field(unknown, "No Such UDF")
    bad_pick = errors(
        api.post(
            "V1.0/Companies",
            json=company_body(
                owner, userDefinedFields=[{"name": "Customer Tier", "value": "Gold"}]
            ),
        )
    )
    assert names_field(bad_pick, "Customer Tier")
    bad_int = errors(
        api.post(
            "V1.0/Companies",
            json=company_body(owner, userDefinedFields=[{"name": "Seats", "value": "many"}]),
        )
    )
    assert names_field(bad_int, "Seats")


def test_ticket_udfs_round_trip(api: httpx.Client, customer: int) -> None:
    body = ticket_body(
        customer, userDefinedFields=[{"name": "Root Cause", "value": "Expired certificate"}]
    )
    ticket = ok(api.post("V1.0/Tickets", json=body))["itemId"]
    assert udfs(item(api, f"V1.0/Tickets/{ticket}"))["Root Cause"] == "Expired certificate"
    too_long = [{"name": "Root Cause", "value": "x" * 101}]
    assert names_field(
        errors(api.patch("V1.0/Tickets", json={"id": ticket, "userDefinedFields": too_long})),
        "Root Cause",
    )
