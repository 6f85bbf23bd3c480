"""The MSP's staff: roles with their rates, resources (the API user and 25 people) and which
roles each resource holds in which department."""

from __future__ import annotations

from ..tenant import DEMO_API_USER
from .common import DAY, DEPARTMENT, ID_BASES, Row, midnight
from .state import DemoState

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
TICKET_ROLE_WEIGHT = {"Help Desk Technician I": 3.0, "Help Desk Technician II": 2.0,
                      "Network Engineer": 1.0, "Systems Engineer": 0.4, "Dispatcher": 0.3}
TASK_ROLE_WEIGHT = {"Systems Engineer": 3.0, "Network Engineer": 2.0,
                    "Help Desk Technician II": 1.0, "Project Manager": 1.0}


def build_roles(demo: DemoState) -> list[Row]:
    """The roles staff work under; ``demo.role_ids`` learns their ids by name."""
    roles: list[Row] = []
    for n, (name, rate) in enumerate(_ROLES):
        demo.role_ids[name] = role_id = ID_BASES["Roles"] + n
        roles.append({"id": role_id, "name": name, "description": name, "hourlyRate": rate,
                      "hourlyFactor": 1.0, "isActive": True, "isSystemRole": False,
                      "isExcludedFromNewContracts": False})
    return roles


def build_resources(demo: DemoState) -> list[Row]:
    rng = demo.rng
    api = DEMO_API_USER
    rows: list[Row] = [{
        "id": api.resource_id, "firstName": "Sandbox", "lastName": "API User",
        "userName": api.username.split("@")[0], "email": api.username,
        "title": "API Integration",
        "initials": "API", "isActive": True, "resourceType": "Employee",
        "hireDate": midnight(-3 * 365 * DAY), "internalCost": 0.0, "officePhone": None,
        "defaultServiceDeskRoleID": None,
    }]
    for n, (first, last, title, roles, dept) in enumerate(_STAFF, start=1):
        rid = api.resource_id + n
        demo.staff.append((rid, first, roles, dept))
        rows.append({
            "id": rid, "firstName": first, "lastName": last,
            "userName": f"{first[0]}{last}".lower().replace("'", ""),
            "email": f"{first}.{last}@sandbox-msp.example".lower().replace("'", ""),
            "title": title, "initials": (first[0] + last[0]).upper(), "isActive": True,
            "resourceType": "Employee",
            "hireDate": midnight(-rng.randint(60, 8 * 365) * DAY),
            "internalCost": float(rng.randint(30, 75)),
            "officePhone": f"(518) 555-{100 + n:04d}",
            "defaultServiceDeskRoleID": demo.role_ids[roles[0]],
        })
    return rows


def build_resource_roles(demo: DemoState) -> list[Row]:
    rows, next_id = [], ID_BASES["ResourceRoleDepartments"]
    for rid, _, roles, dept in demo.staff:
        for n, role in enumerate(roles):
            rows.append({"id": next_id, "resourceID": rid, "roleID": demo.role_ids[role],
                         "departmentID": DEPARTMENT[dept], "isDefault": n == 0,
                         "isActive": True, "isDepartmentLead": False})
            next_id += 1
    return rows
