"""Issue 12, "The autotask command, complete" (the rest): ``export`` streamed to Parquet, CSV or
JSONL with a progress bar, ``--labels`` on query and export, ``threshold``, ``doctor``, ``--file``
taking JSONL and CSV, and ``--dry-run`` on every write command. Each runs ``autotask`` as a
subprocess against a sandbox served over loopback HTTP; no output ever holds the secret."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from helpers.cli import Ran, writes
from helpers.cli import autotask as run_autotask

from autotask_pandas.client import AutotaskClient
from autotask_pandas.sandbox import Sandbox

# ``sandbox`` and ``api`` (conftest): the module's served sandbox and a client of it.


def autotask(sb: Sandbox, *argv: str, progress: bool = False, **env: str) -> Ran:
    """``autotask ARGV`` as a subprocess on ``sb`` (``env`` overrides its variables)."""
    return run_autotask(*argv, sandbox=sb, env=env, progress=progress)


# -- export -------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl"])
def test_export_streams_every_matching_row_to_a_file(
    sandbox: Sandbox, api: AutotaskClient, tmp_path: Path, fmt: str
) -> None:
    expected = api.count("Tickets", [{"op": "lte", "field": "id", "value": 8200}])
    assert expected > 500  # more than one page
    out = tmp_path / f"tickets.{fmt}"
    code, stdout, err = autotask(
        sandbox, "export", "Tickets", "--where", "id <= 8200", "--format", fmt, "--out", str(out)
    )
    assert code == 0 and stdout == ""  # data goes to the file, messages to stderr
    assert f"exported {expected:,} Tickets to {out} ({fmt})" in err
    if fmt == "parquet":
        frame = pd.read_parquet(out)
    elif fmt == "csv":
        frame = pd.read_csv(out)
    else:
        frame = pd.read_json(out, lines=True)
    assert len(frame) == expected and frame["id"].is_unique and frame["id"].max() <= 8200
    assert {"title", "priority", "status"} <= set(frame.columns)


def test_export_shows_a_progress_bar_on_stderr_and_takes_the_format_from_the_suffix(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    out = tmp_path / "few.jsonl"
    code, _, err = autotask(
        sandbox, "export", "Tickets", "--where", "id <= 7009", "--out", str(out), progress=True
    )
    assert code == 0 and "Tickets" in err and "10/10" in err  # the bar, sized by the count
    assert len(out.read_text().splitlines()) == 10
    code, _, err = autotask(sandbox, "export", "Tickets", "--out", str(tmp_path / "t.xlsx"))
    assert code == 2 and "--format parquet|csv|jsonl" in err


def test_labels_on_query_and_export(sandbox: Sandbox, tmp_path: Path) -> None:
    code, out, _ = autotask(
        sandbox, "query", "Tickets", "--where", "id <= 7004", "--fields", "id,priority,status",
        "--output", "json", "--labels",
    )  # fmt: skip
    assert code == 0
    rows = json.loads(out)
    assert all(isinstance(r["priority"], str) and not r["priority"].isdigit() for r in rows)
    code, out, _ = autotask(
        sandbox, "query", "Tickets", "--where", "id <= 7004", "--fields", "id,priority",
        "--output", "json",
    )  # fmt: skip
    assert all(isinstance(r["priority"], int) for r in json.loads(out))  # values without it
    path = tmp_path / "labels.csv"
    code, _, _ = autotask(
        sandbox, "export", "Tickets", "--where", "id <= 7004", "--out", str(path), "--labels"
    )
    frame = pd.read_csv(path)
    assert code == 0 and frame["priority"].map(type).eq(str).all()


# -- threshold and doctor -------------------------------------------------------------------------


def test_threshold(sandbox: Sandbox) -> None:
    code, out, _ = autotask(sandbox, "threshold", "--output", "json")
    reading = json.loads(out)
    assert code == 0 and reading["limit"] == 10_000 and reading["used"] >= 1
    code, out, _ = autotask(sandbox, "threshold")
    assert code == 0 and "of 10,000 requests used in the last 60 minutes" in out


def test_doctor_checks_zone_credentials_threshold_and_versions(sandbox: Sandbox) -> None:
    code, out, err = autotask(sandbox, "doctor")
    assert code == 0, out + err
    for check in ("credentials", "zone", "authentication", "threshold", "versions"):
        assert any(line.startswith("ok") and check in line for line in out.splitlines()), check
    assert sandbox.url in out and "pandas " in out and "pyarrow " in out
    assert "secret set" in out  # said to be there, never shown


def test_doctor_says_what_is_wrong_and_never_prints_the_secret(sandbox: Sandbox) -> None:
    code, out, err = autotask(sandbox, "doctor", "--output", "json", AUTOTASK_SECRET="wrong-s3cret")
    checks = {c["check"]: c for c in json.loads(out)}
    assert code == 1 and "authentication failed" in err
    assert not checks["authentication"]["ok"]
    assert "AUTOTASK_SECRET" in checks["authentication"]["detail"]  # how to fix it
    code, out, err = autotask(sandbox, "doctor", AUTOTASK_USERNAME="")
    assert code == 1 and "set AUTOTASK_USERNAME" in out


# -- --file JSONL and CSV ----------------------------------------------------------------------


def test_batch_file_takes_jsonl_and_csv(
    sandbox: Sandbox, api: AutotaskClient, tmp_path: Path
) -> None:
    jsonl = tmp_path / "tags.jsonl"
    jsonl.write_text('{"label": "jsonl-tag-1"}\n\n{"label": "jsonl-tag-2"}\n')
    code, out, _ = autotask(sandbox, "batch", "create", "Tags", "--file", str(jsonl),
                            "--output", "json")  # fmt: skip
    ids = [r["itemId"] for r in json.loads(out)]
    assert code == 0 and [api.get("Tags", i)["label"] for i in ids] == [
        "jsonl-tag-1",
        "jsonl-tag-2",
    ]

    table = tmp_path / "tags.csv"
    table.write_text("label\n0123\ncsv-tag\n")  # a digit string with a leading zero stays text
    code, out, _ = autotask(sandbox, "batch", "create", "Tags", "--file", str(table),
                            "--output", "json")  # fmt: skip
    created = [r["itemId"] for r in json.loads(out)]
    assert code == 0 and [api.get("Tags", i)["label"] for i in created] == ["0123", "csv-tag"]

    table.write_text(f"id,label\n{created[1]},renamed-from-csv\n")
    code, _, _ = autotask(sandbox, "batch", "update", "Tags", "--file", str(table))
    assert code == 0 and api.get("Tags", created[1])["label"] == "renamed-from-csv"


# -- --dry-run ------------------------------------------------------------------------------------


def test_dry_run_prints_the_exact_requests_and_sends_no_write(
    sandbox: Sandbox, api: AutotaskClient, tmp_path: Path
) -> None:
    before = api.get("Tickets", 7000)
    assert before is not None
    start = len(sandbox.requests)
    root = f"{sandbox.url}V1.0/"

    code, out, err = autotask(sandbox, "update", "Tickets", "7000", "--data",
                              '{"title": "not sent"}', "--dry-run")  # fmt: skip
    assert code == 0 and "nothing sent" in err
    assert out.splitlines()[0] == f"PATCH {root}Tickets"
    assert json.loads(out.split("\n", 1)[1]) == {"id": 7000, "title": "not sent"}

    code, out, _ = autotask(sandbox, "create", "Tags", "--data", '{"label": "dry"}', "--dry-run",
                            "--output", "json")  # fmt: skip
    assert code == 0
    assert json.loads(out) == [{"method": "POST", "url": f"{root}Tags", "body": {"label": "dry"}}]

    tag = api.create_entity("Tags", label="kept").item_id
    start = len(sandbox.requests)
    code, out, _ = autotask(sandbox, "delete", "Tags", str(tag), "--dry-run")  # no --yes needed
    assert code == 0 and out.strip() == f"DELETE {root}Tags/{tag}"

    data = tmp_path / "batch.jsonl"
    data.write_text('{"label": "a"}\n{"label": "b"}\n')
    code, out, _ = autotask(sandbox, "batch", "create", "Tags", "--file", str(data), "--dry-run",
                            "--output", "jsonl")  # fmt: skip
    assert code == 0 and [json.loads(line)["body"] for line in out.splitlines()] == [
        {"label": "a"},
        {"label": "b"},
    ]
    code, out, _ = autotask(sandbox, "batch", "delete", "Tags", "--ids", f"{tag}", "--dry-run")
    assert code == 0 and out.strip() == f"DELETE {root}Tags/{tag}"

    assert writes(sandbox, start) == []  # nothing written
    assert api.get("Tickets", 7000) == before and api.get("Tags", tag)["label"] == "kept"


def test_dry_run_refuses_what_the_write_would_refuse(sandbox: Sandbox) -> None:
    code, out, err = autotask(sandbox, "update", "Tickets", "7000", "--data",
                              '{"noSuchField": 1}', "--dry-run")  # fmt: skip
    assert code == 1 and out == "" and "noSuchField" in err


def test_dry_run_of_attachment_upload_and_delete(
    sandbox: Sandbox, api: AutotaskClient, tmp_path: Path
) -> None:
    root = f"{sandbox.url}V1.0/"
    file = tmp_path / "hello.txt"
    file.write_bytes(b"hello\n")
    kept = api.attachments.upload_from_data("Ticket", 7001, b"kept", "kept.txt")
    start = len(sandbox.requests)
    code, out, err = autotask(
        sandbox, "attachments", "upload", "--parent-type", "Ticket", "--parent-id", "7001",
        "--file", str(file), "--dry-run",
    )  # fmt: skip
    assert code == 0 and "nothing sent" in err
    assert out.splitlines()[0] == f"POST {root}Tickets/7001/Attachments"
    body = json.loads(out.split("\n", 1)[1])
    assert (body["fullPath"], body["data"]) == ("hello.txt", "aGVsbG8K")  # the file, as base64
    code, out, _ = autotask(
        sandbox, "attachments", "delete-attachment", "--attachment-id", str(kept.id), "--dry-run"
    )
    assert code == 0 and out.strip() == f"DELETE {root}Tickets/7001/Attachments/{kept.id}"
    assert writes(sandbox, start) == []
    assert [a.id for a in api.attachments.get_attachments_for_entity("Ticket", 7001)].count(
        kept.id
    ) == 1
