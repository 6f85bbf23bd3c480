"""The demo tenant's configuration must agree with the catalog and hang together on its own."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC

import pytest

from autotask_pandas.catalog import load_catalog
from autotask_pandas.sandbox import tenant
from autotask_pandas.sandbox.tenant import (
    DEFAULT_STRING_LENGTH,
    DEMO_API_USER,
    PICKLIST_PARENT_FIELDS,
    PICKLISTS,
    REFERENCE_DATE,
    REQUIRED_ALTERNATIVES,
    REQUIRED_FIELDS,
    STRING_LENGTHS,
    UDF_DEFINITIONS,
    ZONE,
    PicklistValue,
    UdfDefinition,
    picklist,
    string_length,
    udf_definitions,
)

CATALOG = load_catalog()


def _field(entity: str, name: str):
    info = CATALOG.get(entity)
    assert info is not None, f"{entity} is not a catalog entity"
    found = next((f for f in info.fields if f.name == name), None)
    assert found is not None, f"{entity}.{name} is not a catalog field (exact spelling)"
    return found


def test_all_lists_every_public_name() -> None:
    imported = {"annotations", "dataclass", "UTC", "datetime"}
    public = {n for n in vars(tenant) if not n.startswith("_") and n not in imported}
    assert len(tenant.__all__) == len(set(tenant.__all__))
    assert set(tenant.__all__) == public


@pytest.mark.parametrize(
    ("entity", "field"),
    [(e, f) for e, fields in PICKLISTS.items() for f in fields],
)
def test_picklist_fields_exist_and_are_integers(entity: str, field: str) -> None:
    # Picklists are integer-typed on the entity (FACTS §7), so the values must be ints too.
    assert _field(entity, field).type in ("integer", "long")
    values = PICKLISTS[entity][field]
    assert values, "an empty picklist is no picklist"
    assert all(isinstance(v, PicklistValue) and type(v.value) is int for v in values)


@pytest.mark.parametrize(
    ("entity", "field"),
    [(e, f) for e, fields in PICKLISTS.items() for f in fields],
)
def test_picklist_values_are_unique_with_at_most_one_default(entity: str, field: str) -> None:
    values = PICKLISTS[entity][field]
    assert len({v.value for v in values}) == len(values)
    assert len({v.label for v in values}) == len(values)
    assert sum(v.is_default for v in values) <= 1
    assert all(v.label.strip() == v.label and v.label for v in values)


def test_known_autotask_defaults() -> None:
    def labels(entity: str, field: str) -> dict[int, str]:
        return {v.value: v.label for v in PICKLISTS[entity][field]}

    status = labels("Tickets", "status")
    assert status[1] == "New" and status[5] == "Complete" and status[8] == "In Progress"
    assert status[7] == "Waiting Customer" and status[12] == "Waiting Vendor"
    assert labels("Tickets", "priority") == {1: "High", 2: "Medium", 3: "Low", 4: "Critical"}
    assert labels("Tickets", "ticketType") == {
        1: "Service Request", 2: "Incident", 3: "Problem", 4: "Change Request", 5: "Alert"}
    assert labels("Companies", "companyType") == {
        1: "Customer", 2: "Lead", 3: "Prospect", 4: "Dead", 6: "Cancellation", 7: "Vendor",
        8: "Partner"}
    queues = labels("Tickets", "queueID")
    assert queues[29682833] == "Client Portal" and queues[8] == "Level I Support"


def test_dependent_picklists_point_at_their_controlling_values() -> None:
    assert PICKLIST_PARENT_FIELDS["Tickets"]["subIssueType"] == "issueType"
    for entity, children in PICKLIST_PARENT_FIELDS.items():
        for child, parent in children.items():
            _field(entity, child)
            _field(entity, parent)
            parents = {v.value for v in picklist(entity, parent)}
            kids = picklist(entity, child)
            assert parents and kids
            assert all(v.parent_value in parents for v in kids)
            # Every controlling value offers at least one dependent value.
            assert parents == {v.parent_value for v in kids}
    # Picklists that are not dependent carry no parent values.
    for entity, fields in PICKLISTS.items():
        for name, values in fields.items():
            if name not in PICKLIST_PARENT_FIELDS.get(entity, {}):
                assert all(v.parent_value is None for v in values), (entity, name)


def test_picklist_lookup() -> None:
    assert picklist("Tickets", "status") is PICKLISTS["Tickets"]["status"]
    assert picklist("Tickets", "title") == ()
    assert picklist("NoSuchEntity", "status") == ()


@pytest.mark.parametrize("entity", sorted(REQUIRED_FIELDS))
def test_required_fields_exist(entity: str) -> None:
    assert REQUIRED_FIELDS[entity]
    for name in REQUIRED_FIELDS[entity]:
        assert not _field(entity, name).read_only
    for alternative in REQUIRED_ALTERNATIVES.get(entity, ()):
        for name in alternative:
            _field(entity, name)


def test_required_fields_follow_autotask() -> None:
    assert REQUIRED_FIELDS["Tickets"] >= {"companyID", "title", "status", "priority"}
    assert "dueDateTime" not in REQUIRED_FIELDS["Tickets"]
    assert REQUIRED_FIELDS["Companies"] == {"companyName", "companyType", "phone",
                                            "ownerResourceID"}
    assert {"hoursWorked"} in REQUIRED_ALTERNATIVES["TimeEntries"]
    assert {"startDateTime", "endDateTime"} in REQUIRED_ALTERNATIVES["TimeEntries"]


@pytest.mark.parametrize(
    ("entity", "field"),
    [(e, f) for e, fields in STRING_LENGTHS.items() for f in fields],
)
def test_string_lengths_name_string_fields(entity: str, field: str) -> None:
    assert _field(entity, field).type == "string"
    assert STRING_LENGTHS[entity][field] > 0
    assert string_length(entity, field) == STRING_LENGTHS[entity][field]


def test_string_length_defaults() -> None:
    assert string_length("Tickets", "title") == 255
    assert string_length("Tickets", "description") == 8000
    assert string_length("Companies", "companyName") == 100
    assert string_length("Tickets", "externalIDThatIsNot") == DEFAULT_STRING_LENGTH
    assert string_length("NoSuchEntity", "x") == DEFAULT_STRING_LENGTH


@pytest.mark.parametrize("entity", sorted(UDF_DEFINITIONS))
def test_udfs_only_on_entities_that_have_them(entity: str) -> None:
    info = CATALOG.get(entity)
    assert info is not None and info.has_udfs
    definitions = udf_definitions(entity)
    assert definitions is UDF_DEFINITIONS[entity]
    assert len({d.name.lower() for d in definitions}) == len(definitions)
    for d in definitions:
        assert isinstance(d, UdfDefinition)
        assert d.type in ("string", "integer", "double", "datetime")
        assert d.length > 0 and d.label
        # A UDF must not shadow a built-in field of the entity.
        assert info.field(d.name) is None
        if d.is_picklist:
            assert d.picklist_values
            assert len({v.value for v in d.picklist_values}) == len(d.picklist_values)
        else:
            assert not d.picklist_values
        if d.default_value is not None:
            assert d.accepts(d.default_value)


def test_udf_definitions_of_an_entity_without_udfs() -> None:
    assert udf_definitions("Resources") == ()


def test_udf_value_validation() -> None:
    tier = next(d for d in UDF_DEFINITIONS["Companies"] if d.name == "Customer Tier")
    assert tier.accepts("1") and not tier.accepts("Gold") and not tier.accepts("99")
    seats = next(d for d in UDF_DEFINITIONS["Companies"] if d.name == "Seats")
    assert seats.accepts("42") and not seats.accepts("forty")
    renewal = next(d for d in UDF_DEFINITIONS["Companies"] if d.name == "Contract Renewal Date")
    assert renewal.accepts("2027-03-31T00:00:00") and not renewal.accepts("next spring")
    budget = UDF_DEFINITIONS["Projects"][0]
    assert budget.accepts("CC-1234") and not budget.accepts("x" * (budget.length + 1))
    assert budget.accepts(None)  # clearing an optional UDF
    assert not dataclasses.replace(budget, is_required=True).accepts(None)


def test_dataclasses_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        PICKLISTS["Tickets"]["status"][0].label = "changed"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEMO_API_USER.secret = "changed"  # type: ignore[misc]


def test_demo_api_user_is_obviously_fake() -> None:
    assert re.fullmatch(r"[A-Z0-9]{27}", DEMO_API_USER.integration_code)
    assert DEMO_API_USER.username.endswith(".invalid")
    assert DEMO_API_USER.secret
    assert isinstance(DEMO_API_USER.resource_id, int) and DEMO_API_USER.resource_id > 0


def test_zone_and_reference_date() -> None:
    assert set(ZONE) == {"zoneName", "webUrl", "ci"}  # "url" is the sandbox's own address
    assert isinstance(ZONE["ci"], int)
    assert REFERENCE_DATE.tzinfo is UTC
    assert (REFERENCE_DATE.year, REFERENCE_DATE.month, REFERENCE_DATE.day) == (2026, 10, 31)
