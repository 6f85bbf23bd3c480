"""Bad input: every problem named by row, field and value, and nothing sent for those rows.

``df.autotask.validate()`` returns what a push would refuse (severity ``error``: the row is not
sent) and the columns it would not send (``warning``). The sandbox of this module has two extra
queue picklist entries - an inactive value and a label shared by two values - patched into its
tenant configuration before it starts, as a real tenant may be configured.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest
from helpers import connect

import autotask_pandas  # noqa: F401 - registers df.autotask
from autotask_pandas import AutotaskClient, AutotaskValidationError
from autotask_pandas.frames.push.validate import PROBLEM_COLUMNS
from autotask_pandas.frames.reader import read_autotask
from autotask_pandas.sandbox import Sandbox, tenant

RETIRED_QUEUE = 29683990  # inactive
SECOND_LEVEL_ONE = 29683991  # labelled "Level I Support", like queue 8


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    queues = tenant.PICKLISTS["Tickets"]["queueID"]
    extra = (
        tenant.PicklistValue(RETIRED_QUEUE, "Retired Queue", sort_order=90, is_active=False),
        tenant.PicklistValue(SECOND_LEVEL_ONE, "Level I Support", sort_order=91),
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(tenant.PICKLISTS["Tickets"], "queueID", queues + extra)
        with Sandbox(scale=1, seed=0) as sandbox:
            yield sandbox


@pytest.fixture(scope="module")
def client(sb: Sandbox) -> Iterator[AutotaskClient]:
    with connect(sb) as c:
        yield c


def pull(
    client: AutotaskClient, entity: str = "Tickets", *, limit: int = 40, labels: bool = False
) -> pd.DataFrame:
    return read_autotask(entity, limit=limit, client=client, labels=labels, progress=False)


@pytest.fixture
def tickets(client: AutotaskClient) -> pd.DataFrame:
    return pull(client)


def errors(problems: pd.DataFrame) -> pd.DataFrame:
    return problems[problems["severity"] == "error"]


def only(problems: pd.DataFrame) -> dict:
    assert len(problems) == 1, problems.to_dict("records")
    return problems.iloc[0].to_dict()


def test_a_clean_frame_has_no_problems(client, tickets):
    problems = tickets.autotask.validate()
    assert problems.empty and list(problems.columns) == list(PROBLEM_COLUMNS)
    assert pull(client, labels=True).autotask.validate().empty


def test_an_unknown_column_is_a_warning_and_is_not_sent(sb, tickets):
    tickets["my_score"] = 1
    tickets.loc[tickets.index[0], "title"] = "edited"
    problem = only(tickets.autotask.validate())
    assert problem["field"] == "my_score" and problem["severity"] == "warning"
    assert problem["row"] is None
    result = tickets.autotask.push(dry_run=True, progress=False)
    assert result["body"].iloc[0] == {"id": int(tickets["id"].iloc[0]), "title": "edited"}


def test_an_edit_of_a_read_only_field(tickets):
    row = tickets.index[2]
    tickets.loc[row, "createDate"] = pd.Timestamp("2020-01-01", tz="UTC")
    tickets.loc[row, "title"] = "also edited"
    problem = only(tickets.autotask.validate())
    assert problem["row"] == row and problem["id"] == tickets.at[row, "id"]
    assert problem["field"] == "createDate" and "read-only" in problem["problem"]
    assert problem["value"] == pd.Timestamp("2020-01-01", tz="UTC")
    result = tickets.autotask.push(dry_run=True, progress=False)
    assert result.at[row, "status"] == "invalid" and result.at[row, "body"] is None
    assert "createDate" in result.at[row, "message"]


def test_a_value_of_the_wrong_type(tickets):
    tickets["estimatedHours"] = tickets["estimatedHours"].astype(object)
    tickets["companyID"] = tickets["companyID"].astype(object)
    first, second = tickets.index[:2]
    tickets.loc[first, "estimatedHours"] = "lots"
    tickets.loc[second, "companyID"] = 12.5
    problems = errors(tickets.autotask.validate()).set_index("field")
    assert problems.loc["estimatedHours", "row"] == first
    assert problems.loc["estimatedHours", "value"] == "lots"
    assert "number" in problems.loc["estimatedHours", "problem"]
    assert problems.loc["companyID", "row"] == second
    assert problems.loc["companyID", "value"] == 12.5


def test_na_in_a_required_field(tickets):
    row = tickets.index[1]
    tickets.loc[row, "title"] = pd.NA
    problem = only(tickets.autotask.validate())
    assert (problem["row"], problem["field"]) == (row, "title")
    assert "required" in problem["problem"]


def test_labels_typed_by_the_user(tickets):
    tickets["status"] = tickets["status"].astype(object)
    good, typo, same = tickets.index[:3]
    label, value = ("Waiting Vendor", 12) if tickets.at[good, "status"] != 12 else ("Escalate", 11)
    tickets.loc[good, "status"] = label
    tickets.loc[typo, "status"] = "Completed"
    labels = {
        5: "Complete",
        1: "New",
        8: "In Progress",
        12: "Waiting Vendor",
        11: "Escalate",
        10: "Dispatched",
        7: "Waiting Customer",
        9: "Waiting Materials",
        13: "Waiting Approval",
        15: "Change Order",
        16: "Customer Note Added",
    }
    tickets.loc[same, "status"] = labels[tickets.at[same, "status"]]  # the label of its value
    problem = only(tickets.autotask.validate())
    assert (problem["row"], problem["field"], problem["value"]) == (typo, "status", "Completed")
    assert "matches no label" in problem["problem"]
    result = tickets.autotask.push(dry_run=True, progress=False)
    assert result.at[good, "body"]["status"] == value  # the label's value is what is sent
    assert result.at[typo, "status"] == "invalid"
    assert result.at[same, "action"] == "none"  # the label of the pulled value: nothing to send
    assert len(tickets.autotask.changes()) == 3  # though the frame's cells differ


def test_a_label_that_matches_several_values(tickets):
    tickets["queueID"] = tickets["queueID"].astype(object)
    row = tickets.index[0]
    tickets.loc[row, "queueID"] = "Level I Support"
    problem = only(tickets.autotask.validate())
    assert problem["field"] == "queueID" and "several values" in problem["problem"]
    # the value itself is unambiguous
    tickets.loc[row, "queueID"] = SECOND_LEVEL_ONE
    assert tickets.autotask.validate().empty


def test_an_inactive_picklist_value(tickets):
    row = tickets.index[0]
    tickets.loc[row, "queueID"] = RETIRED_QUEUE
    problem = only(tickets.autotask.validate())
    assert problem["field"] == "queueID" and "inactive" in problem["problem"]


def test_a_value_that_is_no_picklist_value(tickets):
    row = tickets.index[0]
    tickets.loc[row, "priority"] = 99
    problem = only(tickets.autotask.validate())
    assert (problem["field"], problem["value"]) == ("priority", 99)


def test_a_sub_issue_type_of_another_issue_type(tickets):
    row = tickets.index[0]
    tickets.loc[row, "issueType"] = 2  # Hardware
    tickets.loc[row, "subIssueType"] = 130  # Password Reset, under Accounts & Access (5)
    problem = only(tickets.autotask.validate())
    assert problem["field"] == "subIssueType" and "belongs to issueType 5" in problem["problem"]
    tickets.loc[row, "subIssueType"] = 101  # Printer / Scanner, under Hardware
    assert tickets.autotask.validate().empty


def test_a_string_longer_than_the_field(tickets):
    row = tickets.index[3]
    tickets.loc[row, "title"] = "x" * 256
    tickets.loc[row, "udf:Root Cause"] = "y" * 101
    problems = errors(tickets.autotask.validate())
    assert set(problems["field"]) == {"title", "udf:Root Cause"}
    assert all("more than the" in p for p in problems["problem"])


def test_duplicate_ids(tickets):
    frame = pd.concat([tickets, tickets.iloc[[5]]])
    frame.iloc[-1, frame.columns.get_loc("title")] = "a second version of the row"
    problems = errors(frame.autotask.validate())
    duplicate = int(tickets["id"].iloc[5])
    assert set(problems["id"]) == {duplicate} and len(problems) == 2
    assert all("appears in several rows" in p for p in problems["problem"])


def test_rows_of_another_pull(client, tickets):
    frame = tickets.copy()
    frame.loc[frame.index[0], "id"] = 10**9
    problem = only(errors(frame.autotask.validate()))
    assert problem["id"] == 10**9 and "not one of the rows pulled" in problem["problem"]


def test_unknown_entity():
    frame = pd.DataFrame({"id": [1], "title": ["x"]})
    with pytest.raises(AutotaskValidationError, match="no entity called 'Tikets'"):
        frame.autotask.push(entity="Tikets", client=None)


def test_unknown_entity_with_a_client(client):
    frame = pd.DataFrame({"id": [1], "title": ["x"]})
    with pytest.raises(AutotaskValidationError, match="no entity called 'Tikets'"):
        frame.autotask.validate(entity="Tikets", client=client)


def test_a_frame_without_a_pull_names_its_entity(client):
    frame = pd.DataFrame({"id": [1], "title": ["x"]})
    with pytest.raises(AutotaskValidationError, match="entity="):
        frame.autotask.validate(client=client)


def test_frames_without_a_pull_are_judged_whole(client):
    frame = pd.DataFrame(
        {
            "id": [7000, 1.5, None],
            "title": ["fine", "fine", None],
            "createDate": ["2020-01-01", None, None],
            "Status": [1, 1, 1],  # field names match ignoring case
            "notes_to_self": ["a", "b", "c"],
        },
        index=["a", "b", "c"],
    )
    problems = frame.autotask.validate(entity="Tickets", client=client)
    warnings = problems[problems["severity"] == "warning"].set_index("field")["problem"]
    assert "read-only" in warnings["createDate"] and "no such field" in warnings["notes_to_self"]
    rows = errors(problems)
    assert set(rows.loc[rows["row"] == "b", "field"]) == {"id"}
    created = rows[rows["row"] == "c"]  # a create: title empty, companyID and priority missing
    assert set(created["field"]) == {"title", "companyID", "priority"}
    assert "a" not in set(rows["row"])


def test_problems_name_the_frame_labels(tickets):
    frame = tickets.set_axis([f"ticket-{i}" for i in range(len(tickets))])
    frame.loc["ticket-4", "title"] = pd.NA
    problem = only(frame.autotask.validate())
    assert problem["row"] == "ticket-4"


def test_invalid_rows_are_not_sent_and_the_others_are(sb, client):
    tickets = pull(client, limit=10)
    rows = tickets.index
    tickets.loc[rows[0], "title"] = pd.NA  # invalid
    tickets.loc[rows[1], "title"] = "valid edit"
    tickets.loc[rows[2], "priority"] = 99  # invalid
    before = len(sb.requests)
    result = tickets.autotask.push(progress=False)
    patches = [r for r in sb.requests[before:] if r.method == "PATCH"]
    assert len(patches) == 1
    assert list(result["status"].iloc[:3]) == ["invalid", "ok", "invalid"]
    assert set(result.problems["row"]) == {rows[0], rows[2]}
    assert client.get("Tickets", int(tickets.at[rows[1], "id"]))["title"] == "valid edit"
