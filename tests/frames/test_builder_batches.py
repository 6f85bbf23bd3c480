"""``FrameBuilder`` converts pages in batches (``_BATCH_ROWS``, 2 pages of 500): the frame must be
the same whatever the batches, pages added in order or out of order (``add(order=)``, a
concurrent pull), for every kind of column: numbers with nulls, text, datetimes, picklist labels
and keys the metadata does not know (objects)."""

from __future__ import annotations

import random
from typing import Any

import pandas as pd
import pytest

from autotask_pandas.frames import builder as builder_module
from autotask_pandas.frames.builder import FrameBuilder
from autotask_pandas.types import FieldMetadata, PicklistValue

FIELDS = [
    FieldMetadata(name="id", data_type="long"),
    FieldMetadata(name="title", data_type="string"),
    FieldMetadata(name="estimatedHours", data_type="double"),
    FieldMetadata(name="createDate", data_type="datetime"),
    FieldMetadata(
        name="status",
        data_type="integer",
        is_picklist=True,
        picklist_values=[
            PicklistValue(value="1", label="New"),
            PicklistValue(value="5", label="Complete"),
        ],
    ),
]


def _records(n: int) -> list[dict[str, Any]]:
    rng = random.Random(7)
    return [
        {
            "id": 1000 + 3 * i,
            "title": None if i % 11 == 0 else f"ticket {i} " + "x" * rng.randrange(40),
            "estimatedHours": None if i % 7 == 0 else i / 4,
            "createDate": None if i % 13 == 0 else f"2026-0{1 + i % 9}-1{i % 10}T0{i % 10}:30:00Z",
            "status": [1, 5, None, 42][i % 4],  # 42: a value the picklist does not list
            "extraKey": {"n": i} if i % 2 else [i],  # unknown to the metadata: kept as objects
        }
        for i in range(n)
    ]


def _frame(pages: list[list[dict[str, Any]]], *, shuffled: bool, labels: bool) -> pd.DataFrame:
    builder = FrameBuilder("Tickets", FIELDS, labels=labels, tz="UTC")
    order = list(range(len(pages)))
    if shuffled:
        random.Random(3).shuffle(order)
    for i in order:
        builder.add(pages[i], order=pages[i][0]["id"])
    return builder.finish()


@pytest.mark.parametrize("labels", [False, True])
@pytest.mark.parametrize("rows", [1, 499, 1000, 3001])
def test_batches_give_the_frame_of_one_page_at_a_time(
    rows: int, labels: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = _records(rows)
    pages = [records[start : start + 500] for start in range(0, rows, 500)]
    batched = _frame(pages, shuffled=False, labels=labels)
    batched_shuffled = _frame(pages, shuffled=True, labels=labels)
    monkeypatch.setattr(builder_module, "_BATCH_ROWS", 1)  # each page converted as it comes
    one_at_a_time = _frame(pages, shuffled=False, labels=labels)
    one_at_a_time_shuffled = _frame(pages, shuffled=True, labels=labels)
    assert len(batched) == rows and batched["id"].is_monotonic_increasing
    for frame in (batched_shuffled, one_at_a_time, one_at_a_time_shuffled):
        pd.testing.assert_frame_equal(frame, batched, check_exact=True)
    assert batched["extraKey"].tolist() == [r["extraKey"] for r in records]
    assert batched["title"].isna().sum() == sum(r["title"] is None for r in records)
