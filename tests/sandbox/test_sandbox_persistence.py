"""A file-backed sandbox (``db_path=``, the CLI's ``--db``) keeps its state across restarts."""

from __future__ import annotations

from pathlib import Path

import httpx
from helpers import auth_headers
from sandbox_http import ALL, ok

from autotask_pandas.sandbox import Sandbox


def client(sb: Sandbox) -> httpx.Client:
    return httpx.Client(base_url=sb.url, headers=auth_headers(sb), timeout=30)


def test_a_created_row_survives_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    with Sandbox(db_path=db) as sb, client(sb) as api:
        tickets = ok(api.post("V1.0/Tickets/query/count", json={"filter": [ALL]}))["queryCount"]
        owner = ok(
            api.post(
                "V1.0/Resources/query",
                json={
                    "filter": [{"op": "gt", "field": "id", "value": sb.app.user.resource_id}],
                    "MaxRecords": 1,
                },
            )
        )["items"][0]["id"]
        body = {
            "companyName": "Persistent Widgets",
            "companyType": 1,
            "phone": "(555) 555-0142",
            "ownerResourceID": owner,
            "userDefinedFields": [{"name": "Seats", "value": "12"}],
        }
        company = ok(api.post("V1.0/Companies", json=body))["itemId"]
        ok(api.patch("V1.0/Tickets", json={"id": 7000, "title": "Edited before the restart"}))
    assert db.exists()

    with Sandbox(db_path=db) as sb, client(sb) as api:
        row = ok(api.get(f"V1.0/Companies/{company}"))["item"]
        assert row["companyName"] == "Persistent Widgets" and row["ownerResourceID"] == owner
        assert {"name": "Seats", "value": "12"} in row["userDefinedFields"]
        assert ok(api.get("V1.0/Tickets/7000"))["item"]["title"] == "Edited before the restart"
        # The demo tenant was not generated a second time over the kept one.
        assert (
            ok(api.post("V1.0/Tickets/query/count", json={"filter": [ALL]}))["queryCount"]
            == tickets
        )
        named = ok(
            api.post(
                "V1.0/Companies/query",
                json={
                    "filter": [{"op": "eq", "field": "companyName", "value": "Persistent Widgets"}]
                },
            )
        )
        assert [c["id"] for c in named["items"]] == [company]
        # New ids continue after the kept rows.
        again = ok(api.post("V1.0/Companies", json={**body, "companyName": "After Restart"}))[
            "itemId"
        ]
        assert again > company
