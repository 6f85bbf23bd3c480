"""Field names: the API's, the reference's snake_case and SOAP-era names, one mapping for all."""

from __future__ import annotations

import pytest

from autotask_pandas import AutotaskClient, AutotaskValidationError, QueryFilter
from autotask_pandas.catalog import load_catalog
from autotask_pandas.client.fieldnames import map_field_list, map_filters
from autotask_pandas.entities import api_field_name, to_api_fields


@pytest.mark.parametrize(
    ("entity", "given", "api"),
    [
        ("Companies", "company_name", "companyName"),
        ("Companies", "companyname", "companyName"),
        ("Companies", "CompanyName", "companyName"),
        ("Companies", "postal_code", "postalCode"),
        ("Companies", "accountName", "companyName"),  # SOAP
        ("Companies", "account_type", "companyType"),  # SOAP, snake_case
        ("Tickets", "account_id", "companyID"),
        ("Tickets", "accountID", "companyID"),
        ("Tickets", "AccountPhysicalLocationID", "companyLocationID"),
        ("Tickets", "installedProductID", "configurationItemID"),
        ("Tickets", "allocation_code_id", "billingCodeID"),
        ("Tickets", "assigned_resource_id", "assignedResourceID"),
        ("Tickets", "queue_id", "queueID"),
        ("Tickets", "user_defined_fields", "userDefinedFields"),
        ("Tickets", "ID", "id"),
        ("Contacts", "accountID", "companyID"),
        ("TimeEntries", "allocationCodeID", "billingCodeID"),
    ],
)
def test_names_resolve_to_the_api_spelling(entity: str, given: str, api: str) -> None:
    assert api_field_name(entity, given) == api


def test_unknown_names_resolve_to_none() -> None:
    assert api_field_name("Tickets", "titel") is None
    # A SOAP alias applies only where the entity has the REST field.
    assert api_field_name("Resources", "accountID") is None


def test_every_catalog_field_maps_to_itself_and_from_snake_case() -> None:
    import re

    for info in load_catalog():
        for f in info.fields:
            assert api_field_name(info, f.name) == f.name
            snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", f.name).lower()
            assert api_field_name(info, snake) == f.name, (info.name, snake)


def test_strict_mapping_refuses_unknown_names_with_suggestions() -> None:
    with pytest.raises(AutotaskValidationError, match=r"'titel'.*did you mean 'title'"):
        to_api_fields("Tickets", {"titel": "x", "status": 1})


def test_lenient_mapping_keeps_unknown_names() -> None:
    assert to_api_fields("Tickets", {"titel": "x", "account_id": 5}, strict=False) == {
        "titel": "x",
        "companyID": 5,
    }


def test_two_names_for_one_field_must_agree() -> None:
    assert to_api_fields("Tickets", {"accountID": 5, "companyID": 5}) == {"companyID": 5}
    with pytest.raises(AutotaskValidationError, match="both set the field 'companyID'"):
        to_api_fields("Tickets", {"accountID": 5, "company_id": 6})


def test_names_the_server_reports_are_accepted() -> None:
    # A field added to the API after the vendored spec: the server's metadata knows it.
    asked: list[bool] = []

    def live() -> list[str]:
        asked.append(True)
        return ["id", "title", "brandNewField"]

    assert to_api_fields("Tickets", {"title": "x"}, live_fields=live) == {"title": "x"}
    assert asked == []  # only asked for a name the catalog does not know
    assert to_api_fields(
        "Tickets", {"brand_new_field": 1, "BRANDNEWFIELD": 1}, live_fields=live
    ) == {"brandNewField": 1}
    assert asked == [True]  # once per call
    with pytest.raises(AutotaskValidationError, match="'nope'"):
        to_api_fields("Tickets", {"nope": 1}, live_fields=live)


def test_entities_newer_than_the_spec_pass_names_through() -> None:
    assert to_api_fields("OpportunityCategories", {"anyName": 1}) == {"anyName": 1}


def test_filters_and_field_lists_are_mapped() -> None:
    mapped = map_filters(
        "Tickets",
        [
            QueryFilter(field="account_id", op="eq", value=1),
            {"op": "or", "items": [{"op": "eq", "field": "queue_id", "value": 8}]},
            QueryFilter(field="Customer Impact", op="eq", value="5", udf=True),
        ],
    )
    assert [m.to_api() for m in mapped] == [
        {"op": "eq", "field": "companyID", "value": 1},
        {"op": "or", "items": [{"op": "eq", "field": "queueID", "value": 8}]},
        {"op": "eq", "field": "Customer Impact", "value": "5", "udf": True},
    ]
    assert map_field_list("Tickets", ["id", "ticket_number", "nope"]) == [
        "id",
        "ticketNumber",
        "nope",
    ]


# -- through the sandbox ---------------------------------------------------------------------


def test_entity_writes_accept_snake_case_and_soap_names(
    client: AutotaskClient, company_id: int
) -> None:
    tickets = client.entities.tickets
    made = tickets.create(
        title="Snake case",
        account_id=company_id,
        status=1,
        priority=2,
        queue_id=8,
    )
    row = tickets.get(made.item_id)
    assert row is not None
    assert (row["companyID"], row["queueID"], row["title"]) == (company_id, 8, "Snake case")
    tickets.update(made.item_id, purchase_order_number="PO-1")
    assert tickets.get(made.item_id)["purchaseOrderNumber"] == "PO-1"


def test_queries_accept_snake_case_fields(client: AutotaskClient, company_id: int) -> None:
    page = client.entities.tickets.query(
        filters=[QueryFilter(field="account_id", op="eq", value=company_id)],
        include_fields=["id", "company_id", "ticket_number"],
        max_records=3,
    )
    assert page.items
    for row in page.items:
        assert row["companyID"] == company_id
        assert set(row) >= {"id", "companyID", "ticketNumber"}
        assert "title" not in row


def test_an_unknown_field_is_refused_before_any_request(
    client: AutotaskClient, company_id: int, request_log
) -> None:
    log = request_log()
    with pytest.raises(AutotaskValidationError, match="did you mean 'title'"):
        client.entities.tickets.create(titel="typo", companyID=company_id, status=1, priority=2)
    with pytest.raises(AutotaskValidationError, match="item 1"):
        client.entities.tickets.batch_create(
            [{"title": "ok", "companyID": company_id}, {"titel": "typo"}]
        )
    # At most the field metadata was read (once, then cached), to look for a newer field.
    assert set(log.paths()) <= {"/ATServicesRest/V1.0/Tickets/entityInformation/fields"}
    assert len(log.requests) <= 1


def test_the_client_write_path_maps_soap_names_too(client: AutotaskClient, company_id: int) -> None:
    # The reference's batch example sends a ticket's accountID straight to the client.
    made = client.create_entity(
        "Tickets", title="SOAP name", accountID=company_id, status=1, priority=2
    )
    assert client.get("Tickets", made.item_id)["companyID"] == company_id
