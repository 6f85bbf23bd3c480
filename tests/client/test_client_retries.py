"""Retries, backoff and the uncertain create, against sandboxes with injected faults."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

import pytest
from helpers import closed_port, new_sandbox

from autotask_pandas import (
    AuthCredentials,
    AutotaskAPIError,
    AutotaskClient,
    AutotaskConnectionError,
    AutotaskRateLimitError,
    AutotaskThreadLimitError,
    AutotaskUncertainWriteError,
    ClientConfig,
    QueryFilter,
    WriteOperation,
)
from autotask_pandas.sandbox import SandboxSettings

MakeClient = Callable[..., AutotaskClient]


def _retry_delays(caplog: pytest.LogCaptureFixture) -> list[float]:
    return [
        float(r.args[-1])  # type: ignore[index]
        for r in caplog.records
        if r.name == "autotask_pandas.transport" and "retry" in r.msg
    ]


@pytest.mark.parametrize("kind", ["429", "503", "thread-limit"])
@pytest.mark.parametrize("inprocess", [False, True])
def test_refused_reads_are_retried(make_client: MakeClient, kind: str, inprocess: bool) -> None:
    with new_sandbox(faults=f"{kind}:0.4@POST /V1.0/Companies/query*") as sb:
        client = make_client(sb, inprocess=inprocess, max_retries=8)
        expected = client.count("Companies")
        rows = client.query_all("Companies", page_size=20)
        assert sorted(r["id"] for r in rows) == [r["id"] for r in rows]
        assert len(rows) == expected == len({r["id"] for r in rows})
        faults = [r for r in sb.requests if r.fault == kind]
        assert faults, "the fault was never injected: the test proves nothing"


def test_thread_limit_errors_are_recognised_by_their_words(make_client: MakeClient) -> None:
    with new_sandbox(faults="thread-limit:1@GET /V1.0/Tickets/*") as sb:
        # no time budget: exactly max_retries retries (the budget is tests/reliability's)
        client = make_client(sb, max_retries=2, thread_limit_patience=0)
        with pytest.raises(AutotaskThreadLimitError) as info:
            client.get("Tickets", 7000)
        assert "thread threshold" in str(info.value).lower()
        assert sum(1 for r in sb.requests if r.fault == "thread-limit") == 3  # 1 + 2 retries


def test_a_500_is_retried_on_a_read_and_not_on_a_write(make_client: MakeClient) -> None:
    # The policy (docs/client.md, "Retries"): a read's 500 without user-error words is retried;
    # a write's never is (tests/reliability/test_limits_politely.py has the user errors).
    with new_sandbox(faults="500:1@POST /V1.0/Companies/query; 500:1@PATCH") as sb:
        client = make_client(sb, max_retries=5)
        with pytest.raises(AutotaskAPIError) as info:
            client.query("Companies")
        assert info.value.status_code == 500 and info.value.errors
        assert len([r for r in sb.requests if r.path.endswith("/Companies/query")]) == 6
        with pytest.raises(AutotaskAPIError) as info:
            client.update("Companies", 1, companyName="x")
        assert info.value.status_code == 500
        assert len([r for r in sb.requests if r.method == "PATCH"]) == 1


def test_retry_after_is_honoured_up_to_the_cap(
    make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="autotask_pandas.transport")
    with new_sandbox(faults="429-retry-after=1:1@GET /V1.0/Tickets/*") as sb:
        patient = make_client(sb, max_retries=1, retry_after_cap=5.0)
        with pytest.raises(AutotaskRateLimitError) as info:
            patient.get("Tickets", 7000)
        assert info.value.retry_after == 1.0
        assert _retry_delays(caplog) == [pytest.approx(1.0, abs=0.05)]  # waited what it was told
        caplog.clear()
        # Beyond the cap (the client's patience) it is not waited for: raised at once, unsent.
        mark = len(sb.requests)
        capped = make_client(sb, max_retries=2, retry_after_cap=0.05)
        with pytest.raises(AutotaskRateLimitError) as info:
            capped.get("Tickets", 7000)
        assert info.value.retry_after == 1.0
        assert _retry_delays(caplog) == []
        assert len(sb.requests) - mark == 1


def test_backoff_grows_exponentially_with_full_jitter(
    make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="autotask_pandas.transport")
    with new_sandbox(faults="503:1@GET /V1.0/Tickets/*") as sb:
        client = make_client(sb, max_retries=4, backoff_base=0.001, backoff_max=0.004)
        with pytest.raises(AutotaskAPIError):
            client.get("Tickets", 7000)
    delays = _retry_delays(caplog)
    ceilings = [0.001, 0.002, 0.004, 0.004]  # base * 2**attempt, capped by backoff_max
    assert len(delays) == 4
    assert all(0 <= d <= c for d, c in zip(delays, ceilings))


def _unique_title() -> str:
    return f"uncertain {uuid.uuid4().hex}"


@pytest.mark.parametrize("inprocess", [False, True])
def test_a_create_that_got_no_answer_is_uncertain_and_not_resent(
    make_client: MakeClient, inprocess: bool
) -> None:
    with new_sandbox(faults="reset-after:1@POST /V1.0/Appointments") as sb:
        client = make_client(sb, inprocess=inprocess, max_retries=5)
        title = _unique_title()
        with pytest.raises(AutotaskUncertainWriteError, match="not resent"):
            client.create_entity("Appointments", title=title)
        posts = [r for r in sb.requests if r.method == "POST" and r.path.endswith("/Appointments")]
        assert len(posts) == 1  # never resent
        # it did land (reset-after commits first): resending would have made a duplicate
        assert (
            len(
                client.query_all("Appointments", [QueryFilter(field="title", op="eq", value=title)])
            )
            == 1
        )


def test_uncertain_creates_in_a_batch(make_client: MakeClient) -> None:
    with new_sandbox(faults="reset-after:0.5@POST /V1.0/Appointments") as sb:
        client = make_client(sb, max_retries=5)
        ops = [WriteOperation.create("Appointments", {"title": _unique_title()}) for _ in range(12)]
        results = client.write_many(ops)
        statuses = {r.status for r in results}
        assert statuses == {"ok", "uncertain"}
        for r in results:
            if r.status == "uncertain":
                assert isinstance(r.error, AutotaskUncertainWriteError) and r.item_id is None
        posts = [r for r in sb.requests if r.method == "POST" and r.path.endswith("/Appointments")]
        # One carried out each, uncertain ones included, none resent. A POST the server refused
        # before doing any work (429) may be retried, as a refusal safely may be: it is not
        # counted as a create.
        carried_out = [r for r in posts if r.status != 429]
        assert len(carried_out) == 12
        assert all(r.status in (0, 200) for r in carried_out)


def test_a_reset_before_processing_is_still_uncertain_for_a_create(make_client: MakeClient) -> None:
    # Over a socket the client cannot tell "dropped before processing" from "after": the request
    # left. The record does not exist here, which is exactly why "uncertain" is the honest answer.
    with new_sandbox(faults="reset-before:1@POST /V1.0/Appointments") as sb:
        client = make_client(sb, max_retries=5)
        title = _unique_title()
        with pytest.raises(AutotaskUncertainWriteError):
            client.create_entity("Appointments", title=title)
        assert (
            client.query_all("Appointments", [QueryFilter(field="title", op="eq", value=title)])
            == []
        )


@pytest.mark.parametrize("inprocess", [False, True])
def test_dropped_reads_and_idempotent_writes_are_retried(
    make_client: MakeClient, inprocess: bool
) -> None:
    with new_sandbox(
        faults="reset-after:0.5@GET /V1.0/Appointments/*; reset-after:0.5@PATCH,PUT,DELETE"
    ) as sb:
        client = make_client(sb, inprocess=inprocess, max_retries=8)
        made = [client.create_entity("Appointments", title=f"r{i}").item_id for i in range(6)]
        for aid in made:
            client.update("Appointments", aid, title=f"updated {aid}")
            assert client.get("Appointments", aid)["title"] == f"updated {aid}"
            assert client.delete("Appointments", aid) is True
        dropped = {r.method for r in sb.requests if r.fault == "reset-after"}
        assert dropped == {"GET", "PATCH", "DELETE"}


def test_connection_failures_are_retried_even_for_creates(caplog: pytest.LogCaptureFixture) -> None:
    # Nothing was sent when the connection could not be made: a create is safe to try again.
    caplog.set_level(logging.INFO, logger="autotask_pandas.transport")
    creds = AuthCredentials(
        "u", "c", "s", api_url=f"http://127.0.0.1:{closed_port()}/ATServicesRest/"
    )
    config = ClientConfig(max_retries=3, backoff_base=0.001, threshold_check_every=0)
    with AutotaskClient(creds, config) as client, pytest.raises(AutotaskConnectionError):
        client.create_entity("Appointments", title="x")
    assert len(_retry_delays(caplog)) == 3


def test_a_429_makes_the_client_read_the_threshold(make_client: MakeClient) -> None:
    with new_sandbox(faults="429:1@GET /V1.0/Tickets/*") as sb:
        client = make_client(
            sb, max_retries=1, threshold_check_every=1000, threshold_check_interval=0
        )
        with pytest.raises(AutotaskRateLimitError):
            client.get("Tickets", 7000)
        paths = [r.path.rsplit("/", 1)[-1] for r in sb.requests if "ZoneInformation" not in r.path]
        # first request reads the threshold; after the 429 it is read again before the retry
        assert paths == ["ThresholdInformation", "7000", "ThresholdInformation", "7000"]


def test_the_client_slows_down_past_half_the_hourly_budget(
    make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="autotask_pandas.transport")
    # Short tier delays on the sandbox's side too: the client is what this test watches.
    settings = SandboxSettings(hourly_limit=12, threshold_delays=(0.001, 0.002))
    with new_sandbox(settings=settings) as sb:
        client = make_client(
            sb,
            threshold_check_every=1,
            threshold_check_interval=0,
            threshold_delays=((0.5, 0.001), (0.75, 0.002)),
        )
        for _ in range(5):  # 10 requests of 12, threshold reads included: past 75% at the end
            client.get("Tickets", 7000)
    waits = [r for r in caplog.records if "hourly budget" in r.msg]
    assert waits, "no slowdown past 50% of the budget"
    used = [float(r.args[0]) for r in waits]  # type: ignore[index]
    assert min(used) >= 50
    assert [float(r.args[1]) for r in waits if float(r.args[0]) >= 75][:1] == [0.002]  # type: ignore[index]
