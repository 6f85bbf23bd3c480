"""Incremental refresh (issue 10): ``df.autotask.refresh()`` and ``read_autotask(..., since=)``.

The property: whatever creates, updates (some moving rows into or out of the pull's conditions)
and deletes happen on the sandbox between a pull and its refresh, the refreshed frame equals a
fresh pull of the same query (rows, values, dtypes, order), edits made in the frame to rows the
server did not touch survive (and are all a push would send). Requests are counted with the
sandbox's own log; an unchanged 50,000-row frame costs one request (two with ``deleted=True``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pandas as pd
import pytest
from helpers import connect, new_sandbox
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autotask_pandas  # noqa: F401 - registers df.autotask
from autotask_pandas import AutotaskClient
from autotask_pandas.catalog import load_catalog
from autotask_pandas.exceptions import AutotaskValidationError
from autotask_pandas.frames.lazy import Query
from autotask_pandas.frames.reader import read_autotask
from autotask_pandas.frames.refresh import modified_field
from autotask_pandas.frames.snapshot import pull_of
from autotask_pandas.sandbox import Sandbox
from autotask_pandas.types import QueryFilter

LOW = 11_970  # the demo tenant's tickets are 7000..11999: the pull is its last few, and new ones
WHERE = f"id >= {LOW} and priority in (1, 3)"  # about 30 rows, a third of them matching


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with new_sandbox(hourly_limit=1_000_000) as sandbox:  # its own: the tests write
        yield sandbox


@pytest.fixture(scope="module")
def client(sb: Sandbox) -> Iterator[AutotaskClient]:
    with connect(sb, threshold_check_every=0) as c:
        yield c


@pytest.fixture(scope="module")
def company(client: AutotaskClient) -> int:
    return int(client.query("Companies", max_records=1).items[0]["id"])


def pull(client: AutotaskClient, where: str = WHERE, **options) -> pd.DataFrame:
    return read_autotask("Tickets", where=where, client=client, progress=False, **options)


def ids_in_range(client: AutotaskClient) -> list[int]:
    rows = client.query_all("Tickets", [QueryFilter(field="id", op="gte", value=LOW)], ["id"])
    return sorted(int(r["id"]) for r in rows)


def sent(sb: Sandbox, mark: int) -> list[str]:
    return [f"{r.method} {r.path.split('/V1.0/')[-1]}" for r in sb.requests[mark:]]


# -- the property --------------------------------------------------------------------------

priority = st.sampled_from([1, 2, 3, 4])
server_op = st.one_of(
    st.tuples(st.just("create"), priority),
    st.tuples(st.just("priority"), st.integers(0, 200), priority),  # may leave or enter
    st.tuples(st.just("title"), st.integers(0, 200), st.text("abcxyz", min_size=1, max_size=8)),
    st.tuples(st.just("delete"), st.integers(0, 200)),
)


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    ops=st.lists(server_op, max_size=6),
    edits=st.lists(st.integers(0, 200), max_size=3, unique=True),
    labels=st.booleans(),
)
def test_refresh_equals_a_fresh_pull_and_keeps_edits(sb, client, company, ops, edits, labels):
    df = pull(client, labels=labels)
    touched: set[int] = set()
    existing = ids_in_range(client)  # tickets in the pull's id range, matching or not
    for op in ops:
        if op[0] == "create":
            made = client.create_entity(
                "Tickets", companyID=company, title="new", status=1, priority=op[1]
            )
            touched.add(int(made.item_id))
            existing.append(int(made.item_id))
            continue
        target = existing[op[1] % len(existing)]
        touched.add(target)
        if op[0] == "priority":
            client.update("Tickets", target, priority=op[2])
        elif op[0] == "title":
            client.update("Tickets", target, title=op[2])
        else:  # the API deletes no ticket (the UI does): delete it on the server's side
            sb.app.store.delete("Tickets", target)
            existing.remove(target)
    # local edits in rows the server did not touch
    free = [p for p in range(len(df)) if int(df["id"].iloc[p]) not in touched]
    edited = sorted({free[e % len(free)] for e in edits}) if free else []
    for p in edited:
        df.loc[df.index[p], "title"] = f"local {p}"
    edited_ids = [int(df["id"].iloc[p]) for p in edited]

    refreshed = df.autotask.refresh(deleted=True)

    fresh = pull(client, labels=labels)
    expected = fresh.copy()
    for row_id in edited_ids:
        expected.loc[expected["id"] == row_id, "title"] = df.loc[df["id"] == row_id, "title"].iloc[
            0
        ]
    pd.testing.assert_frame_equal(refreshed, expected)
    changes = refreshed.autotask.changes()
    assert sorted(changes["id"].astype(int)) == edited_ids
    assert set(changes["field"]) <= {"title"}
    if not edited_ids:
        # untouched, a refreshed frame is as good as a fresh pull: nothing to push
        assert refreshed.autotask.changes().empty
        pd.testing.assert_frame_equal(refreshed.autotask.refresh(), expected)


# -- examples ------------------------------------------------------------------------------


def test_push_after_refresh_sends_nothing(sb, client):
    df = pull(client)
    target = int(df["id"].iloc[0])
    client.update("Tickets", target, title="moved on the server")
    refreshed = df.autotask.refresh()
    assert refreshed.loc[refreshed["id"] == target, "title"].iloc[0] == "moved on the server"
    mark = len(sb.requests)
    result = refreshed.autotask.push(progress=False)
    assert not any(r.startswith(("PATCH", "POST Tickets ", "DELETE")) for r in sent(sb, mark))
    assert (result["status"].isin(["unchanged", "ok"]) | result["status"].isna()).all()


def test_unchanged_frame_costs_one_request_and_changes_nothing(sb, client):
    df = pull(client)
    df.loc[df.index[0], "title"] = "mine"  # a local edit, still pending afterwards
    mark = len(sb.requests)
    # no overlap: the other tests of this module wrote to the sandbox within the last 5 minutes
    refreshed = df.autotask.refresh(overlap=dt.timedelta(0))
    assert sent(sb, mark) == ["POST Tickets/query"]  # the changed ids: none
    pd.testing.assert_frame_equal(refreshed, df)
    assert list(refreshed.autotask.changes()["new"]) == ["mine"]
    assert pull_of(refreshed) is not pull_of(df)  # a new pull: a new start time


def test_conflict_with_a_local_edit_is_refused_by_default(client):
    df = pull(client)
    target = int(df["id"].iloc[1])
    df.loc[df["id"] == target, "title"] = "my title"
    client.update("Tickets", target, title="their title")
    with pytest.raises(AutotaskValidationError, match=rf"{target}: title"):
        df.autotask.refresh()
    taken = df.autotask.refresh(conflicts="server")
    assert taken.loc[taken["id"] == target, "title"].iloc[0] == "their title"
    assert taken.autotask.changes().empty


def test_deleted_rows_stay_unless_asked(sb, client):
    df = pull(client)
    target = int(df["id"].iloc[-1])
    sb.app.store.delete("Tickets", target)  # the API deletes no ticket (the UI does)
    kept = df.autotask.refresh()
    assert target in set(kept["id"])  # a delete changes no last-modified stamp
    mark = len(sb.requests)
    dropped = df.autotask.refresh(deleted=True)
    assert target not in set(dropped["id"])
    assert "POST Tickets/query/count" in sent(sb, mark)


def test_row_leaving_the_conditions_is_dropped_and_one_entering_is_added(client, company):
    df = pull(client)
    leaving = int(df["id"].iloc[0])
    client.update("Tickets", leaving, priority=2)  # no longer priority 1 or 3
    made = client.create_entity("Tickets", companyID=company, title="x", status=1, priority=3)
    refreshed = df.autotask.refresh()
    assert leaving not in set(refreshed["id"])
    assert int(made.item_id) in set(refreshed["id"])
    assert refreshed["id"].is_monotonic_increasing


def test_read_since_filters_on_the_last_modified_field(client):
    before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=2)
    target = ids_in_range(client)[0]
    client.update("Tickets", target, title="recent")
    recent = read_autotask("Tickets", client=client, progress=False, since=before)
    assert target in set(recent["id"])
    assert (recent["lastActivityDate"] >= pd.Timestamp(before)).all()
    as_text = read_autotask(
        "Tickets", client=client, progress=False, since=before.isoformat().replace("+00:00", "Z")
    )
    pd.testing.assert_frame_equal(as_text, recent)


def test_the_catalog_names_each_entitys_last_modified_field():
    catalog = load_catalog()
    assert catalog["Tickets"].modified == "lastActivityDate"
    assert catalog["Contacts"].modified == "lastModifiedDate"
    assert catalog["TimeEntries"].modified == "lastModifiedDateTime"
    assert modified_field("companies") == "lastActivityDate"
    with pytest.raises(AutotaskValidationError, match="ActionTypes has no last-modified field"):
        modified_field("ActionTypes")


def test_frames_that_cannot_be_refreshed_say_why(client):
    with pytest.raises(AutotaskValidationError, match="did not come from a pull"):
        pd.DataFrame({"id": [1]}).autotask.refresh()
    with pytest.raises(AutotaskValidationError, match="limit"):
        read_autotask("Tickets", limit=3, client=client, progress=False).autotask.refresh()
    chunk = next(Query(client, "Tickets").pages(10))
    with pytest.raises(AutotaskValidationError, match="pages"):
        chunk.autotask.refresh()
    types = read_autotask("ActionTypes", client=client, progress=False)
    with pytest.raises(AutotaskValidationError, match="ActionTypes has no last-modified"):
        types.autotask.refresh()
    with pytest.raises(AutotaskValidationError, match="since="):
        read_autotask("Tickets", client=client, progress=False, since="yesterday")


# -- cost at scale -------------------------------------------------------------------------

COPIES = 10  # the demo tenant's 5,000 tickets, ten times: 50,000 rows


@pytest.fixture(scope="module")
def big() -> Iterator[Sandbox]:
    """A sandbox holding 50,000 tickets: the scale-1 tenant's copied ten times by SQL (building
    the scale-10 tenant takes ten seconds). The demo data is dated before 2026-10-31, so nothing
    in it changed within the refresh's overlap."""
    with new_sandbox(hourly_limit=1_000_000) as sandbox:
        store = sandbox.app.store
        columns = [r[1] for r in store.conn.execute('PRAGMA table_info("t_Tickets")')]
        rest = ", ".join(f'"{c}"' for c in columns if c != "id")
        with store.lock:
            for k in range(1, COPIES):
                store.conn.execute(
                    f'INSERT INTO "t_Tickets" ("id", {rest}) '
                    f'SELECT "id" + {k * 10_000}, {rest} FROM "t_Tickets" WHERE "id" < 12000'
                )
        yield sandbox


def test_refreshing_an_unchanged_50000_row_frame_costs_at_most_two_requests(big):
    # The default client configuration: the figure is what a user spends.
    with connect(big) as c:
        df = read_autotask(
            "Tickets",
            client=c,
            fields=["id", "title", "priority", "lastActivityDate"],
            progress=False,
        )
        assert len(df) == 5_000 * COPIES
        mark = len(big.requests)
        refreshed = df.autotask.refresh()
        assert sent(big, mark) == ["POST Tickets/query"]
        mark = len(big.requests)
        again = refreshed.autotask.refresh(deleted=True)
        assert sent(big, mark) == ["POST Tickets/query", "POST Tickets/query/count"]
        pd.testing.assert_frame_equal(again, df)
        assert again.autotask.changes().empty


def test_a_row_a_push_created_is_refreshed_as_its_record(sb, client):
    tickets = pull(client)
    row = tickets.iloc[[0]].copy()  # priority 1 or 3: it matches the pull's conditions
    row["id"] = pd.array([pd.NA], dtype="Int64")
    row["title"] = "made here"
    row.index = ["new"]
    df = pd.concat([tickets, row])
    result = df.autotask.push(progress=False)
    made = int(result.at["new", "id"])
    refreshed = df.autotask.refresh()
    assert int((refreshed["id"] == made).sum()) == 1  # once, under its id
    assert refreshed["id"].notna().all()  # the row without an id became the record
    pd.testing.assert_frame_equal(refreshed, pull(client))
    mark = len(sb.requests)
    refreshed.autotask.push(progress=False)
    assert not any(r.startswith(("PATCH", "POST Tickets ")) for r in sent(sb, mark))


def test_rows_dropped_for_deletion_stay_pending_and_conflict_only_if_changed(sb, client):
    df = pull(client)
    kept_id, changed_id, deleted_id = (int(i) for i in df["id"].iloc[:3])
    df = df.autotask.drop([kept_id, changed_id, deleted_id])
    client.update("Tickets", changed_id, title="changed meanwhile")
    sb.app.store.delete("Tickets", deleted_id)
    with pytest.raises(AutotaskValidationError, match=rf"{changed_id}: \(dropped for deletion\)"):
        df.autotask.refresh(deleted=True)
    refreshed = df.autotask.refresh(deleted=True, conflicts="server")
    assert not {kept_id, deleted_id} & set(refreshed["id"])  # not brought back
    assert pull_of(refreshed).dropped == {kept_id}  # still to delete; the deleted one is moot
    # the server's row won over the drop: back in the frame, no longer to be deleted
    assert refreshed.loc[refreshed["id"] == changed_id, "title"].tolist() == ["changed meanwhile"]


def test_every_refreshable_entity_the_sandbox_writes_is_stamped_on_its_modified_field(sb, client):
    # The sandbox stamps the catalog's last-modified field on every write, whatever its name
    # (updateDateTime of Appointments, not only the lastActivityDate/lastModified* family), so a
    # refresh of any entity sees an update made after its pull.
    assert load_catalog()["Appointments"].modified == "updateDateTime"
    resource = int(client.query("Resources", max_records=1).items[0]["id"])
    made = [
        client.create_entity(
            "Appointments",
            resourceID=resource,
            title=f"visit {n}",
            startDateTime="2026-12-01T09:00:00Z",
            endDateTime="2026-12-01T10:00:00Z",
        ).item_id
        for n in range(2)
    ]
    df = read_autotask("Appointments", where="id > 0", client=client, progress=False)
    target = int(made[0])
    assert target in set(df["id"])
    client.update("Appointments", target, title="moved on the server")
    refreshed = df.autotask.refresh(overlap=dt.timedelta(0))
    assert refreshed.loc[refreshed["id"] == target, "title"].iloc[0] == "moved on the server"
