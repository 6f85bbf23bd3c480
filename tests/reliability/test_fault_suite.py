"""The fault suite (issue 11, "Suites that run in CI") at CI size; the full size is
``python benchmarks/fault_suite.py --full``. What each check promises: ``fault_checks.py``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fault_checks import CI, check_pull, check_push, faulty_sandbox

from autotask_pandas.sandbox import Sandbox


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with faulty_sandbox(CI) as made:
        yield made


def test_a_pull_under_faults_is_the_fault_free_frame_or_an_error(sb: Sandbox) -> None:
    rows, completed = check_pull(sb)
    assert rows >= 2_000
    assert completed  # with this seed the retries carry it through: the frame was compared


def test_a_push_under_faults_loses_nothing_duplicates_nothing_and_converges(sb: Sandbox) -> None:
    counted = check_push(sb, CI)
    assert counted.get("update ok", 0) > 0 and counted.get("create ok", 0) > 0
