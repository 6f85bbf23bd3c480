"""Which URL an operation on an entity goes to, decided from the generated catalog.

An operation goes to the entity's root collection when the spec offers it there, otherwise
through a parent: a Contact is created under ``Companies/{companyID}/Contacts``, a TicketNote under
``Tickets/{ticketID}/Notes``. The parent id comes from the field that refers to the parent entity
(catalog ``FieldInfo.reference``), from ``parent_id`` when given explicitly, or - for updates and
deletes of an existing record - from the record itself (one GET, done by the caller).

Catalog op names: root ``query count get create update patch delete``; child ``list get create
update patch delete``. ``update`` is PUT (replace), ``patch`` is PATCH.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from autotask_pandas.catalog import Catalog, ChildRoute, EntityInfo
from autotask_pandas.exceptions import AutotaskValidationError

__all__ = ["Route", "Router", "find_key"]

# Parent-id fields the catalog cannot infer (the field's name does not follow the parent's):
# the names are the entity models' own, the pairing is read off the child URL.

_OP_WORDS = {
    "create": "create",
    "patch": "update (PATCH)",
    "update": "replace (PUT)",
    "delete": "delete",
    "get": "get by id",
    "query": "query",
    "count": "count",
}


def find_key(data: Mapping[str, Any], name: str) -> str | None:
    """The key of ``data`` that is ``name`` ignoring case (the API ignores case in field names)."""
    if name in data:
        return name
    lowered = name.lower()
    for key in data:
        if isinstance(key, str) and key.lower() == lowered:
            return key
    return None


@dataclass(frozen=True, slots=True)
class Route:
    """Where one operation goes: the root collection, or a parent's child collection."""

    entity: EntityInfo
    op: str
    child: ChildRoute | None = None
    parent_field: str | None = None

    @property
    def needs_parent(self) -> bool:
        return self.child is not None

    def collection_path(self, parent_id: int | None = None) -> str:
        """``Tickets`` or ``Companies/12/Contacts`` (relative to ``…/V1.0/``)."""
        if self.child is None:
            return self.entity.name
        if parent_id is None:
            raise AutotaskValidationError(
                f"{self.entity.name} {_OP_WORDS.get(self.op, self.op)} goes through "
                f"{self.child.parent}/{{parentId}}/{self.child.name}: the parent id is missing"
            )
        return f"{self.child.parent}/{int(parent_id)}/{self.child.name}"

    def item_path(self, entity_id: int, parent_id: int | None = None) -> str:
        return f"{self.collection_path(parent_id)}/{int(entity_id)}"


class Router:
    """Entity names (any case) to catalog entries, and operations to routes."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def entity(self, name: str) -> EntityInfo:
        if not isinstance(name, str) or not name:
            raise AutotaskValidationError(f"an entity name is a non-empty string, got {name!r}")
        info = self.catalog.get(name)
        if info is None:
            raise AutotaskValidationError(
                f"Autotask has no entity called {name!r} (names are plural, e.g. 'Tickets')"
            )
        return info

    def route(
        self,
        entity: str | EntityInfo,
        op: str,
        *,
        prefer_child: bool = False,
        body: Mapping[str, Any] | None = None,
    ) -> Route:
        """The route of ``op``; a clear error (before any request) when the API has none."""
        info = entity if isinstance(entity, EntityInfo) else self.entity(entity)
        child_op = "list" if op == "query" else op
        children = [c for c in info.children if child_op in c.ops]
        if op in info.ops and not (prefer_child and children):
            return Route(info, op)
        if children:
            chosen = children[0]
            if body is not None and len(children) > 1:
                for child in children:  # the parent whose id the body carries
                    field = self.parent_field(info, child)
                    if field and find_key(body, field) is not None:
                        chosen = child
                        break
            return Route(info, op, chosen, self.parent_field(info, chosen))
        allowed = sorted(info.ops | {o for c in info.children for o in c.ops})
        raise AutotaskValidationError(
            f"the Autotask API does not allow {_OP_WORDS.get(op, op)} on {info.name} "
            f"(it allows: {', '.join(allowed) or 'nothing'}); no request was sent"
        )

    def parent_field(self, info: EntityInfo, child: ChildRoute) -> str | None:
        """The field of ``info`` holding the id of ``child.parent`` (None when it has none): worked
        out once, from the spec, by the catalog generator."""
        return child.parent_field
