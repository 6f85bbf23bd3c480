"""``TimeEntriesEntity``: time entries by ticket, task or resource.

Each helper returns one page (``QueryResponse``, ``get_next_page`` for more), like the reference's
query helpers. Dates compare against ``dateWorked`` (a date-only field the API keeps at midnight,
FACTS §6); ``start``/``end`` are both inclusive.
"""

from __future__ import annotations

import datetime as _dt

from autotask_pandas.entities.base import BaseEntity
from autotask_pandas.types import FilterOperation, QueryFilter, QueryResponse

__all__ = ["TimeEntriesEntity"]

DateLike = _dt.date | _dt.datetime | str


class TimeEntriesEntity(BaseEntity):
    """``client.entities.time_entries`` (also ``client.time_entries``)."""

    def get_time_entries_by_ticket(self, ticket_id: int) -> QueryResponse:
        return self.query(
            filters=[QueryFilter(field="ticketID", op=FilterOperation.EQ, value=ticket_id)]
        )

    def get_time_entries_by_task(self, task_id: int) -> QueryResponse:
        return self.query(
            filters=[QueryFilter(field="taskID", op=FilterOperation.EQ, value=task_id)]
        )

    def get_time_entries_by_resource(
        self,
        resource_id: int,
        start: DateLike | None = None,
        end: DateLike | None = None,
    ) -> QueryResponse:
        """The resource's time entries, optionally worked between ``start`` and ``end``."""
        filters = [QueryFilter(field="resourceID", op=FilterOperation.EQ, value=resource_id)]
        if start is not None:
            filters.append(
                QueryFilter(field="dateWorked", op=FilterOperation.GTE, value=_day(start))
            )
        if end is not None:
            filters.append(QueryFilter(field="dateWorked", op=FilterOperation.LTE, value=_day(end)))
        return self.query(filters=filters)


def _day(value: DateLike) -> DateLike:
    # A datetime bound would cut a date-only field at its time of day: compare whole days.
    if isinstance(value, _dt.datetime):
        return value.date()
    return value
