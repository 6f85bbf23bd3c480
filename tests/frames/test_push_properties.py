"""Property: random edits of a pulled frame, pushed, are exactly what the sandbox then holds.

Random rows, random writable fields (strings, picklists by value or by label, floats, datetimes,
booleans, UDFs), random valid values including NA where the field allows it. After the push a fresh
pull of the same rows equals the edited frame - edited cells hold the edits, untouched cells are
unchanged - and a second push has nothing left to send.
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from datetime import UTC, datetime

import pandas as pd
import pytest
from helpers import connect, new_sandbox
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autotask_pandas  # noqa: F401 - registers df.autotask
from autotask_pandas import AutotaskClient
from autotask_pandas.frames.reader import read_autotask
from autotask_pandas.sandbox import Sandbox
from autotask_pandas.types import QueryFilter

LOW, HIGH = 8000, 8030
SERVER_STAMPED = ["lastActivityDate"]  # set by the server on every write


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with new_sandbox(hourly_limit=1_000_000) as sandbox:  # its own: the pushes write
        yield sandbox


@pytest.fixture(scope="module")
def client(sb: Sandbox) -> Iterator[AutotaskClient]:
    with connect(sb, threshold_check_every=0) as c:
        yield c


def pull(client: AutotaskClient, labels: bool) -> pd.DataFrame:
    where = [
        QueryFilter(field="id", op="gte", value=LOW),
        QueryFilter(field="id", op="lt", value=HIGH),
    ]
    return read_autotask("Tickets", where=where, client=client, labels=labels, progress=False)


text = st.text(alphabet=string.ascii_letters + string.digits + " .,-'", min_size=1, max_size=40)
text = text.filter(str.strip)  # blank text in a required field is refused (validation, server)
na = st.just(pd.NA)
when = st.datetimes(datetime(2020, 1, 1), datetime(2030, 12, 31)).map(
    # the API keeps milliseconds
    lambda d: pd.Timestamp(d.replace(microsecond=d.microsecond // 1000 * 1000), tz=UTC)
)


def picklist(field: str, required: bool):
    def build(client: AutotaskClient, labels: bool):
        meta = next(f for f in client.get_field_metadata("Tickets") if f.name == field)
        choices = [int(p.value) for p in meta.picklist_values or () if p.is_active]
        if labels:
            names = meta.picklist_labels()
            values = st.sampled_from([names[str(v)] for v in choices])
        else:
            values = st.sampled_from(choices)
        return values if required else values | na

    return build


FIELDS = {
    "title": lambda c, labels: text,
    "description": lambda c, labels: text | na,
    "purchaseOrderNumber": lambda c, labels: text | na,
    "priority": picklist("priority", required=True),
    "status": picklist("status", required=True),
    "queueID": picklist("queueID", required=False),
    "estimatedHours": lambda c, labels: st.integers(0, 4000).map(lambda x: x / 4) | na,
    "dueDateTime": lambda c, labels: when | na,
    "isVisibleToComanaged": lambda c, labels: st.booleans() | na,
    "udf:Root Cause": lambda c, labels: text | na,
    "udf:Customer Impact": lambda c, labels: st.integers(1, 5) | na,
}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_pushed_edits_are_what_the_server_holds(client, data):
    labels = data.draw(st.booleans(), label="labels")
    frame = pull(client, labels)
    edits = data.draw(
        st.lists(
            st.tuples(st.integers(0, len(frame) - 1), st.sampled_from(sorted(FIELDS))),
            max_size=12,
            unique=True,
        ),
        label="cells",
    )
    for row, field in edits:
        value = data.draw(FIELDS[field](client, labels), label=f"{field}@{row}")
        frame.loc[frame.index[row], field] = value
    edited = frame.copy(deep=True)

    result = frame.autotask.push(progress=False)
    assert result.ok, result.failures()[["id", "status", "message"]].to_dict("records")
    assert result["action"].isin(["update", "none"]).all()
    pd.testing.assert_frame_equal(frame, edited)  # the frame is not changed by a push

    fresh = pull(client, labels)
    compared = [c for c in frame.columns if c not in SERVER_STAMPED]
    pd.testing.assert_frame_equal(
        fresh[compared].reset_index(drop=True),
        edited[compared].reset_index(drop=True),
        check_dtype=False,
        check_categorical=False,
    )
    again = frame.autotask.push(progress=False)  # the snapshot moved forward
    assert again["action"].eq("none").all()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_what_is_sent_is_exactly_the_changed_cells(client, data):
    frame = pull(client, labels=False)
    edits = data.draw(
        st.lists(
            st.tuples(st.integers(0, len(frame) - 1), st.sampled_from(sorted(FIELDS))),
            min_size=1,
            max_size=12,
            unique=True,
        ),
    )
    for row, field in edits:
        frame.loc[frame.index[row], field] = data.draw(FIELDS[field](client, False))
    changes = frame.autotask.changes()
    result = frame.autotask.push(dry_run=True, conflicts="overwrite", progress=False)
    sent = {
        (int(record_id), field)
        for record_id, fields in zip(result["id"], result["fields"])
        for field in fields
    }
    assert sent == {(int(i), f) for i, f in zip(changes["id"], changes["field"])}
    for record_id, body in zip(result["id"], result["body"]):
        if body is not None:
            assert body["id"] == record_id
            names = {k for k in body if k not in ("id", "userDefinedFields")}
            names |= {f"udf:{u['name']}" for u in body.get("userDefinedFields", ())}
            assert names == {f for i, f in sent if i == record_id}
