"""``TicketsEntity``: the reference's ticket helpers, with what the live API demands.

Where the reference and the live API disagree, the live API wins:

* The reference's ``account_id`` (SOAP ``accountID``) is the REST ``companyID``.
* The live API requires ``status`` and ``priority`` on a new ticket; ``create_ticket`` fills
  what is not given with the tenant's picklist defaults (``isDefaultValue`` in the field
  metadata), as the Autotask UI does; ``queueID`` likewise when the queue picklist has a default.
* An assigned resource needs its role: "When assigning a Resource, you must assign both a
  assignedResourceID and assignedResourceRoleID." ``assign_ticket`` (and ``create_ticket`` with
  ``assigned_resource_id``) send the resource's default service desk role: the resource's
  ``defaultServiceDeskRoleID``, else its active default ``ResourceServiceDeskRoles`` row, else its
  only active ``ResourceRoles`` row. Pass ``role_id=`` to choose another; a resource without any
  such role (or with several) is refused before the write with a clear error.
* Notes are created under ``Tickets/{id}/Notes``; the API requires a note title, so a missing
  ``title`` becomes the note's first line (at most 250 characters).
* ``update_ticket_status`` and ``assign_ticket`` return the API's answer to the PATCH
  (``{"itemId": id}``): the API returns no record.
"""

from __future__ import annotations

from typing import Any

from autotask_pandas.entities.base import BaseEntity
from autotask_pandas.exceptions import AutotaskNotFoundError, AutotaskValidationError
from autotask_pandas.types import CreateResponse, FilterOperation, QueryFilter, QueryResponse

__all__ = ["COMPLETE_STATUS", "TicketsEntity"]

#: The ticket status "Complete": a system value every Autotask tenant has.
COMPLETE_STATUS = 5
_NOTE_TITLE_LENGTH = 250


def _drop_none(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


class TicketsEntity(BaseEntity):
    """``client.entities.tickets``."""

    # -- writing --------------------------------------------------------------------------------

    def create_ticket(
        self,
        title: str,
        description: str,
        account_id: int | None = None,
        queue_id: int | None = None,
        priority: int | str | None = None,
        status: int | str | None = None,
        assigned_resource_id: int | None = None,
        **kwargs: Any,
    ) -> CreateResponse:
        """Create a ticket for company ``account_id`` (``companyID``; also accepted in kwargs as
        ``companyID``/``accountID``). ``status``/``priority`` may be labels (``"New"``)."""
        data = self.api_fields(kwargs)
        given = self.api_fields(
            _drop_none(
                title=title,
                description=description,
                companyID=account_id,
                queueID=queue_id,
                assignedResourceID=assigned_resource_id,
            )
        )
        for key, value in given.items():
            if key in data and data[key] != value:
                raise AutotaskValidationError(
                    f"create_ticket: {key} is given twice ({value!r} and {data[key]!r})"
                )
            data[key] = value
        if data.get("companyID") is None:
            raise AutotaskValidationError(
                "create_ticket needs the ticket's company: account_id (the REST companyID)"
            )
        for field, value in (("status", status), ("priority", priority)):
            if value is not None:
                data[field] = self.picklist_value(field, value)
            elif data.get(field) is None:
                default = self.picklist_default(field)
                if default is None:
                    raise AutotaskValidationError(
                        f"create_ticket needs {field}: the tenant's picklist has no default"
                    )
                data[field] = default
            else:
                data[field] = self.picklist_value(field, data[field])
        if data.get("queueID") is None:
            queue = self.picklist_default("queueID")
            if queue is not None:
                data["queueID"] = queue
        if (
            data.get("assignedResourceID") is not None
            and data.get("assignedResourceRoleID") is None
        ):
            data["assignedResourceRoleID"] = self.default_role_id(data["assignedResourceID"])
        return self.create(**data)

    def update_ticket_status(
        self, ticket_id: int, status: int | str, note: str | None = None
    ) -> dict[str, Any]:
        """Set the status (a value or a label such as ``"Complete"``); with ``note``, also add
        it to the ticket as a note."""
        answer = self.update(ticket_id, status=self.picklist_value("status", status))
        if note:
            self.add_ticket_note(ticket_id, note)
        return answer

    def assign_ticket(
        self,
        ticket_id: int,
        resource_id: int,
        note: str | None = None,
        *,
        role_id: int | None = None,
    ) -> dict[str, Any]:
        """Assign the ticket to ``resource_id`` in ``role_id`` (default: the resource's default
        service desk role); with ``note``, also add it to the ticket."""
        role = role_id if role_id is not None else self.default_role_id(resource_id)
        answer = self.update(ticket_id, assignedResourceID=resource_id, assignedResourceRoleID=role)
        if note:
            self.add_ticket_note(ticket_id, note)
        return answer

    def add_ticket_note(
        self,
        ticket_id: int,
        note: str,
        note_type: int = 1,
        title: str | None = None,
        publish: int = 1,
    ) -> CreateResponse:
        """Add a note (``POST Tickets/{ticket_id}/Notes``)."""
        if not note or not str(note).strip():
            raise AutotaskValidationError("add_ticket_note needs the note's text")
        if title is None:
            title = str(note).strip().splitlines()[0][:_NOTE_TITLE_LENGTH]
        return self.client.create_entity(
            "TicketNotes",
            parent_id=ticket_id,
            description=note,
            noteType=note_type,
            title=title,
            publish=publish,
        )

    # -- reading --------------------------------------------------------------------------------

    def get_tickets_by_account(
        self, account_id: int, status_filter: str | int | None = None
    ) -> QueryResponse:
        """The company's tickets (one page; ``get_next_page`` for more).

        ``status_filter``: ``"open"`` (not Complete), ``"closed"``/``"complete"`` (Complete), a
        status label of the tenant (``"In Progress"``) or value; None for every ticket.
        """
        filters = [QueryFilter(field="companyID", op=FilterOperation.EQ, value=account_id)]
        if status_filter is not None:
            filters.append(self._status_filter(status_filter))
        return self.query(filters=filters)

    def get_tickets_by_resource(
        self, resource_id: int, include_completed: bool = True
    ) -> QueryResponse:
        """Tickets assigned to the resource (one page; ``get_next_page`` for more)."""
        filters = [
            QueryFilter(field="assignedResourceID", op=FilterOperation.EQ, value=resource_id)
        ]
        if not include_completed:
            filters.append(
                QueryFilter(field="status", op=FilterOperation.NOTEQ, value=COMPLETE_STATUS)
            )
        return self.query(filters=filters)

    def _status_filter(self, status: str | int) -> QueryFilter:
        word = str(status).strip().lower()
        if word == "open":
            return QueryFilter(field="status", op=FilterOperation.NOTEQ, value=COMPLETE_STATUS)
        if word in ("closed", "complete", "completed"):
            return QueryFilter(field="status", op=FilterOperation.EQ, value=COMPLETE_STATUS)
        return QueryFilter(
            field="status", op=FilterOperation.EQ, value=self.picklist_value("status", status)
        )

    # -- roles ----------------------------------------------------------------------------------

    def default_role_id(self, resource_id: int) -> int:
        """The role a ticket assigned to ``resource_id`` is worked in (see the module docstring)."""
        resource = self.client.get("Resources", resource_id)
        if resource is None:
            raise AutotaskNotFoundError(f"Resource {resource_id} not found", status_code=404)
        role = resource.get("defaultServiceDeskRoleID")
        if role is not None:
            return int(role)
        mine = QueryFilter(field="resourceID", op=FilterOperation.EQ, value=resource_id)
        active = QueryFilter(field="isActive", op=FilterOperation.EQ, value=True)
        desk = self.client.query_all(
            "ResourceServiceDeskRoles",
            [mine, active, QueryFilter(field="isDefault", op=FilterOperation.EQ, value=True)],
        )
        if desk:
            return int(desk[0]["roleID"])
        roles = {int(r["roleID"]) for r in self.client.query_all("ResourceRoles", [mine, active])}
        if len(roles) == 1:
            return roles.pop()
        raise AutotaskValidationError(
            f"Resource {resource_id} has no default service desk role "
            f"({len(roles)} distinct active roles); pass role_id= (the live API requires "
            "assignedResourceRoleID with assignedResourceID). No request was sent to change the "
            "ticket"
        )
