"""The pydantic models: filters refuse what the live API would misread; responses take camelCase."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from autotask_pandas.types import (
    AttachmentData,
    CreateResponse,
    EntityMetadata,
    FieldMetadata,
    FilterOperation,
    PageDetails,
    QueryFilter,
    QueryResponse,
    TicketData,
    ZoneInfo,
)

LIVE_OPERATORS = {
    "eq",
    "noteq",
    "gt",
    "gte",
    "lt",
    "lte",
    "beginsWith",
    "endsWith",
    "contains",
    "exist",
    "notExist",
    "in",
    "notIn",
}


def test_filter_operation_has_exactly_the_live_operators() -> None:
    assert {op.value for op in FilterOperation} == LIVE_OPERATORS
    assert len(list(FilterOperation)) == 13
    # NE is an alias for readers of the reference; it is sent as the API spells it
    assert FilterOperation.NE is FilterOperation.NOTEQ
    assert QueryFilter(field="status", op=FilterOperation.NE, value=5).to_api()["op"] == "noteq"
    assert FilterOperation("beginswith") is FilterOperation.BEGINS_WITH


@pytest.mark.parametrize(
    "kwargs",
    [
        {"field": "status", "op": "ne", "value": 5},  # the live API silently drops "ne"
        {"field": "status", "op": "exist", "value": 1},
        {"field": "status", "op": "notExist", "value": 1},
        {"field": "status", "op": "in", "value": 5},
        {"field": "status", "op": "in", "value": "5"},
        {"field": "status", "op": "in", "value": []},
        {"field": "status", "op": "eq"},  # null values are an error on the live API
        {"field": "status", "op": "eq", "value": [1, 2]},
        {"op": "eq", "value": 1},
        {"op": "or", "items": []},
        {"op": "and", "field": "x", "items": [{"op": "exist", "field": "id"}]},
        {"field": "status", "op": "eq", "value": 1, "items": [{"op": "exist", "field": "id"}]},
    ],
)
def test_query_filter_refuses_what_the_api_would_misread(kwargs: dict) -> None:
    with pytest.raises(ValidationError):
        QueryFilter(**kwargs)


def test_query_filter_to_api_shapes() -> None:
    assert QueryFilter(field="isActive", op="eq", value=True).to_api() == {
        "op": "eq",
        "field": "isActive",
        "value": True,
    }
    assert QueryFilter(field="id", op="exist").to_api() == {"op": "exist", "field": "id"}
    assert QueryFilter(field="companyType", op="in", value=[1, 3, 7]).to_api() == {
        "op": "in",
        "field": "companyType",
        "value": [1, 3, 7],
    }
    udf = QueryFilter(field="CustomerRanking", op="eq", value="Golden", udf=True)
    assert udf.to_api() == {"op": "eq", "field": "CustomerRanking", "value": "Golden", "udf": True}
    group = QueryFilter.or_(
        QueryFilter(field="lastname", op="eq", value="Smith"),
        {"op": "beginsWith", "field": "firstname", "value": "J"},
    )
    assert group.to_api() == {
        "op": "or",
        "items": [
            {"op": "eq", "field": "lastname", "value": "Smith"},
            {"op": "beginsWith", "field": "firstname", "value": "J"},
        ],
    }
    nested = QueryFilter(op="and", items=[group, QueryFilter(field="id", op="gt", value=3)])
    assert nested.to_api()["items"][0]["op"] == "or"


def test_booleans_stay_literal_and_datetimes_become_utc_strings() -> None:
    assert QueryFilter(field="isActive", op="eq", value=False).to_api()["value"] is False
    assert QueryFilter(field="n", op="eq", value=1).to_api()["value"] == 1
    aware = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert (
        QueryFilter(field="createDate", op="gte", value=aware).to_api()["value"]
        == "2026-01-01T10:00:00"
    )
    assert (
        QueryFilter(field="d", op="gte", value=dt.date(2026, 1, 2)).to_api()["value"]
        == "2026-01-02T00:00:00"
    )


_scalar = st.one_of(st.integers(-(10**6), 10**6), st.text(min_size=1, max_size=8), st.booleans())
_condition = st.one_of(
    st.builds(
        lambda f, op, v: QueryFilter(field=f, op=op, value=v),
        st.sampled_from(["id", "status", "title"]),
        st.sampled_from(
            ["eq", "noteq", "gt", "gte", "lt", "lte", "beginsWith", "endsWith", "contains"]
        ),
        _scalar,
    ),
    st.builds(
        lambda f, op: QueryFilter(field=f, op=op),
        st.sampled_from(["id", "x"]),
        st.sampled_from(["exist", "notExist"]),
    ),
    st.builds(
        lambda f, op, vs: QueryFilter(field=f, op=op, value=vs),
        st.sampled_from(["id"]),
        st.sampled_from(["in", "notIn"]),
        st.lists(st.integers(0, 99), min_size=1, max_size=5),
    ),
)
_filters = st.recursive(
    _condition,
    lambda inner: st.builds(
        lambda op, items: QueryFilter(op=op, items=items),
        st.sampled_from(["and", "or"]),
        st.lists(inner, min_size=1, max_size=3),
    ),
    max_leaves=8,
)


@given(_filters)
def test_query_filter_round_trips_through_the_api_shape(f: QueryFilter) -> None:
    assert QueryFilter.from_api(f.to_api()) == f


def test_response_models_accept_the_api_spelling() -> None:
    details = PageDetails.model_validate(
        {"count": 1, "requestCount": 500, "prevPageUrl": None, "nextPageUrl": "https://x/next"}
    )
    assert (details.count, details.request_count, details.next_page_url) == (
        1,
        500,
        "https://x/next",
    )
    assert details.model_dump(by_alias=True)["nextPageUrl"] == "https://x/next"
    assert CreateResponse.model_validate({"itemId": 4}).item_id == 4
    assert CreateResponse(item_id=4).model_dump(by_alias=True) == {"itemId": 4}
    zone = ZoneInfo.model_validate(
        {
            "zoneName": "AE",
            "url": "https://webservices15.autotask.net/ATServicesRest/",
            "webUrl": "w",
            "ci": 7,
        }
    )
    assert (zone.zone_name, zone.ci) == ("AE", 7)
    page = QueryResponse.model_validate(
        {"items": [{"id": 1}], "pageDetails": details.model_dump(by_alias=True)}
    )
    assert page.page_details.count == 1 and len(page) == 1


def test_field_metadata_from_a_captured_answer() -> None:
    captured = {  # apigrate capture of CompanyToDos/entityInformation/fields (2020, PascalCase name)
        "name": "ActionType",
        "dataType": "integer",
        "length": 0,
        "isRequired": True,
        "isReadOnly": False,
        "isQueryable": True,
        "isReference": False,
        "referenceEntityType": "",
        "isPickList": True,
        "picklistValues": [
            {
                "value": "0",
                "label": "Opportunity Update",
                "isDefaultValue": False,
                "sortOrder": 0,
                "parentValue": "",
                "isActive": True,
                "isSystem": True,
            },
        ],
        "picklistParentValueField": "",
        "isSupportedWebhookField": False,
    }
    field = FieldMetadata.model_validate(captured)
    assert field.is_picklist and field.is_required and field.data_type == "integer"
    assert field.reference_entity_type is None and field.picklist_parent_value_field is None
    assert field.picklist_labels() == {"0": "Opportunity Update"}
    # keys in another case (older captures) are read the same way
    assert FieldMetadata.model_validate({"Name": "x", "IsPickList": True}).is_picklist
    # UDF definitions say "type" where fields say "dataType"
    assert FieldMetadata.model_validate({"name": "u", "type": "string"}).data_type == "string"
    meta = EntityMetadata.model_validate(
        {"name": "Ticket", "canCreate": True, "hasUserDefinedFields": True}
    )
    assert meta.can_create and meta.has_user_defined_fields and not meta.can_delete


def test_reference_shapes_map_rest_field_names() -> None:
    att = AttachmentData.model_validate(
        {
            "id": 3,
            "parentID": 9,
            "fullPath": "a.txt",
            "fileSize": 3,
            "contentType": "text/plain",
            "attachDate": "2026-01-01T00:00:00",
            "attachedByResourceID": 4,
            "data": "YWJj",
        }
    )
    assert (att.parent_id, att.file_name, att.file_size, att.created_by) == (9, "a.txt", 3, 4)
    assert att.content() == b"abc"
    assert TicketData.model_validate({"id": 1, "companyID": 5, "title": "t"}).account_id == 5


@pytest.mark.parametrize(
    "module",
    [
        "autotask_pandas",
        "autotask_pandas.auth",
        "autotask_pandas.client",
        "autotask_pandas.exceptions",
        "autotask_pandas.types",
    ],
)
def test_public_modules_export_a_sorted_all(module: str) -> None:
    mod = importlib.import_module(module)
    assert mod.__all__ == sorted(mod.__all__)
    for name in mod.__all__:
        assert hasattr(mod, name), name


def test_filter_values_keep_milliseconds_and_every_decimal_digit() -> None:
    """pd.Timestamp prints nanoseconds and Decimal(float) loses digits; neither may reach the API."""
    import decimal

    import pandas as pd

    stamp = pd.Timestamp("2026-03-01T09:30:00.123456789Z")
    sent = QueryFilter(field="createDate", op="gte", value=stamp).to_api()["value"]
    assert sent == "2026-03-01T09:30:00.123456"
    millis = pd.Timestamp("2026-03-01T09:30:00.120Z")
    assert QueryFilter(field="d", op="gte", value=millis).to_api()["value"] == "2026-03-01T09:30:00.120"
    many = decimal.Decimal("12345678901234567.25")
    assert QueryFilter(field="n", op="eq", value=many).to_api()["value"] == "12345678901234567.25"
    assert QueryFilter(field="n", op="eq", value=decimal.Decimal("1.5")).to_api()["value"] == 1.5
    assert QueryFilter(field="n", op="in", value=[decimal.Decimal("7")]).to_api()["value"] == [7]
