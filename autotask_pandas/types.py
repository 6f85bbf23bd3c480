"""The data the client sends and receives, as pydantic models.

Attribute names are snake_case as the py-autotask reference gives them; each accepts the API's
camelCase spelling too (``PageDetails(nextPageUrl=...)``), and ``model_dump(by_alias=True)`` gives
the API's spelling back. Metadata keys are matched without regard to case, because captures of the
live API show both ``isPickList`` and ``IsPickList`` styles over the years.

``QueryFilter`` is the one representation of a filter condition or and/or group; ``to_api()`` gives
the JSON the API expects. It refuses, at construction, what the live API would silently
misinterpret: an unknown operator (the API drops it and returns unfiltered rows), ``exist`` with a
value, a scalar ``in``, a null value.
"""

from __future__ import annotations

import base64
import datetime as _dt
import decimal
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

__all__ = [
    "AttachmentData",
    "CompanyData",
    "CreateResponse",
    "EntityDict",
    "EntityMetadata",
    "FieldMetadata",
    "FilterOperation",
    "GroupOperation",
    "PageDetails",
    "PicklistValue",
    "QueryFilter",
    "QueryResponse",
    "ThresholdInfo",
    "TicketData",
    "WriteAction",
    "WriteOperation",
    "WriteResult",
    "WriteStatus",
    "ZoneInfo",
    "decimal_json",
]

EntityDict = dict[str, Any]


class FilterOperation(str, enum.Enum):
    """The comparison operators of the live API, spelled as it spells them.

    ``NE`` is an alias of ``NOTEQ`` for readers of the reference: the API itself knows no ``ne``
    (it would silently ignore the condition), so it is always sent as ``noteq``. Lookup by value
    ignores case (``FilterOperation("beginswith")``), the API spelling is what goes out.
    """

    EQ = "eq"
    NOTEQ = "noteq"
    NE = "noteq"  # noqa: PIE796 - a deliberate alias, see above
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"
    BEGINS_WITH = "beginsWith"
    ENDS_WITH = "endsWith"
    CONTAINS = "contains"
    EXIST = "exist"
    NOT_EXIST = "notExist"
    IN = "in"
    NOT_IN = "notIn"

    @classmethod
    def _missing_(cls, value: object) -> FilterOperation | None:
        if isinstance(value, str):
            for member in cls:
                if member.value.lower() == value.lower():
                    return member
        return None

    def __str__(self) -> str:
        return self.value


class GroupOperation(str, enum.Enum):
    """The two ways to combine conditions: ``{"op": "and"|"or", "items": [...]}``."""

    AND = "and"
    OR = "or"

    @classmethod
    def _missing_(cls, value: object) -> GroupOperation | None:
        if isinstance(value, str):
            return {"and": cls.AND, "or": cls.OR}.get(value.lower())
        return None

    def __str__(self) -> str:
        return self.value


_NO_VALUE_OPS = frozenset({FilterOperation.EXIST, FilterOperation.NOT_EXIST})
_LIST_OPS = frozenset({FilterOperation.IN, FilterOperation.NOT_IN})
_SCALAR_TYPES = (str, int, float, bool, decimal.Decimal, _dt.date, _dt.datetime, enum.Enum)


def decimal_json(value: decimal.Decimal) -> int | float | str:
    """A finite ``Decimal`` as JSON without losing a digit: an ``int`` when whole, a ``float`` when
    a double holds it exactly, else its text (which the API's .NET decimal parser reads)."""
    if value == value.to_integral_value():
        return int(value)
    number = float(value)
    if decimal.Decimal(repr(number)) == value:
        return number
    return format(value, "f")


def _api_scalar(value: Any) -> Any:
    """A filter value as JSON: booleans stay literal, datetimes become ISO strings in UTC."""
    if isinstance(value, bool):
        return value
    if isinstance(value, enum.Enum):
        return _api_scalar(value.value)
    if isinstance(value, _dt.datetime):
        if value.tzinfo is not None:  # the API stores and compares UTC
            value = value.astimezone(_dt.UTC).replace(tzinfo=None)
        # A plain datetime, also for pd.Timestamp, whose isoformat prints nanoseconds (which
        # .NET's parser refuses past seven digits). The API takes ``ss.ms`` (FACTS §6); the
        # digits given are kept up to microseconds, so the instant compared is the one written.
        plain = _dt.datetime(
            value.year, value.month, value.day, value.hour, value.minute, value.second,
            value.microsecond,
        )
        micro = plain.microsecond
        spec = "seconds" if not micro else "milliseconds" if not micro % 1000 else "microseconds"
        return plain.isoformat(timespec=spec)
    if isinstance(value, _dt.date):
        return value.isoformat() + "T00:00:00"
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            raise ValueError(f"{value!r} cannot be sent in a filter: JSON has no infinity or NaN")
        return decimal_json(value)
    return value


class QueryFilter(BaseModel):
    """One condition (``field op value``) or a group (``and``/``or`` over ``items``).

    >>> QueryFilter(field="status", op="noteq", value=5).to_api()
    {'op': 'noteq', 'field': 'status', 'value': 5}
    >>> QueryFilter.or_(QueryFilter(field="a", op="eq", value=1),
    ...                 QueryFilter(field="b", op="exist")).to_api()["op"]
    'or'
    """

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    op: FilterOperation | GroupOperation
    field: str | None = None
    value: Any = None
    udf: bool = False
    items: tuple[QueryFilter, ...] | None = None

    @field_validator("op", mode="before")
    @classmethod
    def _parse_op(cls, op: Any) -> Any:
        if isinstance(op, (FilterOperation, GroupOperation)):
            return op
        if isinstance(op, str):
            for kind in (FilterOperation, GroupOperation):
                try:
                    return kind(op)
                except ValueError:
                    pass
        raise ValueError(
            f"unknown filter operator {op!r}; the API knows "
            + ", ".join(sorted({m.value for m in FilterOperation}))
            + " and the groups and, or (an unknown operator is silently ignored by the live API)"
        )

    @model_validator(mode="after")
    def _check_shape(self) -> QueryFilter:
        op = self.op
        if isinstance(op, GroupOperation):
            if not self.items:
                raise ValueError(f"a group {op.value!r} needs a non-empty list of items")
            if self.field is not None or self.value is not None or self.udf:
                raise ValueError(f"a group {op.value!r} takes items only, no field/value/udf")
            return self
        if self.items is not None:
            raise ValueError(f"{op.value!r} is a condition; only 'and'/'or' take items")
        if not self.field or not isinstance(self.field, str):
            raise ValueError(f"the condition {op.value!r} needs a field name")
        value = self.value
        if op in _NO_VALUE_OPS:
            if value is not None:
                raise ValueError(f"{op.value!r} takes no value (got {value!r})")
        elif op in _LIST_OPS:
            if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
                raise ValueError(f"{op.value!r} takes a list of values (got {value!r})")
            values = list(value)
            if not values:
                raise ValueError(f"{op.value!r} needs at least one value")
            for v in values:
                if v is None or not isinstance(v, _SCALAR_TYPES):
                    raise ValueError(f"{op.value!r} values must be scalars (got {v!r})")
            object.__setattr__(self, "value", tuple(values))
        else:
            if value is None:
                raise ValueError(
                    f"{op.value!r} needs a value; the API refuses null "
                    "(use 'notExist' to find empty fields)"
                )
            if not isinstance(value, _SCALAR_TYPES):
                raise ValueError(f"{op.value!r} takes one scalar value (got {value!r})")
        return self

    # -- constructors -------------------------------------------------------------------------

    @classmethod
    def and_(cls, *items: QueryFilter | Mapping[str, Any]) -> QueryFilter:
        return cls(op=GroupOperation.AND, items=tuple(_as_filter(i) for i in items))

    @classmethod
    def or_(cls, *items: QueryFilter | Mapping[str, Any]) -> QueryFilter:
        return cls(op=GroupOperation.OR, items=tuple(_as_filter(i) for i in items))

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> QueryFilter:
        """Parse a filter dict as the API spells it (keys in any case)."""
        lowered = {str(k).lower(): v for k, v in data.items()}
        items = lowered.get("items")
        op: Any = lowered.get("op")  # checked by the validator
        return cls(
            op=op,
            field=lowered.get("field"),
            value=lowered.get("value"),
            udf=bool(lowered.get("udf", False)),
            items=None if items is None else tuple(_as_filter(i) for i in items),
        )

    # -- views --------------------------------------------------------------------------------

    @property
    def is_group(self) -> bool:
        return isinstance(self.op, GroupOperation)

    def walk(self) -> Iterable[QueryFilter]:
        """This filter and every condition/group nested in it."""
        yield self
        for item in self.items or ():
            yield from item.walk()

    def to_api(self) -> dict[str, Any]:
        """The JSON object the API expects."""
        if isinstance(self.op, GroupOperation):
            return {"op": self.op.value, "items": [i.to_api() for i in self.items or ()]}
        out: dict[str, Any] = {"op": self.op.value, "field": self.field}
        if self.op in _LIST_OPS:
            out["value"] = [_api_scalar(v) for v in self.value]
        elif self.op not in _NO_VALUE_OPS:
            out["value"] = _api_scalar(self.value)
        if self.udf:
            out["udf"] = True
        return out


def _as_filter(item: QueryFilter | Mapping[str, Any]) -> QueryFilter:
    if isinstance(item, QueryFilter):
        return item
    if isinstance(item, Mapping):
        return QueryFilter.from_api(item)
    raise TypeError(f"expected a QueryFilter or a dict, got {type(item).__name__}")


# -- responses ----------------------------------------------------------------------------------


class _ApiModel(BaseModel):
    """Snake_case attributes, camelCase aliases, keys matched without regard to case."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="allow", protected_namespaces=()
    )

    @model_validator(mode="before")
    @classmethod
    def _case_insensitive_keys(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        accepted: set[str] = set()
        by_lower: dict[str, str] = {}
        for name, info in cls.model_fields.items():
            for key in (*_aliases(info), name):
                accepted.add(key)
                by_lower.setdefault(key.lower(), key)
        out: dict[str, Any] = {}
        for key, value in data.items():
            key = str(key)
            target = key if key in accepted else by_lower.get(key.lower(), key)
            out.setdefault(target, value)
        return out


def _aliases(info: Any) -> list[str]:
    names: list[str] = []
    if isinstance(info.alias, str):
        names.append(info.alias)
    va = info.validation_alias
    if isinstance(va, str):
        names.append(va)
    elif isinstance(va, AliasChoices):
        names.extend(c for c in va.choices if isinstance(c, str))
    return names


class PageDetails(_ApiModel):
    """``pageDetails`` of a list response: ``count`` rows in this page, ``request_count`` asked."""

    count: int = 0
    request_count: int = 0
    prev_page_url: str | None = None
    next_page_url: str | None = None


class QueryResponse(_ApiModel):
    """One page of a query. ``get_next_page()`` on the client follows ``page_details``."""

    items: list[dict[str, Any]] = Field(default_factory=list)
    page_details: PageDetails = Field(default_factory=PageDetails)

    # How this page was asked for (entity, method, body, the rest of a split query), so the next
    # page is requested exactly like the first: a POSTed query's next page is POSTed with the body.
    _request: Any = PrivateAttr(default=None)

    @property
    def has_next_page(self) -> bool:
        state = self._request
        if self.page_details.next_page_url:
            return True
        return bool(state is not None and getattr(state, "has_more_parts", False))

    def __len__(self) -> int:
        return len(self.items)


class CreateResponse(_ApiModel):
    """``{"itemId": n}``: the id of the record a create made."""

    item_id: int


class ZoneInfo(_ApiModel):
    """Where a user's database lives: ``url`` is the API root (``…/ATServicesRest/``)."""

    zone_name: str | None = None
    url: str
    web_url: str | None = None
    ci: int | None = None


class ThresholdInfo(_ApiModel):
    """``/ThresholdInformation``: requests used of the rolling hour's budget."""

    external_request_threshold: int = 10_000
    request_threshold_timeframe: int = 60
    current_timeframe_request_count: int = 0

    @property
    def usage(self) -> float:
        """Fraction of the budget used, 0.0 to 1.0 (and beyond when exceeded)."""
        if self.external_request_threshold <= 0:
            return 0.0
        return self.current_timeframe_request_count / self.external_request_threshold


class PicklistValue(_ApiModel):
    value: str
    label: str | None = None
    is_default_value: bool = False
    sort_order: int | None = None
    parent_value: str | None = None
    is_active: bool = True
    is_system: bool = False

    @field_validator("value", "parent_value", mode="before")
    @classmethod
    def _as_text(cls, v: Any) -> Any:
        # Values are strings in metadata, integers on the entity; keep the metadata's form.
        return None if v is None else str(v)


class FieldMetadata(_ApiModel):
    """One field of ``entityInformation/fields`` (or a UDF definition, with ``is_udf``)."""

    name: str
    # fields say ``dataType``, UDF definitions ``type``
    data_type: str | None = Field(
        default=None, validation_alias=AliasChoices("dataType", "data_type", "type")
    )
    length: int | None = None
    is_required: bool = False
    is_read_only: bool = False
    is_queryable: bool = True
    is_reference: bool = False
    reference_entity_type: str | None = None
    is_picklist: bool = Field(
        default=False, validation_alias=AliasChoices("isPickList", "is_picklist", "isPicklist")
    )
    picklist_values: list[PicklistValue] | None = Field(
        default=None,
        validation_alias=AliasChoices("picklistValues", "picklist_values", "pickListValues"),
    )
    picklist_parent_value_field: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "picklistParentValueField", "picklist_parent_value_field", "pickListParentValueField"
        ),
    )
    is_supported_webhook_field: bool = False
    # UDF definitions carry these too
    label: str | None = None
    description: str | None = None
    default_value: Any = None
    is_udf: bool = False

    @field_validator("reference_entity_type", "picklist_parent_value_field", mode="after")
    @classmethod
    def _blank_is_none(cls, v: str | None) -> str | None:
        return v or None

    def picklist_labels(self, active_only: bool = False) -> dict[str, str]:
        """value -> label of a picklist field (empty for other fields)."""
        return {
            p.value: p.label or p.value
            for p in self.picklist_values or ()
            if p.is_active or not active_only
        }


class EntityMetadata(_ApiModel):
    """``entityInformation`` of one entity; ``fields`` is filled by ``get_entity_metadata``."""

    name: str
    can_create: bool = False
    can_delete: bool = False
    can_query: bool = False
    can_update: bool = False
    user_access_for_create: str | None = None
    user_access_for_delete: str | None = None
    user_access_for_query: str | None = None
    user_access_for_update: str | None = None
    has_user_defined_fields: bool = False
    supports_webhook_callouts: bool = False
    fields: list[FieldMetadata] = Field(default_factory=list)
    user_defined_fields: list[FieldMetadata] = Field(default_factory=list)

    def field(self, name: str) -> FieldMetadata | None:
        lowered = name.lower()
        for f in [*self.fields, *self.user_defined_fields]:
            if f.name.lower() == lowered:
                return f
        return None


# -- entity shapes of the reference -------------------------------------------------------------


def _alias(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class AttachmentData(_ApiModel):
    """An attachment as the reference shapes it, read from the API's attachment models.

    The API spells these ``parentID``, ``fullPath`` (the file name), ``fileSize``, ``contentType``,
    ``attachDate`` and ``attachedByResourceID``; ``data`` (base64) is present on get-by-id only.
    """

    id: int
    parent_type: str | None = Field(
        default=None, validation_alias=_alias("parent_type", "parentType")
    )
    parent_id: int | None = Field(default=None, validation_alias=_alias("parent_id", "parentID"))
    file_name: str | None = Field(
        default=None, validation_alias=_alias("file_name", "fullPath", "fileName")
    )
    file_size: int | None = Field(default=None, validation_alias=_alias("file_size", "fileSize"))
    content_type: str | None = Field(
        default=None, validation_alias=_alias("content_type", "contentType")
    )
    title: str | None = None
    description: str | None = None
    created_date_time: str | None = Field(
        default=None, validation_alias=_alias("created_date_time", "attachDate", "createdDateTime")
    )
    created_by: int | None = Field(
        default=None, validation_alias=_alias("created_by", "attachedByResourceID", "createdBy")
    )
    attachment_type: str | None = None
    publish: int | None = None
    data: str | None = None  # base64, as the API sends it

    @field_validator("parent_type", mode="before")
    @classmethod
    def _parent_type_text(cls, v: Any) -> Any:
        return None if v is None else str(v)

    def content(self) -> bytes:
        """The file's bytes (``data`` decoded); empty when the listing carried no data."""
        return base64.b64decode(self.data) if self.data else b""


class TicketData(_ApiModel):
    """A ticket with the reference's names; ``account_id`` is the REST ``companyID``."""

    id: int
    account_id: int | None = Field(
        default=None, validation_alias=_alias("account_id", "companyID", "accountID")
    )
    title: str | None = None
    description: str | None = None
    status: int | None = None
    priority: int | None = None
    assigned_resource_id: int | None = Field(
        default=None, validation_alias=_alias("assigned_resource_id", "assignedResourceID")
    )
    create_date: str | None = None
    ticket_number: str | None = None
    queue_id: int | None = Field(default=None, validation_alias=_alias("queue_id", "queueID"))


class CompanyData(_ApiModel):
    """A company with the reference's names."""

    id: int
    company_name: str | None = None
    company_type: int | None = None
    is_active: bool | None = None
    phone: str | None = None
    address1: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None


# -- writes: what the one write path takes and reports (client/write_many.py) -------------------

WriteAction = Literal["create", "update", "replace", "delete"]
WriteStatus = Literal["ok", "failed", "uncertain"]
_ACTIONS = ("create", "update", "replace", "delete")


@dataclass(frozen=True, slots=True)
class WriteOperation:
    """One write: ``create`` (POST), ``update`` (PATCH, only the given fields), ``replace`` (PUT,
    missing fields become null) or ``delete``.

    ``body`` holds the API's field names; ``entity_id`` is required except for creates. Child
    entities go through their parent: ``parent_id`` overrides the parent field of the body.
    """

    action: WriteAction
    entity: str
    body: Mapping[str, Any] = field(default_factory=dict)
    entity_id: int | None = None
    parent_id: int | None = None
    impersonation_resource_id: int | None = None

    def __post_init__(self) -> None:
        if self.action not in _ACTIONS:
            # A ValueError, like the models' own refusals: types.py imports nothing of ours.
            raise ValueError(
                f"unknown write action {self.action!r}; one of {', '.join(_ACTIONS)}"
            )

    @classmethod
    def create(cls, entity: str, body: Mapping[str, Any], **kw: Any) -> WriteOperation:
        return cls("create", entity, dict(body), **kw)

    @classmethod
    def update(
        cls, entity: str, entity_id: int, body: Mapping[str, Any], **kw: Any
    ) -> WriteOperation:
        return cls("update", entity, dict(body), entity_id=entity_id, **kw)

    @classmethod
    def replace(
        cls, entity: str, entity_id: int, body: Mapping[str, Any], **kw: Any
    ) -> WriteOperation:
        return cls("replace", entity, dict(body), entity_id=entity_id, **kw)

    @classmethod
    def delete(cls, entity: str, entity_id: int, **kw: Any) -> WriteOperation:
        return cls("delete", entity, {}, entity_id=entity_id, **kw)


@dataclass(frozen=True, slots=True)
class WriteResult:
    """What happened to one ``WriteOperation`` (``index`` is its position in the input)."""

    index: int
    operation: WriteOperation
    status: WriteStatus
    item_id: int | None = None
    response: Any = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def __repr__(self) -> str:
        extra = f", item_id={self.item_id}" if self.item_id is not None else ""
        if self.error is not None:
            extra += f", error={type(self.error).__name__}({str(self.error)!r})"
        return (
            f"WriteResult(index={self.index}, {self.operation.action} "
            f"{self.operation.entity}, status={self.status!r}{extra})"
        )
