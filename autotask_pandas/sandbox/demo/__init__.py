"""Deterministic demo data: a 25-person MSP's Autotask database, 18 months deep.

``generate(scale, seed)`` yields ``(entity name, rows)`` batches. Conventions the store relies on:

- Entity names and row keys are the catalog's exact spelling. Within one entity every row has the
  same keys; a field left unset is ``None`` (the API shows it as null). Fields not generated at
  all are absent from every row.
- Every row has an integer ``id``; ids ascend and are unique within an entity, across batches.
  A large entity comes in several batches, interleaved with others (a chunk of Tickets, then the
  TicketNotes and TimeEntries of that chunk), but a row is always yielded after every row it refers
  to, so a store may check foreign keys as it inserts.
- Values are ``int``, ``float``, ``str``, ``bool``, ``None``, ``bytes`` (attachment ``data`` only)
  and timezone-aware UTC ``datetime`` (date-only fields at midnight UTC).
- Entities with UDF definitions in ``tenant.py`` carry ``userDefinedFields`` on every row: a
  list of ``{"name", "value"}`` (``value`` a ``str``) for the UDFs that hold a value, in
  definition order; a UDF without a value has no entry, so the list may be empty.
- The same ``scale`` and ``seed`` always give the same rows; nothing reads the clock (dates are
  relative to ``tenant.REFERENCE_DATE``).

One module per domain builds its entities; ``_batches`` below fixes the order they come in, and
with it the order every builder draws from the one random source.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from .attachments import ATTACHMENT_ENTITIES, build_attachments
from .common import ID_BASES, Row
from .companies import build_companies, build_contacts, build_locations
from .configuration_items import build_configuration_items
from .contracts import build_contracts
from .files import pdf_bytes, png_bytes
from .opportunities import build_opportunities
from .products import build_products
from .projects import build_projects
from .reference import (
    build_billing_codes,
    build_configuration_item_types,
    build_countries,
    build_currencies,
    build_departments,
    build_ticket_categories,
    build_udf_definitions,
)
from .resources import build_resource_roles, build_resources, build_roles
from .state import DemoState
from .tickets import build_tickets, pick_attachment_tickets

__all__ = ["ATTACHMENT_ENTITIES", "ID_BASES", "generate", "pdf_bytes", "png_bytes"]


def generate(scale: float = 1, seed: int = 0) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Yield ``(entity name, rows)`` batches of a realistic MSP tenant.

    ``scale`` multiplies the transactional volumes (companies, contacts, tickets, notes, time
    entries, configuration items); staff, projects, contracts and opportunities stay fixed.
    At scale 1: ~150 companies, 600 contacts, 5,000 tickets, ~10,000 notes, ~8,000 time entries.
    """
    if not scale > 0:
        raise ValueError(f"scale must be positive, not {scale!r}")
    return _batches(DemoState(float(scale), random.Random(seed)))


def _batches(demo: DemoState) -> Iterator[tuple[str, list[Row]]]:
    """Every entity, each after the entities its rows refer to."""
    # Lookups first: everything else points at them.
    yield "UserDefinedFieldDefinitions", build_udf_definitions()
    yield "Countries", build_countries()
    yield "Currencies", build_currencies()
    yield "Departments", build_departments()
    yield "Roles", build_roles(demo)
    yield "Resources", build_resources(demo)
    yield "ResourceRoleDepartments", build_resource_roles(demo)
    yield "BillingCodes", build_billing_codes(demo)
    yield "TicketCategories", build_ticket_categories()
    yield "ConfigurationItemTypes", build_configuration_item_types()
    yield "Products", build_products(demo)
    yield "Companies", build_companies(demo)
    yield "CompanyLocations", build_locations(demo)
    yield "Contacts", build_contacts(demo)
    yield "Contracts", build_contracts(demo)
    yield "ConfigurationItems", build_configuration_items(demo)
    opportunities = build_opportunities(demo)
    yield "Opportunities", opportunities
    projects, phases, tasks, task_time = build_projects(demo, opportunities)
    yield "Projects", projects
    yield "Phases", phases
    yield "Tasks", tasks
    yield "TimeEntries", task_time
    attach_to = pick_attachment_tickets(demo)
    picked: list[tuple[int, float, float, int]] = []
    yield from build_tickets(demo, len(task_time), attach_to, picked)
    yield from build_attachments(demo, projects, picked)
