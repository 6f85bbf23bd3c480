"""The sandbox tenant's configuration: what an Autotask database sets up and the spec never says.

The Swagger spec gives every entity's fields and types, but picklist values, required fields,
string lengths, user-defined fields and the API user all belong to the tenant: Autotask returns
them from ``entityInformation/fields`` and ``entityInformation/userDefinedFields`` at run time.
This module is that tenant, as plain data. Field names use the catalog's exact spelling (a test
checks every one), and picklist values are Autotask's shipped defaults where those are known.

The demo data (``demo/``) and the emulator's metadata endpoints both read from here, so a value
that validates on write is always a value the demo data uses, and the other way round.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = [
    "DEFAULT_STRING_LENGTH",
    "DEMO_API_USER",
    "PICKLISTS",
    "PICKLIST_PARENT_FIELDS",
    "REFERENCE_DATE",
    "REQUIRED_ALTERNATIVES",
    "REQUIRED_FIELDS",
    "STRING_LENGTHS",
    "UDF_DEFINITIONS",
    "ZONE",
    "ApiUser",
    "PicklistValue",
    "UdfDefinition",
    "picklist",
    "string_length",
    "udf_definitions",
]

# Demo data is dated relative to this instant, never to the clock, so it is the same every day.
REFERENCE_DATE = datetime(2026, 10, 31, tzinfo=UTC)


@dataclass(frozen=True)
class PicklistValue:
    """One entry of a picklist, as ``entityInformation/fields`` describes it.

    The API sends ``value`` and ``parentValue`` as strings in metadata but the entity field is an
    integer, so the integer is kept here and the HTTP layer stringifies it.
    """

    value: int
    label: str
    is_default: bool = False
    sort_order: int = 0
    parent_value: int | None = None
    is_active: bool = True
    is_system: bool = False


def _values(
    *pairs: tuple[int, str],
    default: int | None = None,
    system: tuple[int, ...] = (),
    inactive: tuple[int, ...] = (),
    parent: int | None = None,
) -> tuple[PicklistValue, ...]:
    """A picklist in display order (sort_order follows the order written)."""
    return tuple(
        PicklistValue(
            value=value,
            label=label,
            is_default=value == default,
            sort_order=order,
            parent_value=parent,
            is_active=value not in inactive,
            is_system=value in system,
        )
        for order, (value, label) in enumerate(pairs)
    )


# Issue types and their sub-issue types, kept together so the dependency cannot drift apart.
_ISSUE_TREE: tuple[tuple[int, str, tuple[tuple[int, str], ...]], ...] = (
    (2, "Hardware", ((100, "Workstation / Laptop"), (101, "Printer / Scanner"),
                     (102, "Server Hardware"), (103, "Peripheral"))),
    (3, "Software", ((110, "Microsoft 365"), (111, "Line of Business Application"),
                     (112, "Operating System"), (113, "Antivirus / EDR"))),
    (4, "Network", ((120, "Internet Outage"), (121, "Wi-Fi"), (122, "VPN"), (123, "Firewall"))),
    (5, "Accounts & Access", ((130, "Password Reset"), (131, "New User Setup"),
                              (132, "User Offboarding"), (133, "Permissions"))),
    (6, "Email", ((140, "Mailbox"), (141, "Spam / Phishing"), (142, "Distribution List"))),
    (7, "Monitoring", ((150, "Disk Space"), (151, "Backup Failure"), (152, "Device Offline"),
                       (153, "Patch Failure"))),
    (8, "Procurement", ((160, "Quote Request"), (161, "Hardware Order"))),
)

_TICKET_STATUS = _values(
    (1, "New"),
    (8, "In Progress"),
    (10, "Dispatched"),
    (7, "Waiting Customer"),
    (9, "Waiting Materials"),
    (12, "Waiting Vendor"),
    (13, "Waiting Approval"),
    (11, "Escalate"),
    (15, "Change Order"),
    (16, "Customer Note Added"),
    (5, "Complete"),
    default=1,
    system=(1, 5),  # New and Complete cannot be removed in Autotask
)

_PRIORITY = _values((4, "Critical"), (1, "High"), (2, "Medium"), (3, "Low"), default=2)

# Departments double as the values of Projects.department, so the demo's Departments rows and
# the picklist can never disagree.
_DEPARTMENTS = _values(
    (29683384, "Service Desk"), (29683385, "Professional Services"),
    (29683386, "Sales"), (29683387, "Administration"),
    default=29683384,
)

PICKLISTS: dict[str, dict[str, tuple[PicklistValue, ...]]] = {
    "Tickets": {
        "status": _TICKET_STATUS,
        "priority": _PRIORITY,
        "queueID": _values(
            (8, "Level I Support"),
            (29682977, "Level II Support"),
            (29682833, "Client Portal"),
            (29682969, "Post Sale"),
            (29683354, "Monitoring Alert"),
            (29683498, "Recurring Maintenance"),
            default=8,
            system=(29682833,),
        ),
        "issueType": _values(*((value, label) for value, label, _ in _ISSUE_TREE)),
        "subIssueType": tuple(
            PicklistValue(sub, sub_label, sort_order=order, parent_value=issue)
            for issue, _, subs in _ISSUE_TREE
            for order, (sub, sub_label) in enumerate(subs)
        ),
        "source": _values(
            (2, "Phone"),
            (4, "Email"),
            (-1, "Client Portal"),
            (8, "Monitoring Alert"),
            (1, "In Person / Onsite"),
            (3, "Voice Mail"),
            (6, "Web Portal"),
            (-2, "Insourced"),
            default=2,
            system=(-1, -2),  # Autotask's own negative values for portal and insourced tickets
        ),
        "ticketType": _values(
            (1, "Service Request"), (2, "Incident"), (3, "Problem"), (4, "Change Request"),
            (5, "Alert"),
            default=1,
            system=(1, 2, 3, 4, 5),
        ),
        # Same ids as the TicketCategories entity rows the demo yields.
        "ticketCategory": _values(
            (1, "Standard"), (2, "RMM Alert"), (3, "Change Management"), (4, "RMA"),
            (5, "Onboarding"),
            default=1,
        ),
        "serviceLevelAgreementID": _values((1, "Standard SLA"), (2, "Premium SLA")),
    },
    "TicketNotes": {
        "noteType": _values(
            (1, "Task Summary"), (2, "Task Detail"), (3, "Task Notes"),
            (13, "Workflow Rule Action Note"), (18, "Client Portal Note"),
            default=3,
            system=(13,),
        ),
        "publish": _values((1, "All Autotask Users"), (2, "Internal Project Team"),
                           (4, "Internal & Co-managed"), default=1),
    },
    "Companies": {
        "companyType": _values(
            (1, "Customer"), (2, "Lead"), (3, "Prospect"), (4, "Dead"), (6, "Cancellation"),
            (7, "Vendor"), (8, "Partner"),
            default=3,
            system=(1, 2, 3, 4, 6, 7, 8),
        ),
        "classification": _values(
            (29683457, "Strategic"), (29683458, "Key Account"), (29683459, "Standard"),
            (29683460, "Occasional"),
        ),
        "marketSegmentID": _values(
            (29683450, "Healthcare"), (29683451, "Legal"), (29683452, "Manufacturing"),
            (29683453, "Financial Services"), (29683454, "Non-Profit"), (29683455, "Retail"),
            (29683456, "Professional Services"),
        ),
        "territoryID": _values(
            (29683440, "Northeast"), (29683441, "Southeast"), (29683442, "Midwest"),
            (29683443, "West"), (29683444, "International"),
        ),
    },
    "Contacts": {
        "namePrefix": _values((1, "Mr."), (2, "Mrs."), (3, "Ms."), (4, "Dr.")),
    },
    "Contracts": {
        "contractType": _values(
            (1, "Time and Materials"), (3, "Fixed Price"), (4, "Block Hours"), (6, "Retainer"),
            (7, "Recurring Service"), (8, "Per Ticket"),
            default=7,
            system=(1, 3, 4, 6, 7, 8),
        ),
        "status": _values((0, "Inactive"), (1, "Active"), default=1, system=(0, 1)),
        "contractCategory": _values(
            (1, "Managed Services"), (2, "Break / Fix"), (3, "Project"), (4, "Backup & DR"),
        ),
    },
    "Projects": {
        "status": _values(
            (0, "Inactive"), (1, "New"), (8, "In Progress"), (9, "On Hold"),
            (10, "Waiting Customer"), (5, "Complete"),
            default=1,
            system=(0, 1, 5),
        ),
        "projectType": _values(
            (3, "Proposal"), (4, "Template"), (5, "Client"), (6, "Internal"), (8, "Baseline"),
            default=5,
            system=(3, 4, 5, 6, 8),
        ),
        "department": _DEPARTMENTS,
    },
    "Tasks": {
        "status": _values(
            (1, "New"), (8, "In Progress"), (7, "Waiting Customer"), (10, "Dispatched"),
            (5, "Complete"),
            default=1,
            system=(1, 5),
        ),
        "priorityLabel": _PRIORITY,
        "taskType": _values((1, "Fixed Work"), (2, "Fixed Duration"), default=1, system=(1, 2)),
    },
    "Opportunities": {
        "stage": _values(
            (1, "Qualifying"), (2, "Needs Analysis"), (3, "Proposal Sent"), (4, "Negotiation"),
            (5, "Closing"),
            default=1,
        ),
        "status": _values(
            (0, "Inactive"), (1, "Active"), (2, "Lost"), (3, "Closed"), (4, "Implemented"),
            default=1,
            system=(0, 1, 2, 3, 4),
        ),
        "rating": _values((1, "Hot"), (2, "Warm"), (3, "Cold")),
        "leadSource": _values(
            (1, "Referral"), (2, "Website"), (3, "Trade Show"), (4, "Cold Call"),
            (5, "Existing Customer"),
        ),
    },
    "ConfigurationItems": {
        # Same ids as the ConfigurationItemTypes entity rows the demo yields.
        "configurationItemType": _values(
            (1, "Workstation"), (2, "Server"), (3, "Network Device"), (4, "Printer"),
            (5, "Mobile Device"), (6, "Software License"), (7, "Domain"), (8, "SSL Certificate"),
        ),
    },
    "TimeEntries": {
        "timeEntryType": _values(
            (1, "Regular Time"), (2, "Ticket"), (6, "Project Task"),
            system=(1, 2, 6),
        ),
    },
}

# Dependent picklists: child field -> controlling field (FACTS §7: subIssueType -> issueType).
PICKLIST_PARENT_FIELDS: dict[str, dict[str, str]] = {
    "Tickets": {"subIssueType": "issueType"},
}


def picklist(entity: str, field: str) -> tuple[PicklistValue, ...]:
    """The values of ``entity.field`` (exact catalog spelling), or ``()`` if it is no picklist."""
    return PICKLISTS.get(entity, {}).get(field, ())


# Required on create. These come from Autotask's per-entity docs and UI, not from the spec,
# which marks nothing as required.
REQUIRED_FIELDS: dict[str, frozenset[str]] = {
    "Companies": frozenset({"companyName", "companyType", "phone", "ownerResourceID"}),
    "CompanyLocations": frozenset({"companyID", "name"}),
    "Contacts": frozenset({"companyID", "firstName", "lastName", "isActive"}),
    "Tickets": frozenset({"companyID", "title", "status", "priority"}),
    "TicketNotes": frozenset({"ticketID", "title", "description", "noteType", "publish"}),
    "TimeEntries": frozenset({"resourceID", "roleID", "dateWorked"}),
    "Projects": frozenset(
        {"projectName", "companyID", "status", "projectType", "startDateTime", "endDateTime"}
    ),
    "Phases": frozenset({"projectID", "title"}),
    "Tasks": frozenset({"projectID", "title", "status", "taskType"}),
    "Contracts": frozenset(
        {"contractName", "companyID", "status", "contractType", "startDate", "endDate"}
    ),
    "ConfigurationItems": frozenset({"companyID", "productID", "isActive"}),
    "Opportunities": frozenset(
        {"title", "companyID", "ownerResourceID", "status", "stage", "projectedCloseDate",
         "amount", "cost", "probability"}
    ),
    "Products": frozenset({"name", "isActive"}),
    "Roles": frozenset({"name", "hourlyRate", "hourlyFactor", "isActive"}),
    "Departments": frozenset({"name"}),
    "TicketAttachments": frozenset({"title", "attachmentType", "publish"}),
    "CompanyAttachments": frozenset({"title", "attachmentType", "publish"}),
    "ProjectAttachments": frozenset({"title", "attachmentType", "publish"}),
}

# Where Autotask accepts either of several field sets, a create must fill at least one set fully:
# a time entry gives its hours, or a start and an end it can compute them from.
REQUIRED_ALTERNATIVES: dict[str, tuple[frozenset[str], ...]] = {
    "TimeEntries": (frozenset({"hoursWorked"}), frozenset({"startDateTime", "endDateTime"})),
}

# Maximum string lengths as the tenant's field metadata reports them (Autotask's documented sizes
# where known); any other string field gets DEFAULT_STRING_LENGTH.
DEFAULT_STRING_LENGTH = 100

STRING_LENGTHS: dict[str, dict[str, int]] = {
    "Tickets": {"title": 255, "description": 8000, "resolution": 32000, "ticketNumber": 50,
                "purchaseOrderNumber": 50, "externalID": 50},
    "TicketNotes": {"title": 250, "description": 32000},
    "Companies": {"companyName": 100, "companyNumber": 50, "phone": 25, "fax": 25,
                  "address1": 128, "address2": 128, "city": 50, "state": 40, "postalCode": 20,
                  "webAddress": 255},
    "CompanyLocations": {"name": 100, "address1": 128, "city": 50, "state": 40,
                         "postalCode": 20, "phone": 25},
    "Contacts": {"firstName": 50, "lastName": 50, "title": 50, "emailAddress": 254,
                 "phone": 25, "mobilePhone": 25, "note": 8000},
    "Resources": {"firstName": 50, "lastName": 50, "email": 254, "userName": 32, "title": 50,
                  "officePhone": 25, "initials": 3},
    "TimeEntries": {"summaryNotes": 32000, "internalNotes": 32000},
    "Projects": {"projectName": 100, "description": 8000, "projectNumber": 50,
                 "statusDetail": 2000},
    "Phases": {"title": 255, "description": 8000},
    "Tasks": {"title": 255, "description": 8000, "taskNumber": 50},
    "Contracts": {"contractName": 100, "description": 2000, "contractNumber": 50},
    "ConfigurationItems": {"referenceTitle": 200, "serialNumber": 100, "referenceNumber": 50,
                           "notes": 5000, "location": 100},
    "Opportunities": {"title": 128, "description": 8000, "nextStep": 500},
    "Products": {"name": 100, "description": 8000, "sku": 50},
    "Roles": {"name": 200, "description": 200},
    "TicketAttachments": {"title": 255, "fullPath": 255, "contentType": 100},
    "CompanyAttachments": {"title": 255, "fullPath": 255, "contentType": 100},
    "ProjectAttachments": {"title": 255, "fullPath": 255, "contentType": 100},
}


def string_length(entity: str, field: str) -> int:
    """The maximum length the tenant allows for a string field."""
    return STRING_LENGTHS.get(entity, {}).get(field, DEFAULT_STRING_LENGTH)


@dataclass(frozen=True)
class UdfDefinition:
    """One user-defined field, as ``entityInformation/userDefinedFields`` describes it.

    Values always travel as strings (``{"name": ..., "value": "..."}``); for a picklist UDF the
    string is the picklist value (``"1"``), for a datetime UDF an ISO 8601 timestamp.
    """

    name: str
    label: str
    type: str  # string | integer | double | datetime
    length: int = 100
    description: str = ""
    is_required: bool = False
    is_picklist: bool = False
    picklist_values: tuple[PicklistValue, ...] = ()
    default_value: str | None = None

    def accepts(self, value: str | None) -> bool:
        """Whether ``value`` is a valid stored value of this UDF (``None`` clears it)."""
        if value is None:
            return not self.is_required
        if not isinstance(value, str) or len(value) > self.length:
            return False
        if self.is_picklist:
            return value in {str(v.value) for v in self.picklist_values if v.is_active}
        try:
            if self.type == "integer":
                int(value)
            elif self.type == "double":
                float(value)
            elif self.type == "datetime":
                datetime.fromisoformat(value)
        except ValueError:
            return False
        return True


UDF_DEFINITIONS: dict[str, tuple[UdfDefinition, ...]] = {
    "Companies": (
        UdfDefinition(
            "Customer Tier", "Customer Tier", "string", length=10,
            description="Service tier sold to the customer.",
            is_picklist=True,
            picklist_values=_values((1, "Gold"), (2, "Silver"), (3, "Bronze"), default=3),
            default_value="3",
        ),
        UdfDefinition("Contract Renewal Date", "Contract Renewal Date", "datetime", length=30,
                      description="When the main agreement comes up for renewal."),
        UdfDefinition("Seats", "Seats", "integer", length=10,
                      description="Number of users covered."),
    ),
    "Contacts": (
        UdfDefinition(
            "Preferred Channel", "Preferred Channel", "string", length=10,
            is_picklist=True,
            picklist_values=_values((1, "Email"), (2, "Phone"), (3, "Client Portal"),
                                    (4, "Teams")),
        ),
    ),
    "Tickets": (
        UdfDefinition("Root Cause", "Root Cause", "string", length=100,
                      description="Filled in by the technician on completion."),
        UdfDefinition("Customer Impact", "Customer Impact", "integer", length=10,
                      description="1 (single user, workaround) to 5 (whole site down)."),
    ),
    "ConfigurationItems": (
        UdfDefinition("Warranty Expiry", "Warranty Expiry", "datetime", length=30,
                      description="End of the manufacturer's or extended warranty."),
    ),
    "Projects": (
        UdfDefinition("Budget Code", "Budget Code", "string", length=20,
                      description="Customer's internal budget or cost-centre code."),
    ),
}


def udf_definitions(entity: str) -> tuple[UdfDefinition, ...]:
    """The UDFs defined for ``entity`` (exact catalog spelling), or ``()``."""
    return UDF_DEFINITIONS.get(entity, ())


@dataclass(frozen=True)
class ApiUser:
    """An API-only resource and its integration (tracking) code."""

    username: str
    integration_code: str
    secret: str
    resource_id: int


# Throwaway credentials that only the sandbox accepts; they grant nothing anywhere else.
DEMO_API_USER = ApiUser(
    username="sandbox-api@example.invalid",
    integration_code="SANDBOXDEMO7Q2X4K9M3R8T1V6W",
    secret="sandbox-secret-not-a-real-password",
    resource_id=29682885,
)

# ZoneInformation for the demo user; the sandbox adds "url" (its own base address) when serving it.
ZONE: dict[str, str | int] = {
    "zoneName": "Sandbox",
    "webUrl": "https://sandbox.autotask.invalid/",
    "ci": 1234567,
}
