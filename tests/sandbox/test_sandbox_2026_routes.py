"""Operations added after the vendored 2022 spec (the 2026 operation index): routed and answered.

Their bodies have no schema in any copy we have, so these check the routes and our documented
shapes: invoice settings per company with contact and resource recipients, and Authenticate.
"""

from __future__ import annotations

import httpx
from sandbox_http import ok


def first_company(api: httpx.Client) -> int:
    body = ok(api.post("V1.0/Companies/query",
                       json={"filter": [{"op": "gt", "field": "id", "value": 0}], "MaxRecords": 1}))
    return body["items"][0]["id"]


def test_invoice_settings_recipients_round_trip(api: httpx.Client) -> None:
    company = first_company(api)
    base = f"V1.0/Companies/{company}/invoiceSettings"
    assert ok(api.get(base))["item"]["companyID"] == company
    assert ok(api.post(f"{base}/contactRecipients", json=[29684000])) == {"itemId": company}
    assert ok(api.post(f"{base}/resourceRecipients", json=[29682886])) == {"itemId": company}
    settings = ok(api.get(base))["item"]
    assert (settings["contactRecipients"], settings["resourceRecipients"]) == ([29684000], [29682886])
    assert ok(api.delete(f"{base}/contactRecipients/29684000")) == {"itemId": 29684000}
    assert ok(api.put(base, json={"invoiceTemplateID": 7})) == {"itemId": company}
    settings = ok(api.get(base))["item"]
    assert settings["contactRecipients"] == [] and settings["invoiceTemplateID"] == 7
    missing = api.delete(f"{base}/contactRecipients/29684000")
    assert missing.status_code == 500 and "not an invoice recipient" in missing.json()["errors"][0]


def test_invoice_settings_of_a_missing_company_and_wrong_verbs(api: httpx.Client) -> None:
    missing = api.get("V1.0/Companies/999999999/invoiceSettings")
    assert missing.status_code == 500 and missing.json() == {"errors": ["Company 999999999 does not exist."]}
    wrong = api.patch("V1.0/Companies/1/invoiceSettings", json={})
    assert wrong.status_code == 405 and "PATCH" in wrong.json()["Message"]


def test_authenticate_names_the_api_user(api: httpx.Client) -> None:
    body = ok(api.get("V1.0/Authenticate"))
    assert body["isAuthenticated"] is True and isinstance(body["resourceID"], int)
