"""What every part of the demo shares: entity id bases, the demo's clock, weighted picks,
picklist labels and the ``userDefinedFields`` shape."""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from ..tenant import DEMO_API_USER, PICKLISTS, REFERENCE_DATE
from ..values import format_datetime

Row = dict[str, Any]
T = TypeVar("T")

# First id of each entity (real Autotask ids are large-ish and differ per entity). Companies also
# have id 0, the MSP's own company, as every Autotask database does.
ID_BASES: dict[str, int] = {
    "Currencies": 1,
    "Roles": 29683300,
    "Resources": DEMO_API_USER.resource_id,
    "ResourceRoleDepartments": 100,
    "BillingCodes": 29682801,
    "Products": 200,
    "Companies": 29683400,
    "CompanyLocations": 10,
    "Contacts": 29684000,
    "Contracts": 29684100,
    "ConfigurationItems": 1000,
    "Opportunities": 300,
    "Projects": 100,
    "Phases": 400,
    "Tasks": 5000,  # tasks and tickets share one id space in Autotask; keep them apart
    "Tickets": 7000,
    "TicketNotes": 20000,
    "TimeEntries": 40000,
    "Attachments": 1000,  # one id space for every *Attachments entity, as AttachmentInfo shows
    "UserDefinedFieldDefinitions": 29682500,
}

# The demo's clock: builders count seconds from START; END is the reference date.
DAYS = 548  # 18 months of history before the reference date
START = REFERENCE_DATE - timedelta(days=DAYS)
END = DAYS * 86400  # the reference date, in seconds since START
HOUR = 3600.0
DAY = 86400


def dt(seconds: float) -> datetime:
    """The instant ``seconds`` after the start of the demo period (negative: before it)."""
    return START + timedelta(seconds=int(seconds))


def midnight(seconds: float) -> datetime:
    """The start (00:00 UTC) of the day ``seconds`` falls in."""
    return START + timedelta(days=int(seconds // DAY))


def udfs(*values: tuple[str, str | None]) -> list[dict[str, str]]:
    """The API's ``userDefinedFields`` list: only UDFs that hold a value (no value, no entry)."""
    return [{"name": name, "value": value} for name, value in values if value is not None]


def iso(moment: datetime) -> str:
    """A datetime UDF value, in the one form the sandbox stores and answers every datetime."""
    return format_datetime(moment)


class Pick(Generic[T]):
    """Weighted choice from a fixed table: one bisect per draw instead of rng.choices set-up."""

    __slots__ = ("cum", "items", "total")

    def __init__(self, pairs: Iterable[tuple[T, float]]) -> None:
        self.items: list[T] = []
        self.cum: list[float] = []
        self.total = 0.0
        for item, weight in pairs:
            if weight > 0:
                self.total += weight
                self.items.append(item)
                self.cum.append(self.total)
        if not self.items:
            raise ValueError("nothing to pick from")

    def __call__(self, rng: random.Random) -> T:
        return self.items[bisect_right(self.cum, rng.random() * self.total)]


def labels(entity: str, field: str) -> dict[str, int]:
    """Picklist label -> value, so the builders can say "Complete" and not 5."""
    return {v.label: v.value for v in PICKLISTS[entity][field]}


# Staff, billing codes, projects and tasks all belong to a department.
DEPARTMENT = labels("Projects", "department")
