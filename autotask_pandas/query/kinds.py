"""How a field's values are held, from its metadata: the kinds the filter language and the pandas
layer share (``field_kind``), and which datetime fields are calendar dates (``DATE_ONLY_FIELDS``).

Kinds: ``int | float | bool | datetime | date | string | object``. The pandas dtype of each kind
is ``frames/dtypes.py``'s business; this module holds only what the filter language needs to read
a literal (``createDate >= 2026-01-01``, ``isActive = true``).
"""

from __future__ import annotations

from autotask_pandas.types import FieldMetadata

__all__ = ["DATE_ONLY_FIELDS", "field_kind", "is_date_only"]

# Autotask dataType -> how its values are held (``field_kind``).
_KINDS = {
    "integer": "int",
    "long": "int",
    "short": "int",
    "double": "float",
    "decimal": "float",
    "float": "float",
    "boolean": "bool",
    "datetime": "datetime",
    "date": "date",
    "string": "string",
}

# Fields the Autotask UI treats as calendar dates (FACTS §6: kept as the date, time at midnight,
# never time-zone converted). The API does not mark them, so this table is ours; add to it with
# ``DATE_ONLY_FIELDS.setdefault(entity, set()).add(field)``. A test checks each entry is a datetime
# field of the catalog.
DATE_ONLY_FIELDS: dict[str, set[str]] = {
    "ConfigurationItemBillingProductAssociations": {"effectiveDate", "expirationDate"},
    "ConfigurationItems": {"installDate", "warrantyExpirationDate"},
    "ContactBillingProductAssociations": {"effectiveDate", "expirationDate"},
    "ContractBillingRules": {"startDate", "endDate"},
    "ContractBlocks": {"startDate", "endDate", "datePurchased"},
    "ContractCharges": {"datePurchased"},
    "ContractMilestones": {"dateDue"},
    "ContractRetainers": {"startDate", "endDate", "datePurchased"},
    "ContractServiceAdjustments": {"effectiveDate"},
    "ContractServiceBundleAdjustments": {"effectiveDate"},
    "ContractServiceBundleUnits": {"startDate", "endDate"},
    "ContractServiceUnits": {"startDate", "endDate"},
    "ContractTicketPurchases": {"startDate", "endDate", "datePurchased"},
    "Contracts": {"startDate", "endDate"},
    "ExpenseItems": {"expenseDate"},
    "ExpenseReports": {"weekEnding"},
    "Holidays": {"holidayDate"},
    "Invoices": {"fromDate", "toDate", "dueDate"},
    "Opportunities": {"projectedCloseDate", "promisedFulfillmentDate"},
    "Phases": {"startDate", "dueDate"},
    "ProjectCharges": {"datePurchased"},
    "Quotes": {"effectiveDate", "expirationDate"},
    "Resources": {"hireDate"},
    "SalesOrders": {"salesOrderDate", "promisedFulfillmentDate"},
    "SubscriptionPeriods": {"periodDate"},
    "Subscriptions": {"effectiveDate", "expirationDate"},
    "TicketCharges": {"datePurchased"},
    "ChangeOrderCharges": {"datePurchased"},
    "TimeEntries": {"dateWorked"},
    "TimeOffRequests": {"requestDate"},
}



def is_date_only(entity: str | None, field: str) -> bool:
    """Whether ``entity.field`` is a calendar date (see ``DATE_ONLY_FIELDS``)."""
    if not entity:
        return False
    names = DATE_ONLY_FIELDS.get(entity)
    if names is None:
        for key, value in DATE_ONLY_FIELDS.items():
            if key.lower() == entity.lower():
                names = value
                break
    if not names:
        return False
    return field in names or field.lower() in {n.lower() for n in names}


def field_kind(field: FieldMetadata, entity: str | None = None) -> str:
    """int | float | bool | datetime | date | string | object: how a field's values are held."""
    if field.name.lower() == "id" and not field.is_udf:
        return "int"
    data_type = (field.data_type or "").lower()
    kind = _KINDS.get(data_type, "object" if data_type and data_type != "base64" else "string")
    if kind == "datetime" and not field.is_udf and is_date_only(entity, field.name):
        return "date"
    return kind
