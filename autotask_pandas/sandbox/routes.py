"""URL routing for the sandbox: which handler serves a path, and which methods it allows.

Routes come from the catalog, so the sandbox serves exactly the paths the spec lists (plus the
paging URL ``/{Entity}/query/next``, which the spec omits but the live API serves). A path that
matches no route is a 404 and a known path asked with a method it lacks is a 405, both in the
framework's ``{"Message": ...}`` shape, as on the live API.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..catalog import Catalog, ChildRoute, EntityInfo
from .errors import METHOD_NOT_ALLOWED, NO_RESOURCE

__all__ = ["Route", "resolve"]

_SERVICES = {
    ("versioninformation",): ("version_information", {"GET"}),
    ("v1.0", "version"): ("version", {"GET"}),
    ("v1.0", "zoneinformation"): ("zone_information", {"GET"}),
    ("v1.0", "thresholdinformation"): ("threshold_information", {"GET"}),
    ("v1.0", "entityinformation"): ("all_entity_information", {"GET"}),
    ("v1.0", "modules"): ("modules", {"GET"}),
    ("v1.0", "authenticate"): ("authenticate", {"GET"}),
}
_METADATA = {
    ("entityinformation",): "entity_information",
    ("entityinformation", "fields"): "field_information",
    ("entityinformation", "userdefinedfields"): "udf_information",
}


@dataclass(frozen=True, slots=True)
class Route:
    """A resolved request: the handler's name and what the path carried."""

    handler: str
    entity: EntityInfo | None = None
    row_id: int | None = None
    child: ChildRoute | None = None
    parent_id: int | None = None
    extra: tuple[str, ...] = field(default=())

    @property
    def endpoint(self) -> str:
        """The "object endpoint" the thread limit counts per (FACTS §10)."""
        return self.entity.name if self.entity else self.handler


def _int(segment: str) -> int | None:
    try:
        return int(segment)
    except ValueError:
        return None


def _check(method: str, allowed: set[str], url: str) -> None:
    if not allowed:
        raise NO_RESOURCE(url)
    if method not in allowed:
        raise METHOD_NOT_ALLOWED(method)


def _item_methods(ops: frozenset[str]) -> set[str]:
    """Verbs of ``…/{id}``: GET where the entity can be read by id, DELETE where it can be deleted."""
    return {verb for op, verb in (("get", "GET"), ("delete", "DELETE")) if op in ops}


def _metadata_route(entity: EntityInfo, rest: list[str]) -> str | None:
    handler = _METADATA.get(tuple(s.lower() for s in rest))
    if handler == "udf_information" and not entity.has_udf_info:
        return None  # no such path in the spec: e.g. attachments (observed 404 live)
    return handler


def resolve(catalog: Catalog, method: str, segments: list[str], url: str) -> Route:
    """The route for ``segments`` (the path after /ATServicesRest, split on '/')."""
    lowered = tuple(s.lower() for s in segments)
    service = _SERVICES.get(lowered)
    if service:
        _check(method, service[1], url)
        return Route(service[0])
    if len(segments) < 2 or lowered[0] != "v1.0":
        raise NO_RESOURCE(url)
    rest = segments[1:]
    if lowered[1] == "invoices" and len(rest) == 3 and _int(rest[1]) is not None:
        kind = rest[2].lower()
        if kind in ("invoicemarkuphtml", "invoicemarkupxml", "invoicepdf"):
            _check(method, {"GET"}, url)
            return Route("invoice_markup", catalog["Invoices"], _int(rest[1]), extra=(kind,))
    if lowered[1] == "companies" and len(rest) >= 3 and lowered[3] == "invoicesettings":
        return _invoice_settings(method, rest, url)
    if len(rest) >= 3:
        found = catalog.child_route(rest[0], rest[2])
        parent_id = _int(rest[1])
        if found is not None and parent_id is not None:
            return _child_route(method, found[0], found[1], parent_id, rest[3:], url)
    entity = catalog.get(rest[0])
    if entity is not None:
        return _root_route(method, entity, rest[1:], url)
    raise NO_RESOURCE(url)


def _root_route(method: str, entity: EntityInfo, rest: list[str], url: str) -> Route:
    ops = entity.ops
    lowered = tuple(s.lower() for s in rest)
    if not rest:
        verbs = {"create": "POST", "update": "PUT", "patch": "PATCH"}
        allowed = {v for op, v in verbs.items() if op in ops}
        if not allowed and ops:
            # The entity's controller exists even when its root takes no write: the framework
            # answers 405, not 404 (observed live: GET /V1.0/Contacts, I-ANT12).
            raise METHOD_NOT_ALLOWED(method)
        _check(method, allowed, url)
        return Route({"POST": "create", "PUT": "replace", "PATCH": "update"}[method], entity)
    if lowered == ("query",):
        _check(method, {"GET", "POST"} if "query" in ops else set(), url)
        return Route("query", entity)
    if lowered == ("query", "count"):
        _check(method, {"GET", "POST"} if "count" in ops else set(), url)
        return Route("count", entity)
    if lowered == ("query", "next"):
        _check(method, {"GET", "POST"} if "query" in ops else set(), url)
        return Route("next_page", entity)
    if lowered[0] == "entityinformation":
        handler = _metadata_route(entity, rest)
        _check(method, {"GET"} if handler else set(), url)
        return Route(handler or "", entity)
    row_id = _int(rest[0])
    if row_id is not None and len(rest) == 1:
        _check(method, _item_methods(ops), url)
        return Route("get" if method == "GET" else "delete", entity, row_id)
    raise NO_RESOURCE(url)


def _child_route(
    method: str, entity: EntityInfo, child: ChildRoute, parent_id: int, rest: list[str], url: str
) -> Route:
    ops = child.ops
    if not rest:
        verbs = {"list": "GET", "create": "POST", "update": "PUT", "patch": "PATCH"}
        _check(method, {v for op, v in verbs.items() if op in ops}, url)
        handlers = {"GET": "child_list", "POST": "create", "PUT": "replace", "PATCH": "update"}
        return Route(handlers[method], entity, child=child, parent_id=parent_id)
    if rest[0].lower() == "entityinformation":
        handler = _metadata_route(entity, rest)
        _check(method, {"GET"} if handler else set(), url)
        return Route(handler or "", entity, child=child, parent_id=parent_id)
    row_id = _int(rest[0])
    if row_id is not None and len(rest) == 1:
        _check(method, _item_methods(ops), url)
        handler = "get" if method == "GET" else "delete"
        return Route(handler, entity, row_id, child=child, parent_id=parent_id)
    raise NO_RESOURCE(url)


def _invoice_settings(method: str, rest: list[str], url: str) -> Route:
    """``Companies/{id}/invoiceSettings`` and its recipients (2026 operations, no schema)."""
    company_id = _int(rest[1])
    tail = tuple(s.lower() for s in rest[3:])
    if company_id is None:
        raise NO_RESOURCE(url)
    if not tail:
        _check(method, {"GET", "PUT"}, url)
        return Route("invoice_settings", row_id=company_id)
    if tail in (("contactrecipients",), ("resourcerecipients",)):
        _check(method, {"POST"}, url)
        return Route("invoice_recipients", row_id=company_id, extra=(tail[0],))
    if len(tail) == 2 and tail[0] in ("contactrecipients", "resourcerecipients"):
        recipient = _int(rest[4])
        if recipient is None:
            raise NO_RESOURCE(url)
        _check(method, {"DELETE"}, url)
        return Route("invoice_recipients", row_id=company_id, parent_id=recipient, extra=(tail[0],))
    raise NO_RESOURCE(url)
