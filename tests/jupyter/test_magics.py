"""issue 8, "Magics": ``%autotask`` and ``%%autotask`` in a real IPython shell, against a sandbox.

Each result is compared with what the Python API (``read_autotask``, the client) reads from the
same sandbox; ``tenant.requests`` shows what reached the server.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output

from autotask_pandas import PushResult, Query, read_autotask
from autotask_pandas.client.default import default_client
from autotask_pandas.jupyter import AutotaskMagic
from autotask_pandas.sandbox import Sandbox


@pytest.fixture(autouse=True)
def _settings_put_back(magic: AutotaskMagic) -> None:
    """Every test here starts from the magic's default settings (``magic`` restores them)."""


def run(ip: Any, cell: str) -> tuple[Any, str, str]:
    """Run a cell as a user does: (its result, stdout, stderr)."""
    with capture_output() as io:
        result = ip.run_cell(cell)
    return result, io.stdout, io.stderr


def queries(sandbox: Sandbox, since: int) -> list[str]:
    return [f"{r.method} {r.path}" for r in sandbox.requests[since:] if "/query" in r.path]


def test_load_ext_registers_the_magics_and_the_completer(ip: Any, magic: AutotaskMagic) -> None:
    assert "autotask" in ip.magics_manager.magics["line"]
    assert "autotask" in ip.magics_manager.magics["cell"]
    assert magic in ip.configurables
    assert any(
        getattr(m, "matcher_identifier", None) == "autotask_pandas"
        for m in ip.Completer.custom_matchers
    )


def test_the_example_of_the_issue(ip: Any, magic: AutotaskMagic) -> None:
    result, _, err = run(
        ip, "tickets = %autotask Tickets where status != Complete select id, title, status "
            "limit 100"
    )
    assert result.success, err
    tickets = ip.user_ns["tickets"]
    assert list(tickets.columns) == ["id", "title", "status"]
    # picklists as labels by default in the pandas layer (issue 12), as read_autotask gives them
    assert [str(t) for t in tickets.dtypes] == ["Int64", "string", "category"]
    expected = read_autotask(
        "Tickets", where="status != Complete", fields=["id", "title", "status"], limit=100,
        client=magic.connection.current(), progress=False,
    )
    pd.testing.assert_frame_equal(tickets, expected)
    assert 0 < len(tickets) <= 100 and (tickets["status"] != "Complete").all()


def test_all_rows_unless_limit(ip: Any, magic: AutotaskMagic) -> None:
    ip.run_line_magic("config", "AutotaskMagic.progress = False")
    frame = ip.run_line_magic("autotask", "Tickets select id")
    assert len(frame) == magic.connection.current().count("Tickets") > 500  # several pages


def test_labels_by_option_and_by_config(ip: Any) -> None:
    ip.run_line_magic("config", "AutotaskMagic.progress = False")
    plain = ip.run_line_magic("autotask", "--no-labels Tickets select id, priority limit 50")
    assert str(plain["priority"].dtype) == "Int64"
    ip.run_line_magic("config", "AutotaskMagic.labels = False")
    assert str(ip.run_line_magic("autotask", "Tickets select id, priority limit 5")["priority"]
               .dtype) == "Int64"
    labelled = ip.run_line_magic("autotask", "--labels Tickets select id, priority limit 50")
    assert isinstance(labelled["priority"].dtype, pd.CategoricalDtype)
    assert labelled["priority"].dtype.ordered
    assert list(labelled["priority"].cat.categories) == ["Critical", "High", "Medium", "Low"]
    ip.run_line_magic("config", "AutotaskMagic.labels = True")
    assert isinstance(
        ip.run_line_magic("autotask", "Tickets select id, priority limit 5")["priority"].dtype,
        pd.CategoricalDtype,
    )
    unlabelled = ip.run_line_magic("autotask", "--no-labels Tickets select id, priority limit 5")
    assert str(unlabelled["priority"].dtype) == "Int64"


def test_time_zone_by_config_and_option(
    ip: Any, magic: AutotaskMagic, caplog: pytest.LogCaptureFixture
) -> None:
    ip.run_line_magic("config", "AutotaskMagic.progress = False")
    ip.run_line_magic("config", "AutotaskMagic.tz = 'Europe/Paris'")
    frame = ip.run_line_magic("autotask", "Tickets select id, createDate limit 3")
    assert str(frame["createDate"].dt.tz) == "Europe/Paris"
    frame = ip.run_line_magic("autotask", "--tz Asia/Tokyo Tickets select id, createDate limit 3")
    assert str(frame["createDate"].dt.tz) == "Asia/Tokyo"
    run(ip, "%config AutotaskMagic.tz = 'Mars/Olympus'")  # %config logs the refusal
    assert "unknown time zone 'Mars/Olympus'" in caplog.text
    assert magic.tz == "Europe/Paris"


def test_lazy_returns_the_query_and_fetches_no_data(
    ip: Any, magic: AutotaskMagic, tenant: Sandbox
) -> None:
    sent = len(tenant.requests)
    result, out, _ = run(ip, "%autotask --lazy --labels Tickets where status = Complete limit 5")
    query = result.result
    assert isinstance(query, Query) and query.labels and query.limit_ == 5
    assert queries(tenant, sent) == []  # metadata only: the names were checked
    # displayed in a terminal shell: the short text form, still no request
    assert out.strip().endswith(
        "len(q) to count"
    ) and "Query: Tickets where status = Complete limit 5 (labels)" in out
    assert queries(tenant, sent) == []
    assert len(query.head(3)) == 3


def test_the_cell_magic_reads_a_multi_line_query(ip: Any, magic: AutotaskMagic) -> None:
    ip.run_line_magic("config", "AutotaskMagic.progress = False")
    result, _, err = run(
        ip,
        "%%autotask -o open_tickets\n"
        "Tickets\n"
        "where status != Complete\n"
        '  and (priority in (High, Critical) or udf:"Root Cause" exists)\n'
        'select id, priority, udf:"Root Cause"\n',
    )
    assert result.success, err
    assert result.result is None  # captured, not displayed
    frame = ip.user_ns["open_tickets"]
    expected = read_autotask(
        "Tickets",
        where='status != Complete and (priority in (High, Critical) or udf:"Root Cause" exists)',
        fields=["id", "priority", "udf:Root Cause"], client=magic.connection.current(),
        progress=False,
    )
    pd.testing.assert_frame_equal(frame, expected)


@pytest.mark.parametrize(
    "cell",
    [
        "%autotask -o captured Tickets select id limit 7",
        "%autotask --out=captured Tickets select id limit 7",
        "%autotask captured << Tickets select id limit 7",
        "%%autotask captured <<\nTickets select id limit 7",
    ],
)
def test_captured_results_are_stored_not_displayed(ip: Any, cell: str) -> None:
    ip.user_ns.pop("captured", None)
    ip.run_line_magic("config", "AutotaskMagic.progress = False")
    result, out, _ = run(ip, cell)
    assert result.success and result.result is None
    assert out == ""  # nothing displayed
    assert list(ip.user_ns["captured"].columns) == ["id"] and len(ip.user_ns["captured"]) == 7


def test_python_variables_are_quoted_into_the_query(ip: Any, magic: AutotaskMagic) -> None:
    ip.run_line_magic("config", "AutotaskMagic.progress = False")
    client = magic.connection.current()
    ip.user_ns.update(
        wanted=["High", "Critical"], since=dt.date(2020, 1, 1), state="Complete",
        sneaky='x" or id > "0', n=3,
    )
    frame = ip.run_line_magic(
        "autotask",
        "Tickets where priority in {wanted} and createDate >= {since} and status != {state} "
        "select id limit {n}",
    )
    expected = read_autotask(
        "Tickets",
        where="priority in (High, Critical) and createDate >= 2020-01-01 and status != Complete",
        fields=["id"], limit=3, client=client, progress=False,
    )
    pd.testing.assert_frame_equal(frame, expected)
    # a value stays one value: the quote in it cannot add a condition
    assert ip.run_line_magic("autotask", "Tickets where title = {sneaky} select id").empty
    result, _, err = run(ip, "%autotask Tickets where title = {nobody}")
    assert isinstance(result.error_in_exec, UsageError)
    assert "no Python variable named 'nobody'" in err


def test_count(ip: Any, magic: AutotaskMagic) -> None:
    total = ip.run_line_magic("autotask", "count Tickets where priority > High")
    labelled = read_autotask("Tickets", fields=["id", "priority"], labels=True,
                             client=magic.connection.current(), progress=False)
    assert total == int((labelled["priority"] > "High").sum()) > 0


def test_entities_and_fields(ip: Any) -> None:
    entities = ip.run_line_magic("autotask", "entities")
    tickets = entities.set_index("entity").loc["Tickets"]
    assert tickets["query"] and tickets["create"] and tickets["udfs"]
    contacts = entities.set_index("entity").loc["Contacts"]
    assert not contacts["create"] and "Companies/{id}/Contacts" in contacts["written under"]

    fields = ip.run_line_magic("autotask", "fields tickets").set_index("field")
    assert fields.loc["status", "type"] == "integer"
    assert fields.loc["status", "picklist"].startswith("1 New, 8 In Progress")
    assert fields.loc["id", "read-only"] and fields.loc["companyID", "required"]
    assert fields.loc["udf:Root Cause", "udf"] and fields.loc["udf:Root Cause", "type"] == "string"
    assert fields.loc["companyID", "reference"] == "Company"
    result, _, err = run(ip, "%autotask fields Tikets")
    assert isinstance(result.error_in_exec, UsageError) and "did you mean 'Tickets'" in err


def test_threshold(ip: Any) -> None:
    usage = ip.run_line_magic("autotask", "threshold")
    assert usage.limit == 10_000 and usage.used > 0
    assert repr(usage).startswith(f"API usage: {usage.used:,} of 10,000 requests")


def test_push_dry_run_then_for_real(ip: Any, magic: AutotaskMagic, tenant: Sandbox) -> None:
    ip.run_line_magic("config", "AutotaskMagic.progress = False")
    ip.run_cell("edits = %autotask Tickets where status != Complete select id, title limit 2")
    edits = ip.user_ns["edits"]
    edits.loc[0, "title"] = "Pushed from a notebook"
    sent = len(tenant.requests)
    dry = ip.run_line_magic("autotask", "push edits --dry-run")
    assert isinstance(dry, PushResult)
    assert dry["action"].tolist() == ["update", "none"] and dry["status"].iloc[0] == "pending"
    assert not [r for r in tenant.requests[sent:] if r.method == "PATCH"]
    done = ip.run_line_magic("autotask", "push edits --conflicts=skip")
    assert done["status"].iloc[0] == "ok"
    patches = [r for r in tenant.requests[sent:] if r.method == "PATCH"]
    assert len(patches) == 1
    record = magic.connection.current().get("Tickets", int(edits.loc[0, "id"]))
    assert record["title"] == "Pushed from a notebook"
    result, _, err = run(ip, "%autotask push nothing_here")
    assert isinstance(result.error_in_exec, UsageError) and "not a DataFrame" in err


@pytest.mark.parametrize(
    ("cell", "words"),
    [
        ("%autotask Tickets where status ~ 1",
         "unexpected character '~' (at position 21)\n  Tickets where status ~ 1\n"
         "                       ^"),
        ("%autotask Tickets where stauts = New", "did you mean 'status'"),
        ("%autotask Tickets select id, titel", "did you mean 'title'"),
        ("%autotask Tickets where status = Finished", "'Finished' is no label"),
        ("%autotask Tikets", "did you mean 'Tickets'"),
        ("%autotask Tickets limit many", "the limit must be a positive whole number"),
        ("%autotask --bogus Tickets", "unknown option '--bogus'"),
        # the server's words (this one only the server refuses)
        ("%autotask Tickets where id contains 5",
         "The contains operator can only be used on text fields, not on id."),
    ],
)
def test_mistakes_are_usage_errors_without_traceback(
    ip: Any, tenant: Sandbox, cell: str, words: str
) -> None:
    ip.run_line_magic("config", "AutotaskMagic.progress = False")
    result, out, err = run(ip, cell)
    assert isinstance(result.error_in_exec, UsageError)
    assert err.startswith("UsageError: ") and words in err
    assert "Traceback" not in err + out
    assert tenant.secret not in err + out


def test_display_limits_apply_to_the_magics_frames_only(ip: Any) -> None:
    ip.run_line_magic("config", "AutotaskMagic.progress = False")
    ip.run_line_magic("config", "AutotaskMagic.display_max_rows = 6")
    ip.run_line_magic("config", "AutotaskMagic.display_max_columns = 4")
    frame = ip.run_line_magic("autotask", "Tickets limit 40")
    text = ip.display_formatter.format(frame)[0]["text/plain"]
    assert "[40 rows x" in text and len(text.splitlines()) < 15 and "..." in text
    other = pd.DataFrame({"a": range(40)})
    with pd.option_context("display.max_rows", 100):
        assert len(ip.display_formatter.format(other)[0]["text/plain"].splitlines()) == 41
    html = magic_html(ip, frame)
    assert html.count("<tr>") < 15


def magic_html(ip: Any, frame: pd.DataFrame) -> str:
    return str(ip.display_formatter.formatters["text/html"](frame))


def test_progress_bar_text_in_a_terminal_and_switched_off(
    ip: Any, tenant: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, _, err = run(ip, "df = %autotask --progress Tickets select id limit 600")
    assert "Tickets: 100%" in err and "600/600" in err  # tqdm's text bar, sized by the count
    ip.run_line_magic("config", "AutotaskMagic.progress = False")
    sent = len(tenant.requests)
    _, _, err = run(ip, "df = %autotask Tickets select id limit 600")
    assert err == "" and not [p for p in queries(tenant, sent) if p.endswith("/count")]
    ip.run_line_magic("config", "AutotaskMagic.progress = True")
    monkeypatch.setenv("TQDM_DISABLE", "1")
    sent = len(tenant.requests)
    _, _, err = run(ip, "df = %autotask Tickets select id limit 600")
    assert err == "" and not [p for p in queries(tenant, sent) if p.endswith("/count")]


def test_push_progress_bar(ip: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    ip.run_line_magic("config", "AutotaskMagic.progress = False")
    ip.run_cell("few = %autotask Tickets where status != Complete select id, title limit 3")
    few = ip.user_ns["few"]
    few["title"] = few["title"] + " (bar)"
    ip.run_line_magic("config", "AutotaskMagic.progress = True")
    _, _, err = run(ip, "%autotask push few")
    assert "push Tickets: 100%" in err and "3/3" in err


def test_connect_sets_the_default_client(ip: Any, magic: AutotaskMagic) -> None:
    assert default_client() is magic.connection.current()
