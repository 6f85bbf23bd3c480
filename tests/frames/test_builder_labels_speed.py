"""``labels=True`` codes each page with the column's ``LabelCoder``, made once (not a lookup and
a categorical per page): the frames must stay exactly those ``label_categorical`` makes of the
whole column - the picklist's labels, then values it does not list as their own text in the
order first met (even when first met on a later page), missing values as NA."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import pytest

from autotask_pandas.frames.builder import FrameBuilder, build_frame
from autotask_pandas.frames.picklists import LabelCoder, label_categorical
from autotask_pandas.query.picklists import picklist_maps
from autotask_pandas.types import FieldMetadata, PicklistValue

_ID = FieldMetadata(name="id", data_type="long")


def _picklist(
    name: str, data_type: str, values: dict[str, str], *, udf: bool = False
) -> FieldMetadata:
    """A picklist field; ``values`` value -> label, sort order reversed (so labels are not in
    metadata order)."""
    return FieldMetadata(
        name=name,
        data_type=data_type,
        is_picklist=True,
        is_udf=udf,
        picklist_values=[
            PicklistValue(value=v, label=label, sort_order=len(values) - i)
            for i, (v, label) in enumerate(values.items())
        ],
    )


def _labelled(
    records: list[dict[str, Any]],
    fields: list[FieldMetadata],
    udfs: Sequence[FieldMetadata] = (),
    page: int = 4,
) -> pd.DataFrame:
    builder = FrameBuilder("Things", fields, udfs, labels=True)
    for start in range(0, len(records), page):
        builder.add(records[start : start + page])
    return builder.finish()


def _expected(values: list[Any], categories: list[str]) -> pd.Categorical:
    return pd.Categorical(values, categories=categories, ordered=True)


def test_integer_picklist_unknown_first_met_on_page_two_and_missing() -> None:
    status = _picklist("status", "integer", {"1": "New", "5": "Complete", "8": "Waiting"})
    values = [1, 5, None, 1, 5, 42, None, 7, 8, 42, 1, 7, None, 99]  # pages of 4: 42 on page 2
    records = [{"id": i, "status": v} for i, v in enumerate(values)]
    got = _labelled(records, [_ID, status])["status"]
    categories = ["Waiting", "Complete", "New", "42", "7", "99"]
    labels = {1: "New", 5: "Complete", 8: "Waiting"}
    expected = _expected([None if v is None else labels.get(v, str(v)) for v in values], categories)
    pd.testing.assert_series_equal(got, pd.Series(expected, name="status"))
    whole = build_frame("Things", records, [_ID, status])["status"].array
    pd.testing.assert_series_equal(
        got, pd.Series(label_categorical(whole, picklist_maps(status)), name="status")
    )


def test_string_udf_picklist_unknown_text_and_missing() -> None:
    colour = _picklist("Colour", "string", {"r": "Red", "g": "Green", "b": "Blue"}, udf=True)
    # "Red" is not a value but is a label's text: it reads as that label (kept as its own text).
    values = ["r", None, "g", "r", "b", "teal", None, "teal", "Red", "pink", "g", None, "pink"]
    records = [
        {"id": i, "userDefinedFields": [] if v is None else [{"name": "Colour", "value": v}]}
        for i, v in enumerate(values)
    ]
    got = _labelled(records, [_ID], [colour])["udf:Colour"]
    assert got.dtype == pd.CategoricalDtype(["Blue", "Green", "Red", "teal", "pink"], ordered=True)
    labels = {"r": "Red", "g": "Green", "b": "Blue"}
    expected = _expected(
        [None if v is None else labels.get(v, v) for v in values], list(got.cat.categories)
    )
    pd.testing.assert_series_equal(got, pd.Series(expected, name="udf:Colour"))
    whole = build_frame("Things", records, [_ID], [colour])["udf:Colour"].array
    pd.testing.assert_series_equal(
        got, pd.Series(label_categorical(whole, picklist_maps(colour)), name="udf:Colour")
    )


@pytest.mark.parametrize("page", [1, 3, 4, 100])
def test_integer_udf_and_string_field_pages_equal_the_whole_column(page: int) -> None:
    """Integer UDF values travel as text ("5"); a string field's values as given."""
    level = _picklist("Level", "string", {"1": "Low", "2": "High"}, udf=True)
    kind = _picklist("kind", "string", {"a": "Alpha", "b": "Beta"})
    levels = ["1", None, "2", "1", "9", None, "3", "9", "2", "1"]
    kinds = ["a", "b", None, "a", "a", "b", "zz", None, "yy", "zz"]
    records = [
        {
            "id": i,
            "kind": k,
            "userDefinedFields": [] if v is None else [{"name": "Level", "value": v}],
        }
        for i, (v, k) in enumerate(zip(levels, kinds, strict=True))
    ]
    got = _labelled(records, [_ID, kind], [level], page=page)
    whole = build_frame("Things", records, [_ID, kind], [level])
    for name, field in (("udf:Level", level), ("kind", kind)):
        expected = label_categorical(whole[name].array, picklist_maps(field))
        pd.testing.assert_series_equal(got[name], pd.Series(expected, name=name))
    assert list(got["udf:Level"].cat.categories) == ["High", "Low", "9", "3"]
    assert list(got["kind"].cat.categories) == ["Beta", "Alpha", "zz", "yy"]
    pd.testing.assert_frame_equal(
        got, build_frame("Things", records, [_ID, kind], [level], labels=True)
    )


def test_label_categorical_by_hand() -> None:
    """The coder itself: integer and string values, unknown ones after the labels as met."""
    maps = picklist_maps(_picklist("status", "integer", {"1": "New", "5": "Complete"}))
    got = label_categorical(pd.array([5, None, 3, 1, 3, 2], dtype="Int64"), maps)
    expected = _expected(["Complete", None, "3", "New", "3", "2"], ["Complete", "New", "3", "2"])
    pd.testing.assert_extension_array_equal(got, expected)
    text = picklist_maps(_picklist("kind", "string", {"a": "Alpha"}))
    got = label_categorical(pd.array(["x", None, "a", "Alpha", "x"], dtype="string"), text)
    pd.testing.assert_extension_array_equal(
        got, _expected(["x", None, "Alpha", "Alpha", "x"], ["Alpha", "x"])
    )
    # A coder made once codes page after page, numbering unknown texts across the pages.
    coder = LabelCoder.of(maps)
    extra: dict[str, int] = {}
    first = coder.int_codes_of(pd.array([1, 7]).to_numpy("int64"), None, extra)
    second = coder.int_codes_of(pd.array([9, 7, 5]).to_numpy("int64"), None, extra)
    assert first.tolist() == [1, 2] and second.tolist() == [3, 2, 0]
    assert extra == {"7": 2, "9": 3}
