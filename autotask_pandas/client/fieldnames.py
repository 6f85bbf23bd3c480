"""Field names: the reference's snake_case and SOAP-era names to the REST API's, in one place.

The REST API spells fields in camelCase (``companyName``, ``assignedResourceID``) and ignores
case; the py-autotask reference passes snake_case parameters (``company_name``, ``account_id``)
and, in places, names from the older SOAP API (a ticket's ``accountID``). A name is resolved
against the entity's fields in the generated catalog:

1. the name itself, ignoring case (``companyname`` -> ``companyName``);
2. the name with its underscores removed, ignoring case (``postal_code`` -> ``postalCode``,
   ``assigned_resource_id`` -> ``assignedResourceID``);
3. a SOAP-era name from ``SOAP_NAMES`` (``accountID``/``account_id`` -> ``companyID``), used only
   when the entity has the REST field and no field of the SOAP name.

Writes are where this matters most: the live API silently ignores a property it does not know, so
``{"accountID": 5}`` would create a ticket without its company (or fail on a required field). The
client's one write path (and so the entities layer, the CLI and the pandas push) refuses an unknown
name before any write (``strict=True``), naming the closest fields - after asking the server's
field metadata (fetched once, cached), so a field added to the API after the vendored spec is
accepted. Entities added after the vendored spec (catalog ``spec == "2026"``) have no field list,
so their names always pass through.

Filters and ``include_fields`` are mapped too, leniently: an unknown name there is answered by the
API itself ("Unable to find … in the … Entity"), in the server's words.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from autotask_pandas.catalog import EntityInfo, load_catalog
from autotask_pandas.exceptions import AutotaskValidationError
from autotask_pandas.types import QueryFilter

__all__ = [
    "SOAP_NAMES",
    "api_field_name",
    "map_field_list",
    "map_filters",
    "to_api_fields",
]

#: SOAP-era field names (lower case, no underscores) and the REST field that replaced them.
#: The SOAP API called companies "accounts" and configuration items "installed products".
SOAP_NAMES: dict[str, str] = {
    "accountid": "companyID",
    "accountname": "companyName",
    "accountnumber": "companyNumber",
    "accounttype": "companyType",
    "accountphysicallocationid": "companyLocationID",
    "accountnoteid": "companyNoteID",
    "installedproductid": "configurationItemID",
    "allocationcodeid": "billingCodeID",
}

# Keys that are no catalog field but part of every entity's JSON.
_SPECIAL = {"id": "id", "userdefinedfields": "userDefinedFields"}


def _entity(entity: EntityInfo | str) -> EntityInfo:
    if isinstance(entity, EntityInfo):
        return entity
    info = load_catalog().get(entity)
    if info is None:
        raise AutotaskValidationError(f"Autotask has no entity called {entity!r}")
    return info


def _knows_fields(info: EntityInfo) -> bool:
    # Entities added after the vendored spec carry only ``id`` in the catalog.
    return info.spec != "2026"


def _squash(name: str) -> str:
    return name.replace("_", "").lower()


def api_field_name(entity: EntityInfo | str, name: str) -> str | None:
    """The API's spelling of field ``name`` of ``entity``, or None when the entity has no such
    field (``userDefinedFields`` and ``id`` are always known)."""
    info = _entity(entity)
    special = _SPECIAL.get(_squash(name))
    if special is not None:
        return special
    found = info.field(name)
    if found is None:
        squashed = _squash(name)
        found = next((f for f in info.fields if f.name.lower() == squashed), None)
        if found is None:
            target = SOAP_NAMES.get(squashed)
            found = info.field(target) if target else None
    return found.name if found is not None else None


def _suggest(info: EntityInfo, name: str) -> str:
    names = {f.name.lower(): f.name for f in info.fields}
    close = difflib.get_close_matches(_squash(name), list(names), n=3, cutoff=0.6)
    return f" (did you mean {', '.join(repr(names[c]) for c in close)}?)" if close else ""


def to_api_fields(
    entity: EntityInfo | str,
    data: Mapping[str, Any],
    *,
    strict: bool = True,
    live_fields: Callable[[], Iterable[str]] | None = None,
) -> dict[str, Any]:
    """``data`` with every key spelled as the API spells it.

    Two keys naming the same field with different values are refused. With ``strict`` an unknown
    name is refused too (the live API would silently drop it); without, it is kept as given.
    ``live_fields`` gives the field names the server reports (``entityInformation/fields``); it
    is asked only for a name the catalog does not know, so fields added to the API after the
    vendored spec are accepted.
    """
    info = _entity(entity)
    out: dict[str, Any] = {}
    given: dict[str, str] = {}
    unknown: list[str] = []
    live: dict[str, str] | None = None
    for key, value in data.items():
        key = str(key)
        api = api_field_name(info, key)
        if api is None and live_fields is not None:
            if live is None:
                live = {_squash(n): n for n in live_fields()}
            api = live.get(_squash(key))
        if api is None:
            if strict and _knows_fields(info):
                unknown.append(key)
                continue
            api = key
        if api in out and out[api] != value:
            raise AutotaskValidationError(
                f"{info.name}: {given[api]!r} and {key!r} both set the field {api!r} "
                f"({out[api]!r} vs {value!r}); give it once. No request was sent"
            )
        out[api] = value
        given.setdefault(api, key)
    if unknown:
        details = "; ".join(f"{name!r}{_suggest(info, name)}" for name in unknown)
        raise AutotaskValidationError(
            f"{info.name} has no field {details}. The API would silently ignore it, so no request "
            "was sent"
        )
    return out


def map_field_list(entity: EntityInfo | str, names: Iterable[str] | str | None) -> list[str] | None:
    """``include_fields`` in the API's spelling (unknown names are left for the server)."""
    if names is None:
        return None
    info = _entity(entity)
    items = [names] if isinstance(names, str) else list(names)
    return [api_field_name(info, str(n)) or str(n) for n in items]


def _map_filter(info: EntityInfo, item: QueryFilter) -> QueryFilter:
    if item.items:
        return item.model_copy(update={"items": tuple(_map_filter(info, i) for i in item.items)})
    if item.udf or item.field is None:
        return item  # UDF names are the tenant's, not the catalog's
    api = api_field_name(info, item.field)
    if api is None or api == item.field:
        return item
    return item.model_copy(update={"field": api})


def map_filters(entity: EntityInfo | str, filters: Any) -> Any:
    """Filters (a QueryFilter, an API-shaped dict, or a list of them) with field names in the
    API's spelling; anything else is returned unchanged for the client to judge."""
    if filters is None:
        return None
    info = _entity(entity)
    single = isinstance(filters, (QueryFilter, Mapping))
    items = [filters] if single else filters
    try:
        items = list(items)
    except TypeError:
        return filters
    out: list[Any] = []
    for item in items:
        if isinstance(item, Mapping):
            try:
                item = QueryFilter.from_api(item)
            except (ValueError, TypeError):
                out.append(item)  # the client explains what is wrong with it
                continue
        out.append(_map_filter(info, item) if isinstance(item, QueryFilter) else item)
    return out
