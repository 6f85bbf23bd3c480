"""The sandbox's answers to ``entityInformation``, ``/fields`` and ``/userDefinedFields``.

Field types and read-only flags come from the spec (through the catalog); picklists, required
fields, lengths and UDF definitions are the demo tenant's configuration (``tenant.py``), as on a
real tenant, where they are configured rather than fixed by the API.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from ..catalog import Catalog, EntityInfo, FieldInfo
from . import tenant
from .filters import UdfType, is_queryable

__all__ = [
    "API_DATA_TYPES",
    "MetadataBuilder",
]

# How the metadata names each spec type (observed: integer, long, string, datetime; the rest
# follow the same lower-case spelling).
API_DATA_TYPES = {
    "integer": "integer",
    "long": "long",
    "double": "double",
    "boolean": "boolean",
    "datetime": "datetime",
    "string": "string",
    "base64": "string",
}
WEBHOOK_ENTITIES = {"Companies", "Contacts", "ConfigurationItems", "Tickets", "TicketNotes"}
# Set by the server on every write, whatever a body says: creation and change stamps, and the
# impersonator fields (FACTS §2: "setting those in the body is ignored").
_SERVER_SET = {
    "createDate", "createDateTime", "lastActivityDate", "lastModifiedDate", "lastModifiedDateTime",
    "creatorResourceID", "createdByResourceID",
    "impersonatorCreatorResourceID", "impersonatorUpdaterResourceID",
}


def _picklist_json(values: tuple[tenant.PicklistValue, ...]) -> list[dict[str, Any]]:
    return [
        {
            "value": str(v.value),  # strings in metadata, integers on the entity (FACTS §7)
            "label": v.label,
            "isDefaultValue": v.is_default,
            "sortOrder": v.sort_order,
            "parentValue": "" if v.parent_value is None else str(v.parent_value),
            "isActive": v.is_active,
            "isSystem": v.is_system,
        }
        for v in values
    ]


class MetadataBuilder:
    """Builds (and caches) metadata bodies for every entity of the catalog."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.info = cache(self._info)
        self.fields = cache(self._fields)

    def is_read_only(self, entity: EntityInfo, f: FieldInfo) -> bool:
        return f.read_only or f.name == "id" or f.name in _SERVER_SET

    def is_required(self, entity: EntityInfo, f: FieldInfo) -> bool:
        return f.name in tenant.REQUIRED_FIELDS.get(entity.name, ())

    def picklist(self, entity: EntityInfo, name: str) -> tuple[tenant.PicklistValue, ...] | None:
        return tenant.PICKLISTS.get(entity.name, {}).get(name)

    def picklist_parent(self, entity: EntityInfo, name: str) -> str | None:
        return tenant.PICKLIST_PARENT_FIELDS.get(entity.name, {}).get(name)

    def string_length(self, entity: EntityInfo, f: FieldInfo) -> int:
        return tenant.string_length(entity.name, f.name) if f.type == "string" else 0

    def udf_definitions(self, entity: EntityInfo) -> tuple[tenant.UdfDefinition, ...]:
        return tenant.UDF_DEFINITIONS.get(entity.name, ()) if entity.has_udfs else ()

    def udf_types(self, entity: EntityInfo) -> dict[str, UdfType]:
        return {d.name: UdfType(d.name, d.type) for d in self.udf_definitions(entity)}

    def _info(self, name: str) -> dict[str, Any]:
        entity = self.catalog[name]
        can = {op: entity.can(op) for op in ("create", "delete", "query", "update", "patch")}
        can["query"] = "query" in entity.ops or any("list" in c.ops for c in entity.children)
        can["update"] = can["update"] or can["patch"]
        access = {k: "All" if v else "None" for k, v in can.items()}
        return {
            "name": entity.singular,
            "canCreate": can["create"],
            "canDelete": can["delete"],
            "canQuery": can["query"],
            "canUpdate": can["update"],
            "userAccessForCreate": access["create"],
            "userAccessForDelete": access["delete"],
            "userAccessForQuery": access["query"],
            "userAccessForUpdate": access["update"],
            "hasUserDefinedFields": entity.has_udfs,
            "supportsWebhookCallouts": entity.name in WEBHOOK_ENTITIES,
        }

    def _fields(self, name: str) -> list[dict[str, Any]]:
        entity = self.catalog[name]
        out = []
        for f in entity.fields:
            if f.name == "soapParentPropertyId":
                continue
            values = self.picklist(entity, f.name)
            reference = self.catalog.get(f.reference) if f.reference else None
            out.append(
                {
                    "name": f.name,
                    "dataType": API_DATA_TYPES[f.type],
                    "length": self.string_length(entity, f),
                    "isRequired": self.is_required(entity, f),
                    "isReadOnly": self.is_read_only(entity, f),
                    "isQueryable": is_queryable(entity, f),
                    "isReference": reference is not None,
                    "referenceEntityType": reference.singular if reference else "",
                    "isPickList": values is not None,
                    "picklistValues": _picklist_json(values) if values is not None else None,
                    "picklistParentValueField": self.picklist_parent(entity, f.name) or "",
                    "isSupportedWebhookField": entity.name in WEBHOOK_ENTITIES,
                }
            )
        return out

    def udf_fields(self, name: str) -> list[dict[str, Any]]:
        entity = self.catalog[name]
        return [
            {
                "name": d.name,
                "label": d.label,
                "type": d.type,
                "length": d.length,
                "description": d.description,
                "isRequired": d.is_required,
                "isReadOnly": False,
                "isQueryable": True,
                "isReference": False,
                "referenceEntityType": "",
                "isPickList": d.is_picklist,
                "picklistValues": _picklist_json(d.picklist_values) if d.is_picklist else None,
                "picklistParentValueField": "",
                "defaultValue": d.default_value,
                "isSupportedWebhookField": entity.name in WEBHOOK_ENTITIES,
            }
            for d in self.udf_definitions(entity)
        ]
