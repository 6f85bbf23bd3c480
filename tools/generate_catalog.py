"""Generate the entity catalog (and the test copy of the spec) from the official Autotask Swagger.

Run from the repository root:

    python tools/generate_catalog.py [--shared ../shared]

Reads ``autotask-api/openapi/autotask-rest-v1.swagger.json`` (the vendored 2022 spec, with schemas)
and ``autotask-api/openapi/autotask-operations-index-2026.json`` (operations added since, no schemas)
and writes two committed files:

* ``autotask_pandas/catalog/catalog.json``: every entity, its root and child routes, the operations
  each route allows, its fields with types, whether it carries UDFs. The package reads only this file
  at run time.
* ``tests/spec/autotask-rest-v1.trimmed.json``: the spec's paths, methods and response schemas (the
  repeated auth-header parameters dropped) so the conformance test can walk the real contract
  without needing ``../shared``.

Field references (``companyID`` -> ``Companies``) are not in the spec; they are inferred here from the
field name, by the longest camel-case suffix before ``ID`` that names an entity, and marked as such.

Each entity's *last-modified* field (``modified``: the datetime the server sets on every write, which
incremental refresh filters on) is not marked in the spec either (its properties carry no
descriptions, and FACTS.md says nothing of them): it is the first of ``MODIFIED_FIELDS`` the model
has, by name. Entities with none of them get no ``modified`` key.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SPEC_REL = "autotask-api/openapi/autotask-rest-v1.swagger.json"
INDEX_REL = "autotask-api/openapi/autotask-operations-index-2026.json"

# operationId suffix -> our operation name
ROOT_OPS = {
    "Query": "query",
    "UrlParameterQuery": "query",
    "QueryCount": "count",
    "UrlParameterQueryCount": "count",
    "QueryItem": "get",
    "CreateEntity": "create",
    "UpdateEntity": "update",
    "PatchEntity": "patch",
    "DeleteEntity": "delete",
}
CHILD_OPS = {**ROOT_OPS, "Query": "list"}
METADATA_OPS = {
    "QueryEntityInformation",
    "QueryFieldDefinitions",
    "QueryUserDefinedFieldDefinitions",
}

SWAGGER_TYPES = {
    ("integer", "int32"): "integer",
    ("integer", "int64"): "long",
    ("number", "double"): "double",
    ("string", None): "string",
    ("string", "date-time"): "datetime",
    ("string", "byte"): "base64",
    ("boolean", None): "boolean",
    ("object", None): "string",
}

MODEL_RE = re.compile(r"\[(\w+)Model,")

# Names of a datetime the server stamps on every write, most specific first: "modified" names say
# what they are; "activity" names (Tickets, Companies, Projects) are the entity's own change stamp
# where it has no "modified" one. Not "lastTrackedModification..." (tracked fields only) nor
# "statusLastModifiedDate" (one field's change).
MODIFIED_FIELDS = (
    "lastModifiedDateTime",
    "lastModifiedDate",
    "lastModifiedTime",
    "updateDateTime",
    "lastActivityDate",
    "lastActivityDateTime",
    "lastActivity",
)


def camel_parts(name: str) -> list[str]:
    return re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", name)


def singular_of(entity: str) -> str:
    """A best guess for entities the vendored spec has no model for (added since 2022)."""
    if entity.endswith("ies"):
        return entity[:-3] + "y"
    return entity.removesuffix("s")


def model_of(op: dict[str, Any]) -> str | None:
    """The entity model an operation reads or writes (``TicketModel`` -> ``Ticket``)."""
    for param in op.get("parameters", []):
        ref = param.get("schema", {}).get("$ref", "")
        if ref.endswith("Model") and param.get("in") == "body" and "QueryModel" not in ref:
            return ref.rsplit("/", 1)[1][: -len("Model")]
    ref = op.get("responses", {}).get("200", {}).get("schema", {}).get("$ref", "")
    found = MODEL_RE.search(ref)
    return found.group(1) if found else None


def fields_of(definition: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
    fields: list[dict[str, Any]] = []
    has_udfs = False
    for name, prop in definition.get("properties", {}).items():
        if name == "userDefinedFields":
            has_udfs = True
            continue
        if "$ref" in prop:  # C# expression trees leaked into the schema; never sent on the wire
            continue
        kind = SWAGGER_TYPES[(prop.get("type"), prop.get("format"))]
        field: dict[str, Any] = {"name": name, "type": kind}
        if prop.get("readOnly"):
            field["readOnly"] = True
        fields.append(field)
    return fields, has_udfs


def modified_field(fields: list[dict[str, Any]]) -> str | None:
    """The entity's last-modified datetime field (see ``MODIFIED_FIELDS``), or None."""
    datetimes = {f["name"] for f in fields if f["type"] == "datetime"}
    return next((name for name in MODIFIED_FIELDS if name in datetimes), None)


def infer_references(entities: dict[str, dict[str, Any]]) -> None:
    by_singular = {e["singular"].lower(): name for name, e in entities.items()}
    for entity in entities.values():
        for field in entity["fields"]:
            name = field["name"]
            if field["type"] not in ("integer", "long") or not name.endswith("ID") or name == "id":
                continue
            parts = camel_parts(name[:-2])
            if parts[-1] == "Role":  # assignedResourceRoleID and kin point at Roles, not ResourceRoles
                parts = parts[-1:]
            for start in range(len(parts)):
                target = by_singular.get("".join(parts[start:]).lower())
                if target:
                    field["ref"] = target
                    break


# Child routes whose parent segment is not itself an entity name.
PARENT_ALIASES = {"Expenses": "ExpenseReports", "UserDefinedFields": "UserDefinedFieldDefinitions"}
# Parent fields whose names do not follow from the parent: SOAP-era names (an InstalledProduct
# is a ConfigurationItem) and a predecessor link, whose parent is the successor task.
LEGACY_PARENT_FIELDS = {
    "ConfigurationItems": "installedProductID",
    "KnowledgeBaseCategories": "articleCategoryID",
    "Tasks": "successorTaskID",
    "UserDefinedFieldDefinitions": "udfFieldID",
}


def parent_field(child: dict[str, Any], route: dict[str, Any], entities: dict[str, Any]) -> str | None:
    """The child's field that holds the id in ``/{parent}/{parentId}/{name}``, or None."""
    parent = PARENT_ALIASES.get(route["parent"], route["parent"])
    names = {f["name"].lower(): f["name"] for f in child["fields"]}
    singular = entities[parent]["singular"] if parent in entities else parent.removesuffix("s")
    if singular.lower() + "id" in names:
        return names[singular.lower() + "id"]
    refs = [f["name"] for f in child["fields"] if f.get("ref") == parent]
    if len(refs) == 1:
        return refs[0]
    if parent.endswith("Webhooks") and "webhookid" in names:
        return names["webhookid"]
    legacy = LEGACY_PARENT_FIELDS.get(parent, "").lower()
    if legacy in names:
        return names[legacy]
    # articleID under KnowledgeBaseArticles, orderID under PurchaseOrders: a suffix of the parent.
    for lower, name in names.items():
        stem = lower.removesuffix("id")
        if lower.endswith("id") and len(stem) > 3 and singular.lower().endswith(stem):
            return name
    return None


def build(shared: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    spec_bytes = (shared / SPEC_REL).read_bytes()
    spec = json.loads(spec_bytes)
    index = json.loads((shared / INDEX_REL).read_text())
    definitions = spec["definitions"]

    roots = sorted(
        p.split("/")[2]
        for p in spec["paths"]
        if p.endswith("/entityInformation") and p.count("/") == 3
    )
    entities: dict[str, dict[str, Any]] = {}
    model_to_entity: dict[str, str] = {}
    root_ops: dict[str, set[str]] = defaultdict(set)
    udf_info: set[str] = set()
    for path, methods in spec["paths"].items():
        parts = path.split("/")
        if len(parts) < 3 or parts[2] not in roots or "{parentId}" in path:
            continue
        entity = parts[2]
        for op in methods.values():
            suffix = op["operationId"].split("_", 1)[1]
            if suffix in ROOT_OPS:
                root_ops[entity].add(ROOT_OPS[suffix])
            if suffix == "QueryUserDefinedFieldDefinitions":
                udf_info.add(entity)
            model = model_of(op)
            if model and suffix not in METADATA_OPS:
                model_to_entity.setdefault(model, entity)

    # Entities whose only data routes are child routes (e.g. ContractServiceAdjustments): find their
    # model through the child operations' tag, which is ``{Entity}Child``.
    children: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for path, methods in spec["paths"].items():
        if "{parentId}" not in path:
            continue
        parts = path.split("/")
        parent, suffix_name = parts[2], parts[4]
        for op in methods.values():
            op_suffix = op["operationId"].split("_", 1)[1]
            tag = op["tags"][0]
            entity = "Contacts" if tag == "CompanyContactsChild" else tag.removesuffix("Child")
            model = model_of(op)
            if model and entity in roots:
                model_to_entity.setdefault(model, entity)
            route = children[entity].setdefault(
                f"{parent}/{suffix_name}", {"parent": parent, "name": suffix_name, "ops": set()}
            )
            if op_suffix in CHILD_OPS:
                route["ops"].add(CHILD_OPS[op_suffix])

    entity_model = {entity: model for model, entity in model_to_entity.items()}
    for entity in roots:
        model = entity_model.get(entity)
        if model is None:
            raise SystemExit(f"no model found for {entity}")
        fields, has_udfs = fields_of(definitions[f"{model}Model"])
        entities[entity] = {
            "singular": model,
            "ops": sorted(root_ops[entity]),
            "children": sorted(
                ({**r, "ops": sorted(r["ops"])} for r in children[entity].values()),
                key=lambda r: (r["parent"], r["name"]),
            ),
            "udfs": has_udfs,
            "udfInfo": entity in udf_info,
            "fields": fields,
            "spec": "2022",
        }
        modified = modified_field(fields)
        if modified is not None:
            entities[entity]["modified"] = modified

    # Operations added after the vendored spec: routes are known, schemas are not.
    new_ops: dict[str, list[dict[str, str]]] = defaultdict(list)
    services: list[dict[str, str]] = []
    for op in index["operations"]:
        if op["inVendoredSwagger2022"]:
            continue
        tag = op["tag"]
        base = tag.removesuffix("Child")
        if not op["path"].startswith(f"/V1.0/{base}") and "{parentId}" not in op["path"]:
            services.append({"method": op["method"], "path": op["path"], "tag": tag})
            continue
        new_ops[base].append(op)
    for entity, ops in sorted(new_ops.items()):
        info = entities.setdefault(
            entity,
            {
                "singular": singular_of(entity),
                "ops": [],
                "children": [],
                "udfs": False,
                "udfInfo": False,
                # No schema in any copy we have: the id is all that is certain.
                "fields": [{"name": "id", "type": "long", "readOnly": True}],
                "spec": "2026",
            },
        )
        child_routes = {f"{c['parent']}/{c['name']}": c for c in info["children"]}
        for op in ops:
            suffix = op["operationId"].split("_", 1)[1]
            parts = op["path"].split("/")
            if "{parentId}" in op["path"]:
                key = f"{parts[2]}/{parts[4]}"
                route = child_routes.setdefault(
                    key, {"parent": parts[2], "name": parts[4], "ops": []}
                )
                verb = CHILD_OPS.get(suffix)
                if suffix == "CreateEntity" and op["method"] == "GET":
                    verb = None  # the 2026 index files a GET under CreateEntity; serve it as list
                    route["ops"] = sorted(set(route["ops"]) | {"list"})
                if verb:
                    route["ops"] = sorted(set(route["ops"]) | {verb})
            else:
                if suffix in ROOT_OPS:
                    info["ops"] = sorted(set(info["ops"]) | {ROOT_OPS[suffix]})
                if suffix == "QueryUserDefinedFieldDefinitions":
                    info["udfInfo"] = True
        info["children"] = sorted(child_routes.values(), key=lambda r: (r["parent"], r["name"]))

    infer_references(entities)
    for entity in entities.values():
        for route in entity["children"]:
            route["parentField"] = parent_field(entity, route, entities)

    special = []
    for path, methods in spec["paths"].items():
        if not path.startswith("/V1.0/") or path.count("/") == 2 or path.startswith("/V1.0/Invoices/"):
            for method, op in methods.items():
                if op["tags"][0].endswith("ApiIntegration") or op["tags"][0] == "ApiVersion":
                    special.append({"method": method.upper(), "path": path, "tag": op["tags"][0]})
    catalog = {
        "generatedFrom": {
            "spec": SPEC_REL,
            "specSha256": hashlib.sha256(spec_bytes).hexdigest(),
            "index": INDEX_REL,
        },
        "entities": dict(sorted(entities.items())),
        "services": sorted(special + services, key=lambda s: (s["path"], s["method"])),
    }

    trimmed_paths: dict[str, Any] = {}
    for path, methods in spec["paths"].items():
        trimmed_paths[path] = {
            method: {
                "operationId": op["operationId"],
                "parameters": [
                    p for p in op.get("parameters", []) if p.get("in") in ("path", "query", "body")
                ],
                "responses": {"200": op["responses"]["200"]},
            }
            for method, op in methods.items()
        }
    trimmed = {
        "info": spec["info"],
        "basePath": spec["basePath"],
        "specSha256": catalog["generatedFrom"]["specSha256"],
        "paths": trimmed_paths,
        "definitions": definitions,
    }
    return catalog, trimmed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = parser.parse_args()
    missing = [rel for rel in (SPEC_REL, INDEX_REL) if not (args.shared / rel).is_file()]
    if missing:
        # The spec is not part of the repository; the generated catalog.json is, so nobody needs
        # this script to use or test the package.
        parser.exit(
            2,
            f"generate_catalog: the Autotask spec is not at {args.shared / missing[0]}.\n"
            "The generated autotask_pandas/catalog/catalog.json is committed: you need this "
            "script only to regenerate it from a new spec. Give the folder holding "
            "autotask-api/openapi/ with --shared PATH.\n",
        )
    catalog, trimmed = build(args.shared)
    out = ROOT / "autotask_pandas" / "catalog" / "catalog.json"
    out.write_text(json.dumps(catalog, separators=(",", ":"), sort_keys=False) + "\n")
    spec_out = ROOT / "tests" / "spec" / "autotask-rest-v1.trimmed.json"
    spec_out.parent.mkdir(parents=True, exist_ok=True)
    spec_out.write_text(json.dumps(trimmed, separators=(",", ":")) + "\n")
    n = len(catalog["entities"])
    print(f"wrote {out.relative_to(ROOT)} ({n} entities) and {spec_out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
