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
* ``uncertain`` - a create was sent and no answer came back, or a write was still in flight
  when a second Ctrl-C stopped the wait for it (``AutotaskUncertainWriteError``); it may have
  landed, and it was deliberately not resent. An update, replace or delete whose first attempt
  went unanswered and whose retry was refused is read back first (``write_methods._settle``):
  ``ok`` when its edit is on the record (or the deleted record is gone), ``failed`` when not and
  no attempt can still be in flight (none timed out), else ``uncertain``. After the batch, each
  uncertain create is looked up by what was sent (``reconcile.CreateLookup``): ``ok`` with the
  id of the one record the batch provably made, ``failed`` when none matches and nothing can be
  in flight, else still ``uncertain``.

**One record, input order.** Operations on the same record (same entity and id: updates,
replaces, deletes) run one after another in input order, each sent once the one before it has
its result (whatever that was), so the last one in the input is the last to land; operations on
different records, and creates (which have no id yet), still run concurrently.

**Interrupted.** When ``KeyboardInterrupt`` (Ctrl-C), or any other exception, reaches the
calling thread while writes run (a progress callback that raises, say), no further write is sent:
the queued ones are cancelled; the ones already sent cannot be recalled, so they are waited for
and their results kept (a second Ctrl-C stops the wait: each write still in flight is then
``uncertain``). The exception is then re-raised with ``write_results`` set on it: a list with
one entry per operation, in input order, the ``WriteResult`` of each operation that was sent and
``None`` for each that never was. The progress callback has also been given each of those
results before the re-raise.

``write_many`` itself never raises for an item's failure; ``batch_create``/``batch_update``/
``batch_delete`` (the reference's API) return plain values and raise ``AutotaskBatchError`` -
carrying every ``WriteResult`` - when any item did not succeed.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Hashable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from autotask_pandas.exceptions import (
    AutotaskBatchError,
    AutotaskUncertainWriteError,
    AutotaskValidationError,
)
from autotask_pandas.types import WriteOperation, WriteResult

__all__ = ["ProgressCallback", "WriteCancelled", "batch_error", "run_writes"]

ProgressCallback = Callable[[WriteResult], None]
P = TypeVar("P")


class WriteCancelled(Exception):
    """Raised by a write's send step when the run was interrupted before its request left: the
    operation is reported as never sent (``None`` in ``write_results``)."""


@dataclass(frozen=True, slots=True)
class _Job(Generic[P]):
    index: int
    operation: WriteOperation
    prepared: P
    key: Hashable | None  # the record it writes (None: a create, independent of all others)


@dataclass
class _Shared:
    """What the calling thread and the pool's workers share, under ``done``'s lock."""

    results: list[WriteResult | None]
    stop: threading.Event
    done: threading.Condition = field(default_factory=threading.Condition)
    running: set[int] = field(default_factory=set)  # started, not finished: maybe in flight
    finished: deque[int] = field(default_factory=deque)  # finished, not yet seen by the caller


def run_writes(
    operations: Sequence[WriteOperation],
    prepared: Sequence[P],
    execute: Callable[[P], tuple[int | None, Any]],
    *,
    workers: int,
    batch_size: int | None = None,
    progress: bool | ProgressCallback | None = None,
    record_key: Callable[[P], Hashable | None] | None = None,
    stop: threading.Event | None = None,
) -> list[WriteResult]:
    """Run ``execute`` over the prepared operations on ``workers`` threads; results in order.

    ``execute`` returns ``(item_id, response)`` or raises (``WriteCancelled`` when it found
    ``stop`` set before sending). ``record_key`` names the record an operation writes (None for
    a create): operations with the same key run one after another in input order. At most
    ``batch_size`` operations are outstanding at a time (so a failure is reported while the rest
    still wait, and memory stays flat); progress callbacks run on the calling thread.

    On an exception in the calling thread (``KeyboardInterrupt``): ``stop`` is set, queued
    operations are not started, started ones are waited for (until a second
    ``KeyboardInterrupt``), and the exception is re-raised with ``write_results`` (one
    ``WriteResult | None`` per operation, None: never sent), see the module docstring.
    """
    total = len(operations)
    if total == 0:
        return []
    shared = _Shared([None] * total, stop or threading.Event())
    window = max(1, batch_size or total)
    callback, bar = _progress(progress, total)
    reported: set[int] = set()

    def report(result: WriteResult) -> None:
        reported.add(result.index)
        if callback is not None:
            callback(result)
        if bar is not None:
            bar.update(1)

    jobs: Iterator[_Job[P]] = (
        _Job(i, op, p, record_key(p) if record_key is not None else None)
        for i, (op, p) in enumerate(zip(operations, prepared, strict=True))
    )
    keys: dict[int, Hashable] = {}  # index -> key of the outstanding jobs that have one
    busy: set[Hashable] = set()  # records with an operation on the pool
    held: dict[Hashable, deque[_Job[P]]] = {}  # later operations of a busy record, in order
    pool = ThreadPoolExecutor(
        max_workers=max(1, min(workers, total)), thread_name_prefix="autotask-write"
    )
    try:
        outstanding = 0  # on the pool or held, not yet seen finished
        exhausted = False
        while True:
            while not exhausted and outstanding < window:
                job = next(jobs, None)
                if job is None:
                    exhausted = True
                    break
                outstanding += 1
                if job.key is not None:
                    keys[job.index] = job.key
                    if job.key in busy:
                        held.setdefault(job.key, deque()).append(job)
                        continue
                    busy.add(job.key)
                pool.submit(_run, shared, job, execute)
            if outstanding == 0:
                break
            with shared.done:
                while not shared.finished:
                    shared.done.wait()
                done = list(shared.finished)
                shared.finished.clear()
            for index in done:
                outstanding -= 1
                key = keys.pop(index, None)
                if key is not None:  # the record's next operation may go now, not before
                    waiting = held.get(key)
                    if waiting:
                        pool.submit(_run, shared, waiting.popleft(), execute)
                        if not waiting:
                            del held[key]
                    else:
                        busy.discard(key)
                result = shared.results[index]
                if result is not None:  # None: not sent, which happens only once stopped
                    report(result)
    except BaseException as exc:
        _stop(shared, pool, operations, exc, report, reported)
        raise
    finally:
        if bar is not None:
            bar.close()
    pool.shutdown(wait=True)
    return [r for r in shared.results if r is not None]


def _run(shared: _Shared, job: _Job[Any], execute: Callable[[Any], tuple[int | None, Any]]) -> None:
    """One operation, on a worker thread: its result goes into ``shared``."""
    with shared.done:
        if shared.stop.is_set():  # interrupted while this one was queued: never sent
            shared.finished.append(job.index)
            shared.done.notify_all()
            return
        shared.running.add(job.index)
    result: WriteResult | None
    try:
        item_id, response = execute(job.prepared)
    except WriteCancelled:
        result = None
    except AutotaskUncertainWriteError as exc:
        result = WriteResult(job.index, job.operation, "uncertain", error=exc)
    except Exception as exc:  # noqa: BLE001 - every failure is reported, none is dropped
        result = WriteResult(job.index, job.operation, "failed", error=exc)
    else:
        result = WriteResult(job.index, job.operation, "ok", item_id=item_id, response=response)
    with shared.done:
        shared.running.discard(job.index)
        if result is not None:
            shared.results[job.index] = result
        shared.finished.append(job.index)
        shared.done.notify_all()


def _stop(
    shared: _Shared,
    pool: ThreadPoolExecutor,
    operations: Sequence[WriteOperation],
    exc: BaseException,
    report: ProgressCallback,
    reported: set[int],
) -> None:
    """The run was interrupted: send nothing more, wait for what was sent, attach the results."""
    with shared.done:
        shared.stop.set()
    pool.shutdown(wait=False, cancel_futures=True)
    try:
        with shared.done:
            while shared.running:
                shared.done.wait()
            results = list(shared.results)
    except KeyboardInterrupt:  # Ctrl-C again: stop waiting; what is in flight may land or not
        with shared.done:
            for index in shared.running:
                shared.results[index] = WriteResult(
                    index,
                    operations[index],
                    "uncertain",
                    error=AutotaskUncertainWriteError(
                        f"item {index} ({_describe(operations[index])}) was in flight when the "
                        "writes were interrupted a second time: it may have landed"
                    ),
                )
            results = list(shared.results)
    try:
        exc.write_results = results  # type: ignore[attr-defined]
    except (AttributeError, TypeError):  # an exception type that takes no attributes
        pass
    try:
        for result in results:
            if result is not None and result.index not in reported:
                report(result)
    except Exception as error:  # noqa: BLE001 - the interrupt must still propagate
        exc.add_note(f"the progress callback failed on the interrupted writes: {error!r}")


def _describe(op: WriteOperation) -> str:
    return f"{op.action} {op.entity}" + (f" {op.entity_id}" if op.entity_id is not None else "")


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
