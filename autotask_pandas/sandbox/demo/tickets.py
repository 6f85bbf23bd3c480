"""Tickets, in creation order, with their notes and time entries, and what they say."""

from __future__ import annotations

from collections.abc import Iterator

from ..tenant import DEMO_API_USER, PICKLISTS
from .common import DAY, END, HOUR, ID_BASES, Pick, Row, dt, labels, udfs
from .resources import TICKET_ROLE_WEIGHT
from .service_levels import PREMIUM, RESPONSE_MEAN, WORK_MEAN, clock_start, targets
from .state import DemoState
from .time_entries import time_row
from .workload import SURGE_DAY, company_picks, day_weights, incident_share

_CHUNK = 5000  # tickets per batch: keeps memory flat at scale 20

_STATUS = labels("Tickets", "status")
_PRIORITY = labels("Tickets", "priority")
_QUEUE = labels("Tickets", "queueID")
_SOURCE = labels("Tickets", "source")
_TICKET_TYPE = labels("Tickets", "ticketType")
_CATEGORY = labels("Tickets", "ticketCategory")
_ISSUE = labels("Tickets", "issueType")
_SUB = labels("Tickets", "subIssueType")

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
# The incident week (workload.py): a security vendor's agent update that blue-screens machines.
_INCIDENT_TITLES: tuple[tuple[str, str, float], ...] = (
    ("Antivirus / EDR", "Blue screen after EDR agent update", 5.0),
    ("Antivirus / EDR", "Workstation stuck in a reboot loop after security update", 3.0),
    ("Antivirus / EDR", "EDR update blocking line-of-business application", 2.0),
    ("Workstation / Laptop", "Laptop will not boot after overnight update", 2.0),
    ("Workstation / Laptop", "{first}'s PC crashes at login since this morning", 1.0),
)
_INCIDENT_RESOLUTION = "Rolled back the faulty EDR agent update; the machine boots normally."
_CUSTOMER_NOTES = ("Thanks, that worked!", "Still seeing the problem this morning.",
                   "I'll be available after 2pm today.", "Any update on this?")


def pick_attachment_tickets(demo: DemoState) -> frozenset[int]:
    """Indexes of the tickets that get an attachment, chosen before the tickets exist.

    About 40 attachments at scale 1 (35 on tickets), never more than 200 in all.
    """
    n = max(1, min(195, round(35 * demo.scale)))
    return frozenset(demo.rng.sample(range(demo.n_tickets), min(n, demo.n_tickets)))


def build_tickets(demo: DemoState, task_entries: int, attach_to: frozenset[int],
                  picked: list[tuple[int, float, float, int]]
                  ) -> Iterator[tuple[str, list[Row]]]:
    """Tickets in creation order, each chunk followed by its notes and time entries.

    ``picked`` collects (ticket id, created, last activity, resource) of the tickets chosen
    for attachments.
    """
    rng = demo.rng
    r = rng.random
    n_tickets = demo.n_tickets
    # When tickets arrive: growth, the weekly rhythm, one incident week (workload.py); office
    # hours.
    days = Pick(day_weights())
    hours = Pick((h, 1.0 if 8 <= h <= 16 else 0.4 if h in (7, 17) else 0.06)
                 for h in range(24))
    times = sorted(days(rng) * DAY + hours(rng) * 3600 + int(r() * 3600)
                   for _ in range(n_tickets))
    # Who raises them: by size, and the heaviest customer far more from its merger on.
    before_surge, after_surge = company_picks(demo.companies)
    surge = SURGE_DAY * DAY
    user_issue = Pick(
        ((v.parent_value, v.value, v.label), 1.0 if v.parent_value != _ISSUE["Monitoring"]
         else 0.0)
        for v in PICKLISTS["Tickets"]["subIssueType"]
    )
    alert_sub = Pick(((_SUB[s], s), w) for s, w in zip(_ALERT_SUBS, (4.0, 3.0, 2.0, 3.0)))
    source = Pick(((_SOURCE[s], w) for s, w in (
        ("Phone", 30.0), ("Email", 35.0), ("Client Portal", 20.0), ("In Person / Onsite", 4.0),
        ("Voice Mail", 5.0), ("Web Portal", 2.0), ("Insourced", 4.0))))
    priority = Pick(((_PRIORITY[p], w) for p, w in (
        ("Critical", 3.0), ("High", 15.0), ("Medium", 55.0), ("Low", 27.0))))
    open_status = Pick(((_STATUS[s], w) for s, w in (
        ("New", 15.0), ("In Progress", 30.0), ("Waiting Customer", 20.0), ("Dispatched", 8.0),
        ("Waiting Vendor", 6.0), ("Waiting Materials", 5.0), ("Escalate", 4.0),
        ("Waiting Approval", 4.0), ("Customer Note Added", 6.0), ("Change Order", 2.0))))
    user_type = Pick(((_TICKET_TYPE[t], w) for t, w in (
        ("Incident", 60.0), ("Service Request", 30.0), ("Problem", 4.0),
        ("Change Request", 6.0))))
    sub_parent = {v.label: (v.parent_value, v.value)
                  for v in PICKLISTS["Tickets"]["subIssueType"]}
    incident_title = Pick(((sub_parent[sub], sub, title), w)
                          for sub, title, w in _INCIDENT_TITLES)
    incident_priority = Pick(((_PRIORITY[p], w) for p, w in (
        ("Critical", 15.0), ("High", 55.0), ("Medium", 30.0))))
    techs = demo.staff_pairs(TICKET_ROLE_WEIGHT)
    # About two notes and one and a half time entries per ticket.
    note_count = Pick(((0, 8.0), (1, 27.0), (2, 30.0), (3, 22.0), (4, 13.0)))
    time_count = Pick(((0, 12.0), (1, 42.0), (2, 27.0), (3, 12.0), (4, 7.0)))
    work_hours = Pick(((h, w) for h, w in ((0.25, 20.0), (0.5, 25.0), (0.75, 12.0),
                                           (1.0, 18.0), (1.5, 10.0), (2.0, 8.0),
                                           (3.0, 5.0), (4.0, 2.0))))
    note_type = Pick(((3, 60.0), (2, 25.0), (1, 10.0), (13, 5.0)))
    remote, onsite = demo.billing["Remote Support"], demo.billing["Onsite Support"]
    internal_code = demo.billing["Internal Administration"]
    api_user = DEMO_API_USER.resource_id
    dispatcher = demo.staff_with("Dispatcher")[0]
    priority_names = {v.value: v.label for v in PICKLISTS["Tickets"]["priority"]}
    complete, new, in_progress = _STATUS["Complete"], _STATUS["New"], _STATUS["In Progress"]
    critical = _PRIORITY["Critical"]
    software_defect = "Software defect"
    monitoring = _ISSUE["Monitoring"]
    q_level1, q_level2 = _QUEUE["Level I Support"], _QUEUE["Level II Support"]
    q_portal, q_post, q_alert = (_QUEUE["Client Portal"], _QUEUE["Post Sale"],
                                 _QUEUE["Monitoring Alert"])
    s_portal, s_alert = _SOURCE["Client Portal"], _SOURCE["Monitoring Alert"]
    s_phone, s_email = _SOURCE["Phone"], _SOURCE["Email"]
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
            company = (after_surge if t >= surge else before_surge)(rng)
            contacts = company.contacts
            if contacts:
                k = int(r() * len(contacts))
                contact, first = contacts[k], company.contact_names[k]
            else:
                contact, first = None, "the user"
            # In the incident week the desk is swamped: everything takes several times longer.
            share = incident_share(t)
            slow = 1.0 + 5.0 * share
            incident = share > 0 and r() < share
            alert = not incident and bool(company.devices) and r() < 0.2
            issue: int | None  # a user issue's parent value may be None
            creator: int | None
            if alert:
                ci, host = company.devices[int(r() * len(company.devices))]
                sub, sub_label = alert_sub(rng)
                issue, src, queue = monitoring, s_alert, q_alert
                kind, category = _TICKET_TYPE["Alert"], _CATEGORY["RMM Alert"]
                contact, creator, by_contact = None, api_user, None
                server_down = sub_label == "Device Offline" and "-SRV-" in host
                prio = critical if server_down else priority(rng)
            else:
                if incident:
                    (issue, sub), sub_label, title_text = incident_title(rng)
                    src = s_phone if r() < 0.6 else s_email
                else:
                    issue, sub, sub_label = user_issue(rng)
                    src = source(rng)
                if company.devices and r() < 0.4:
                    ci, host = company.devices[int(r() * len(company.devices))]
                else:
                    ci, host = None, "the server"
                if incident:
                    queue = q_level1 if r() < 0.65 else q_level2
                elif issue == _ISSUE["Procurement"]:
                    queue = q_post
                elif src == s_portal and r() < 0.7:
                    queue = q_portal
                else:
                    queue = q_level1 if r() < 0.75 else q_level2
                kind = _TICKET_TYPE["Incident"] if incident \
                    else _TICKET_TYPE["Service Request"] if issue in service_issues \
                    else user_type(rng)
                category = (_CATEGORY["Change Management"]
                            if kind == _TICKET_TYPE["Change Request"]
                            else _CATEGORY["Onboarding"] if sub in onboarding_subs
                            else _CATEGORY["Standard"])
                by_contact = contact if src == s_portal else None
                creator = None if by_contact else dispatcher if r() < 0.5 else None
                prio = incident_priority(rng) if incident else priority(rng)
            title = (title_text if incident else rng.choice(_TITLES[sub_label])).format(
                first=first, host=host)
            assigned = techs(rng)
            if creator is None and not by_contact:
                creator = assigned[0]
            contract = None
            level = None
            for c_start, c_end, c_id, c_level in company.contracts:
                if c_start <= t < c_end:
                    contract, level = c_id, c_level
                    break
            # The SLA clock (service_levels.py): response, then work; waiting on the customer
            # pauses the clock, so the due dates move with it; a few tickets get stuck for weeks.
            response_target, resolution_target = targets(prio, level)
            start = clock_start(t, alert or prio == critical)
            response_mean = RESPONSE_MEAN[prio] * (0.5 if level == PREMIUM else 1.0) * slow
            first_touch = start + rng.expovariate(1 / response_mean) * HOUR + 60
            responded: float | None = first_touch
            work = rng.expovariate(1 / (2.0 if alert else WORK_MEAN[prio] * slow)) * HOUR + 300
            wait = rng.expovariate(1 / 120) * HOUR if not alert and r() < 0.3 else 0.0
            if r() < 0.07:
                work += rng.expovariate(1 / 60) * DAY
            resolved = first_touch + work + wait
            response_due = start + response_target * HOUR
            due = start + resolution_target * HOUR + wait
            if resolved < END:
                status, last = complete, resolved
            elif first_touch >= END:  # nobody has picked it up yet
                status, last, responded = new, t + r() * (END - t), None
            else:
                status = open_status(rng)
                if status == new:
                    status = in_progress
                last = first_touch + r() * (END - first_touch)
            if status == new and r() < 0.6:
                resource, role = None, None
            else:
                resource, role = assigned
            done = status == complete
            impact = 1 + int(r() * 5)
            if by_contact or not alert:
                description = rng.choice(_DESCRIPTIONS).format(
                    first=first, title=title, impact=priority_names[prio])
            else:
                description = _ALERT_DESCRIPTION.format(host=host, title=title,
                                                        impact=priority_names[prio])
            tickets.append({
                "id": ticket_id, "ticketNumber": demo.number("T", t), "title": title,
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
                "createDate": dt(t), "creatorResourceID": creator,
                "createdByContactID": by_contact, "dueDateTime": dt(due),
                "firstResponseDueDateTime": dt(response_due),
                "firstResponseDateTime": dt(responded) if responded is not None else None,
                "resolvedDueDateTime": dt(due),
                "resolvedDateTime": dt(last) if done else None,
                "completedDate": dt(last) if done else None,
                "completedByResourceID": assigned[0] if done else None,
                "resolution": (_INCIDENT_RESOLUTION if incident else rng.choice(_RESOLUTIONS))
                if done else None,
                # compared as the API shows them, to the second
                "serviceLevelAgreementHasBeenMet": (
                    int(last) <= int(due) and responded is not None
                    and int(responded) <= int(response_due)
                ) if done and level else None,
                "lastActivityDate": dt(last),
                "lastActivityResourceID": resource,
                "userDefinedFields": udfs(
                    ("Root Cause", (software_defect if incident else rng.choice(_ROOT_CAUSES))
                     if done and r() < 0.6 else None),
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
                    "createDateTime": dt(when), "lastActivityDate": dt(when),
                    "creatorResourceID": writer,
                    "createdByContactID": contact if from_contact else None,
                })
                note_id += 1

            if status != new:
                for _ in range(time_count(rng)):
                    spent = work_hours(rng)
                    began = t + r() * max(0.0, last - t - spent * HOUR)
                    if began + spent * HOUR > END:
                        continue
                    who, as_role = (assigned if r() < 0.8 else techs(rng))
                    entries.append(time_row(
                        demo, entry_id, ticket_id, None, who, as_role, began, spent, contract,
                        internal_code if company.id == 0 else remote, company.id == 0, 2))
                    entry_id += 1
        yield "Tickets", tickets
        if notes:
            yield "TicketNotes", notes
        if entries:
            yield "TimeEntries", entries
