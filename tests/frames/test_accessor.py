"""``df.autotask``: registration, the frame's entity, labels and ids, drop(), the result display."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pandas as pd
import pytest
from helpers import connect, new_sandbox

import autotask_pandas
from autotask_pandas import AutotaskClient, AutotaskValidationError, PushResult
from autotask_pandas.frames.reader import read_autotask
from autotask_pandas.frames.snapshot import ATTRS_KEY, pull_of
from autotask_pandas.sandbox import Sandbox


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with new_sandbox() as sandbox:  # its own: the pushes write
        yield sandbox


@pytest.fixture(scope="module")
def client(sb: Sandbox) -> Iterator[AutotaskClient]:
    with connect(sb, threshold_check_every=0) as c:
        yield c


def pull(client, entity="Tickets", limit=30, labels=False) -> pd.DataFrame:
    return read_autotask(entity, limit=limit, client=client, labels=labels, progress=False)


def test_importing_the_package_registers_the_accessor():
    code = "import pandas as pd, autotask_pandas; print(pd.DataFrame().autotask.entity)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "None"


def test_push_result_is_public():
    assert "PushResult" in autotask_pandas.__all__
    assert autotask_pandas.__all__ == sorted(autotask_pandas.__all__)
    assert issubclass(PushResult, pd.DataFrame)


def test_entity(client):
    tickets = pull(client)
    assert tickets.autotask.entity == "Tickets"
    assert tickets[["id", "title"]].autotask.entity == "Tickets"
    assert pd.DataFrame({"id": [1]}).autotask.entity is None
    orphan = tickets.copy()
    orphan.autotask.forget()
    assert orphan.autotask.pull is None and orphan.autotask.entity == "Tickets"  # from the tag
    assert ATTRS_KEY in orphan.attrs


def test_labels_and_ids_round_trip_and_keep_the_pull(client):
    tickets = pull(client)
    labelled = tickets.autotask.labels()
    assert isinstance(labelled["status"].dtype, pd.CategoricalDtype)
    assert isinstance(labelled["priority"].dtype, pd.CategoricalDtype)
    assert labelled["title"].dtype == tickets["title"].dtype
    assert pull_of(labelled) is pull_of(tickets)
    back = labelled.autotask.ids()
    pd.testing.assert_frame_equal(back, tickets)
    # another form of the same values is no change, and nothing is sent
    assert labelled.autotask.changes().empty
    assert back.autotask.changes().empty
    result = labelled.autotask.push(dry_run=True, progress=False)
    assert result["action"].eq("none").all()


def test_a_label_edited_in_a_labels_frame_is_sent_as_its_value(sb, client):
    tickets = pull(client)
    labelled = tickets.autotask.labels()
    row = labelled.index[0]
    label, value = ("Escalate", 11) if tickets.at[row, "status"] != 11 else ("New", 1)
    labelled.loc[row, "status"] = label
    changes = labelled.autotask.changes()
    assert list(changes["field"]) == ["status"] and changes["new"].iloc[0] == label
    result = labelled.autotask.push(dry_run=True, progress=False)
    assert result.at[row, "body"] == {"id": int(tickets.at[row, "id"]), "status": value}


def test_drop_marks_rows_for_deletion_by_id_or_mask(client):
    contacts = pull(client, "Contacts", limit=10)
    first, second = (int(i) for i in contacts["id"].iloc[:2])
    by_id = contacts.autotask.drop([first])
    assert len(by_id) == len(contacts) - 1 and first not in set(by_id["id"])
    assert pull_of(by_id) is pull_of(contacts) and first in pull_of(contacts).dropped
    by_mask = contacts.autotask.drop(contacts["id"] == second)
    assert second not in set(by_mask["id"])
    assert pull_of(contacts).dropped == {first, second}
    plan = by_mask.autotask.push(dry_run=True, delete=True, conflicts="overwrite", progress=False)
    assert list(plan.deletes["id"]) == [second]  # dropped, and absent from the frame pushed...
    both = by_id.autotask.drop([second])
    plan = both.autotask.push(dry_run=True, delete=True, conflicts="overwrite", progress=False)
    assert list(plan.deletes["id"]) == [first, second]
    plan = contacts.autotask.push(dry_run=True, delete=True, conflicts="overwrite", progress=False)
    assert plan.deletes.empty  # ...never a row the frame still holds
    with pytest.raises(AutotaskValidationError, match="not rows of this frame"):
        contacts.autotask.drop([10**9])
    assert pull_of(contacts).dropped == {first, second}
    with pytest.raises(AutotaskValidationError, match="pulled frame"):
        pd.DataFrame({"id": [1]}).autotask.drop([1])


def test_the_result_is_aligned_to_the_frame(client):
    tickets = pull(client).set_axis([f"t{i}" for i in range(30)])
    tickets.loc["t3", "title"] = "aligned"
    result = tickets.autotask.push(dry_run=True, progress=False)
    assert list(result.index) == list(tickets.index)
    assert list(result.columns) == [
        "id",
        "action",
        "status",
        "fields",
        "message",
        "request",
        "body",
    ]
    pending = tickets[result["status"] == "pending"]
    assert list(pending.index) == ["t3"]


def test_the_dry_run_display_shows_what_would_be_sent(client):
    tickets = pull(client)
    tickets.loc[tickets.index[0], "title"] = "shown in the display"
    result = tickets.autotask.push(dry_run=True, progress=False)
    html = result._repr_html_()
    assert "Dry run to Tickets: 1 update (1 pending)" in html
    assert "Would send" in html and "shown in the display" in html
    assert result.summary().startswith("Dry run to Tickets")
    assert not result.ok


def test_validate_of_a_pulled_frame_makes_no_request(sb, client):
    tickets = pull(client)
    tickets.loc[tickets.index[0], "title"] = pd.NA
    before = len(sb.requests)
    problems = tickets.autotask.validate()
    assert len(sb.requests) == before  # metadata is cached from the pull
    assert list(problems["field"]) == ["title"]
