"""``FilterBuilder`` headless: widget values are set and buttons clicked as a user would, and the
assertions look at the widgets' state, the ``%autotask`` line, and what reached the sandbox."""

from __future__ import annotations

import datetime as dt
import html

import ipywidgets as widgets
import pandas as pd
import pytest
from request_log import RequestLog

from autotask_pandas import AutotaskValidationError
from autotask_pandas.client import AutotaskClient, ClientConfig, default
from autotask_pandas.query.picklists import picklist_maps
from autotask_pandas.query.statement import parse_statement
from autotask_pandas.sandbox import Sandbox
from autotask_pandas.widgets import FilterBuilder


def _picklist_value(client: AutotaskClient, entity: str, field: str, label: str) -> int:
    meta = next(f for f in client.get_field_metadata(entity) if f.name == field)
    (value,) = picklist_maps(meta).label_to_values[label]
    return int(value)


def test_the_form_writes_the_issue_query_as_a_percent_autotask_line(
    widget_client: AutotaskClient,
) -> None:
    """Issue 8: "%autotask Tickets where status != Complete select id, title, status limit 100"
    is what the form shows once those choices are made, and the line reads back to them."""
    builder = FilterBuilder(widget_client, progress=False)
    assert builder.line == "%autotask Tickets limit 100"
    assert "%autotask Tickets limit 100" in html.unescape(builder.line_view.value)

    builder.add_button.click()
    row = builder.rows[0]
    row.field.value = "status"
    row.operator.value = "!="
    row.value.value = "Complete"
    builder.select.value = ("id", "title", "status")

    expected = "%autotask Tickets where status != Complete select id, title, status limit 100"
    assert builder.line == expected
    assert expected in html.unescape(builder.line_view.value)  # shown, in sync
    statement = parse_statement(builder.line.removeprefix("%autotask "))
    assert statement == builder.statement
    assert (statement.entity, statement.where, statement.select, statement.limit) == (
        "Tickets", "status != Complete", ("id", "title", "status"), 100,
    )


def test_the_value_widget_fits_the_field(widget_client: AutotaskClient) -> None:
    builder = FilterBuilder(widget_client, progress=False)
    row = builder.add_condition("status")
    status = next(f for f in widget_client.get_field_metadata("Tickets") if f.name == "status")
    # a picklist: a dropdown of its labels, in the picklist's sort order
    assert isinstance(row.value, widgets.Dropdown)
    assert list(row.value.options) == list(picklist_maps(status).labels)
    assert "Complete" in row.value.options
    assert ">" not in row.operator.options  # no ordering on labels in the form
    row.operator.value = "in"
    assert isinstance(row.value, widgets.SelectMultiple)
    row.value.value = ("New", "Waiting Customer")
    assert builder.where == 'status in (New, "Waiting Customer")'

    kinds = {
        "createDate": widgets.DatePicker,  # datetime
        "isVisibleToComanaged": widgets.Checkbox,  # boolean
        "companyID": widgets.IntText,  # integer
        "estimatedHours": widgets.FloatText,  # double
        "title": widgets.Text,  # string
        "udf:Root Cause": widgets.Text,  # a text UDF
        "udf:Customer Impact": widgets.IntText,  # an integer UDF
    }
    for field, kind in kinds.items():
        row.field.value = field
        assert type(row.value) is kind, field
    row.field.value = "createDate"
    row.value.value = dt.date(2026, 1, 1)
    assert builder.where == "createDate >= 2026-01-01"
    row.field.value = "isVisibleToComanaged"
    row.value.value = False
    assert builder.where == "isVisibleToComanaged = false"
    row.field.value = "udf:Root Cause"
    row.value.value = 'say "hi"'
    assert builder.where == 'udf:"Root Cause" contains "say \\"hi\\""'
    row.operator.value = "not exists"
    assert builder.where == 'udf:"Root Cause" not exists'
    assert isinstance(row.value, widgets.HBox) and not row.value.children  # nothing to type


def test_the_line_follows_every_change(widget_client: AutotaskClient) -> None:
    builder = FilterBuilder(widget_client, progress=False)
    first = builder.add_condition("priority")
    first.value.value = "High"
    builder.add_button.click()
    second = builder.rows[1]
    second.field.value = "createDate"
    # a row without its value is left out, and the form says so
    assert builder.line == "%autotask Tickets where priority = High limit 100"
    assert "condition 2 (createDate): no date picked, left out" in builder.status.value
    second.value.value = dt.date(2026, 1, 1)
    assert builder.line == (
        "%autotask Tickets where priority = High and createDate >= 2026-01-01 limit 100"
    )
    assert builder.status.value == ""
    builder.conjunction.value = "or"
    assert builder.line == (
        "%autotask Tickets where priority = High or createDate >= 2026-01-01 limit 100"
    )
    builder.limit.value = 0  # every row
    builder.select.value = ("title", "udf:Root Cause")
    assert builder.line == (
        '%autotask Tickets where priority = High or createDate >= 2026-01-01 '
        'select title, udf:"Root Cause"'
    )
    first.remove.click()
    assert [r.field.value for r in builder.rows] == ["createDate"]
    assert builder.line == (
        '%autotask Tickets where createDate >= 2026-01-01 select title, udf:"Root Cause"'
    )
    assert builder.line in html.unescape(builder.line_view.value)

    builder.entity.value = "Companies"  # other fields: the rows and the selection start again
    assert builder.rows == [] and builder.select.value == ()
    assert "companyName" in builder.select.options
    assert builder.line == "%autotask Companies"


def test_editing_the_form_sends_no_request(
    widget_client: AutotaskClient, served: RequestLog
) -> None:
    """Fields and labels come from the client's metadata cache: no request per change."""
    FilterBuilder(widget_client, progress=False)  # the metadata is cached from here on
    served.mark()
    builder = FilterBuilder(widget_client, progress=False)
    row = builder.add_condition("status")
    for label in ("New", "Complete", "Escalate"):
        row.value.value = label
    row.field.value = "title"
    row.value.value = "VPN"
    builder.conjunction.value = "or"
    builder.select.value = ("id", "title")
    builder.limit.value = 7
    assert served.calls == []


def test_count_asks_the_server_once(
    widget_client: AutotaskClient, served: RequestLog
) -> None:
    builder = FilterBuilder(widget_client, progress=False)
    builder.add_condition("status").operator.value = "!="
    builder.rows[0].value.value = "Complete"
    served.mark()
    builder.count_button.click()

    assert served.calls == [("POST", "Tickets/query/count")]
    complete = _picklist_value(widget_client, "Tickets", "status", "Complete")
    # counted another way: every ticket's status, through the bare client and the API's filter
    statuses = [r["status"] for r in widget_client.query_all("Tickets", include_fields=["status"])]
    expected = sum(1 for s in statuses if s != complete)
    assert 0 < expected < len(statuses)
    assert builder.count_result == expected
    assert f"{expected:,} Tickets match" in builder.status.value
    assert builder.result is None  # Count fetches no rows


def test_run_shows_the_rows_and_keeps_the_frame(
    widget_client: AutotaskClient, served: RequestLog
) -> None:
    builder = FilterBuilder(widget_client, progress=False)
    row = builder.add_condition("status")
    row.operator.value = "!="
    row.value.value = "Complete"
    builder.select.value = ("id", "title", "status")
    builder.limit.value = 25
    served.mark()
    builder.run_button.click()

    assert served.calls == [("POST", "Tickets/query")]  # one page of 25 (MaxRecords)
    frame = builder.result
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["id", "title", "status"]
    assert len(frame) == 25
    assert str(frame["id"].dtype) == "Int64"
    assert isinstance(frame["status"].dtype, pd.CategoricalDtype)  # labels, the layer's default
    assert "Complete" in frame["status"].cat.categories
    assert (frame["status"] != "Complete").all()
    assert frame["id"].is_monotonic_increasing
    (shown,) = builder.output.outputs
    assert 'class="dataframe"' in shown["data"]["text/html"]
    assert str(frame["title"].iloc[0]) in shown["data"]["text/plain"]
    assert "25 rows × 3 columns" in shown["data"]["text/html"]
    assert "25 rows of Tickets" in builder.status.value


def test_or_rows_run_as_one_group(widget_client: AutotaskClient) -> None:
    builder = FilterBuilder(widget_client, progress=False)
    builder.add_condition("priority").value.value = "Critical"
    builder.add_condition("status").value.value = "Escalate"
    builder.conjunction.value = "or"
    builder.select.value = ("priority", "status")
    builder.limit.value = 0
    builder.run_button.click()

    frame = builder.result
    assert frame is not None and len(frame) > 0
    # the frame shows picklists as labels, as every frame of the pandas layer does by default
    critical, escalate = "Critical", "Escalate"
    either = (frame["priority"] == critical) | (frame["status"] == escalate)
    assert either.all()
    assert (frame["priority"] != critical).any() and (frame["status"] != escalate).any()


def test_mistakes_are_shown_in_the_form_and_nothing_is_sent(
    widget_client: AutotaskClient, served: RequestLog
) -> None:
    """Two UDF conditions: the API allows one per query; the client says so before sending, and
    the form shows its words instead of raising into the widget log."""
    builder = FilterBuilder(widget_client, progress=False)
    builder.add_condition("udf:Root Cause").value.value = "disk"
    builder.add_condition("udf:Customer Impact").value.value = 3
    served.mark()
    builder.run_button.click()
    assert served.calls == []
    assert builder.result is None
    assert "one user-defined-field condition per query" in builder.status.value
    assert "autotask-error" in builder.status.value


def test_progress_bar_runs_headless(widget_client: AutotaskClient) -> None:
    """progress=True (the default) with no front end: tqdm.auto falls back to text."""
    builder = FilterBuilder(widget_client)
    builder.limit.value = 3
    builder.run_button.click()
    assert builder.result is not None and len(builder.result) == 3


def test_no_client_means_the_default_client(
    widget_client: AutotaskClient, widget_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(default, "_client", widget_client)
    builder = FilterBuilder(progress=False)
    assert builder.client is widget_client
    builder.limit.value = 2
    builder.run_button.click()
    assert builder.result is not None and len(builder.result) == 2


def test_an_entity_without_a_query_is_refused_before_any_request(
    widget_client: AutotaskClient, served: RequestLog
) -> None:
    served.mark()
    with pytest.raises(AutotaskValidationError, match="no query for ContractServiceAdjustments"):
        FilterBuilder(widget_client, "contractserviceadjustments")
    with pytest.raises(AutotaskValidationError, match="no entity called 'Tikets'"):
        FilterBuilder(widget_client, "Tikets")
    assert served.calls == []


def test_metadata_that_cannot_be_read_is_reported_in_the_form() -> None:
    """Choosing an entity whose field list the server refuses: the form says so in the server's
    words, keeps working, and "add condition" explains instead of raising."""
    with Sandbox(scale=0.05, seed=0,
                 faults="403:1@GET /V1.0/Companies/entityInformation/fields") as sb:
        with AutotaskClient(sb.credentials, ClientConfig(transport=sb.transport())) as client:
            builder = FilterBuilder(client, progress=False)
            builder.entity.value = "Companies"
            assert "autotask-error" in builder.status.value
            assert "Companies/entityInformation/fields failed with HTTP 403" in builder.status.value
            assert builder.line == "%autotask Companies limit 100"
            assert builder.select.options == ()
            builder.add_button.click()
            assert builder.rows == []
            assert "Companies offers no field to filter on" in builder.status.value
            builder.entity.value = "Tickets"  # another entity still works
            assert builder.add_condition("status").meta.is_picklist
