"""SQLite storage for the sandbox: one table per catalog entity, UDF values beside them.

One connection guarded by a lock serves every request thread. SQLite answers a 500-row page in
well under a millisecond, so serialising storage costs nothing visible, while the HTTP layer still
runs requests concurrently (which the thread-limit emulation needs).

Attachments of all 19 parent types share one table, as they share one id space on the live API:
``AttachmentInfo`` reads all of them, ``TicketAttachments`` only those made under a ticket.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ..catalog import Catalog, EntityInfo, FieldInfo
from .errors import ApiError
from .values import SQL_TYPES, format_datetime

__all__ = ["ATTACHMENT_INFO", "Store", "Table"]

ATTACHMENT_INFO = "AttachmentInfo"
_PARENT_COLUMN = "_parentID"  # holds the parent id of child entities that have no field for it


@contextmanager
def _overflow_refused(params: Sequence[Any]) -> Iterator[None]:
    """A filter value SQLite cannot hold (an integer beyond 64 bits) is answered as the live API
    answers a value it cannot bind - a JSON error - never an unhandled OverflowError."""
    try:
        yield
    except OverflowError:
        big = next((p for p in params if isinstance(p, int) and p.bit_length() > 63), None)
        raise ApiError(
            f"Error converting value {big if big is not None else 'in the filter'} to type "
            "'System.Int64': the value is out of range."
        ) from None


def _is_attachment(entity: EntityInfo) -> bool:
    return entity.name.endswith("Attachments") and entity.field("data") is not None


@dataclass(frozen=True, slots=True)
class Table:
    """Where an entity's rows live and which of that table's rows are the entity's."""

    entity: EntityInfo
    sql_name: str
    scope: str  # an SQL condition selecting this entity's rows ("1" for a table of its own)
    scope_params: tuple[Any, ...]
    parent_column: str | None  # the column holding the parent id for child routes

    @property
    def fields(self) -> tuple[FieldInfo, ...]:
        return self.entity.fields


class Store:
    """The sandbox's database. Thread-safe; every method takes the lock."""

    def __init__(self, catalog: Catalog, path: str | None = None) -> None:
        self.catalog = catalog
        self.lock = threading.RLock()
        self.conn = sqlite3.connect(
            path or ":memory:", check_same_thread=False, isolation_level=None
        )
        if path:
            self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=OFF")
        self.tables: dict[str, Table] = {}
        self._create_schema()

    # -- schema ---------------------------------------------------------------------------

    def _create_schema(self) -> None:
        attachment_columns: dict[str, FieldInfo] = {}
        for entity in self.catalog:
            if _is_attachment(entity) or entity.name == ATTACHMENT_INFO:
                for f in entity.fields:
                    attachment_columns.setdefault(f.name.lower(), f)
                continue
            needs_parent = any(c.parent_field is None for c in entity.children)
            self._create_table(f"t_{entity.name}", entity.fields, needs_parent)
            self.tables[entity.name] = Table(
                entity, f"t_{entity.name}", "1", (), _PARENT_COLUMN if needs_parent else None
            )
        self._create_table("t_attachments", tuple(attachment_columns.values()), True, scoped=True)
        for entity in self.catalog:
            if _is_attachment(entity):
                self.tables[entity.name] = Table(
                    entity, "t_attachments", "_entity = ?", (entity.name,), None
                )
            elif entity.name == ATTACHMENT_INFO:
                self.tables[entity.name] = Table(entity, "t_attachments", "1", (), None)
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS udf (entity TEXT NOT NULL, entity_id INTEGER NOT NULL,"
            " name TEXT NOT NULL COLLATE NOCASE, value TEXT,"
            " PRIMARY KEY (entity, entity_id, name)) WITHOUT ROWID"
        )
        self.conn.execute("CREATE INDEX IF NOT EXISTS udf_value ON udf (entity, name, value)")
        self.conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")

    def _create_table(
        self, name: str, fields: Sequence[FieldInfo], parent: bool, scoped: bool = False
    ) -> None:
        columns = []
        for f in fields:
            if f.name == "id":
                columns.append('"id" INTEGER PRIMARY KEY')
            else:
                collate = " COLLATE NOCASE" if f.type == "string" else ""
                columns.append(f'"{f.name}" {SQL_TYPES[f.type]}{collate}')
        if not any(f.name == "id" for f in fields):
            columns.insert(0, '"id" INTEGER PRIMARY KEY')
        if parent:
            columns.append(f'"{_PARENT_COLUMN}" INTEGER')
        if scoped:
            columns.append('"_entity" TEXT')
        self.conn.execute(f'CREATE TABLE IF NOT EXISTS "{name}" ({", ".join(columns)})')

    def create_indexes(self) -> None:
        """Index the columns child routes and typical filters look up (after bulk loading)."""
        with self.lock:
            for entity in self.catalog:
                table = self.tables[entity.name]
                wanted = {c.parent_field for c in entity.children if c.parent_field}
                wanted |= {f.name for f in entity.fields if f.reference in ("Companies", "Tickets")}
                for column in sorted(wanted):
                    self.conn.execute(
                        f'CREATE INDEX IF NOT EXISTS "ix_{table.sql_name}_{column}"'
                        f' ON "{table.sql_name}" ("{column}")'
                    )

    # -- meta -----------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        with self.lock:
            row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.lock:
            self.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # -- writing --------------------------------------------------------------------------

    def _encode(self, f: FieldInfo, value: Any) -> Any:
        if value is None:
            return None
        if f.type == "datetime" and not isinstance(value, str):
            return format_datetime(value)
        if f.type == "boolean":
            return int(bool(value))
        return value

    def load(self, entity: str, rows: Iterable[dict[str, Any]]) -> None:
        """Bulk-insert demo rows (explicit ids; values in Python types; UDFs as the API lists them)."""
        table = self.tables[entity]
        fields = [f for f in table.fields]
        names = [f.name for f in fields]
        extra = ["_entity"] if table.sql_name == "t_attachments" else []
        columns = ", ".join(f'"{n}"' for n in names + extra)
        marks = ", ".join("?" for _ in names + extra)
        sql = f'INSERT INTO "{table.sql_name}" ({columns}) VALUES ({marks})'
        tuples = []
        udfs = []
        for row in rows:
            values = [self._encode(f, row.get(f.name)) for f in fields]
            if extra:
                values.append(entity)
            tuples.append(values)
            for udf in row.get("userDefinedFields") or ():
                udfs.append((entity, row["id"], udf["name"], udf["value"]))
        with self.lock:
            self.conn.execute("BEGIN")
            self.conn.executemany(sql, tuples)
            self.conn.executemany("INSERT OR REPLACE INTO udf VALUES (?, ?, ?, ?)", udfs)
            self.conn.execute("COMMIT")

    def insert(
        self,
        entity: str,
        values: dict[str, Any],
        udfs: dict[str, str | None],
        parent_id: int | None = None,
    ) -> int:
        """Insert one row (values already validated and encoded); returns the new id."""
        table = self.tables[entity]
        with self.lock:
            new_id: int = self.conn.execute(f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{table.sql_name}"').fetchone()[0]
            row = {**values, "id": new_id}
            if table.sql_name == "t_attachments":
                row["_entity"] = entity
            if table.parent_column and parent_id is not None:
                row[table.parent_column] = parent_id
            columns = ", ".join(f'"{k}"' for k in row)
            marks = ", ".join("?" for _ in row)
            self.conn.execute("BEGIN")
            self.conn.execute(
                f'INSERT INTO "{table.sql_name}" ({columns}) VALUES ({marks})', list(row.values())
            )
            self._write_udfs(entity, new_id, udfs)
            self.conn.execute("COMMIT")
        return new_id

    def update(self, entity: str, row_id: int, values: dict[str, Any], udfs: dict[str, str | None]) -> None:
        table = self.tables[entity]
        with self.lock:
            self.conn.execute("BEGIN")
            if values:
                sets = ", ".join(f'"{k}" = ?' for k in values)
                self.conn.execute(
                    f'UPDATE "{table.sql_name}" SET {sets} WHERE id = ?', [*values.values(), row_id]
                )
            self._write_udfs(entity, row_id, udfs)
            self.conn.execute("COMMIT")

    def _write_udfs(self, entity: str, row_id: int, udfs: dict[str, str | None]) -> None:
        for name, value in udfs.items():
            if value is None:
                self.conn.execute(
                    "DELETE FROM udf WHERE entity = ? AND entity_id = ? AND name = ?",
                    (entity, row_id, name),
                )
            else:
                self.conn.execute(
                    "INSERT OR REPLACE INTO udf VALUES (?, ?, ?, ?)", (entity, row_id, name, value)
                )

    def delete(self, entity: str, row_id: int) -> bool:
        table = self.tables[entity]
        with self.lock:
            self.conn.execute("BEGIN")
            cursor = self.conn.execute(
                f'DELETE FROM "{table.sql_name}" WHERE id = ? AND {table.scope}',
                (row_id, *table.scope_params),
            )
            self.conn.execute("DELETE FROM udf WHERE entity = ? AND entity_id = ?", (entity, row_id))
            self.conn.execute("COMMIT")
        return cursor.rowcount > 0

    # -- reading --------------------------------------------------------------------------

    def select(
        self,
        entity: str,
        where: str = "1",
        params: Sequence[Any] = (),
        *,
        after_id: int | None = None,
        limit: int | None = None,
        columns: Sequence[FieldInfo] | None = None,
        parent_id: int | None = None,
    ) -> list[tuple[Any, ...]]:
        """Rows as tuples in ``columns`` order (all fields by default), ascending id."""
        table = self.tables[entity]
        cols = columns if columns is not None else table.fields
        names = ", ".join(f'"{f.name}"' for f in cols)
        sql = f'SELECT {names} FROM "{table.sql_name}" WHERE ({table.scope}) AND ({where})'
        args: list[Any] = [*table.scope_params, *params]
        if parent_id is not None and table.parent_column:
            sql += f' AND "{table.parent_column}" = ?'
            args.append(parent_id)
        if after_id is not None:
            sql += " AND id > ?"
            args.append(after_id)
        sql += " ORDER BY id"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        with self.lock, _overflow_refused(params):
            return self.conn.execute(sql, args).fetchall()

    def count(self, entity: str, where: str = "1", params: Sequence[Any] = ()) -> int:
        table = self.tables[entity]
        sql = f'SELECT COUNT(*) FROM "{table.sql_name}" WHERE ({table.scope}) AND ({where})'
        with self.lock, _overflow_refused(params):
            count: int = self.conn.execute(sql, [*table.scope_params, *params]).fetchone()[0]
            return count

    def exists(self, entity: str, row_id: int) -> bool:
        return self.count(entity, "id = ?", (row_id,)) > 0

    def parent_of(self, entity: str, row_id: int) -> int | None:
        """The hidden parent id of a child row that has no field for it."""
        table = self.tables[entity]
        if not table.parent_column:
            return None
        with self.lock:
            row = self.conn.execute(
                f'SELECT "{table.parent_column}" FROM "{table.sql_name}" WHERE id = ?', (row_id,)
            ).fetchone()
        return row[0] if row else None

    def udfs(self, entity: str, ids: Sequence[int]) -> dict[int, list[dict[str, str]]]:
        """UDF values of the given rows, as the API lists them."""
        found: dict[int, list[dict[str, str]]] = {}
        if not ids:
            return found
        with self.lock:
            # One statement per page: ids are a contiguous-ish ascending run, so a range is cheap.
            rows = self.conn.execute(
                "SELECT entity_id, name, value FROM udf"
                " WHERE entity = ? AND entity_id BETWEEN ? AND ? ORDER BY entity_id, name",
                (entity, min(ids), max(ids)),
            ).fetchall()
        wanted = set(ids)
        for entity_id, name, value in rows:
            if entity_id in wanted:
                found.setdefault(entity_id, []).append({"name": name, "value": value})
        return found
