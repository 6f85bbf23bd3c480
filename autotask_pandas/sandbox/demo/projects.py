"""Projects with their phases, tasks and the time logged against those tasks."""

from __future__ import annotations

from .common import DAY, DEPARTMENT, END, HOUR, ID_BASES, Pick, Row, dt, labels, midnight, udfs
from .resources import TASK_ROLE_WEIGHT
from .state import DemoState
from .time_entries import time_row

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


def build_projects(demo: DemoState, opportunities: list[Row]) -> tuple[list[Row], ...]:
    rng = demo.rng
    customers = [c for c in demo.companies[1:] if c.kind == "Customer"]
    company_pick = Pick((c, c.weight + 1.0) for c in customers)
    won = {row["companyID"]: row["id"] for row in opportunities
           if row["closedDate"] is not None}
    leads = demo.staff_with("Project Manager", "Systems Engineer")
    workers = demo.staff_pairs(TASK_ROLE_WEIGHT)
    p_status = labels("Projects", "status")
    p_type = labels("Projects", "projectType")
    t_status = labels("Tasks", "status")
    priority = list(labels("Tasks", "priorityLabel").values())
    n_tasks = [7] * 40
    for _ in range(300 - sum(n_tasks)):
        n_tasks[rng.randrange(40)] += 1
    plans = []
    for n in range(40):
        internal = n % 7 == 6  # six internal projects among the forty
        template = rng.choice(_INTERNAL_PROJECTS if internal else _PROJECTS)
        plans.append((rng.uniform(0, END - 20 * DAY), internal, template, n_tasks[n]))
    plans.sort(key=lambda p: p[0])
    projects: list[Row] = []
    phases: list[Row] = []
    tasks: list[Row] = []
    entries: list[Row] = []
    phase_id, task_id = ID_BASES["Phases"], ID_BASES["Tasks"]
    for n, (created, internal, (name, steps), count) in enumerate(plans):
        project_id = ID_BASES["Projects"] + n
        company = demo.companies[0] if internal else company_pick(rng)
        start = created + rng.randint(1, 14) * DAY
        end = start + rng.randint(30, 120) * DAY
        done = end < END - 14 * DAY and rng.random() < 0.9
        if done:
            state = p_status["Complete"]
        elif start > END:
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
                           "startDate": midnight(start + k * length),
                           "dueDate": midnight(start + (k + 1) * length),
                           "estimatedHours": float(count * 4), "isScheduled": True,
                           "createDate": dt(created), "creatorResourceID": creator})
            phase_id += 1
        hours_on_project = 0.0
        for k in range(count):
            rounds = k // len(steps)  # long projects repeat steps: "Wave 1 upgrades (2)"
            step = steps[k % len(steps)] + (f" ({rounds + 1})" if rounds else "")
            t_start = start + (end - start) * k / count
            t_end = t_start + (end - start) / count
            if done or t_end < END:
                t_state = t_status["Complete"]
            elif t_start < END:
                t_state = rng.choice((t_status["In Progress"], t_status["Waiting Customer"]))
            else:
                t_state = t_status["New"]
            resource, role = workers(rng)
            estimate = float(rng.choice((2, 4, 6, 8, 12, 16)))
            row_entries = _task_time(demo, task_id, resource, role, t_start, t_end, t_state,
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
                "departmentID": DEPARTMENT["Professional Services"],
                "billingCodeID": demo.billing["Internal Administration" if internal
                                              else "Project Labor"],
                "startDateTime": dt(t_start), "endDateTime": dt(t_end),
                "estimatedHours": estimate, "remainingHours": 0.0 if finished
                else max(0.0, estimate - worked),
                "isTaskBillable": not internal, "isVisibleInClientPortal": False,
                "taskNumber": demo.number("T", min(created + k * 60, END - 1)),
                "createDateTime": dt(created), "creatorResourceID": creator,
                "completedDateTime": dt(min(t_end, END)) if finished else None,
                "completedByResourceID": resource if finished else None,
                "lastActivityDateTime": dt(min(t_end, END) if t_start < END else created),
            })
            task_id += 1
        projects.append({
            "id": project_id, "projectName": f"{name} - {company.name}"[:100]
            if not internal else name,
            "projectNumber": f"P{midnight(created):%Y%m%d}.{n + 1:04d}",
            "companyID": company.id, "status": state,
            "projectType": p_type["Internal" if internal else "Client"],
            "department": DEPARTMENT["Professional Services"],
            "description": f"{name} for {company.name}.",
            "projectLeadResourceID": creator, "creatorResourceID": creator,
            "opportunityID": None if internal else won.get(company.id),
            "createDateTime": dt(created), "startDateTime": dt(start),
            "endDateTime": dt(end), "duration": int((end - start) // DAY),
            "completedDateTime": dt(end) if done else None,
            "completedPercentage": 100 if done else min(99, max(0, int(
                100 * (END - start) / (end - start)))),
            "estimatedTime": float(count * 8), "actualHours": round(hours_on_project, 2),
            "statusDateTime": dt(min(end if done else start, END)),
            "lastActivityDateTime": dt(min(end, END)),
            "userDefinedFields": udfs(
                ("Budget Code", f"CC-{rng.randint(1000, 9999)}"
                 if not internal and rng.random() < 0.5 else None)),
        })
    return projects, phases, tasks, entries


def _task_time(demo: DemoState, task_id: int, resource: int, role: int, start: float,
               end: float, state: int, internal: bool, first_id: int) -> list[Row]:
    """Time logged against a project task: a few entries inside its window, before today."""
    rng = demo.rng
    if state == labels("Tasks", "status")["New"]:
        return []
    rows: list[Row] = []
    for k in range(rng.randint(2, 5)):
        hours = float(rng.choice((1, 1.5, 2, 3, 4)))
        began = start + rng.random() * max(0.0, min(end, END) - start - hours * HOUR)
        # Working hours: move the start to 08:00-15:00 of its day.
        began = began // DAY * DAY + rng.randint(8 * 3600, 15 * 3600)
        finished = began + hours * HOUR
        if finished > END:
            continue
        rows.append(time_row(demo, first_id + len(rows), None, task_id, resource, role, began,
                             hours, None, demo.billing["Internal Administration"
                                                       if internal else "Project Labor"],
                             internal, 6))
    return rows
