"""issue 8, "One filter language everywhere": the CLI's --filter and --fields are the language of
``read_autotask(where=...)``, checked against the metadata before any query is sent.

Run as a user runs the command (``main([...])`` with the module sandbox's credentials in the
environment, over loopback HTTP); what the commands print is compared with what the Python API
reads from the same sandbox, and ``sandbox.requests`` shows what reached the server.
"""

from __future__ import annotations

import json

import pytest
from helpers.cli import InProcess

from autotask_pandas import AutotaskClient, read_autotask
from autotask_pandas.sandbox import Sandbox

# ``run`` (conftest): ``main(argv)`` in process with the module sandbox's credentials set;
# ``client`` (conftest): a client of the same sandbox.
Run = InProcess


def _queries_sent(sandbox: Sandbox, since: int) -> list[str]:
    """Paths of query and count requests (not metadata) sent after ``since`` requests."""
    return [r.path for r in sandbox.requests[since:] if "/query" in r.path]


def _ids(out: str) -> list[int]:
    return [row["id"] for row in json.loads(out)]


@pytest.mark.parametrize(
    "where",
    [
        "status eq New",  # a label with the API's word: was sent as "New", an HTTP 500
        "priority in (1,2)",  # parentheses: was an error of the CLI's own grammar
        "status != Complete",  # a symbol and a label: was an HTTP 500
        'status = "In Progress" or priority in (High, Critical)',
        "status noteq 5 and dueDateTime exists",
    ],
)
def test_filters_read_as_in_python(
    run: Run, client: AutotaskClient, sandbox: Sandbox, where: str
) -> None:
    code, out, err = run("query", "Tickets", "--filter", where, "--all", "--fields", "id",
                         "--output", "json")
    assert code == 0, err
    expected = read_autotask("Tickets", where=where, fields=["id"], client=client, progress=False)
    assert _ids(out) == expected["id"].tolist()
    code, out, _ = run("count", "Tickets", "--filter", where)
    assert code == 0 and int(out) == len(expected)


def test_several_filters_are_anded(run: Run, client: AutotaskClient) -> None:
    code, out, _ = run("query", "Tickets", "--filter", "status != Complete", "--filter",
                       "priority in (High, Critical)", "--all", "--fields", "id",
                       "--output", "json")
    expected = read_autotask(
        "Tickets", where="status != Complete and priority in (High, Critical)", fields=["id"],
        client=client, progress=False,
    )
    assert code == 0 and len(expected) > 0 and _ids(out) == expected["id"].tolist()


def test_the_api_spelling_ne_is_noteq_never_a_dropped_operator(
    run: Run, client: AutotaskClient
) -> None:
    """FACTS.md §4: the server silently drops an unknown operator such as ``ne``."""
    code, out, _ = run("count", "Tickets", "--filter", "status ne 5")
    assert code == 0
    assert int(out) == client.count("Tickets", {"op": "noteq", "field": "status", "value": 5})
    assert int(out) < client.count("Tickets")


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--filter", "stauts eq New"], "Tickets has no field 'stauts'; did you mean 'status'"),
        (["--filter", "status = Finished"], "'Finished' is no label or value of the picklist"),
        (["--fields", "id,titel"], "Tickets has no field 'titel'; did you mean 'title'?"),
        (["--fields", 'id,udf:"Root Cuse"'], "did you mean 'udf:Root Cause'?"),
    ],
)
def test_misspelt_names_get_did_you_mean_and_no_query_is_sent(
    run: Run, sandbox: Sandbox, argv: list[str], words: str
) -> None:
    sent = len(sandbox.requests)
    code, out, err = run("query", "Tickets", *argv)
    assert code == 2 and out == ""
    assert words in err
    assert _queries_sent(sandbox, sent) == []  # the metadata was read, no query went out


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--filter", "status ~ 5"], "unexpected character '~' (at position 7)\n  status ~ 5\n"
                                     "         ^"),
        (["--filter", "status in [1,5]"], "lists are written in parentheses"),
        (["--fields", "id title"], "expected ',' between column names"),
    ],
)
def test_syntax_errors_send_nothing_at_all(
    run: Run, sandbox: Sandbox, argv: list[str], words: str
) -> None:
    sent = len(sandbox.requests)
    code, out, err = run("query", "Tickets", *argv)
    assert code == 2 and out == "" and words in err
    assert len(sandbox.requests) == sent


def test_udf_columns_in_fields(run: Run, client: AutotaskClient) -> None:
    code, out, _ = run("query", "Tickets", "--fields", 'id,title,udf:"Root Cause"',
                       "--filter", 'udf:"Root Cause" exists', "--max-records", "20",
                       "--output", "json")
    rows = json.loads(out)
    expected = read_autotask(
        "Tickets", where='udf:"Root Cause" exists', fields=["id", "title", "udf:Root Cause"],
        limit=20, client=client, progress=False,
    )
    assert code == 0 and len(rows) == 20
    assert [list(r) for r in rows] == [["id", "title", "udf:Root Cause"]] * 20
    assert [r["udf:Root Cause"] for r in rows] == expected["udf:Root Cause"].tolist()
    # a UDF name with a space is quoted; unquoted it is two words: refused, not guessed
    code, out, err = run("query", "Tickets", "--fields", "ID, udf:root cause")
    assert code == 2 and out == "" and "expected ',' between column names" in err


def test_picklist_order_comparisons_mean_what_the_labelled_frame_means(
    run: Run, client: AutotaskClient
) -> None:
    labelled = read_autotask("Tickets", labels=True, fields=["id", "priority"], client=client,
                             progress=False)
    code, out, _ = run("query", "Tickets", "--filter", "priority > High", "--all", "--fields",
                       "id", "--output", "json")
    assert code == 0
    assert _ids(out) == labelled.loc[labelled["priority"] > "High", "id"].tolist()
