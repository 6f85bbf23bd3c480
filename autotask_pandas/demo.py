"""The main job of the README's first command: a real session against the embedded sandbox.

Starts the emulator on loopback, connects the client to it over HTTP the way a user connects to
Autotask, and prints what an analyst's first look at a tenant would show.
"""

from __future__ import annotations

from collections import Counter

__all__ = ["run_demo"]


def run_demo(scale: float = 1, seed: int = 0) -> int:
    from .client import AutotaskClient
    from .sandbox import Sandbox
    from .types import FilterOperation, QueryFilter

    with Sandbox(scale=scale, seed=seed) as sandbox:
        print(f"Sandbox serving at {sandbox.url}")
        with AutotaskClient(sandbox.credentials) as client:
            zone = client.get_zone_info()
            print(f"Zone: {zone.zone_name} ({zone.url})")
            open_tickets = [QueryFilter(field="status", op=FilterOperation.NOTEQ, value=5)]
            count = client.count("Tickets", filters=open_tickets)
            total = client.count("Tickets")
            print(f"Tickets: {total:,} in all, {count:,} not complete")
            page = client.query(
                "Tickets",
                filters=open_tickets,
                include_fields=["id", "ticketNumber", "title", "status", "priority", "createDate"],
                max_records=10,
            )
            statuses = {
                int(v.value): v.label
                for f in client.get_field_metadata("Tickets")
                if f.name == "status"
                for v in (f.picklist_values or [])
            }
            print(f"\nFirst {len(page.items)} open tickets (one page of {page.page_details.request_count}):")
            for ticket in page.items:
                status = statuses.get(ticket["status"], ticket["status"])
                print(f"  {ticket['ticketNumber']:<16} {status:<20} {ticket['title'][:60]}")
            by_status = Counter()
            for ticket in client.query_all(
                "Tickets", filters=open_tickets, include_fields=["id", "status"]
            ):
                by_status[statuses.get(ticket["status"], ticket["status"])] += 1
            print("\nOpen tickets by status (every page, followed with nextPageUrl):")
            for label, n in by_status.most_common():
                print(f"  {label:<20} {n:>6,}")
    return 0
