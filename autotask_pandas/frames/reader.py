"""``read_autotask``: the pandas-style reader, as ``pandas.read_sql`` is for databases.

    tickets = read_autotask("Tickets", where="status != Complete and createDate >= 2026-01-01")
    for chunk in read_autotask("TimeEntries", chunksize=2000): ...

A thin façade over ``frames.lazy.Query``: everything it does, a ``Query`` does too (and lazily).
With ``client=None`` the default client is used (``autotask_pandas.client.default``): the environment's
credentials if set, else the embedded demo sandbox.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, overload

import pandas as pd

from autotask_pandas.frames.lazy import ProgressFactory, Query, WhereInput

if TYPE_CHECKING:
    from autotask_pandas.client import AutotaskClient

__all__ = ["read_autotask"]


@overload
def read_autotask(
    entity: str,
    where: WhereInput = None,
    fields: Sequence[str] | str | None = None,
    limit: int | None = None,
    client: AutotaskClient | None = None,
    labels: bool = False,
    chunksize: None = None,
    progress: bool | ProgressFactory = True,
    tz: str | None = None,
) -> pd.DataFrame: ...


@overload
def read_autotask(
    entity: str,
    where: WhereInput,
    fields: Sequence[str] | str | None,
    limit: int | None,
    client: AutotaskClient | None,
    labels: bool,
    chunksize: int,
    progress: bool | ProgressFactory = True,
    tz: str | None = None,
) -> Iterator[pd.DataFrame]: ...


@overload
def read_autotask(
    entity: str,
    where: WhereInput = None,
    fields: Sequence[str] | str | None = None,
    limit: int | None = None,
    client: AutotaskClient | None = None,
    labels: bool = False,
    *,
    chunksize: int,
    progress: bool | ProgressFactory = True,
    tz: str | None = None,
) -> Iterator[pd.DataFrame]: ...


@overload
def read_autotask(
    entity: str,
    where: WhereInput = None,
    fields: Sequence[str] | str | None = None,
    limit: int | None = None,
    client: AutotaskClient | None = None,
    labels: bool = False,
    chunksize: int | None = None,
    progress: bool | ProgressFactory = True,
    tz: str | None = None,
) -> pd.DataFrame | Iterator[pd.DataFrame]: ...


def read_autotask(
    entity: str,
    where: WhereInput = None,
    fields: Sequence[str] | str | None = None,
    limit: int | None = None,
    client: AutotaskClient | None = None,
    labels: bool = False,
    chunksize: int | None = None,
    progress: bool | ProgressFactory = True,
    tz: str | None = None,
) -> pd.DataFrame | Iterator[pd.DataFrame]:
    """Rows of an Autotask entity as a typed DataFrame (see ``docs/frames.md``).

    ``where``: filter-language text (``"status != Complete and priority in (1, 2)"``), or
    ``QueryFilter``s / API dicts (a list is ANDed). ``fields``: the columns, in order
    (``IncludeFields`` is sent; ``udf:<name>`` for a UDF). ``limit``: at most this many rows, and no
    page beyond them is fetched. ``labels``: picklists as ordered categoricals of their labels.
    ``chunksize``: return an iterator of DataFrames of that many rows, fetched as it goes.
    ``progress``: a tqdm bar sized by the server's count (False for none). ``tz``: show datetimes
    in this time zone (they stay tz-aware; date-only fields are never shifted).
    """
    query = Query(client, entity, where, fields, limit, labels, tz)
    if chunksize is None:
        return query.to_pandas(progress=progress)
    return query.pages(chunksize, progress=progress)
