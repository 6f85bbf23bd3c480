"""Round trips before the first page (issue 10): metadata of different endpoints overlaps the
first page, no threshold reading before a pull, and the progress bar's count overlaps it too.
A filter on number or boolean fields goes out with the first page before the fields' metadata
is in (the conditions are checked against the vendored spec's types, then the metadata); a
filter whose check needs the metadata (a label, a misspelt field) waits for it.

"Overlaps" is checked without clocks: a wrapping transport holds one request (the UDF
definitions, or the count) until the first ``/Tickets/query`` request has reached the server,
waiting at most a few seconds. If the client sent them one after another, the held request
never sees the query arrive and the test fails (after that wait); when they overlap, it is
released at once. No test here asserts a wall-clock time.
"""

from __future__ import annotations

import threading

import httpx
import pandas as pd
import pytest

from autotask_pandas import AutotaskClient, ClientConfig, read_autotask
from autotask_pandas.exceptions import AutotaskValidationError
from autotask_pandas.sandbox import Sandbox, SandboxTransport
from tests.helpers.sandboxes import new_sandbox

PATIENCE = 5.0  # seconds a held request waits for the query (only ever waited when failing)


class HoldUntilQuery(SandboxTransport):
    """Holds requests whose path ends with ``held`` until a Tickets query has arrived."""

    def __init__(self, sb: Sandbox, held: str, patience: float = PATIENCE) -> None:
        assert sb.app is not None
        super().__init__(app=sb.app)
        self.held = held.lower()
        self.patience = patience
        self.query_seen = threading.Event()
        self.overlapped: list[bool] = []
        self.paths: list[str] = []
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.lower()
        with self._lock:
            self.paths.append(request.url.path)
        if path.endswith("/tickets/query"):
            self.query_seen.set()
        elif path.endswith(self.held):
            self.overlapped.append(self.query_seen.wait(self.patience))
        return super().handle_request(request)


def test_udf_definitions_overlap_the_first_page() -> None:
    with new_sandbox() as sb:
        transport = HoldUntilQuery(sb, "/tickets/entityinformation/userdefinedfields")
        config = ClientConfig(transport=transport, backoff_base=0.001)
        with AutotaskClient(sb.credentials, config) as client:
            frame = read_autotask("Tickets", where="id > 0", client=client, progress=False)
        assert len(frame) > 500
        assert transport.overlapped == [True]


def test_field_metadata_overlaps_the_first_page_of_an_unfiltered_pull() -> None:
    with new_sandbox() as sb:
        transport = HoldUntilQuery(sb, "/tickets/entityinformation/fields")
        config = ClientConfig(transport=transport, backoff_base=0.001)
        with AutotaskClient(sb.credentials, config) as client:
            frame = read_autotask("Tickets", client=client, progress=False)
        assert len(frame) > 500
        assert transport.overlapped == [True]


def test_a_pull_does_not_wait_for_a_threshold_reading() -> None:
    with new_sandbox() as sb:
        transport = HoldUntilQuery(sb, "/thresholdinformation")
        # A reading due on every request: whichever request of the pull it falls on (metadata,
        # first page), it runs beside that request instead of before it.
        config = ClientConfig(
            transport=transport, threshold_check_every=1, threshold_check_interval=0
        )
        with AutotaskClient(sb.credentials, config) as client:
            frame = read_autotask("Tickets", where="id > 0", client=client, progress=False)
        assert len(frame) > 500
        assert transport.overlapped and all(transport.overlapped), transport.overlapped


def test_a_number_filter_goes_out_beside_the_field_metadata() -> None:
    with new_sandbox() as sb:
        transport = HoldUntilQuery(sb, "/tickets/entityinformation/fields")
        config = ClientConfig(transport=transport, backoff_base=0.001)
        with AutotaskClient(sb.credentials, config) as client:
            frame = read_autotask("Tickets", where="id > 0 and status in (1, 5)", client=client)
        with AutotaskClient(sb.credentials, ClientConfig(transport=sb.transport())) as client:
            client.get_field_metadata("Tickets")  # in hand: the pull waits for nothing
            expected = read_autotask(
                "Tickets", where="id > 0 and status in (1, 5)", client=client, progress=False
            )
        assert transport.overlapped == [True]
        assert len(frame) > 500
        pd.testing.assert_frame_equal(frame, expected)


def test_a_label_filter_waits_for_the_metadata() -> None:
    """The fields' metadata is held for half a second: no query may reach the server meanwhile
    (a label is resolved to its value first, so no query is sent in vain)."""
    with new_sandbox() as sb:
        transport = HoldUntilQuery(sb, "/tickets/entityinformation/fields", patience=0.5)
        config = ClientConfig(transport=transport, backoff_base=0.001)
        with AutotaskClient(sb.credentials, config) as client:
            frame = read_autotask("Tickets", where="status = New", client=client, progress=False)
        assert transport.overlapped == [False]
        assert len(frame) > 0 and (frame["status"] == "New").all()


def test_a_misspelt_or_out_of_range_filter_is_refused_before_any_query() -> None:
    with new_sandbox() as sb:
        transport = HoldUntilQuery(sb, "/never-held")
        config = ClientConfig(transport=transport, backoff_base=0.001)
        with AutotaskClient(sb.credentials, config) as client:
            for where in ("staus = 1", "companyID = 2147483648", "isVisibleToComanaged = 1"):
                with pytest.raises(AutotaskValidationError, match="Tickets"):
                    read_autotask("Tickets", where=where, client=client, progress=False)
        assert not [p for p in transport.paths if p.lower().endswith("/query")]


def test_a_number_the_metadata_refuses_costs_one_query_and_raises_the_same_error() -> None:
    """A number that is no value of a picklist (the spec types the field as an integer; only
    the metadata lists the picklist): the early first page was asked, and is dropped."""
    with new_sandbox() as sb:
        transport = HoldUntilQuery(sb, "/tickets/entityinformation/fields")
        config = ClientConfig(transport=transport, backoff_base=0.001)
        with AutotaskClient(sb.credentials, config) as client:
            with pytest.raises(AutotaskValidationError, match="999 is no label or value"):
                read_autotask("Tickets", where="status = 999", client=client, progress=False)
        assert transport.overlapped == [True]
        assert [p for p in transport.paths if p.lower().endswith("/query")] == [
            "/ATServicesRest/V1.0/Tickets/query"
        ]


class Bar:
    """A progress factory's bar: records its total and the rows it was told about."""

    made: list[Bar] = []

    def __init__(self, *, total: int | None, unit: str, desc: str) -> None:
        self.total = total
        self.n = 0
        Bar.made.append(self)

    def update(self, n: int) -> None:
        self.n += n

    def close(self) -> None:
        pass


def test_the_progress_count_overlaps_the_first_page_and_sizes_the_bar() -> None:
    Bar.made = []
    with new_sandbox() as sb:
        transport = HoldUntilQuery(sb, "/tickets/query/count")
        config = ClientConfig(transport=transport, backoff_base=0.001)
        with AutotaskClient(sb.credentials, config) as client:
            frame = read_autotask("Tickets", where="id > 0", client=client, progress=Bar)
        assert transport.overlapped == [True]
        assert [(b.total, b.n) for b in Bar.made] == [(len(frame), len(frame))]
