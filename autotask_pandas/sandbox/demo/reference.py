"""Lookup tables the other entities point at: UDF definitions, countries, the currency,
departments, billing codes, ticket categories and configuration item types."""

from __future__ import annotations

from ..tenant import PICKLISTS, UDF_DEFINITIONS
from .common import DEPARTMENT, ID_BASES, START, Row
from .state import DemoState

# UserDefinedFieldDefinitions codes. udfType 1 = Company is what Datto's collection queries
# ("Query UDF Information on Companies"); the other codes and the dataType codes are our guesses.
_UDF_TYPES = {"Companies": 1, "Contacts": 2, "ConfigurationItems": 3, "Tickets": 4,
              "Projects": 5, "Opportunities": 6, "Contracts": 7, "Tasks": 8, "Products": 9,
              "SalesOrders": 10, "Subscriptions": 11, "CompanySiteConfigurations": 12}
_UDF_DATA_TYPES = {"string": 1, "integer": 2, "double": 2, "datetime": 3}

_COUNTRIES = ((14, "Australia", "AU"), (39, "Canada", "CA"), (83, "Germany", "DE"),
              (236, "United Kingdom", "GB"), (237, "United States", "US"))
_BILLING_CODES = (("Remote Support", 125.0), ("Onsite Support", 150.0),
                  ("After Hours Support", 190.0), ("Project Labor", 150.0),
                  ("Consulting", 200.0), ("Internal Administration", 0.0))


def build_udf_definitions() -> list[Row]:
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
            "createDate": START,
        })
    return rows


def build_countries() -> list[Row]:
    return [
        {"id": cid, "name": name, "displayName": name, "countryCode": code,
         "isActive": True, "isDefaultCountry": cid == 237}
        for cid, name, code in _COUNTRIES
    ]


def build_currencies() -> list[Row]:
    return [
        {"id": ID_BASES["Currencies"], "name": "USD", "description": "US Dollar",
         "exchangeRate": 1.0, "isActive": True, "isInternalCurrency": True,
         "currencyPositiveFormat": "$x", "currencyNegativeFormat": "($x)"}
    ]


def build_departments() -> list[Row]:
    return [
        {"id": v.value, "name": v.label, "description": f"{v.label} department",
         "number": str(n + 1)}
        for n, v in enumerate(PICKLISTS["Projects"]["department"])
    ]


def build_billing_codes(demo: DemoState) -> list[Row]:
    """The work types time is billed under; ``demo.billing`` learns their ids by name."""
    codes: list[Row] = []
    for n, (name, price) in enumerate(_BILLING_CODES):
        demo.billing[name] = code_id = ID_BASES["BillingCodes"] + n
        codes.append({"id": code_id, "name": name, "description": f"Work type: {name}",
                      "isActive": True, "unitPrice": price,
                      "department": DEPARTMENT["Service Desk"]})
    return codes


def build_ticket_categories() -> list[Row]:
    return [
        {"id": v.value, "name": v.label, "nickname": v.label[:3].upper(), "isActive": True,
         "isGlobalDefault": v.is_default, "isApiOnly": False}
        for v in PICKLISTS["Tickets"]["ticketCategory"]
    ]


def build_configuration_item_types() -> list[Row]:
    return [
        {"id": v.value, "name": v.label, "isActive": True}
        for v in PICKLISTS["ConfigurationItems"]["configurationItemType"]
    ]
