"""``UploadBudget``: the 10,000,000 bytes per 5 minutes attachment budget, on an injected clock."""

from __future__ import annotations

import pytest
from helpers import FakeClock

from autotask_pandas import AutotaskValidationError
from autotask_pandas.entities import UploadBudget


def budget(clock: FakeClock, **kw) -> UploadBudget:
    return UploadBudget(clock=clock, sleep=clock.sleep, **kw)


def test_defaults_are_the_live_apis_numbers() -> None:
    b = UploadBudget()
    assert (b.window_bytes, b.window_seconds) == (10_000_000, 300.0)


def test_uploads_within_the_window_do_not_wait() -> None:
    clock = FakeClock(1000.0)
    b = budget(clock)
    for _ in range(5):
        b.acquire(2_000_000)
    assert clock.sleeps == [] and b.used() == 10_000_000


def test_an_upload_waits_until_the_oldest_ages_out() -> None:
    clock = FakeClock(1000.0)
    b = budget(clock)
    b.acquire(6_000_000)
    clock.now += 100
    b.acquire(4_000_000)
    clock.now += 10
    assert b.wait_time(1) == pytest.approx(190)
    b.acquire(1)  # waits for the first upload to leave the 300 s window
    assert clock.sleeps == [pytest.approx(190)]
    assert b.used() == 4_000_001
    assert b.wait_time(6_000_000) == pytest.approx(100)  # until the 4 MB upload leaves


def test_the_window_counts_from_when_an_upload_finished() -> None:
    clock = FakeClock(1000.0)
    b = budget(clock)
    upload = b.acquire(10_000_000)
    clock.now += 50  # the request took 50 s; the server counted it somewhere in between
    b.settle(upload)
    assert b.wait_time(1) == pytest.approx(300)


def test_a_failed_upload_does_not_count() -> None:
    clock = FakeClock(1000.0)
    b = budget(clock)
    upload = b.acquire(9_000_000)
    b.release(upload)
    assert b.used() == 0 and b.wait_time(10_000_000) == 0


def test_check_plans_the_waits_of_a_whole_call() -> None:
    clock = FakeClock(1000.0)
    b = budget(clock, window_bytes=3000, max_wait=700)
    assert b.check([1000] * 3) == 0
    assert b.check([1000] * 7) == pytest.approx(600)  # two more windows
    b.acquire(2500)
    assert b.check([1000]) == pytest.approx(300)
    assert clock.sleeps == []  # planning never sleeps


def test_check_refuses_a_call_that_would_wait_past_the_cap() -> None:
    clock = FakeClock(1000.0)
    b = budget(clock, window_bytes=3000, max_wait=299)
    with pytest.raises(AutotaskValidationError, match=r"wait 300 s.*max_wait=299") as caught:
        b.check([1000] * 4, "uploading 4 files")
    assert caught.value.retry_after == pytest.approx(300)
    assert "uploading 4 files" in str(caught.value)
    assert b.used() == 0  # nothing was counted


def test_a_file_larger_than_the_window_can_never_fit() -> None:
    b = budget(FakeClock(1000.0), window_bytes=1000)
    with pytest.raises(AutotaskValidationError, match="can never fit"):
        b.check([1001])


def test_bad_settings_are_refused() -> None:
    with pytest.raises(AutotaskValidationError):
        UploadBudget(window_bytes=0)
