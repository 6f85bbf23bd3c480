"""``read_autotask``: the pandas-style reader, its chunked form, and the default client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

import autotask_pandas
from autotask_pandas import AutotaskClient, Query, read_autotask
from autotask_pandas.client import default as _default
from autotask_pandas.exceptions import AutotaskValidationError
from autotask_pandas.frames.snapshot import pull_of
from autotask_pandas.sandbox import Sandbox
from autotask_pandas.types import QueryFilter

ENV = ("AUTOTASK_USERNAME", "AUTOTASK_INTEGRATION_CODE", "AUTOTASK_SECRET", "AUTOTASK_API_URL")


@pytest.fixture
def no_default(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No credentials in the environment and no default client chosen yet."""
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    _default.set_default_client(None)
    yield
    _default.set_default_client(None)


def test_exported_from_the_package() -> None:
    assert autotask_pandas.read_autotask is read_autotask
    assert autotask_pandas.Query is Query
    assert {"Query", "read_autotask"} <= set(autotask_pandas.__all__)


def test_read_returns_a_typed_frame_like_the_query(client: AutotaskClient) -> None:
    df = read_autotask("Tickets", where="status != Complete", client=client, progress=False)
    expected = Query(client, "Tickets", where="status != Complete").to_pandas(progress=False)
    pd.testing.assert_frame_equal(df, expected, check_flags=False)
    # labels by default (issue 12), for Query too; labels=False gives the values
    assert isinstance(df["status"].dtype, pd.CategoricalDtype)
    values = read_autotask(
        "Tickets", where="status != Complete", client=client, labels=False, progress=False
    )
    plain = Query(client, "Tickets", where="status != Complete", labels=False).to_pandas(
        progress=False
    )
    pd.testing.assert_frame_equal(values, plain, check_flags=False)
    assert str(df["id"].dtype) == "Int64" and str(df["createDate"].dtype) == "datetime64[ns, UTC]"
    assert (df["status"] != "Complete").all() and (values["status"] != 5).all()
    assert pull_of(df) is not None


@pytest.mark.parametrize(
    "where",
    [
        "status = Complete and priority in (Low, Medium)",
        [
            QueryFilter(field="status", op="eq", value=5),
            QueryFilter(field="priority", op="in", value=[3, 2]),
        ],
        [{"op": "eq", "field": "status", "value": 5}, "priority in (Low, Medium)"],
    ],
)
def test_where_takes_text_filters_and_dicts(client: AutotaskClient, where: Any) -> None:
    df = read_autotask("Tickets", where=where, client=client, progress=False, labels=True)
    assert len(df) > 0
    assert (df["status"] == "Complete").all()
    assert set(df["priority"].unique()) <= {"Low", "Medium"}


def test_fields_limit_labels_and_tz(client: AutotaskClient) -> None:
    df = read_autotask(
        "Tickets",
        fields=["ticketNumber", "status", "udf:Root Cause", "createDate"],
        limit=42,
        client=client,
        labels=True,
        progress=False,
        tz="Australia/Sydney",
    )
    assert list(df.columns) == ["id", "ticketNumber", "status", "udf:Root Cause", "createDate"]
    assert len(df) == 42
    assert isinstance(df["status"].dtype, pd.CategoricalDtype)
    assert str(df["createDate"].dtype) == "datetime64[ns, Australia/Sydney]"


def test_chunksize_gives_an_iterator_of_frames(client: AutotaskClient, sandbox: Sandbox) -> None:
    before = len(sandbox.requests)
    chunks = read_autotask("Tickets", client=client, chunksize=300, limit=1000, progress=False)
    assert len(sandbox.requests) == before  # an iterator: nothing fetched yet
    frames = list(chunks)
    assert [len(f) for f in frames] == [300, 300, 300, 100]
    whole = pd.concat(frames)
    assert pull_of(whole) is not None and whole["id"].is_unique
    expected = read_autotask("Tickets", client=client, limit=1000, progress=False)
    pd.testing.assert_frame_equal(whole, expected, check_flags=False)


def test_chunks_with_a_progress_bar(client: AutotaskClient) -> None:
    totals: list[int | None] = []
    updates: list[int] = []

    class Bar:
        def __init__(self, total: int | None = None, **_: Any) -> None:
            totals.append(total)

        def update(self, n: int) -> None:
            updates.append(n)

        def close(self) -> None:
            pass

    frames = list(read_autotask("Tickets", client=client, chunksize=1000, limit=2500, progress=Bar))
    assert totals == [2500] and sum(updates) == 2500 == sum(len(f) for f in frames)


def test_bad_input_is_named(client: AutotaskClient) -> None:
    with pytest.raises(AutotaskValidationError, match="did you mean 'Tickets'"):
        read_autotask("Tikets", client=client)
    with pytest.raises(AutotaskValidationError, match="'Finished' is no label or value"):
        read_autotask("Tickets", where="status = Finished", client=client, progress=False)
    with pytest.raises(AutotaskValidationError, match="expected a value after '>='"):
        read_autotask("Tickets", where="createDate >= ", client=client)
    with pytest.raises(AutotaskValidationError, match="chunksize must be at least 1"):
        next(read_autotask("Tickets", client=client, chunksize=0))


def test_without_credentials_the_default_is_the_sandbox(no_default: None) -> None:
    df = read_autotask("Companies", limit=5, progress=False)
    assert len(df) == 5
    client = _default.default_client()
    sandbox = _default.default_sandbox()
    assert client.credentials.username == sandbox.username
    assert client is _default.default_client()  # made once
    assert Query(None, "Tickets").client is client


def test_with_credentials_in_the_environment_the_default_uses_them(
    no_default: None, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTOTASK_USERNAME", sandbox.username)
    monkeypatch.setenv("AUTOTASK_INTEGRATION_CODE", sandbox.integration_code)
    monkeypatch.setenv("AUTOTASK_SECRET", sandbox.secret)
    monkeypatch.setenv("AUTOTASK_API_URL", sandbox.url)
    before = len(sandbox.requests)
    df = read_autotask("Tickets", limit=3, progress=False)
    assert len(df) == 3
    assert len(sandbox.requests) > before  # this sandbox, over loopback HTTP, answered
    client = _default.default_client()
    assert client.credentials.api_url == sandbox.url
    client.close()


def test_partial_credentials_are_an_error_not_the_sandbox(
    no_default: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTOTASK_USERNAME", "someone@example.com")
    with pytest.raises(AutotaskValidationError, match="AUTOTASK_INTEGRATION_CODE, AUTOTASK_SECRET"):
        read_autotask("Tickets", limit=1, progress=False)
