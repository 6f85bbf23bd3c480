"""Issue 12, "Frames that survive what analysts do" and "Honest push results": the pandas idioms an
analyst uses every day (an id index, a merge to add names, a renamed column, a label typed into a
picklist column, snake_case entity names) and what a push then says about each row.

The module's sandbox is its own (its tests write), reached in process.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest
from helpers import FAST, connect, new_sandbox

import autotask_pandas  # noqa: F401 - registers df.autotask
from autotask_pandas import AutotaskClient, AutotaskValidationError
from autotask_pandas.catalog import load_catalog
from autotask_pandas.client.routing import Router
from autotask_pandas.frames.reader import read_autotask
from autotask_pandas.sandbox import Sandbox
from autotask_pandas.types import QueryFilter


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with new_sandbox(hourly_limit=1_000_000) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def client(sb: Sandbox) -> Iterator[AutotaskClient]:
    with connect(sb, **FAST) as c:
        yield c


def tickets_between(client: AutotaskClient, low: int, high: int, **options) -> pd.DataFrame:
    where = [
        QueryFilter(field="id", op="gte", value=low),
        QueryFilter(field="id", op="lt", value=high),
    ]
    return read_autotask("Tickets", where=where, client=client, progress=False, **options)


def seen(sb: Sandbox, start: int) -> list[tuple[str, str]]:
    return [(r.method, r.path.split("/V1.0/")[-1]) for r in sb.requests[start:]]


def writes(sb: Sandbox, start: int) -> list[tuple[str, str]]:
    return [
        (m, p)
        for m, p in seen(sb, start)
        if m in ("PATCH", "PUT", "DELETE") or (m == "POST" and not p.endswith("/query"))
    ]


# -- an id index is as good as an id column ----------------------------------------------------


def test_a_frame_indexed_by_id_pushes_its_edits(sb, client):
    tickets = tickets_between(client, 7100, 7110).set_index("id")
    target = int(tickets.index[2])
    tickets.loc[target, "title"] = "Set by an id index"
    assert tickets.autotask.changes()["field"].tolist() == ["title"]
    start = len(sb.requests)
    result = tickets.autotask.push(progress=False)
    assert writes(sb, start) == [("PATCH", "Tickets")]
    assert result.index.equals(tickets.index)  # aligned to the frame's own (id) labels
    assert result.at[target, "body"] == {"id": target, "title": "Set by an id index"}
    assert result.at[target, "status"] == "ok"
    assert client.get("Tickets", target)["title"] == "Set by an id index"
    start = len(sb.requests)
    again = tickets.autotask.push(progress=False)  # the snapshot moved: nothing left to send
    assert writes(sb, start) == []
    assert (again["action"] == "none").all()


# -- adding names: lookup instead of merge -----------------------------------------------------


def test_lookup_adds_names_in_one_in_query_per_500_ids_and_never_pushes_them(sb, client):
    tickets = read_autotask(
        "Tickets", fields=["id", "title", "contactID"], limit=2500, client=client, progress=False
    )
    contacts = tickets["contactID"].dropna().unique()
    assert len(contacts) > 500  # the lookup needs two queries
    start = len(sb.requests)
    named = tickets.autotask.lookup("contactID", "lastName")
    queries = [p for m, p in seen(sb, start) if p.startswith("Contacts/query")]
    assert queries == ["Contacts/query"] * 2, seen(sb, start)
    assert list(named.columns) == ["id", "title", "contactID", "contactID.lastName"]
    one = named.dropna(subset=["contactID"]).iloc[0]
    assert one["contactID.lastName"] == client.get("Contacts", int(one["contactID"]))["lastName"]
    assert "contactID.lastName" not in tickets.columns  # a copy; the frame is not changed
    # the derived column is never pushed, and not reported as a column of the user's either
    label = named.index[0]
    named.loc[label, "title"] = "Named and edited"
    named.loc[label, "contactID.lastName"] = "Not sent"
    assert named.autotask.validate().empty
    result = named.autotask.push(dry_run=True, progress=False)
    assert result.at[label, "body"] == {
        "id": int(named.at[label, "id"]),
        "title": "Named and edited",
    }


def test_lookup_names_its_column_and_refuses_a_non_reference_field(client):
    tickets = tickets_between(client, 7100, 7105)
    named = tickets.autotask.lookup("companyID", "companyName", name="company")
    assert "company" in named.columns
    assert named["company"].notna().all()
    with pytest.raises(AutotaskValidationError, match="title.*not a reference"):
        tickets.autotask.lookup("title", "companyName")


def test_a_merged_frame_says_how_to_push_it_and_pushes_once_its_pull_is_given_back(sb, client):
    tickets = tickets_between(client, 7120, 7130)
    companies = read_autotask(
        "Companies", fields=["id", "companyName"], client=client, progress=False
    )
    merged = tickets.merge(
        companies.rename(columns={"id": "companyID"}), on="companyID", how="left"
    )
    merged.loc[0, "title"] = "Edited after a merge"
    with pytest.raises(AutotaskValidationError) as error:
        merged.autotask.push(progress=False)
    text = str(error.value)
    assert "merge" in text and "merged.attrs = df.attrs" in text and "lookup" in text
    merged.attrs = tickets.attrs  # what the message says
    start = len(sb.requests)
    result = merged.autotask.push(progress=False)
    assert writes(sb, start) == [("PATCH", "Tickets")]
    assert result.at[0, "body"] == {"id": int(merged.at[0, "id"]), "title": "Edited after a merge"}


# -- a renamed column never drops an edit silently ---------------------------------------------


def test_an_edit_in_a_column_renamed_by_case_is_sent(sb, client):
    tickets = tickets_between(client, 7140, 7145).rename(columns={"title": "Title"})
    label = tickets.index[1]
    tickets.loc[label, "Title"] = "Renamed and edited"
    start = len(sb.requests)
    result = tickets.autotask.push(progress=False)
    assert writes(sb, start) == [("PATCH", "Tickets")]
    assert result.at[label, "body"] == {
        "id": int(tickets.at[label, "id"]),
        "title": "Renamed and edited",
    }


def test_an_edit_in_a_column_renamed_away_is_refused_loudly(sb, client):
    tickets = tickets_between(client, 7150, 7155).rename(columns={"title": "Ticket title"})
    label = tickets.index[1]
    tickets.loc[label, "Ticket title"] = "Lost?"
    start = len(sb.requests)
    result = tickets.autotask.push(progress=False)
    assert writes(sb, start) == []
    assert result.at[label, "status"] == "invalid"
    message = result.at[label, "message"]
    assert "'Ticket title'" in message and "'title'" in message and "rename" in message
    assert "nothing to send" not in result.summary()
    assert not result.ok


# -- labels by default; a label typed into a picklist column ----------------------------------


def test_read_autotask_gives_labels_and_a_typed_label_is_pushed_as_its_value(sb, client):
    tickets = tickets_between(client, 7160, 7165)
    assert isinstance(tickets["status"].dtype, pd.CategoricalDtype)
    label = tickets.index[0]
    tickets.loc[tickets.index == label, "status"] = "Waiting Vendor"
    result = tickets.autotask.push(dry_run=True, progress=False)
    status = client.get_field_metadata("Tickets")
    value = next(
        int(v.value)
        for f in status
        if f.name == "status"
        for v in f.picklist_values
        if v.label == "Waiting Vendor"
    )
    assert result.at[label, "body"] == {"id": int(tickets.at[label, "id"]), "status": value}


def test_labels_false_still_gives_values(client):
    tickets = tickets_between(client, 7160, 7162, labels=False)
    assert str(tickets["status"].dtype) == "Int64"


# -- one rule for entity names -----------------------------------------------------------------


@pytest.mark.parametrize("name", ["time_entries", "TimeEntries", "timeentries", "time-entries"])
def test_entity_names_follow_one_rule(client, name):
    frame = read_autotask(name, limit=2, client=client, progress=False)
    assert frame.autotask.entity == "TimeEntries"
    assert Router(load_catalog()).entity(name).name == "TimeEntries"
    assert client.entities[name].entity_name == "TimeEntries"


# -- honest push results -----------------------------------------------------------------------


def test_rows_with_nothing_to_send_are_unchanged_not_ok(sb, client):
    tickets = tickets_between(client, 7200, 7220, labels=False)
    edited = tickets.index[:3]
    tickets.loc[edited, "title"] = ["One", "Two", "Three"]
    result = tickets.autotask.push(progress=False)
    assert (result.status == "ok").sum() == 3
    assert (result.status == "unchanged").sum() == 17
    assert result.ok
    assert result.summary() == "Push to Tickets: 3 updates (3 ok); 17 rows unchanged"


def test_a_dry_run_shows_each_request_and_body_in_text_and_html(client):
    tickets = tickets_between(client, 7230, 7235, labels=False)
    label = tickets.index[0]
    record_id = int(tickets.at[label, "id"])
    tickets.loc[label, "title"] = "Dry"
    result = tickets.autotask.push(dry_run=True, progress=False)
    body = f'{{"id": {record_id}, "title": "Dry"}}'
    text = repr(result)
    assert "PATCH Tickets" in text and body in text
    html = result._repr_html_()
    assert "PATCH Tickets" in html and body.replace('"', "&quot;") in html


# -- spreadsheets in ---------------------------------------------------------------------------


def _contacts_csv(client: AutotaskClient, path) -> pd.DataFrame:
    contacts = read_autotask("Contacts", limit=47, client=client, progress=False)
    contacts.loc[contacts.index[0], "extension"] = "0123"  # a leading zero, as phones have
    contacts.to_csv(path, index=False)
    return contacts


def test_a_csv_frame_pushes_with_the_default_client(sb, client, tmp_path):
    _contacts_csv(client, tmp_path / "contacts.csv")
    df = pd.read_csv(tmp_path / "contacts.csv")[["id", "companyID", "title"]]
    df.loc[0, "title"] = "Pushed from a spreadsheet"
    from autotask_pandas.client import default as default_module
    from autotask_pandas.client.default import set_default_client

    before = default_module._client
    set_default_client(client)
    try:
        start = len(sb.requests)
        result = df.autotask.push(entity="Contacts", progress=False)
    finally:
        set_default_client(before)
    assert result.ok, result.failures()
    assert client.get("Contacts", int(df.at[0, "id"]))["title"] == "Pushed from a spreadsheet"
    assert len(writes(sb, start)) == len(df)


def test_a_plain_csv_round_trip_names_the_column_and_the_fix(client, tmp_path):
    _contacts_csv(client, tmp_path / "contacts.csv")
    df = pd.read_csv(tmp_path / "contacts.csv")
    problems = df.autotask.validate(entity="Contacts", client=client)
    extension = problems[problems["field"] == "extension"]
    assert len(extension)
    text = extension["problem"].iloc[0]
    assert "read_autotask_csv" in text and "dtype={'extension': str}" in text


def test_read_autotask_csv_keeps_the_entitys_dtypes_and_round_trips_clean(client, tmp_path):
    from autotask_pandas.frames.reader import read_autotask_csv

    contacts = _contacts_csv(client, tmp_path / "contacts.csv")
    df = read_autotask_csv(tmp_path / "contacts.csv", "Contacts", client=client)
    assert df.at[0, "extension"] == "0123"
    assert str(df["id"].dtype) == "Int64" and str(df["companyID"].dtype) == "Int64"
    assert str(df["lastActivityDate"].dtype).startswith("datetime64")
    assert df["extension"].tolist() == contacts["extension"].tolist()
    assert df.autotask.validate(entity="Contacts", client=client).query("severity == 'error'").empty
