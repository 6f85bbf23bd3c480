"""Settling a write whose fate is unknown by reading the record back.

An update, replace or delete whose first attempt went unanswered and whose retry was refused
(``AutotaskUncertainWriteError`` with ``last_error``) may have landed. Reading the record tells:

* a delete: the record is gone - ``ok``; it is still there - ``failed`` (``last_error``);
* an update/replace: every field sent holds the value sent - ``ok``; one holds another value, or
  the record is gone - ``failed``; a field the answer does not carry - still ``uncertain``.

Wrongly saying ``failed`` costs a resend of an idempotent PATCH; wrongly saying ``ok`` would lose
an edit, so a value is "there" only when it compares equal as the API writes it back: numbers by
value, datetimes as instants to the millisecond (FACTS §6: UTC, with or without ``Z``), UDFs by
name, ``null`` as ``null`` or ``""``.

**In flight.** A read-back that does not show the edit proves it failed only if no attempt can
still land. An attempt the *client* gave up on (a timeout) may still be running on the server, so
then the write stays ``uncertain``, never ``failed``. An attempt the other side ended (a reset, a
dropped connection) or never received is taken as finished. The client knows an attempt timed
out when the last answer was a timeout, and knows none did when the whole call took less than
the client's timeout, since an httpx timeout fires only once that much time has passed
(``write_methods._maybe_in_flight``).

**Creates** (``CreateLookup``) have no id to read back by, so after the batch each create left
``uncertain`` is looked up by what was sent: an ``eq`` filter on its plain fields, every field sent
then compared client-side. The records the batch's answered creates made are set aside. A record
was not there before the batch when it was created (``createDate``, which the server sets) after
the earliest record one of the batch's answered creates made - that one was made after the batch
began. Then:

* exactly one record matches, and it was made during the batch - ``ok`` with its id;
* none matches - even loosely, text in any case and spaces around it ignored, so a value the
  server normalised hides nothing - and no attempt of the create (or of one with the same values)
  can still be in flight or was answered 200 - ``failed``: it was not made, sending it again is
  safe;
* anything else (two matches, one that may be older than the batch, a lookup that failed, a body
  with nothing to filter on) - it stays ``uncertain``, with a note saying why.

So a record that was there before the batch is never adopted, and nothing is asked unless a
create is uncertain. What the lookup cannot tell apart is a record someone else made with exactly
the same values while the batch ran.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import json
import logging
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from autotask_pandas.client.routing import find_key
from autotask_pandas.client.write_one import CreatedWithoutId
from autotask_pandas.exceptions import (
    AutotaskConnectionError,
    AutotaskException,
    AutotaskUncertainWriteError,
)
from autotask_pandas.types import WriteResult

__all__ = ["CreateLookup", "LookupCreate", "create_filter", "edit_is_there"]

logger = logging.getLogger("autotask_pandas.client")

# Records one lookup query may return before it is taken as too broad to prove anything.
LOOKUP_LIMIT = 1_000
# Creates looked up per query: an ``or`` of their ``and`` groups (the API allows 500 ORs).
LOOKUP_CHUNK = 50
# Strings longer than this are checked client-side only, not sent as a filter value.
_FILTER_TEXT_MAX = 255


def edit_is_there(body: Mapping[str, Any], record: Mapping[str, Any]) -> bool | None:
    """Whether ``record`` holds every value of the write ``body`` (``id`` aside): True, False, or
    None when it cannot tell (a field the record does not carry)."""
    verdict: bool | None = True
    for name, sent in body.items():
        if name.lower() == "id":
            continue
        if name.lower() == "userdefinedfields":
            same = _udfs_there(sent, record)
        else:
            key = find_key(record, name)
            same = None if key is None else _same(sent, record[key])
        if same is False:
            return False
        if same is None:
            verdict = None
    return verdict


def _udfs_there(sent: Any, record: Mapping[str, Any]) -> bool | None:
    key = find_key(record, "userDefinedFields")
    if not isinstance(sent, list):
        return None
    held: dict[str, Any] = {}
    if key is not None and isinstance(record[key], list):
        for udf in record[key]:
            if isinstance(udf, Mapping) and isinstance(udf.get("name"), str):
                held[udf["name"].lower()] = udf.get("value")
    verdict: bool | None = True
    for udf in sent:
        if not isinstance(udf, Mapping) or not isinstance(udf.get("name"), str):
            return None
        name = udf["name"].lower()
        if name not in held:
            # The live API leaves out UDFs without a value (FACTS §8): absent means empty.
            same = _same(udf.get("value"), None) if key is not None else None
        else:
            same = _same(udf.get("value"), held[name])
        if same is False:
            return False
        if same is None:
            verdict = None
    return verdict


def _same(sent: Any, got: Any) -> bool:
    if sent is None or sent == "":
        return got is None or got == ""
    if got is None:
        return False
    if isinstance(sent, bool) or isinstance(got, bool):
        return str(sent).lower() == str(got).lower()
    if isinstance(sent, int | float) or isinstance(got, int | float):
        a, b = _number(sent), _number(got)
        return a is not None and b is not None and (a == b or math.isclose(a, b, rel_tol=1e-12))
    if isinstance(sent, str) and isinstance(got, str):
        if sent == got:
            return True
        when_sent, when_got = _instant(sent), _instant(got)
        if when_sent is not None and when_got is not None:
            return when_sent == when_got
        a, b = _number(sent), _number(got)
        return a is not None and b is not None and a == b
    return bool(sent == got)


def _number(value: Any) -> float | None:
    try:
        number = float(decimal.Decimal(str(value)))
    except (ArithmeticError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _instant(text: str) -> _dt.datetime | None:
    """A datetime string as a UTC instant to the millisecond (a naive one is UTC, FACTS §6)."""
    if len(text) < 10 or text[4:5] != "-":
        return None
    try:
        moment = _dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.UTC)
    moment = moment.astimezone(_dt.UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def create_filter(body: Mapping[str, Any], queryable: Collection[str]) -> dict[str, Any] | None:
    """An ``and`` group of ``eq`` conditions finding the records that could be this create, or
    None when no field of ``body`` can be filtered on. ``queryable``: the lower-case names of
    the entity's fields a query may filter on (its field metadata).

    Only plain values go into the filter: integers, booleans and short strings that are not
    datetimes (FACTS §4: values are integers, strings or booleans; a datetime string compares
    by its exact text). Floats, datetimes, long texts, nulls and UDFs are left to
    ``edit_is_there``, which compares every field sent."""
    items: list[dict[str, Any]] = []
    for name, value in body.items():
        if name.lower() in ("id", "userdefinedfields") or name.lower() not in queryable:
            continue
        if isinstance(value, int):  # booleans included
            items.append({"op": "eq", "field": name, "value": value})
        elif (
            isinstance(value, str)
            and value.strip()
            and len(value) <= _FILTER_TEXT_MAX
            and _instant(value) is None
        ):
            items.append({"op": "eq", "field": name, "value": value})
    if not items:
        return None
    return {"op": "and", "items": items}


@dataclass
class LookupCreate:
    """One create of a batch, as the lookup knows it."""

    index: int  # in the batch
    entity: str
    body: dict[str, Any]
    where: dict[str, Any] | None  # create_filter's group; None: cannot be looked up
    created_field: str | None  # the server-set creation time (createDate), None: none
    why_not: str | None = None  # why it cannot be looked up

    @property
    def key(self) -> tuple[str, str]:
        return self.entity.lower(), json.dumps(self.body, sort_keys=True, default=str)


Query = Callable[[str, dict[str, Any], int], list[dict[str, Any]]]


@dataclass(frozen=True)
class _Found:
    """A record that may be the create: it matches the filter as loosely as the server does
    (text in any case, spaces around it ignored), so a value the server normalised does not
    hide a record that was made - "none found" must mean none was made."""

    id: int
    exact: bool  # every field sent holds exactly its value: only then can it be adopted
    created: _dt.datetime | None


@dataclass
class CreateLookup:
    """Settles a batch's uncertain creates by looking them up (see the module docstring).

    ``query(entity, filter, limit)`` returns at most ``limit`` records matching ``filter``.
    Nothing is asked unless a create is left uncertain."""

    creates: list[LookupCreate]
    query: Query

    def settle(
        self, results: Sequence[WriteResult], in_flight: Mapping[int, bool]
    ) -> list[WriteResult]:
        """``results`` with each uncertain create looked up; ``in_flight[index]``: whether an
        attempt of that create may still be running on the server (unknown: it may)."""
        out = list(results)
        by_index = {c.index: c for c in self.creates}
        unsure = [
            by_index[r.index]
            for r in results
            if r.status == "uncertain"
            and r.index in by_index
            and isinstance(r.error, AutotaskUncertainWriteError)
        ]
        if not unsure:
            return out
        answered: dict[str, set[int]] = {}  # entity -> ids the batch's creates were answered
        for r in results:
            if r.ok and r.operation.action == "create" and r.item_id is not None:
                entity = by_index[r.index].entity if r.index in by_index else r.operation.entity
                answered.setdefault(entity.lower(), set()).add(int(r.item_id))
        found, since = self._look([c for c in unsure if c.where is not None], answered)
        groups: dict[tuple[str, str], list[LookupCreate]] = {}
        for create in unsure:
            groups.setdefault(create.key, []).append(create)
        for members in groups.values():
            # may it exist without showing yet: an attempt may still run, or a 200 said it does
            pending = any(
                in_flight.get(m.index, True) or isinstance(out[m.index].error, CreatedWithoutId)
                for m in members
            )
            for create in members:
                out[create.index] = self._verdict(
                    create,
                    len(members),
                    out[create.index],
                    found.get(create.index),
                    since.get(create.entity.lower()),
                    pending,
                )
        return out

    @staticmethod
    def _verdict(
        create: LookupCreate,
        members: int,
        result: WriteResult,
        found: list[_Found] | None,
        since: _dt.datetime | None,
        pending: bool,
    ) -> WriteResult:
        error = result.error
        assert isinstance(error, AutotaskUncertainWriteError)
        name = create.entity

        def unsure(why: str) -> WriteResult:
            error.add_note(f"looked up after the batch: {why}; it stays uncertain")
            return result

        if create.where is None or found is None:
            return unsure(create.why_not or f"looking {name} up failed")
        if not found:
            if pending:
                return unsure(
                    f"no {name} matches it yet, but it may exist (an attempt timed out and may "
                    "still be in flight, or the API answered that it was made)"
                )
            failed = AutotaskConnectionError(
                f"{error} - looked up after the batch: no {name} matches what was sent and no "
                "attempt can still be in flight, so it was not made; sending it again is safe",
                method=error.method,
                url=error.url,
                sent=True,
            )
            return WriteResult(result.index, result.operation, "failed", error=failed)
        # Made during the batch, so not a record that was there before: created after the
        # earliest record the batch's answered creates made (``since``).
        new = [
            f for f in found if since is not None and f.created is not None and f.created > since
        ]
        if members == 1 and len(found) == 1 and len(new) == 1 and new[0].exact:
            made = new[0].id
            logger.info("create %s: an unanswered create was found as id %d", name, made)
            return WriteResult(
                result.index, result.operation, "ok", item_id=made, response={"itemId": made}
            )
        ids = ", ".join(str(f.id) for f in found[:5])
        if members > 1:
            return unsure(f"{members} uncertain creates sent the same values ({name} {ids} match)")
        if len(found) > 1:
            return unsure(f"{len(found)} {name} records match it (ids {ids})")
        if since is None:
            return unsure(
                f"{name} {ids} matches it, and nothing tells whether it was there before the "
                "batch (no create of the batch was answered to date it against, or the entity "
                "has no creation date)"
            )
        return unsure(f"{name} {ids} matches it but may have been there before the batch")

    def _look(
        self, creates: list[LookupCreate], answered: Mapping[str, set[int]]
    ) -> tuple[dict[int, list[_Found] | None], dict[str, _dt.datetime]]:
        """For each create (by index), the records matching it now that no other create of the
        batch was answered with (None: the lookup failed or was too broad); and for each entity,
        the earliest creation time of the records the batch's answered creates made."""
        found: dict[int, list[_Found] | None] = {}
        since: dict[str, _dt.datetime] = {}
        by_entity: dict[str, list[LookupCreate]] = {}
        for create in creates:
            by_entity.setdefault(create.entity, []).append(create)
        for entity, group in by_entity.items():
            taken = answered.get(entity.lower(), set())
            created_field = group[0].created_field
            # a few of the batch's own records, to date the candidates against (the smallest
            # ids: likely the earliest made; any of them gives a sound bound)
            anchors = sorted(taken)[:_ANCHORS] if created_field else []
            for start in range(0, len(group), LOOKUP_CHUNK):
                chunk = group[start : start + LOOKUP_CHUNK]
                items = [c.where for c in chunk if c.where is not None]
                if anchors and start == 0:
                    items.append({"op": "in", "field": "id", "value": anchors})
                where = items[0] if len(items) == 1 else {"op": "or", "items": items}
                try:
                    records = self.query(entity, where, LOOKUP_LIMIT)
                except AutotaskException as exc:
                    for create in chunk:
                        create.why_not = f"looking {entity} up failed: {exc}"
                        found[create.index] = None
                    continue
                if len(records) >= LOOKUP_LIMIT:
                    for create in chunk:
                        create.why_not = f"{LOOKUP_LIMIT:,} or more {entity} records match it"
                        found[create.index] = None
                    continue
                for record in records:
                    ident = _record_id(record)
                    when = _created(record, created_field)
                    if ident in anchors and when is not None:
                        key = entity.lower()
                        since[key] = min(since.get(key, when), when)
                for create in chunk:
                    matches: list[_Found] = []
                    for record in records:
                        ident = _record_id(record)
                        if ident is None or ident in taken or not _loosely(create.where, record):
                            continue
                        exact = edit_is_there(create.body, record) is True
                        matches.append(_Found(ident, exact, _created(record, created_field)))
                    found[create.index] = matches
        return found, since


_ANCHORS = 5


def _loosely(where: Mapping[str, Any] | None, record: Mapping[str, Any]) -> bool:
    """Whether ``record`` may match ``create_filter``'s group: every ``eq`` holds, text compared
    in any case with spaces around it ignored (the API's string comparisons ignore case), a
    field the record does not show taken as matching."""
    for item in (where or {}).get("items", []):
        key = find_key(record, str(item.get("field")))
        if key is None:
            continue
        sent, held = item.get("value"), record[key]
        if isinstance(sent, str) and isinstance(held, str):
            if sent.strip().casefold() != held.strip().casefold():
                return False
        elif not _same(sent, held):
            return False
    return True


def _record_id(record: Mapping[str, Any]) -> int | None:
    key = find_key(record, "id")
    try:
        return int(record[key]) if key is not None else None
    except (TypeError, ValueError):
        return None


def _created(record: Mapping[str, Any], field_name: str | None) -> _dt.datetime | None:
    if field_name is None:
        return None
    key = find_key(record, field_name)
    value = record.get(key) if key is not None else None
    return _instant(value) if isinstance(value, str) else None
