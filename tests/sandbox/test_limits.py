"""The sandbox's request budget, thread limiter and attachment volume, on a hand-driven clock."""

from __future__ import annotations

import threading

import pytest
from helpers import FakeClock

from autotask_pandas.sandbox.limits import (
    THREAD_LIMIT_CODE,
    Admission,
    AttachmentTooLarge,
    AttachmentVolume,
    AttachmentVolumeExceeded,
    LimitError,
    RequestBudget,
    ThreadLimiter,
    ThreadLimitExceeded,
)

# --------------------------------------------------------------------------- RequestBudget


def test_budget_tiers_follow_the_share_of_the_window_used() -> None:
    budget = RequestBudget(limit=100, delays=(0.5, 1.0), clock=FakeClock(1000.0))
    delays = [budget.admit().delay for _ in range(100)]
    # Request n (1-based) sees n requests in the window, itself included.
    assert delays[:49] == [0.0] * 49  # below 50 %
    assert delays[49:74] == [0.5] * 25  # 50 % .. below 75 %
    assert delays[74:] == [1.0] * 26  # 75 % .. 100 %


def test_budget_custom_delays_are_used() -> None:
    budget = RequestBudget(limit=4, delays=(0.25, 2.0), clock=FakeClock(1000.0))
    assert [budget.admit().delay for _ in range(4)] == [0.0, 0.25, 2.0, 2.0]


def test_budget_refuses_beyond_the_limit_with_time_until_the_oldest_leaves() -> None:
    clock = FakeClock(0.0)
    budget = RequestBudget(limit=100, timeframe_seconds=3600, clock=clock)
    for _ in range(100):
        assert budget.admit().allowed
        clock.advance(1)  # requests at t = 0, 1, ..., 99
    clock.now = 99.5
    refused = budget.admit()
    assert refused == Admission(False, 0.0, 3500.5, refused.message)
    assert refused.message is not None and "Request Threshold Exceeded" in refused.message
    assert "100 requests per 60 minutes" in refused.message
    assert "try again in 3501 seconds" in refused.message
    # Refusals are not counted: the window still holds exactly the limit.
    assert budget.count() == 100
    assert budget.admit().allowed is False


def test_budget_admits_again_once_the_window_slides() -> None:
    clock = FakeClock(0.0)
    budget = RequestBudget(limit=3, timeframe_seconds=60, clock=clock)
    for _ in range(3):
        budget.admit()
        clock.advance(10)  # t = 0, 10, 20
    # Now t=30; the t=0 request leaves the window at t=60.
    assert budget.admit().retry_after == pytest.approx(30.0)
    clock.now = 59.999
    assert not budget.admit().allowed
    clock.now = 60.0
    admitted = budget.admit()
    assert admitted.allowed and admitted.retry_after is None
    # Full again; the next one to leave is the t=10 request.
    assert budget.admit().retry_after == pytest.approx(10.0)


def test_budget_snapshot_is_the_threshold_information_body() -> None:
    clock = FakeClock(1000.0)
    budget = RequestBudget(clock=clock)
    assert budget.snapshot() == {
        "externalRequestThreshold": 10_000,
        "requestThresholdTimeframe": 60,
        "currentTimeframeRequestCount": 0,
    }
    for _ in range(124):
        budget.admit()
    snap = budget.snapshot()
    assert snap["currentTimeframeRequestCount"] == 124
    assert all(type(v) is int for v in snap.values())
    clock.advance(3600)
    assert budget.snapshot()["currentTimeframeRequestCount"] == 0
    assert RequestBudget(500, timeframe_seconds=1800).snapshot()["requestThresholdTimeframe"] == 30


def test_budget_prefill_and_reset() -> None:
    budget = RequestBudget(limit=10, clock=FakeClock(1000.0))
    budget.prefill(8)
    assert budget.admit().delay == 1.0  # the 9th request: 90 %
    budget.admit()
    assert not budget.admit().allowed
    budget.reset()
    assert budget.count() == 0 and budget.admit().delay == 0.0


def test_budget_is_exact_under_concurrent_admissions() -> None:
    budget = RequestBudget(limit=500, clock=FakeClock(1000.0))
    start = threading.Barrier(8)
    results: list[bool] = []
    lock = threading.Lock()

    def worker() -> None:
        start.wait()
        mine = [budget.admit().allowed for _ in range(100)]
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 500 and results.count(False) == 300
    assert budget.count() == 500


@pytest.mark.parametrize(
    "kwargs",
    [{"limit": 0}, {"timeframe_seconds": 0}, {"delays": (-1.0, 1.0)}],
)
def test_budget_rejects_nonsense_settings(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        RequestBudget(**kwargs)


# --------------------------------------------------------------------------- ThreadLimiter


def _hold_slots(
    limiter: ThreadLimiter, key: tuple[str, str], count: int
) -> tuple[list[threading.Thread], threading.Event]:
    """Start ``count`` threads that each hold a slot of ``key`` until the returned event is set."""
    entered = threading.Barrier(count + 1)
    release = threading.Event()

    def hold() -> None:
        with limiter.slot(key):
            entered.wait()
            release.wait()

    threads = [threading.Thread(target=hold) for _ in range(count)]
    for t in threads:
        t.start()
    entered.wait()  # every holder is inside its slot
    return threads, release


def test_the_fourth_concurrent_request_is_refused_and_freed_slots_are_reused() -> None:
    limiter = ThreadLimiter()
    key = ("INTEGRATION-CODE", "tickets")
    threads, release = _hold_slots(limiter, key, 3)
    try:
        assert limiter.in_flight(key) == 3
        with pytest.raises(ThreadLimitExceeded) as caught, limiter.slot(key):
            pytest.fail("a fourth slot was granted")
        assert limiter.in_flight(key) == 3  # the refused request took nothing
        exc = caught.value
        assert exc.message == (
            "Thread Threshold Exceeded — The Autotask API thread threshold of 3 threads "
            "has been exceeded."
        )
        assert str(exc) == exc.message
        assert exc.code == THREAD_LIMIT_CODE == "Itgenatr005"
        assert exc.status == 429 and exc.limit == 3 and exc.key == key
        assert isinstance(exc, LimitError)
        assert exc.errors == [exc.message] and exc.headers == {}
    finally:
        release.set()
        for t in threads:
            t.join()
    assert limiter.in_flight(key) == 0
    with limiter.slot(key):
        assert limiter.in_flight(key) == 1


def test_thread_limit_keys_are_independent() -> None:
    limiter = ThreadLimiter(limit=3)
    busy = ("A", "tickets")
    threads, release = _hold_slots(limiter, busy, 3)
    try:
        for other in [("A", "companies"), ("B", "tickets")]:
            with limiter.slot(other):
                assert limiter.in_flight(other) == 1
        with pytest.raises(ThreadLimitExceeded), limiter.slot(busy):
            pass
    finally:
        release.set()
        for t in threads:
            t.join()


def test_racing_threads_get_exactly_limit_slots() -> None:
    limiter = ThreadLimiter(limit=3)
    key = ("A", "tickets")
    start = threading.Barrier(10)
    attempted = threading.Barrier(11)
    release = threading.Event()
    outcomes: list[str] = []
    lock = threading.Lock()

    def request() -> None:
        start.wait()
        try:
            with limiter.slot(key):
                with lock:
                    outcomes.append("ran")
                attempted.wait()
                release.wait()  # hold the slot until every thread has tried
        except ThreadLimitExceeded:
            with lock:
                outcomes.append("refused")
            attempted.wait()

    threads = [threading.Thread(target=request) for _ in range(10)]
    for t in threads:
        t.start()
    attempted.wait()
    release.set()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ran"] * 3 + ["refused"] * 7
    assert limiter.in_flight(key) == 0


def test_a_failing_request_releases_its_slot() -> None:
    limiter = ThreadLimiter(limit=1)
    with pytest.raises(RuntimeError), limiter.slot(("A", "tickets")):
        raise RuntimeError("handler crashed")
    assert limiter.in_flight(("A", "tickets")) == 0


def test_thread_limit_status_and_limit_are_settings() -> None:
    limiter = ThreadLimiter(limit=5, status=500)
    held = [limiter.slot(("A", "x")) for _ in range(5)]  # referenced, so never released
    for slot in held:
        slot.__enter__()
    with pytest.raises(ThreadLimitExceeded) as caught, limiter.slot(("A", "x")):
        pass
    assert caught.value.status == 500
    assert "thread threshold of 5 threads" in caught.value.message
    with pytest.raises(ValueError):
        ThreadLimiter(limit=0)


# --------------------------------------------------------------------------- AttachmentVolume


def test_per_file_limit() -> None:
    volume = AttachmentVolume(clock=FakeClock(1000.0))
    volume.admit(6 * 1024 * 1024)  # exactly the limit is fine
    with pytest.raises(AttachmentTooLarge) as caught:
        volume.admit(7_340_032)
    exc = caught.value
    assert exc.message == "Attachment size 7340032 bytes exceeds the 6291456-byte limit per file."
    assert (exc.size, exc.max_bytes, exc.status) == (7_340_032, 6_291_456, 500)
    assert isinstance(exc, ValueError)
    assert volume.used() == 6 * 1024 * 1024  # the refused file was not counted


def test_volume_limit_and_its_message() -> None:
    clock = FakeClock(1000.0)
    volume = AttachmentVolume(clock=clock)
    volume.admit(6_000_000)
    volume.admit(4_000_000)  # exactly 10,000,000 bytes: allowed
    assert volume.used() == 10_000_000
    with pytest.raises(AttachmentVolumeExceeded) as caught:
        volume.admit(1)
    exc = caught.value
    assert exc.retry_after == 300
    assert exc.errors == [exc.message] and exc.headers == {"Retry-After": "300"}
    assert exc.message == (
        "Attachment volume limit exceeded: at most 10000000 bytes may be uploaded in 5 minutes; "
        "try again in 300 seconds."
    )
    clock.advance(117)
    with pytest.raises(AttachmentVolumeExceeded) as caught:
        volume.admit(1)
    assert caught.value.retry_after == pytest.approx(183)
    assert caught.value.message.endswith("try again in 183 seconds.")


def test_breaching_the_volume_blocks_creation_for_five_minutes() -> None:
    clock = FakeClock(0.0)
    volume = AttachmentVolume(clock=clock)
    volume.admit(5_000_000)  # t=0
    clock.now = 200
    volume.admit(5_000_000)  # t=200
    clock.now = 250
    with pytest.raises(AttachmentVolumeExceeded):
        volume.admit(1)  # the breach: blocked until t=550
    clock.now = 301
    # The t=0 upload has left the window (5,000,000 bytes used), yet the block holds.
    assert volume.used() == 5_000_000
    with pytest.raises(AttachmentVolumeExceeded) as caught:
        volume.admit(1)
    assert caught.value.retry_after == pytest.approx(249)
    assert volume.blocked_for() == pytest.approx(249)
    clock.now = 550
    assert volume.blocked_for() == 0
    volume.admit(1_000_000)
    assert volume.used() == 1_000_000


def test_an_oversized_file_is_reported_as_such_even_while_blocked() -> None:
    volume = AttachmentVolume(window_bytes=10, clock=FakeClock(1000.0))
    with pytest.raises(AttachmentVolumeExceeded):
        volume.admit(11)
    with pytest.raises(AttachmentTooLarge):
        volume.admit(7_000_000)


def test_attachment_settings_shape_the_messages() -> None:
    volume = AttachmentVolume(
        max_file_bytes=100, window_bytes=150, window_seconds=90, clock=FakeClock(1000.0), status=429
    )
    volume.admit(100)
    with pytest.raises(AttachmentVolumeExceeded) as caught:
        volume.admit(60)
    assert caught.value.status == 429
    assert caught.value.message == (
        "Attachment volume limit exceeded: at most 150 bytes may be uploaded in 90 seconds; "
        "try again in 90 seconds."
    )
    volume.reset()
    volume.admit(100)
    with pytest.raises(ValueError):
        volume.admit(-1)


def test_attachment_volume_is_exact_under_concurrent_uploads() -> None:
    volume = AttachmentVolume(clock=FakeClock(1000.0))
    start = threading.Barrier(20)
    accepted: list[int] = []
    lock = threading.Lock()

    def upload() -> None:
        start.wait()
        try:
            volume.admit(1_000_000)
        except AttachmentVolumeExceeded:
            return
        with lock:
            accepted.append(1)

    threads = [threading.Thread(target=upload) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(accepted) == 10
    assert volume.used() == 10_000_000
