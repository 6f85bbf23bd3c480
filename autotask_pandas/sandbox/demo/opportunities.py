"""Sales opportunities, open and decided, with prospects and existing customers."""

from __future__ import annotations

from .common import DAY, END, ID_BASES, Pick, Row, dt, labels, midnight
from .state import DemoState

_OPPORTUNITIES = ("Managed Services Agreement", "Firewall Refresh", "Microsoft 365 Migration",
                  "Laptop Refresh", "Backup & DR", "Security Assessment", "Network Upgrade",
                  "VoIP Phone System")


def build_opportunities(demo: DemoState) -> list[Row]:
    rng = demo.rng
    prospects = [c for c in demo.companies[1:] if c.kind in ("Prospect", "Lead")]
    customers = [c for c in demo.companies[1:] if c.kind == "Customer"]
    owners = demo.staff_with("Account Manager", "vCIO")
    status = labels("Opportunities", "status")
    stage = labels("Opportunities", "stage")
    outcome = Pick(((status["Active"], 45.0), (status["Closed"], 25.0),
                    (status["Lost"], 25.0), (status["Implemented"], 5.0)))
    created = sorted(rng.uniform(0, END - 7 * DAY) for _ in range(100))
    rows = []
    for n, when in enumerate(created):
        company = rng.choice(prospects if prospects and rng.random() < 0.6 else customers)
        state = outcome(rng)
        while state == status["Active"] and when < END - 240 * DAY:
            state = outcome(rng)  # old deals are decided by now
        open_stage = rng.choice(list(stage.values()))
        step = open_stage if state == status["Active"] else stage["Closing"]
        probability = {status["Closed"]: 100, status["Implemented"]: 100,
                       status["Lost"]: 0}.get(state, open_stage * 18)
        closes = when + rng.randint(30, 120) * DAY
        finished = min(closes, END - DAY) if state != status["Active"] else None
        amount = float(rng.randrange(2000, 90000, 500))
        monthly = round(amount / 12, 2)
        rows.append({
            "id": ID_BASES["Opportunities"] + n, "companyID": company.id,
            "contactID": company.contacts[0] if company.contacts else None,
            "title": f"{rng.choice(_OPPORTUNITIES)} - {company.name}"[:128],
            "description": "Opportunity raised by the account team.",
            "ownerResourceID": rng.choice(owners), "creatorResourceID": rng.choice(owners),
            "status": state, "stage": step,
            "rating": rng.choice(list(labels("Opportunities", "rating").values())),
            "leadSource": rng.choice(list(labels("Opportunities", "leadSource").values())),
            "probability": probability, "amount": amount,
            "cost": round(amount * rng.uniform(0.45, 0.7), 2),
            "monthlyRevenue": monthly, "onetimeRevenue": 0.0, "totalAmountMonths": 12,
            "useQuoteTotals": False, "createDate": dt(when),
            "projectedCloseDate": midnight(closes),
            "closedDate": dt(finished) if finished and state != status["Lost"] else None,
            "lostDate": dt(finished) if finished and state == status["Lost"] else None,
            "lastActivity": dt(finished if finished else rng.uniform(when, END)),
        })
    return rows
