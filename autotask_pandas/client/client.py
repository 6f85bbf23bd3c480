"""``AutotaskClient``: the py-autotask reference API over the live Autotask REST API.

The client finds the user's zone (``zones.py``), sends every request through one ``Transport``
(limiter, retries, threshold awareness, error mapping: ``transport.py``, ``errors.py``), routes
each entity by the generated catalog (``routing.py``), pages and splits queries (``paging.py``;
concurrent pulls: ``partitioned.py``), writes records (``write_methods.py``; one write checked and
sent: ``write_one.py``; many through one path: ``write_many.py``) and keeps metadata
(``metadata.py``); all in this package.

Where the reference and the live API disagree, the live API wins:

* ``query(max_records=n)`` returns one page, and a page holds 1 to 500 rows; more rows come from
  ``get_next_page``/``iter_query``/``query_all``.
* ``update`` is a PATCH of the given fields and returns the API's answer ``{"itemId": id}``
  (the API returns no record); ``replace`` is the PUT.
* ``batch_*`` send single requests concurrently (there is no batch endpoint) and raise
  ``AutotaskBatchError`` - carrying every item's result - when any item did not succeed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar, Self
from urllib.parse import urlsplit

import httpx

from autotask_pandas.auth import AuthCredentials, SecretRedactingFilter
from autotask_pandas.catalog import EntityInfo, load_catalog
from autotask_pandas.client.config import ClientConfig
from autotask_pandas.client.errors import untrusted_answer
from autotask_pandas.client.hosts import same_origin, trust_problem
from autotask_pandas.client.metadata import MetadataCache, metadata_problem
from autotask_pandas.client.paging import FilterInput, Pager, QueryPlan, plan_query, read_page
from autotask_pandas.client.partitioned import RangePull
from autotask_pandas.client.routing import Router
from autotask_pandas.client.transport import RequestKind, RetryPolicy, Transport
from autotask_pandas.client.write_methods import WritingMixin
from autotask_pandas.client.zones import lookup_zone
from autotask_pandas.exceptions import (
    AutotaskNotFoundError,
    AutotaskResponseError,
    AutotaskValidationError,
    AutotaskZoneError,
)
from autotask_pandas.types import (
    EntityMetadata,
    FieldMetadata,
    QueryResponse,
    ThresholdInfo,
    ZoneInfo,
)

if TYPE_CHECKING:
    from autotask_pandas.sandbox import SandboxCredentials

__all__ = ["AutotaskClient"]

logger = logging.getLogger("autotask_pandas.client")

# One redacting filter for all our loggers; each open client registers its secret in it. A
# logger's filter sees only records made on that logger (not those its children pass up), so
# every logger of the package is named (tests/client/test_client_secrets.py finds them all).
_REDACTOR = SecretRedactingFilter()
for _name in (
    "autotask_pandas",
    "autotask_pandas.client",
    "autotask_pandas.entities",
    "autotask_pandas.metadata",
    "autotask_pandas.transport",
):
    logging.getLogger(_name).addFilter(_REDACTOR)


def _the_item(data: Any, entity_id: int) -> dict[str, Any] | None:
    """The record in a get-by-id answer: ``{"item": {}}``, ``{"items": [{}]}`` or ``{"items": {}}``."""
    if not isinstance(data, Mapping):
        return None
    item = data.get("item")
    if item is None:
        item = data.get("items")
    if isinstance(item, Sequence) and not isinstance(item, (str, bytes)):
        rows = [row for row in item if isinstance(row, Mapping)]
        item = next((row for row in rows if row.get("id") == entity_id), rows[0] if rows else None)
    return dict(item) if isinstance(item, Mapping) else None


class AutotaskClient(WritingMixin):
    """A client for one API user. Thread-safe; use as a context manager or call ``close()``."""

    def __init__(
        self, credentials: AuthCredentials | SandboxCredentials, config: ClientConfig | None = None
    ) -> None:
        credentials = AuthCredentials.coerce(credentials)
        if not credentials.has_secret:  # unpickled: refused here, not by the server
            credentials.auth_headers()
        self.credentials = credentials
        self.config = config = config or ClientConfig()
        if credentials.api_url is not None:
            problem = trust_problem(
                credentials.api_url, allowed=config.allowed_hosts, explicit=True
            )
            if problem:
                raise AutotaskValidationError(f"refusing to send credentials: {problem}")
        self._base_url: str | None = credentials.api_url
        self._base_lock = threading.Lock()
        # Kept as a SecretStr (its repr is '**********'): vars(client) or a debugger's view of
        # the client must not show the secret; the plain text lives only in the redactor's set.
        self._secret = credentials.secret
        _REDACTOR.add(self._secret.get_secret_value())
        self._closed = False
        self._http = httpx.Client(
            timeout=httpx.Timeout(config.timeout),
            limits=httpx.Limits(
                max_keepalive_connections=config.pool_connections,
                max_connections=config.pool_maxsize,
            ),
            transport=config.transport,
            follow_redirects=False,  # a redirect would carry the credential headers elsewhere
            headers={"User-Agent": config.user_agent},
        )
        self._transport = Transport(
            http=self._http,
            credentials=credentials,
            retry=RetryPolicy(
                config.max_retries,
                config.backoff_base,
                config.backoff_max,
                config.retry_after_cap,
                config.thread_limit_patience,
            ),
            thread_limit=config.thread_limit,
            threshold_every=config.threshold_check_every,
            threshold_interval=config.threshold_check_interval,
            threshold_delays=config.threshold_delays,
            threshold_url=lambda: self._url("ThresholdInformation"),
            impersonation_resource_id=config.impersonation_resource_id,
            redactor=_REDACTOR,
            check_url=self._check_url,
        )
        self._router = Router(load_catalog())
        self._pager = Pager(self._post_read, self._url)
        self._metadata: MetadataCache | None = None
        self._entities: Any = None

    # -- lifecycle ------------------------------------------------------------------------------

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._http.close()
            _REDACTOR.discard(self._secret.get_secret_value())

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __reduce__(self) -> Any:
        # A client holds open connections, threads' locks and the secret: none belongs in a
        # pickle. Say so plainly rather than fail deep inside httpx.
        raise TypeError(
            "an AutotaskClient cannot be pickled (it holds open connections and the secret): "
            "pickle its config and build a client from the credentials' source where needed"
        )

    def __repr__(self) -> str:
        return f"AutotaskClient(username={self.credentials.username!r}, api_url={self._base_url!r})"

    @classmethod
    def from_env(cls, config: ClientConfig | None = None) -> AutotaskClient:
        """A client for the credentials in ``AUTOTASK_*`` environment variables."""
        return cls(AuthCredentials.from_env(), config)

    # -- zones and URLs ---------------------------------------------------------------------------

    def get_zone_info(self) -> ZoneInfo:
        """The user's zone (``ZoneInformation?user=``, unauthenticated, cached per user).

        With an explicit ``api_url`` the lookup is asked of that root, and its answer does not
        move the client: ``api_url`` wins.
        """
        return lookup_zone(
            self._transport,
            self.credentials.api_url or self.config.zone_lookup_url,
            self.credentials.username,
            allowed_hosts=self.config.allowed_hosts,
            check_trust=self.credentials.api_url is None,
        )

    @property
    def base_url(self) -> str:
        """The API root (``…/ATServicesRest/``), looking the zone up on first use."""
        if self._base_url is None:
            with self._base_lock:
                if self._base_url is None:
                    self._base_url = self.get_zone_info().url
        return self._base_url

    def _url(self, path: str) -> str:
        return f"{self.base_url}V1.0/{path.lstrip('/')}"

    def _check_url(self, url: str) -> None:
        # Every authenticated request, server-given next-page URLs included, stays on the root.
        base = self.base_url
        if not same_origin(url, base):
            raise AutotaskZoneError(
                f"refusing to send credentials to {url.split('?')[0]!r}: not the API root {base!r}"
            )

    # -- low level ------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        kind: RequestKind | None = None,
        impersonation_resource_id: int | None = None,
    ) -> Any:
        """Send one request to ``…/V1.0/{path}`` (or an absolute URL on the API root) through the
        limiter, retries and error mapping; returns the parsed JSON. A POST counts as a create
        (never resent after an ambiguous failure) unless ``kind`` says otherwise."""
        method = method.upper()
        if kind is None:
            kind = {"GET": RequestKind.READ, "POST": RequestKind.CREATE}.get(
                method, RequestKind.WRITE
            )
        url = path if "://" in path else self._url(path)
        return self._transport.request(
            method,
            url,
            kind=kind,
            json=json,
            params=params,
            impersonation_resource_id=impersonation_resource_id,
        )

    def _post_read(self, url: str, body: dict[str, Any], impersonation: int | None) -> Any:
        return self._transport.request(
            "POST", url, kind=RequestKind.READ, json=body, impersonation_resource_id=impersonation
        )

    def _pull_read(self, url: str, body: dict[str, Any], impersonation: int | None) -> Any:
        """A page of a concurrent pull: a threshold reading due now runs beside it (issue 10)."""
        return self._transport.request(
            "POST",
            url,
            kind=RequestKind.READ,
            json=body,
            impersonation_resource_id=impersonation,
            threshold_in_background=True,
        )

    def get_threshold_info(self) -> ThresholdInfo:
        """Requests used of the hour's budget (``/ThresholdInformation``, FACTS §10): one request,
        not retried. Raises ``AutotaskAPIError`` (never a pydantic error) when the answer is no
        reading, naming the method and path."""
        return self._transport.read_threshold()

    @property
    def limiter_peaks(self) -> dict[str, int]:
        """The most requests that were in flight at once, per endpoint (diagnostics)."""
        return dict(self._transport.limiter.peak_in_flight)

    # -- metadata -------------------------------------------------------------------------------

    def _metadata_cache(self) -> MetadataCache:
        if self._metadata is None:
            namespace = (self.base_url.lower(), self.credentials.username.lower())
            # Made once: a pull asks for fields and UDF definitions from two threads at once,
            # and a second cache would lose what the first one fetched.
            with self._base_lock:
                if self._metadata is None:
                    self._metadata = MetadataCache(
                        namespace_parts=namespace,
                        cache_dir=self.config.metadata_cache_dir,
                        ttl=self.config.metadata_ttl,
                    )
        return self._metadata

    def _cached(self, entity: str, kind: str, path: str) -> Any:
        def fetch() -> Any:
            # A threshold reading due now runs beside it: metadata starts pulls (issue 10).
            data = self._transport.request(
                "GET", self._url(path), kind=RequestKind.READ, threshold_in_background=True
            )
            problem = metadata_problem(kind, data)
            if problem is not None:  # raised before caching: the next call asks again
                raise untrusted_answer(
                    status=200,
                    method="GET",
                    url=self._url(path),
                    problem=problem,
                    content=repr(data),
                    redact=_REDACTOR.redact,
                )
            return data

        return self._metadata_cache().get(entity, kind, fetch)

    def entity_info(self, entity: str) -> EntityInfo:
        """What the catalog knows of ``entity`` (any spelling; an unknown name is an
        ``AutotaskValidationError``, and no request is made)."""
        return self._router.entity(entity)

    def get_entity_metadata(self, entity: str) -> EntityMetadata:
        """Capabilities (``entityInformation``) with the fields and UDF definitions filled in."""
        info = self._router.entity(entity)
        raw = self._cached(info.name, "info", f"{info.name}/entityInformation") or {}
        meta = EntityMetadata.model_validate(
            raw.get("info", raw) if isinstance(raw, Mapping) else {}
        )
        meta.fields = self.get_field_metadata(info.name)
        meta.user_defined_fields = self.get_udf_metadata(info.name)
        return meta

    def get_field_metadata(self, entity: str) -> list[FieldMetadata]:
        """The entity's fields (``entityInformation/fields``), picklist values included."""
        info = self._router.entity(entity)
        raw = self._cached(info.name, "fields", f"{info.name}/entityInformation/fields") or {}
        return [FieldMetadata.model_validate(f) for f in raw.get("fields") or []]

    def get_udf_metadata(self, entity: str) -> list[FieldMetadata]:
        """The entity's user-defined fields; no request for entities that cannot have any."""
        info = self._router.entity(entity)
        if not info.has_udfs:
            return []
        raw = (
            self._cached(info.name, "udfs", f"{info.name}/entityInformation/userDefinedFields")
            or {}
        )
        return [FieldMetadata.model_validate({**f, "isUdf": True}) for f in raw.get("fields") or []]

    def clear_metadata_cache(self, *, disk: bool = False) -> None:
        if self._metadata is not None:
            self._metadata.clear(disk=disk)

    # -- queries --------------------------------------------------------------------------------

    def _plan(self, entity: str, filters: Any, include_fields: Any, page_size: int) -> QueryPlan:
        info = self._router.entity(entity)
        if "query" not in info.ops:
            raise AutotaskValidationError(
                f"the Autotask API has no query for {info.name}; list it under its parent "
                "with list_children()"
            )
        return plan_query(
            info.name,
            filters,
            include_fields=include_fields,
            page_size=page_size,
            chunk_size=self.config.in_chunk_size,
            # The spec's integer fields: a split list of integers on one of them cannot match a
            # row twice, so its parts' counts add up (paging.py, "Counting").
            integer_fields=[f.name for f in info.fields if f.type in ("integer", "long")],
        )

    def query(
        self,
        entity: str,
        filters: FilterInput | Iterable[FilterInput] | None = None,
        include_fields: Sequence[str] | None = None,
        max_records: int = 500,
        *,
        impersonation_resource_id: int | None = None,
    ) -> QueryResponse:
        """ONE page of at most ``max_records`` (1-500) rows; ``get_next_page`` gives the next."""
        plan = self._plan(entity, filters, include_fields, max_records)
        return self._pager.first_page(plan, impersonation=impersonation_resource_id)

    def get_next_page(self, response: QueryResponse) -> QueryResponse | None:
        """The page after ``response`` (None after the last), asked exactly like the first."""
        return self._pager.next_page(response)

    def iter_pages(
        self,
        entity: str,
        filters: FilterInput | Iterable[FilterInput] | None = None,
        include_fields: Sequence[str] | None = None,
        *,
        page_size: int = 500,
        impersonation_resource_id: int | None = None,
    ) -> Iterator[QueryResponse]:
        """Every page of a query, fetched as the iteration reaches it."""
        first = self.query(
            entity,
            filters,
            include_fields,
            page_size,
            impersonation_resource_id=impersonation_resource_id,
        )
        return self._pager.iter_pages(first)

    def iter_query(
        self,
        entity: str,
        filters: FilterInput | Iterable[FilterInput] | None = None,
        include_fields: Sequence[str] | None = None,
        *,
        page_size: int = 500,
        limit: int | None = None,
        impersonation_resource_id: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every matching row exactly once, in ascending id; stops after ``limit`` rows."""
        plan = self._plan(entity, filters, include_fields, page_size)
        return self._pager.iter_rows(plan, impersonation=impersonation_resource_id, limit=limit)

    def iter_row_pages(
        self,
        entity: str,
        filters: FilterInput | Iterable[FilterInput] | None = None,
        include_fields: Sequence[str] | None = None,
        *,
        limit: int | None = None,
        ordered: bool = True,
        page_size: int = 500,
        impersonation_resource_id: int | None = None,
        total: Future[int] | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        """Every matching row once, as pages (lists of API dicts), fetched concurrently.

        An unsplit query past its first page is pulled over disjoint id ranges with up to
        ``ClientConfig.thread_limit`` requests in flight (``client/partitioned.py``); a split
        query (lists past the OR limit) pages by merging, one request at a time. ``ordered``:
        pages in ascending id (True), or as they arrive, each an ascending run of ids disjoint
        from the others (False; ``FrameBuilder.add(..., order=)`` sorts them). ``limit``: at most
        this many rows, and no request for rows beyond them. ``page_size``: rows a request asks
        for (``MaxRecords``, 1-500). ``total``: the count of the rows, when the caller has one
        in flight (a progress bar's): the ranges are then planned from it, so no request goes
        past the last id (a hint only: every row is still found if the count is off).
        """
        plan = self._plan(entity, filters, include_fields, page_size)
        if not plan.is_simple or self.config.thread_limit < 2:
            page_size = page_size if limit is None else max(1, min(page_size, limit))
            yield from self._pager.iter_row_batches(
                replace(plan, page_size=page_size),
                impersonation=impersonation_resource_id,
                limit=limit,
                size=page_size,
            )
            return
        pull = RangePull(
            self._pull_read,
            self._url(f"{plan.entity}/query"),
            plan,
            workers=self.config.thread_limit,
            impersonation=impersonation_resource_id,
            limit=limit,
            total=total,
        )
        yield from pull.pages(ordered=ordered)

    def query_all(
        self,
        entity: str,
        filters: FilterInput | Iterable[FilterInput] | None = None,
        include_fields: Sequence[str] | None = None,
        *,
        page_size: int = 500,
        limit: int | None = None,
        impersonation_resource_id: int | None = None,
    ) -> list[dict[str, Any]]:
        """``list(iter_query(...))``. Interrupted after its first page:
        ``AutotaskPullInterruptedError``, whose ``resume()`` returns the complete list."""
        plan = self._plan(entity, filters, include_fields, page_size)
        return self._pager.all_rows(plan, impersonation=impersonation_resource_id, limit=limit)

    def count(
        self,
        entity: str,
        filters: FilterInput | Iterable[FilterInput] | None = None,
        *,
        impersonation_resource_id: int | None = None,
    ) -> int:
        """How many rows match (``/query/count``). A split query's count is its union's: summed
        counts when its parts are proven disjoint, else counted by id (paging.py, "Counting")."""
        plan = self._plan(entity, filters, None, 500)
        return self._pager.count(plan, impersonation=impersonation_resource_id)

    def list_children(
        self, entity: str, parent_id: int, *, impersonation_resource_id: int | None = None
    ) -> list[dict[str, Any]]:
        """All records of a child collection: ``GET /{Parent}/{parentId}/{Child}`` (every page)."""
        route = self._router.route(entity, "query", prefer_child=True)
        if route.child is None:
            raise AutotaskValidationError(f"{route.entity.name} is not reached under a parent")
        rows: list[dict[str, Any]] = []
        url: str | None = self._url(route.collection_path(parent_id))
        followed: set[str] = set()
        last: int | None = None
        while url:  # a GET listing's next page is a GET too
            followed.add(url)
            data = self._transport.request(
                "GET", url, kind=RequestKind.READ, impersonation_resource_id=impersonation_resource_id
            )
            # The same checks as a query's pages (paging.read_page): a page, ids ascending and
            # each once, page URLs on the API root; a next page already followed is refused.
            items, url = read_page(data, url=url, root=self._url(""), after=last, method="GET")
            rows.extend(items)
            last = int(items[-1]["id"]) if items else last
            if url is not None and url in followed:
                raise AutotaskResponseError(
                    f"GET {urlsplit(url).path}: the next page is one already followed; "
                    "paging would not end"
                )
        return rows

    # -- single records ---------------------------------------------------------------------------

    def get(
        self,
        entity: str,
        entity_id: int,
        *,
        parent_id: int | None = None,
        impersonation_resource_id: int | None = None,
    ) -> dict[str, Any] | None:
        """The record, or None when it does not exist (HTTP 404, or an answer without it).

        Get by id answers ``{"item": {...}}``; an attachment read under its parent
        (``GET /{Parent}/{parentId}/Attachments/{id}``) answers in ``items``, as a list or, one
        live-written client documents, as the object itself (FACTS §5 "Get by id", §9). Every
        shape is accepted; from a list, the row with the asked id (else the first).
        """
        route = self._router.route(entity, "get", prefer_child=parent_id is not None)
        try:
            data = self.request(
                "GET",
                route.item_path(entity_id, parent_id),
                impersonation_resource_id=impersonation_resource_id,
            )
        except AutotaskNotFoundError:
            return None
        if not isinstance(data, Mapping) or not {"item", "items"} & data.keys():
            # Not a get-by-id answer at all: saying "not found" would be a guess.
            raise untrusted_answer(
                status=200,
                method="GET",
                url=self._url(route.item_path(entity_id, parent_id)),
                problem="no 'item' in it",
                content=repr(data),
                redact=_REDACTOR.redact,
            )
        return _the_item(data, entity_id)

    # -- the object API (``client.entities``) ---------------------------------------------------
    # ``entities/`` is built on this client and on the pandas layer (an entity's ``where()`` is a
    # lazy frames ``Query``), so this module must not import it: the arrow would close a loop.
    # The package root plugs its ``EntityManager`` in here (``autotask_pandas/__init__.py``), and
    # Python always runs the package root before any module of the package.
    entity_manager: ClassVar[Callable[[AutotaskClient], Any] | None] = None

    @property
    def entities(self) -> Any:
        """``client.entities.tickets`` etc.: the ``EntityManager`` of ``autotask_pandas.entities``."""
        if self._entities is None:
            factory = type(self).entity_manager
            if factory is None:  # only if the package root was bypassed
                raise RuntimeError("client.entities needs the autotask_pandas package imported")
            self._entities = factory(self)
        return self._entities

    @property
    def attachments(self) -> Any:
        """The attachments entity (``client.entities.attachments``)."""
        return self.entities.attachments

    @property
    def time_entries(self) -> Any:
        """The time entries entity (``client.entities.time_entries``)."""
        return self.entities.time_entries
