"""Conformance: the sandbox serves every path and method of the official spec, with its bodies.

The spec is the trimmed copy committed under ``tests/spec`` (written by ``tools/generate_catalog.py``;
tests never read ``../shared``). Every operation is called in process, grouped per entity (one test
per entity collects every failure of that entity into one message):

- reads (queries, counts, get by id, child lists, metadata, services) must answer 200 with a body
  that validates against the operation's 200 response schema, except a get by id of an entity
  that has no rows, which must be the live API's 404 ``{"item": null}``;
- writes (POST/PUT/PATCH with an empty or id-only body, DELETE) must answer 200 (validated) or a
  validation error ``{"errors": [...]}``: the point is routing, so never the framework's 404/405
  ``{"Message": ...}``.

Path parameters are real: a get by id uses an existing row (found by querying the entity first),
a child route's ``parentId`` an existing parent, preferably one that has children.

A few paths the spec does NOT have are checked to get the live API's routing errors (FACTS §3, §5).
"""

from __future__ import annotations

import copy
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from helpers import auth_headers, new_sandbox

from autotask_pandas.catalog import load_catalog

SPEC = json.loads(
    (Path(__file__).resolve().parents[1] / "spec" / "autotask-rest-v1.trimmed.json").read_text(
        encoding="utf-8"
    )
)
CATALOG = load_catalog()
ALL_ROWS = {"filter": [{"op": "exist", "field": "id"}]}
MISSING_ID = 1_999_999_937  # an id no demo row has (ids are small; int64 in the spec)
SERVICES = "(services)"


# -- schemas --------------------------------------------------------------------------------------


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref.rsplit("/", 1)[-1]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _definitions(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec's definitions, adjusted to what the live API actually sends.

    - Every property may be null. Swagger 2.0 has no ``nullable``, and the spec marks no property
      required or nullable, yet the live API returns ``null`` for every empty field (FACTS §5,
      the apigrate Company capture: ``"additionalAddressInformation": null`` on a string field).
      Without this, no real row would validate. Array *elements* stay strict.
    - ``Object`` and ``RestUserAccessLevel`` are empty object schemas in the spec that stand for
      scalars (.NET ``object`` for ``itemId``/``isSupportedWebhookField``, an enum the generator did
      not describe for ``userAccessFor*``, values such as ``"All"``): any value. The same holds
      for a property typed ``{"type": "object"}`` with no properties (.NET ``object`` inline:
      ``UserDefinedFieldDefinitionModel.defaultValue``, a string such as ``"3"`` on the wire).
    - A definition the spec references but never defines (``AttachmentActionResult[...]``, the
      attachment DELETE's result) cannot constrain anything: any value; the test checks the
      ``itemId`` envelope of those answers itself.
    """
    defs = copy.deepcopy(spec["definitions"])
    for schema in defs.values():
        properties = schema.get("properties") or {}
        for name, prop in properties.items():
            if prop.get("type") == "object" and not prop.get("properties"):
                prop = {}
            properties[name] = {"anyOf": [prop, {"type": "null"}]}
    defs["Object"] = {}
    defs["RestUserAccessLevel"] = {}
    for ref in set(_refs(spec["paths"])) | set(_refs(spec["definitions"])):
        defs.setdefault(ref, {})
    return defs


DEFINITIONS = _definitions(SPEC)


@cache
def _validator(ref: str) -> jsonschema.Draft4Validator:
    schema = {"definitions": DEFINITIONS, "allOf": [{"$ref": f"#/definitions/{ref}"}]}
    return jsonschema.Draft4Validator(schema)


def _deepest(error: jsonschema.ValidationError) -> jsonschema.ValidationError:
    # The null-allowing anyOf hides the real reason one level down; report the deepest one.
    while error.context:
        error = max(error.context, key=lambda e: len(e.absolute_path))
    return error


def schema_problems(ref: str, body: Any) -> list[str]:
    """Why ``body`` does not validate against definition ``ref`` (at most three reasons)."""
    errors = [_deepest(e) for e in _validator(ref).iter_errors(body)]
    errors.sort(key=lambda e: [str(p) for p in e.absolute_path])
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<body>'}: {e.message[:160]}" for e in errors[:3]
    ]


# -- the spec's operations --------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    method: str  # upper case
    path: str  # the spec's template, e.g. /V1.0/Tickets/{parentId}/Notes/{id}
    kind: str  # query | count | get | metadata | service | markup | child_list | write | delete
    schema: str  # the 200 response's definition name
    group: str  # the entity the operation is about (child entity for child routes)
    parent: str | None = None  # child routes: the parent path segment
    child: str | None = None  # child routes: the child path segment

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _kind(method: str, parts: list[str], child: bool) -> str:
    tail = [p.lower() for p in parts[3 if child else 1 :]]
    if "entityinformation" in tail:
        return "metadata"
    if tail[-1:] == ["query"]:
        return "query"
    if tail[-2:] == ["query", "count"]:
        return "count"
    if tail[-1:] == ["{id}"]:
        return "get" if method == "GET" else "delete"
    if len(tail) == 2 and tail[0] == "{id}":
        return "markup"
    if not tail:
        return "child_list" if method == "GET" else "write"
    raise AssertionError(f"unclassified spec path {method} {'/'.join(parts)}")


def _operations() -> list[Operation]:
    ops = []
    for path, methods in SPEC["paths"].items():
        parts = path.split("/")[2:]  # after '' and 'V1.0'
        for method, op in methods.items():
            schema = op["responses"]["200"]["schema"]["$ref"].rsplit("/", 1)[-1]
            method = method.upper()
            if not path.startswith("/V1.0/") or CATALOG.get(parts[0]) is None and len(parts) == 1:
                ops.append(Operation(method, path, "service", schema, SERVICES))
                continue
            if len(parts) >= 3 and parts[1] == "{parentId}":
                found = CATALOG.child_route(parts[0], parts[2])
                group = found[0].name if found else f"{parts[0]}/{parts[2]}"
                kind = _kind(method, parts, child=True)
                ops.append(Operation(method, path, kind, schema, group, parts[0], parts[2]))
                continue
            entity = CATALOG.get(parts[0])
            group = entity.name if entity else parts[0]
            ops.append(Operation(method, path, _kind(method, parts, child=False), schema, group))
    return ops


OPERATIONS = _operations()
GROUPS: dict[str, list[Operation]] = defaultdict(list)
for _op in OPERATIONS:
    GROUPS[_op.group].append(_op)
READ_GROUPS = sorted(g for g, ops in GROUPS.items() if any(o.kind != "delete" for o in ops))
DELETE_GROUPS = sorted(g for g, ops in GROUPS.items() if any(o.kind == "delete" for o in ops))


def test_the_walk_covers_the_whole_spec() -> None:
    operations = sum(len(methods) for methods in SPEC["paths"].values())
    assert len(SPEC["paths"]) == 2012
    assert len(OPERATIONS) == operations == sum(len(ops) for ops in GROUPS.values())
    assert len({(o.method, o.path) for o in OPERATIONS}) == operations


# -- the tenant ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def conformance_api() -> Iterator[httpx.Client]:
    """A sandbox of its own: the walk sends ~3,900 requests and writes, so it must neither eat the
    session sandbox's hourly budget (latency starts at 50%) nor change rows other tests read."""
    with (
        new_sandbox(hourly_limit=1_000_000) as sb,
        httpx.Client(base_url=sb.url, headers=auth_headers(sb), transport=sb.transport()) as client,
    ):
        yield client


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text


class Tenant:
    """Finds real ids in the sandbox through the API itself (queries and child lists)."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self._rows: dict[str, list[dict]] = {}
        self._children: dict[tuple[str, str], tuple[int, int | None]] = {}

    def rows(
        self, entity: str, filter_: list[dict[str, Any]] | None = None, n: int = 1
    ) -> list[dict]:
        if not SPEC["paths"].get(f"/V1.0/{entity}/query", {}).get("post"):
            return []
        body = {"filter": filter_ or ALL_ROWS["filter"], "MaxRecords": n}
        key = json.dumps([entity, body])
        if key not in self._rows:
            response = self.client.post(f"V1.0/{entity}/query", json=body)
            ok = response.status_code == 200
            self._rows[key] = (_json(response).get("items") or []) if ok else []
        return self._rows[key]

    def first_id(self, entity: str) -> int | None:
        rows = self.rows(entity)
        return rows[0]["id"] if rows else None

    def child(self, op: Operation) -> tuple[int, int | None]:
        """A parent id for ``op``'s child route, and the id of one of its children (or None)."""
        assert op.parent and op.child
        if (op.parent, op.child) not in self._children:
            self._children[op.parent, op.child] = self._find_child(op.parent, op.child)
        return self._children[op.parent, op.child]

    def _find_child(self, parent: str, child: str) -> tuple[int, int | None]:
        found = CATALOG.child_route(parent, child)
        entity, route = found if found else (None, None)
        if entity is not None and route is not None and route.parent_field:
            rows = self.rows(entity.name, [{"op": "exist", "field": route.parent_field}])
            if rows and rows[0].get(route.parent_field) is not None:
                return rows[0][route.parent_field], rows[0]["id"]
        parents = [row["id"] for row in self.rows(parent, n=5)]
        list_path = f"/V1.0/{parent}/{{parentId}}/{child}"
        if "get" in SPEC["paths"].get(list_path, {}):
            for parent_id in parents:
                response = self.client.get(f"V1.0/{parent}/{parent_id}/{child}")
                items = _json(response).get("items") if response.status_code == 200 else None
                if items:
                    return parent_id, items[0]["id"]
        return (parents[0] if parents else 1), None


# -- checking one operation ------------------------------------------------------------------------


def _routing_error(response: httpx.Response, body: Any) -> bool:
    return response.status_code in (404, 405) and isinstance(body, dict) and "Message" in body


# Attachment operations: the spec types their query/list/get results as the bare attachment model
# (its generator could not see through the controllers' IHttpActionResult); the live API answers
# with envelopes (FACTS §5, §9), so the model is checked on the rows inside them. Queries and
# lists have the usual ``items``/``pageDetails``; the get by id under a parent is the exception
# to the exception: not ``{"item": {...}}`` but ``{"items": [ {...} ]}``, the envelope two clients
# written against the live API read it from (FACTS §5 "Get by id", §9 "Attachments").
def _attachment_model(op: Operation) -> bool:
    return op.schema.endswith("AttachmentModel") and op.kind in ("query", "child_list", "get")


def _attachment_get(op: Operation) -> bool:
    return _attachment_model(op) and op.kind == "get" and op.child == "Attachments"


def _the_item(op: Operation, body: dict[str, Any]) -> dict[str, Any]:
    """The row of a get by id's answer (see ``_attachment_model``)."""
    return body["items"][0] if _attachment_get(op) else body["item"]


def _check_body(op: Operation, body: Any) -> list[str]:
    if not isinstance(body, dict):
        return [f"not a JSON object: {str(body)[:200]}"]
    envelope = {
        "query": ("items", "pageDetails"),
        "child_list": ("items", "pageDetails"),
        "count": ("queryCount",),
        "get": ("item",),
        "write": ("itemId",),
        "delete": ("itemId",),
    }.get(op.kind, ())
    if _attachment_get(op):
        envelope = ("items",)
        if list(body) != ["items"] or not isinstance(body["items"], list) or len(body["items"]) != 1:
            return [f"not {{'items': [one row]}}: {json.dumps(body)[:200]}"]
    missing = [key for key in envelope if key not in body]
    if missing:
        return [f"envelope lacks {missing}: {json.dumps(body)[:200]}"]
    if _attachment_model(op):
        rows = body["items"] if "items" in body else [body["item"]]
        return [p for row in rows for p in schema_problems(op.schema, row)][:3]
    return schema_problems(op.schema, body)


def _check(op: Operation, response: httpx.Response, expect_missing: bool = False) -> str | None:
    body = _json(response)
    where = f"{op} -> {response.request.method} {response.request.url.raw_path.decode()[:160]}"
    if _routing_error(response, body):
        return f"{where}: routing error {response.status_code} {body}"
    status = response.status_code
    if op.kind in ("write", "delete"):
        if status == 200:
            problems = _check_body(op, body)
            return f"{where}: 200 body does not match {op.schema}: {problems}" if problems else None
        if isinstance(body, dict) and isinstance(body.get("errors"), list) and body["errors"]:
            return None
        return f"{where}: neither 200 nor an errors array: {status} {str(body)[:200]}"
    if expect_missing:
        if status == 404 and body == {"item": None}:
            return None
        return (
            f"{where}: a missing row should be 404 {{'item': null}}, got {status} {str(body)[:200]}"
        )
    if status != 200:
        return f"{where}: expected 200, got {status} {str(body)[:300]}"
    problems = _check_body(op, body)
    return f"{where}: body does not match {op.schema}: {problems}" if problems else None


def _request(client: httpx.Client, op: Operation, url: str, body: Any = None) -> httpx.Response:
    if op.kind in ("query", "count"):
        if op.method == "GET":
            return client.get(url, params={"search": json.dumps(ALL_ROWS)})
        return client.post(url, json=ALL_ROWS)
    if op.method in ("POST", "PUT", "PATCH"):
        return client.request(op.method, url, json=body if body is not None else {})
    return client.request(op.method, url)


def _run(tenant: Tenant, op: Operation) -> list[str]:
    """Call ``op`` with real ids; the failures found (empty when the sandbox is right)."""
    client = tenant.client
    template = op.path.removeprefix("/")
    if op.kind == "service":
        params = (
            {"user": client.headers["UserName"]} if op.path.endswith("ZoneInformation") else None
        )
        failure = _check(op, client.request(op.method, template, params=params))
        return [failure] if failure else []

    row_id: int | None
    if op.parent:
        parent_id, row_id = tenant.child(op)
        url = template.replace("{parentId}", str(parent_id))
    else:
        row_id = (
            tenant.first_id(op.group) if op.kind in ("get", "write", "markup", "delete") else None
        )
        url = template
        if op.kind == "markup" and row_id is None:
            # No invoice to render: a business error, not a routing one.
            response = client.get(url.replace("{id}", str(MISSING_ID)))
            body = _json(response)
            ok = response.status_code != 200 and isinstance(body, dict) and body.get("errors")
            return (
                [] if ok else [f"{op}: markup of a missing invoice: {response.status_code} {body}"]
            )

    if op.kind == "write":
        body = {"id": row_id} if op.method in ("PUT", "PATCH") and row_id is not None else {}
        failure = _check(op, _request(client, op, url, body))
        return [failure] if failure else []
    if "{id}" in url:
        url = url.replace("{id}", str(row_id if row_id is not None else MISSING_ID))
    response = _request(client, op, url)
    failure = _check(op, response, expect_missing=op.kind == "get" and row_id is None)
    failures = [failure] if failure else []
    if op.kind == "get" and row_id is not None and not failures:
        item = _the_item(op, _json(response))
        if item.get("id") != row_id:
            failures.append(f"{op}: asked for id {row_id}, got {item.get('id')}")
    if op.kind == "query" and op.method == "POST" and not failures:
        # The paging URL is not in the spec but the live API serves it (FACTS §5): a POSTed
        # query's next page is POSTed again with the same body, and answers the same schema.
        next_url = _json(response)["pageDetails"].get("nextPageUrl")
        if next_url:
            failure = _check(op, client.post(next_url, json=ALL_ROWS))
            failures += [f"next page: {failure}"] if failure else []
    return failures


@pytest.mark.parametrize("group", READ_GROUPS)
def test_spec_operations_are_served(conformance_api: httpx.Client, group: str) -> None:
    """Every non-delete operation of one entity: reads first (ids found before any write), then writes."""
    tenant = Tenant(conformance_api)
    ops = [o for o in GROUPS[group] if o.kind != "delete"]
    ops.sort(key=lambda o: o.kind == "write")
    failures = [f for op in ops for f in _run(tenant, op)]
    assert not failures, f"{len(failures)} of {len(ops)} operations of {group} fail:\n" + "\n".join(
        failures
    )


@pytest.mark.parametrize("group", DELETE_GROUPS)
def test_spec_deletes_are_served(conformance_api: httpx.Client, group: str) -> None:
    """DELETE on real rows, after every read test (defined later, so pytest runs these last)."""
    tenant = Tenant(conformance_api)
    ops = [o for o in GROUPS[group] if o.kind == "delete"]
    failures = [f for op in ops for f in _run(tenant, op)]
    assert not failures, f"{len(failures)} of {len(ops)} deletes of {group} fail:\n" + "\n".join(
        failures
    )


# -- paths the spec does not have ------------------------------------------------------------------


def _message(response: httpx.Response) -> str:
    body = _json(response)
    assert isinstance(body, dict) and set(body) == {"Message"}, body
    assert isinstance(body["Message"], str) and body["Message"]
    return body["Message"]


def test_patch_on_an_item_url_is_a_405(inproc_api: httpx.Client) -> None:
    # PATCH targets the collection URL with the id in the body (FACTS §3; n8n "405 on PATCH /{id}").
    response = inproc_api.patch("V1.0/Tickets/123", json={"id": 123, "title": "x"})
    assert response.status_code == 405
    assert "PATCH" in _message(response)


def test_get_on_a_collection_url_is_a_405(inproc_api: httpx.Client) -> None:
    # Observed live (I-ANT12): 405 {"Message": "The requested resource does not support http
    # method 'GET'."}, although Contacts takes no write at its root either.
    response = inproc_api.get("V1.0/Contacts")
    assert response.status_code == 405
    assert "GET" in _message(response)


def test_there_is_no_batch_endpoint(inproc_api: httpx.Client) -> None:
    response = inproc_api.post("V1.0/Tickets/batch", json=[{"title": "a"}, {"title": "b"}])
    # No route at all: ASP.NET's 404, naming the URI (FACTS §3).
    assert response.status_code == 404
    assert _message(response) == (
        f"No HTTP resource was found that matches the request URI '{response.request.url}'."
    )


def test_multipart_attachment_upload_is_unsupported_media_type(
    inproc_api: httpx.Client,
) -> None:
    # Attachments are base64 JSON (FACTS §9); ASP.NET refuses a multipart body before any handler.
    ticket = inproc_api.post("V1.0/Tickets/query", json={**ALL_ROWS, "MaxRecords": 1}).json()
    ticket_id = ticket["items"][0]["id"]
    response = inproc_api.post(
        f"V1.0/Tickets/{ticket_id}/Attachments",
        files={"file": ("notes.txt", b"hello", "text/plain")},
        data={"title": "notes"},
    )
    assert response.status_code == 415
    _message(response)


def test_get_on_a_posted_querys_next_page_is_a_405(inproc_api: httpx.Client) -> None:
    first = inproc_api.post("V1.0/Tickets/query", json=ALL_ROWS)
    assert first.status_code == 200
    next_url = first.json()["pageDetails"]["nextPageUrl"]
    assert next_url, "the demo tenant has more than 500 tickets"
    response = inproc_api.get(next_url)
    assert response.status_code == 405
    assert "GET" in _message(response)
    # ... while POSTing it with the same body is the way on (I-WYRE170).
    assert inproc_api.post(next_url, json=ALL_ROWS).status_code == 200
