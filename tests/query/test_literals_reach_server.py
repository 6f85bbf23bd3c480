"""What a filter's literal becomes on the wire, for each field type and each way of writing it.

Each case runs the user's path - filter text, a lazy ``Query``, ``count()`` - against the sandbox
in process, and reads the ``filter`` JSON of the ``/query/count`` request the sandbox received.
A value the field's type cannot take is refused before anything is sent. Where the field's type
needs the text (a string field), the text goes as written: ``00123`` keeps its zeros, ``1.50`` its
last zero; where it needs a number, the number goes, without losing digits; datetimes go in the
API's form (UTC, no offset but ``Z``, at most seven fractional digits).
"""

from __future__ import annotations

import copy
import datetime as dt
import pickle
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from wire_log import WireLog

from autotask_pandas import AutotaskClient, ClientConfig
from autotask_pandas.exceptions import AutotaskValidationError
from autotask_pandas.frames.lazy import Query
from autotask_pandas.query import parse, to_text
from autotask_pandas.sandbox import Sandbox


@dataclass(frozen=True)
class At:
    """A datetime on the wire: the API's form, meaning this UTC instant."""

    iso: str

    def matches(self, wire: Any) -> bool:
        expected = dt.datetime.fromisoformat(self.iso.replace("Z", "+00:00"))
        found = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,7}))?Z?", str(wire))
        if not isinstance(wire, str) or found is None:
            return False
        head, fraction = found.groups()
        micro = int((fraction or "0")[:6].ljust(6, "0"))
        sent = dt.datetime.fromisoformat(head).replace(microsecond=micro, tzinfo=dt.UTC)
        return sent == expected


REFUSED = object()  # refused before any request

# field type -> (entity, field as written in the filter, field as sent, udf)
FIELDS: dict[str, tuple[str, str, str, bool]] = {
    "string": ("Companies", "postalCode", "postalCode", False),
    "integer": ("Companies", "ownerResourceID", "ownerResourceID", False),
    "long": ("Companies", "id", "id", False),
    "double": ("Companies", "assetValue", "assetValue", False),
    "boolean": ("Companies", "isActive", "isActive", False),
    "datetime": ("Companies", "createDate", "createDate", False),
    "date-only": ("Contracts", "startDate", "startDate", False),
    "picklist": ("Companies", "companyType", "companyType", False),
    "udf string": ("Tickets", 'udf:"Root Cause"', "Root Cause", True),
    "udf integer": ("Companies", "udf:Seats", "Seats", True),
    "udf picklist": ("Companies", 'udf:"Customer Tier"', "Customer Tier", True),
    "udf datetime": ("Companies", 'udf:"Contract Renewal Date"', "Contract Renewal Date", True),
}

FORMS = {
    "bare word": "Customer",
    "quoted": '"00123"',
    "integer": "42",
    "leading zeros": "00123",
    "decimal": "1.50",
    "true": "true",
    "date": "2026-01-01",
    "datetime Z": "2026-03-01T09:30:00.123Z",
}

_TEXT = [
    "Customer",
    "00123",
    "42",
    "00123",
    "1.50",
    "true",
    "2026-01-01",
    "2026-03-01T09:30:00.123Z",
]
_WHOLE = [REFUSED, 123, 42, 123, REFUSED, REFUSED, REFUSED, REFUSED]
_INSTANT = [REFUSED] * 6 + [At("2026-01-01T00:00:00Z"), At("2026-03-01T09:30:00.123Z")]

# field type -> the value sent for each form, in the order of FORMS
EXPECTED: dict[str, list[Any]] = {
    "string": _TEXT,
    "integer": _WHOLE,
    "long": _WHOLE,
    "double": [REFUSED, 123, 42, 123, Decimal("1.5"), REFUSED, REFUSED, REFUSED],
    "boolean": [REFUSED] * 5 + [True, REFUSED, REFUSED],
    "datetime": _INSTANT,
    "date-only": _INSTANT,
    "picklist": [1] + [REFUSED] * 7,  # Customer is the label of 1; no value 123 or 42
    "udf string": _TEXT,
    "udf integer": _WHOLE,
    "udf picklist": [REFUSED] * 8,  # labels Gold/Silver/Bronze, values 1-3
    "udf datetime": _INSTANT,
}

CASES = [
    pytest.param(kind, form, EXPECTED[kind][i], id=f"{kind}-{form}")
    for kind in FIELDS
    for i, form in enumerate(FORMS)
]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(scale=0.05, seed=0) as sb:
        yield sb


@pytest.fixture(scope="module")
def wire(sandbox: Sandbox) -> WireLog:
    return WireLog(sandbox.transport())


@pytest.fixture(scope="module")
def client(sandbox: Sandbox, wire: WireLog) -> Iterator[AutotaskClient]:
    with AutotaskClient(
        sandbox.credentials, ClientConfig(transport=wire, threshold_check_every=0)
    ) as c:
        yield c


def sent_filter(client: AutotaskClient, wire: WireLog, entity: str, text: str) -> list[Any]:
    """The ``filter`` of the one count request ``text`` makes (metadata is fetched first)."""
    client.get_field_metadata(entity), client.get_udf_metadata(entity)
    wire.clear()
    Query(client, entity, where=text).count()
    bodies = wire.bodies("POST", f"/{entity}/query/count")
    assert len(bodies) == 1, wire.sent
    filters: list[Any] = bodies[0]["filter"]
    return filters


def assert_refused(client: AutotaskClient, wire: WireLog, entity: str, text: str) -> None:
    client.get_field_metadata(entity), client.get_udf_metadata(entity)
    wire.clear()
    with pytest.raises(AutotaskValidationError):
        Query(client, entity, where=text).count()
    assert wire.sent == [], "a refused value must not reach the server"


@pytest.mark.parametrize(("kind", "form", "expected"), CASES)
def test_each_literal_form_against_each_field_type(
    client: AutotaskClient, wire: WireLog, kind: str, form: str, expected: Any
) -> None:
    entity, written, name, udf = FIELDS[kind]
    text = f"{written} = {FORMS[form]}"
    if expected is REFUSED:
        assert_refused(client, wire, entity, text)
        return
    (condition,) = sent_filter(client, wire, entity, text)
    assert condition["op"] == "eq" and condition["field"] == name
    assert condition.get("udf", False) is udf
    value = condition["value"]
    if isinstance(expected, At):
        assert expected.matches(value), value
    else:
        assert value == expected and type(value) is type(expected), value


@pytest.mark.parametrize("kind", list(FIELDS))
@pytest.mark.parametrize(("words", "op"), [("exists", "exist"), ("is null", "notExist")])
def test_null_is_asked_with_exist_and_carries_no_value(
    client: AutotaskClient, wire: WireLog, kind: str, words: str, op: str
) -> None:
    entity, written, name, udf = FIELDS[kind]
    expected: dict[str, Any] = {"op": op, "field": name}
    if udf:
        expected["udf"] = True
    assert sent_filter(client, wire, entity, f"{written} {words}") == [expected]


@pytest.mark.parametrize(
    ("entity", "text", "expected"),
    [
        # picklists by value, however the number is written
        ("Companies", "companyType = 1", 1),
        ("Companies", "companyType = 01", 1),
        ("Companies", 'companyType = "1"', 1),
        ("Companies", 'companyType = "Customer"', 1),
        ("Companies", 'udf:"Customer Tier" = Gold', "1"),  # UDF values travel as strings
        ("Companies", 'udf:"Customer Tier" = 2', "2"),
        # ids stay integers, past what a float holds exactly
        ("Companies", "id = 9007199254740993", 9007199254740993),
        ("Companies", 'id = "29683400"', 29683400),
        ("Companies", "id = 12345678901234567.0", 12345678901234567),
        # decimals keep every digit: as a JSON number when a double holds it, else as text
        ("Companies", "assetValue = 0.1", Decimal("0.1")),
        ("Companies", "assetValue = 12345678901234567.89", "12345678901234567.89"),
        ("Companies", "assetValue = 0.30000000000000000001", "0.30000000000000000001"),
        ("Companies", 'assetValue = "1.50"', Decimal("1.5")),
        # text keeps its writing, numbers and signs included
        ("Companies", "postalCode = -007", "-007"),
        ("Companies", "postalCode = +5", "+5"),
        ("Companies", "postalCode = 0.50", "0.50"),
        ("Companies", "postalCode = 2026-03-01T09:30:00Z", "2026-03-01T09:30:00Z"),
        ("Companies", "postalCode = false", "false"),
        ("Companies", "postalCode = 'TRUE'", "TRUE"),
        # booleans as JSON booleans, from either spelling
        ("Companies", "isActive = FALSE", False),
        ("Companies", 'isActive = "true"', True),
    ],
)
def test_literals_of_one_type_written_other_ways(
    client: AutotaskClient, wire: WireLog, entity: str, text: str, expected: Any
) -> None:
    (condition,) = sent_filter(client, wire, entity, text)
    value = condition["value"]
    assert value == expected and type(value) is type(expected), value


@pytest.mark.parametrize(
    ("text", "instant"),
    [
        ("createDate >= 2026-03-01T10:30:00+01:00", "2026-03-01T09:30:00Z"),
        ("createDate >= 2026-03-01T09:30:00", "2026-03-01T09:30:00Z"),  # no zone: UTC
        ("createDate >= 2026-03-01 09:30", "2026-03-01T09:30:00Z"),
        ("createDate >= 2026-03-01T09:30:00.123456Z", "2026-03-01T09:30:00.123456Z"),
        ('createDate >= "2026-03-01T09:30:00.5-02:00"', "2026-03-01T11:30:00.5Z"),
    ],
)
def test_datetimes_reach_the_server_in_utc(
    client: AutotaskClient, wire: WireLog, text: str, instant: str
) -> None:
    (condition,) = sent_filter(client, wire, "Companies", text)
    assert At(instant).matches(condition["value"]), condition["value"]


@pytest.mark.parametrize(
    "text",
    [
        "assetValue = nan",
        "assetValue = inf",
        'assetValue = "Infinity"',
        "ownerResourceID = 1.5",
        "id = 12.0001",
        "isActive = 1",
        "createDate = 42",
    ],
)
def test_values_no_field_of_that_type_holds_are_refused(
    client: AutotaskClient, wire: WireLog, text: str
) -> None:
    assert_refused(client, wire, "Companies", text)


@pytest.mark.parametrize("text", ["a = 00123", "a = +5", "a = 1.50", "a in (007, 0.10)"])
def test_the_writing_survives_printing_and_copying(text: str) -> None:
    parsed = parse(text)
    assert to_text(parsed) == text
    assert to_text(copy.deepcopy(parsed)) == text
    assert to_text(pickle.loads(pickle.dumps(parsed))) == text


def test_the_server_finds_what_the_text_says(client: AutotaskClient) -> None:
    # End to end: the rows the sandbox returns are the ones the literal names.
    company = client.query("Companies", max_records=1).items[0]
    cid = company["id"]
    client.update("Companies", cid, postalCode="00123")
    assert Query(client, "Companies", where="postalCode = 00123").count() == 1
    assert Query(client, "Companies", where="postalCode = 123").count() == 0
    client.update("Companies", cid, postalCode="1.50")
    assert Query(client, "Companies", where="postalCode = 1.50").count() == 1
    created = client.get("Companies", cid)["createDate"]  # as the API gives it back
    where = f"id = {cid} and createDate = {created}"
    assert Query(client, "Companies", where=where).count() == 1
