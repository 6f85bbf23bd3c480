"""The main job of the README's first command: a real session against the embedded sandbox.

Starts the emulator on loopback, connects the client to it over HTTP the way a user connects to
Autotask, and walks an analyst's first hour: a look at the tenant, a typed DataFrame of the open
tickets, a fix made in pandas and pushed back (dry run first), and the per-row result.
"""

from __future__ import annotations

__all__ = ["run_demo"]


def run_demo(scale: float = 1, seed: int = 0) -> int:
    import pandas as pd

    from autotask_pandas.client import AutotaskClient
    from autotask_pandas.frames.reader import read_autotask
    from autotask_pandas.sandbox import Sandbox

    with Sandbox(scale=scale, seed=seed) as sandbox, AutotaskClient(sandbox.credentials) as client:
        print(f"Sandbox serving at {sandbox.url}")
        zone = client.get_zone_info()
        print(f"Zone: {zone.zone_name} ({zone.url})")
        print(f"Tickets on the server: {client.count('Tickets'):,}")

        open_tickets = read_autotask(
            "Tickets",
            where="status != Complete",
            fields=["id", "ticketNumber", "title", "status", "priority", "queueID",
                    "assignedResourceID", "createDate", "udf:Root Cause"],
            labels=True,
            client=client,
            progress=False,
        )
        print(f"\nOpen tickets: {len(open_tickets):,} rows, typed:")
        print(open_tickets.dtypes.to_string())
        with pd.option_context("display.width", 120, "display.max_colwidth", 40):
            print("\nBy status and priority:")
            print(
                open_tickets.groupby(["status", "priority"], observed=True)
                .size()
                .unstack(fill_value=0)
                .to_string()
            )
            print("\nOldest five:")
            print(open_tickets.nsmallest(5, "createDate")[
                ["ticketNumber", "status", "priority", "createDate", "title"]
            ].to_string(index=False))

        # A fix an analyst makes in bulk: the oldest waiting tickets become High priority.
        edited = open_tickets.copy()
        waiting = edited["status"].astype("string").str.startswith("Waiting").fillna(False)
        oldest = edited[waiting].nsmallest(3, "createDate").index
        edited.loc[oldest, "priority"] = "High"
        print(f"\nEdited {len(oldest)} rows; the changes the push would send:")
        print(edited.autotask.changes().to_string(index=False))
        plan = edited.autotask.push(dry_run=True, progress=False)
        print(f"\nDry run: {plan.summary()}")
        result = edited.autotask.push(progress=False)
        print(f"Push: {result.summary()}")
        for ticket_id in edited.loc[oldest, "id"]:
            landed = client.get("Tickets", int(ticket_id))
            assert landed is not None
            print(f"  ticket {ticket_id}: priority on the server is now {landed['priority']}")
    return 0
