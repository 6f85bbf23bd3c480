"""The state the builders share while the demo is built: the random source, the scale, and
what earlier entities leave behind for later ones (companies, staff, roles, billing codes...)."""

from __future__ import annotations

import random

from .common import DAY, ID_BASES, Pick, midnight


class Company:
    """What later entities need to know about a company while the demo is built."""

    __slots__ = (
        "contact_names",
        "contacts",
        "contracts",
        "created",
        "devices",
        "id",
        "kind",
        "location_id",
        "name",
        "place",
        "slug",
        "tier",
        "weight",
    )

    def __init__(self, id: int, name: str, slug: str, kind: str, weight: float,
                 place: tuple[str, str, str, str, str, int], created: float) -> None:
        self.id = id
        self.name = name
        self.slug = slug
        self.kind = kind  # companyType label
        self.weight = weight  # relative ticket volume
        self.tier = 0  # Customer Tier picklist value, 0 = none
        self.place = place
        self.location_id = 0
        self.contacts: list[int] = []
        self.contact_names: list[str] = []
        self.devices: list[tuple[int, str]] = []  # (CI id, hostname) of monitored devices
        self.contracts: list[tuple[float, float, int, int]] = []  # (start, end, id, sla)
        self.created = created


class DemoState:
    """One build of the demo: every builder draws from ``rng`` in a fixed order."""

    def __init__(self, scale: float, rng: random.Random) -> None:
        self.scale = scale
        self.rng = rng
        self.companies: list[Company] = []
        self.role_ids: dict[str, int] = {}
        self.staff: list[tuple[int, str, tuple[str, ...], str]] = []  # (id, first, roles, dept)
        self.billing: dict[str, int] = {}
        self.products: list[tuple[int, str, str]] = []  # (id, name, CI type)
        self.numbers: dict[int, int] = {}  # day -> last ticket/task number used that day
        self.attachment_id = ID_BASES["Attachments"]
        self.n_tickets = round(5000 * scale)

    def count(self, base: float) -> int:
        return max(1, round(base * self.scale))

    def number(self, prefix: str, seconds: float) -> str:
        """Autotask's ``T20261031.0042`` numbering: date plus a per-day sequence."""
        day = int(seconds // DAY)
        self.numbers[day] = seq = self.numbers.get(day, 0) + 1
        return f"{prefix}{midnight(seconds):%Y%m%d}.{seq:04d}"

    def staff_pairs(self, weights: dict[str, float]) -> Pick[tuple[int, int]]:
        """(resource id, role id) pairs a ticket or task can be assigned to."""
        return Pick(
            ((rid, self.role_ids[role]), weights.get(role, 0.0))
            for rid, _, roles, _ in self.staff for role in roles
        )

    def staff_with(self, *roles: str) -> list[int]:
        return [rid for rid, _, held, _ in self.staff if held[0] in roles]
