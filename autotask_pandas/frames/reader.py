"""``read_autotask``: the pandas-style reader, as ``pandas.read_sql`` is for databases.

    tickets = read_autotask("Tickets", where="status != Complete and createDate >= 2026-01-01")
    for chunk in read_autotask("TimeEntries", chunksize=2000): ...

A thin façade over ``frames.lazy.Query``: everything it does, a ``Query`` does too (and lazily).
With ``client=None`` the default client is used (``autotask_pandas.client.default``): the environment's
credentials if set, else the embedded demo sandbox.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, overload

import pandas as pd

from autotask_pandas.client.default import default_client
from autotask_pandas.frames.builder import build_frame
from autotask_pandas.frames.lazy import ProgressFactory, Query, WhereInput
from autotask_pandas.frames.push.validate import EntitySchema
from autotask_pandas.frames.refresh import since_filter
from autotask_pandas.query.picklists import integer_text, picklist_maps

if TYPE_CHECKING:
    from autotask_pandas.client import AutotaskClient

__all__ = ["SinceInput", "read_autotask", "read_autotask_csv"]

SinceInput = _dt.datetime | _dt.date | str


@overload
def read_autotask(
    entity: str,
    where: WhereInput = None,
    fields: Sequence[str] | str | None = None,
    limit: int | None = None,
    client: AutotaskClient | None = None,
    labels: bool = True,
    chunksize: None = None,
    progress: bool | ProgressFactory = True,
    tz: str | None = None,
    since: SinceInput | None = None,
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
    since: SinceInput | None = None,
) -> Iterator[pd.DataFrame]: ...


@overload
def read_autotask(
    entity: str,
    where: WhereInput = None,
    fields: Sequence[str] | str | None = None,
    limit: int | None = None,
    client: AutotaskClient | None = None,
    labels: bool = True,
    *,
    chunksize: int,
    progress: bool | ProgressFactory = True,
    tz: str | None = None,
    since: SinceInput | None = None,
) -> Iterator[pd.DataFrame]: ...


@overload
def read_autotask(
    entity: str,
    where: WhereInput = None,
    fields: Sequence[str] | str | None = None,
    limit: int | None = None,
    client: AutotaskClient | None = None,
    labels: bool = True,
    chunksize: int | None = None,
    progress: bool | ProgressFactory = True,
    tz: str | None = None,
    since: SinceInput | None = None,
) -> pd.DataFrame | Iterator[pd.DataFrame]: ...


def read_autotask(
    entity: str,
    where: WhereInput = None,
    fields: Sequence[str] | str | None = None,
    limit: int | None = None,
    client: AutotaskClient | None = None,
    labels: bool = True,
    chunksize: int | None = None,
    progress: bool | ProgressFactory = True,
    tz: str | None = None,
    since: SinceInput | None = None,
) -> pd.DataFrame | Iterator[pd.DataFrame]:
    """Rows of an Autotask entity as a typed DataFrame (see ``docs/frames.md``).

    ``where``: filter-language text (``"status != Complete and priority in (1, 2)"``), or
    ``QueryFilter``s / API dicts (a list is ANDed). ``fields``: the columns, in order
    (``IncludeFields`` is sent; ``udf:<name>`` for a UDF). ``limit``: at most this many rows, and no
    page beyond them is fetched. ``labels`` (default True): picklists as ordered categoricals of
    their labels, so a label can be typed into them (``df.loc[m, "status"] = "Waiting Vendor"``)
    and is pushed as its value; ``labels=False`` gives the values (``Int64``).
    ``chunksize``: return an iterator of DataFrames of that many rows, fetched as it goes.
    ``progress``: a tqdm bar sized by the server's count (False for none). ``tz``: show datetimes
    in this time zone (they stay tz-aware; date-only fields are never shifted).
    ``since``: only rows changed at or after this time (a datetime, naive meaning UTC; a date;
    or ISO 8601 text): the condition ``{modified} gte since`` on the entity's last-modified
    field (``lastActivityDate`` of Tickets; the catalog's ``EntityInfo.modified``) is added to
    ``where``. An entity without one: AutotaskValidationError naming it. The frame's pull keeps
    the condition, so ``df.autotask.refresh()`` keeps it too (see ``frames/refresh.py``).
    """
    query = Query(client, entity, where, fields, limit, labels, tz)
    if since is not None:
        query = query.where(since_filter(query.entity, since))
    if chunksize is None:
        return query.to_pandas(progress=progress)
    return query.pages(chunksize, progress=progress)


def read_autotask_csv(
    path: Any,
    entity: str,
    *,
    client: AutotaskClient | None = None,
    labels: bool = True,
    **read_csv: Any,
) -> pd.DataFrame:
    """A CSV (or any ``pd.read_csv`` source) read with the dtypes of ``entity``'s fields.

    ``pd.read_csv`` guesses: a column of digit strings (``extension``, ``zipCode``) becomes float,
    so ``0123`` comes back as ``123.0`` and cannot be pushed as the text it was. Here every cell
    is read as written, then each column that is a field of ``entity`` (names ignore case;
    ``udf:<name>`` for UDFs) gets that field's dtype, as ``read_autotask`` gives it: text stays
    text, ids ``Int64``, datetimes UTC, picklists labels (``labels=False``: values; a picklist
    column may hold either). Other columns stay text. ``read_csv`` goes to ``pd.read_csv``
    (``dtype`` is not accepted: the entity decides it). The frame has no pull: push it with
    ``df.autotask.push(entity=...)``. Unknown entity, or a value of no field's type: raises
    ``AutotaskValidationError``.
    """
    if "dtype" in read_csv:
        raise TypeError("read_autotask_csv takes no dtype=: the entity's fields decide them")
    client = client or default_client()
    schema = EntitySchema.load(client, entity)
    raw = pd.read_csv(path, dtype=str, **read_csv)
    fields: list[str] = []  # the typed columns, as build_frame names them
    names: list[str] = []  # and the CSV's own column names for them
    records: list[dict[str, Any]] = [{} for _ in range(len(raw))]
    for name in raw.columns:
        column = schema.column(name)
        if column is None:
            continue
        values = raw[name].astype(object).where(raw[name].notna(), None).tolist()
        meta = column.meta
        if meta.is_picklist and meta.picklist_values:
            maps = picklist_maps(meta)
            values = [_picklist_value(v, maps) for v in values]
        key = f"udf:{column.key}" if column.udf else column.key
        fields.append(key)
        names.append(str(name))
        for record, value in zip(records, values, strict=True):
            if column.udf:
                record.setdefault("userDefinedFields", []).append(
                    {"name": column.key, "value": value}
                )
            else:
                record[column.key] = value
    typed = build_frame(
        schema.entity,
        records,
        schema.fields,
        schema.udfs,
        columns=fields or ["id"],
        labels=labels,
    )
    typed.index = raw.index
    out: pd.DataFrame = raw.astype("string")
    for name, key in zip(names, fields, strict=True):
        out[name] = typed[key]
    return out


def _picklist_value(value: Any, maps: Any) -> Any:
    """A picklist cell of a CSV as its value: a label (what a labelled frame writes) or a value."""
    if value is None or integer_text(value):
        return value
    found = maps.values_for(value)
    return found[0] if len(found) == 1 else value
