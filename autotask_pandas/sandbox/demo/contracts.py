"""Contracts: managed-services agreements (current and last term), hour blocks and T&M.

Agreements and blocks carry the support hours they were priced on (``estimatedHours``): what the
customer's size predicted for the term (``workload.expected_tickets``), times a pricing factor,
so hours logged against them show a spread of utilisation, and the heaviest customer's surge
overruns its agreement.
"""

from __future__ import annotations

from typing import cast

from .common import DAY, END, ID_BASES, Row, labels, midnight
from .state import Company, DemoState
from .workload import expected_tickets, heaviest_customer

# Support hours logged per ticket, on average (about 1.6 entries of about an hour each).
HOURS_PER_TICKET = 1.6
_BLOCKS = (10, 20, 40, 80, 120, 160, 240)


def build_contracts(demo: DemoState) -> list[Row]:
    """100 contracts: managed-services agreements (current and last term), blocks, T&M."""
    rng = demo.rng
    customers = sorted((c for c in demo.companies[1:] if c.kind == "Customer"),
                       key=lambda c: -c.weight)
    plans: list[tuple[float, Company, str, float]] = []  # (start, company, kind, days)
    heavy = heaviest_customer(demo.companies)
    for n, company in enumerate(customers[:60]):
        # The heaviest customer signed before its surge (workload.py), priced on its old size.
        earliest = 150 if company is heavy else 15
        start: float = (END // DAY - rng.randint(earliest, 350)) * DAY
        plans.append((start, company, "Recurring Service", 365))
        if n < 20:  # the previous annual term, now expired
            plans.append((start - 365 * DAY, company, "Recurring Service", 365))
    for company in customers[60:72] or customers[:12]:
        plans.append(((END // DAY - rng.randint(30, 500)) * DAY, company, "Block Hours",
                      rng.choice((180, 365))))
    for company in customers[72:80] or customers[:8]:
        plans.append(((END // DAY - rng.randint(200, 540)) * DAY, company,
                      "Time and Materials", 3 * 365))
    plans.sort(key=lambda p: (p[0], p[1].id))
    types = labels("Contracts", "contractType")
    categories = labels("Contracts", "contractCategory")
    sla = labels("Tickets", "serviceLevelAgreementID")
    rows = []
    for n, (start, company, kind, days) in enumerate(plans):
        contract_id = ID_BASES["Contracts"] + n
        end = start + (days - 1) * DAY
        level = sla["Premium SLA"] if company.tier == 1 else sla["Standard SLA"]
        company.contracts.append((start, end + DAY, contract_id, level))
        monthly = round(company.weight * 900 + 600, 2)
        expected = HOURS_PER_TICKET * expected_tickets(
            demo.n_tickets, demo.companies, company, start // DAY, start // DAY + days)
        hours: float | None
        if kind == "Block Hours":  # the smallest block covering the (mis)estimated need
            need = expected * rng.uniform(0.6, 1.5)
            hours = float(next((b for b in _BLOCKS if b >= need), _BLOCKS[-1]))
        elif kind == "Recurring Service":
            hours = max(10.0, round(expected * rng.uniform(0.7, 1.25), -1))
        else:
            hours = None
        rows.append({
            "id": contract_id, "companyID": company.id,
            "contactID": company.contacts[0] if company.contacts else None,
            "contractName": {"Recurring Service": "Managed Services Agreement",
                             "Block Hours": f"{int(hours or 0)}-Hour Support Block",
                             "Time and Materials": "Time & Materials"}[kind]
            + f" {midnight(start):%Y}",
            "contractNumber": f"C-{midnight(start):%Y}-{n + 1:04d}",
            "contractType": types[kind],
            "contractCategory": categories["Managed Services" if kind == "Recurring Service"
                                           else "Break / Fix"],
            "status": 1 if end >= END else 0,
            "startDate": midnight(start), "endDate": midnight(end),
            "description": f"{kind} agreement for {company.name}",
            "estimatedRevenue": round(monthly * days / 30.4, 2) if kind != "Block Hours"
            else cast("float", hours) * 125.0,
            "estimatedCost": round(monthly * days / 30.4 * 0.55, 2),
            "estimatedHours": hours,
            "isDefaultContract": kind == "Time and Materials",
            "timeReportingRequiresStartAndStopTimes": 1 if kind == "Block Hours" else 0,
        })
    return rows
