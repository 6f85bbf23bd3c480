"""Every Autotask entity of the official spec: routes, parents, capabilities and fields.

The data lives in ``catalog.json``, generated from the Swagger spec by ``tools/generate_catalog.py``
and committed; nothing here reads the spec itself. Both the client (for routing) and the sandbox
(for routes and metadata) use it: it is data about the API, not logic either side could get wrong
in a way the other would hide.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["Catalog", "ChildRoute", "EntityInfo", "FieldInfo", "entity_key", "load_catalog"]

_SEPARATORS = re.compile(r"[\s_\-]+")


def entity_key(name: str) -> str:
    """The one rule for entity names everywhere (Python, CLI, magics): case, ``_``, ``-`` and
    spaces do not count, so ``time_entries``, ``time-entries`` and ``TimeEntries`` are one name."""
    return _SEPARATORS.sub("", name).lower()


@dataclass(frozen=True, slots=True)
class FieldInfo:
    """One field of an entity model, as the spec types it."""

    name: str
    type: str  # integer | long | double | string | datetime | boolean | base64
    read_only: bool = False
    reference: str | None = None  # entity name, inferred from the field name (not in the spec)


@dataclass(frozen=True, slots=True)
class ChildRoute:
    """``/{parent}/{parentId}/{name}``: the way an entity is reached under its parent."""

    parent: str
    name: str
    ops: frozenset[str]  # list | get | create | update | patch | delete
    parent_field: str | None = None  # the child's field holding the parent's id, when it has one

    @property
    def path(self) -> str:
        return f"{self.parent}/{{parentId}}/{self.name}"


@dataclass(frozen=True, slots=True)
class EntityInfo:
    """What the spec says about one entity."""

    name: str
    singular: str
    ops: frozenset[str]  # root ops: query | count | get | create | update | patch | delete
    children: tuple[ChildRoute, ...]
    has_udfs: bool
    has_udf_info: bool
    fields: tuple[FieldInfo, ...]
    spec: str  # "2022" (with schema) or "2026" (route only, added after the vendored spec)
    # The datetime the server stamps on every write (``lastActivityDate`` of Tickets), chosen by
    # name by the generator (``MODIFIED_FIELDS`` in tools/generate_catalog.py); None: it has none.
    modified: str | None = None
    _by_lower: dict[str, FieldInfo] = field(default_factory=dict, compare=False, repr=False)

    def field(self, name: str) -> FieldInfo | None:
        """The field called ``name``, ignoring case as the API does."""
        return self._by_lower.get(name.lower())

    @property
    def parent_route(self) -> ChildRoute | None:
        """The child route used for writes when the entity has no root create/update/delete."""
        return self.children[0] if self.children else None

    def can(self, op: str) -> bool:
        return op in self.ops or any(op in c.ops for c in self.children)


class Catalog:
    """All entities, looked up by name without regard to case."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.spec_sha256: str = data["generatedFrom"]["specSha256"]
        self.services: tuple[dict[str, str], ...] = tuple(data["services"])
        self.entities: dict[str, EntityInfo] = {}
        for name, raw in data["entities"].items():
            fields = tuple(
                FieldInfo(f["name"], f["type"], f.get("readOnly", False), f.get("ref"))
                for f in raw["fields"]
            )
            info = EntityInfo(
                name=name,
                singular=raw["singular"],
                ops=frozenset(raw["ops"]),
                children=tuple(
                    ChildRoute(c["parent"], c["name"], frozenset(c["ops"]), c["parentField"])
                    for c in raw["children"]
                ),
                has_udfs=raw["udfs"],
                has_udf_info=raw["udfInfo"],
                fields=fields,
                spec=raw["spec"],
                modified=raw.get("modified"),
                _by_lower={f.name.lower(): f for f in fields},
            )
            self.entities[name] = info
        self._by_lower = {entity_key(name): info for name, info in self.entities.items()}
        self._children = {
            (c.parent.lower(), c.name.lower()): (e, c) for e in self.entities.values() for c in e.children
        }

    def __iter__(self) -> Iterator[EntityInfo]:
        return iter(self.entities.values())

    def __len__(self) -> int:
        return len(self.entities)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and entity_key(name) in self._by_lower

    def get(self, name: str) -> EntityInfo | None:
        """The entity called ``name`` under ``entity_key``'s rule, or None."""
        return self._by_lower.get(entity_key(name))

    def suggest(self, name: str, n: int = 3) -> list[str]:
        """Up to ``n`` entity names close to an unknown ``name`` (the API's spelling)."""
        close = difflib.get_close_matches(entity_key(name), list(self._by_lower), n=n, cutoff=0.6)
        return [self._by_lower[key].name for key in close]

    def __getitem__(self, name: str) -> EntityInfo:
        info = self.get(name)
        if info is None:
            raise KeyError(f"Autotask has no entity called {name!r}")
        return info

    def child_route(self, parent: str, name: str) -> tuple[EntityInfo, ChildRoute] | None:
        """The entity served at ``/{parent}/{id}/{name}``, ignoring case."""
        return self._children.get((parent.lower(), name.lower()))


@cache
def load_catalog() -> Catalog:
    """The catalog shipped with the package (parsed once per process)."""
    text = resources.files(__package__).joinpath("catalog.json").read_text(encoding="utf-8")
    return Catalog(json.loads(text))
