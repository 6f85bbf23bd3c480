"""``df.autotask.push()`` against the sandbox: what is sent, conflicts, dry runs, creates, deletes.

Each test counts what reached the server in ``sb.requests`` (method and path of every request).
The module's sandbox is its own (its tests write), reached in process; one test goes over HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest
from helpers import FAST, connect, new_sandbox

import autotask_pandas  # noqa: F401 - registers df.autotask
from autotask_pandas import AutotaskClient, AutotaskValidationError, PushResult
from autotask_pandas.client import default as default_module
from autotask_pandas.client.default import set_default_client
from autotask_pandas.frames.reader import read_autotask
from autotask_pandas.frames.snapshot import ATTRS_KEY, forget, pull_of, record_pull
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


def pull(
    client: AutotaskClient,
    entity: str = "Tickets",
    where=None,
    *,
    limit: int | None = 20,
    labels: bool = False,
) -> pd.DataFrame:
    return read_autotask(
        entity, where=where, limit=limit, client=client, labels=labels, progress=False
    )


def ids_between(low: int, high: int) -> list[QueryFilter]:
    return [
        QueryFilter(field="id", op="gte", value=low),
        QueryFilter(field="id", op="lt", value=high),
    ]


class Requests:
    """The requests the sandbox served since the block began."""

    def __init__(self, sb: Sandbox) -> None:
        self.sb = sb
        self.start = len(sb.requests)

    @property
    def all(self) -> list[tuple[str, str]]:
        return [(r.method, r.path.split("/V1.0/")[-1]) for r in self.sb.requests[self.start :]]

    def of(self, method: str) -> list[str]:
        return [path for m, path in self.all if m == method]

    @property
    def writes(self) -> list[tuple[str, str]]:
        return [
            (m, p)
            for m, p in self.all
            if m in ("PATCH", "PUT", "DELETE") or (m == "POST" and not p.endswith("/query"))
        ]


def server(client: AutotaskClient, entity: str, record_id: int) -> dict:
    record = client.get(entity, int(record_id))
    assert record is not None, f"{entity} {record_id} is gone"
    return record


# -- what is sent ---------------------------------------------------------------------------


def test_only_the_changed_fields_of_changed_rows_are_sent(sb, client):
    tickets = pull(client, where=ids_between(7000, 7020))
    first, second, untouched = tickets.index[:3]
    tickets.loc[first, "title"] = "Only the title"
    tickets.loc[second, ["priority", "estimatedHours"]] = [4, 2.5]
    tickets.loc[untouched, "title"] = tickets.at[untouched, "title"]  # same value: no change
    seen = Requests(sb)
    result = tickets.autotask.push(progress=False)
    assert isinstance(result, PushResult)
    assert seen.of("PATCH") == ["Tickets", "Tickets"]
    assert result.at[first, "body"] == {
        "id": int(tickets.at[first, "id"]),
        "title": "Only the title",
    }
    assert result.at[second, "body"] == {
        "id": int(tickets.at[second, "id"]),
        "priority": 4,
        "estimatedHours": 2.5,
    }
    assert result.at[second, "fields"] == ("estimatedHours", "priority")  # frame column order
    assert list(result["action"]) == ["update", "update"] + ["none"] * (len(tickets) - 2)
    # rows with nothing to send are "unchanged", so status "ok" counts the rows that landed
    assert list(result["status"]) == ["ok", "ok"] + ["unchanged"] * (len(tickets) - 2)
    assert result.at[first, "request"] == "PATCH Tickets"
    assert server(client, "Tickets", tickets.at[first, "id"])["title"] == "Only the title"
    record = server(client, "Tickets", tickets.at[second, "id"])
    assert (record["priority"], record["estimatedHours"]) == (4, 2.5)


def test_the_frame_is_never_changed_by_a_push(sb, client):
    tickets = pull(client, where=ids_between(7020, 7030))
    tickets.loc[tickets.index[0], "title"] = "edited"
    tickets.loc[tickets.index[1], "title"] = pd.NA  # invalid
    new = tickets.iloc[[2]].copy()
    new["id"] = pd.array([pd.NA], dtype="Int64")
    new.index = ["new"]
    frame = pd.concat([tickets, new])
    before = frame.copy(deep=True)
    attrs = dict(frame.attrs)
    frame.autotask.push(progress=False)
    pd.testing.assert_frame_equal(frame, before)
    assert frame.dtypes.equals(before.dtypes) and frame.attrs == attrs
    frame.autotask.push(dry_run=True, progress=False)
    pd.testing.assert_frame_equal(frame, before)


def test_udf_columns_go_back_as_user_defined_fields(sb, client):
    tickets = pull(client, where=ids_between(7030, 7040))
    row = tickets.index[0]
    tickets.loc[row, "udf:Root Cause"] = "a failed switch"
    impact = 1 if tickets.at[row, "udf:Customer Impact"] == 4 else 4
    tickets.loc[row, "udf:Customer Impact"] = impact
    result = tickets.autotask.push(progress=False)
    body = result.at[row, "body"]
    assert body == {
        "id": int(tickets.at[row, "id"]),
        "userDefinedFields": [
            {"name": "Root Cause", "value": "a failed switch"},
            {"name": "Customer Impact", "value": str(impact)},
        ],
    }
    udfs = {
        u["name"]: u["value"]
        for u in server(client, "Tickets", tickets.at[row, "id"])["userDefinedFields"]
    }
    assert udfs["Root Cause"] == "a failed switch" and udfs["Customer Impact"] == str(impact)


def test_picklist_labels_are_sent_as_values(sb, client):
    tickets = pull(client, where=ids_between(7040, 7050), labels=True)
    row = tickets.index[0]
    status = next(
        s for s in [("Waiting Vendor", 12), ("Escalate", 11)] if s[0] != tickets.at[row, "status"]
    )
    queue = next(
        q
        for q in [("Monitoring Alert", 29683354), ("Post Sale", 29682969)]
        if q[0] != tickets.at[row, "queueID"]
    )
    tickets.loc[row, "status"] = status[0]
    tickets.loc[row, "queueID"] = queue[0]
    result = tickets.autotask.push(progress=False)
    assert result.at[row, "body"] == {
        "id": int(tickets.at[row, "id"]),
        "status": status[1],
        "queueID": queue[1],
    }
    record = server(client, "Tickets", tickets.at[row, "id"])
    assert (record["status"], record["queueID"]) == (status[1], queue[1])
    assert tickets.autotask.push(progress=False)["action"].eq("none").all()


def test_labels_typed_into_a_values_frame_move_the_snapshot_forward(sb, client):
    tickets = pull(client, where=ids_between(7045, 7050))
    tickets["priority"] = tickets["priority"].astype(object)  # so text can be typed in
    row = tickets.index[0]
    label, value = ("Critical", 4) if tickets.at[row, "priority"] != 4 else ("Low", 3)
    tickets.loc[row, "priority"] = label
    first = tickets.autotask.push(progress=False)
    assert first.at[row, "body"] == {"id": int(tickets.at[row, "id"]), "priority": value}
    assert server(client, "Tickets", tickets.at[row, "id"])["priority"] == value
    seen = Requests(sb)
    assert tickets.autotask.push(progress=False)["action"].eq("none").all()
    assert seen.all == []


def test_a_second_push_sends_only_what_is_pending(sb, client):
    tickets = pull(client, where=ids_between(7050, 7100))
    # the bad row is one with a contact, so that clearing it (the fix below) is an edit
    bad = tickets.index[tickets["contactID"].notna()][0]
    good = next(i for i in tickets.index if i != bad)
    tickets.loc[good, "title"] = "lands"
    tickets.loc[bad, "contactID"] = 1  # no such contact: the server refuses it
    seen = Requests(sb)
    first = tickets.autotask.push(progress=False)
    assert len(seen.of("PATCH")) == 2
    assert (first.at[good, "status"], first.at[bad, "status"]) == ("ok", "failed")
    assert "Contact 1 does not exist" in first.at[bad, "message"]

    seen = Requests(sb)
    second = tickets.autotask.push(progress=False)
    assert len(seen.of("PATCH")) == 1  # only the failed row again
    assert (second.at[good, "action"], second.at[good, "status"]) == ("none", "unchanged")
    assert second.at[bad, "status"] == "failed"

    fixed = tickets.copy()
    fixed.loc[bad, "contactID"] = pd.NA
    seen = Requests(sb)
    third = fixed.autotask.push(progress=False)
    assert (third.at[bad, "status"], third.at[bad, "body"]) == (
        "ok",
        {"id": int(tickets.at[bad, "id"]), "contactID": None},
    )
    assert len(seen.of("PATCH")) == 1
    assert fixed.autotask.push(progress=False)["action"].eq("none").all()


def test_progress_reports_each_write(sb, client):
    tickets = pull(client, where=ids_between(7060, 7070))
    tickets.loc[tickets.index[:3], "title"] = ["one", "two", "three"]
    seen: list = []
    result = tickets.autotask.push(progress=seen.append)
    assert sorted(r.operation.body["title"] for r in seen) == ["one", "three", "two"]
    assert all(r.ok for r in seen) and result.ok


# -- dry runs ---------------------------------------------------------------------------------


def test_a_dry_run_sends_nothing_and_shows_every_request(sb, client):
    contacts = pull(client, "Contacts", limit=10)
    row = contacts.index[0]
    contacts.loc[row, "title"] = "Chief Dry Runner"
    new = {
        "companyID": int(contacts["companyID"].iloc[1]),
        "firstName": "Ada",
        "lastName": "Lovelace",
        "isActive": 1,
    }
    contacts.loc["new"] = new  # a new row (adding it this way keeps the pull)
    frame = contacts.autotask.drop([int(contacts["id"].iloc[2])])
    before_rows = len(client.query_all("Contacts"))
    seen = Requests(sb)
    result = frame.autotask.push(dry_run=True, delete=True, progress=False)
    # reads only: the conflict re-read of the updated rows (metadata is cached by the pull)
    assert seen.all == [("POST", "Contacts/query")]
    assert result.dry_run and not result.ok
    company = int(contacts.at[row, "companyID"])
    assert result.at[row, "status"] == "pending"
    assert result.at[row, "request"] == f"PATCH Companies/{company}/Contacts"
    assert result.at[row, "body"] == {
        "id": int(contacts.at[row, "id"]),
        "title": "Chief Dry Runner",
        "companyID": company,
    }
    assert result.at["new", "request"] == f"POST Companies/{new['companyID']}/Contacts"
    assert result.at["new", "body"] == new
    assert list(result.deletes["status"]) == ["pending"]
    assert result.deletes["request"].iloc[0].startswith("DELETE Companies/")
    assert len(client.query_all("Contacts")) == before_rows

    seen = Requests(sb)
    frame.autotask.push(dry_run=True, conflicts="overwrite", progress=False)
    assert seen.all == []  # no re-read when the frame wins anyway


# -- conflicts --------------------------------------------------------------------------------


def conflict_setup(client, low: int):
    tickets = pull(client, where=ids_between(low, low + 10))
    a, b = tickets.index[:2]
    client.update("Tickets", int(tickets.at[a, "id"]), title="edited on the server")
    tickets.loc[a, "title"] = "edited in the frame"
    tickets.loc[b, "title"] = "no conflict here"
    return tickets, a, b


def test_conflicts_fail_writes_nothing(sb, client):
    tickets, a, b = conflict_setup(client, 7700)
    seen = Requests(sb)
    result = tickets.autotask.push(progress=False)
    assert seen.writes == []
    assert seen.of("POST") == ["Tickets/query"]
    assert (result.at[a, "status"], result.at[b, "status"]) == ("conflict", "skipped")
    assert "edited on the server" in result.at[a, "message"]
    conflict = result.conflicts.iloc[0].to_dict()
    assert conflict["id"] == tickets.at[a, "id"] and conflict["field"] == "title"
    assert conflict["server"] == "edited on the server"
    assert conflict["yours"] == "edited in the frame"
    assert server(client, "Tickets", tickets.at[a, "id"])["title"] == "edited on the server"
    assert server(client, "Tickets", tickets.at[b, "id"])["title"] != "no conflict here"


def test_conflicts_skip_sends_the_rest(sb, client):
    tickets, a, b = conflict_setup(client, 7710)
    seen = Requests(sb)
    result = tickets.autotask.push(conflicts="skip", progress=False)
    assert seen.of("PATCH") == ["Tickets"]
    assert (result.at[a, "status"], result.at[b, "status"]) == ("conflict", "ok")
    assert server(client, "Tickets", tickets.at[a, "id"])["title"] == "edited on the server"
    assert server(client, "Tickets", tickets.at[b, "id"])["title"] == "no conflict here"
    # the conflicting edit is still pending: it conflicts again
    again = tickets.autotask.push(conflicts="skip", progress=False)
    assert again.at[a, "status"] == "conflict" and again.at[b, "action"] == "none"


def test_conflicts_overwrite_makes_the_frame_win(sb, client):
    tickets, a, _ = conflict_setup(client, 7720)
    seen = Requests(sb)
    result = tickets.autotask.push(conflicts="overwrite", progress=False)
    assert seen.of("POST") == [] and len(seen.of("PATCH")) == 2
    assert result.ok
    assert server(client, "Tickets", tickets.at[a, "id"])["title"] == "edited in the frame"


def test_server_edits_of_other_fields_or_to_the_same_value_are_no_conflict(sb, client):
    tickets = pull(client, where=ids_between(7110, 7120))
    a, b = tickets.index[:2]
    client.update("Tickets", int(tickets.at[a, "id"]), description="server description")
    client.update("Tickets", int(tickets.at[b, "id"]), title="the same edit")
    tickets.loc[a, "title"] = "frame title"
    tickets.loc[b, "title"] = "the same edit"
    result = tickets.autotask.push(progress=False)
    assert result.ok and result.conflicts.empty
    record = server(client, "Tickets", tickets.at[a, "id"])
    assert (record["title"], record["description"]) == ("frame title", "server description")


def test_values_kept_more_precisely_than_the_api_keeps_them_are_no_conflict(sb, client):
    tickets = pull(client, where=ids_between(7120, 7125))
    row = tickets.index[0]
    tickets.loc[row, "dueDateTime"] = pd.Timestamp("2027-01-02 03:04:05.678912", tz="UTC")
    first = tickets.autotask.push(progress=False)
    assert first.at[row, "body"]["dueDateTime"] == "2027-01-02T03:04:05.678Z"  # milliseconds
    assert tickets.autotask.push(progress=False)["action"].eq("none").all()
    tickets.loc[row, "dueDateTime"] = pd.Timestamp("2028-01-01", tz="UTC")
    later = tickets.autotask.push(progress=False)  # the server's .678 is the pulled .678912
    assert later.at[row, "status"] == "ok" and later.conflicts.empty


def test_a_row_deleted_on_the_server_is_a_conflict(sb, client):
    contacts = pull(client, "Contacts", limit=30).iloc[20:]
    row = contacts.index[0]
    record_id = int(contacts.at[row, "id"])
    assert client.delete("Contacts", record_id, parent_id=int(contacts.at[row, "companyID"]))
    contacts.loc[row, "title"] = "Gone"
    result = contacts.autotask.push(progress=False)
    assert result.at[row, "status"] == "conflict"
    assert "deleted on the server" in result.at[row, "message"]


# -- creates ----------------------------------------------------------------------------------


def new_ticket(tickets: pd.DataFrame, title: str, label: str = "new") -> pd.DataFrame:
    row = tickets.iloc[[0]].copy()
    row["id"] = pd.array([pd.NA], dtype="Int64")
    row["title"] = title
    row.index = [label]
    return row


def test_rows_without_an_id_are_created_once(sb, client):
    tickets = pull(client, where=ids_between(7200, 7205))
    frame = pd.concat([tickets, new_ticket(tickets, "A brand new ticket")])
    seen = Requests(sb)
    result = frame.autotask.push(progress=False)
    assert seen.of("POST") == ["Tickets"]
    assert (result.at["new", "action"], result.at["new", "status"]) == ("create", "ok")
    new_id = int(result.at["new", "id"])
    created = server(client, "Tickets", new_id)
    assert created["title"] == "A brand new ticket"
    assert created["companyID"] == int(tickets["companyID"].iloc[0])
    body = result.at["new", "body"]
    assert "id" not in body and "createDate" not in body  # read-only: never sent
    assert all(v is not None for v in body.values())  # empty cells are left out of a create

    seen = Requests(sb)
    again = frame.autotask.push(progress=False)
    assert seen.writes == []  # not created twice
    assert (again.at["new", "action"], again.at["new", "status"]) == ("none", "unchanged")
    assert int(again.at["new", "id"]) == new_id

    # setting the new id on the row: it is the record now, nothing pending
    frame.loc["new", "id"] = new_id
    assert frame.autotask.push(progress=False)["action"].eq("none").all()

    changed = pd.concat([tickets, new_ticket(tickets, "A different ticket")])
    refused = changed.autotask.push(progress=False)
    assert refused.at["new", "status"] == "invalid"
    assert f"as id {new_id}" in refused.at["new", "message"]


def test_create_false_leaves_new_rows_alone(sb, client):
    tickets = pull(client, where=ids_between(7205, 7210))
    frame = pd.concat([tickets, new_ticket(tickets, "not this one")])
    seen = Requests(sb)
    result = frame.autotask.push(create=False, progress=False)
    assert seen.writes == []
    assert (result.at["new", "action"], result.at["new", "status"]) == ("create", "skipped")


def test_child_records_are_created_and_updated_through_their_parent(sb, client):
    contacts = pull(client, "Contacts", limit=5)
    company = int(contacts["companyID"].iloc[0])
    row = contacts.index[1]
    contacts.loc[row, "title"] = "Head of Parents"
    new = pd.DataFrame(
        {
            "companyID": [company],
            "firstName": ["Grace"],
            "lastName": ["Hopper"],
            "isActive": [1],
            "emailAddress": ["grace@example.com"],
        },
        index=["grace"],
    )
    assert pull_of(pd.concat([contacts, new])) is None  # concat keeps the pull only if all carry it
    new.attrs = contacts.attrs
    frame = pd.concat([contacts, new])
    seen = Requests(sb)
    result = frame.autotask.push(progress=False)
    parent = int(contacts.at[row, "companyID"])
    assert sorted(seen.writes) == sorted(
        [("PATCH", f"Companies/{parent}/Contacts"), ("POST", f"Companies/{company}/Contacts")]
    )
    assert seen.of("GET") == []  # the parent id comes from the snapshot, not a lookup
    assert result.ok
    created = server(client, "Contacts", result.at["grace", "id"])
    assert (created["firstName"], created["companyID"]) == ("Grace", company)
    assert server(client, "Contacts", contacts.at[row, "id"])["title"] == "Head of Parents"


# -- deletes ----------------------------------------------------------------------------------


def test_deletes_only_rows_dropped_on_purpose_and_only_with_delete_true(sb, client):
    contacts = pull(client, "Contacts", limit=60).iloc[40:]
    victim = int(contacts["id"].iloc[0])
    company = int(contacts["companyID"].iloc[0])
    dropped = contacts.autotask.drop([victim])
    assert victim not in set(dropped["id"])

    seen = Requests(sb)
    kept = dropped.autotask.push(progress=False)  # delete=False: nothing deleted
    assert seen.writes == [] and kept.deletes.empty
    assert any("push(delete=True)" in note for note in kept.notes)

    filtered = dropped[dropped["isActive"] == -1]  # no rows: looks like everything was removed
    seen = Requests(sb)
    result = filtered.autotask.push(delete=True, progress=False)
    assert seen.writes == [("DELETE", f"Companies/{company}/Contacts/{victim}")]
    assert list(result.deletes["id"]) == [victim]
    assert list(result.deletes["status"]) == ["ok"]
    assert any("not deleted" in note for note in result.notes)
    assert client.get("Contacts", victim) is None
    others = [int(i) for i in contacts["id"].iloc[1:]]
    assert all(client.get("Contacts", i) is not None for i in others)

    seen = Requests(sb)
    assert dropped.autotask.push(delete=True, progress=False).deletes.empty  # done already
    assert seen.writes == []


def test_delete_named_ids_and_entities_that_cannot_delete(sb, client):
    contacts = pull(client, "Contacts", limit=70).iloc[65:]
    victim = int(contacts["id"].iloc[0])
    company = int(contacts["companyID"].iloc[0])
    csv = pd.DataFrame(
        {
            "id": [int(contacts["id"].iloc[1])],
            "title": ["Kept"],
            "companyID": [int(contacts["companyID"].iloc[1])],
        }
    )
    seen = Requests(sb)
    result = csv.autotask.push(entity="Contacts", client=client, delete=[victim], progress=False)
    assert list(result.deletes["status"]) == ["ok"]
    # No snapshot here: the parent was learnt from the record, with one GET, and no other read.
    assert seen.of("GET") == [f"Contacts/{victim}"]
    assert seen.of("DELETE") == [f"Companies/{company}/Contacts/{victim}"]
    assert result.deletes["request"].iloc[0].startswith("DELETE Companies/")
    assert client.get("Contacts", victim) is None

    tickets = pull(client, where=ids_between(7300, 7305))
    gone = tickets.autotask.drop([int(tickets["id"].iloc[0])])
    refused = gone.autotask.push(delete=True, progress=False)
    assert list(refused.deletes["status"]) == ["invalid"]
    assert "does not allow delete" in refused.deletes["message"].iloc[0]
    with pytest.raises(AutotaskValidationError, match="drop"):
        pd.DataFrame({"id": [1]}).autotask.push(entity="Tickets", client=client, delete=True)


# -- frames without a pull ----------------------------------------------------------------------


def test_a_csv_frame_is_pushed_with_its_entity(sb, client, tmp_path):
    contacts = pull(client, "Contacts", limit=90).iloc[85:88]
    path = tmp_path / "contacts.csv"
    contacts.drop(columns=["udf:Preferred Channel"]).to_csv(path, index=False)
    # digits-only text with blanks would be read as floats, which a string field refuses
    frame = pd.read_csv(path, dtype={"extension": str})
    frame.loc[0, "title"] = "From a spreadsheet"
    new = {
        "companyID": int(frame.loc[0, "companyID"]),
        "firstName": "Katherine",
        "lastName": "Johnson",
        "isActive": 1,
    }
    frame = pd.concat([frame, pd.DataFrame([new])], ignore_index=True)
    assert pull_of(frame) is None
    seen = Requests(sb)
    result = frame.autotask.push(entity="Contacts", client=client, progress=False)
    assert result.ok, result.failures()[["status", "message"]].to_dict("records")
    assert seen.of("POST") == [f"Companies/{new['companyID']}/Contacts"]  # no conflict re-read
    assert len(seen.of("PATCH")) == 3  # every row with an id, every writable column
    assert list(result["action"]) == ["update"] * 3 + ["create"]
    assert "createDate" not in result.at[0, "body"]  # read-only: not sent (a warning)
    assert server(client, "Contacts", frame.loc[0, "id"])["title"] == "From a spreadsheet"
    assert server(client, "Contacts", result.at[3, "id"])["firstName"] == "Katherine"
    for i in range(3):  # untouched rows keep their values through the round trip
        record = server(client, "Contacts", frame.loc[i, "id"])
        assert record["lastName"] == contacts["lastName"].iloc[i]
        assert record["emailAddress"] == contacts["emailAddress"].iloc[i]


def test_push_needs_an_entity_a_client_and_a_known_pull(client):
    tickets = pull(client, where=ids_between(7400, 7402))
    with pytest.raises(AutotaskValidationError, match="cannot be pushed to Contacts"):
        tickets.autotask.push(entity="Contacts", progress=False)
    orphan = tickets.copy()
    forget(orphan)
    assert ATTRS_KEY in orphan.attrs
    with pytest.raises(AutotaskValidationError, match="no longer knows"):
        orphan.autotask.push(progress=False)
    # a frame whose pull has no client pushes with the default client, as read_autotask reads
    no_client = record_pull(tickets.copy(), "Tickets", None)
    no_client.loc[no_client.index[0], "title"] = "through the default client"
    before = default_module._client
    set_default_client(client)
    try:
        planned = no_client.autotask.push(dry_run=True, progress=False)
    finally:
        set_default_client(before)
    assert planned.at[no_client.index[0], "status"] == "pending"
    with pytest.raises(AutotaskValidationError, match="conflicts is one of"):
        tickets.autotask.push(conflicts="merge", progress=False)


# -- counts -------------------------------------------------------------------------------------


def test_a_thousand_edits_are_a_thousand_patches_and_two_conflict_queries():
    with (
        new_sandbox(hourly_limit=1_000_000) as fresh,
        connect(fresh, **FAST) as c,
    ):
        tickets = pull(c, limit=1000)
        assert len(tickets) == 1000
        tickets["title"] = tickets["title"] + " (reviewed)"
        seen = Requests(fresh)
        result = tickets.autotask.push(progress=False)
        assert len(seen.of("PATCH")) == 1000
        assert seen.of("POST") == ["Tickets/query", "Tickets/query"]
        assert len(seen.all) == 1002
        assert result.ok and (result["status"] == "ok").all()


def test_over_http():
    with (
        new_sandbox() as http_sb,
        connect(http_sb, inprocess=False, **FAST) as c,
    ):
        tickets = pull(c, where=ids_between(7500, 7505))
        tickets.loc[tickets.index[0], "title"] = "over loopback"
        result = tickets.autotask.push(progress=False)
        assert result.ok
        assert c.get("Tickets", int(tickets["id"].iloc[0]))["title"] == "over loopback"


def test_the_result_display(sb, client):
    tickets = pull(client, where=ids_between(7600, 7610))
    tickets.loc[tickets.index[0], "title"] = "shown"
    tickets.loc[tickets.index[1], "contactID"] = 1  # fails on the server
    tickets.loc[tickets.index[2], "title"] = pd.NA  # invalid
    result = tickets.autotask.push(progress=False)
    html = result._repr_html_()
    assert "3 updates (1 ok, 1 invalid, 1 failed)" in html
    assert "Contact 1 does not exist" in html and "required" in html
    assert "Push to Tickets" in repr(result)
    counts = result.counts()
    assert counts.loc["update", "ok"] == 1 and counts.loc["none", "unchanged"] == len(tickets) - 3
    assert len(result.failures()) == 2
    assert type(result[result["status"] == "ok"]) is pd.DataFrame


def test_an_uncertain_create_is_not_resent_by_a_later_push():
    faults = "reset-after:1@POST /V1.0/Tickets"  # every create lands, and its answer is lost
    with (
        new_sandbox(faults=faults) as lossy,
        connect(lossy, **FAST) as c,
    ):
        tickets = pull(c, where=ids_between(7000, 7003))
        frame = pd.concat([tickets, new_ticket(tickets, "Did this land?")])
        first = frame.autotask.push(progress=False)
        assert first.at["new", "status"] == "uncertain"
        seen = Requests(lossy)
        second = frame.autotask.push(progress=False)
        assert seen.writes == []  # never resent blindly
        assert second.at["new", "status"] == "uncertain"
        assert "may exist" in second.at["new", "message"]
        relabelled = frame.rename(index={"new": "again"})  # the user's explicit choice
        seen = Requests(lossy)
        third = relabelled.autotask.push(progress=False)
        assert seen.writes == [("POST", "Tickets")] and third.at["again", "status"] == "uncertain"


def test_a_delete_the_server_refuses_is_reported_and_tried_again_later():
    # Every contact delete fails on the server (a 500 with its words), until the fault is lifted.
    with new_sandbox(faults="500:1@DELETE /V1.0/Companies/*/Contacts/*") as flaky:
        with connect(flaky, **FAST) as c:
            contacts = pull(c, "Contacts", limit=5)
            victim = int(contacts["id"].iloc[0])
            company = int(contacts["companyID"].iloc[0])
            dropped = contacts.autotask.drop([victim])
            seen = Requests(flaky)
            first = dropped.autotask.push(delete=True, progress=False)
            assert seen.writes == [("DELETE", f"Companies/{company}/Contacts/{victim}")]
            assert list(first.deletes["id"]) == [victim]
            assert list(first.deletes["status"]) == ["failed"]
            assert "An unexpected error occurred" in first.deletes["message"].iloc[0]
            assert not first.ok and c.get("Contacts", victim) is not None
            # Not forgotten: the next push of the same frame asks again, and now it lands.
            flaky.app.faults = None
            seen = Requests(flaky)
            second = dropped.autotask.push(delete=True, progress=False)
            assert seen.writes == [("DELETE", f"Companies/{company}/Contacts/{victim}")]
            assert list(second.deletes["status"]) == ["ok"]
            assert c.get("Contacts", victim) is None
