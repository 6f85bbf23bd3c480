"""Entity metadata, fetched once per entity and kept: in memory, and optionally on disk.

Metadata (``entityInformation``, ``/fields`` with the picklists, ``/userDefinedFields``) drives
dtypes, validation, completion and forms, and changes rarely; fetching it per use would spend the
hourly request budget on nothing. Each (entity, kind) is fetched at most once per expiry period,
even when several threads ask at the same moment. On disk the raw API answers are stored as JSON
under ``cache_dir/<namespace>/``, the namespace being a hash of the API root and user (two
databases never share picklists), and are trusted for ``ttl`` seconds.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from autotask_pandas.types import FieldMetadata

__all__ = ["MetadataCache", "metadata_problem"]

logger = logging.getLogger("autotask_pandas.metadata")


def metadata_problem(kind: str, data: Any) -> str | None:
    """What is wrong with a metadata answer of ``kind`` (``info``, ``fields``, ``udfs``), or None.

    Checked before the answer is cached, so a broken answer (a JSON string, ``fields`` that is
    not a list of field objects) is an error once and asked again next time, never kept for a
    day. Shapes: ``{"info": {...}}`` and ``{"fields": [{...}, ...]}`` (FACTS §5).
    """
    if not isinstance(data, dict):
        return f"a JSON {type(data).__name__} where an object was expected"
    if kind == "info":
        info = data.get("info", data)
        return None if isinstance(info, dict) else "an 'info' that is not an object"
    fields = data.get("fields")
    if not isinstance(fields, list):
        return "no 'fields' list in it"
    for position, field in enumerate(fields):
        if not isinstance(field, dict):
            return f"fields[{position}] not an object"
        try:
            FieldMetadata.model_validate({**field, "isUdf": kind == "udfs"})
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            return f"fields[{position}].{where}: {first['msg']}"
    return None


class MetadataCache:
    def __init__(
        self,
        *,
        namespace_parts: tuple[str, ...],
        cache_dir: str | os.PathLike[str] | None = None,
        ttl: float | None = 24 * 3600,
        clock: Callable[[], float] = time.time,
    ) -> None:
        digest = hashlib.sha256("\n".join(namespace_parts).encode()).hexdigest()[:16]
        self.directory = Path(cache_dir) / digest if cache_dir is not None else None
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._key_locks: dict[tuple[str, str], threading.Lock] = {}
        self._memory: dict[tuple[str, str], tuple[float, Any]] = {}

    def get(self, entity: str, kind: str, fetch: Callable[[], Any]) -> Any:
        """The cached raw answer for (entity, kind), fetching it when absent or expired."""
        key = (entity, kind)
        hit = self._fresh(self._memory.get(key))
        if hit is not None:
            return hit
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:  # one fetch per key; late arrivals find it done
            hit = self._fresh(self._memory.get(key))
            if hit is not None:
                return hit
            stored = self._read_disk(key)
            if stored is not None:
                self._memory[key] = stored
                return stored[1]
            data = fetch()
            entry = (self._clock(), data)
            self._memory[key] = entry
            self._write_disk(key, entry)
            return data

    def clear(self, *, disk: bool = False) -> None:
        with self._lock:
            self._memory.clear()
        if disk and self.directory is not None and self.directory.exists():
            for path in self.directory.glob("*.json"):
                path.unlink(missing_ok=True)

    # -- internals --------------------------------------------------------------------------

    def _fresh(self, entry: tuple[float, Any] | None) -> Any:
        if entry is None:
            return None
        fetched_at, data = entry
        if self.ttl is not None and self._clock() - fetched_at > self.ttl:
            return None
        return data

    def _path(self, key: tuple[str, str]) -> Path | None:
        if self.directory is None:
            return None
        entity, kind = key
        safe = "".join(c for c in f"{entity}.{kind}" if c.isalnum() or c in "._-")
        return self.directory / f"{safe}.json"

    def _read_disk(self, key: tuple[str, str]) -> tuple[float, Any] | None:
        path = self._path(key)
        if path is None or not path.exists():
            return None
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            entry = (float(stored["fetchedAt"]), stored["data"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            logger.debug("ignoring unreadable metadata cache file %s: %s", path, exc)
            return None
        return entry if self._fresh(entry) is not None else None

    def _write_disk(self, key: tuple[str, str], entry: tuple[float, Any]) -> None:
        path = self._path(key)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"fetchedAt": entry[0], "data": entry[1]}, handle)
            os.replace(tmp, path)  # readers never see half a file
        except OSError as exc:  # a cache that cannot be written is only a slower cache
            logger.debug("could not write metadata cache file %s: %s", path, exc)
