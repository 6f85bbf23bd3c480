"""``EntityManager``: ``client.entities.<snake_name>`` for every entity of the catalog.

``client.entities.configuration_items``, ``client.entities["ConfigurationItems"]`` (any case,
snake_case too) and ``client.entities.attachments`` (the reference's name for the attachments
entity, which queries ``AttachmentInfo``) give a ``BaseEntity``, or the reference's specialised
class for tickets, companies, time entries and attachments. Instances are made on first use and
kept. The manager is a read-only mapping of the API's entity names (``for name in
client.entities``), and ``dir()`` lists the snake_case names for tab completion.
"""

from __future__ import annotations

import difflib
import re
import threading
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from autotask_pandas.catalog import entity_key, load_catalog
from autotask_pandas.entities.attachments import AttachmentsEntity
from autotask_pandas.entities.base import BaseEntity
from autotask_pandas.entities.companies import CompaniesEntity
from autotask_pandas.entities.tickets import TicketsEntity
from autotask_pandas.entities.time_entries import TimeEntriesEntity
from autotask_pandas.exceptions import AutotaskValidationError

if TYPE_CHECKING:  # pragma: no cover
    from autotask_pandas.client import AutotaskClient

__all__ = ["ENTITY_CLASSES", "EntityManager", "UnknownEntityError", "snake_name"]

#: The specialised classes; every other entity is a plain BaseEntity.
ENTITY_CLASSES: dict[str, type[BaseEntity]] = {
    "AttachmentInfo": AttachmentsEntity,
    "Companies": CompaniesEntity,
    "Tickets": TicketsEntity,
    "TimeEntries": TimeEntriesEntity,
}
# Names of the reference that are not an entity's own.
_ALIASES = {"attachments": "AttachmentInfo"}

_WORD_BREAK = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def snake_name(entity_name: str) -> str:
    """``ConfigurationItems`` -> ``configuration_items``."""
    return _WORD_BREAK.sub("_", entity_name).lower()


def _key(name: str) -> str:
    return entity_key(name)  # the catalog's one rule, shared with read_autotask and the CLI


class UnknownEntityError(AutotaskValidationError, KeyError):
    """No entity of that name (a ``KeyError`` for ``entities[...]``)."""

    def __str__(self) -> str:  # KeyError would quote the message like a dict key
        return self.message


class EntityManager(Mapping[str, BaseEntity]):
    """Every entity of the catalog, by attribute (snake_case) or by item (the API's name)."""

    def __init__(self, client: AutotaskClient) -> None:
        self._client = client
        catalog = load_catalog()
        self._names: dict[str, str] = {e.name: snake_name(e.name) for e in catalog}
        self._by_key: dict[str, str] = {_key(name): name for name in self._names}
        for alias, name in _ALIASES.items():
            self._by_key[_key(alias)] = name
        self._made: dict[str, BaseEntity] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<EntityManager: {len(self._names)} entities>"

    # -- lookup ---------------------------------------------------------------------------------

    def resolve(self, name: str) -> str | None:
        """The API's entity name for ``name`` (any case, snake_case, the reference's aliases)."""
        if not isinstance(name, str):
            return None
        return self._by_key.get(_key(name))

    def _unknown(self, name: object) -> str:
        text = str(name)
        choices = [*self._names.values(), *_ALIASES]
        close = difflib.get_close_matches(snake_name(text), choices, n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        return f"Autotask has no entity called {text!r}{hint}"

    def get_entity(self, name: str) -> BaseEntity:
        entity = self.resolve(name)
        if entity is None:
            raise UnknownEntityError(self._unknown(name))
        made = self._made.get(entity)
        if made is None:
            with self._lock:
                made = self._made.get(entity)
                if made is None:
                    cls = ENTITY_CLASSES.get(entity, BaseEntity)
                    made = self._made[entity] = cls(self._client, entity)
        return made

    def __getitem__(self, name: str) -> BaseEntity:
        return self.get_entity(name)

    def __getattr__(self, name: str) -> BaseEntity:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self.get_entity(name)
        except UnknownEntityError as exc:
            raise AttributeError(str(exc)) from None

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.resolve(name) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *self._names.values(), *_ALIASES})

    def snake_names(self) -> list[str]:
        """Every attribute name, ``action_types`` to ``work_type_modifiers``."""
        return sorted({*self._names.values(), *_ALIASES})

    # The Mapping mixins would call __getitem__ for every entity; keep them cheap and plain.
    def keys(self) -> Any:
        return self._names.keys()
