"""``BaseEntity``: one Autotask entity, with the reference's methods over the client's.

Every method is a thin layer over ``AutotaskClient``: queries, paging, counts, single writes and
the ``batch_*`` many-writes all go through the client (its routing through parents, its one write
path, its limiter and retries). What this layer adds is the entity name and the field names: both
the API's (``companyName``) and the reference's snake_case (``company_name``) are accepted, and
SOAP-era names are mapped (see ``fields.py``).

``where(...)`` starts a lazy ``Query`` (the pandas layer): nothing is fetched until asked.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from autotask_pandas.catalog import EntityInfo, load_catalog
from autotask_pandas.client.fieldnames import map_field_list, map_filters, to_api_fields
from autotask_pandas.exceptions import AutotaskValidationError
from autotask_pandas.types import CreateResponse, FieldMetadata, QueryResponse

if TYPE_CHECKING:  # pragma: no cover
    from autotask_pandas.client import AutotaskClient
    from autotask_pandas.client.write_many import ProgressCallback
    from autotask_pandas.frames.lazy import Query

__all__ = ["BaseEntity"]


class BaseEntity:
    """Operations on one entity (``client.entities.tickets``, ``client.entities["Tickets"]``).

    ``query`` returns ONE page of at most ``max_records`` (1-500) rows, as the API does;
    ``get_next_page``, ``iter_query`` and ``query_all`` give the rest. ``update`` is a PATCH of the
    given fields and returns the API's answer (``{"itemId": id}``); ``replace`` is the PUT.
    Child entities (notes, contacts, attachments...) are written through their parent: pass the
    parent's id field (``ticketID=...``) or ``parent_id=``.
    """

    def __init__(self, client: AutotaskClient, entity_name: str) -> None:
        info = load_catalog().get(entity_name)
        if info is None:
            raise AutotaskValidationError(f"Autotask has no entity called {entity_name!r}")
        self.client = client
        self.info: EntityInfo = info

    @property
    def entity_name(self) -> str:
        """The API's name of the entity (``Tickets``)."""
        return self.info.name

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.entity_name}>"

    # -- field names ----------------------------------------------------------------------------

    def api_fields(self, data: Mapping[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
        """``data``/``fields`` with the API's field names; a name neither the catalog nor the
        server's field metadata knows is refused (the live API would silently ignore it)."""
        return to_api_fields(self.info, {**(data or {}), **fields}, live_fields=self._live_fields)

    def _live_fields(self) -> list[str]:
        return [f.name for f in self.client.get_field_metadata(self.entity_name)]

    def _filters(self, filters: Any) -> Any:
        return map_filters(self.info, filters)

    def field_metadata(self, field: str) -> FieldMetadata:
        """The API's metadata of one field (type, picklist values...), fetched once and cached."""
        name = self.api_fields({field: None}).popitem()[0]
        for meta in self.client.get_field_metadata(self.entity_name):
            if meta.name.lower() == name.lower():
                return meta
        raise AutotaskValidationError(f"the API reports no field {name!r} for {self.entity_name}")

    def picklist_value(self, field: str, value: int | str) -> int:
        """A picklist value from its number or its label (``"Complete"`` -> 5), as the tenant's
        field metadata defines it; a clear error naming the labels otherwise."""
        if isinstance(value, bool):
            raise AutotaskValidationError(f"{field} is a picklist value, not {value!r}")
        if isinstance(value, int):
            return value
        text = str(value).strip()
        if text.lstrip("-").isdigit():
            return int(text)
        meta = self.field_metadata(field)
        options = [p for p in meta.picklist_values or () if p.is_active]
        for p in options:
            if (p.label or "").lower() == text.lower():
                return int(p.value)
        labels = ", ".join(repr(p.label) for p in options) or "none"
        raise AutotaskValidationError(
            f"{text!r} is not a {self.entity_name} {meta.name} label; the tenant's labels: {labels}"
        )

    def picklist_default(self, field: str) -> int | None:
        """The tenant's default value of a picklist field (None when it has none, or when the
        server reports no such field)."""
        try:
            meta = self.field_metadata(field)
        except AutotaskValidationError:
            return None
        for p in meta.picklist_values or ():
            if p.is_default_value and p.is_active:
                return int(p.value)
        return None

    # -- reading --------------------------------------------------------------------------------

    def where(self, *conditions: Any, **equals: Any) -> Query:
        """A lazy query of this entity (filter-language text, QueryFilters, or ``field=value``);
        ``len()``, ``head()``, ``pages()``, ``to_pandas()`` fetch, nothing before."""
        from autotask_pandas.frames.lazy import Query  # the pandas layer builds on the entities

        return Query(self.client, self.entity_name).where(*conditions, **equals)

    def query(
        self,
        filters: Any = None,
        include_fields: Sequence[str] | None = None,
        max_records: int = 500,
        *,
        impersonation_resource_id: int | None = None,
    ) -> QueryResponse:
        """One page of at most ``max_records`` matching rows, in ascending id."""
        return self.client.query(
            self.entity_name,
            self._filters(filters),
            map_field_list(self.info, include_fields),
            max_records,
            impersonation_resource_id=impersonation_resource_id,
        )

    def get_next_page(self, current_response: QueryResponse) -> QueryResponse | None:
        """The page after ``current_response``; None after the last."""
        return self.client.get_next_page(current_response)

    def iter_pages(
        self,
        filters: Any = None,
        include_fields: Sequence[str] | None = None,
        *,
        page_size: int = 500,
    ) -> Iterator[QueryResponse]:
        """Every page of a query, fetched as the iteration reaches it."""
        return self.client.iter_pages(
            self.entity_name,
            self._filters(filters),
            map_field_list(self.info, include_fields),
            page_size=page_size,
        )

    def iter_query(
        self,
        filters: Any = None,
        include_fields: Sequence[str] | None = None,
        *,
        page_size: int = 500,
        limit: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every matching row exactly once, in ascending id, page by page."""
        return self.client.iter_query(
            self.entity_name,
            self._filters(filters),
            map_field_list(self.info, include_fields),
            page_size=page_size,
            limit=limit,
        )

    def query_all(
        self,
        filters: Any = None,
        include_fields: Sequence[str] | None = None,
        *,
        page_size: int = 500,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """``list(iter_query(...))``."""
        return list(self.iter_query(filters, include_fields, page_size=page_size, limit=limit))

    def count(self, filters: Any = None) -> int:
        """How many rows match (``/query/count``)."""
        return self.client.count(self.entity_name, self._filters(filters))

    def get(self, entity_id: int, *, parent_id: int | None = None) -> dict[str, Any] | None:
        """The record, or None when it does not exist."""
        return self.client.get(self.entity_name, entity_id, parent_id=parent_id)

    def query_by_id(self, entity_id: int) -> dict[str, Any] | None:
        """The reference's name for ``get``."""
        return self.get(entity_id)

    def list_children(self, parent_id: int) -> list[dict[str, Any]]:
        """Every record under one parent (``GET /{Parent}/{parentId}/{Child}``)."""
        return self.client.list_children(self.entity_name, parent_id)

    # -- writing --------------------------------------------------------------------------------

    def create(
        self,
        *,
        parent_id: int | None = None,
        impersonation_resource_id: int | None = None,
        **data: Any,
    ) -> CreateResponse:
        """Create a record; returns the new id (``CreateResponse.item_id``)."""
        return self.client.create_entity(
            self.entity_name,
            parent_id=parent_id,
            impersonation_resource_id=impersonation_resource_id,
            **self.api_fields(data),
        )

    def update(
        self,
        entity_id: int,
        *,
        parent_id: int | None = None,
        impersonation_resource_id: int | None = None,
        **data: Any,
    ) -> dict[str, Any]:
        """PATCH the given fields; returns the API's answer (``{"itemId": id}``)."""
        return self.client.update(
            self.entity_name,
            entity_id,
            parent_id=parent_id,
            impersonation_resource_id=impersonation_resource_id,
            **self.api_fields(data),
        )

    def replace(
        self,
        entity_id: int,
        *,
        parent_id: int | None = None,
        impersonation_resource_id: int | None = None,
        **data: Any,
    ) -> dict[str, Any]:
        """PUT the whole record: fields left out become null on the server."""
        return self.client.replace(
            self.entity_name,
            entity_id,
            parent_id=parent_id,
            impersonation_resource_id=impersonation_resource_id,
            **self.api_fields(data),
        )

    def delete(
        self,
        entity_id: int,
        *,
        parent_id: int | None = None,
        impersonation_resource_id: int | None = None,
    ) -> bool:
        """Delete where the API allows it; False when the record does not exist."""
        return self.client.delete(
            self.entity_name,
            entity_id,
            parent_id=parent_id,
            impersonation_resource_id=impersonation_resource_id,
        )

    def batch_create(
        self,
        entities_data: Iterable[Mapping[str, Any]],
        batch_size: int = 200,
        *,
        progress: bool | ProgressCallback | None = None,
    ) -> list[CreateResponse]:
        """Create many records concurrently; ids in input order. Any failure raises
        ``AutotaskBatchError`` carrying every item's result (see ``AutotaskClient.batch_create``)."""
        return self.client.batch_create(
            self.entity_name, self._many(entities_data), batch_size, progress=progress
        )

    def batch_update(
        self,
        entities_data: Iterable[Mapping[str, Any]],
        batch_size: int = 200,
        *,
        progress: bool | ProgressCallback | None = None,
    ) -> list[dict[str, Any]]:
        """PATCH many records (each dict carries its ``id``); answers in input order."""
        return self.client.batch_update(
            self.entity_name, self._many(entities_data), batch_size, progress=progress
        )

    def batch_delete(
        self,
        entity_ids: Iterable[int],
        batch_size: int = 200,
        *,
        progress: bool | ProgressCallback | None = None,
    ) -> list[bool]:
        """Delete many records: True per deleted id, False where it did not exist."""
        return self.client.batch_delete(
            self.entity_name, list(entity_ids), batch_size, progress=progress
        )

    def _many(self, entities_data: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        # Every item is checked before the first request: one bad name, nothing is sent.
        out: list[dict[str, Any]] = []
        problems: list[str] = []
        for index, data in enumerate(entities_data):
            try:
                out.append(self.api_fields(data))
            except AutotaskValidationError as exc:
                problems.append(f"item {index}: {exc}")
        if problems:
            raise AutotaskValidationError("; ".join(problems[:5]))
        return out
