"""``client.entities``: every catalog entity by snake_case attribute and by name, each queryable
where the catalog allows a query."""

from __future__ import annotations

import pytest

from autotask_pandas import AutotaskClient, AutotaskValidationError, QueryResponse
from autotask_pandas.catalog import load_catalog
from autotask_pandas.entities import (
    AttachmentsEntity,
    BaseEntity,
    CompaniesEntity,
    EntityManager,
    TicketsEntity,
    TimeEntriesEntity,
    UnknownEntityError,
    snake_name,
)

REFERENCE_NAMES = [
    "tickets",
    "companies",
    "contacts",
    "projects",
    "resources",
    "contracts",
    "time_entries",
    "attachments",
]


def test_every_catalog_entity_is_reachable_and_queryable(
    inprocess_client: AutotaskClient, request_log
) -> None:
    catalog = load_catalog()
    entities = inprocess_client.entities
    assert isinstance(entities, EntityManager)
    assert len(entities) == len(catalog) == 232
    assert sorted(entities) == sorted(e.name for e in catalog)
    problems: list[str] = []
    queried = with_rows = 0
    for info in catalog:
        by_attr = getattr(entities, snake_name(info.name))
        by_item = entities[info.name]
        if by_attr is not by_item or by_item.entity_name != info.name:
            problems.append(f"{info.name}: attribute and item differ")
            continue
        if "query" in info.ops:
            page = by_item.query(max_records=1)
            if not isinstance(page, QueryResponse) or len(page.items) > 1:
                problems.append(f"{info.name}: bad page {page!r}")
            queried += 1
            with_rows += bool(page.items)
            if page.items and page.page_details.request_count != 1:
                problems.append(f"{info.name}: requestCount {page.page_details.request_count}")
        else:
            log = request_log()
            with pytest.raises(AutotaskValidationError, match="no query"):
                by_item.query(max_records=1)
            if log.requests:
                problems.append(f"{info.name}: a refused query sent {log.paths()}")
    assert problems == []
    assert queried == sum(1 for e in catalog if "query" in e.ops) == 221
    assert with_rows >= 20  # the demo tenant fills the common entities


@pytest.mark.parametrize("name", REFERENCE_NAMES)
def test_the_reference_names(client: AutotaskClient, name: str) -> None:
    entity = getattr(client.entities, name)
    assert isinstance(entity, BaseEntity)
    assert name in dir(client.entities)


def test_specialised_classes(client: AutotaskClient) -> None:
    e = client.entities
    assert isinstance(e.tickets, TicketsEntity)
    assert isinstance(e.companies, CompaniesEntity)
    assert isinstance(e.time_entries, TimeEntriesEntity)
    assert isinstance(e.attachments, AttachmentsEntity)
    assert e.attachments is e.attachment_info is e["AttachmentInfo"] is client.attachments
    assert client.time_entries is e.time_entries
    assert type(e.contacts) is BaseEntity


def test_names_in_any_case_and_snake_case(client: AutotaskClient) -> None:
    e = client.entities
    ci = e.configuration_items
    assert e["ConfigurationItems"] is ci
    assert e["configurationitems"] is ci
    assert e["configuration_items"] is ci
    assert e.ConfigurationItems is ci
    assert "CONFIGURATIONITEMS" in e and "nope" not in e
    assert ci.entity_name == "ConfigurationItems"
    assert e.ticket_notes.entity_name == "TicketNotes"
    assert e.organizational_level1s.entity_name == "OrganizationalLevel1s"


def test_instances_are_cached_per_client(client: AutotaskClient, make_client) -> None:
    assert client.entities is client.entities
    assert client.entities.tickets is client.entities.tickets
    other = make_client()
    assert other.entities.tickets is not client.entities.tickets


def test_dir_lists_every_snake_name_for_completion(client: AutotaskClient) -> None:
    listed = dir(client.entities)
    for info in load_catalog():
        assert snake_name(info.name) in listed
    assert "configuration_items" in client.entities.snake_names()


def test_unknown_names_name_close_matches(client: AutotaskClient) -> None:
    with pytest.raises(AttributeError, match="tickets"):
        client.entities.tikets  # noqa: B018
    with pytest.raises(KeyError) as caught:
        client.entities["ConfigurationItem"]
    assert isinstance(caught.value, UnknownEntityError)
    assert "configuration_items" in str(caught.value)
    assert not hasattr(client.entities, "no_such_thing")
    assert client.entities.get("Nope") is None  # Mapping.get


def test_private_attributes_are_not_entities(client: AutotaskClient) -> None:
    with pytest.raises(AttributeError):
        client.entities._nope  # noqa: B018
