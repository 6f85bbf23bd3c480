"""Creates, updates, replaces and deletes over loopback HTTP (FACTS.md sections 3, 5, 8, 11).

Success is ``{"itemId": n}``; validation failures are ``{"errors": [...]}`` naming the field, and
nothing is written; routing mistakes (``PATCH /{Entity}/{id}``, a DELETE the spec lacks) are 405
``{"Message": ...}``. Rows are created fresh here, so the demo data other modules read stays as it is.
"""

from __future__ import annotations

import httpx
from sandbox_http import (
    ALL,
    NO_MATCHING_DELETE,
    company_body,
    count,
    errors,
    item,
    names_field,
    not_allowed,
    ok,
    ticket_body,
    unique,
)

from autotask_pandas.sandbox import Sandbox

# --------------------------------------------------------------------------- create


def test_create_returns_item_id_and_the_row_reads_back(api: httpx.Client, owner: int) -> None:
    body = company_body(owner, city="Albany", isActive=True)
    created = ok(api.post("V1.0/Companies", json=body))
    assert set(created) == {"itemId"} and isinstance(created["itemId"], int)
    row = item(api, f"V1.0/Companies/{created['itemId']}")
    assert row["id"] == created["itemId"]
    for key, value in body.items():
        assert row[key] == value
    # The server stamps the creation, and the id given as 0 (or left out) is the server's choice.
    assert row["createDate"] is not None
    again = ok(api.post("V1.0/Companies", json={"id": 0, **company_body(owner)}))
    assert again["itemId"] > created["itemId"]


def test_create_refuses_a_missing_required_field_and_names_each(api: httpx.Client) -> None:
    before = count(api, "Companies", [ALL])
    messages = errors(api.post("V1.0/Companies", json={"city": "Nowhere"}))
    for field in ("companyName", "companyType", "phone", "ownerResourceID"):
        assert names_field(messages, field), messages
    assert count(api, "Companies", [ALL]) == before


def test_create_refuses_a_picklist_value_not_in_the_list(api: httpx.Client, owner: int) -> None:
    body = company_body(owner, companyType=999)
    messages = errors(api.post("V1.0/Companies", json=body))
    assert names_field(messages, "companyType") and "999" in " ".join(messages)
    assert (
        count(
            api, "Companies", [{"op": "eq", "field": "companyName", "value": body["companyName"]}]
        )
        == 0
    )


def test_dependent_picklist_sub_issue_type_must_belong_to_issue_type(
    api: httpx.Client, customer: int
) -> None:
    fields = ok(api.get("V1.0/Tickets/entityInformation/fields"))["fields"]
    sub = next(f for f in fields if f["name"] == "subIssueType")
    assert sub["picklistParentValueField"].lower() == "issuetype"
    parents = {int(v["value"]): int(v["parentValue"]) for v in sub["picklistValues"]}
    child, parent = next(iter(parents.items()))
    other = next(p for p in set(parents.values()) if p != parent)
    messages = errors(
        api.post("V1.0/Tickets", json=ticket_body(customer, issueType=other, subIssueType=child))
    )
    assert names_field(messages, "subIssueType")
    created = ok(
        api.post("V1.0/Tickets", json=ticket_body(customer, issueType=parent, subIssueType=child))
    )
    row = item(api, f"V1.0/Tickets/{created['itemId']}")
    assert (row["issueType"], row["subIssueType"]) == (parent, child)
    messages = errors(
        api.patch(
            "V1.0/Tickets",
            json={"id": created["itemId"], "issueType": other, "subIssueType": child},
        )
    )
    assert names_field(messages, "subIssueType")


def test_references_must_exist(api: httpx.Client, customer: int) -> None:
    messages = errors(api.post("V1.0/Tickets", json=ticket_body(987_654_321)))
    assert names_field(messages, "companyID")
    messages = errors(api.post("V1.0/Tickets", json=ticket_body(customer, contactID=987_654_321)))
    assert names_field(messages, "contactID")


def test_string_length_is_enforced(api: httpx.Client, owner: int) -> None:
    messages = errors(api.post("V1.0/Companies", json=company_body(owner, companyName="x" * 101)))
    assert names_field(messages, "companyName")
    ok(api.post("V1.0/Companies", json=company_body(owner, companyName="y" * 100)))


def test_wrongly_typed_values_are_refused_with_the_field_named(
    api: httpx.Client, customer: int
) -> None:
    messages = errors(api.post("V1.0/Tickets", json=ticket_body(customer, priority="urgent")))
    assert names_field(messages, "priority")


def test_numbers_and_booleans_sent_as_strings_are_accepted(api: httpx.Client, owner: int) -> None:
    """Datto's own collection sends "id": "4" and "IsActive": "False" (FACTS §11)."""
    created = ok(
        api.post("V1.0/Companies", json=company_body(owner, companyType="1", isActive="False"))
    )
    row = item(api, f"V1.0/Companies/{created['itemId']}")
    assert row["companyType"] == 1 and row["isActive"] is False


def test_read_only_fields_are_ignored(api: httpx.Client, owner: int, sandbox: Sandbox) -> None:
    body = company_body(
        owner,
        createDate="2001-01-01T00:00:00",
        impersonatorCreatorResourceID=owner,
        createdByResourceID=owner,
    )
    created = ok(api.post("V1.0/Companies", json=body))
    row = item(api, f"V1.0/Companies/{created['itemId']}")
    assert not row["createDate"].startswith("2001")
    assert row["impersonatorCreatorResourceID"] is None
    assert row["createdByResourceID"] == sandbox.app.user.resource_id


def test_field_names_in_bodies_are_case_insensitive(api: httpx.Client, owner: int) -> None:
    body = company_body(owner)
    shouted = {key.upper(): value for key, value in body.items()}
    created = ok(api.post("V1.0/Companies", json=shouted))
    assert item(api, f"V1.0/Companies/{created['itemId']}")["companyName"] == body["companyName"]


# --------------------------------------------------------------------------- PATCH and PUT


def test_patch_changes_only_the_given_fields(api: httpx.Client, owner: int) -> None:
    body = company_body(owner, city="Albany", address1="1 Main St")
    company_id = ok(api.post("V1.0/Companies", json=body))["itemId"]
    before = item(api, f"V1.0/Companies/{company_id}")
    assert ok(api.patch("V1.0/Companies", json={"id": company_id, "city": "Troy"})) == {
        "itemId": company_id
    }
    after = item(api, f"V1.0/Companies/{company_id}")
    assert after["city"] == "Troy"
    changed = {k for k in after if after[k] != before[k]}
    assert changed <= {"city", "lastActivityDate", "lastTrackedModifiedDateTime"}
    assert after["address1"] == "1 Main St" and after["companyName"] == body["companyName"]


def test_patch_validates_like_create(api: httpx.Client, owner: int) -> None:
    company_id = ok(api.post("V1.0/Companies", json=company_body(owner)))["itemId"]
    before = item(api, f"V1.0/Companies/{company_id}")
    assert names_field(
        errors(api.patch("V1.0/Companies", json={"id": company_id, "companyType": 12345})),
        "companyType",
    )
    assert names_field(
        errors(api.patch("V1.0/Companies", json={"id": company_id, "companyName": None})),
        "companyName",
    )
    assert item(api, f"V1.0/Companies/{company_id}") == before


def test_patch_needs_an_existing_id(api: httpx.Client) -> None:
    errors(api.patch("V1.0/Companies", json={"city": "Troy"}))
    errors(api.patch("V1.0/Companies", json={"id": 987_654_321, "city": "Troy"}))


def test_put_replaces_and_missing_fields_become_null(api: httpx.Client, owner: int) -> None:
    body = company_body(owner, city="Albany", address1="1 Main St", postalCode="12207")
    company_id = ok(api.post("V1.0/Companies", json=body))["itemId"]
    replacement = company_body(owner, id=company_id, city="Schenectady")
    assert ok(api.put("V1.0/Companies", json=replacement)) == {"itemId": company_id}
    row = item(api, f"V1.0/Companies/{company_id}")
    assert row["city"] == "Schenectady" and row["companyName"] == replacement["companyName"]
    assert row["address1"] is None and row["postalCode"] is None
    # Read-only fields are the server's: PUT does not blank them.
    assert row["createDate"] is not None


def test_put_without_a_required_field_is_refused(api: httpx.Client, owner: int) -> None:
    body = company_body(owner)
    company_id = ok(api.post("V1.0/Companies", json=body))["itemId"]
    messages = errors(
        api.put("V1.0/Companies", json={"id": company_id, "companyName": "Only a name"})
    )
    assert names_field(messages, "phone")
    assert item(api, f"V1.0/Companies/{company_id}")["companyName"] == body["companyName"]


# --------------------------------------------------------------------------- routes that do not exist


def test_patch_on_an_item_url_is_405(api: httpx.Client, customer: int) -> None:
    response = api.patch(f"V1.0/Companies/{customer}", json={"id": customer, "city": "Troy"})
    assert response.status_code == 405
    assert response.json() == not_allowed("PATCH")
    contact = ok(api.get(f"V1.0/Companies/{customer}/Contacts"))["items"][0]["id"]
    response = api.patch(
        f"V1.0/Companies/{customer}/Contacts/{contact}", json={"id": contact, "title": "x"}
    )
    assert response.status_code == 405
    assert response.json() == not_allowed("PATCH")


def test_delete_where_the_spec_has_none_is_405(api: httpx.Client, customer: int) -> None:
    ticket = ok(api.post("V1.0/Tickets/query", json={"filter": [ALL], "MaxRecords": 1}))["items"][
        0
    ]["id"]
    for path in (f"V1.0/Tickets/{ticket}", f"V1.0/Companies/{customer}"):
        response = api.delete(path)
        assert response.status_code == 405
        assert response.json() == not_allowed("DELETE")
    assert ok(api.get(f"V1.0/Tickets/{ticket}"))["item"]["id"] == ticket


def test_get_on_an_entity_root_is_405(api: httpx.Client) -> None:
    """FACTS §3 (I-ANT12): GET /V1.0/Contacts answers 405 with the framework's Message body."""
    response = api.get("V1.0/Contacts")
    assert response.status_code == 405
    assert response.json() == not_allowed("GET")


def test_get_by_a_missing_id_is_404(api: httpx.Client) -> None:
    assert api.get("V1.0/Tickets/987654321").status_code == 404


# --------------------------------------------------------------------------- delete


def test_delete_where_allowed(api: httpx.Client) -> None:
    template = ok(api.post("V1.0/TimeEntries/query", json={"filter": [ALL], "MaxRecords": 1}))[
        "items"
    ][0]
    body = {
        "resourceID": template["resourceID"],
        "roleID": template["roleID"],
        "dateWorked": "2026-10-02T00:00:00",
        "hoursWorked": 0.25,
        "summaryNotes": "to be deleted",
    }
    entry_id = ok(api.post("V1.0/TimeEntries", json=body))["itemId"]
    assert ok(api.delete(f"V1.0/TimeEntries/{entry_id}")) == {"itemId": entry_id}
    assert api.get(f"V1.0/TimeEntries/{entry_id}").status_code == 404
    assert errors(api.delete(f"V1.0/TimeEntries/{entry_id}")) == [NO_MATCHING_DELETE]


def test_bodies_are_read_as_leniently_as_the_live_api_reads_them(
    api: httpx.Client, customer: int
) -> None:
    """Datto's own collection creates tickets with a trailing comma and notes with an unquoted
    property name (FACTS §3, R-POSTMAN): the live API's JSON reader takes both."""
    title = unique("Lenient body")
    raw = f'{{\n  companyID: {customer},\n  "title": "{title}, {{ok}}",\n  "status": 1,\n  "priority": 2,\n}}'
    created = ok(
        api.post("V1.0/Tickets", content=raw, headers={"Content-Type": "application/json"})
    )
    assert item(api, f"V1.0/Tickets/{created['itemId']}")["title"] == f"{title}, {{ok}}"
    broken = api.post(
        "V1.0/Tickets", content="{not json", headers={"Content-Type": "application/json"}
    )
    assert errors(broken)
