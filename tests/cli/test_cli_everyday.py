"""Issue 12, "The autotask command, complete" (the part done so far): ``--version``, ``--output
jsonl``, a query that stops at its first page saying so on stderr, and a readable table without
``--fields`` (every column with ``--fields '*'``). Each runs ``autotask`` as a subprocess against a
sandbox served over loopback HTTP, and no output holds the secret."""

from __future__ import annotations

import json
import subprocess
import sys

from helpers.cli import Ran
from helpers.cli import autotask as run_autotask

from autotask_pandas.sandbox import Sandbox

# ``sandbox`` (conftest): the module's served sandbox.


def autotask(sb: Sandbox, *argv: str) -> Ran:
    return run_autotask(*argv, sandbox=sb)


def test_version(sandbox):
    code, out, _ = autotask(sandbox, "--version")
    assert code == 0 and out.startswith("autotask ") and out.split()[1][0].isdigit()


def test_a_query_that_stops_at_its_first_page_says_so_on_stderr(sandbox):
    code, out, err = autotask(sandbox, "query", "Tickets", "--output", "jsonl")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 500
    assert "500 of 5,000 Tickets" in err and "--all" in err
    code, out, err = autotask(sandbox, "query", "Tickets", "--max-records", "3", "--output", "json")
    assert code == 0 and len(json.loads(out)) == 3
    assert "3 of 5,000 Tickets" in err


def test_a_table_without_fields_is_readable_and_star_shows_every_column(sandbox):
    code, out, err = autotask(sandbox, "query", "Tickets", "--max-records", "3")
    header = out.splitlines()[0].split()
    assert code == 0 and header[0] == "id" and "title" in header and len(header) <= 10
    assert "--fields '*'" in err
    code, out, _ = autotask(sandbox, "query", "Tickets", "--max-records", "3", "--fields", "*")
    assert code == 0 and len(out.splitlines()[0].split()) > 40


def test_generate_catalog_without_the_spec_says_what_is_missing(tmp_path):
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "tools" / "generate_catalog.py"
    done = subprocess.run(
        [sys.executable, str(script), "--shared", str(tmp_path / "nowhere")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "FileNotFoundError" not in done.stderr
    assert "--shared" in done.stderr and "catalog.json is committed" in done.stderr


def test_a_batch_that_partly_failed_exits_3(sandbox):
    code, out, _ = autotask(
        sandbox, "create", "Tags", "--data", '{"label": "cli-exit-3"}', "--output", "json"
    )
    assert code == 0
    tag = json.loads(out)["itemId"]
    code, out, err = autotask(
        sandbox, "batch", "delete", "Tags", "--ids", f"{tag},999999999", "--yes"
    )
    assert code == 3, (out, err)
    assert "1 of 2 deletes did not succeed" in err


def test_attachments_list_takes_output_and_prints_each_value_once(sandbox, tmp_path):
    source = tmp_path / "note.txt"
    source.write_text("listed once\n")
    code, out, _ = autotask(sandbox, "query", "Tickets", "--max-records", "1", "--output", "json")
    ticket = str(json.loads(out)[0]["id"])
    where = ("--parent-type", "Ticket", "--parent-id", ticket)
    code, out, err = autotask(sandbox, "attachments", "upload", *where, "--file", str(source))
    assert code == 0, err
    code, out, err = autotask(sandbox, "attachments", "list", *where, "--output", "jsonl")
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    # the API's names (as get and query print them), each value once
    assert rows and rows[0]["fullPath"] == "note.txt"
    assert not {"file_name", "file_size", "content_type", "parent_id"} & set(rows[0])
