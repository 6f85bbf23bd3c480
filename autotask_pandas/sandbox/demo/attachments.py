"""Attachments on companies, projects and tickets, each carrying a real file."""

from __future__ import annotations

from collections.abc import Iterator

from .common import DAY, END, HOUR, START, Row, dt
from .files import csv_bytes, log_bytes, pdf_bytes, png_bytes
from .state import DemoState

# Attachment rows carry the file itself under "data" (raw bytes; the HTTP layer base64-encodes).
ATTACHMENT_ENTITIES: tuple[str, ...] = ("CompanyAttachments", "ProjectAttachments",
                                        "TicketAttachments")


def build_attachments(demo: DemoState, projects: list[Row],
                      picked: list[tuple[int, float, float, int]]
                      ) -> Iterator[tuple[str, list[Row]]]:
    rng = demo.rng
    customers = [c for c in demo.companies[1:] if c.kind == "Customer"]
    by_weight = sorted(customers, key=lambda c: -c.weight)[:3]
    company_rows = []
    for n, company in enumerate(by_weight):
        name, kind, data = (
            ("Signed MSA.pdf", "application/pdf",
             pdf_bytes([f"Managed Services Agreement - {company.name}", "",
                        "Signed copy on file.", f"Customer number {company.id}"])),
            ("Network diagram.png", "image/png", png_bytes(48, 32, (30, 90, 160))),
            ("Site contacts.csv", "text/csv", csv_bytes(company.name, rng)),
        )[n % 3]
        when = rng.uniform(max(company.created, 0), END - DAY)
        company_rows.append(_attachment(demo, company.id, {"companyID": company.id}, name,
                                        kind, data, when, demo.staff[1][0]))
    yield "CompanyAttachments", company_rows

    project_rows = []
    for project in projects[:2]:
        created = project["createDateTime"]
        data = pdf_bytes([f"Project plan: {project['projectName']}", "",
                          f"Start {project['startDateTime']:%Y-%m-%d}",
                          f"End {project['endDateTime']:%Y-%m-%d}"])
        project_rows.append(_attachment(
            demo, project["id"], {"projectID": project["id"]}, "Project plan.pdf",
            "application/pdf", data, (created - START).total_seconds() + HOUR,
            project["projectLeadResourceID"]))
    yield "ProjectAttachments", project_rows

    kinds = (("screenshot.png", "image/png"), ("error-log.txt", "text/plain"),
             ("quote.pdf", "application/pdf"), ("device-inventory.csv", "text/csv"))
    ticket_rows = []
    for n, (ticket_id, created, last, resource) in enumerate(picked):
        name, kind = kinds[n % len(kinds)] if n % 5 else kinds[0]
        if kind == "image/png":
            data = png_bytes(rng.randint(24, 64), rng.randint(16, 48),
                             (rng.randint(0, 200), rng.randint(0, 200), rng.randint(0, 200)))
        elif kind == "text/plain":
            data = log_bytes(created, rng)
        elif kind == "application/pdf":
            data = pdf_bytes([f"Quotation for ticket {ticket_id}", "",
                              f"Amount: ${rng.randint(200, 5000)}.00", "Valid for 30 days."])
        else:
            data = csv_bytes(f"ticket {ticket_id}", rng)
        when = created + rng.random() * (last - created)
        ticket_rows.append(_attachment(demo, ticket_id, {"ticketID": ticket_id}, name, kind,
                                       data, when, resource))
    yield "TicketAttachments", ticket_rows


def _attachment(demo: DemoState, parent_id: int, link: dict[str, int], file_name: str,
                content_type: str, data: bytes, when: float, by: int) -> Row:
    row: Row = {
        "id": demo.attachment_id, "parentID": parent_id, **link,
        "title": file_name.rsplit(".", 1)[0].replace("-", " ").capitalize(),
        "fullPath": file_name, "contentType": content_type, "fileSize": float(len(data)),
        "attachDate": dt(when), "attachmentType": "FILE_ATTACHMENT", "publish": 1,
        "attachedByResourceID": by, "attachedByContactID": None, "data": data,
    }
    demo.attachment_id += 1
    return row
