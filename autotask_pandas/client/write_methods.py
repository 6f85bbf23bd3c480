"""The client's write methods: single records and the one many-records path.

A mixin of ``AutotaskClient`` (kept apart so each file reads in one sitting). It relies on the
client's ``_router``, ``request()``, ``get()`` and ``config``. See ``write_many.py`` for how
``write_many`` reports each item (and what an interrupt does) and ``write_one.py`` for how one
write is checked and routed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from autotask_pandas.client.reconcile import (
    CreateLookup,
    LookupCreate,
    create_filter,
    edit_is_there,
)
from autotask_pandas.client.transport import RequestKind, is_gone
from autotask_pandas.client.write_many import (
    ProgressCallback,
    WriteCancelled,
    batch_error,
    run_writes,
)
from autotask_pandas.client.write_one import (
    CreatedWithoutId,
    PreparedWrite,
    Send,
    execute_write,
    prepare_write,
)
from autotask_pandas.exceptions import (
    AutotaskAPIError,
    AutotaskException,
    AutotaskNotFoundError,
    AutotaskTimeoutError,
    AutotaskUncertainWriteError,
    AutotaskValidationError,
)
from autotask_pandas.types import CreateResponse, WriteOperation, WriteResult

if TYPE_CHECKING:  # pragma: no cover
    from autotask_pandas.client.config import ClientConfig
    from autotask_pandas.client.routing import Router
    from autotask_pandas.types import FieldMetadata

__all__ = ["WritingMixin"]

logger = logging.getLogger("autotask_pandas.client")


def _record_key(prepared: PreparedWrite) -> Hashable | None:
    """The record an operation writes, for ``write_many``'s one-record-in-order rule (a create
    writes none yet)."""
    if prepared.entity_id is None:
        return None
    return (prepared.route.entity.name, prepared.entity_id)


class WritingMixin:
    """create_entity, update, replace, delete, write_many and the reference's batch_*."""

    _router: Router
    config: ClientConfig

    if TYPE_CHECKING:  # provided by AutotaskClient

        def request(
            self,
            method: str,
            path: str,
            *,
            json: Any = None,
            params: Mapping[str, Any] | None = None,
            kind: RequestKind | None = None,
            impersonation_resource_id: int | None = None,
        ) -> Any: ...

        def get(
            self,
            entity: str,
            entity_id: int,
            *,
            parent_id: int | None = None,
            impersonation_resource_id: int | None = None,
        ) -> dict[str, Any] | None: ...

        def get_field_metadata(self, entity: str) -> list[FieldMetadata]: ...

        def query_all(
            self,
            entity: str,
            filters: Any = None,
            include_fields: Sequence[str] | None = None,
            *,
            page_size: int = 500,
            limit: int | None = None,
            impersonation_resource_id: int | None = None,
        ) -> list[dict[str, Any]]: ...

    # -- single records ---------------------------------------------------------------------

    def _write_one(self, operation: WriteOperation) -> tuple[int, Any]:
        return self._execute_settled(
            prepare_write(self._router, operation, self._live_field_names), self._send_write
        )

    def _execute_settled(
        self,
        prepared: PreparedWrite,
        send: Send,
        flights: dict[int, bool] | None = None,
    ) -> tuple[int, Any]:
        """``execute_write``, with an update/replace/delete of unknown fate settled by reading
        the record back (``reconcile.py``): done - the answer; not done, and no attempt can still
        be in flight - the server's refusal (``last_error``); cannot tell -
        ``AutotaskUncertainWriteError`` as it was. An uncertain create is re-raised; whether an
        attempt of it may still be in flight goes into ``flights`` (by ``id(prepared)``)."""
        started = time.monotonic()
        try:
            return execute_write(prepared, send, self._get_for_parent)
        except AutotaskUncertainWriteError as uncertain:
            in_flight = self._maybe_in_flight(uncertain, started)
            if flights is not None:
                flights[id(prepared)] = in_flight
            return self._settle(prepared, uncertain, in_flight)

    def _maybe_in_flight(self, uncertain: AutotaskUncertainWriteError, started: float) -> bool:
        """Whether an unanswered attempt of this write may still be running on the server.

        Only an attempt the client gave up on - a timeout - may be (``reconcile.py``, "In
        flight"); one the other side ended, or never received, is over. The transport does not
        say which attempts timed out, so: the last one did (``last_error`` a timeout), or any
        may have when the call lasted the client's timeout (httpx raises a timeout only once
        that much time has passed, so a shorter call had none). A create answered 200 without
        its id is not in flight: it was made."""
        if isinstance(uncertain, CreatedWithoutId):
            return False
        if isinstance(uncertain.last_error, AutotaskTimeoutError):
            return True
        return time.monotonic() - started >= self.config.timeout

    def _settle(
        self, prepared: PreparedWrite, uncertain: AutotaskUncertainWriteError, in_flight: bool
    ) -> tuple[int, Any]:
        refusal, entity_id = uncertain.last_error, prepared.entity_id
        if prepared.operation.action == "create" or entity_id is None or refusal is None:
            raise uncertain  # a create has nothing to read back by: see write_many
        name = prepared.route.entity.name
        try:
            record = self.get(name, entity_id)
        except AutotaskException as exc:
            uncertain.add_note(f"reading {name} {entity_id} back to settle it failed: {exc}")
            raise uncertain from None
        if prepared.operation.action == "delete":
            done: bool | None = record is None
        elif record is None:
            done = False  # the record is gone: the edit cannot be on it
        else:
            done = edit_is_there(prepared.body or {}, record)
        if done is None:
            uncertain.add_note(f"{name} {entity_id} was read back: it does not show every field")
            raise uncertain
        if not done and in_flight:
            uncertain.add_note(
                f"{name} {entity_id} was read back: the {prepared.operation.action} is not "
                "there yet, but an attempt timed out and may still be in flight"
            )
            raise uncertain
        if not done:
            refusal.add_note(
                f"{name} {entity_id} was read back after an unanswered attempt: the "
                f"{prepared.operation.action} is not there, so it failed"
            )
            raise refusal
        logger.info(
            "%s %s %d: an unanswered attempt had landed (read back), so it is done",
            prepared.operation.action,
            name,
            entity_id,
        )
        return entity_id, {"itemId": entity_id}

    def create_entity(
        self,
        entity: str,
        *,
        parent_id: int | None = None,
        impersonation_resource_id: int | None = None,
        **data: Any,
    ) -> CreateResponse:
        """Create a record; child entities go through their parent (e.g. ``companyID``)."""
        item_id, _ = self._write_one(
            WriteOperation.create(
                entity,
                data,
                parent_id=parent_id,
                impersonation_resource_id=impersonation_resource_id,
            )
        )
        return CreateResponse(item_id=item_id)

    def update(
        self,
        entity: str,
        entity_id: int,
        *,
        parent_id: int | None = None,
        impersonation_resource_id: int | None = None,
        **data: Any,
    ) -> dict[str, Any]:
        """PATCH the given fields (``PATCH /{Entity}`` with the id in the body)."""
        _, answer = self._write_one(
            WriteOperation.update(
                entity,
                entity_id,
                data,
                parent_id=parent_id,
                impersonation_resource_id=impersonation_resource_id,
            )
        )
        return dict(answer) if isinstance(answer, Mapping) else {"itemId": entity_id}

    def replace(
        self,
        entity: str,
        entity_id: int,
        *,
        parent_id: int | None = None,
        impersonation_resource_id: int | None = None,
        **data: Any,
    ) -> dict[str, Any]:
        """PUT the whole record: fields left out become null on the server."""
        _, answer = self._write_one(
            WriteOperation.replace(
                entity,
                entity_id,
                data,
                parent_id=parent_id,
                impersonation_resource_id=impersonation_resource_id,
            )
        )
        return dict(answer) if isinstance(answer, Mapping) else {"itemId": entity_id}

    def delete(
        self,
        entity: str,
        entity_id: int,
        *,
        parent_id: int | None = None,
        impersonation_resource_id: int | None = None,
    ) -> bool:
        """Delete where the API allows it; False when the record does not exist.

        The live API answers a missing record with a 500 "No matching records found. The logged in
        Resource may not have the required permissions to delete the data." (or a 404): either way
        nothing was deleted, which is the reference's ``False``."""
        operation = WriteOperation.delete(
            entity,
            entity_id,
            parent_id=parent_id,
            impersonation_resource_id=impersonation_resource_id,
        )
        # refuses before any request
        prepared = prepare_write(self._router, operation, self._live_field_names)
        try:
            self._execute_settled(prepared, self._send_write)
        except AutotaskNotFoundError:
            return False
        except AutotaskAPIError as error:
            if is_gone(error):
                return False
            raise
        return True

    def _send_write(
        self, method: str, path: str, body: Any, kind: RequestKind, impersonation: int | None
    ) -> Any:
        return self.request(
            method, path, json=body, kind=kind, impersonation_resource_id=impersonation
        )

    def _live_field_names(self, entity: str) -> list[str]:
        """The server's field names (metadata, fetched once per entity and cached)."""
        return [f.name for f in self.get_field_metadata(entity)]

    def _get_for_parent(self, entity: str, entity_id: int) -> dict[str, Any] | None:
        return self.get(entity, entity_id)

    def plan_write(self, operation: WriteOperation) -> PreparedWrite:
        """``operation`` checked, its field names mapped and its route chosen exactly as
        ``write_many`` will send it, without sending anything (for dry runs and previews).
        Raises ``AutotaskValidationError`` for what ``write_many`` would refuse."""
        return prepare_write(self._router, operation, self._live_field_names)

    # -- many records -----------------------------------------------------------------------

    def write_many(
        self,
        operations: Iterable[WriteOperation],
        *,
        progress: bool | ProgressCallback | None = None,
        max_workers: int | None = None,
        batch_size: int | None = None,
    ) -> list[WriteResult]:
        """Run write operations concurrently; one ``WriteResult`` per operation, in input order.

        All operations are checked first: if any is invalid, ``AutotaskValidationError`` is
        raised (its ``problems`` maps input index to the reason) and nothing is sent. Failures of
        individual requests never raise here: they are results with status ``failed`` or
        ``uncertain`` (see ``write_many.py``).

        Operations on the same record (same entity and id) run one after another in input order,
        so the last one lands last; other records' operations and creates run concurrently.

        ``progress``: True for a tqdm bar, or a callable given each ``WriteResult`` as it
        completes (on the calling thread). ``max_workers`` defaults to ``thread_limit``;
        ``batch_size`` caps the operations outstanding at a time. A create left ``uncertain`` is
        looked up once the batch is done (``reconcile.CreateLookup``): the list returned has its
        settled status, the progress callback saw it ``uncertain``.

        Ctrl-C: a ``KeyboardInterrupt`` (or any exception raised on the calling thread, e.g. by
        the progress callback) stops the run: queued operations are never sent, those already
        sent are waited for (a second Ctrl-C stops waiting: they are then ``uncertain``), and the
        exception is re-raised with ``write_results``, a list of one ``WriteResult | None`` per
        operation in input order (None: never sent, safe to send again). The progress callback
        has been given each of those results first.
        """
        ops = list(operations)
        prepared: list[PreparedWrite] = []
        problems: dict[int, str] = {}
        for index, op in enumerate(ops):
            if not isinstance(op, WriteOperation):
                problems[index] = f"not a WriteOperation: {op!r}"
                continue
            try:
                prepared.append(prepare_write(self._router, op, self._live_field_names))
            except AutotaskValidationError as exc:
                problems[index] = str(exc)
        if problems:
            shown = "; ".join(f"item {i}: {m}" for i, m in list(problems.items())[:5])
            more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
            error = AutotaskValidationError(
                f"{len(problems)} of {len(ops)} write operations are invalid, nothing was sent: "
                f"{shown}{more}"
            )
            error.problems = problems  # type: ignore[attr-defined]
            raise error
        stop = threading.Event()

        def send(
            method: str, path: str, body: Any, kind: RequestKind, impersonation: int | None
        ) -> Any:
            # the last moment a write can still be held back: an interrupt sends nothing more
            if stop.is_set():
                raise WriteCancelled(f"{method} {path}: not sent, the writes were interrupted")
            return self._send_write(method, path, body, kind, impersonation)

        flights: dict[int, bool] = {}  # id(prepared) -> may an attempt still be in flight
        results = run_writes(
            ops,
            prepared,
            lambda p: self._execute_settled(p, send, flights),
            workers=max_workers or self.config.thread_limit,
            batch_size=batch_size,
            progress=progress,
            record_key=_record_key,
            stop=stop,
        )
        if not any(r.status == "uncertain" and r.operation.action == "create" for r in results):
            return results  # nothing to look up: not one request more
        in_flight = {i: flights[id(p)] for i, p in enumerate(prepared) if id(p) in flights}
        return self._create_lookup(prepared).settle(results, in_flight)

    def _create_lookup(self, prepared: Sequence[PreparedWrite]) -> CreateLookup:
        """The batch's creates as ``reconcile.CreateLookup`` looks them up."""
        creates = [
            (i, p) for i, p in enumerate(prepared) if p.operation.action == "create" and p.body
        ]
        fields: dict[str, tuple[set[str], str | None]] = {}
        items = []
        for index, p in creates:
            entity = p.route.entity.name
            if entity not in fields:
                fields[entity] = self._lookup_fields(entity)
            queryable, created = fields[entity]
            body = dict(p.body or {})
            where = create_filter(body, queryable)
            if created is not None and created.lower() in {k.lower() for k in body}:
                created = None  # a creation date given by the caller dates nothing
            items.append(
                LookupCreate(
                    index,
                    entity,
                    body,
                    where,
                    created,
                    why_not=None if where is not None else "nothing sent can be filtered on",
                )
            )
        return CreateLookup(
            items, lambda entity, where, limit: self.query_all(entity, where, limit=limit)
        )

    def _lookup_fields(self, entity: str) -> tuple[set[str], str | None]:
        """(lower-case names of the fields a query may filter on, the read-only creation date
        field the server sets, e.g. ``createDate``, or None)."""
        try:
            metadata = self.get_field_metadata(entity)
        except AutotaskException:
            return set(), None
        queryable = {f.name.lower() for f in metadata if f.is_queryable and not f.is_udf}
        created = next(
            (
                f.name
                for f in metadata
                if f.name.lower() in ("createdate", "createdatetime")
                and f.is_read_only
                and f.is_queryable
                and (f.data_type or "").lower() == "datetime"
            ),
            None,
        )
        return queryable, created

    def batch_create(
        self,
        entity: str,
        entities_data: Sequence[Mapping[str, Any]],
        batch_size: int = 200,
        *,
        progress: bool | ProgressCallback | None = None,
    ) -> list[CreateResponse]:
        """Create many records (one request each, concurrently), results in input order.

        Raises ``AutotaskBatchError`` when any create failed or is uncertain; its ``results``
        hold every item's ``WriteResult``, the successful ones included.
        """
        results = self.write_many(
            [WriteOperation.create(entity, d) for d in entities_data],
            batch_size=batch_size,
            progress=progress,
        )
        if (error := batch_error(results, "creates")) is not None:
            raise error
        return [CreateResponse(item_id=cast(int, r.item_id)) for r in results]

    def batch_update(
        self,
        entity: str,
        entities_data: Sequence[Mapping[str, Any]],
        batch_size: int = 200,
        *,
        progress: bool | ProgressCallback | None = None,
    ) -> list[dict[str, Any]]:
        """PATCH many records; each dict carries its ``id``. Raises ``AutotaskBatchError`` like
        ``batch_create``; returns the API's answers (``{"itemId": id}``) in input order."""
        ops = []
        for index, data in enumerate(entities_data):
            key = next((k for k in data if str(k).lower() == "id"), None)
            if key is None:
                raise AutotaskValidationError(
                    f"batch_update item {index} has no id; nothing was sent"
                )
            ops.append(
                WriteOperation.update(
                    entity, data[key], {k: v for k, v in data.items() if k != key}
                )
            )
        results = self.write_many(ops, batch_size=batch_size, progress=progress)
        if (error := batch_error(results, "updates")) is not None:
            raise error
        return [
            dict(r.response) if isinstance(r.response, Mapping) else {"itemId": r.item_id}
            for r in results
        ]

    def batch_delete(
        self,
        entity: str,
        entity_ids: Sequence[int],
        batch_size: int = 200,
        *,
        progress: bool | ProgressCallback | None = None,
    ) -> list[bool]:
        """Delete many records: True per deleted id, False where it did not exist (as ``delete``).
        Any other failure raises ``AutotaskBatchError`` with every item's result."""
        results = self.write_many(
            [WriteOperation.delete(entity, i) for i in entity_ids],
            batch_size=batch_size,
            progress=progress,
        )
        missing = [isinstance(r.error, AutotaskNotFoundError) or is_gone(r.error) for r in results]
        real = [r for r, m in zip(results, missing) if not m]
        if (error := batch_error(real, "deletes")) is not None:
            raise type(error)(error.message, results)
        return [r.ok for r in results]
