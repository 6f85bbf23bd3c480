"""Values of every pandas, numpy and Python kind, written through the real write path.

Each value goes out through ``client.batch_update`` (``write_many``, the path pushes and the CLI
use) to the sandbox in process; the test reads the JSON body the sandbox received (``WireLog``)
and the row the sandbox stored. Missing values of every kind are sent as ``null``; datetimes as
the API gives them back (UTC, milliseconds, ``Z``; a naive one is taken as UTC); dates as
``YYYY-MM-DD``; numpy scalars as the Python values they print as; decimals without losing a digit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest
from wire_log import WireLog

from autotask_pandas import AutotaskClient, ClientConfig
from autotask_pandas.exceptions import AutotaskValidationError
from autotask_pandas.sandbox import Sandbox

TICKET = 7000
CONTRACT = 29684100

# Where a kind of value is written, and a value put there first so that null visibly clears it.
_DATETIME = ("Tickets", TICKET, "resolutionPlanDateTime", "2025-01-02T03:04:05.678Z")
_NUMBER = ("Tickets", TICKET, "estimatedHours", 3.25)
_TEXT = ("Tickets", TICKET, "purchaseOrderNumber", "PO-1")

MISSING = [
    pytest.param(None, _TEXT, id="None"),
    pytest.param(float("nan"), _NUMBER, id="float-nan"),
    pytest.param(np.nan, _NUMBER, id="np.nan"),
    pytest.param(np.float32("nan"), _NUMBER, id="np.float32-nan"),
    pytest.param(pd.NA, _TEXT, id="pd.NA"),
    pytest.param(pd.NaT, _DATETIME, id="pd.NaT"),
    pytest.param(np.datetime64("NaT"), _DATETIME, id="np.datetime64-NaT"),
    pytest.param(np.datetime64("NaT", "ns"), _DATETIME, id="np.datetime64-NaT-ns"),
    pytest.param(np.timedelta64("NaT"), _NUMBER, id="np.timedelta64-NaT"),
    pytest.param(Decimal("NaN"), _NUMBER, id="Decimal-NaN"),
    pytest.param(Decimal("sNaN"), _NUMBER, id="Decimal-sNaN"),
]

BERLIN = pd.Timestamp("2026-03-01 10:30:00.123456", tz="Europe/Berlin")
MINUS_FIVE = dt.timezone(dt.timedelta(hours=-5))
STAMP = "2026-03-01T09:30:00.123Z"  # what each datetime below is sent as

# (value, (entity, id, field), sent on the wire, stored by the sandbox)
VALUES = [
    pytest.param(
        pd.Timestamp("2026-03-01T09:30:00.123456789Z"),
        "dueDateTime",
        STAMP,
        STAMP,
        id="pd.Timestamp-utc-ns",
    ),
    pytest.param(
        pd.Timestamp("2026-03-01 09:30:00.123456789"),
        "dueDateTime",
        STAMP,
        STAMP,
        id="pd.Timestamp-naive-is-utc",
    ),
    pytest.param(BERLIN, "dueDateTime", STAMP, STAMP, id="pd.Timestamp-berlin"),
    pytest.param(
        dt.datetime(2026, 3, 1, 9, 30, 0, 123456),
        "dueDateTime",
        STAMP,
        STAMP,
        id="datetime-naive-is-utc",
    ),
    pytest.param(
        dt.datetime(2026, 3, 1, 4, 30, 0, 123999, tzinfo=MINUS_FIVE),
        "dueDateTime",
        STAMP,
        STAMP,
        id="datetime-aware",
    ),
    pytest.param(
        dt.datetime(2026, 3, 1, 9, 30),
        "dueDateTime",
        "2026-03-01T09:30:00.000Z",
        "2026-03-01T09:30:00.000Z",
        id="datetime-whole-second",
    ),
    pytest.param(
        np.datetime64("2026-03-01T09:30:00.123456789"),
        "dueDateTime",
        STAMP,
        STAMP,
        id="np.datetime64-ns",
    ),
    pytest.param(
        np.datetime64("2026-03-01T09:30:00.123456", "us"),
        "dueDateTime",
        STAMP,
        STAMP,
        id="np.datetime64-us",
    ),
    pytest.param(
        np.datetime64("2026-03-01"),
        "dueDateTime",
        "2026-03-01",
        "2026-03-01T00:00:00.000Z",
        id="np.datetime64-day",
    ),
    pytest.param(
        dt.date(2026, 3, 1),
        "dueDateTime",
        "2026-03-01",
        "2026-03-01T00:00:00.000Z",
        id="date",
    ),
    pytest.param(np.int64(2), "priority", 2, 2, id="np.int64"),
    pytest.param(np.int32(3), "priority", 3, 3, id="np.int32"),
    pytest.param(np.uint8(4), "priority", 4, 4, id="np.uint8"),
    pytest.param(np.float64(2.25), "estimatedHours", Decimal("2.25"), 2.25, id="np.float64"),
    pytest.param(np.float32(1.5), "estimatedHours", Decimal("1.5"), 1.5, id="np.float32"),
    # the digits a float32 prints, not the double it widens to (0.10000000149011612)
    pytest.param(np.float32(0.1), "estimatedHours", Decimal("0.1"), 0.1, id="np.float32-0.1"),
    pytest.param(np.bool_(True), "isVisibleToComanaged", True, True, id="np.bool_"),
    pytest.param(np.str_("PO-7"), "purchaseOrderNumber", "PO-7", "PO-7", id="np.str_"),
    pytest.param(Decimal("7"), "estimatedHours", 7, 7.0, id="Decimal-whole"),
    pytest.param(Decimal("1.10"), "estimatedHours", Decimal("1.1"), 1.1, id="Decimal-1.10"),
    # more digits than a double holds: sent as text (the API reads numbers sent as strings)
    pytest.param(
        Decimal("1234567.123456789012345"),
        "estimatedHours",
        "1234567.123456789012345",
        1234567.123456789,
        id="Decimal-many-digits",
    ),
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


def write(client: AutotaskClient, wire: WireLog, entity: str, record: dict[str, Any]) -> Any:
    """``batch_update`` one record; the one PATCH body the sandbox received."""
    wire.clear()
    client.batch_update(entity, [record])
    (body,) = wire.bodies("PATCH", f"/{entity}")
    return body


@pytest.mark.parametrize(("value", "where"), MISSING)
def test_missing_values_of_every_kind_are_sent_as_null(
    client: AutotaskClient, wire: WireLog, value: Any, where: tuple[str, int, str, Any]
) -> None:
    entity, rid, field, before = where
    client.update(entity, rid, **{field: before})
    assert client.get(entity, rid)[field] is not None
    assert write(client, wire, entity, {"id": rid, field: value}) == {"id": rid, field: None}
    assert client.get(entity, rid)[field] is None


@pytest.mark.parametrize(("value", "field", "sent", "stored"), VALUES)
def test_values_are_sent_as_the_api_takes_them(
    client: AutotaskClient, wire: WireLog, value: Any, field: str, sent: Any, stored: Any
) -> None:
    body = write(client, wire, "Tickets", {"id": TICKET, field: value})
    assert body == {"id": TICKET, field: sent}
    assert type(body[field]) is type(sent)
    assert client.get("Tickets", TICKET)[field] == stored


def test_a_datetime_goes_out_as_the_api_gives_it_back(
    client: AutotaskClient, wire: WireLog
) -> None:
    # Read a value, write it back as pandas holds it: the same text goes out as came in.
    given = client.get("Tickets", TICKET + 1)["createDate"]
    body = write(client, wire, "Tickets", {"id": TICKET, "dueDateTime": pd.Timestamp(given)})
    assert body["dueDateTime"] == given


@pytest.mark.parametrize(
    ("value", "field"),
    [
        (dt.date(2026, 3, 1), "startDate"),
        (pd.Timestamp("2026-03-01").date(), "endDate"),
        (np.datetime64("2026-03-01", "D"), "startDate"),
    ],
)
def test_dates_go_to_date_only_fields_as_dates(
    client: AutotaskClient, wire: WireLog, value: Any, field: str
) -> None:
    body = write(client, wire, "Contracts", {"id": CONTRACT, field: value})
    assert body == {"id": CONTRACT, field: "2026-03-01"}
    assert client.get("Contracts", CONTRACT)[field] == "2026-03-01T00:00:00.000Z"


def test_a_frame_of_nullable_columns_is_written_as_records(
    client: AutotaskClient, wire: WireLog
) -> None:
    # The example: batch_update(df.to_dict("records")) with NA in every kind of column.
    frame = pd.DataFrame(
        {
            "id": pd.array([TICKET + 2, TICKET + 3], dtype="Int64"),
            "priority": pd.array([2, pd.NA], dtype="Int64"),
            "estimatedHours": pd.array([1.5, pd.NA], dtype="Float64"),
            "hoursToBeScheduled": [np.nan, 2.0],
            "purchaseOrderNumber": pd.array([pd.NA, "PO-9"], dtype="string"),
            "isVisibleToComanaged": pd.array([True, pd.NA], dtype="boolean"),
            "dueDateTime": pd.to_datetime(
                ["2026-03-01T09:30:00.123456789Z", None], utc=True, format="ISO8601"
            ),
            "resolutionPlanDateTime": pd.Series([pd.NaT, pd.NaT], dtype="datetime64[ns]"),
        }
    )
    frame.loc[1, "priority"] = 3  # a null priority is refused by the sandbox; keep a value
    wire.clear()
    client.batch_update("Tickets", frame.to_dict("records"))
    bodies = sorted(wire.bodies("PATCH", "/Tickets"), key=lambda b: b["id"])
    assert bodies == [
        {
            "id": TICKET + 2,
            "priority": 2,
            "estimatedHours": Decimal("1.5"),
            "hoursToBeScheduled": None,
            "purchaseOrderNumber": None,
            "isVisibleToComanaged": True,
            "dueDateTime": STAMP,
            "resolutionPlanDateTime": None,
        },
        {
            "id": TICKET + 3,
            "priority": 3,
            "estimatedHours": None,
            "hoursToBeScheduled": Decimal("2.0"),
            "purchaseOrderNumber": "PO-9",
            "isVisibleToComanaged": None,
            "dueDateTime": None,
            "resolutionPlanDateTime": None,
        },
    ]
    second = client.get("Tickets", TICKET + 3)
    assert (second["estimatedHours"], second["purchaseOrderNumber"]) == (None, "PO-9")


@pytest.mark.parametrize(
    "value",
    [
        float("inf"),
        np.float64("-inf"),
        Decimal("Infinity"),
        pd.Timedelta(hours=1),
        dt.timedelta(minutes=5),
        np.timedelta64(5, "m"),
        {1, 2},
        object(),
    ],
    ids=[
        "inf",
        "np-inf",
        "Decimal-inf",
        "pd.Timedelta",
        "timedelta",
        "np.timedelta64",
        "set",
        "object",
    ],
)
def test_a_value_json_cannot_carry_is_refused_before_sending(
    client: AutotaskClient, wire: WireLog, value: Any
) -> None:
    wire.clear()
    with pytest.raises(AutotaskValidationError) as caught:
        client.batch_update("Tickets", [{"id": TICKET, "estimatedHours": value}])
    assert "Tickets" in str(caught.value) and "estimatedHours" in str(caught.value)
    assert wire.sent == []
