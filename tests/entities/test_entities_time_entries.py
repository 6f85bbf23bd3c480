"""``TimeEntriesEntity``: time entries by ticket, task and resource."""

from __future__ import annotations

import datetime as dt

from autotask_pandas import AutotaskClient


def test_by_ticket_and_task(client: AutotaskClient) -> None:
    entries = client.time_entries
    some = entries.query(filters=[{"op": "exist", "field": "ticketID"}], max_records=1).items[0]
    by_ticket = entries.get_time_entries_by_ticket(some["ticketID"])
    assert some["id"] in [e["id"] for e in by_ticket.items]
    assert all(e["ticketID"] == some["ticketID"] for e in by_ticket.items)
    task = entries.query(filters=[{"op": "exist", "field": "taskID"}], max_records=1).items[0]
    by_task = entries.get_time_entries_by_task(task["taskID"])
    assert task["id"] in [e["id"] for e in by_task.items]
    assert all(e["taskID"] == task["taskID"] for e in by_task.items)


def test_by_resource_between_dates(client: AutotaskClient) -> None:
    entries = client.entities.time_entries
    some = entries.query(max_records=1).items[0]
    day = dt.date.fromisoformat(some["dateWorked"][:10])
    same_day = entries.get_time_entries_by_resource(
        some["resourceID"], start=day, end=dt.datetime.combine(day, dt.time(23, 0))
    )
    assert some["id"] in [e["id"] for e in same_day.items]
    assert all(e["dateWorked"][:10] == day.isoformat() for e in same_day.items)
    assert all(e["resourceID"] == some["resourceID"] for e in same_day.items)
    every = entries.get_time_entries_by_resource(some["resourceID"])
    assert len(every.items) > len(same_day.items)
