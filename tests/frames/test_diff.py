"""The diff of a pulled frame against its snapshot (``df.autotask.changes()``, ``diff.py``).

Frames are real pulls of the session sandbox's tickets (typed by the reading side, through the
root ``client``); the diff itself makes no request, so these tests never write.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autotask_pandas  # noqa: F401 - registers df.autotask
from autotask_pandas import AutotaskClient, AutotaskValidationError
from autotask_pandas.frames.push.diff import align, diff_frame, same_buffers, values_differ
from autotask_pandas.frames.reader import read_autotask
from autotask_pandas.frames.snapshot import pull_of


@pytest.fixture(scope="module")
def records() -> int:
    return 300  # rows per pull


def pull(client: AutotaskClient, records: int, *, labels: bool = False) -> pd.DataFrame:
    """A fresh pull of the first tickets (``read_autotask``: typed, registered as a pull)."""
    return read_autotask("Tickets", limit=records, client=client, labels=labels, progress=False)


@pytest.fixture
def tickets(client: AutotaskClient, records: list[dict]) -> pd.DataFrame:
    return pull(client, records)


def cells(changes: pd.DataFrame) -> set[tuple[int, str]]:
    return {(int(i), str(f)) for i, f in zip(changes["id"], changes["field"])}


def test_an_unedited_frame_has_no_changes_and_every_column_is_skipped(tickets):
    base = pull_of(tickets).base
    assert tickets.autotask.changes().empty
    # Copy-on-Write: the snapshot shares every column's memory with the frame.
    assert all(same_buffers(tickets[c], base[c]) for c in tickets.columns)
    assert align(tickets, base).identity


def test_one_row_per_changed_cell_with_old_and_new_values(tickets):
    first, second = tickets.index[:2]
    old_title = tickets.at[first, "title"]
    old_hours = tickets.at[second, "estimatedHours"]
    tickets.loc[first, "title"] = "Printer on fire"
    tickets.loc[second, "estimatedHours"] = 7.5
    tickets.loc[second, "udf:Root Cause"] = "cabling"
    base = pull_of(tickets).base
    # only the edited columns lost their shared buffers
    edited = {"title", "estimatedHours", "udf:Root Cause"}
    assert {c for c in tickets.columns if not same_buffers(tickets[c], base[c])} == edited

    changes = tickets.autotask.changes()
    assert list(changes.columns) == ["id", "field", "old", "new"]
    assert list(changes.index) == [first, second, second]
    assert list(changes["field"]) == ["title", "estimatedHours", "udf:Root Cause"]
    first_id, second_id = int(tickets.at[first, "id"]), int(tickets.at[second, "id"])
    assert list(changes["id"]) == [first_id, second_id, second_id]
    assert changes["old"].iloc[0] == old_title and changes["new"].iloc[0] == "Printer on fire"
    assert changes["new"].iloc[1] == 7.5
    assert (changes["old"].iloc[1] is None) == pd.isna(old_hours)


def test_na_aware_equality(tickets):
    rows = tickets.index
    # a value set to NA, NA set to a value, NA set to NA, a value set to itself
    has_value = rows[tickets["description"].notna()][0]
    # Every pulled ticket has a dueDateTime: the NA to be set is in the first datetime column
    # that has one (taken from the data, so the case always runs).
    when = next(
        c
        for c in tickets.columns
        if isinstance(tickets[c].dtype, pd.DatetimeTZDtype) and tickets[c].isna().any()
    )
    no_date = rows[tickets[when].isna()][0]
    no_text = rows[tickets["changeInfoField1"].isna()][0]
    tickets.loc[has_value, "description"] = pd.NA
    tickets.loc[no_date, when] = pd.Timestamp("2027-03-01 10:00", tz="UTC")
    tickets.loc[no_text, "changeInfoField1"] = None  # NA to NA: no change
    tickets.loc[rows[3], "title"] = tickets.at[rows[3], "title"]
    changes = tickets.autotask.changes()
    assert cells(changes) == {
        (int(tickets.at[has_value, "id"]), "description"),
        (int(tickets.at[no_date, "id"]), when),
    }
    landed = changes[changes["field"] == when]
    assert pd.isna(landed["old"].iloc[0])
    assert landed["new"].iloc[0] == pd.Timestamp("2027-03-01 10:00", tz="UTC")


def test_every_dtype_is_compared(client, records):
    tickets = pull(client, records)
    row = tickets.index[10]
    values = {
        "title": "new title",  # string
        "priority": 4 if tickets.at[row, "priority"] != 4 else 3,  # Int64 picklist
        "estimatedHours": 3.25,  # Float64
        "dueDateTime": pd.Timestamp("2027-05-01 08:30", tz="UTC"),  # datetime UTC
        "isVisibleToComanaged": not bool(tickets.at[row, "isVisibleToComanaged"])
        if pd.notna(tickets.at[row, "isVisibleToComanaged"])
        else True,  # boolean
        "udf:Customer Impact": 42,  # integer UDF
    }
    for column, value in values.items():
        tickets.loc[row, column] = value
    changes = tickets.autotask.changes()
    assert set(changes["field"]) == set(values)
    assert set(changes["id"]) == {int(tickets.at[row, "id"])}


def test_labels_frames_compare_in_labels(client, records):
    tickets = pull(client, records, labels=True)
    assert isinstance(tickets["status"].dtype, pd.CategoricalDtype)
    row = tickets.index[0]
    new = "Complete" if tickets.at[row, "status"] != "Complete" else "New"
    tickets.loc[row, "status"] = new
    changes = tickets.autotask.changes()
    assert cells(changes) == {(int(tickets.at[row, "id"]), "status")}
    assert changes["new"].iloc[0] == new


@pytest.mark.parametrize(
    "transform",
    [
        pytest.param(lambda df: df[df["priority"] == df["priority"].iloc[0]], id="filter"),
        pytest.param(lambda df: df.sort_values("title"), id="sort"),
        pytest.param(lambda df: df[["id", "title", "priority", "estimatedHours"]], id="select"),
        pytest.param(lambda df: df.copy(), id="copy"),
        pytest.param(lambda df: df.assign(hours_x2=df["estimatedHours"] * 2), id="derived"),
        pytest.param(lambda df: pd.concat([df.iloc[:100], df.iloc[100:]]), id="concat"),
        pytest.param(lambda df: df.reset_index(drop=True).iloc[::-1], id="reverse"),
    ],
)
def test_the_snapshot_survives_what_analysts_do(tickets, transform):
    frame = transform(tickets)
    assert pull_of(frame) is pull_of(tickets)
    row = frame.index[0]
    frame.loc[row, "title"] = "changed after a transform"
    frame.loc[row, "estimatedHours"] = 99.5
    changes = frame.autotask.changes()
    assert cells(changes) == {
        (int(frame.loc[row, "id"]), "title"),
        (int(frame.loc[row, "id"]), "estimatedHours"),
    }
    assert tickets.autotask.changes().empty  # the original frame was not touched


def test_derived_columns_are_not_compared(tickets):
    derived = tickets.assign(age=1)
    assert derived.autotask.changes().empty


def test_new_rows_and_foreign_ids_are_no_changes(tickets):
    new = tickets.iloc[:1].copy()
    new["id"] = pd.array([pd.NA], dtype="Int64")
    foreign = tickets.iloc[1:2].copy()
    foreign["id"] = pd.array([10**9], dtype="Int64")
    frame = pd.concat([tickets, new, foreign], ignore_index=True)
    assert pull_of(frame) is not None
    assert frame.autotask.changes().empty
    alignment = align(frame, pull_of(frame).base)
    assert not alignment.identity
    assert list(alignment.known[-2:]) == [False, False]


def test_a_frame_without_a_pull_has_nothing_to_compare_with(tickets):
    with pytest.raises(AutotaskValidationError, match="did not come from a pull"):
        pd.DataFrame({"id": [1], "title": ["x"]}).autotask.changes()


def test_values_differ_across_dtypes():
    new = pd.array([1, 2, None, None, 5], dtype="Int64")
    old = pd.array([1, 3, None, 4, None], dtype="Int64")
    assert values_differ(new, old).tolist() == [False, True, False, True, True]
    # object vs string (e.g. a column that became object) compares by value
    text = pd.array(["a", "b", None], dtype="string")
    objects = np.array(["a", "c", None], dtype=object)
    assert values_differ(objects, text).tolist() == [False, True, False]
    # categoricals with different categories fall back to comparing values
    a = pd.Categorical(["x", "y"], categories=["x", "y"])
    b = pd.Categorical(["x", "z"], categories=["x", "z"])
    assert values_differ(a, b).tolist() == [False, True]


# -- property: the diff finds exactly the cells that differ --------------------------------

EDITABLE = ["title", "priority", "estimatedHours", "dueDateTime", "queueID", "udf:Root Cause"]


def brute_force(frame: pd.DataFrame, base: pd.DataFrame) -> set[tuple[int, str]]:
    out = set()
    for _, row in frame.iterrows():
        old = base.loc[int(row["id"])]
        for column in EDITABLE:
            a, b = row[column], old[column]
            if pd.isna(a) and pd.isna(b):
                continue
            if pd.isna(a) or pd.isna(b) or a != b:
                out.add((int(row["id"]), column))
    return out


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_property_diff_equals_a_cell_by_cell_comparison(client, records, data):
    tickets = pull(client, 60)
    base = pull_of(tickets).base
    edits = data.draw(
        st.lists(
            st.tuples(
                st.integers(0, len(tickets) - 1),
                st.sampled_from(EDITABLE),
                st.integers(0, len(tickets) - 1),
                st.booleans(),
            ),
            max_size=25,
        )
    )
    for row, column, source, to_na in edits:
        # a value some row holds (so often the same value), or NA
        value = pd.NA if to_na else tickets[column].iloc[source]
        tickets.loc[tickets.index[row], column] = value
    shuffle = data.draw(st.booleans())
    frame = tickets.sample(frac=1.0, random_state=1) if shuffle else tickets
    assert cells(frame.autotask.changes()) == brute_force(frame, base)
    diff = diff_frame(frame, base)
    assert set(diff.changed) <= set(EDITABLE)
