"""Creates, updates (PATCH), replaces (PUT) and deletes, validated as the live API validates them.

Every problem in a body is collected and answered together as ``{"errors": [...]}`` (HTTP 500), and
nothing is written unless the whole body is valid. Read-only fields in a body are ignored, as the
live API ignores them (FACTS §2, §11).

Reference checks: a field that points at another entity (``companyID``) must name an existing row,
but only where the sandbox holds rows of that entity at all; an entity the demo tenant has no data
for cannot be judged, and refusing every value would make the field unusable.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..catalog import ChildRoute, EntityInfo, FieldInfo
from . import tenant
from .errors import ApiError
from .metadata import MetadataBuilder
from .store import Store
from .values import coerce_write_value, format_datetime, parse_datetime

__all__ = ["NO_MATCHING_DELETE", "Parent", "WriteContext", "Writer"]

NO_MATCHING_DELETE = (
    "No message. No matching records found. "
    "The logged in Resource may not have the required permissions to delete the data."
)
_CREATED_AT = ("createDate", "createDateTime", "attachDate")
_CHANGED_AT = ("lastActivityDate", "lastModifiedDate", "lastModifiedDateTime")


def _changed_at(entity: EntityInfo) -> tuple[str, ...]:
    """The fields a write stamps with its time: the usual names, and the entity's own
    last-modified field as the catalog names it (``EntityInfo.modified``: ``updateDateTime`` of
    Appointments, ``lastActivityDateTime`` of Projects...), which clients filter on to fetch
    only what changed (an incremental refresh)."""
    if entity.modified is None or entity.modified in _CHANGED_AT:
        return _CHANGED_AT
    return (*_CHANGED_AT, entity.modified)
_OWNER_FIELDS = ("ticketID", "taskID", "projectID")
_CREATED_BY = ("creatorResourceID", "createdByResourceID")
# Set by the server from the ImpersonationResourceId header only; a body cannot set them
# (FACTS §2, I-WYRE259), although the spec does not mark them read-only.


@dataclass(frozen=True, slots=True)
class Parent:
    """The ``/{Parent}/{parentId}`` part of a child route."""

    route: ChildRoute
    parent_id: int


@dataclass(frozen=True, slots=True)
class WriteContext:
    """Who is writing: the API user's resource and, when impersonating, the resource acted for."""

    resource_id: int
    impersonator_id: int | None = None


class Writer:
    def __init__(
        self,
        store: Store,
        meta: MetadataBuilder,
        attachment_gate: Callable[[int], None] | None = None,
    ) -> None:
        self.store = store
        self.meta = meta
        # Called with an attachment's size once its body is valid, just before it is stored:
        # the size and volume limits (raising ApiError) live with the sandbox's other limits.
        self.attachment_gate = attachment_gate
        self._nonempty: dict[str, bool] = {}

    # -- helpers --------------------------------------------------------------------------

    def _has_rows(self, entity: str) -> bool:
        # Demo entities never become empty by deletes in practice; cache the answer per entity
        # and refresh it whenever it was False (a create may have filled the table since).
        if not self._nonempty.get(entity):
            self._nonempty[entity] = self.store.count(entity) > 0
        return self._nonempty[entity]

    def missing(self, entity: str, row_id: Any) -> bool:
        """Whether ``row_id`` names no row of ``entity`` - judged only where the sandbox holds
        rows of that entity at all (see the module docstring)."""
        return (
            entity in self.store.tables
            and self._has_rows(entity)
            and not self.store.exists(entity, row_id)
        )

    def _split_body(self, entity: EntityInfo, body: Any) -> tuple[dict[FieldInfo, Any], Any, Any]:
        if not isinstance(body, Mapping):
            raise ApiError(f"The body must be a {entity.singular} object.")
        values: dict[FieldInfo, Any] = {}
        udfs = None
        body_id = None
        for key, value in body.items():
            lowered = str(key).lower()
            if lowered == "userdefinedfields":
                udfs = value
                continue
            if lowered == "id":
                body_id = value
                continue
            fld = entity.field(str(key))
            if fld is None or fld.name == "soapParentPropertyId":
                continue  # unknown properties are ignored by the API's JSON binding
            if self.meta.is_read_only(entity, fld):
                continue
            values[fld] = value
        return values, udfs, body_id

    def _coerce(self, entity: EntityInfo, values: dict[FieldInfo, Any], errors: list[str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for fld, value in values.items():
            try:
                out[fld.name] = coerce_write_value(entity.singular, fld.name, fld.type, value)
            except ApiError as exc:
                errors.extend(exc.errors)
        return out

    def _validate(
        self, entity: EntityInfo, row: dict[str, Any], changed: set[str], errors: list[str]
    ) -> None:
        """Check the row as it would be after the write; only ``changed`` fields are judged
        for picklists, lengths and references, but required fields always."""
        for name in sorted(tenant.REQUIRED_FIELDS.get(entity.name, ())):
            value = row.get(name)
            if value is None or (isinstance(value, str) and not value.strip()):
                errors.append(f"{name} is required for the {entity.singular} entity.")
        alternatives = tenant.REQUIRED_ALTERNATIVES.get(entity.name, ())
        if alternatives and not any(all(row.get(n) is not None for n in alt) for alt in alternatives):
            sets = " or ".join("+".join(sorted(alt)) for alt in alternatives)
            errors.append(f"A {entity.singular} needs {sets}.")
        # A dependent picklist is judged as a pair whichever side changes: a new issueType
        # leaving the old subIssueType (whose parentValue is another issue type) is refused too.
        dependents = {
            child
            for child, parent_field in tenant.PICKLIST_PARENT_FIELDS.get(entity.name, {}).items()
            if parent_field in changed and child not in changed
        }
        for name in sorted(changed | dependents):
            value = row.get(name)
            if value is None:
                continue
            fld = entity.field(name)
            assert fld is not None
            values = self.meta.picklist(entity, name)
            if values is not None:
                match = next((v for v in values if v.value == value), None)
                if match is None and name in dependents:
                    continue  # a value kept, not written: only its parent is judged
                if match is None or (not match.is_active and name not in dependents):
                    errors.append(
                        f"Value {value} is not a valid {name} for the {entity.singular} entity."
                    )
                    continue
                parent_field = self.meta.picklist_parent(entity, name)
                if (
                    parent_field
                    and match.parent_value is not None
                    and row.get(parent_field) != match.parent_value
                ):
                    errors.append(
                            f"{name} {value} does not belong to {parent_field} "
                            f"{row.get(parent_field)} on the {entity.singular} entity."
                        )
            if name in dependents:
                continue  # not written: the rest of its checks belong to its own write
            limit = self.meta.string_length(entity, fld) if fld.type == "string" else 0
            if limit and len(value) > limit:
                errors.append(f"{name} must be less than or equal to {limit} characters")
            if fld.reference and self.missing(fld.reference, value):
                ref = self.store.catalog[fld.reference].singular
                errors.append(f"{name}: {ref} {value} does not exist.")
        # Autotask's own rule for tickets (observed live): a resource comes with its role.
        if entity.name == "Tickets" and (row.get("assignedResourceID") is None) != (
            row.get("assignedResourceRoleID") is None
        ):
            errors.append(
                "When assigning a Resource, you must assign both a assignedResourceID "
                "and assignedResourceRoleID."
            )

    def _udfs(
        self, entity: EntityInfo, raw: Any, errors: list[str], creating: bool
    ) -> dict[str, str | None]:
        definitions = {d.name.lower(): d for d in self.meta.udf_definitions(entity)}
        out: dict[str, str | None] = {}
        if raw is not None:
            if not isinstance(raw, list):
                errors.append("userDefinedFields must be an array of {name, value} objects.")
                return out
            for item in raw:
                if not isinstance(item, Mapping) or "name" not in {str(k).lower() for k in item}:
                    errors.append("Each user-defined field needs a name and a value.")
                    continue
                lowered = {str(k).lower(): v for k, v in item.items()}
                name, value = str(lowered["name"]), lowered.get("value")
                definition = definitions.get(name.lower())
                if definition is None:
                    errors.append(f"Unable to find {name} in the {entity.singular} Entity")
                    continue
                out[definition.name] = self._udf_value(entity, definition, value, errors)
        if creating:
            for definition in definitions.values():
                if definition.name not in out and definition.default_value is not None:
                    out[definition.name] = definition.default_value
        return out

    def _udf_value(
        self, entity: EntityInfo, definition: tenant.UdfDefinition, value: Any, errors: list[str]
    ) -> str | None:
        if value is None or value == "":
            return None
        text = str(value)
        bad = f"Invalid value '{text}' for the user-defined field {definition.name}."
        if definition.is_picklist:
            allowed = {str(v.value) for v in definition.picklist_values if v.is_active}
            if text not in allowed:
                errors.append(bad)
            return text
        if definition.type == "integer":
            try:
                return str(int(text))
            except ValueError:
                errors.append(bad)
        elif definition.type == "double":
            try:
                return repr(float(text))
            except ValueError:
                errors.append(bad)
        elif definition.type == "datetime":
            parsed = parse_datetime(text)
            if parsed is None:
                errors.append(bad)
            return parsed
        elif len(text) > definition.length:
            errors.append(
                f"{definition.name} must be less than or equal to {definition.length} characters"
            )
        return text

    def _row(self, entity: str, row_id: int) -> dict[str, Any] | None:
        table = self.store.tables[entity]
        found = self.store.select(entity, "id = ?", (row_id,))
        if not found:
            return None
        return dict(zip((f.name for f in table.fields), found[0], strict=True))

    def _check_parent(
        self, entity: EntityInfo, parent: Parent | None, row: dict[str, Any], errors: list[str]
    ) -> None:
        if parent is None:
            return
        field = parent.route.parent_field
        if field:
            given = row.get(field)
            if given is not None and given != parent.parent_id:
                errors.append(
                    f"{field} {given} does not match the parent id {parent.parent_id} in the URL."
                )
            row[field] = parent.parent_id
        parent_entity = self.store.catalog.get(parent.route.parent)
        if parent_entity and self.missing(parent_entity.name, parent.parent_id):
            errors.append(f"{parent_entity.singular} {parent.parent_id} does not exist.")

    def _stamp(self, entity: EntityInfo, row: dict[str, Any], names: tuple[str, ...], value: Any) -> None:
        for name in names:
            if entity.field(name) is not None:
                row[name] = value

    # -- operations ---------------------------------------------------------------------------

    def create(
        self, entity: EntityInfo, body: Any, ctx: WriteContext, parent: Parent | None = None
    ) -> int:
        values, raw_udfs, body_id = self._split_body(entity, body)
        errors: list[str] = []
        if body_id not in (None, 0, "0"):
            errors.append(f"The id of a new {entity.singular} must be 0 or omitted.")
        row = self._coerce(entity, values, errors)
        changed = set(row)
        self._check_parent(entity, parent, row, errors)
        if parent and parent.route.parent_field:
            changed.add(parent.route.parent_field)
        udfs = self._udfs(entity, raw_udfs, errors, creating=True)
        attachment = entity.field("data") is not None and entity.name.endswith("Attachments")
        if attachment:
            self._prepare_attachment(entity, row, parent, ctx, errors)
        self._validate(entity, row, changed, errors)
        if errors:
            raise ApiError(*errors)
        if attachment and self.attachment_gate is not None:
            self.attachment_gate(len(row["data"]))
        now = format_datetime(datetime.now(UTC))
        self._stamp(entity, row, _CREATED_AT + _changed_at(entity), now)
        self._stamp(entity, row, _CREATED_BY, ctx.resource_id)
        if ctx.impersonator_id is not None:
            self._stamp(entity, row, ("impersonatorCreatorResourceID",), ctx.impersonator_id)
        new_id = self.store.insert(
            entity.name, row, udfs, parent_id=parent.parent_id if parent else None
        )
        self._nonempty[entity.name] = True
        return new_id

    def update(
        self,
        entity: EntityInfo,
        body: Any,
        ctx: WriteContext,
        parent: Parent | None = None,
        replace: bool = False,
    ) -> int:
        values, raw_udfs, body_id = self._split_body(entity, body)
        try:
            row_id = int(body_id)
        except (TypeError, ValueError):
            raise ApiError(f"An id is required to update a {entity.singular}.") from None
        current = self._row(entity.name, row_id)
        if current is None or not self.belongs(entity, current, row_id, parent):
            raise ApiError(f"No matching records found. {entity.singular} {row_id} does not exist.")
        errors: list[str] = []
        changes = self._coerce(entity, values, errors)
        if replace:
            # PUT: every writable field not in the body becomes null (FACTS §11).
            for fld in entity.fields:
                if fld.name not in changes and not self.meta.is_read_only(entity, fld):
                    changes[fld.name] = None
        if parent and parent.route.parent_field:
            # A child stays under its parent: the URL names the parent, the body may not move it.
            moved = changes.pop(parent.route.parent_field, None)
            if moved is not None and moved != parent.parent_id:
                errors.append(
                    f"{parent.route.parent_field} {moved} does not match the parent id "
                    f"{parent.parent_id} in the URL."
                )
        merged = {**current, **changes}
        udfs = self._udfs(entity, raw_udfs, errors, creating=False)
        self._validate(entity, merged, set(changes), errors)
        if errors:
            raise ApiError(*errors)
        now = format_datetime(datetime.now(UTC))
        stamped: dict[str, Any] = {}
        self._stamp(entity, stamped, _changed_at(entity), now)
        if ctx.impersonator_id is not None:
            self._stamp(entity, stamped, ("impersonatorUpdaterResourceID",), ctx.impersonator_id)
        self.store.update(entity.name, row_id, {**changes, **stamped}, udfs)
        return row_id

    def delete(self, entity: EntityInfo, row_id: int, parent: Parent | None = None) -> int:
        current = self._row(entity.name, row_id)
        if current is None or not self.belongs(entity, current, row_id, parent):
            raise ApiError(NO_MATCHING_DELETE)
        self.store.delete(entity.name, row_id)
        return row_id

    def belongs(
        self, entity: EntityInfo, row: dict[str, Any], row_id: int, parent: Parent | None
    ) -> bool:
        if parent is None:
            return True
        if parent.route.parent_field:
            return row.get(parent.route.parent_field) == parent.parent_id
        return self.store.parent_of(entity.name, row_id) == parent.parent_id

    def _inherit_owners(self, parent: Parent, row: dict[str, Any]) -> None:
        """An attachment of a note or time entry also belongs to that record's ticket, task or
        project: AttachmentInfo queried by ticketID returns the attachments of the ticket's notes
        and time entries too (FACTS §9, D-ATTINFO). The shared attachments table has those columns
        even where the attachment entity itself does not show them."""
        parent_entity = self.store.catalog.get(parent.route.parent)
        if parent_entity is None or parent_entity.name not in self.store.tables:
            return
        owners = [f for n in _OWNER_FIELDS if (f := parent_entity.field(n)) is not None]
        if not owners:
            return
        found = self.store.select(parent_entity.name, "id = ?", (parent.parent_id,), columns=owners)
        if not found:
            return
        for fld, value in zip(owners, found[0], strict=True):
            if value is not None and row.get(fld.name) is None:
                row[fld.name] = value

    def _prepare_attachment(
        self,
        entity: EntityInfo,
        row: dict[str, Any],
        parent: Parent | None,
        ctx: WriteContext,
        errors: list[str],
    ) -> None:
        data = row.get("data")
        if not data:
            errors.append("An attachment needs its file content, base64-encoded, in data.")
        if not row.get("fullPath"):
            errors.append("An attachment needs a file name in fullPath.")
        if not row.get("title"):
            errors.append("An attachment needs a title.")
        row.setdefault("attachmentType", "FILE_ATTACHMENT")
        if row.get("publish") is None:
            row["publish"] = 1
        if data:
            row["fileSize"] = float(len(data))
        if row.get("fullPath") and not row.get("contentType"):
            guessed = mimetypes.guess_type(str(row["fullPath"]))[0]
            row["contentType"] = guessed or "application/octet-stream"
        if parent is not None and entity.field("parentID") is not None:
            row["parentID"] = parent.parent_id
        if parent is not None:
            self._inherit_owners(parent, row)
        if row.get("attachedByContactID") is None and row.get("attachedByResourceID") is None:
            row["attachedByResourceID"] = ctx.impersonator_id or ctx.resource_id
