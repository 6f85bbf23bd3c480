"""Time entries, the one row shape that ticket work and project task work share."""

from __future__ import annotations

from .common import END, HOUR, Row, dt, midnight
from .state import DemoState

_WORK_SUMMARIES = (
    "Remote troubleshooting and testing.", "Investigated the issue and applied fix.",
    "Phone call with user, gathered details.", "Onsite visit to replace hardware.",
    "Reviewed logs and updated configuration.", "Follow-up and verification with user.",
)


def time_row(demo: DemoState, entry_id: int, ticket_id: int | None, task_id: int | None,
             resource: int, role: int, began: float, hours: float, contract: int | None,
             billing: int, non_billable: bool, entry_type: int) -> Row:
    """One TimeEntries row, for work on a ticket (``ticket_id``) or a task (``task_id``)."""
    rng = demo.rng
    logged = dt(min(began + hours * HOUR + rng.random() * 2 * HOUR, END))
    return {
        "id": entry_id, "ticketID": ticket_id, "taskID": task_id, "resourceID": resource,
        "roleID": role, "timeEntryType": entry_type, "dateWorked": midnight(began),
        "startDateTime": dt(began), "endDateTime": dt(began + hours * HOUR),
        "hoursWorked": hours, "hoursToBill": 0.0 if non_billable else hours,
        "offsetHours": 0.0, "summaryNotes": rng.choice(_WORK_SUMMARIES),
        "internalNotes": None, "billingCodeID": billing, "contractID": contract,
        "isNonBillable": non_billable, "showOnInvoice": not non_billable,
        "createDateTime": logged, "creatorUserID": resource,
        "lastModifiedDateTime": logged, "lastModifiedUserID": resource,
    }
