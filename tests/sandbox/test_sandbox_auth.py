"""Authentication, zone lookup and impersonation over loopback HTTP (FACTS.md sections 1-2)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from helpers import auth_headers

from autotask_pandas.sandbox import Sandbox

QUERY = "V1.0/Companies/query"
BODY = {"filter": [{"op": "eq", "field": "id", "value": 0}]}


def headers(sb: Sandbox, **override: str | None) -> dict[str, str]:
    values: dict[str, str | None] = {**auth_headers(sb)}
    values.update(override)
    return {k: v for k, v in values.items() if v is not None}


@pytest.fixture(scope="module")
def bare(sandbox: Sandbox) -> httpx.Client:
    """A client with no auth headers at all."""
    with httpx.Client(base_url=sandbox.url, timeout=30) as client:
        yield client


@pytest.mark.parametrize("missing", ["ApiIntegrationCode", "UserName", "Secret"])
def test_a_missing_auth_header_is_401(bare: httpx.Client, sandbox: Sandbox, missing: str) -> None:
    response = bare.post(QUERY, json=BODY, headers=headers(sandbox, **{missing: None}))
    assert response.status_code == 401
    assert "items" not in response.text


def test_no_auth_headers_is_401(bare: httpx.Client) -> None:
    assert bare.post(QUERY, json=BODY).status_code == 401
    assert bare.get("V1.0/Companies/0").status_code == 401
    assert bare.get("V1.0/ThresholdInformation").status_code == 401


def test_wrong_secret_is_401(bare: httpx.Client, sandbox: Sandbox) -> None:
    response = bare.post(QUERY, json=BODY, headers=headers(sandbox, Secret="not-the-secret"))
    assert response.status_code == 401
    assert "items" not in response.text


def test_unknown_user_is_500_zone_not_determined(bare: httpx.Client, sandbox: Sandbox) -> None:
    response = bare.post(
        QUERY, json=BODY, headers=headers(sandbox, UserName="nobody@example.invalid")
    )
    assert response.status_code == 500
    assert response.json() == {"errors": ["Zone information could not be determined"]}


def test_wrong_integration_code_is_500(bare: httpx.Client, sandbox: Sandbox) -> None:
    response = bare.post(
        QUERY,
        json=BODY,
        headers=headers(sandbox, ApiIntegrationCode="WRONGCODE0000000000000000000"),
    )
    assert response.status_code == 500
    assert response.json() == {"errors": ["IntegrationCode is invalid."]}


@pytest.mark.parametrize("style", [str.lower, str.upper, lambda name: name.replace("Code", "code")])
def test_header_names_are_case_insensitive(
    bare: httpx.Client, sandbox: Sandbox, style: Any
) -> None:
    sent = {style(name): value for name, value in headers(sandbox).items()}
    response = bare.post(QUERY, json=BODY, headers=sent)
    assert response.status_code == 200, response.text
    assert [item["id"] for item in response.json()["items"]] == [0]


def test_paths_are_case_insensitive(bare: httpx.Client, sandbox: Sandbox) -> None:
    root = sandbox.url.removesuffix("ATServicesRest/")
    for path in ("atservicesrest/v1.0/companies/query", "ATSERVICESREST/V1.0/COMPANIES/QUERY"):
        response = bare.post(root + path, json=BODY, headers=headers(sandbox))
        assert response.status_code == 200, response.text
        assert response.json()["items"][0]["id"] == 0


# --------------------------------------------------------------------------- no-auth endpoints


def test_zone_information_needs_no_auth(bare: httpx.Client, sandbox: Sandbox) -> None:
    response = bare.get("V1.0/ZoneInformation", params={"user": sandbox.username})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"zoneName", "url", "webUrl", "ci"}
    assert body["url"] == sandbox.url and body["url"].endswith("/ATServicesRest/")
    assert isinstance(body["ci"], int) and isinstance(body["zoneName"], str)
    # The url it gives is where the API answers.
    answered = bare.post(body["url"] + QUERY, json=BODY, headers=headers(sandbox))
    assert answered.status_code == 200
    # The lower-case path Datto's own collection uses.
    lower = bare.get(
        sandbox.url.replace("ATServicesRest", "atservicesrest") + "v1.0/zoneInformation",
        params={"user": sandbox.username},
    )
    assert lower.status_code == 200 and lower.json() == body


@pytest.mark.parametrize("params", [{"user": "nobody@example.invalid"}, {"user": ""}, {}])
def test_zone_information_for_an_unknown_or_blank_user(
    bare: httpx.Client, params: dict[str, str]
) -> None:
    response = bare.get("V1.0/ZoneInformation", params=params)
    assert response.status_code == 500
    assert response.json() == {"errors": ["Zone information could not be determined"]}


def test_version_information_needs_no_auth(bare: httpx.Client) -> None:
    response = bare.get("VersionInformation")
    assert response.status_code == 200
    versions = response.json()["apiVersions"]
    assert versions[-1] == "V1.0"


# --------------------------------------------------------------------------- impersonation


@pytest.fixture(scope="module")
def staff(api: httpx.Client, sandbox: Sandbox) -> list[int]:
    """Active resources other than the API user, who may be impersonated."""
    response = api.post(
        "V1.0/Resources/query", json={"filter": [{"op": "eq", "field": "isActive", "value": True}]}
    )
    assert response.status_code == 200
    api_user = sandbox.app.user.resource_id
    found = [r["id"] for r in response.json()["items"] if r["id"] != api_user]
    assert len(found) >= 2
    return found


def time_entry(api: httpx.Client) -> dict[str, Any]:
    response = api.post(
        "V1.0/TimeEntries/query", json={"filter": [{"op": "exist", "field": "id"}], "MaxRecords": 1}
    )
    assert response.status_code == 200
    template = response.json()["items"][0]
    return {
        "resourceID": template["resourceID"],
        "roleID": template["roleID"],
        "dateWorked": "2026-10-01T00:00:00",
        "hoursWorked": 1.5,
        "summaryNotes": "impersonation test",
    }


def test_impersonation_is_recorded_on_create_and_update(
    api: httpx.Client, staff: list[int]
) -> None:
    creator, updater = staff[0], staff[1]
    body = time_entry(api)
    # Read-only impersonator fields in the body are ignored (FACTS §2).
    body["impersonatorCreatorResourceID"] = updater
    created = api.post(
        "V1.0/TimeEntries", json=body, headers={"ImpersonationResourceId": str(creator)}
    )
    assert created.status_code == 200, created.text
    entry_id = created.json()["itemId"]
    item = api.get(f"V1.0/TimeEntries/{entry_id}").json()["item"]
    assert item["impersonatorCreatorResourceID"] == creator
    assert item["impersonatorUpdaterResourceID"] is None

    patched = api.patch(
        "V1.0/TimeEntries",
        json={"id": entry_id, "summaryNotes": "changed", "impersonatorUpdaterResourceID": creator},
        headers={"impersonationresourceid": str(updater)},  # header names are case-insensitive
    )
    assert patched.status_code == 200, patched.text
    assert patched.json() == {"itemId": entry_id}
    item = api.get(f"V1.0/TimeEntries/{entry_id}").json()["item"]
    assert item["summaryNotes"] == "changed"
    assert item["impersonatorCreatorResourceID"] == creator
    assert item["impersonatorUpdaterResourceID"] == updater


def test_without_impersonation_the_impersonator_fields_stay_empty(api: httpx.Client) -> None:
    created = api.post("V1.0/TimeEntries", json=time_entry(api))
    assert created.status_code == 200, created.text
    item = api.get(f"V1.0/TimeEntries/{created.json()['itemId']}").json()["item"]
    assert item["impersonatorCreatorResourceID"] is None
    assert item["impersonatorUpdaterResourceID"] is None


def test_impersonating_the_api_user_or_a_stranger_fails(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    """API-only security levels cannot be impersonated (FACTS §2); nor can a missing resource."""
    count = api.post(
        "V1.0/TimeEntries/query/count", json={"filter": [{"op": "exist", "field": "id"}]}
    ).json()
    for resource in (sandbox.app.user.resource_id, 999_999_999):
        response = api.post(
            "V1.0/TimeEntries",
            json=time_entry(api),
            headers={"ImpersonationResourceId": str(resource)},
        )
        assert response.status_code == 500
        assert list(response.json()) == ["errors"]
    assert (
        api.post(
            "V1.0/TimeEntries/query/count", json={"filter": [{"op": "exist", "field": "id"}]}
        ).json()
        == count
    )


def test_the_request_log_records_every_call(api: httpx.Client, sandbox: Sandbox) -> None:
    mark = len(sandbox.requests)
    api.get("V1.0/Companies/0")
    api.post(QUERY, json={"filter": [{"op": "eq", "field": "nope", "value": 1}]})
    logged = sandbox.requests[mark:]
    assert [(r.method, r.path.lower(), r.status) for r in logged] == [
        ("GET", "/atservicesrest/v1.0/companies/0", 200),
        ("POST", "/atservicesrest/v1.0/companies/query", 500),
    ]
    assert json.dumps([r.fault for r in logged]) == "[null, null]"
