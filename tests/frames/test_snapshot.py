"""Pull snapshots: advancing rows with NA in nullable and categorical columns, lazy extension."""

from __future__ import annotations

import pandas as pd

from autotask_pandas.frames.snapshot import pull_of, record_pull


def _frame(ids: list[int]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": pd.array(ids, dtype="Int64"),
            "priority": pd.array([1, None, 3][: len(ids)], dtype="Int64"),
            "status": pd.Categorical(["New", None, "Complete"][: len(ids)],
                                     categories=["New", "Complete"], ordered=True),
            "title": pd.array(["a", None, "c"][: len(ids)], dtype="string"),
        }
    )


def test_advance_keeps_dtypes_with_na_and_adds_new_rows_and_labels() -> None:
    df = record_pull(_frame([1, 2, 3]), "Tickets", None, labels=True)
    pull = pull_of(df)
    assert pull is not None
    rows = pd.DataFrame(
        {"priority": pd.array([None, 2], dtype="Int64"),
         "status": pd.Categorical(["Waiting Customer", "New"]),
         "title": pd.array(["x", None], dtype="string")},
        index=pd.Index([2, 9]),
    )
    pull.advance(rows)
    base = pull.base
    assert list(base.index) == [1, 2, 3, 9]
    assert base["priority"].dtype == "Int64" and base["title"].dtype == "string"
    assert base.loc[2, "priority"] is pd.NA and base.loc[9, "priority"] == 2
    assert base.loc[2, "status"] == "Waiting Customer" and base.loc[1, "status"] == "New"
    assert base.loc[2, "title"] == "x" and base.loc[3, "title"] == "c"
    # the user's frame is untouched
    assert df["status"].isna().tolist() == [False, True, False]
    assert list(df["status"].cat.categories) == ["New", "Complete"]


def test_extend_adds_pages_once_consolidated() -> None:
    df = record_pull(_frame([1, 2, 3]), "Tickets", None)
    pull = pull_of(df)
    assert pull is not None
    pull.extend(_frame([4, 5]))
    pull.extend(_frame([6]))
    assert list(pull.base.index) == [1, 2, 3, 4, 5, 6]
    assert pull.base["priority"].dtype == "Int64"
