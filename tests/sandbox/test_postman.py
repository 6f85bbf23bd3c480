"""Datto's official Postman collection, run against the sandbox over real HTTP.

The requests come from ``tests/fixtures/postman_requests.json`` (extracted from the collection by
``tools/extract_postman.py``; tests never read ``../shared``). They are sent as Postman sends them:
same method, path casing, query text and raw body text (some bodies are not strict JSON; the live
API's Json.NET reader takes them), plus the three auth headers.

The collection says "You may also need to update some of the IDs and fields in these calls with your
database's information": ids of tickets, companies, contact groups, attachments, webhooks,
resources, a UDF name and a queue are those of Datto's demo database. Each such literal is replaced
by a real sandbox value (``SUBSTITUTIONS``), created first where the request needs a row to exist
(a ContactGroup to update and another to delete, an attachment to delete, a webhook to configure).
Everything else is sent untouched.

Each answer must be a 200 with the live API's envelope for its kind: query -> items + pageDetails,
count -> queryCount, get -> item, create/update/delete -> itemId, entityInformation -> info,
fields -> fields, ZoneInformation -> zoneName/url/webUrl/ci, ThresholdInformation -> its 3 keys.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from autotask_pandas.sandbox import Sandbox

FIXTURE = json.loads(
    (Path(__file__).resolve().parents[1] / "fixtures" / "postman_requests.json").read_text(
        encoding="utf-8"
    )
)
REQUESTS: list[dict[str, Any]] = FIXTURE["requests"]
BY_NAME = {r["name"]: r for r in REQUESTS}

# Request name -> {literal of Datto's demo database: its replacement, a template over the sandbox
# values of the ``real`` fixture}. Literals match whole tokens only (see ``_replace``).
SUBSTITUTIONS: dict[str, dict[str, str]] = {
    "ZoneInformation (non-authenticated)": {"user@johnandersondemo.com": "{username}"},
    "Query of Contacts with Company ID of  167": {"175": "{company_id}"},
    'Query of Companies where UDF CustomerRanking = "Golden"': {
        "CustomerRanking": "{udf_name}",
        "Golden": "{udf_value}",
    },
    "Query tickets Not Complete for a specific Company": {"175": "{company_id}"},
    "Create a Company work": {'"ownerResourceID":4': '"ownerResourceID":{resource_id}'},
    # Queue 5 is one of Datto's demo queues; status 5 (Complete) and priority 2 are system values.
    "Create a Ticket": {'"QueueID": 5': '"QueueID": {queue_id}'},
    "Create a Ticket Note": {"7865": "{ticket_id}"},
    "Attachment Create to Ticket - text file Copy": {"7848": "{ticket_id}"},
    "AttachmentInfo for specific ID": {"90": "{attachment_id}"},
    "AttachmentInfo for a specific ParentID": {"175": "{attachment_parent_id}"},
    "Attachment Delete to Ticket": {"7828": "{ticket_id}", "91": "{deletable_attachment_id}"},
    "Attachment Create to Ticket - Contact Impersonation": {
        "7848": "{ticket_id}",
        "30682903": "{contact_id}",
    },
    "Attachment Create to Ticket - Resource Impersonation": {
        "7848": "{ticket_id}",
        "29682885": "{resource_id}",
    },
    "Update a ContactGroup": {"4": "{contact_group_id}"},
    "Patch Update a ContactGroup": {"4": "{contact_group_id}"},
    "Delete a ContactGroup": {"5": "{deletable_contact_group_id}", "4": "{contact_group_id}"},
    "Webhooks - Step 2b - Add trigger field Company Name(7)": {"4": "{webhook_id}"},
    "Webhooks - Step 2c - Add trigger field Company Type(24)": {"4": "{webhook_id}"},
    "Webhooks - Step 3b - Add UDF trigger field": {
        "4": "{webhook_id}",
        "29682851": "{udf_definition_id}",
    },
    "Webhooks - Step 4 - Exclude Resource": {"4": "{webhook_id}", "29682894": "{resource_id}"},
}
# Ticket "Create a Ticket" has a trailing comma after its last property, "Create a Ticket Note" an
# unquoted property name (TicketID: 7865): Datto publishes them as working calls, because the live
# API parses bodies with Json.NET, which accepts both. They are sent as they are.

THRESHOLD_KEYS = {
    "externalRequestThreshold",
    "requestThresholdTimeframe",
    "currentTimeframeRequestCount",
}
ZONE_KEYS = {"zoneName", "url", "webUrl", "ci"}
INFO_KEYS = {
    "name",
    "canCreate",
    "canDelete",
    "canQuery",
    "canUpdate",
    "userAccessForCreate",
    "userAccessForDelete",
    "userAccessForQuery",
    "userAccessForUpdate",
    "hasUserDefinedFields",
    "supportsWebhookCallouts",
}
FIELD_KEYS = {
    "name",
    "dataType",
    "length",
    "isRequired",
    "isReadOnly",
    "isQueryable",
    "isReference",
    "referenceEntityType",
    "isPickList",
    "picklistValues",
    "picklistParentValueField",
    "isSupportedWebhookField",
}
PAGE_KEYS = {"count", "requestCount", "prevPageUrl", "nextPageUrl"}


def _replace(text: str, literal: str, value: str) -> str:
    # Whole tokens only: "4" in "id": "4" or "WebhookID": 4, never inside 24 or 5555555555.
    return re.sub(rf"(?<![\w.@]){re.escape(literal)}(?![\w.@])", lambda _: value, text)


def _page_rows(body: dict[str, Any]) -> list[dict[str, Any]]:
    assert set(body) == {"items", "pageDetails"}, body.keys()
    assert set(body["pageDetails"]) == PAGE_KEYS
    assert body["pageDetails"]["count"] == len(body["items"])
    assert all(isinstance(item, dict) and isinstance(item.get("id"), int) for item in body["items"])
    return body["items"]


# -- the sandbox values -----------------------------------------------------------------------------


def _query(api: httpx.Client, entity: str, filter_: list[dict[str, Any]], n: int = 1) -> list[dict]:
    response = api.post(f"V1.0/{entity}/query", json={"filter": filter_, "MaxRecords": n})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def _create(api: httpx.Client, path: str, body: dict[str, Any]) -> int:
    response = api.post(path, json=body)
    assert response.status_code == 200, f"setup: POST {path}: {response.text}"
    return response.json()["itemId"]


@pytest.fixture(scope="module")
def real(api: httpx.Client, sandbox: Sandbox) -> dict[str, Any]:
    """Sandbox values for the collection's demo-database literals, found through the API itself."""
    values: dict[str, Any] = {"username": sandbox.username}
    ticket = _query(
        api,
        "Tickets",
        [{"op": "noteq", "field": "status", "value": 5}, {"op": "exist", "field": "contactID"}],
    )[0]
    values.update(
        ticket_id=ticket["id"], company_id=ticket["companyID"], contact_id=ticket["contactID"]
    )

    udf = api.get("V1.0/Companies/entityInformation/userDefinedFields").json()["fields"][0]
    company = _query(api, "Companies", [{"op": "exist", "field": udf["name"], "udf": True}])[0]
    values["udf_name"] = udf["name"]
    values["udf_value"] = next(
        u["value"] for u in company["userDefinedFields"] if u["name"] == udf["name"]
    )

    fields = api.get("V1.0/Tickets/entityInformation/fields").json()["fields"]
    queues = next(f["picklistValues"] for f in fields if f["name"].lower() == "queueid")
    values["queue_id"] = int(next(q["value"] for q in queues if q["isActive"]))

    attachment = _query(api, "AttachmentInfo", [{"op": "exist", "field": "parentID"}])[0]
    values.update(attachment_id=attachment["id"], attachment_parent_id=attachment["parentID"])
    data = base64.b64encode(b"Test text file to attach.\r\nLine 2\r\n").decode()
    values["deletable_attachment_id"] = _create(
        api,
        f"V1.0/Tickets/{ticket['id']}/Attachments",
        {
            "attachmentType": "FILE_ATTACHMENT",
            "fullPath": "delete-me.txt",
            "publish": 1,
            "title": "Attachment for the Postman delete",
            "data": data,
        },
    )
    created = api.get(
        f"V1.0/Tickets/{ticket['id']}/Attachments/{values['deletable_attachment_id']}"
    )
    api_user_resource = created.json()["items"][0]["attachedByResourceID"]  # FACTS §5, §9
    # A resource other than the API user: API-only security levels cannot be impersonated.
    resource = _query(
        api, "Resources", [{"op": "noteq", "field": "id", "value": api_user_resource}]
    )
    values["resource_id"] = resource[0]["id"]

    values["contact_group_id"] = _create(
        api, "V1.0/ContactGroups", {"name": "Postman update target", "isActive": True}
    )
    values["deletable_contact_group_id"] = _create(
        api, "V1.0/ContactGroups", {"name": "Postman delete target", "isActive": True}
    )
    values["webhook_id"] = _create(
        api,
        "V1.0/CompanyWebhooks",
        {
            "name": "Postman webhook target",
            "isActive": True,
            "isSubscribedToUpdateEvents": True,
            "webhookUrl": "https://example.invalid/hook",
            "secretKey": "sandbox",
            "deactivationUrl": "https://example.invalid/off",
            "sendThresholdExceededNotification": False,
        },
    )
    definitions = _query(
        api, "UserDefinedFieldDefinitions", [{"op": "eq", "field": "udfType", "value": 1}]
    )
    values["udf_definition_id"] = (
        definitions[0]["id"]
        if definitions
        else _create(
            api,
            "V1.0/UserDefinedFieldDefinitions",
            {"name": "Postman webhook UDF", "dataType": 1, "udfType": 1},
        )
    )
    return values


# -- sending a request as Postman does --------------------------------------------------------------


def _send(api: httpx.Client, request: dict[str, Any], real: dict[str, Any]) -> httpx.Response:
    substitutions = {k: v.format(**real) for k, v in SUBSTITUTIONS.get(request["name"], {}).items()}
    path, body = request["path"], request["body"]
    query = [list(pair) for pair in request["query"]]
    headers = dict(request["headers"])
    for literal, value in substitutions.items():
        path = "/".join(value if seg == literal else seg for seg in path.split("/"))
        query = [[k, _replace(v, literal, value)] for k, v in query]
        body = _replace(body, literal, value) if body else body
        headers = {k: _replace(v, literal, value) for k, v in headers.items()}
    # The collection's path starts at atservicesrest/; the sandbox's zone URL ends there too.
    prefix, rest = path.split("/", 1)
    assert prefix.lower() == "atservicesrest"
    return api.request(
        request["method"],
        str(api.base_url).removesuffix("/").rsplit("/", 1)[0] + "/" + prefix + "/" + rest,
        params=[tuple(pair) for pair in query] or None,
        headers=headers,
        content=body.encode() if body else None,
    )


def _kind(request: dict[str, Any]) -> str:
    path = request["path"].lower()
    if path.endswith("/zoneinformation"):
        return "zone"
    if path.endswith("/thresholdinformation"):
        return "threshold"
    if path.endswith("/entityinformation"):
        return "info"
    if path.endswith("/entityinformation/fields"):
        return "fields"
    if path.endswith("/query/count"):
        return "count"
    if path.endswith("/query"):
        return "query"
    if request["method"] == "GET":
        return "get"
    return "write"


@pytest.mark.parametrize("request_", REQUESTS, ids=[r["name"] for r in REQUESTS])
def test_postman_request(
    api: httpx.Client, sandbox: Sandbox, real: dict[str, Any], request_: dict[str, Any]
) -> None:
    response = _send(api, request_, real)
    assert response.status_code == 200, (
        f"{request_['name']}: {response.status_code} {response.text[:500]}"
    )
    body = response.json()
    kind = _kind(request_)
    if kind == "zone":
        assert set(body) == ZONE_KEYS
        assert body["url"] == sandbox.url  # the zone URL clients append V1.0/... to
        assert isinstance(body["ci"], int)
    elif kind == "threshold":
        assert set(body) == THRESHOLD_KEYS
        assert all(isinstance(v, int) for v in body.values())
    elif kind == "info":
        assert set(body) == {"info"} and set(body["info"]) == INFO_KEYS
    elif kind == "fields":
        assert set(body) == {"fields"} and body["fields"]
        assert all(set(f) == FIELD_KEYS for f in body["fields"])
    elif kind == "count":
        assert set(body) == {"queryCount"} and isinstance(body["queryCount"], int)
    elif kind == "query":
        _page_rows(body)
    elif kind == "get":
        assert set(body) == {"item"} and isinstance(body["item"], dict)
    else:
        assert set(body) == {"itemId"} and isinstance(body["itemId"], int)


# -- what the live API gives beyond the envelope, for requests that ask for something specific -----


def test_postman_include_fields_returns_only_those_fields(
    api: httpx.Client, real: dict[str, Any]
) -> None:
    request = BY_NAME["Query of Companies & return only selected fields (IncludeFields)"]
    rows = _page_rows(_send(api, request, real).json())
    assert [row["id"] for row in rows] == [0]
    # Field names come back in the entity's own casing; id and userDefinedFields always (FACTS §4).
    assert set(rows[0]) == {"id", "isActive", "companyName", "phone", "userDefinedFields"}


def test_postman_max_records_caps_the_page(api: httpx.Client, real: dict[str, Any]) -> None:
    request = BY_NAME["Query of Companies, max return of 10 records, with CompanyType = 1 Copy"]
    body = _send(api, request, real).json()
    rows = _page_rows(body)
    assert body["pageDetails"]["requestCount"] == 10
    assert len(rows) == 10 and all(row["companyType"] == 1 for row in rows)
    assert [row["id"] for row in rows] == sorted(row["id"] for row in rows)


def test_postman_udf_query_matches_the_udf(api: httpx.Client, real: dict[str, Any]) -> None:
    request = BY_NAME['Query of Companies where UDF CustomerRanking = "Golden"']
    rows = _page_rows(_send(api, request, real).json())
    assert rows
    for row in rows:
        assert {"name": real["udf_name"], "value": real["udf_value"]} in row["userDefinedFields"]


def test_postman_ticket_query_filters_company_and_status(
    api: httpx.Client, real: dict[str, Any]
) -> None:
    request = BY_NAME["Query tickets Not Complete for a specific Company"]
    rows = _page_rows(_send(api, request, real).json())
    assert real["ticket_id"] in {row["id"] for row in rows}
    assert all(row["companyID"] == real["company_id"] and row["status"] != 5 for row in rows)


def test_postman_contact_group_update_lands(api: httpx.Client, real: dict[str, Any]) -> None:
    group_id = real["contact_group_id"]
    assert _send(api, BY_NAME["Update a ContactGroup"], real).json() == {"itemId": group_id}
    group = api.get(f"V1.0/ContactGroups/{group_id}").json()["item"]
    assert group["name"] == "Test 3 Update of Contact Group x" and group["isActive"] is True
    assert _send(api, BY_NAME["Patch Update a ContactGroup"], real).json() == {"itemId": group_id}
    group = api.get(f"V1.0/ContactGroups/{group_id}").json()["item"]
    assert group["name"] == "Test 3 Update of Contact Group x" and group["isActive"] is False


def test_every_substitution_names_a_literal_of_its_request() -> None:
    """The table above stays true to the fixture: each literal it replaces is really there."""
    for name, substitutions in SUBSTITUTIONS.items():
        request = BY_NAME[name]
        text = " ".join(
            [
                request["path"].replace("/", " "),
                json.dumps(request["query"]),
                json.dumps(request["headers"]),
                request["body"] or "",
            ]
        )
        for literal in substitutions:
            assert re.search(rf"(?<![\w.@]){re.escape(literal)}(?![\w.@])", text), (name, literal)
