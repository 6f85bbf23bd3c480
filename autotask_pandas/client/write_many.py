"""The one way many records are written: single requests, run concurrently, one result each.

Autotask has no batch endpoint. ``AutotaskClient.write_many`` takes a list of ``WriteOperation``
(create, update = PATCH, replace = PUT, delete), checks them all before the first request (unknown
entity, an operation the entity does not allow, a create without its parent id: nothing is sent
if any is wrong), then runs them on a small thread pool. The client's limiter keeps at most
``thread_limit`` requests in flight per endpoint, so the pool never provokes thread-limit errors.

It returns one ``WriteResult`` per operation, in input order, whatever happened:

* ``ok`` - the API answered 200; ``item_id`` is the id it returned;
* ``failed`` - the API refused it or it could not be sent (after the retries that are safe);
  ``error`` is the exception, with the server's words;
* ``uncertain`` - a create was sent and no answer came back (``AutotaskUncertainWriteError``);
  it may exist now, and it was deliberately not resent.

``write_many`` itself never raises for an item's failure; ``batch_create``/``batch_update``/
``batch_delete`` (the reference's API) return plain values and raise ``AutotaskBatchError`` -
carrying every ``WriteResult`` - when any item did not succeed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from autotask_pandas.exceptions import (
    AutotaskBatchError,
    AutotaskUncertainWriteError,
    AutotaskValidationError,
)
from autotask_pandas.types import WriteOperation, WriteResult

__all__ = ["ProgressCallback", "batch_error", "run_writes"]

ProgressCallback = Callable[[WriteResult], None]
P = TypeVar("P")


@dataclass(frozen=True, slots=True)
class _Job(Generic[P]):
    index: int
    operation: WriteOperation
    prepared: P


def run_writes(
    operations: Sequence[WriteOperation],
    prepared: Sequence[P],
    execute: Callable[[P], tuple[int | None, Any]],
    *,
    workers: int,
    batch_size: int | None = None,
    progress: bool | ProgressCallback | None = None,
) -> list[WriteResult]:
    """Run ``execute`` over the prepared operations on ``workers`` threads; results in order.

    ``execute`` returns ``(item_id, response)`` or raises. At most ``batch_size`` operations are
    queued on the pool at a time (so a failure is reported while the rest still wait, and memory
    stays flat); progress callbacks run on the calling thread.
    """
    total = len(operations)
    results: list[WriteResult | None] = [None] * total
    if total == 0:
        return []
    window = max(1, batch_size or total)
    callback, bar = _progress(progress, total)

    def run(job: _Job[P]) -> WriteResult:
        try:
            item_id, response = execute(job.prepared)
        except AutotaskUncertainWriteError as exc:
            return WriteResult(job.index, job.operation, "uncertain", error=exc)
        except Exception as exc:  # noqa: BLE001 - every failure is reported, none is dropped
            return WriteResult(job.index, job.operation, "failed", error=exc)
        return WriteResult(job.index, job.operation, "ok", item_id=item_id, response=response)

    jobs = iter(_Job(i, op, p) for i, (op, p) in enumerate(zip(operations, prepared, strict=True)))
    try:
        with ThreadPoolExecutor(
            max_workers=max(1, min(workers, total)), thread_name_prefix="autotask-write"
        ) as pool:
            pending: set[Future[WriteResult]] = set()
            exhausted = False
            while pending or not exhausted:
                while not exhausted and len(pending) < window:
                    job = next(jobs, None)
                    if job is None:
                        exhausted = True
                        break
                    pending.add(pool.submit(run, job))
                if not pending:
                    break
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    result = future.result()
                    results[result.index] = result
                    if callback is not None:
                        callback(result)
                    if bar is not None:
                        bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    return [r for r in results if r is not None]


def _progress(
    progress: bool | ProgressCallback | None, total: int
) -> tuple[ProgressCallback | None, Any]:
    if progress is None or progress is False:
        return None, None
    if progress is True:
        try:
            from tqdm.auto import tqdm
        except ImportError:  # tqdm is optional for this feature
            return None, None
        return None, tqdm(total=total, desc="writing", unit="record")
    if callable(progress):
        return progress, None
    raise AutotaskValidationError("progress is True, False/None or a callable taking a WriteResult")


def batch_error(results: Sequence[WriteResult], what: str) -> AutotaskBatchError | None:
    """An ``AutotaskBatchError`` when any result is not ok (None when all are)."""
    bad = [r for r in results if not r.ok]
    if not bad:
        return None
    failed = sum(1 for r in bad if r.status == "failed")
    uncertain = len(bad) - failed
    first = bad[0]
    return AutotaskBatchError(
        f"{len(bad)} of {len(results)} {what} did not succeed ({failed} failed, {uncertain} "
        f"uncertain); first, item {first.index}: {first.error}",
        results,
    )
