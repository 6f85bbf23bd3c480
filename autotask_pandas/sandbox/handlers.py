"""The API operations the sandbox serves, one method per route handler name.

Handlers take a :class:`Call` (the resolved route plus the request's parts) and return
``(status, body)``; errors are raised as ``ApiError``/``RouteError`` and rendered by the app.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from ..catalog import Catalog, EntityInfo, FieldInfo
from . import tenant
from .errors import ApiError, RouteError
from .filters import MAX_OR_CONDITIONS, compile_filter, field_list, lower_keys
from .jsontext import read_json
from .limits import RequestBudget
from .metadata import MetadataBuilder
from .paging import PageCursor, first_page, page_url, parse_paging
from .routes import Route
from .store import Store
from .writes import Parent, WriteContext, Writer

__all__ = ["Call", "Handlers", "encode_json"]

MAX_PAGE = 500
API_VERSION = "V1.0"
APP_VERSION = {"majorVersion": "2026", "minorVersion": "2", "build": "0.sandbox"}
# Module keys as the live API reports them (shape observed: {"key": int, "value": bool}).
MODULES = [24, 36, 65, 66, 67, 68, 69, 70]


@dataclass(slots=True)
class Call:
    """One request, as the handlers need it."""

    route: Route
    method: str
    base_url: str  # the zone URL of this sandbox as the caller reached it, ending in '/'
    query: dict[str, str]
    body: Any
    ctx: WriteContext


def encode_json(payload: Any) -> bytes:
    """A response body as compact UTF-8 JSON (non-ASCII kept as is, as the live API sends it).

    orjson encodes a 500-row page several times faster than ``json.dumps`` (a large share of the
    sandbox's own time per page, see benchmarks/bench_sandbox.py). Integer dict keys become
    strings, as with ``json``; anything orjson refuses (an integer past 64 bits) falls back to
    ``json`` so the answer is the same either way.
    """
    try:
        return orjson.dumps(payload, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:
        return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def _parse_json_text(text: str) -> Any:
    try:
        return read_json(text)
    except ValueError:
        raise ApiError("The search parameter is not valid JSON.") from None


class Handlers:
    def __init__(
        self,
        catalog: Catalog,
        store: Store,
        meta: MetadataBuilder,
        writer: Writer,
        budget: RequestBudget,
        max_or_conditions: int = MAX_OR_CONDITIONS,
    ) -> None:
        self.catalog = catalog
        self.max_or_conditions = max_or_conditions
        self.store = store
        self.meta = meta
        self.writer = writer
        self.budget = budget
        self._invoice_settings: dict[int, dict[str, Any]] = {}  # per company (2026 routes)
        self._bool_columns: dict[tuple[str, ...], list[int]] = {}

    def dispatch(self, call: Call) -> tuple[int, Any]:
        handler: Callable[[Call], tuple[int, Any]] = getattr(self, call.route.handler)
        return handler(call)

    # -- rows -----------------------------------------------------------------------------

    def _items(
        self, entity: EntityInfo, columns: list[FieldInfo], rows: list[tuple[Any, ...]], with_data: bool = False
    ) -> list[dict[str, Any]]:
        names = [f.name for f in columns]
        bools = [i for i, f in enumerate(columns) if f.type == "boolean"]
        blobs = [i for i, f in enumerate(columns) if f.type == "base64"]
        items = []
        for row in rows:
            if bools or blobs:
                values = list(row)
                for i in bools:
                    if values[i] is not None:
                        values[i] = bool(values[i])
                for i in blobs:
                    # Lists leave file contents out; GET by id carries them (FACTS §5, §9).
                    values[i] = (
                        base64.b64encode(values[i]).decode() if with_data and values[i] else None
                    )
                items.append(dict(zip(names, values)))
            else:
                items.append(dict(zip(names, row)))
        if entity.has_udfs and items:
            udfs = self.store.udfs(entity.name, [item["id"] for item in items])
            for item in items:
                item["userDefinedFields"] = udfs.get(item["id"], [])
        return items

    # -- queries --------------------------------------------------------------------------

    def _query_model(self, call: Call) -> tuple[dict[str, Any], str | None]:
        """The QueryModel of a query call, and its original text when it came in the URL."""
        if call.method == "GET":
            text = call.query.get("search")
            if text is None:
                if call.route.handler == "next_page":
                    # A POSTed query's next page carries no search: only a POST can continue it.
                    raise RouteError(405, "The requested resource does not support http method 'GET'.")
                raise ApiError("The search parameter is required.")
            model = _parse_json_text(text)
        else:
            model, text = call.body, None
        if not isinstance(model, dict):
            raise ApiError("The query must be a JSON object with a filter.")
        return lower_keys(model), text

    def _compile(self, entity: EntityInfo, model: dict[str, Any]) -> tuple[str, list[Any]]:
        if "filter" not in model:
            # Reported live (FACTS §4, unconfirmed): no filter key is an error, [] matches nothing.
            raise ApiError("A query needs a filter; use {\"op\": \"exist\", \"field\": \"id\"} for every row.")
        if model["filter"] == []:
            return "0", []
        compiled = compile_filter(
            entity, model["filter"], self.meta.udf_types(entity), self.max_or_conditions
        )
        return compiled.where, compiled.params

    def _page_size(self, model: dict[str, Any]) -> int:
        size = model.get("maxrecords")
        if size is None:
            return MAX_PAGE
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_PAGE:
            raise ApiError("maxCountOfRecordsToReturn must be between 1 and 500")
        return size

    def _page(
        self, call: Call, entity: EntityInfo, model: dict[str, Any], text: str | None, cursor: PageCursor
    ) -> tuple[int, Any]:
        where, params = self._compile(entity, model)
        columns = field_list(entity, model.get("includefields")) or [
            f for f in entity.fields if f.name != "soapParentPropertyId"
        ]
        rows = self.store.select(
            entity.name, where, params, after_id=cursor.after_id, limit=cursor.page_size + 1, columns=columns
        )
        more = len(rows) > cursor.page_size
        rows = rows[: cursor.page_size]
        items = self._items(entity, columns, rows)
        next_url = prev_url = None
        if more:
            next_url = page_url(call.base_url, entity.name, cursor.next(rows[-1][0]), text)
        previous = cursor.previous()
        if previous is not None:
            prev_url = page_url(call.base_url, entity.name, previous, text)
        return 200, {
            "items": items,
            "pageDetails": {
                "count": len(items),
                "requestCount": cursor.page_size,
                "prevPageUrl": prev_url,
                "nextPageUrl": next_url,
            },
        }

    def query(self, call: Call) -> tuple[int, Any]:
        entity = call.route.entity
        assert entity is not None
        model, text = self._query_model(call)
        return self._page(call, entity, model, text, first_page(self._page_size(model)))

    def next_page(self, call: Call) -> tuple[int, Any]:
        entity = call.route.entity
        assert entity is not None
        token = call.query.get("paging")
        if not token:
            raise ApiError("The paging parameter is required.")
        cursor = parse_paging(token)
        model, text = self._query_model(call)
        return self._page(call, entity, model, text, cursor)

    def count(self, call: Call) -> tuple[int, Any]:
        entity = call.route.entity
        assert entity is not None
        model, _ = self._query_model(call)
        where, params = self._compile(entity, model)
        return 200, {"queryCount": self.store.count(entity.name, where, params)}

    def child_list(self, call: Call) -> tuple[int, Any]:
        entity, child = call.route.entity, call.route.child
        assert entity is not None and child is not None
        self._require_parent(call)
        columns = [f for f in entity.fields if f.name != "soapParentPropertyId"]
        if child.parent_field:
            where, params, hidden = f'"{child.parent_field}" = ?', [call.route.parent_id], None
        else:
            where, params, hidden = "1", [], call.route.parent_id
        rows = self.store.select(
            entity.name, where, params, limit=MAX_PAGE + 1, columns=columns, parent_id=hidden
        )
        next_url = None
        if len(rows) > MAX_PAGE and child.parent_field and "query" in entity.ops:
            search = json.dumps(
                {"filter": [{"op": "eq", "field": child.parent_field, "value": call.route.parent_id}]},
                separators=(",", ":"),
            )
            next_url = page_url(call.base_url, entity.name, first_page(MAX_PAGE).next(rows[MAX_PAGE - 1][0]), search)
        items = self._items(entity, columns, rows[:MAX_PAGE])
        return 200, {
            "items": items,
            "pageDetails": {
                "count": len(items),
                "requestCount": MAX_PAGE,
                "prevPageUrl": None,
                "nextPageUrl": next_url,
            },
        }

    # -- single rows ----------------------------------------------------------------------

    def _parent(self, call: Call) -> Parent | None:
        if call.route.child is None or call.route.parent_id is None:
            return None
        return Parent(call.route.child, call.route.parent_id)

    def _require_parent(self, call: Call) -> None:
        child = call.route.child
        assert child is not None and call.route.parent_id is not None
        parent = self.catalog.get(child.parent)
        if parent is not None and self.writer.missing(parent.name, call.route.parent_id):
            raise ApiError(f"{parent.singular} {call.route.parent_id} does not exist.")

    def get(self, call: Call) -> tuple[int, Any]:
        entity = call.route.entity
        assert entity is not None and call.route.row_id is not None
        columns = [f for f in entity.fields if f.name != "soapParentPropertyId"]
        rows = self.store.select(entity.name, "id = ?", [call.route.row_id], columns=columns)
        parent = self._parent(call)
        if rows and parent is not None:
            row = dict(zip((f.name for f in columns), rows[0]))
            if not self.writer.belongs(entity, row, call.route.row_id, parent):
                rows = []
        if not rows:
            return 404, {"item": None}
        item = self._items(entity, columns, rows, with_data=True)[0]
        child = call.route.child
        if child is not None and child.name.lower() == "attachments":
            # An attachment read under its parent comes in a list (the one call that carries the
            # file): two clients written against the live API read ``items`` here, one as
            # ``response.json()["items"][0]`` (FACTS §5 "Get by id", §9 "Attachments").
            return 200, {"items": [item]}
        return 200, {"item": item}

    def create(self, call: Call) -> tuple[int, Any]:
        entity = call.route.entity
        assert entity is not None
        return 200, {"itemId": self.writer.create(entity, call.body, call.ctx, self._parent(call))}

    def update(self, call: Call) -> tuple[int, Any]:
        entity = call.route.entity
        assert entity is not None
        return 200, {"itemId": self.writer.update(entity, call.body, call.ctx, self._parent(call))}

    def replace(self, call: Call) -> tuple[int, Any]:
        entity = call.route.entity
        assert entity is not None
        item_id = self.writer.update(entity, call.body, call.ctx, self._parent(call), replace=True)
        return 200, {"itemId": item_id}

    def delete(self, call: Call) -> tuple[int, Any]:
        entity = call.route.entity
        assert entity is not None and call.route.row_id is not None
        return 200, {"itemId": self.writer.delete(entity, call.route.row_id, self._parent(call))}

    # -- metadata -------------------------------------------------------------------------

    def entity_information(self, call: Call) -> tuple[int, Any]:
        assert call.route.entity is not None
        return 200, {"info": self.meta.info(call.route.entity.name)}

    def field_information(self, call: Call) -> tuple[int, Any]:
        assert call.route.entity is not None
        return 200, {"fields": self.meta.fields(call.route.entity.name)}

    def udf_information(self, call: Call) -> tuple[int, Any]:
        assert call.route.entity is not None
        return 200, {"fields": self.meta.udf_fields(call.route.entity.name)}

    def all_entity_information(self, call: Call) -> tuple[int, Any]:
        return 200, {"entityDescriptions": [{"info": self.meta.info(e.name)} for e in self.catalog]}

    # -- services -------------------------------------------------------------------------

    def version_information(self, call: Call) -> tuple[int, Any]:
        return 200, {"apiVersions": [API_VERSION]}

    def version(self, call: Call) -> tuple[int, Any]:
        return 200, dict(APP_VERSION)

    def zone_information(self, call: Call) -> tuple[int, Any]:
        user = call.query.get("user", "")
        if user.strip().lower() != tenant.DEMO_API_USER.username.lower():
            raise ApiError("Zone information could not be determined")
        return 200, {**tenant.ZONE, "url": call.base_url}

    def threshold_information(self, call: Call) -> tuple[int, Any]:
        return 200, self.budget.snapshot()

    def modules(self, call: Call) -> tuple[int, Any]:
        return 200, {"modules": [{"key": key, "value": True} for key in MODULES]}

    def authenticate(self, call: Call) -> tuple[int, Any]:
        # 2026 operation without a schema in any copy we have: answer who is authenticated.
        return 200, {"isAuthenticated": True, "resourceID": call.ctx.resource_id}

    def invoice_markup(self, call: Call) -> tuple[int, Any]:
        invoice_id = call.route.row_id
        assert invoice_id is not None
        if not self.store.exists("Invoices", invoice_id):
            raise ApiError(f"Invoice {invoice_id} does not exist.")
        kind = call.route.extra[0]
        if kind == "invoicemarkupxml":
            return 200, {"invoiceMarkup": f"<Invoice><id>{invoice_id}</id></Invoice>"}
        if kind == "invoicepdf":
            return 200, {"invoicePdf": base64.b64encode(b"%PDF-1.4\n%sandbox\n").decode()}
        return 200, {"invoiceMarkup": f"<html><body><h1>Invoice {invoice_id}</h1></body></html>"}

    def _settings_of(self, company_id: int) -> dict[str, Any]:
        if not self.store.exists("Companies", company_id):
            raise ApiError(f"Company {company_id} does not exist.")
        return self._invoice_settings.setdefault(
            company_id, {"companyID": company_id, "contactRecipients": [], "resourceRecipients": []}
        )

    def invoice_settings(self, call: Call) -> tuple[int, Any]:
        company_id = call.route.row_id
        assert company_id is not None
        settings = self._settings_of(company_id)
        if call.method == "PUT":
            if not isinstance(call.body, dict):
                raise ApiError("The body must be an invoice settings object.")
            settings.update({k: v for k, v in call.body.items() if k != "companyID"})
            return 200, {"itemId": company_id}
        return 200, {"item": settings}

    def invoice_recipients(self, call: Call) -> tuple[int, Any]:
        company_id = call.route.row_id
        assert company_id is not None
        settings = self._settings_of(company_id)
        key = "contactRecipients" if call.route.extra[0] == "contactrecipients" else "resourceRecipients"
        if call.method == "DELETE":
            recipient = call.route.parent_id
            if recipient not in settings[key]:
                raise ApiError(f"{recipient} is not an invoice recipient of company {company_id}.")
            settings[key].remove(recipient)
            return 200, {"itemId": recipient}
        ids = call.body if isinstance(call.body, list) else [call.body.get("id")] if isinstance(call.body, dict) else []
        for recipient in ids:
            if not isinstance(recipient, int):
                raise ApiError("Recipients are given by id.")
            if recipient not in settings[key]:
                settings[key].append(recipient)
        return 200, {"itemId": company_id}
