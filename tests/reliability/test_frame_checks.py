"""The frame validation before a push (issue 11, section 4 and "Fuzz").

* Numbers a field's type cannot hold - an ``integer`` beyond Int32 (``companyID = 10**20``), a
  ``long`` beyond Int64, ``1e999``, infinities, ``"nan"`` text - are problems naming row and field,
  found by ``validate()`` before any request; a push sends the other rows.
* Fuzz (hypothesis): frames of wrong dtypes, NaN, infinities, oversized strings, duplicate ids,
  mixed time zones, huge ints and bad unicode give problems, never a crash.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest
from helpers import connect, new_sandbox
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autotask_pandas import read_autotask
from autotask_pandas.client import AutotaskClient
from autotask_pandas.exceptions import AutotaskValidationError
from autotask_pandas.frames.push.validate import PROBLEM_COLUMNS
from autotask_pandas.sandbox import Sandbox


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with new_sandbox(0.05, 0) as made:
        yield made


@pytest.fixture(scope="module")
def client(sb: Sandbox) -> Iterator[AutotaskClient]:
    with connect(sb) as made:
        made.get_field_metadata("Tickets")
        made.get_udf_metadata("Tickets")
        yield made


@pytest.fixture()
def pulled(client: AutotaskClient) -> pd.DataFrame:
    return read_autotask(
        "Tickets",
        "id < 7010",
        client=client,
        fields=["id", "title", "companyID", "estimatedHours", "dueDateTime", "status"],
        labels=False,
        progress=False,
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("companyID", 10**20),  # the example: an integer field holds Int32
        ("companyID", 2**31),
        ("companyID", -(2**31) - 1),
        ("estimatedHours", float("inf")),
        ("estimatedHours", -float("inf")),
        ("estimatedHours", "1e999"),
        ("estimatedHours", "INF"),
        ("estimatedHours", "nan"),
        ("estimatedHours", 10**400),
        ("estimatedHours", decimal.Decimal("1e400")),
    ],
)
def test_numbers_the_field_cannot_hold_are_problems_of_their_row(
    sb: Sandbox, client: AutotaskClient, pulled: pd.DataFrame, field: str, value: Any
) -> None:
    df = pulled.copy()
    df[field] = df[field].astype(object)
    bad, good = df.index[1], df.index[2]
    df.loc[bad, field] = value
    df.loc[good, "title"] = f"still sent {field} {value!s:.10}"
    problems = df.autotask.validate(client=client)
    errors = problems[problems["severity"] == "error"]
    assert errors["row"].tolist() == [bad]
    assert errors["field"].tolist() == [field]
    assert int(errors["id"].iloc[0]) == int(df.at[bad, "id"])

    mark = len(sb.requests)
    result = df.autotask.push(client=client, progress=False)
    assert result.at[bad, "status"] == "invalid"
    assert result.at[good, "status"] == "ok"
    sent = sb.requests[mark:]
    assert not any(r.status >= 500 for r in sent)  # the sandbox never saw the bad number


def test_a_long_beyond_64_bits_is_a_problem(client: AutotaskClient) -> None:
    # contractServiceID is a ``long``: 2**63 does not fit, 2**63 - 1 does.
    df = pd.DataFrame(
        {"id": [7000, 7001], "contractServiceID": pd.Series([2**63, 2**63 - 1], dtype=object)}
    )
    problems = df.autotask.validate(client=client, entity="Tickets")
    errors = problems[problems["severity"] == "error"]
    assert errors["row"].tolist() == [0] and errors["field"].tolist() == ["contractServiceID"]
    assert "Int64" in errors["problem"].iloc[0]


# -- fuzz: any frame gives problems, never a crash ------------------------------------------------

_ODD = st.one_of(
    st.none(),
    st.just(float("nan")),
    st.just(float("inf")),
    st.just(-float("inf")),
    st.just(pd.NA),
    st.just(pd.NaT),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True),
    # quiet NaN only: pandas itself cannot even print a frame holding Decimal("sNaN")
    st.decimals(allow_nan=False, allow_infinity=False),
    st.sampled_from([decimal.Decimal("NaN"), decimal.Decimal("-Infinity")]),
    st.text(max_size=40),
    st.text(min_size=8001, max_size=8100, alphabet="x"),  # beyond any string field's length
    st.sampled_from(["bad \udcff byte", "\ud800", "nan", "INF", "1e999", "2026-13-45", "Open"]),
    st.booleans(),
    st.datetimes(timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=-5))])),
    st.datetimes(),  # naive
    st.dates(),
    st.timedeltas(),
    st.binary(max_size=8),
    st.lists(st.integers(), max_size=2),
)

_COLUMNS = ["title", "companyID", "estimatedHours", "dueDateTime", "status", "priority"]


@st.composite
def _frames(draw: st.DrawFn) -> pd.DataFrame:
    rows = draw(st.integers(min_value=1, max_value=6))
    ids = draw(
        st.lists(
            st.one_of(st.none(), st.sampled_from([7000, 7001, 7002]), st.integers(-5, 2**70)),
            min_size=rows,
            max_size=rows,
        )
    )  # duplicates, missing, negative and huge ids
    data: dict[str, Any] = {"id": pd.Series(ids, dtype=object)}
    for name in draw(st.lists(st.sampled_from(_COLUMNS), unique=True, max_size=4)):
        data[name] = pd.Series(draw(st.lists(_ODD, min_size=rows, max_size=rows)), dtype=object)
    return pd.DataFrame(data)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=True,
)
@given(_frames())
def test_validation_of_any_frame_gives_problems_never_a_crash(
    client: AutotaskClient, df: pd.DataFrame
) -> None:
    frozen = df.copy()
    try:
        problems = df.autotask.validate(client=client, entity="Tickets")
    except AutotaskValidationError as exc:  # a frame-level refusal (duplicate ids): words, not a crash
        assert str(exc)
        return
    assert list(problems.columns) == list(PROBLEM_COLUMNS)
    for row in problems[problems["severity"] == "error"].itertuples():
        assert row.problem  # every problem says what is wrong
    pd.testing.assert_frame_equal(df, frozen)  # validation never changes the frame


def test_mixed_time_zones_in_one_column_are_no_problem(client: AutotaskClient) -> None:
    moments = [
        pd.Timestamp("2026-03-01 09:00", tz="UTC"),
        pd.Timestamp("2026-03-01 09:00", tz="America/New_York"),
        np.datetime64("2026-03-01T09:00"),
    ]
    df = pd.DataFrame({"id": [7000, 7001, 7002], "dueDateTime": pd.Series(moments, dtype=object)})
    problems = df.autotask.validate(client=client, entity="Tickets")
    assert problems[problems["severity"] == "error"].empty
