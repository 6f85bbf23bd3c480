"""Frames of one pull pushed apart: each compares with what it was pulled as, plus its own pushes.

Issue 15 ("Data written twice or undone", second example): a subset taken before a push of the
full frame still held the old values, and pushing it, even untouched, PATCHed them back, with no
conflict since the server equalled the advanced shared snapshot. Each test counts what reached the
sandbox (``sb.requests``) and reads the server back.
"""

from __future__ import annotations

import copy
import pickle
from collections.abc import Iterator

import pandas as pd
import pytest

import autotask_pandas  # noqa: F401 - registers df.autotask
from autotask_pandas import AutotaskClient, AutotaskValidationError, ClientConfig
from autotask_pandas.frames.reader import read_autotask
from autotask_pandas.frames.snapshot import pull_of
from autotask_pandas.sandbox import Sandbox
from autotask_pandas.types import QueryFilter

FAST = {"backoff_base": 0.001, "backoff_max": 0.01, "threshold_check_every": 0}


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox(scale=1, seed=0, hourly_limit=1_000_000) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def client(sb: Sandbox) -> Iterator[AutotaskClient]:
    with AutotaskClient(sb.credentials, ClientConfig(transport=sb.transport(), **FAST)) as c:
        yield c


def pull(client: AutotaskClient, low: int, high: int) -> pd.DataFrame:
    where = [
        QueryFilter(field="id", op="gte", value=low),
        QueryFilter(field="id", op="lt", value=high),
    ]
    return read_autotask("Tickets", where=where, client=client, progress=False)


def writes(sb: Sandbox, start: int) -> list[tuple[str, str]]:
    """The writes the sandbox served since request number ``start`` (method, path)."""
    out = []
    for request in sb.requests[start:]:
        path = request.path.split("/V1.0/")[-1]
        if request.method in ("PATCH", "PUT", "DELETE") or (
            request.method == "POST" and not path.endswith("/query")
        ):
            out.append((request.method, path))
    return out


def title_on_server(client: AutotaskClient, record_id: object) -> str:
    record = client.get("Tickets", int(record_id))  # type: ignore[call-overload]
    assert record is not None
    return str(record["title"])


def test_an_untouched_subset_taken_before_a_push_sends_nothing(sb, client):
    tickets = pull(client, 8000, 8010)
    subset = tickets[tickets["id"] < 8005]  # taken before the push: the old values
    rows = subset.index
    tickets.loc[rows, "title"] = [f"first push {i}" for i in range(len(rows))]
    assert tickets.autotask.push(progress=False).ok

    start = len(sb.requests)
    result = subset.autotask.push(progress=False)
    assert writes(sb, start) == []  # nothing PATCHed back
    assert result["action"].eq("none").all() and result.ok
    assert subset.autotask.changes().empty  # no edits of its own
    for i, record_id in enumerate(subset["id"]):
        assert title_on_server(client, record_id) == f"first push {i}"  # the push stands


def test_a_subset_editing_a_field_the_push_changed_is_a_conflict(sb, client):
    tickets = pull(client, 8010, 8020)
    subset = tickets.iloc[:3].copy()
    row = subset.index[0]
    record_id = int(subset.at[row, "id"])
    pulled = subset.at[row, "title"]
    tickets.loc[row, "title"] = "the first push"
    assert tickets.autotask.push(progress=False).ok

    subset.loc[row, "title"] = "the subset's edit"
    start = len(sb.requests)
    result = subset.autotask.push(progress=False)
    assert writes(sb, start) == []  # conflicts="fail": nothing written
    assert result.at[row, "status"] == "conflict"
    conflict = result.conflicts.iloc[0].to_dict()
    assert (conflict["id"], conflict["field"]) == (record_id, "title")
    assert (conflict["pulled"], conflict["server"], conflict["yours"]) == (
        pulled,
        "the first push",
        "the subset's edit",
    )
    assert title_on_server(client, record_id) == "the first push"


def test_each_frame_sends_only_its_own_edits(sb, client):
    tickets = pull(client, 8020, 8030)
    subset = tickets.head(4)
    row = subset.index[0]
    record_id = int(subset.at[row, "id"])
    tickets.loc[row, "title"] = "title from the full frame"
    assert tickets.autotask.push(progress=False).ok

    subset.loc[row, "description"] = "description from the subset"
    start = len(sb.requests)
    result = subset.autotask.push(progress=False)
    assert writes(sb, start) == [("PATCH", "Tickets")]
    assert result.at[row, "body"] == {"id": record_id, "description": "description from the subset"}
    assert result.ok and result.conflicts.empty
    record = client.get("Tickets", record_id)
    assert record is not None
    assert (record["title"], record["description"]) == (
        "title from the full frame",
        "description from the subset",
    )
    # each frame now holds what it pushed: pushing either again sends nothing
    start = len(sb.requests)
    assert tickets.autotask.push(progress=False)["action"].eq("none").all()
    assert subset.autotask.push(progress=False)["action"].eq("none").all()
    assert writes(sb, start) == []


def test_a_frame_derived_after_a_push_starts_from_what_was_pushed(sb, client):
    tickets = pull(client, 8030, 8040)
    before = tickets.copy()
    row = tickets.index[0]
    tickets.loc[row, "title"] = "pushed"
    tickets.autotask.push(progress=False)
    after = tickets[tickets["priority"].notna()].copy()
    assert pull_of(after) is pull_of(tickets)
    assert pull_of(before) is not pull_of(tickets)  # it kept what it was pulled as
    assert pull_of(before).base.loc[int(tickets.at[row, "id"]), "title"] != "pushed"
    start = len(sb.requests)
    assert after.autotask.push(progress=False)["action"].eq("none").all()
    assert before.autotask.push(progress=False)["action"].eq("none").all()
    assert writes(sb, start) == []


def test_a_row_created_through_one_frame_is_not_created_again_by_another(sb, client):
    tickets = pull(client, 8040, 8045)
    new = tickets.iloc[[0]].copy()
    new["id"] = pd.array([pd.NA], dtype="Int64")
    new["title"] = "created once"
    new.index = ["new"]
    frame = pd.concat([tickets, new])
    twin = frame.copy()  # derived before the push
    start = len(sb.requests)
    created = frame.autotask.push(progress=False)
    assert writes(sb, start) == [("POST", "Tickets")]
    start = len(sb.requests)
    again = twin.autotask.push(progress=False)
    assert writes(sb, start) == []
    assert (again.at["new", "action"], again.at["new", "status"]) == ("none", "unchanged")
    assert int(again.at["new", "id"]) == int(created.at["new", "id"])


def test_frames_pushed_apart_do_not_concatenate_into_one_pull(sb, client):
    tickets = pull(client, 8045, 8050)
    subset = tickets.head(2)
    together = pd.concat([subset, tickets.tail(2)])
    assert pull_of(together) is pull_of(tickets)  # same state: one snapshot
    tickets.loc[tickets.index[0], "title"] = "moved on"
    tickets.autotask.push(progress=False)
    # the rows hold values of two different states: no one snapshot tells their edits
    mixed = pd.concat([tickets, subset])
    assert pull_of(mixed) is None
    with pytest.raises(AutotaskValidationError, match="pushed since"):
        mixed.autotask.push(progress=False)


def test_copies_share_the_snapshot_and_a_pickled_frame_forgets_it(sb, client):
    tickets = pull(client, 8050, 8055)
    snapshot = pull_of(tickets)
    for derived in (
        tickets.copy(),
        copy.deepcopy(tickets),
        tickets.head(2),
        tickets.set_index("id", drop=False),
        tickets[["id", "title"]],
    ):
        assert pull_of(derived) is snapshot
    reloaded = pickle.loads(pickle.dumps(tickets))
    assert pull_of(reloaded) is None and reloaded.autotask.entity == "Tickets"
    with pytest.raises(AutotaskValidationError, match="no longer knows"):
        reloaded.autotask.push(progress=False)
    # the pickle carries no snapshot and no client: no bigger than the frame without its tag
    bare = tickets.copy()
    bare.attrs = {}
    assert len(pickle.dumps(tickets)) < len(pickle.dumps(bare)) + 500


def test_a_pulled_frame_goes_to_parquet_and_comes_back_without_its_pull(sb, client, tmp_path):
    tickets = pull(client, 8055, 8058)
    path = tmp_path / "tickets.parquet"
    tickets.to_parquet(path)  # pandas writes attrs as JSON: the tag must stay plain
    back = pd.read_parquet(path)
    assert back.attrs["autotask"] == {"entity": "Tickets", "pull": pull_of(tickets).id}
    assert pull_of(back) is None
    with pytest.raises(AutotaskValidationError, match="no longer knows"):
        back.autotask.push(progress=False)
