"""Demo data: catalog spelling, valid picklists, references that resolve, real files."""

from __future__ import annotations

import itertools
import struct
import zlib
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from autotask_pandas.catalog import load_catalog
from autotask_pandas.sandbox import demo
from autotask_pandas.sandbox.demo import ATTACHMENT_ENTITIES, generate, pdf_bytes, png_bytes
from autotask_pandas.sandbox.tenant import (
    DEMO_API_USER,
    PICKLIST_PARENT_FIELDS,
    PICKLISTS,
    REFERENCE_DATE,
    REQUIRED_ALTERNATIVES,
    REQUIRED_FIELDS,
    UDF_DEFINITIONS,
    string_length,
)

CATALOG = load_catalog()
Rows = dict[str, list[dict[str, Any]]]

# References the spec does not mark (the catalog infers them from "...ID" names only).
EXTRA_REFERENCES: dict[tuple[str, str], str] = {
    ("TimeEntries", "creatorUserID"): "Resources",
    ("TimeEntries", "lastModifiedUserID"): "Resources",
    ("Tickets", "ticketCategory"): "TicketCategories",
    ("ConfigurationItems", "configurationItemType"): "ConfigurationItemTypes",
    ("Projects", "department"): "Departments",
    ("BillingCodes", "department"): "Departments",
    ("TicketAttachments", "parentID"): "Tickets",
    ("CompanyAttachments", "parentID"): "Companies",
    ("ProjectAttachments", "parentID"): "Projects",
}


def _references(entity: str) -> dict[str, str]:
    refs = {f.name: f.reference for f in CATALOG[entity].fields if f.reference}
    refs.update({f: target for (e, f), target in EXTRA_REFERENCES.items() if e == entity})
    return refs


@pytest.fixture(scope="module")
def batches() -> list[tuple[str, list[dict[str, Any]]]]:
    return list(generate(scale=1, seed=0))


@pytest.fixture(scope="module")
def data(batches: list[tuple[str, list[dict[str, Any]]]]) -> Rows:
    merged: Rows = defaultdict(list)
    for entity, rows in batches:
        merged[entity].extend(rows)
    return dict(merged)


def _by_id(data: Rows, entity: str) -> dict[int, dict[str, Any]]:
    return {row["id"]: row for row in data[entity]}


# -- shape -------------------------------------------------------------------------------------


def test_public_names() -> None:
    assert set(demo.__all__) == {"ATTACHMENT_ENTITIES", "ID_BASES", "generate", "pdf_bytes",
                                 "png_bytes"}


def test_entities_and_fields_use_catalog_spelling(data: Rows) -> None:
    for entity, rows in data.items():
        info = CATALOG.get(entity)
        assert info is not None and info.name == entity
        names = {f.name for f in info.fields}
        for key in rows[0]:
            assert key in names or key == "userDefinedFields", f"{entity}.{key}"


def test_rows_of_an_entity_share_their_keys(data: Rows) -> None:
    for entity, rows in data.items():
        keys = set(rows[0])
        assert all(set(row) == keys for row in rows), entity


def test_ids_are_unique_and_ascending_across_batches(data: Rows) -> None:
    for entity, rows in data.items():
        ids = [row["id"] for row in rows]
        assert all(type(i) is int for i in ids), entity
        assert all(a < b for a, b in itertools.pairwise(ids)), entity


def test_values_match_catalog_types(data: Rows) -> None:
    python_types = {"integer": int, "long": int, "double": float, "string": str,
                    "boolean": bool, "datetime": datetime, "base64": bytes}
    for entity, rows in data.items():
        types = {f.name: f.type for f in CATALOG[entity].fields}
        for row in rows:
            for key, value in row.items():
                if key == "userDefinedFields" or value is None:
                    continue
                expected = python_types[types[key]]
                # bool is an int subclass: an integer field must not hold True/False.
                assert type(value) is expected, (entity, key, value)
                if expected is datetime:
                    assert value.tzinfo is UTC, (entity, key)


def test_datetimes_are_plausible(data: Rows) -> None:
    past = ("createDate", "createDateTime", "lastActivityDate", "completedDate",
            "completedDateTime", "attachDate", "resolvedDateTime", "firstResponseDateTime",
            "lastModifiedDateTime", "lastModifiedDate", "dateWorked", "closedDate", "lostDate")
    earliest = REFERENCE_DATE - timedelta(days=12 * 365)  # the MSP itself dates from 2016
    for entity, rows in data.items():
        for row in rows:
            for key in past:
                value = row.get(key)
                if value is not None:
                    assert earliest <= value <= REFERENCE_DATE, (entity, key, value)


def test_date_only_fields_are_midnight(data: Rows) -> None:
    date_only = {"Contracts": ("startDate", "endDate"), "TimeEntries": ("dateWorked",),
                 "ConfigurationItems": ("installDate", "warrantyExpirationDate"),
                 "Phases": ("startDate", "dueDate"), "Opportunities": ("projectedCloseDate",)}
    for entity, fields in date_only.items():
        for row in data[entity]:
            for key in fields:
                value = row[key]
                if value is not None:
                    assert (value.hour, value.minute, value.second) == (0, 0, 0), (entity, key)


def test_transactional_history_spans_eighteen_months(data: Rows) -> None:
    created = [row["createDate"] for row in data["Tickets"]]
    assert min(created) < REFERENCE_DATE - timedelta(days=500)
    assert max(created) > REFERENCE_DATE - timedelta(days=3)


# -- tenant configuration ------------------------------------------------------------------------


def test_picklist_values_are_valid(data: Rows) -> None:
    used = 0
    for entity, fields in PICKLISTS.items():
        for name, values in fields.items():
            allowed = {v.value for v in values if v.is_active}
            for row in data.get(entity, ()):
                if row.get(name) is not None:
                    used += 1
                    assert row[name] in allowed, (entity, name, row[name])
    assert used > 10_000


def test_dependent_picklists_are_consistent(data: Rows) -> None:
    for entity, children in PICKLIST_PARENT_FIELDS.items():
        for child, parent in children.items():
            parent_of = {v.value: v.parent_value for v in PICKLISTS[entity][child]}
            for row in data[entity]:
                if row.get(child) is not None:
                    assert parent_of[row[child]] == row[parent], (entity, row["id"])


def test_required_fields_are_filled(data: Rows) -> None:
    for entity, required in REQUIRED_FIELDS.items():
        for row in data.get(entity, ()):
            for name in required:
                assert row.get(name) not in (None, ""), (entity, row["id"], name)
            alternatives = REQUIRED_ALTERNATIVES.get(entity, ())
            if alternatives:
                assert any(all(row.get(n) is not None for n in alt) for alt in alternatives)


def test_strings_fit_their_lengths(data: Rows) -> None:
    for entity, rows in data.items():
        strings = [f.name for f in CATALOG[entity].fields if f.type == "string"]
        for row in rows:
            for key in strings:
                value = row.get(key)
                if value is not None:
                    assert 0 < len(value) <= string_length(entity, key), (entity, key, value)


def test_udfs_are_defined_and_valid(data: Rows) -> None:
    seen: Counter[tuple[str, str]] = Counter()
    for entity, rows in data.items():
        if "userDefinedFields" not in rows[0]:
            assert entity not in UDF_DEFINITIONS
            continue
        assert CATALOG[entity].has_udfs
        definitions = {d.name: d for d in UDF_DEFINITIONS[entity]}
        order = list(definitions)
        for row in rows:
            names = [udf["name"] for udf in row["userDefinedFields"]]
            assert names == sorted(names, key=order.index)  # definition order, no repeats
            for udf in row["userDefinedFields"]:
                assert set(udf) == {"name", "value"}
                assert type(udf["value"]) is str
                assert definitions[udf["name"]].accepts(udf["value"]), (entity, udf)
                seen[entity, udf["name"]] += 1
    # Every defined UDF is used somewhere.
    assert set(seen) == {(e, d.name) for e, ds in UDF_DEFINITIONS.items() for d in ds}


# -- references ----------------------------------------------------------------------------------


def test_references_resolve_to_rows_yielded_earlier(
    batches: list[tuple[str, list[dict[str, Any]]]],
) -> None:
    # Checked batch by batch: a store may enforce foreign keys as it loads.
    seen: dict[str, set[int]] = defaultdict(set)
    checked = 0
    for entity, rows in batches:
        refs = _references(entity)
        own = {row["id"] for row in rows}
        for row in rows:
            for key, target in refs.items():
                value = row.get(key)
                if value is None:
                    continue
                checked += 1
                known = seen[target] | (own if target == entity else set())
                assert value in known, f"{entity} {row['id']}: {key}={value} not in {target}"
        seen[entity] |= own
    assert checked > 50_000


def test_msp_company_and_api_user_exist(data: Rows) -> None:
    companies = _by_id(data, "Companies")
    assert companies[0]["companyName"] == "Sandbox MSP"
    assert DEMO_API_USER.resource_id in _by_id(data, "Resources")


def test_assignments_use_roles_the_resource_holds(data: Rows) -> None:
    held = {(r["resourceID"], r["roleID"]) for r in data["ResourceRoleDepartments"]}
    pairs = [("Tickets", "assignedResourceID", "assignedResourceRoleID"),
             ("Tasks", "assignedResourceID", "assignedResourceRoleID"),
             ("TimeEntries", "resourceID", "roleID")]
    for entity, resource, role in pairs:
        for row in data[entity]:
            assert (row[resource] is None) == (row[role] is None), (entity, row["id"])
            if row[resource] is not None:
                assert (row[resource], row[role]) in held, (entity, row["id"])


def test_ticket_links_stay_within_the_company(data: Rows) -> None:
    contacts = _by_id(data, "Contacts")
    items = _by_id(data, "ConfigurationItems")
    contracts = _by_id(data, "Contracts")
    locations = _by_id(data, "CompanyLocations")
    for t in data["Tickets"]:
        company = t["companyID"]
        if t["contactID"] is not None:
            assert contacts[t["contactID"]]["companyID"] == company
        if t["configurationItemID"] is not None:
            assert items[t["configurationItemID"]]["companyID"] == company
        if t["contractID"] is not None:
            contract = contracts[t["contractID"]]
            assert contract["companyID"] == company
            ends = contract["endDate"] + timedelta(days=1)  # the end date is inclusive
            assert contract["startDate"] <= t["createDate"] < ends
        assert locations[t["companyLocationID"]]["companyID"] == company


def test_ticket_lifecycle(data: Rows) -> None:
    complete = 5
    for t in data["Tickets"]:
        done = t["status"] == complete
        assert (t["completedDate"] is not None) == done
        assert t["createDate"] <= t["lastActivityDate"] <= REFERENCE_DATE
        if done:
            assert t["createDate"] <= t["completedDate"] == t["lastActivityDate"]
            assert t["completedByResourceID"] is not None and t["resolution"]
    old = [t for t in data["Tickets"] if t["createDate"] < REFERENCE_DATE - timedelta(days=90)]
    recent = [t for t in data["Tickets"] if t["createDate"] > REFERENCE_DATE - timedelta(days=7)]
    assert sum(t["status"] == complete for t in old) / len(old) > 0.97
    assert sum(t["status"] != complete for t in recent) / len(recent) > 0.25


def test_ticket_numbers_are_unique_and_dated(data: Rows) -> None:
    # Tickets and tasks draw from one numbering, as in Autotask.
    numbers = [t["ticketNumber"] for t in data["Tickets"]]
    numbers += [t["taskNumber"] for t in data["Tasks"]]
    assert len(set(numbers)) == len(numbers)
    for t in data["Tickets"][:200]:
        assert t["ticketNumber"].startswith(f"T{t['createDate']:%Y%m%d}.")


def test_notes_and_time_fall_inside_their_ticket(data: Rows) -> None:
    tickets = _by_id(data, "Tickets")
    for note in data["TicketNotes"]:
        t = tickets[note["ticketID"]]
        assert t["createDate"] <= note["createDateTime"] <= t["lastActivityDate"]
        assert (note["creatorResourceID"] is None) != (note["createdByContactID"] is None)
    for entry in data["TimeEntries"]:
        assert (entry["ticketID"] is None) != (entry["taskID"] is None)
        span = entry["endDateTime"] - entry["startDateTime"]
        assert span == timedelta(hours=entry["hoursWorked"]) and entry["hoursWorked"] > 0
        assert entry["dateWorked"] == entry["startDateTime"].replace(hour=0, minute=0, second=0)
        assert entry["endDateTime"] <= REFERENCE_DATE
        if entry["ticketID"] is not None:
            t = tickets[entry["ticketID"]]
            assert entry["startDateTime"] >= t["createDate"]
            assert entry["contractID"] == t["contractID"]


def test_tasks_belong_to_a_phase_of_their_project(data: Rows) -> None:
    phases = _by_id(data, "Phases")
    for task in data["Tasks"]:
        assert phases[task["phaseID"]]["projectID"] == task["projectID"]


def test_volumes_at_scale_one(data: Rows) -> None:
    counts = {entity: len(rows) for entity, rows in data.items()}
    assert counts["Tickets"] == 5000
    assert 140 <= counts["Companies"] <= 160
    assert 550 <= counts["Contacts"] <= 650
    assert counts["Resources"] == 25 and counts["Roles"] == 8 and counts["Departments"] == 4
    assert 8_500 <= counts["TicketNotes"] <= 11_500
    assert 7_000 <= counts["TimeEntries"] <= 10_000
    assert counts["Projects"] == 40 and counts["Tasks"] == 300
    assert counts["Contracts"] == 100 and counts["Opportunities"] == 100
    assert counts["ConfigurationItems"] == 1000
    assert 30 <= sum(counts[e] for e in ATTACHMENT_ENTITIES) <= 50
    types = Counter(row["companyType"] for row in data["Companies"])
    assert types[1] > 90 and types[3] and types[7] and types[8]


# -- attachments ---------------------------------------------------------------------------------


def _png_chunks(blob: bytes) -> list[tuple[bytes, bytes]]:
    assert blob[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, pos = [], 8
    while pos < len(blob):
        (length,) = struct.unpack(">I", blob[pos:pos + 4])
        tag, body = blob[pos + 4:pos + 8], blob[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", blob[pos + 8 + length:pos + 12 + length])
        assert crc == zlib.crc32(tag + body) & 0xFFFFFFFF, tag
        chunks.append((tag, body))
        pos += 12 + length
    return chunks


def _check_png(blob: bytes) -> tuple[int, int]:
    chunks = _png_chunks(blob)
    assert chunks[0][0] == b"IHDR" and chunks[-1] == (b"IEND", b"")
    width, height, depth, colour, _, _, _ = struct.unpack(">IIBBBBB", chunks[0][1])
    assert width > 0 and height > 0 and (depth, colour) == (8, 2)
    pixels = zlib.decompress(b"".join(body for tag, body in chunks if tag == b"IDAT"))
    assert len(pixels) == height * (1 + 3 * width)
    return width, height


def _check_pdf(blob: bytes) -> None:
    assert blob.startswith(b"%PDF-1.") and blob.rstrip().endswith(b"%%EOF")
    startxref = int(blob.rsplit(b"startxref", 1)[1].split()[0])
    assert blob[startxref:].startswith(b"xref")
    offsets = [int(line.split()[0]) for line in blob[startxref:].splitlines()[3:]
               if line.endswith(b" n ")]
    for number, offset in enumerate(offsets, start=1):
        assert blob[offset:].startswith(b"%d 0 obj" % number)


def test_file_builders() -> None:
    assert _check_png(png_bytes(7, 5, (10, 20, 30))) == (7, 5)
    _check_pdf(pdf_bytes(["Hello (world)", "back\\slash"]))


def test_attachments_are_real_files(data: Rows) -> None:
    parents = {"TicketAttachments": "ticketID", "CompanyAttachments": "companyID",
               "ProjectAttachments": "projectID"}
    ids: list[int] = []
    kinds: Counter[str] = Counter()
    for entity in ATTACHMENT_ENTITIES:
        assert data[entity], entity
        for row in data[entity]:
            ids.append(row["id"])
            blob = row["data"]
            assert type(blob) is bytes and row["fileSize"] == float(len(blob))
            assert row["parentID"] == row[parents[entity]]
            assert row["attachmentType"] == "FILE_ATTACHMENT" and row["publish"] == 1
            extension = row["fullPath"].rsplit(".", 1)[1]
            kinds[extension] += 1
            if extension == "png":
                assert row["contentType"] == "image/png"
                _check_png(blob)
            elif extension == "pdf":
                assert row["contentType"] == "application/pdf"
                _check_pdf(blob)
            else:
                assert row["contentType"] in ("text/csv", "text/plain")
                assert blob.decode("utf-8").strip()
    # Attachments share one id space (AttachmentInfo lists them all).
    assert len(set(ids)) == len(ids)
    assert set(kinds) == {"png", "pdf", "csv", "txt"}


def test_attachment_dates_fall_inside_their_ticket(data: Rows) -> None:
    tickets = _by_id(data, "Tickets")
    for row in data["TicketAttachments"]:
        t = tickets[row["ticketID"]]
        assert t["createDate"] <= row["attachDate"] <= t["lastActivityDate"]


# -- determinism and scale -----------------------------------------------------------------------


def test_same_seed_same_data(batches: list[tuple[str, list[dict[str, Any]]]]) -> None:
    assert list(generate(scale=1, seed=0)) == batches


def test_other_seed_other_data(data: Rows) -> None:
    other: Rows = defaultdict(list)
    for entity, rows in generate(scale=1, seed=1):
        other[entity].extend(rows)
    assert other["Tickets"] != data["Tickets"]
    assert other["Companies"] != data["Companies"]
    # The shape stays: same entities, same keys, same id bases.
    assert set(other) == set(data)
    for entity in data:
        assert set(other[entity][0]) == set(data[entity][0])
        assert other[entity][0]["id"] == data[entity][0]["id"]


def test_scale_two_doubles_the_transactional_volume(data: Rows) -> None:
    counts: Counter[str] = Counter()
    for entity, rows in generate(scale=2, seed=0):
        counts[entity] += len(rows)
    assert counts["Tickets"] == 2 * len(data["Tickets"])
    for entity in ("Companies", "Contacts", "ConfigurationItems", "TicketNotes"):
        assert 1.8 <= counts[entity] / len(data[entity]) <= 2.2, entity
    ticket_time = sum(1 for row in data["TimeEntries"] if row["ticketID"] is not None)
    task_time = len(data["TimeEntries"]) - ticket_time
    assert 1.8 <= (counts["TimeEntries"] - task_time) / ticket_time <= 2.2
    # Staff and the project book do not grow with the customer base.
    assert counts["Resources"] == len(data["Resources"])
    assert counts["Projects"] == len(data["Projects"])


def test_small_scale_still_hangs_together() -> None:
    merged: Rows = defaultdict(list)
    for entity, rows in generate(scale=0.05, seed=3):
        merged[entity].extend(rows)
    assert 200 <= len(merged["Tickets"]) <= 300
    ids = {e: {r["id"] for r in rows} for e, rows in merged.items()}
    for entity, rows in merged.items():
        for key, target in _references(entity).items():
            for row in rows:
                if row.get(key) is not None:
                    assert row[key] in ids[target], (entity, key)


@pytest.mark.parametrize("scale", [0, -1])
def test_scale_must_be_positive(scale: float) -> None:
    with pytest.raises(ValueError):
        generate(scale=scale)


@pytest.mark.slow
def test_scale_twenty_caps_attachments() -> None:
    counts: Counter[str] = Counter()
    for entity, rows in generate(scale=20, seed=0):
        counts[entity] += len(rows)
    assert counts["Tickets"] == 100_000
    assert sum(counts[e] for e in ATTACHMENT_ENTITIES) <= 200
