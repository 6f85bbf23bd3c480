"""Autotask values <-> pandas dtypes: frames built from the sandbox's pages, the reverse conversion
for the writer, labels, time zones, date-only fields, UDF columns, and hypothesis round trips."""

from __future__ import annotations

import datetime as dt
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autotask_pandas import AutotaskClient
from autotask_pandas.catalog import load_catalog
from autotask_pandas.exceptions import AutotaskValidationError
from autotask_pandas.frames.builder import FrameBuilder, build_frame
from autotask_pandas.frames.dtypes import dtype_for
from autotask_pandas.frames.labels import to_labels, to_values
from autotask_pandas.frames.to_api import to_api_values
from autotask_pandas.query.kinds import DATE_ONLY_FIELDS, is_date_only
from autotask_pandas.query.picklists import picklist_maps
from autotask_pandas.types import FieldMetadata


def pulled(client: AutotaskClient, entity: str, limit: int = 1200) -> tuple[list[dict], list, list]:
    records = client.query_all(entity, limit=limit)
    return records, client.get_field_metadata(entity), client.get_udf_metadata(entity)


def meta_of(name: str, fields: list[FieldMetadata], udfs: list[FieldMetadata]) -> FieldMetadata:
    if name.startswith("udf:"):
        return next(u for u in udfs if u.name == name[4:])
    return next(f for f in fields if f.name == name)


def api_value(record: dict[str, Any], column: str, entity: str) -> Any:
    """What the API sent for ``column``, in the form ``to_api_values`` gives it back."""
    if column.startswith("udf:"):
        for item in record.get("userDefinedFields") or ():
            if item["name"] == column[4:]:
                return item["value"]
        return None
    value = record.get(column)
    if isinstance(value, str) and is_date_only(entity, column):
        return value[:10]
    return value


# -- frames from the sandbox ------------------------------------------------------------------


def test_ticket_columns_get_the_documented_dtypes(client: AutotaskClient) -> None:
    records, fields, udfs = pulled(client, "Tickets")
    df = build_frame("Tickets", records, fields, udfs)
    assert len(df) == len(records) == 1200
    expected = {
        "id": "Int64",
        "companyID": "Int64",
        "contractServiceID": "Int64",  # a long
        "status": "Int64",  # a picklist, as its values
        "estimatedHours": "Float64",
        "isVisibleToComanaged": "boolean",
        "createDate": "datetime64[ns, UTC]",
        "title": "string",
        "udf:Customer Impact": "Int64",
        "udf:Root Cause": "string",
    }
    assert {c: str(df[c].dtype) for c in expected} == expected
    assert df["title"].dtype == pd.StringDtype()
    # Columns: the metadata's fields in order, then the UDFs.
    assert list(df.columns) == [f.name for f in fields] + ["udf:Root Cause", "udf:Customer Impact"]
    # No float anywhere an integer is meant; NA (not NaN/None) for missing values.
    assert not any(str(t) in ("float64", "object") for t in df.dtypes)
    assert df["apiVendorID"].isna().all() and df["apiVendorID"].dtype == "Int64"
    assert df["udf:Root Cause"].isna().any()


@pytest.mark.parametrize(
    "entity", ["Tickets", "Companies", "Contracts", "ConfigurationItems", "TimeEntries", "Contacts"]
)
def test_every_value_goes_back_as_the_api_sent_it(client: AutotaskClient, entity: str) -> None:
    records, fields, udfs = pulled(client, entity, limit=600)
    for labels in (False, True):
        df = build_frame(entity, records, fields, udfs, labels=labels)
        for column in df.columns:
            back = to_api_values(
                df[column], meta_of(column, fields, udfs), labels=labels, entity=entity
            )
            sent = [api_value(r, column, entity) for r in records]
            assert back == sent, column


def test_date_only_fields_stay_dates(client: AutotaskClient) -> None:
    records, fields, udfs = pulled(client, "Contracts")
    df = build_frame("Contracts", records, fields, udfs, tz="Pacific/Auckland")
    assert df["startDate"].dtype == np.dtype("datetime64[ns]")  # naive: a date, not an instant
    first = records[0]["startDate"]
    assert df["startDate"][0] == pd.Timestamp(first[:10])  # same calendar date, whatever tz=
    assert (df["startDate"].dt.normalize() == df["startDate"]).all()
    assert (df["startDate"] >= "2000-01-01").all()  # compares with strings, unlike date32
    meta = meta_of("startDate", fields, udfs)
    assert to_api_values(df["startDate"].head(1), meta, entity="Contracts") == [first[:10]]
    # Without the entity the same column is written as an instant (midnight UTC).
    assert to_api_values(df["startDate"].head(1), meta) == [first[:10] + "T00:00:00.000Z"]


def test_the_date_only_table_names_datetime_fields_of_the_catalog() -> None:
    catalog = load_catalog()
    for entity, names in DATE_ONLY_FIELDS.items():
        info = catalog.get(entity)
        assert info is not None and info.name == entity, entity
        for name in names:
            found = info.field(name)
            assert found is not None and found.type == "datetime", f"{entity}.{name}"
    assert is_date_only("timeentries", "DATEWORKED")
    assert not is_date_only("Tickets", "createDate") and not is_date_only(None, "dateWorked")


def test_tz_shows_instants_in_another_zone(client: AutotaskClient) -> None:
    records, fields, udfs = pulled(client, "Tickets", limit=50)
    utc = build_frame("Tickets", records, fields, udfs)
    ny = build_frame("Tickets", records, fields, udfs, tz="America/New_York")
    assert str(ny["createDate"].dtype) == "datetime64[ns, America/New_York]"
    assert (ny["createDate"] == utc["createDate"]).all()  # the same instants
    assert ny["createDate"][0].hour != utc["createDate"][0].hour
    meta = meta_of("createDate", fields, udfs)
    assert to_api_values(ny["createDate"], meta) == [r["createDate"] for r in records]
    with pytest.raises(AutotaskValidationError, match="unknown time zone 'Mars/Olympus'"):
        build_frame("Tickets", records, fields, udfs, tz="Mars/Olympus")


def test_udf_columns_are_typed_by_their_definition(client: AutotaskClient) -> None:
    records, fields, udfs = pulled(client, "Companies")
    df = build_frame("Companies", records, fields, udfs, labels=True)
    assert str(df["udf:Seats"].dtype) == "Int64"
    assert str(df["udf:Contract Renewal Date"].dtype) == "datetime64[ns, UTC]"
    tier = df["udf:Customer Tier"]
    assert isinstance(tier.dtype, pd.CategoricalDtype) and tier.dtype.ordered
    assert list(tier.dtype.categories) == ["Gold", "Silver", "Bronze"]
    by_values = build_frame("Companies", records, fields, udfs)
    assert str(by_values["udf:Customer Tier"].dtype) == "Int64"
    # The writer's values for a UDF are strings, as userDefinedFields carries them.
    meta = meta_of("udf:Customer Tier", fields, udfs)
    assert set(to_api_values(tier, meta, labels=True)) <= {"1", "2", "3", None}


def test_labels_are_ordered_categoricals(client: AutotaskClient) -> None:
    records, fields, udfs = pulled(client, "Tickets", limit=500)
    df = build_frame("Tickets", records, fields, udfs, labels=True)
    status = meta_of("status", fields, udfs)
    by_sort = sorted(status.picklist_values or (), key=lambda p: p.sort_order or 0)
    assert isinstance(df["status"].dtype, pd.CategoricalDtype)
    assert df["status"].dtype.ordered
    assert list(df["status"].cat.categories) == [p.label for p in by_sort]
    values = build_frame("Tickets", records, fields, udfs)["status"]
    maps = picklist_maps(status)
    assert [maps.value_to_label[v] for v in values] == list(df["status"].astype(str))
    assert dtype_for(status, labels=True) == df["status"].dtype


def picklist_field(**extra: Any) -> FieldMetadata:
    return FieldMetadata(
        name="status",
        dataType="integer",
        isPickList=True,
        picklistValues=[
            {"value": "5", "label": "Complete", "sortOrder": 3, "isActive": True},
            {"value": "1", "label": "New", "sortOrder": 1, "isActive": True},
            {"value": "9", "label": "Retired", "sortOrder": 2, "isActive": False},
            {"value": "7", "label": "Waiting Customer", "sortOrder": 4, "isActive": True},
        ],
        **extra,
    )


def test_categories_follow_sort_order_and_keep_inactive_and_unknown_values() -> None:
    field = picklist_field()
    records = [{"id": i, "status": s} for i, s in enumerate([5, 9, None, 1, 42, 7])]
    df = build_frame(
        "Tickets", records, [FieldMetadata(name="id", dataType="long"), field], labels=True
    )
    assert list(df["status"].cat.categories) == [
        "New",
        "Retired",
        "Complete",
        "Waiting Customer",
        "42",
    ]
    assert df["status"].tolist() == ["Complete", "Retired", np.nan, "New", "42", "Waiting Customer"]
    assert df["status"].isna().tolist() == [False, False, True, False, False, False]
    assert df["status"].min() == "New" and df["status"].max() == "42"
    # ids() gives the unknown value back; the writer refuses to send it (no such value).
    frame = df.assign(status=df["status"])
    assert to_values(frame, [field])["status"].tolist() == [5, 9, pd.NA, 1, 42, 7]
    assert to_api_values(df["status"].drop(4), field, labels=True) == [5, 9, None, 1, 7]
    with pytest.raises(AutotaskValidationError, match="'42' matches no label"):
        to_api_values(df["status"], field, labels=True)


def test_picklist_labels_typed_by_the_user_go_back_as_values() -> None:
    field = picklist_field()
    typed = pd.Series(["complete", "New", 7, "7", None, " Waiting Customer "], index=list("abcdef"))
    assert to_api_values(typed, field, labels=True) == [5, 1, 7, 7, None, 7]
    with pytest.raises(AutotaskValidationError) as caught:
        to_api_values(
            pd.Series(["Complete", "Done", "Nope"], index=[10, 11, 12]),
            field,
            labels=True,
            entity="Tickets",
        )
    error = caught.value
    assert "Tickets.status" in str(error) and "row 11" in str(error) and "'Done'" in str(error)
    assert "valid labels: 'New', 'Retired', 'Complete', 'Waiting Customer'" in str(error)
    assert [(p.row, p.value) for p in error.problems] == [(11, "Done"), (12, "Nope")]


def test_a_label_shared_by_two_values_needs_the_parent_value() -> None:
    field = FieldMetadata(
        name="subIssueType",
        dataType="integer",
        isPickList=True,
        picklistParentValueField="issueType",
        picklistValues=[
            {"value": "10", "label": "Other", "parentValue": "1"},
            {"value": "20", "label": "Other", "parentValue": "2"},
        ],
    )
    labels = pd.Series(["Other", "Other"])
    with pytest.raises(AutotaskValidationError, match="matches several values"):
        to_api_values(labels, field, labels=True, entity="Tickets")
    assert to_api_values(labels, field, labels=True, parent=pd.Series([2, 1])) == [20, 10]
    frame = pd.DataFrame({"issueType": [2, 1], "subIssueType": ["Other", "Other"]})
    parent = FieldMetadata(
        name="issueType",
        dataType="integer",
        isPickList=True,
        picklistValues=[{"value": "1", "label": "Hardware"}, {"value": "2", "label": "Software"}],
    )
    assert to_values(frame, [parent, field])["subIssueType"].tolist() == [20, 10]


@pytest.mark.parametrize(
    ("data_type", "value", "words"),
    [
        ("integer", 1.5, "not a valid integer"),
        ("integer", "twelve", "not a valid integer"),
        ("integer", True, "not a valid integer"),
        ("double", "abc", "not a valid number"),
        ("double", float("inf"), "not a valid number"),
        ("boolean", "maybe", "not a valid boolean"),
        ("datetime", "yesterday", "not a valid datetime"),
        ("datetime", 12, "not a valid datetime"),
        ("string", 1.5, "not a valid string"),
    ],
)
def test_values_that_cannot_be_sent_are_named(data_type: str, value: Any, words: str) -> None:
    field = FieldMetadata(name="thing", dataType=data_type)
    series = pd.Series([None, value], index=["r1", "r2"], dtype=object)
    with pytest.raises(AutotaskValidationError) as caught:
        to_api_values(series, field, entity="Widgets")
    message = str(caught.value)
    assert "Widgets.thing" in message and "row 'r2'" in message and words in message


def test_values_from_csv_style_frames_are_accepted() -> None:
    cases = [
        ("integer", pd.Series([1.0, np.nan, 3.0]), [1, None, 3]),
        ("integer", pd.Series(["4", None]), [4, None]),
        ("double", pd.Series([1, 2.5]), [1.0, 2.5]),
        ("boolean", pd.Series(["True", "false", None]), [True, False, None]),
        ("boolean", pd.Series([1, 0]), [True, False]),
        ("string", pd.Series(["a", np.nan, 12]), ["a", None, "12"]),
        (
            "datetime",
            pd.Series(["2026-01-02T03:04:05+01:00", None]),
            ["2026-01-02T02:04:05.000Z", None],
        ),
        (
            "datetime",
            pd.Series([dt.datetime(2026, 1, 2, 3, 4, 5, 678900)]),
            ["2026-01-02T03:04:05.678Z"],
        ),
        ("datetime", pd.Series([dt.date(2026, 1, 2)]), ["2026-01-02T00:00:00.000Z"]),
    ]
    for data_type, series, expected in cases:
        assert to_api_values(series, FieldMetadata(name="x", dataType=data_type)) == expected
    for value in to_api_values(pd.Series([1.0, 2.0]), FieldMetadata(name="x", dataType="integer")):
        assert type(value) is int


def test_empty_pages_still_give_typed_columns(client: AutotaskClient) -> None:
    fields = client.get_field_metadata("Tickets")
    udfs = client.get_udf_metadata("Tickets")
    df = build_frame("Tickets", [], fields, udfs)
    assert len(df) == 0
    assert list(df.columns) == [f.name for f in fields] + ["udf:Root Cause", "udf:Customer Impact"]
    assert str(df["id"].dtype) == "Int64" and str(df["createDate"].dtype) == "datetime64[ns, UTC]"
    picked = build_frame("Tickets", [], fields, udfs, columns=["title", "udf:Root Cause", "id"])
    assert list(picked.columns) == ["title", "udf:Root Cause", "id"]


def test_columns_pick_and_order_and_unknown_ones_are_named(client: AutotaskClient) -> None:
    records, fields, udfs = pulled(client, "Tickets", limit=20)
    df = build_frame(
        "Tickets", records, fields, udfs, columns=["udf:customer impact", "TITLE", "id"]
    )
    assert list(df.columns) == ["udf:Customer Impact", "title", "id"]
    with pytest.raises(
        AutotaskValidationError, match=r"Tickets has no field 'staus'; did you mean 'status'"
    ):
        build_frame("Tickets", records, fields, udfs, columns=["staus"])
    with pytest.raises(AutotaskValidationError, match=r"no user-defined field 'udf:Root'"):
        build_frame("Tickets", records, fields, udfs, columns=["udf:Root"])


def test_records_in_any_key_order_and_with_keys_missing() -> None:
    fields = [
        FieldMetadata(name="id", dataType="long"),
        FieldMetadata(name="name", dataType="string"),
        FieldMetadata(name="size", dataType="double"),
    ]
    records = [
        {"id": 1, "name": "a", "size": 1.5},
        {"size": 2.0, "id": 2, "name": "b"},
        {"id": 3},
        {"id": 4, "name": "d", "size": 4, "extra": {"x": 1}},
    ]
    df = build_frame("Things", records, fields)
    assert df["id"].tolist() == [1, 2, 3, 4]
    assert df["name"].tolist() == ["a", "b", pd.NA, "d"]
    assert df["size"].tolist() == [1.5, 2.0, pd.NA, 4.0]


def test_odd_values_from_the_server_are_read_or_warned_about() -> None:
    fields = [
        FieldMetadata(name="id", dataType="long"),
        FieldMetadata(name="n", dataType="integer"),
        FieldMetadata(name="when", dataType="datetime"),
    ]
    records = [
        {"id": 1, "n": "5", "when": "2026-01-02T03:04:05"},  # naive: UTC, as the API says
        {"id": 2, "n": 6.0, "when": "2026-01-02T03:04:05.1234567+02:00"},
        {"id": 3, "n": "many", "when": None},
    ]
    with pytest.warns(RuntimeWarning, match=r"Things.n: 1 value\(s\) are not int values.*'many'"):
        df = build_frame("Things", records, fields)
    assert df["n"].tolist() == [5, 6, pd.NA]
    assert df["when"].tolist()[:2] == [
        pd.Timestamp("2026-01-02T03:04:05Z"),
        pd.Timestamp("2026-01-02T01:04:05.1234567Z"),
    ]


def test_datetimes_beyond_the_ns_range_keep_microseconds() -> None:
    fields = [
        FieldMetadata(name="id", dataType="long"),
        FieldMetadata(name="until", dataType="datetime"),
    ]
    records = [{"id": 1, "until": "9999-12-31T00:00:00.000Z"}, {"id": 2, "until": None}]
    df = build_frame("Things", records, fields)
    assert str(df["until"].dtype) == "datetime64[us, UTC]"
    assert to_api_values(df["until"], fields[1]) == ["9999-12-31T00:00:00.000Z", None]


def test_a_frame_built_page_by_page_equals_one_built_at_once(client: AutotaskClient) -> None:
    records, fields, udfs = pulled(client, "Tickets", limit=1300)
    builder = FrameBuilder("Tickets", fields, udfs)
    for start in range(0, len(records), 500):
        builder.add(records[start : start + 500])
    pd.testing.assert_frame_equal(builder.finish(), build_frame("Tickets", records, fields, udfs))


def test_to_labels_and_to_values_are_inverse(client: AutotaskClient) -> None:
    records, fields, udfs = pulled(client, "Companies")
    values = build_frame("Companies", records, fields, udfs)
    labelled = build_frame("Companies", records, fields, udfs, labels=True)
    values.attrs["autotask"] = {"entity": "Companies", "pull": -1}
    as_labels = to_labels(values, [*fields, *udfs])
    pd.testing.assert_frame_equal(as_labels, labelled, check_like=False, check_flags=False)
    assert as_labels.attrs == values.attrs  # the pull tag survives
    back = to_values(as_labels, fields, udfs)
    pd.testing.assert_frame_equal(back, values)
    # Labels typed as text by a user, in any case.
    typed = values.head(3).copy()
    typed["companyType"] = ["customer", "Customer", None]
    assert to_values(typed, fields)["companyType"].tolist()[:2] == [1, 1]
    typed["companyType"] = ["Customer", "Martian", "Nope"]
    with pytest.raises(AutotaskValidationError) as caught:
        to_values(typed, fields, entity="Companies")
    assert [p.value for p in caught.value.problems] == ["Martian", "Nope"]


# -- hypothesis: random values of every type survive frame -> API ------------------------------

MS = dt.timedelta(milliseconds=1)
instants = st.datetimes(min_value=dt.datetime(1700, 1, 1), max_value=dt.datetime(2250, 12, 31)).map(
    lambda d: d - (d - dt.datetime(1700, 1, 1)) % MS
)


def api_datetime(d: dt.datetime) -> str:
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"


KINDS = {
    "integer": st.integers(-(2**63), 2**63 - 1),
    "long": st.integers(-(2**63), 2**63 - 1),
    "double": st.floats(allow_nan=False, allow_infinity=False),
    "boolean": st.booleans(),
    "string": st.text(max_size=40),
    "datetime": instants.map(api_datetime),
}
FIELDS = (
    [FieldMetadata(name="id", dataType="long")]
    + [FieldMetadata(name=f"f_{kind}", dataType=kind) for kind in KINDS]
    + [
        FieldMetadata(name="startDate", dataType="datetime"),  # date-only on Contracts
        picklist_field(),
    ]
)
UDFS = [
    FieldMetadata(name="U int", type="integer", isUdf=True),
    FieldMetadata(name="U double", type="double", isUdf=True),
    FieldMetadata(name="U text", type="string", isUdf=True),
    FieldMetadata(name="U when", type="datetime", isUdf=True),
    FieldMetadata(
        name="U pick",
        type="string",
        isUdf=True,
        isPickList=True,
        picklistValues=[{"value": "1", "label": "Gold"}, {"value": "2", "label": "Silver"}],
    ),
]
UDF_VALUES = {
    "U int": st.integers(-(2**63), 2**63 - 1).map(str),
    "U double": st.floats(allow_nan=False, allow_infinity=False).map(repr),
    "U text": st.text(max_size=20),
    "U when": instants.map(api_datetime),
    "U pick": st.sampled_from(["1", "2"]),
}


def maybe(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(st.none(), strategy)


@st.composite
def records(draw: st.DrawFn) -> list[dict[str, Any]]:
    n = draw(st.integers(1, 30))
    out = []
    for i in range(n):
        record: dict[str, Any] = {"id": i}
        for kind, strategy in KINDS.items():
            record[f"f_{kind}"] = draw(maybe(strategy))
        day = draw(maybe(st.dates(min_value=dt.date(1700, 1, 1), max_value=dt.date(2250, 1, 1))))
        record["startDate"] = None if day is None else f"{day.isoformat()}T00:00:00.000Z"
        record["status"] = draw(maybe(st.sampled_from([1, 5, 7, 9])))
        udfs = []
        for name, strategy in UDF_VALUES.items():
            value = draw(maybe(strategy))
            if value is not None:
                udfs.append({"name": name, "value": value})
        record["userDefinedFields"] = udfs
        out.append(record)
    return out


@settings(max_examples=150, deadline=None)
@given(records(), st.booleans(), st.sampled_from([None, "UTC", "Asia/Kolkata", "America/Denver"]))
def test_round_trip_of_random_values(
    rows: list[dict[str, Any]], labels: bool, tz: str | None
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing valid may be read as NA
        df = build_frame("Contracts", rows, FIELDS, UDFS, labels=labels, tz=tz)
    assert len(df) == len(rows)
    for column in df.columns:
        meta = meta_of(column, FIELDS, UDFS)
        back = to_api_values(df[column], meta, labels=labels, entity="Contracts")
        assert back == [api_value(r, column, "Contracts") for r in rows], column
