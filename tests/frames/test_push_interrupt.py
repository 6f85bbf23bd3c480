"""``df.autotask.push()`` under Ctrl-C: what landed is recorded, so pushing again creates each row once.

The interrupt is a real SIGINT sent to the main thread (``signal.pthread_kill``) once the first
create has reached the sandbox, whose latency (0.3 s a request, 3 at a time) keeps the rest of the
12 creates queued for a second: it always arrives while creates are queued. The tests assert what
must hold whatever the exact timing (every row created exactly once), not how many landed first.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pandas as pd
import pytest
from helpers.interrupts import Watched, interrupt_when

import autotask_pandas  # noqa: F401 - registers df.autotask
from autotask_pandas import AutotaskClient, ClientConfig, PushResult
from autotask_pandas.frames.reader import read_autotask
from autotask_pandas.sandbox import Sandbox
from autotask_pandas.types import QueryFilter

FAST = {"backoff_base": 0.001, "backoff_max": 0.01, "threshold_check_every": 0}
ROWS = 12


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox(scale=1, seed=0, latency=0.3, thread_limit=3) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def watched(sb: Sandbox) -> Watched:
    return Watched(sb.transport())


@pytest.fixture(scope="module")
def client(sb: Sandbox, watched: Watched) -> Iterator[AutotaskClient]:
    with AutotaskClient(sb.credentials, ClientConfig(transport=watched, **FAST)) as c:
        yield c


def _server_ids(client: AutotaskClient, marker: str) -> dict[str, list[int]]:
    """Each title starting with ``marker`` on the server, with the ids of its tickets."""
    rows = client.query_all(
        "Tickets", [{"op": "beginsWith", "field": "title", "value": marker}], ["id", "title"]
    )
    out: dict[str, list[int]] = {}
    for row in rows:
        out.setdefault(str(row["title"]), []).append(int(row["id"]))
    return out


def _with_new_rows(client: AutotaskClient, marker: str) -> pd.DataFrame:
    where = [
        QueryFilter(field="id", op="gte", value=7000),
        QueryFilter(field="id", op="lt", value=7002),
    ]
    tickets = read_autotask("Tickets", where=where, client=client, progress=False)
    new = pd.concat([tickets.iloc[[0]]] * ROWS)
    new["id"] = pd.array([pd.NA] * ROWS, dtype="Int64")
    new["title"] = [f"{marker} {i:02d}" for i in range(ROWS)]
    new.index = [f"new{i:02d}" for i in range(ROWS)]
    return pd.concat([tickets, new])


def test_an_interrupted_push_records_what_landed_and_a_second_push_creates_each_row_once(
    client: AutotaskClient, watched: Watched
) -> None:
    marker = f"interrupted push {uuid.uuid4().hex[:8]}"
    frame = _with_new_rows(client, marker)
    watched.first_write.clear()
    with pytest.raises(KeyboardInterrupt) as info:
        with interrupt_when(watched.first_write):
            frame.autotask.push(progress=False)

    landed = _server_ids(client, marker)
    assert 0 < len(landed) < ROWS  # the queued creates were cancelled, not run on
    assert all(len(ids) == 1 for ids in landed.values())

    # the push's result as far as it got travels with the interrupt
    partial: PushResult = info.value.push_result  # type: ignore[attr-defined]
    new = partial.loc[[f"new{i:02d}" for i in range(ROWS)]]
    done = new[new["status"] == "ok"]
    assert sorted(done["id"].astype(int)) == sorted(i for ids in landed.values() for i in ids)
    assert set(new["status"]) <= {"ok", "skipped"}
    assert new.loc[new["status"] == "skipped", "message"].str.contains("interrupted").all()

    again = frame.autotask.push(progress=False)
    on_server = _server_ids(client, marker)
    assert sorted(on_server) == sorted(frame["title"].iloc[-ROWS:])
    assert all(len(ids) == 1 for ids in on_server.values())  # no row created twice
    result = again.loc[[f"new{i:02d}" for i in range(ROWS)]]
    assert result["id"].notna().all()  # every row's id is known
    assert (result.loc[result.index.difference(done.index), "status"] == "ok").all()
    assert (result.loc[done.index, "status"] == "unchanged").all()  # created before: nothing new
    for label, row in result.iterrows():
        assert on_server[frame.at[label, "title"]] == [int(row["id"])]
    # the rows created before the interrupt were not sent again: they are known by id
    assert (result.loc[done.index, "action"] == "none").all()

    # a third push has nothing left to send
    assert frame.autotask.push(progress=False)["action"].eq("none").all()
