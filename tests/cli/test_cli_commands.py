"""The ``autotask`` commands, run in process, against the module's sandbox over loopback HTTP.

``main([...])`` runs in process with the sandbox's credentials in the environment (as a user
exports them); what the commands claim is checked on the sandbox itself through a separate
client (created rows are there, deleted rows are gone). One test starts the real command in a
subprocess with no credentials at all: it must run against the built-in sandbox. Every command,
format and exit code is also run as a subprocess in ``test_cli_every_command.py``.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from helpers import connect, new_sandbox
from helpers.cli import CANARY, InProcess, autotask

from autotask_pandas import AutotaskClient
from autotask_pandas.catalog import load_catalog
from autotask_pandas.cli.filters import FilterSyntaxError, parse_filter
from autotask_pandas.sandbox import Sandbox

CREDENTIAL_VARS = ("AUTOTASK_USERNAME", "AUTOTASK_INTEGRATION_CODE", "AUTOTASK_SECRET")

# ``run`` (conftest): ``main(argv)`` in process with the module sandbox's credentials set.
Run = InProcess


def _json(out: str) -> Any:
    return json.loads(out)


# -- --filter is the filter language (the API's operator words accepted) -----------------------


@pytest.mark.parametrize(
    ("text", "api"),
    [
        ("isActive eq true", {"op": "eq", "field": "isActive", "value": True}),
        ("status noteq 5", {"op": "noteq", "field": "status", "value": 5}),
        ("status in (1,5)", {"op": "in", "field": "status", "value": [1, 5]}),
        ("status notIn (1, 5,8)", {"op": "notIn", "field": "status", "value": [1, 5, 8]}),
        ('title contains "disk full"', {"op": "contains", "field": "title", "value": "disk full"}),
        ('title eq "5"', {"op": "eq", "field": "title", "value": "5"}),
        ("dueDateTime notExist", {"op": "notExist", "field": "dueDateTime"}),
        ("companyName BEGINSWITH Ac", {"op": "beginsWith", "field": "companyName", "value": "Ac"}),
        ('udf:"Root Cause" exist', {"op": "exist", "field": "Root Cause", "udf": True}),
    ],
)
def test_filter_syntax(text: str, api: dict[str, Any]) -> None:
    assert parse_filter(text).to_api() == api


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("status", "expected"),
        ("status neq 5", "expected an operator after 'status'"),
        ("status eq", "expected a value after 'eq'"),
        ("status exist 1", "expected 'and', 'or' or the end, found '1'"),
        ("status eq null", "null"),
        ("status in [1,5]", r"lists are written in parentheses: status in \(1, 5\)"),
        ("title contains disk full", "text with spaces is quoted"),
    ],
)
def test_filter_syntax_errors(text: str, words: str) -> None:
    with pytest.raises(FilterSyntaxError, match=words):
        parse_filter(text)


# -- reading ------------------------------------------------------------------------------------


def test_query_json_rows_are_real_records(run: Run, api: AutotaskClient) -> None:
    code, out, _ = run("query", "tickets", "--max-records", "3", "--output", "json")
    rows = _json(out)
    assert code == 0 and len(rows) == 3
    ids = [r["id"] for r in rows]
    assert ids == sorted(ids)
    for row in rows:
        assert api.get("Tickets", row["id"])["title"] == row["title"]


def test_query_filters_are_anded_and_fields_chosen(run: Run, api: AutotaskClient) -> None:
    code, out, _ = run(
        "query",
        "Tickets",
        "--filter",
        "status noteq 5",
        "--filter",
        "priority in (1,2)",
        "--fields",
        "id,status,priority",
        "--all",
        "--output",
        "json",
    )
    rows = _json(out)
    expected = api.query_all(
        "Tickets",
        [
            {"op": "noteq", "field": "status", "value": 5},
            {"op": "in", "field": "priority", "value": [1, 2]},
        ],
        ["id"],
    )
    assert code == 0 and rows and len(rows) == len(expected)
    assert [r["id"] for r in rows] == [r["id"] for r in expected]
    assert all(set(r) == {"id", "status", "priority"} for r in rows)
    assert all(r["status"] != 5 and r["priority"] in (1, 2) for r in rows)


def test_query_all_follows_pages_and_max_records_caps(run: Run, api: AutotaskClient) -> None:
    total = api.count("Tickets")
    assert total > 500  # more than one page
    code, out, _ = run("query", "Tickets", "--all", "--fields", "id", "--output", "csv")
    ids = [int(r["id"]) for r in csv.DictReader(io.StringIO(out))]
    assert code == 0 and len(ids) == total == len(set(ids))
    code, out, _ = run(
        "query", "Tickets", "--max-records", "501", "--fields", "id", "--output", "json"
    )
    assert code == 0 and [r["id"] for r in _json(out)] == ids[:501]


def test_query_table(run: Run) -> None:
    code, out, err = run("query", "Companies", "--fields", "id,companyName", "--max-records", "2")
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == ["id", "companyName"] and len(lines) == 4
    # the query stopped at --max-records: stderr says how many match (issue 12)
    assert "(2 of " in err and " Companies; --all for every row" in err


def test_count(run: Run, api: AutotaskClient) -> None:
    code, out, _ = run("count", "Tickets", "--filter", "status eq 5")
    assert code == 0
    assert int(out) == api.count("Tickets", {"op": "eq", "field": "status", "value": 5}) > 0


def test_get_and_not_found(run: Run, api: AutotaskClient) -> None:
    ticket = api.query("Tickets", max_records=1).items[0]
    code, out, _ = run("get", "Tickets", str(ticket["id"]), "--output", "json")
    assert code == 0 and _json(out) == ticket
    code, out, _ = run("get", "Tickets", str(ticket["id"]))
    assert code == 0 and out.splitlines()[0].split() == ["id", str(ticket["id"])]
    assert any(line.split(None, 1) == ["title", ticket["title"]] for line in out.splitlines())
    code, out, err = run("get", "Tickets", "999999999")
    assert code == 1 and out == "" and "Tickets 999999999 was not found" in err


def test_entities_lists_the_catalog(run: Run) -> None:
    code, out, _ = run("entities", "--output", "json")
    rows = _json(out)
    assert code == 0 and len(rows) == len(load_catalog())
    tickets = next(r for r in rows if r["entity"] == "Tickets")
    assert "query" in tickets["operations"]
    contacts = next(r for r in rows if r["entity"] == "Contacts")
    assert "Companies/{id}/Contacts" in contacts["under"]


def test_fields_with_picklists_and_udfs(run: Run) -> None:
    code, out, _ = run("fields", "Tickets")
    assert code == 0 and "status picklist:" in out
    status_block = out.split("status picklist:")[1]
    assert "Complete" in status_block and "New" in status_block
    code, out, _ = run("fields", "Tickets", "--output", "json")
    fields = {f["name"]: f for f in _json(out)}
    labels = {p["label"] for p in fields["status"]["picklistValues"]}
    assert {"New", "Complete"} <= labels
    assert any(f.get("isUdf") for f in fields.values())


# -- writing ------------------------------------------------------------------------------------


def _company(api: AutotaskClient, name: str) -> dict[str, Any]:
    owner = api.query("Resources", max_records=1).items[0]["id"]
    return {"companyName": name, "companyType": 1, "ownerResourceID": owner, "phone": "555-0100"}


def test_create_update_really_land(run: Run, api: AutotaskClient) -> None:
    body = _company(api, "CLI Created Ltd")
    code, out, _ = run("create", "Companies", "--data", json.dumps(body), "--output", "json")
    assert code == 0
    item_id = _json(out)["itemId"]
    assert api.get("Companies", item_id)["companyName"] == "CLI Created Ltd"

    code, out, _ = run("update", "companies", str(item_id), "--data", '{"phone": "555-0199"}')
    assert code == 0 and out.strip() == f"updated Companies {item_id}"
    assert api.get("Companies", item_id)["phone"] == "555-0199"


def test_create_from_file(run: Run, api: AutotaskClient, tmp_path: Path) -> None:
    path = tmp_path / "company.json"
    path.write_text(json.dumps(_company(api, "From File Inc")))
    code, out, _ = run("create", "Companies", "--data", f"@{path}")
    assert code == 0 and out.startswith("created Companies ")
    assert api.get("Companies", int(out.split()[-1]))["companyName"] == "From File Inc"


def test_server_refusal_is_one_line_with_the_servers_words(run: Run) -> None:
    code, out, err = run("create", "Tickets", "--data", '{"title": "no company"}')
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert "companyID is required for the Ticket entity." in err
    code, _, err = run("query", "Tickets", "--filter", "id contains 5")
    assert code == 1 and "The contains operator can only be used on text fields, not on id." in err


def test_delete_really_deletes(run: Run, api: AutotaskClient, sandbox: Sandbox) -> None:
    tag = api.create_entity("Tags", label="cli-delete-me").item_id
    sent = len(sandbox.requests)
    code, _, err = run("delete", "Tags", str(tag))  # no --yes, no terminal: refused
    assert code == 2 and "--yes" in err and len(sandbox.requests) == sent
    assert api.get("Tags", tag) is not None

    code, out, _ = run("delete", "Tags", str(tag), "--yes")
    assert code == 0 and out.strip() == f"deleted Tags {tag}"
    assert api.get("Tags", tag) is None
    code, _, err = run("delete", "Tags", str(tag), "--yes")  # gone already: nothing deleted
    assert code == 1 and f"Tags {tag} was not found; nothing deleted" in err


def test_delete_where_the_api_allows_none(run: Run, sandbox: Sandbox) -> None:
    sent = len(sandbox.requests)
    code, _, err = run("delete", "Tickets", "1", "--yes")
    assert code == 1 and "does not allow delete on Tickets" in err
    assert len(sandbox.requests) == sent


def test_batch_create_update_delete(run: Run, api: AutotaskClient, tmp_path: Path) -> None:
    data = tmp_path / "tags.json"
    data.write_text(json.dumps([{"label": f"cli-batch-{i}"} for i in range(5)]))
    code, out, _ = run("batch", "create", "Tags", "--file", str(data), "--output", "json")
    report = _json(out)
    assert code == 0 and [r["index"] for r in report] == list(range(5))
    assert all(r["status"] == "ok" for r in report)
    ids = [r["itemId"] for r in report]
    assert [api.get("Tags", i)["label"] for i in ids] == [f"cli-batch-{i}" for i in range(5)]

    data.write_text(json.dumps([{"id": i, "label": f"renamed-{i}"} for i in ids]))
    code, out, _ = run("batch", "update", "Tags", "--file", str(data))
    assert code == 0 and out.splitlines()[0].split() == ["item", "status", "id", "error"]
    assert [api.get("Tags", i)["label"] for i in ids] == [f"renamed-{i}" for i in ids]

    code, out, _ = run("batch", "delete", "Tags", "--ids", ",".join(map(str, ids[:3])), "--yes")
    assert code == 0
    assert [api.get("Tags", i) is None for i in ids] == [True, True, True, False, False]


def test_batch_failures_are_reported_per_item(
    run: Run, api: AutotaskClient, tmp_path: Path
) -> None:
    good = _company(api, "Batch Good Co")
    data = tmp_path / "companies.json"
    data.write_text(
        json.dumps([good, {"companyName": "Batch Bad Co"}, {**good, "companyName": "Batch Good 2"}])
    )
    code, out, err = run("batch", "create", "Companies", "--file", str(data), "--output", "json")
    report = _json(out)
    assert code == 3 and "1 of 3 creates did not succeed" in err  # 3: the batch partly failed
    assert [r["status"] for r in report] == ["ok", "failed", "ok"]
    assert "companyType is required for the Company entity." in report[1]["error"]
    assert api.get("Companies", report[0]["itemId"])["companyName"] == "Batch Good Co"
    assert api.get("Companies", report[2]["itemId"])["companyName"] == "Batch Good 2"

    tag = api.create_entity("Tags", label="cli-batch-missing").item_id
    code, out, err = run("batch", "delete", "Tags", "--ids", f"{tag},999999999", "--yes")
    lines = out.splitlines()
    assert code == 3 and "1 of 2 deletes did not succeed" in err
    assert lines[2].split()[:2] == ["0", "ok"] and lines[3].split()[:2] == ["1", "failed"]
    assert "No matching records found" in lines[3]
    assert api.get("Tags", tag) is None


# -- usage errors, credentials, secrets ---------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["query", "Tikets"],
        ["query", "Tickets", "--filter", "status is 5"],
        ["query", "Tickets", "--max-records", "0"],
        ["create", "Tickets", "--data", "{not json"],
        ["update", "Tickets", "1", "--data", "[1, 2]"],
        ["batch", "delete", "Tags", "--ids", "1,x", "--yes"],
        ["batch", "create", "Tags", "--ids", "1"],
        ["query"],
        ["nonsense"],
    ],
)
def test_usage_errors_exit_2_and_send_nothing(run: Run, sandbox: Sandbox, argv: list[str]) -> None:
    sent = len(sandbox.requests)
    code, out, _ = run(*argv)
    assert code == 2 and out == ""
    assert len(sandbox.requests) == sent


def test_wrong_secret_is_refused_and_never_printed(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTOTASK_SECRET", CANARY)
    code, out, err = run("query", "Tickets", "--max-records", "1")
    assert code == 1 and out == "" and err.startswith("error: ") and "401" in err


def test_partial_credentials_are_an_error_not_the_sandbox(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AUTOTASK_INTEGRATION_CODE")
    code, _, err = run("count", "Tickets")
    assert code == 1 and "AUTOTASK_INTEGRATION_CODE" in err and "sandbox" not in err


def test_no_credentials_runs_against_the_sandbox(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*CREDENTIAL_VARS, "AUTOTASK_API_URL"):
        monkeypatch.delenv(name)
    code, out, err = run("count", "Companies", "--sandbox-scale", "0.1")
    assert code == 0 and int(out) > 0 and "built-in sandbox" in err
    # --sandbox asks for it explicitly, even with credentials set: no notice then
    monkeypatch.setenv("AUTOTASK_SECRET", CANARY)
    code, out, err = run("count", "Companies", "--sandbox", "--sandbox-scale", "0.1")
    assert code == 0 and int(out) > 0 and err == ""


def test_sandbox_db_keeps_writes_between_commands(
    run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    db = str(tmp_path / "sb.db")
    common = ["--sandbox", "--sandbox-scale", "0.1", "--sandbox-db", db]
    code, out, _ = run("create", "Tags", "--data", '{"label": "kept"}', "--output", "json", *common)
    assert code == 0
    tag = _json(out)["itemId"]
    code, out, _ = run("get", "Tags", str(tag), "--output", "json", *common)
    assert code == 0 and _json(out)["label"] == "kept"


def test_subprocess_without_credentials_queries_the_sandbox() -> None:
    # no AUTOTASK_* variable at all (the helper passes none of the caller's)
    code, out, err = autotask("query", "Tickets", "--max-records", "3", "--output", "json")
    assert code == 0, err
    rows = json.loads(out)
    assert len(rows) == 3 and all(isinstance(r["id"], int) for r in rows)
    assert "built-in sandbox" in err
    # the same rows are on a sandbox built with the same (default) scale and seed
    with new_sandbox() as sb, connect(sb) as client:
        for row in rows:
            assert client.get("Tickets", row["id"])["title"] == row["title"]
        assert sb.secret not in out + err


# -- attachments --------------------------------------------------------------------------------


def test_attachments_upload_list_download_delete(
    run: Run, api: AutotaskClient, tmp_path: Path
) -> None:
    ticket = api.query("Tickets", max_records=1).items[0]["id"]
    source = tmp_path / "report.txt"
    source.write_bytes(b"disk full on \x00 server 3\n" * 100)
    code, out, _ = run(
        "attachments",
        "upload",
        "--parent-type",
        "Ticket",
        "--parent-id",
        str(ticket),
        "--file",
        str(source),
        "--title",
        "Disk report",
    )
    assert code == 0 and out.startswith("uploaded attachment ")
    attachment = int(out.split()[2])
    stored = api.get("TicketAttachments", attachment, parent_id=ticket)
    assert stored is not None and stored["title"] == "Disk report"

    code, out, _ = run(
        "attachments",
        "list",
        "--parent-type",
        "Ticket",
        "--parent-id",
        str(ticket),
        "--format",
        "json",
    )
    listed = {a["id"]: a for a in _json(out)}
    assert code == 0 and listed[attachment]["fullPath"] == "report.txt"  # the API's names

    target = tmp_path / "copy.txt"
    code, out, _ = run(
        "attachments", "download", "--attachment-id", str(attachment), "--output", str(target)
    )
    assert code == 0 and target.read_bytes() == source.read_bytes()

    code, out, _ = run(
        "attachments", "delete-attachment", "--attachment-id", str(attachment), "--yes"
    )
    assert code == 0 and out.strip() == f"deleted attachment {attachment}"
    assert api.get("TicketAttachments", attachment, parent_id=ticket) is None
    code, _, err = run(
        "attachments", "download", "--attachment-id", str(attachment), "--output", str(target)
    )
    assert code == 1 and "not found" in err


def test_attachments_refusals(run: Run, tmp_path: Path) -> None:
    code, _, err = run(
        "attachments",
        "upload",
        "--parent-type",
        "Tikcet",
        "--parent-id",
        "1",
        "--file",
        str(tmp_path / "missing.txt"),
    )
    assert code == 1 and "cannot hold attachments" in err
    code, _, err = run(
        "attachments",
        "upload",
        "--parent-type",
        "Ticket",
        "--parent-id",
        "1",
        "--file",
        str(tmp_path / "missing.txt"),
    )
    assert code == 1 and "missing.txt" in err and "Nothing was sent" in err
