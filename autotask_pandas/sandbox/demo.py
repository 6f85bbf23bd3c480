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
"""

from __future__ import annotations

import random
import struct
import zlib
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar, cast

from .tenant import DEMO_API_USER, PICKLISTS, REFERENCE_DATE, UDF_DEFINITIONS
from .values import format_datetime

__all__ = ["ATTACHMENT_ENTITIES", "ID_BASES", "generate", "pdf_bytes", "png_bytes"]

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

# UserDefinedFieldDefinitions codes. udfType 1 = Company is what Datto's collection queries
# ("Query UDF Information on Companies"); the other codes and the dataType codes are our guesses.
_UDF_TYPES = {"Companies": 1, "Contacts": 2, "ConfigurationItems": 3, "Tickets": 4,
              "Projects": 5, "Opportunities": 6, "Contracts": 7, "Tasks": 8, "Products": 9,
              "SalesOrders": 10, "Subscriptions": 11, "CompanySiteConfigurations": 12}
_UDF_DATA_TYPES = {"string": 1, "integer": 2, "double": 2, "datetime": 3}

# Attachment rows carry the file itself under "data" (raw bytes; the HTTP layer base64-encodes).
ATTACHMENT_ENTITIES: tuple[str, ...] = ("CompanyAttachments", "ProjectAttachments",
                                        "TicketAttachments")

_REF = REFERENCE_DATE
_DAYS = 548  # 18 months of history before the reference date
_START = _REF - timedelta(days=_DAYS)
_END = _DAYS * 86400  # the reference date, in seconds since _START
_HOUR = 3600.0
_DAY = 86400
_CHUNK = 5000  # tickets per batch: keeps memory flat at scale 20


def _dt(seconds: float) -> datetime:
    """The instant ``seconds`` after the start of the demo period (negative: before it)."""
    return _START + timedelta(seconds=int(seconds))


def _midnight(seconds: float) -> datetime:
    return _START + timedelta(days=int(seconds // _DAY))


def _udfs(*values: tuple[str, str | None]) -> list[dict[str, str]]:
    """The API's ``userDefinedFields`` list: only UDFs that hold a value (no value, no entry)."""
    return [{"name": name, "value": value} for name, value in values if value is not None]


def _iso(moment: datetime) -> str:
    """A datetime UDF value, in the one form the sandbox stores and answers every datetime."""
    return format_datetime(moment)


class _Pick(Generic[T]):
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


def _labels(entity: str, field: str) -> dict[str, int]:
    """Picklist label -> value, so the code below can say "Complete" and not 5."""
    return {v.label: v.value for v in PICKLISTS[entity][field]}


_STATUS = _labels("Tickets", "status")
_PRIORITY = _labels("Tickets", "priority")
_QUEUE = _labels("Tickets", "queueID")
_SOURCE = _labels("Tickets", "source")
_TICKET_TYPE = _labels("Tickets", "ticketType")
_CATEGORY = _labels("Tickets", "ticketCategory")
_ISSUE = _labels("Tickets", "issueType")
_SUB = _labels("Tickets", "subIssueType")
_COMPANY_TYPE = _labels("Companies", "companyType")
_CI_TYPE = _labels("ConfigurationItems", "configurationItemType")
_DEPARTMENT = _labels("Projects", "department")

# --------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------

_FIRST_NAMES = ["James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Carlos", "Karen", "Daniel", "Lisa", "Matthew", "Nancy", "Anthony", "Betty", "Mark", "Sandra", "Steven", "Ashley", "Paul", "Kimberly", "Andrew", "Emily", "Joshua", "Donna", "Kenneth", "Michelle", "Wei", "Carol", "Brian", "Amanda", "George", "Melissa", "Timothy", "Deborah", "Ronald", "Stephanie", "Jason", "Rebecca", "Edward", "Sharon", "Jeffrey", "Laura", "Ryan", "Cynthia", "Jacob", "Amy", "Gary", "Kathleen", "Nicholas", "Angela", "Eric", "Shirley", "Jonathan", "Anna", "Stephen", "Ruth", "Larry", "Brenda", "Justin", "Pamela", "Scott", "Nicole", "Brandon", "Fatima"]
_LAST_NAMES = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Gomez", "Phillips", "Evans", "Turner", "Diaz", "Parker", "Cruz", "Edwards", "Collins", "Reyes", "Stewart", "Morris", "Morales", "Murphy", "Cook", "Rogers", "Gutierrez", "Ortiz", "Morgan", "Cooper", "Peterson", "Bailey", "Reed", "Kelly", "Howard", "Ramos", "Kim", "Cox", "Ward"]
_JOB_TITLES = (
    "Office Manager", "Practice Administrator", "Controller", "CFO", "Operations Director",
    "Receptionist", "Paralegal", "Accountant", "Sales Manager", "Owner", "HR Generalist",
    "Project Coordinator", "Marketing Specialist", "Bookkeeper", "Executive Assistant",
    "Plant Manager", "Nurse Manager", "Associate", "Partner", "Program Director",
)
_COMPANY_PREFIXES = (
    "Northwind", "Blue Ridge", "Summit", "Lakeside", "Riverbend", "Harbor", "Granite", "Maple",
    "Cedar", "Pioneer", "Keystone", "Redwood", "Silver Creek", "Oakmont", "Evergreen", "Highland",
    "Bayview", "Stonebridge", "Westfield", "Brightwater", "Copper Hill", "Ironwood",
    "Meadowbrook", "Pinecrest", "Sterling", "Hudson Valley", "Clearwater", "Fairview", "Liberty",
    "Crescent", "Willow", "Aspen", "Sunrise", "Beacon", "Cornerstone", "Foxhall", "Greystone",
    "Juniper", "Kingsley", "Lighthouse", "Millbrook", "Orchard", "Parkside", "Rosewood",
    "Tidewater", "Vantage", "Whitmore", "Ashford", "Bramble", "Coventry",
)
# Industry words by market segment, so a "Dental" company sits in Healthcare.
_INDUSTRIES: dict[str, tuple[str, ...]] = {
    "Healthcare": ("Family Dental", "Pediatrics", "Physical Therapy", "Medical Group",
                   "Veterinary Clinic", "Eye Care"),
    "Legal": ("Law Group", "Legal Partners", "Title & Escrow"),
    "Manufacturing": ("Precision Machining", "Plastics", "Fabrication", "Tool & Die",
                      "Packaging"),
    "Financial Services": ("Wealth Advisors", "Credit Union", "Insurance Agency", "CPAs"),
    "Non-Profit": ("Community Foundation", "Family Services", "Arts Council"),
    "Retail": ("Outfitters", "Home & Garden", "Furniture", "Bicycle Co."),
    "Professional Services": ("Architects", "Engineering", "Consulting", "Realty",
                              "Surveying"),
}
_COMPANY_SUFFIXES = ("", " LLC", " Inc.", " Group", " & Co.")
_VENDORS = (
    "Dell Technologies", "HP Inc.", "Microsoft Corporation", "Ingram Micro", "TD SYNNEX",
    "Datto", "Cisco Systems", "Lenovo", "Ubiquiti", "Fortinet", "Pax8", "Comcast Business",
)
# (city, state, postal code, area code, territory, country id)
_PLACES = (
    ("Albany", "NY", "12207", "518", "Northeast", 237),
    ("Boston", "MA", "02110", "617", "Northeast", 237),
    ("Hartford", "CT", "06103", "860", "Northeast", 237),
    ("Providence", "RI", "02903", "401", "Northeast", 237),
    ("Philadelphia", "PA", "19103", "215", "Northeast", 237),
    ("Atlanta", "GA", "30303", "404", "Southeast", 237),
    ("Charlotte", "NC", "28202", "704", "Southeast", 237),
    ("Tampa", "FL", "33602", "813", "Southeast", 237),
    ("Nashville", "TN", "37203", "615", "Southeast", 237),
    ("Chicago", "IL", "60601", "312", "Midwest", 237),
    ("Columbus", "OH", "43215", "614", "Midwest", 237),
    ("Minneapolis", "MN", "55401", "612", "Midwest", 237),
    ("Madison", "WI", "53703", "608", "Midwest", 237),
    ("Denver", "CO", "80202", "303", "West", 237),
    ("Portland", "OR", "97204", "503", "West", 237),
    ("Sacramento", "CA", "95814", "916", "West", 237),
    ("Phoenix", "AZ", "85004", "602", "West", 237),
    ("Toronto", "ON", "M5H 2N2", "416", "International", 39),
    ("London", "", "EC1A 1BB", "20", "International", 236),
    ("Sydney", "NSW", "2000", "2", "International", 14),
)
_STREETS = ("Main Street", "Tech Valley Drive", "Commerce Way", "Market Street", "Park Avenue",
            "Industrial Parkway", "State Street", "Elm Street", "Corporate Drive", "Harbor Road")
_COUNTRIES = ((14, "Australia", "AU"), (39, "Canada", "CA"), (83, "Germany", "DE"),
              (236, "United Kingdom", "GB"), (237, "United States", "US"))

# The MSP's staff: (first, last, title, roles, department). Roles by name, first is the default.
_STAFF: tuple[tuple[str, str, str, tuple[str, ...], str], ...] = (
    ("Dana", "Whitfield", "Owner / vCIO", ("vCIO",), "Administration"),
    ("Marcus", "Chen", "Account Manager", ("Account Manager",), "Sales"),
    ("Priya", "Natarajan", "Account Manager", ("Account Manager",), "Sales"),
    ("Olivia", "Brooks", "Service Coordinator", ("Dispatcher",), "Service Desk"),
    *(
        (first, last, "Service Desk Technician", ("Help Desk Technician I",), "Service Desk")
        for first, last in (("Jordan", "Alvarez"), ("Sam", "Okafor"), ("Emily", "Novak"),
                            ("Tyler", "Brennan"), ("Aisha", "Rahman"), ("Kevin", "Park"),
                            ("Lucia", "Romero"), ("Nate", "Hoffman"))
    ),
    *(
        (first, last, "Senior Technician", ("Help Desk Technician II", "Help Desk Technician I"),
         "Service Desk")
        for first, last in (("Grace", "Liu"), ("Derek", "Mensah"), ("Hannah", "Schultz"),
                            ("Ravi", "Patel"), ("Connor", "Walsh"))
    ),
    *(
        (first, last, "Network Engineer", ("Network Engineer", "Help Desk Technician II"),
         "Service Desk")
        for first, last in (("Isabel", "Duarte"), ("Victor", "Kim"), ("Megan", "O'Connell"))
    ),
    *(
        (first, last, "Systems Engineer", ("Systems Engineer", "Network Engineer"),
         "Professional Services")
        for first, last in (("Andre", "Baptiste"), ("Fiona", "MacLeod"))
    ),
    *(
        (first, last, "Project Manager", ("Project Manager",), "Professional Services")
        for first, last in (("Rachel", "Stein"), ("Omar", "Haddad"))
    ),
)
# (name, hourly rate)
_ROLES = (
    ("Help Desk Technician I", 95.0), ("Help Desk Technician II", 125.0),
    ("Network Engineer", 150.0), ("Systems Engineer", 165.0), ("Project Manager", 140.0),
    ("Account Manager", 125.0), ("vCIO", 225.0), ("Dispatcher", 85.0),
)
# How much of the ticket load each role takes when its holder is picked for a ticket.
_TICKET_ROLE_WEIGHT = {"Help Desk Technician I": 3.0, "Help Desk Technician II": 2.0,
                       "Network Engineer": 1.0, "Systems Engineer": 0.4, "Dispatcher": 0.3}
_TASK_ROLE_WEIGHT = {"Systems Engineer": 3.0, "Network Engineer": 2.0,
                     "Help Desk Technician II": 1.0, "Project Manager": 1.0}
_BILLING_CODES = (("Remote Support", 125.0), ("Onsite Support", 150.0),
                  ("After Hours Support", 190.0), ("Project Labor", 150.0),
                  ("Consulting", 200.0), ("Internal Administration", 0.0))
# (name, manufacturer, CI type, unit cost, unit price, weight among a customer's devices)
_PRODUCTS = (
    ("Dell OptiPlex 7010", "Dell", "Workstation", 780.0, 1049.0, 30.0),
    ("Lenovo ThinkPad T14 Gen 4", "Lenovo", "Workstation", 1120.0, 1449.0, 25.0),
    ("HP EliteBook 840 G10", "HP", "Workstation", 1190.0, 1529.0, 12.0),
    ("Dell PowerEdge R660", "Dell", "Server", 5400.0, 6899.0, 3.0),
    ("HPE ProLiant DL360 Gen11", "HPE", "Server", 5900.0, 7499.0, 2.0),
    ("Cisco Meraki MX68", "Cisco", "Network Device", 690.0, 899.0, 3.0),
    ("Ubiquiti UniFi Switch Pro 24", "Ubiquiti", "Network Device", 480.0, 649.0, 4.0),
    ("HP LaserJet Pro M404dn", "HP", "Printer", 310.0, 429.0, 6.0),
    ("Apple iPhone 15", "Apple", "Mobile Device", 699.0, 829.0, 8.0),
    ("Microsoft 365 Business Premium", "Microsoft", "Software License", 22.0, 26.4, 5.0),
    ("Domain Registration (.com)", "GoDaddy", "Domain", 12.0, 25.0, 1.0),
    ("SSL Certificate (OV)", "DigiCert", "SSL Certificate", 180.0, 249.0, 1.0),
)
_HOST_CODE = {"Workstation": "WS", "Server": "SRV", "Network Device": "NET", "Printer": "PRN",
              "Mobile Device": "MOB"}
_HARDWARE = frozenset(_HOST_CODE)

# Ticket titles per sub-issue type; {first} is the contact's first name, {host} a device.
_TITLES: dict[str, tuple[str, ...]] = {
    "Workstation / Laptop": ("Laptop will not power on", "PC running very slowly",
                             "Blue screen on {first}'s workstation",
                             "Docking station not detecting monitors"),
    "Printer / Scanner": ("Printer offline for the front office", "Scanner not sending to email",
                          "Paper jam error that will not clear"),
    "Server Hardware": ("Server fan failure warning", "RAID degraded on {host}",
                        "Replace failed drive in {host}"),
    "Peripheral": ("New headset for {first}", "Webcam not working in Teams",
                   "Keyboard and mouse replacement"),
    "Microsoft 365": ("Outlook keeps prompting for password", "OneDrive not syncing",
                      "Teams calls dropping", "Shared calendar permissions for {first}"),
    "Line of Business Application": ("Practice management software will not open",
                                     "QuickBooks company file locked",
                                     "Update line-of-business application to latest version"),
    "Operating System": ("Windows update stuck at 35%", "Upgrade {first}'s PC to Windows 11",
                         "User profile corrupted"),
    "Antivirus / EDR": ("EDR quarantined a business application",
                        "Antivirus definitions out of date",
                        "Suspicious process flagged on {host}"),
    "Internet Outage": ("Internet down at main office", "Intermittent internet drops",
                        "ISP circuit down"),
    "Wi-Fi": ("Guest Wi-Fi not working", "Weak Wi-Fi in conference room",
              "Cannot connect to office Wi-Fi"),
    "VPN": ("VPN will not connect from home", "Set up VPN for {first}", "VPN very slow"),
    "Firewall": ("Open port for new phone system", "Firewall firmware update",
                 "Block website for staff"),
    "Password Reset": ("Password reset for {first}", "Account locked out",
                       "MFA reset - new phone"),
    "New User Setup": ("New hire starting Monday", "Onboard new employee",
                       "Create accounts for new staff member"),
    "User Offboarding": ("Employee departure - disable accounts", "Offboard {first}",
                         "Convert mailbox to shared for leaver"),
    "Permissions": ("Access to shared drive for {first}", "Add {first} to finance folder",
                    "Remove admin rights"),
    "Mailbox": ("Mailbox full", "Cannot send email to external domain",
                "Email delayed by several hours"),
    "Spam / Phishing": ("Suspicious email reported by {first}", "Phishing email - clicked link",
                        "Too much spam getting through"),
    "Distribution List": ("Add {first} to all-staff list", "Create new distribution list"),
    "Disk Space": ("Disk space low on C: - {host}", "Volume D: above 90% on {host}"),
    "Backup Failure": ("Backup job failed on {host}", "Offsite sync behind for {host}"),
    "Device Offline": ("Device offline: {host}", "Agent not checking in: {host}"),
    "Patch Failure": ("Patch installation failed on {host}",
                      "Pending reboot for patches on {host}"),
    "Quote Request": ("Quote for 5 new laptops", "Quote for firewall replacement",
                      "Pricing for additional Microsoft 365 licenses"),
    "Hardware Order": ("Order replacement laptop for {first}", "Order new monitors",
                       "Order toner for front office printer"),
}
_ALERT_SUBS = ("Disk Space", "Backup Failure", "Device Offline", "Patch Failure")
_DESCRIPTIONS = (
    "{first} called in: {title}. Affects day-to-day work; no workaround yet.",
    "Reported by {first} via email.\n\n{title}\n\nPlease advise on next steps.",
    "{title}. User has already tried restarting. Screenshot attached where available.",
    "Issue: {title}\nImpact: {impact}\nContact: {first}",
)
_ALERT_DESCRIPTION = (
    "Alert raised by RMM monitoring for {host}.\nCondition: {title}\nSeverity: {impact}"
)
_RESOLUTIONS = (
    "Resolved remotely; confirmed with the user that everything works.",
    "Replaced the faulty component and tested.",
    "Reconfigured the settings and documented the change.",
    "Issue cleared after applying updates and a restart.",
    "Vendor fixed the problem on their side; verified service restored.",
    "Walked the user through the fix; no further action required.",
)
_ROOT_CAUSES = ("User error", "Hardware failure", "Software defect", "Configuration change",
                "Vendor outage", "Network issue", "Security incident", "Capacity", "Unknown")
_NOTE_TEXTS = (
    "Called {first}, left voicemail.", "Remote session started; reviewing logs.",
    "Waiting on the user to confirm a convenient time.", "Escalated to senior technician.",
    "Ordered replacement part; ETA 2 business days.", "Applied fix, monitoring for recurrence.",
    "Vendor ticket opened, reference number in internal notes.",
    "User confirmed the issue is resolved.", "Checked event logs, no related errors found.",
)
_CUSTOMER_NOTES = ("Thanks, that worked!", "Still seeing the problem this morning.",
                   "I'll be available after 2pm today.", "Any update on this?")
_WORK_SUMMARIES = (
    "Remote troubleshooting and testing.", "Investigated the issue and applied fix.",
    "Phone call with user, gathered details.", "Onsite visit to replace hardware.",
    "Reviewed logs and updated configuration.", "Follow-up and verification with user.",
)
_PROJECTS = (
    ("Microsoft 365 Migration", ("Tenant preparation", "Mailbox migration", "OneDrive cutover",
                                 "User training", "Decommission old mail server")),
    ("Server Refresh", ("Order hardware", "Build new host", "Migrate virtual machines",
                        "Update backups", "Retire old server")),
    ("Firewall Replacement", ("Document current rules", "Stage new firewall",
                              "Cutover window", "Verify VPN access")),
    ("Windows 11 Upgrade", ("Compatibility assessment", "Pilot group upgrade",
                            "Wave 1 upgrades", "Wave 2 upgrades", "Close out")),
    ("Backup & DR Implementation", ("Deploy backup appliance", "Configure offsite replication",
                                    "Test restore", "DR runbook")),
    ("New Office Build-out", ("Site survey", "Cabling and Wi-Fi", "Network equipment install",
                              "Workstation moves", "Go-live support")),
    ("Security Hardening", ("MFA rollout", "EDR deployment", "Admin rights review",
                            "Security awareness training")),
)
_INTERNAL_PROJECTS = (
    ("Internal: PSA Workflow Cleanup", ("Review workflow rules", "Update ticket categories",
                                        "Retire old queues")),
    ("Internal: Documentation Sprint", ("Standardise templates", "Document top 20 customers",
                                        "Review and publish")),
)
_PHASES = ("Planning", "Implementation", "Handover")
_OPPORTUNITIES = ("Managed Services Agreement", "Firewall Refresh", "Microsoft 365 Migration",
                  "Laptop Refresh", "Backup & DR", "Security Assessment", "Network Upgrade",
                  "VoIP Phone System")


# --------------------------------------------------------------------------------------------
# Small real files for attachments
# --------------------------------------------------------------------------------------------


def png_bytes(width: int, height: int, colour: tuple[int, int, int], stripe: int = 4) -> bytes:
    """A valid 8-bit RGB PNG: ``colour`` with diagonal white stripes every ``stripe`` pixels."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + tag + data
                + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))

    white = bytes((255, 255, 255))
    solid = bytes(colour)
    rows = b"".join(
        b"\x00" + b"".join(white if (x + y) % stripe == 0 else solid for x in range(width))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit, truecolour
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def pdf_bytes(lines: Sequence[str]) -> bytes:
    """A valid one-page PDF 1.4 showing ``lines`` in Helvetica, with a correct xref table."""

    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    text = "\n".join(
        f"BT /F1 11 Tf 72 {740 - 16 * i} Td ({escape(line)}) Tj ET" for i, line in enumerate(lines)
    ).encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"
        ),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


# --------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------


def generate(scale: float = 1, seed: int = 0) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Yield ``(entity name, rows)`` batches of a realistic MSP tenant.

    ``scale`` multiplies the transactional volumes (companies, contacts, tickets, notes, time
    entries, configuration items); staff, projects, contracts and opportunities stay fixed.
    At scale 1: ~150 companies, 600 contacts, 5,000 tickets, ~10,000 notes, ~8,000 time entries.
    """
    if not scale > 0:
        raise ValueError(f"scale must be positive, not {scale!r}")
    return _Demo(float(scale), random.Random(seed)).batches()


class _Company:
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


class _Demo:
    def __init__(self, scale: float, rng: random.Random) -> None:
        self.scale = scale
        self.rng = rng
        self.companies: list[_Company] = []
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
        day = int(seconds // _DAY)
        self.numbers[day] = seq = self.numbers.get(day, 0) + 1
        return f"{prefix}{_midnight(seconds):%Y%m%d}.{seq:04d}"

    def staff_pairs(self, weights: dict[str, float]) -> _Pick[tuple[int, int]]:
        """(resource id, role id) pairs a ticket or task can be assigned to."""
        return _Pick(
            ((rid, self.role_ids[role]), weights.get(role, 0.0))
            for rid, _, roles, _ in self.staff for role in roles
        )

    def staff_with(self, *roles: str) -> list[int]:
        return [rid for rid, _, held, _ in self.staff if held[0] in roles]

    # -- orchestration ---------------------------------------------------------------------

    def batches(self) -> Iterator[tuple[str, list[Row]]]:
        yield from self.lookups()
        yield "Companies", self.build_companies()
        yield "CompanyLocations", self.build_locations()
        yield "Contacts", self.build_contacts()
        yield "Contracts", self.build_contracts()
        yield "ConfigurationItems", self.build_configuration_items()
        opportunities = self.build_opportunities()
        yield "Opportunities", opportunities
        projects, phases, tasks, task_time = self.build_projects(opportunities)
        yield "Projects", projects
        yield "Phases", phases
        yield "Tasks", tasks
        yield "TimeEntries", task_time
        attach_to = self.pick_attachment_tickets()
        picked: list[tuple[int, float, float, int]] = []
        yield from self.build_tickets(len(task_time), attach_to, picked)
        yield from self.build_attachments(projects, picked)

    # -- lookups ---------------------------------------------------------------------------

    def build_udf_definitions(self) -> list[Row]:
        """The tenant's UDFs as rows of UserDefinedFieldDefinitions, so the entity agrees with
        each entity's ``entityInformation/userDefinedFields``."""
        rows = []
        for n, (entity, definition) in enumerate(
            (e, d) for e, defs in UDF_DEFINITIONS.items() for d in defs
        ):
            rows.append({
                "id": ID_BASES["UserDefinedFieldDefinitions"] + n,
                "name": definition.name,
                "description": definition.description or None,
                "dataType": _UDF_DATA_TYPES[definition.type],
                "udfType": _UDF_TYPES[entity],
                "isActive": True,
                "isRequired": definition.is_required,
                "isPrivate": False,
                "isProtected": False,
                "isEncrypted": False,
                "isFieldMapping": False,
                "isVisibleToClientPortal": False,
                "defaultValue": definition.default_value,
                "sortOrder": n,
                "createDate": _START,
            })
        return rows

    def lookups(self) -> Iterator[tuple[str, list[Row]]]:
        yield "UserDefinedFieldDefinitions", self.build_udf_definitions()
        yield "Countries", [
            {"id": cid, "name": name, "displayName": name, "countryCode": code,
             "isActive": True, "isDefaultCountry": cid == 237}
            for cid, name, code in _COUNTRIES
        ]
        yield "Currencies", [
            {"id": ID_BASES["Currencies"], "name": "USD", "description": "US Dollar",
             "exchangeRate": 1.0, "isActive": True, "isInternalCurrency": True,
             "currencyPositiveFormat": "$x", "currencyNegativeFormat": "($x)"}
        ]
        yield "Departments", [
            {"id": v.value, "name": v.label, "description": f"{v.label} department",
             "number": str(n + 1)}
            for n, v in enumerate(PICKLISTS["Projects"]["department"])
        ]
        roles = []
        for n, (name, rate) in enumerate(_ROLES):
            self.role_ids[name] = role_id = ID_BASES["Roles"] + n
            roles.append({"id": role_id, "name": name, "description": name, "hourlyRate": rate,
                          "hourlyFactor": 1.0, "isActive": True, "isSystemRole": False,
                          "isExcludedFromNewContracts": False})
        yield "Roles", roles
        yield "Resources", self.build_resources()
        yield "ResourceRoleDepartments", self.build_resource_roles()
        codes = []
        for n, (name, price) in enumerate(_BILLING_CODES):
            self.billing[name] = code_id = ID_BASES["BillingCodes"] + n
            codes.append({"id": code_id, "name": name, "description": f"Work type: {name}",
                          "isActive": True, "unitPrice": price,
                          "department": _DEPARTMENT["Service Desk"]})
        yield "BillingCodes", codes
        yield "TicketCategories", [
            {"id": v.value, "name": v.label, "nickname": v.label[:3].upper(), "isActive": True,
             "isGlobalDefault": v.is_default, "isApiOnly": False}
            for v in PICKLISTS["Tickets"]["ticketCategory"]
        ]
        yield "ConfigurationItemTypes", [
            {"id": v.value, "name": v.label, "isActive": True}
            for v in PICKLISTS["ConfigurationItems"]["configurationItemType"]
        ]
        products = []
        for n, (name, maker, ci_type, cost, price, _) in enumerate(_PRODUCTS):
            product_id = ID_BASES["Products"] + n
            self.products.append((product_id, name, ci_type))
            products.append({"id": product_id, "name": name, "description": name,
                             "manufacturerName": maker, "manufacturerProductName": name,
                             "sku": f"{maker[:3].upper()}-{1000 + n}", "unitCost": cost,
                             "unitPrice": price, "msrp": round(price * 1.1, 2),
                             "isActive": True, "isSerialized": ci_type in _HARDWARE})
        yield "Products", products

    def build_resources(self) -> list[Row]:
        rng = self.rng
        api = DEMO_API_USER
        rows: list[Row] = [{
            "id": api.resource_id, "firstName": "Sandbox", "lastName": "API User",
            "userName": api.username.split("@")[0], "email": api.username,
            "title": "API Integration",
            "initials": "API", "isActive": True, "resourceType": "Employee",
            "hireDate": _midnight(-3 * 365 * _DAY), "internalCost": 0.0, "officePhone": None,
            "defaultServiceDeskRoleID": None,
        }]
        for n, (first, last, title, roles, dept) in enumerate(_STAFF, start=1):
            rid = api.resource_id + n
            self.staff.append((rid, first, roles, dept))
            rows.append({
                "id": rid, "firstName": first, "lastName": last,
                "userName": f"{first[0]}{last}".lower().replace("'", ""),
                "email": f"{first}.{last}@sandbox-msp.example".lower().replace("'", ""),
                "title": title, "initials": (first[0] + last[0]).upper(), "isActive": True,
                "resourceType": "Employee",
                "hireDate": _midnight(-rng.randint(60, 8 * 365) * _DAY),
                "internalCost": float(rng.randint(30, 75)),
                "officePhone": f"(518) 555-{100 + n:04d}",
                "defaultServiceDeskRoleID": self.role_ids[roles[0]],
            })
        return rows

    def build_resource_roles(self) -> list[Row]:
        rows, next_id = [], ID_BASES["ResourceRoleDepartments"]
        for rid, _, roles, dept in self.staff:
            for n, role in enumerate(roles):
                rows.append({"id": next_id, "resourceID": rid, "roleID": self.role_ids[role],
                             "departmentID": _DEPARTMENT[dept], "isDefault": n == 0,
                             "isActive": True, "isDepartmentLead": False})
                next_id += 1
        return rows

    # -- companies and people --------------------------------------------------------------

    def build_companies(self) -> list[Row]:
        rng = self.rng
        mix = {"Partner": self.count(1), "Vendor": self.count(12), "Prospect": self.count(18),
               "Lead": self.count(6), "Cancellation": self.count(4), "Dead": self.count(3)}
        total = max(round(150 * self.scale), sum(mix.values()) + 1)
        kinds = [kind for kind, n in mix.items() for _ in range(n)]
        kinds += ["Customer"] * (total - len(kinds))
        rng.shuffle(kinds)
        names = [(p, seg, ind, suf) for suf in _COMPANY_SUFFIXES for p in _COMPANY_PREFIXES
                 for seg, inds in _INDUSTRIES.items() for ind in inds]
        # Plain names first, suffixed ones only once those run out (they read as duplicates).
        plain = len(_COMPANY_PREFIXES) * sum(map(len, _INDUSTRIES.values()))
        head, tail = names[:plain], names[plain:]
        rng.shuffle(head)
        rng.shuffle(tail)
        names = head + tail
        vendors = iter(_VENDORS)
        # Companies were added over eight years; ids follow creation order.
        created = sorted(rng.uniform(-8 * 365 * _DAY, _END - 30 * _DAY) for _ in kinds)
        owners = self.staff_with("Account Manager", "vCIO")
        segments = _labels("Companies", "marketSegmentID")
        territories = _labels("Companies", "territoryID")
        classes = list(_labels("Companies", "classification").values())
        place_pick = _Pick((p, 1.0 if p[5] == 237 else 0.15) for p in _PLACES)

        msp = _Company(0, "Sandbox MSP", "sandbox-msp", "Customer", 0.6, _PLACES[0],
                       -9 * 365 * _DAY)
        self.companies.append(msp)
        rows = [self.company_row(msp, classification=None, segment=None,
                                 territory=territories["Northeast"], owner=owners[-1])]
        for n, (kind, when) in enumerate(zip(kinds, created)):
            if kind == "Vendor" and (vendor := next(vendors, None)):
                name, segment = vendor, None
            else:
                prefix, segment, industry, suffix = names[n % len(names)]
                name = f"{prefix} {industry}{suffix}"
            slug = "".join(ch for ch in name.lower() if ch.isalnum())[:40]
            weight = min(rng.paretovariate(1.4), 25.0) if kind == "Customer" else 0.0
            company = _Company(ID_BASES["Companies"] + n, name, slug, kind, weight,
                               place_pick(rng), when)
            if kind == "Customer":
                company.tier = 1 if weight > 5 else 2 if weight > 2 else 3
            self.companies.append(company)
            rows.append(self.company_row(
                company,
                classification=classes[company.tier - 1] if company.tier else None,
                segment=segments[segment] if segment else None,
                territory=territories[company.place[4]],
                owner=owners[n % len(owners)],
            ))
        return rows

    def company_row(self, company: _Company, *, classification: int | None,
                    segment: int | None, territory: int, owner: int) -> Row:
        rng = self.rng
        city, state, postal, area, _, country = company.place
        customer = company.kind == "Customer" and company.id != 0
        non_profit = _labels("Companies", "marketSegmentID")["Non-Profit"]
        udfs = _udfs(
            ("Customer Tier", str(company.tier) if company.tier else None),
            ("Contract Renewal Date",
             _iso(_midnight(_END + rng.randint(20, 365) * _DAY)) if customer else None),
            ("Seats", str(int(5 + company.weight * 12)) if customer else None),
        )
        return {
            "id": company.id, "companyName": company.name,
            "companyNumber": str(100000 + company.id % 100000),
            "companyType": _COMPANY_TYPE[company.kind], "classification": classification,
            "marketSegmentID": segment, "territoryID": territory,
            "phone": f"({area}) 555-{rng.randint(100, 199):04d}",
            "fax": f"({area}) 555-{rng.randint(100, 199):04d}" if rng.random() < 0.3 else None,
            "address1": f"{rng.randint(1, 999)} {rng.choice(_STREETS)}",
            "address2": f"Suite {rng.randint(100, 500)}" if rng.random() < 0.4 else None,
            "city": city, "state": state or None, "postalCode": postal, "countryID": country,
            "webAddress": f"www.{company.slug}.example", "isActive": company.kind != "Dead",
            "isClientPortalActive": customer and rng.random() < 0.6, "isTaskFireActive": False,
            "isTaxExempt": segment == non_profit,
            "ownerResourceID": owner, "currencyID": ID_BASES["Currencies"],
            "createDate": _dt(company.created), "createdByResourceID": owner,
            "lastActivityDate": _dt(rng.uniform(max(company.created, 0), _END)),
            "userDefinedFields": udfs,
        }

    def build_locations(self) -> list[Row]:
        rows = []
        for n, company in enumerate(self.companies):
            company.location_id = ID_BASES["CompanyLocations"] + n
            city, state, postal, area, _, country = company.place
            rows.append({"id": company.location_id, "companyID": company.id,
                         "name": "Headquarters", "address1": f"{100 + n} {_STREETS[n % 10]}",
                         "city": city, "state": state or None, "postalCode": postal,
                         "countryID": country, "phone": f"({area}) 555-0100",
                         "isPrimary": True, "isActive": True, "isTaxExempt": False,
                         "overrideCompanyTaxSettings": False})
        return rows

    def build_contacts(self) -> list[Row]:
        rng = self.rng
        target = round(600 * self.scale)
        # Non-customers keep a contact or two; customers share the rest by size (at least one).
        counts = {c.id: 2 if c.kind in ("Prospect", "Partner", "Cancellation") else 1
                  for c in self.companies[1:] if c.kind != "Dead"}
        customers = [c for c in self.companies[1:] if c.kind == "Customer"]
        spare = max(0, target - sum(counts.values()))
        total_weight = sum(c.weight for c in customers) or 1.0
        for c in customers:
            counts[c.id] += int(spare * c.weight / total_weight)
        # Rounding down left a few over: give them out by size too.
        extra = _Pick((c, c.weight) for c in customers)
        for _ in range(target - sum(counts.values())):
            counts[extra(rng).id] += 1
        preferred = UDF_DEFINITIONS["Contacts"][0].picklist_values
        channel = _Pick((str(v.value), 1.0) for v in preferred)
        rows, next_id = [], ID_BASES["Contacts"]
        for company in self.companies[1:]:
            for n in range(counts.get(company.id, 0)):
                first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
                created = rng.uniform(company.created, _END - _DAY)
                company.contacts.append(next_id)
                company.contact_names.append(first)
                area = company.place[3]
                rows.append({
                    "id": next_id, "companyID": company.id,
                    "companyLocationID": company.location_id,
                    "firstName": first, "lastName": last, "title": rng.choice(_JOB_TITLES),
                    "emailAddress": f"{first[0]}{last}@{company.slug}.example".lower(),
                    "phone": f"({area}) 555-{rng.randint(100, 199):04d}",
                    "extension": str(rng.randint(100, 399)) if rng.random() < 0.5 else None,
                    "mobilePhone": f"({area}) 555-{rng.randint(100, 199):04d}"
                    if rng.random() < 0.5 else None,
                    "isActive": 0 if rng.random() < 0.05 else 1, "primaryContact": n == 0,
                    "receivesEmailNotifications": True,
                    "createDate": _dt(created),
                    "lastActivityDate": _dt(rng.uniform(created, _END)),
                    "lastModifiedDate": _dt(rng.uniform(created, _END)),
                    "userDefinedFields": _udfs(
                        ("Preferred Channel", channel(rng) if rng.random() < 0.6 else None)),
                })
                next_id += 1
        return rows

    # -- contracts, devices, sales ---------------------------------------------------------

    def build_contracts(self) -> list[Row]:
        """100 contracts: managed-services agreements (current and last term), blocks, T&M."""
        rng = self.rng
        customers = sorted((c for c in self.companies[1:] if c.kind == "Customer"),
                           key=lambda c: -c.weight)
        plans: list[tuple[float, _Company, str, float]] = []  # (start, company, kind, days)
        for n, company in enumerate(customers[:60]):
            start: float = (_END // _DAY - rng.randint(15, 350)) * _DAY
            plans.append((start, company, "Recurring Service", 365))
            if n < 20:  # the previous annual term, now expired
                plans.append((start - 365 * _DAY, company, "Recurring Service", 365))
        for company in customers[60:72] or customers[:12]:
            plans.append(((_END // _DAY - rng.randint(30, 500)) * _DAY, company, "Block Hours",
                          rng.choice((180, 365))))
        for company in customers[72:80] or customers[:8]:
            plans.append(((_END // _DAY - rng.randint(200, 540)) * _DAY, company,
                          "Time and Materials", 3 * 365))
        plans.sort(key=lambda p: (p[0], p[1].id))
        types = _labels("Contracts", "contractType")
        categories = _labels("Contracts", "contractCategory")
        sla = _labels("Tickets", "serviceLevelAgreementID")
        rows = []
        for n, (start, company, kind, days) in enumerate(plans):
            contract_id = ID_BASES["Contracts"] + n
            end = start + (days - 1) * _DAY
            level = sla["Premium SLA"] if company.tier == 1 else sla["Standard SLA"]
            company.contracts.append((start, end + _DAY, contract_id, level))
            monthly = round(company.weight * 900 + 600, 2)
            hours = float(rng.choice((20, 40, 80))) if kind == "Block Hours" else None
            rows.append({
                "id": contract_id, "companyID": company.id,
                "contactID": company.contacts[0] if company.contacts else None,
                "contractName": {"Recurring Service": "Managed Services Agreement",
                                 "Block Hours": f"{int(hours or 0)}-Hour Support Block",
                                 "Time and Materials": "Time & Materials"}[kind]
                + f" {_midnight(start):%Y}",
                "contractNumber": f"C-{_midnight(start):%Y}-{n + 1:04d}",
                "contractType": types[kind],
                "contractCategory": categories["Managed Services" if kind == "Recurring Service"
                                               else "Break / Fix"],
                "status": 1 if end >= _END else 0,
                "startDate": _midnight(start), "endDate": _midnight(end),
                "description": f"{kind} agreement for {company.name}",
                "estimatedRevenue": round(monthly * days / 30.4, 2) if kind != "Block Hours"
                else cast("float", hours) * 125.0,
                "estimatedCost": round(monthly * days / 30.4 * 0.55, 2),
                "estimatedHours": hours,
                "isDefaultContract": kind == "Time and Materials",
                "timeReportingRequiresStartAndStopTimes": 1 if kind == "Block Hours" else 0,
            })
        return rows

    def build_configuration_items(self) -> list[Row]:
        rng = self.rng
        customers = [c for c in self.companies[1:] if c.kind == "Customer"]
        company_pick = _Pick((c, c.weight) for c in customers)
        product_pick = _Pick(((pid, name, ci_type), p[5])
                             for (pid, name, ci_type), p in zip(self.products, _PRODUCTS))
        hostnames: dict[tuple[int, str], int] = {}
        rows = []
        for n in range(self.count(1000)):
            company = company_pick(rng)
            product_id, product, ci_type = product_pick(rng)
            ci_id = ID_BASES["ConfigurationItems"] + n
            installed = rng.uniform(max(company.created, -4 * 365 * _DAY), _END - _DAY)
            code = _HOST_CODE.get(ci_type)
            if code:
                hostnames[(company.id, code)] = seq = hostnames.get((company.id, code), 0) + 1
                title = f"{company.slug[:4].upper()}-{code}-{seq:03d}"
                if ci_type in ("Workstation", "Server", "Network Device"):
                    company.devices.append((ci_id, title))
            else:
                title = f"{product} - {company.name}"
            hardware = ci_type in _HARDWARE
            warranty = installed + 3 * 365 * _DAY if hardware else None
            extended = warranty + rng.choice((365, 730)) * _DAY if warranty and rng.random() < 0.3 \
                else warranty
            rows.append({
                "id": ci_id, "companyID": company.id, "companyLocationID": company.location_id,
                "productID": product_id, "configurationItemType": _CI_TYPE[ci_type],
                "referenceTitle": title,
                "serialNumber": "".join(rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", k=10))
                if hardware else None,
                "contactID": rng.choice(company.contacts)
                if ci_type in ("Workstation", "Mobile Device") and company.contacts else None,
                "installDate": _midnight(installed),
                "warrantyExpirationDate": _midnight(warranty) if warranty else None,
                "isActive": rng.random() < 0.92, "createDate": _dt(installed),
                "numberOfUsers": float(rng.randint(5, 60)) if ci_type == "Software License"
                else None,
                "userDefinedFields": _udfs(
                    ("Warranty Expiry", _iso(_midnight(extended)) if extended else None)),
            })
        return rows

    def build_opportunities(self) -> list[Row]:
        rng = self.rng
        prospects = [c for c in self.companies[1:] if c.kind in ("Prospect", "Lead")]
        customers = [c for c in self.companies[1:] if c.kind == "Customer"]
        owners = self.staff_with("Account Manager", "vCIO")
        status = _labels("Opportunities", "status")
        stage = _labels("Opportunities", "stage")
        outcome = _Pick(((status["Active"], 45.0), (status["Closed"], 25.0),
                         (status["Lost"], 25.0), (status["Implemented"], 5.0)))
        created = sorted(rng.uniform(0, _END - 7 * _DAY) for _ in range(100))
        rows = []
        for n, when in enumerate(created):
            company = rng.choice(prospects if prospects and rng.random() < 0.6 else customers)
            state = outcome(rng)
            while state == status["Active"] and when < _END - 240 * _DAY:
                state = outcome(rng)  # old deals are decided by now
            open_stage = rng.choice(list(stage.values()))
            step = open_stage if state == status["Active"] else stage["Closing"]
            probability = {status["Closed"]: 100, status["Implemented"]: 100,
                           status["Lost"]: 0}.get(state, open_stage * 18)
            closes = when + rng.randint(30, 120) * _DAY
            finished = min(closes, _END - _DAY) if state != status["Active"] else None
            amount = float(rng.randrange(2000, 90000, 500))
            monthly = round(amount / 12, 2)
            rows.append({
                "id": ID_BASES["Opportunities"] + n, "companyID": company.id,
                "contactID": company.contacts[0] if company.contacts else None,
                "title": f"{rng.choice(_OPPORTUNITIES)} - {company.name}"[:128],
                "description": "Opportunity raised by the account team.",
                "ownerResourceID": rng.choice(owners), "creatorResourceID": rng.choice(owners),
                "status": state, "stage": step,
                "rating": rng.choice(list(_labels("Opportunities", "rating").values())),
                "leadSource": rng.choice(list(_labels("Opportunities", "leadSource").values())),
                "probability": probability, "amount": amount,
                "cost": round(amount * rng.uniform(0.45, 0.7), 2),
                "monthlyRevenue": monthly, "onetimeRevenue": 0.0, "totalAmountMonths": 12,
                "useQuoteTotals": False, "createDate": _dt(when),
                "projectedCloseDate": _midnight(closes),
                "closedDate": _dt(finished) if finished and state != status["Lost"] else None,
                "lostDate": _dt(finished) if finished and state == status["Lost"] else None,
                "lastActivity": _dt(finished if finished else rng.uniform(when, _END)),
            })
        return rows

    # -- projects and tasks ----------------------------------------------------------------

    def build_projects(self, opportunities: list[Row]) -> tuple[list[Row], ...]:
        rng = self.rng
        customers = [c for c in self.companies[1:] if c.kind == "Customer"]
        company_pick = _Pick((c, c.weight + 1.0) for c in customers)
        won = {row["companyID"]: row["id"] for row in opportunities
               if row["closedDate"] is not None}
        leads = self.staff_with("Project Manager", "Systems Engineer")
        workers = self.staff_pairs(_TASK_ROLE_WEIGHT)
        p_status = _labels("Projects", "status")
        p_type = _labels("Projects", "projectType")
        t_status = _labels("Tasks", "status")
        priority = list(_labels("Tasks", "priorityLabel").values())
        n_tasks = [7] * 40
        for _ in range(300 - sum(n_tasks)):
            n_tasks[rng.randrange(40)] += 1
        plans = []
        for n in range(40):
            internal = n % 7 == 6  # six internal projects among the forty
            template = rng.choice(_INTERNAL_PROJECTS if internal else _PROJECTS)
            plans.append((rng.uniform(0, _END - 20 * _DAY), internal, template, n_tasks[n]))
        plans.sort(key=lambda p: p[0])
        projects: list[Row] = []
        phases: list[Row] = []
        tasks: list[Row] = []
        entries: list[Row] = []
        phase_id, task_id = ID_BASES["Phases"], ID_BASES["Tasks"]
        for n, (created, internal, (name, steps), count) in enumerate(plans):
            project_id = ID_BASES["Projects"] + n
            company = self.companies[0] if internal else company_pick(rng)
            start = created + rng.randint(1, 14) * _DAY
            end = start + rng.randint(30, 120) * _DAY
            done = end < _END - 14 * _DAY and rng.random() < 0.9
            if done:
                state = p_status["Complete"]
            elif start > _END:
                state = p_status["New"]
            else:
                state = rng.choice((p_status["In Progress"], p_status["In Progress"],
                                    p_status["On Hold"], p_status["Waiting Customer"]))
            creator = rng.choice(leads)
            length = (end - start) / len(_PHASES)
            phase_ids = []
            for k, title in enumerate(_PHASES):
                phase_ids.append(phase_id)
                phases.append({"id": phase_id, "projectID": project_id, "title": title,
                               "description": f"{title} phase of {name}",
                               "startDate": _midnight(start + k * length),
                               "dueDate": _midnight(start + (k + 1) * length),
                               "estimatedHours": float(count * 4), "isScheduled": True,
                               "createDate": _dt(created), "creatorResourceID": creator})
                phase_id += 1
            hours_on_project = 0.0
            for k in range(count):
                rounds = k // len(steps)  # long projects repeat steps: "Wave 1 upgrades (2)"
                step = steps[k % len(steps)] + (f" ({rounds + 1})" if rounds else "")
                t_start = start + (end - start) * k / count
                t_end = t_start + (end - start) / count
                if done or t_end < _END:
                    t_state = t_status["Complete"]
                elif t_start < _END:
                    t_state = rng.choice((t_status["In Progress"], t_status["Waiting Customer"]))
                else:
                    t_state = t_status["New"]
                resource, role = workers(rng)
                estimate = float(rng.choice((2, 4, 6, 8, 12, 16)))
                row_entries = self.task_time(task_id, resource, role, t_start, t_end, t_state,
                                             internal, ID_BASES["TimeEntries"] + len(entries))
                entries += row_entries
                worked = sum(e["hoursWorked"] for e in row_entries)
                hours_on_project += worked
                finished = t_state == t_status["Complete"]
                tasks.append({
                    "id": task_id, "projectID": project_id,
                    "phaseID": phase_ids[min(int(k * len(_PHASES) / count), len(_PHASES) - 1)],
                    "title": step, "description": f"{step} for {name}",
                    "status": t_state, "taskType": 1, "priorityLabel": rng.choice(priority),
                    "assignedResourceID": resource, "assignedResourceRoleID": role,
                    "departmentID": _DEPARTMENT["Professional Services"],
                    "billingCodeID": self.billing["Internal Administration" if internal
                                                  else "Project Labor"],
                    "startDateTime": _dt(t_start), "endDateTime": _dt(t_end),
                    "estimatedHours": estimate, "remainingHours": 0.0 if finished
                    else max(0.0, estimate - worked),
                    "isTaskBillable": not internal, "isVisibleInClientPortal": False,
                    "taskNumber": self.number("T", min(created + k * 60, _END - 1)),
                    "createDateTime": _dt(created), "creatorResourceID": creator,
                    "completedDateTime": _dt(min(t_end, _END)) if finished else None,
                    "completedByResourceID": resource if finished else None,
                    "lastActivityDateTime": _dt(min(t_end, _END) if t_start < _END else created),
                })
                task_id += 1
            projects.append({
                "id": project_id, "projectName": f"{name} - {company.name}"[:100]
                if not internal else name,
                "projectNumber": f"P{_midnight(created):%Y%m%d}.{n + 1:04d}",
                "companyID": company.id, "status": state,
                "projectType": p_type["Internal" if internal else "Client"],
                "department": _DEPARTMENT["Professional Services"],
                "description": f"{name} for {company.name}.",
                "projectLeadResourceID": creator, "creatorResourceID": creator,
                "opportunityID": None if internal else won.get(company.id),
                "createDateTime": _dt(created), "startDateTime": _dt(start),
                "endDateTime": _dt(end), "duration": int((end - start) // _DAY),
                "completedDateTime": _dt(end) if done else None,
                "completedPercentage": 100 if done else min(99, max(0, int(
                    100 * (_END - start) / (end - start)))),
                "estimatedTime": float(count * 8), "actualHours": round(hours_on_project, 2),
                "statusDateTime": _dt(min(end if done else start, _END)),
                "lastActivityDateTime": _dt(min(end, _END)),
                "userDefinedFields": _udfs(
                    ("Budget Code", f"CC-{rng.randint(1000, 9999)}"
                     if not internal and rng.random() < 0.5 else None)),
            })
        return projects, phases, tasks, entries

    def task_time(self, task_id: int, resource: int, role: int, start: float, end: float,
                  state: int, internal: bool, first_id: int) -> list[Row]:
        """Time logged against a project task: a few entries inside its window, before today."""
        rng = self.rng
        if state == _labels("Tasks", "status")["New"]:
            return []
        rows: list[Row] = []
        for k in range(rng.randint(2, 5)):
            hours = float(rng.choice((1, 1.5, 2, 3, 4)))
            began = start + rng.random() * max(0.0, min(end, _END) - start - hours * _HOUR)
            # Working hours: move the start to 08:00-15:00 of its day.
            began = began // _DAY * _DAY + rng.randint(8 * 3600, 15 * 3600)
            finished = began + hours * _HOUR
            if finished > _END:
                continue
            rows.append(self.time_row(first_id + len(rows), None, task_id, resource, role, began,
                                      hours, None, self.billing["Internal Administration"
                                                                if internal else "Project Labor"],
                                      internal, 6))
        return rows

    def time_row(self, entry_id: int, ticket_id: int | None, task_id: int | None, resource: int,
                 role: int, began: float, hours: float, contract: int | None, billing: int,
                 non_billable: bool, entry_type: int) -> Row:
        rng = self.rng
        logged = _dt(min(began + hours * _HOUR + rng.random() * 2 * _HOUR, _END))
        return {
            "id": entry_id, "ticketID": ticket_id, "taskID": task_id, "resourceID": resource,
            "roleID": role, "timeEntryType": entry_type, "dateWorked": _midnight(began),
            "startDateTime": _dt(began), "endDateTime": _dt(began + hours * _HOUR),
            "hoursWorked": hours, "hoursToBill": 0.0 if non_billable else hours,
            "offsetHours": 0.0, "summaryNotes": rng.choice(_WORK_SUMMARIES),
            "internalNotes": None, "billingCodeID": billing, "contractID": contract,
            "isNonBillable": non_billable, "showOnInvoice": not non_billable,
            "createDateTime": logged, "creatorUserID": resource,
            "lastModifiedDateTime": logged, "lastModifiedUserID": resource,
        }

    # -- tickets ---------------------------------------------------------------------------

    def pick_attachment_tickets(self) -> frozenset[int]:
        """Indexes of the tickets that get an attachment, chosen before the tickets exist.

        About 40 attachments at scale 1 (35 on tickets), never more than 200 in all.
        """
        n = max(1, min(195, round(35 * self.scale)))
        return frozenset(self.rng.sample(range(self.n_tickets), min(n, self.n_tickets)))

    def build_tickets(self, task_entries: int, attach_to: frozenset[int],
                      picked: list[tuple[int, float, float, int]]
                      ) -> Iterator[tuple[str, list[Row]]]:
        """Tickets in creation order, each chunk followed by its notes and time entries.

        ``picked`` collects (ticket id, created, last activity, resource) of the tickets chosen
        for attachments.
        """
        rng = self.rng
        r = rng.random
        n_tickets = self.n_tickets
        # When tickets arrive: weekdays, office hours, slowly growing over the 18 months.
        days = _Pick((d, (0.3 if (_START + timedelta(days=d)).weekday() >= 5 else 1.0)
                      * (0.8 + 0.4 * d / _DAYS)) for d in range(_DAYS))
        hours = _Pick((h, 1.0 if 8 <= h <= 16 else 0.4 if h in (7, 17) else 0.06)
                      for h in range(24))
        times = sorted(days(rng) * _DAY + hours(rng) * 3600 + int(r() * 3600)
                       for _ in range(n_tickets))
        companies = _Pick((c, c.weight) for c in self.companies if c.weight > 0)
        user_issue = _Pick(
            ((v.parent_value, v.value, v.label), 1.0 if v.parent_value != _ISSUE["Monitoring"]
             else 0.0)
            for v in PICKLISTS["Tickets"]["subIssueType"]
        )
        alert_sub = _Pick(((_SUB[s], s), w) for s, w in zip(_ALERT_SUBS, (4.0, 3.0, 2.0, 3.0)))
        source = _Pick(((_SOURCE[s], w) for s, w in (
            ("Phone", 30.0), ("Email", 35.0), ("Client Portal", 20.0), ("In Person / Onsite", 4.0),
            ("Voice Mail", 5.0), ("Web Portal", 2.0), ("Insourced", 4.0))))
        priority = _Pick(((_PRIORITY[p], w) for p, w in (
            ("Critical", 3.0), ("High", 15.0), ("Medium", 55.0), ("Low", 27.0))))
        open_status = _Pick(((_STATUS[s], w) for s, w in (
            ("New", 15.0), ("In Progress", 30.0), ("Waiting Customer", 20.0), ("Dispatched", 8.0),
            ("Waiting Vendor", 6.0), ("Waiting Materials", 5.0), ("Escalate", 4.0),
            ("Waiting Approval", 4.0), ("Customer Note Added", 6.0), ("Change Order", 2.0))))
        user_type = _Pick(((_TICKET_TYPE[t], w) for t, w in (
            ("Incident", 60.0), ("Service Request", 30.0), ("Problem", 4.0),
            ("Change Request", 6.0))))
        # Mean hours to resolve by priority; a few tickets get stuck for weeks.
        resolve_mean = {_PRIORITY["Critical"]: 6.0, _PRIORITY["High"]: 30.0,
                        _PRIORITY["Medium"]: 120.0, _PRIORITY["Low"]: 300.0}
        due_hours = {_PRIORITY["Critical"]: 4, _PRIORITY["High"]: 8, _PRIORITY["Medium"]: 48,
                     _PRIORITY["Low"]: 120}
        techs = self.staff_pairs(_TICKET_ROLE_WEIGHT)
        # About two notes and one and a half time entries per ticket.
        note_count = _Pick(((0, 8.0), (1, 27.0), (2, 30.0), (3, 22.0), (4, 13.0)))
        time_count = _Pick(((0, 12.0), (1, 42.0), (2, 27.0), (3, 12.0), (4, 7.0)))
        work_hours = _Pick(((h, w) for h, w in ((0.25, 20.0), (0.5, 25.0), (0.75, 12.0),
                                               (1.0, 18.0), (1.5, 10.0), (2.0, 8.0),
                                               (3.0, 5.0), (4.0, 2.0))))
        note_type = _Pick(((3, 60.0), (2, 25.0), (1, 10.0), (13, 5.0)))
        remote, onsite = self.billing["Remote Support"], self.billing["Onsite Support"]
        internal_code = self.billing["Internal Administration"]
        api_user = DEMO_API_USER.resource_id
        dispatcher = self.staff_with("Dispatcher")[0]
        labels = {v.value: v.label for v in PICKLISTS["Tickets"]["priority"]}
        complete, new = _STATUS["Complete"], _STATUS["New"]
        monitoring = _ISSUE["Monitoring"]
        q_level1, q_level2 = _QUEUE["Level I Support"], _QUEUE["Level II Support"]
        q_portal, q_post, q_alert = (_QUEUE["Client Portal"], _QUEUE["Post Sale"],
                                     _QUEUE["Monitoring Alert"])
        s_portal, s_alert = _SOURCE["Client Portal"], _SOURCE["Monitoring Alert"]
        onboarding_subs = (_SUB["New User Setup"], _SUB["User Offboarding"])
        service_issues = (_ISSUE["Accounts & Access"], _ISSUE["Procurement"])

        note_id = ID_BASES["TicketNotes"]
        entry_id = ID_BASES["TimeEntries"] + task_entries
        for chunk_start in range(0, n_tickets, _CHUNK):
            tickets: list[Row] = []
            notes: list[Row] = []
            entries: list[Row] = []
            for index in range(chunk_start, min(chunk_start + _CHUNK, n_tickets)):
                ticket_id = ID_BASES["Tickets"] + index
                t = times[index]
                company = companies(rng)
                contacts = company.contacts
                if contacts:
                    k = int(r() * len(contacts))
                    contact, first = contacts[k], company.contact_names[k]
                else:
                    contact, first = None, "the user"
                alert = bool(company.devices) and r() < 0.2
                issue: int | None  # a user issue's parent value may be None
                creator: int | None
                if alert:
                    ci, host = company.devices[int(r() * len(company.devices))]
                    sub, sub_label = alert_sub(rng)
                    issue, src, queue = monitoring, s_alert, q_alert
                    kind, category = _TICKET_TYPE["Alert"], _CATEGORY["RMM Alert"]
                    contact, creator, by_contact = None, api_user, None
                    server_down = sub_label == "Device Offline" and "-SRV-" in host
                    prio = _PRIORITY["Critical"] if server_down else priority(rng)
                else:
                    issue, sub, sub_label = user_issue(rng)
                    src = source(rng)
                    if company.devices and r() < 0.4:
                        ci, host = company.devices[int(r() * len(company.devices))]
                    else:
                        ci, host = None, "the server"
                    if issue == _ISSUE["Procurement"]:
                        queue = q_post
                    elif src == s_portal and r() < 0.7:
                        queue = q_portal
                    else:
                        queue = q_level1 if r() < 0.75 else q_level2
                    kind = _TICKET_TYPE["Service Request"] if issue in service_issues \
                        else user_type(rng)
                    category = (_CATEGORY["Change Management"]
                                if kind == _TICKET_TYPE["Change Request"]
                                else _CATEGORY["Onboarding"] if sub in onboarding_subs
                                else _CATEGORY["Standard"])
                    by_contact = contact if src == s_portal else None
                    creator = None if by_contact else dispatcher if r() < 0.5 else None
                    prio = priority(rng)
                title = rng.choice(_TITLES[sub_label]).format(first=first, host=host)
                mean = 2.0 if alert else resolve_mean[prio]
                duration = rng.expovariate(1 / mean) * _HOUR + 300
                if r() < 0.07:
                    duration += rng.expovariate(1 / 60) * _DAY
                assigned = techs(rng)
                if creator is None and not by_contact:
                    creator = assigned[0]
                if t + duration < _END:
                    status, last = complete, t + duration
                else:
                    status = open_status(rng)
                    last = t + r() * (_END - t)
                if status == new and r() < 0.6:
                    resource, role = None, None
                else:
                    resource, role = assigned
                done = status == complete
                contract = None
                level = None
                for c_start, c_end, c_id, c_level in company.contracts:
                    if c_start <= t < c_end:
                        contract, level = c_id, c_level
                        break
                due = t + due_hours[prio] * _HOUR
                responded = None if status == new else t + min(
                    duration, rng.expovariate(2) * _HOUR, last - t)
                impact = 1 + int(r() * 5)
                if by_contact or not alert:
                    description = rng.choice(_DESCRIPTIONS).format(
                        first=first, title=title, impact=labels[prio])
                else:
                    description = _ALERT_DESCRIPTION.format(host=host, title=title,
                                                            impact=labels[prio])
                tickets.append({
                    "id": ticket_id, "ticketNumber": self.number("T", t), "title": title,
                    "description": description, "companyID": company.id,
                    "companyLocationID": company.location_id, "contactID": contact,
                    "configurationItemID": ci, "contractID": contract,
                    "serviceLevelAgreementID": level, "status": status, "priority": prio,
                    "queueID": queue, "issueType": issue, "subIssueType": sub, "source": src,
                    "ticketType": kind, "ticketCategory": category,
                    "assignedResourceID": resource, "assignedResourceRoleID": role,
                    "billingCodeID": internal_code if company.id == 0
                    else onsite if r() < 0.12 else remote,
                    "estimatedHours": float(int(r() * 4) + 1) / 2,
                    "createDate": _dt(t), "creatorResourceID": creator,
                    "createdByContactID": by_contact, "dueDateTime": _dt(due),
                    "firstResponseDueDateTime": _dt(t + _HOUR),
                    "firstResponseDateTime": _dt(responded) if responded else None,
                    "resolvedDueDateTime": _dt(due),
                    "resolvedDateTime": _dt(last) if done else None,
                    "completedDate": _dt(last) if done else None,
                    "completedByResourceID": assigned[0] if done else None,
                    "resolution": rng.choice(_RESOLUTIONS) if done else None,
                    "serviceLevelAgreementHasBeenMet": (last <= due) if done and level else None,
                    "lastActivityDate": _dt(last),
                    "lastActivityResourceID": resource,
                    "userDefinedFields": _udfs(
                        ("Root Cause", rng.choice(_ROOT_CAUSES) if done and r() < 0.6 else None),
                        ("Customer Impact", str(impact) if r() < 0.8 else None),
                    ),
                })
                if index in attach_to:
                    picked.append((ticket_id, t, last, assigned[0]))

                # Notes fall between creation and the last activity, in time order.
                for when in sorted(t + r() * (last - t) for _ in range(note_count(rng))):
                    from_contact = contact is not None and r() < 0.15
                    if from_contact:
                        kind_of_note, writer = 18, None
                        text = rng.choice(_CUSTOMER_NOTES)
                    else:
                        kind_of_note, writer = note_type(rng), resource or assigned[0]
                        text = rng.choice(_NOTE_TEXTS).format(first=first)
                    notes.append({
                        "id": note_id, "ticketID": ticket_id,
                        "title": "Customer update" if from_contact else "Update",
                        "description": text, "noteType": kind_of_note,
                        "publish": 1 if from_contact or r() < 0.7 else 2,
                        "createDateTime": _dt(when), "lastActivityDate": _dt(when),
                        "creatorResourceID": writer,
                        "createdByContactID": contact if from_contact else None,
                    })
                    note_id += 1

                if status != new:
                    for _ in range(time_count(rng)):
                        spent = work_hours(rng)
                        began = t + r() * max(0.0, last - t - spent * _HOUR)
                        if began + spent * _HOUR > _END:
                            continue
                        who, as_role = (assigned if r() < 0.8 else techs(rng))
                        entries.append(self.time_row(
                            entry_id, ticket_id, None, who, as_role, began, spent, contract,
                            internal_code if company.id == 0 else remote, company.id == 0, 2))
                        entry_id += 1
            yield "Tickets", tickets
            if notes:
                yield "TicketNotes", notes
            if entries:
                yield "TimeEntries", entries

    # -- attachments -----------------------------------------------------------------------

    def build_attachments(self, projects: list[Row],
                          picked: list[tuple[int, float, float, int]]
                          ) -> Iterator[tuple[str, list[Row]]]:
        rng = self.rng
        customers = [c for c in self.companies[1:] if c.kind == "Customer"]
        by_weight = sorted(customers, key=lambda c: -c.weight)[:3]
        company_rows = []
        for n, company in enumerate(by_weight):
            name, kind, data = (
                ("Signed MSA.pdf", "application/pdf",
                 pdf_bytes([f"Managed Services Agreement - {company.name}", "",
                            "Signed copy on file.", f"Customer number {company.id}"])),
                ("Network diagram.png", "image/png", png_bytes(48, 32, (30, 90, 160))),
                ("Site contacts.csv", "text/csv", _csv_bytes(company.name, rng)),
            )[n % 3]
            when = rng.uniform(max(company.created, 0), _END - _DAY)
            company_rows.append(self.attachment(company.id, {"companyID": company.id}, name,
                                                kind, data, when, self.staff[1][0]))
        yield "CompanyAttachments", company_rows

        project_rows = []
        for project in projects[:2]:
            created = project["createDateTime"]
            data = pdf_bytes([f"Project plan: {project['projectName']}", "",
                              f"Start {project['startDateTime']:%Y-%m-%d}",
                              f"End {project['endDateTime']:%Y-%m-%d}"])
            project_rows.append(self.attachment(
                project["id"], {"projectID": project["id"]}, "Project plan.pdf",
                "application/pdf", data, (created - _START).total_seconds() + _HOUR,
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
                data = _log_bytes(created, rng)
            elif kind == "application/pdf":
                data = pdf_bytes([f"Quotation for ticket {ticket_id}", "",
                                  f"Amount: ${rng.randint(200, 5000)}.00", "Valid for 30 days."])
            else:
                data = _csv_bytes(f"ticket {ticket_id}", rng)
            when = created + rng.random() * (last - created)
            ticket_rows.append(self.attachment(ticket_id, {"ticketID": ticket_id}, name, kind,
                                               data, when, resource))
        yield "TicketAttachments", ticket_rows

    def attachment(self, parent_id: int, link: dict[str, int], file_name: str,
                   content_type: str, data: bytes, when: float, by: int) -> Row:
        row: Row = {
            "id": self.attachment_id, "parentID": parent_id, **link,
            "title": file_name.rsplit(".", 1)[0].replace("-", " ").capitalize(),
            "fullPath": file_name, "contentType": content_type, "fileSize": float(len(data)),
            "attachDate": _dt(when), "attachmentType": "FILE_ATTACHMENT", "publish": 1,
            "attachedByResourceID": by, "attachedByContactID": None, "data": data,
        }
        self.attachment_id += 1
        return row


def _csv_bytes(subject: str, rng: random.Random) -> bytes:
    lines = ["hostname,serial,type,last_seen"]
    for n in range(rng.randint(3, 8)):
        lines.append(f"DEV-{n + 1:03d},{rng.randrange(16 ** 8):08X},"
                     f"{rng.choice(('Workstation', 'Server', 'Printer'))},2026-10-{n + 1:02d}")
    return (f"# Inventory for {subject}\n" + "\n".join(lines) + "\n").encode()


def _log_bytes(created: float, rng: random.Random) -> bytes:
    events = ("Service started", "Connection timed out", "Retrying", "Authentication failed",
              "Disk write error", "Recovered")
    lines = [f"{_dt(created + k * 37):%Y-%m-%d %H:%M:%S} {rng.choice(events)}"
             for k in range(rng.randint(4, 12))]
    return ("\n".join(lines) + "\n").encode()
