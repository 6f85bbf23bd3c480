"""The one mapping between Autotask values and pandas, both directions, driven by field metadata.

=======================  ===========================  ======================================
Autotask (``dataType``)  pandas dtype                 notes
=======================  ===========================  ======================================
``integer``, ``long``    ``Int64``                    ids are never floats
``double``, ``decimal``  ``Float64``
``boolean``              ``boolean``
``datetime``             ``datetime64[ns, UTC]``      ``tz="Europe/Berlin"``: another zone
``datetime`` date-only   ``datetime64[ns]`` (naive)   midnight, never shifted; see below
``string`` (and others)  ``string`` (StringDtype())   pyarrow-backed
picklist                 ``Int64`` (its values)       ``labels=True``: ordered ``category``
                                                      of labels by ``sortOrder``, inactive
                                                      values kept
UDF ``udf:<name>``       by the UDF's ``type``        values travel as strings; typed here
=======================  ===========================  ======================================

Missing values are NA in every column (NaT in datetime columns).

Date-only fields. The API does not mark them: it stores and returns them as midnight datetimes and
does not time-zone convert them (FACTS §6). ``DATE_ONLY_FIELDS`` (``query/kinds.py``) lists the ones we know; they become
*naive* ``datetime64[ns]`` at midnight rather than ``date32[pyarrow]``: pandas has no native date
dtype, and a ``date32[pyarrow]`` column refuses ``df.startDate >= "2026-01-01"`` and comparisons
with ``pd.Timestamp`` (TypeError), while the naive datetime column supports both, ``.dt``,
resampling and Parquet. Being naive says "a calendar date, not an instant", so ``tz=`` leaves it
alone, and mixing it with a UTC instant by mistake raises rather than shifting it. They go back as
``"YYYY-MM-DD"``.

Datetimes out of the ``ns`` range (years before 1677 or after 2262, such as a ``9999-12-31``
sentinel) would not fit; such a column is kept in microseconds (``datetime64[us, UTC]``) instead.

Frames are built by ``builder.py`` (``build_frame``, ``FrameBuilder``; the per-page conversions are
in ``from_api.py``), picklists are mapped by ``picklists.py``. The reverse direction,
``to_api_values`` (``to_api.py``), is what the writer sends: ``None`` for NA, ``int``,
``float``, ``bool``, ISO ``"YYYY-MM-DDTHH:MM:SS.fffZ"`` (UTC) or ``"YYYY-MM-DD"``, picklist labels
turned into values. For a UDF every value is a string (the API's ``{"name", "value"}`` pairs carry
strings), e.g. ``"5"``, ``"1.5"``, ``"true"``.
"""

from __future__ import annotations

import zoneinfo
from typing import Any

import numpy as np
import pandas as pd

from autotask_pandas.exceptions import AutotaskValidationError
from autotask_pandas.frames.picklists import uses_integer_values
from autotask_pandas.query.kinds import field_kind
from autotask_pandas.query.picklists import picklist_maps
from autotask_pandas.types import FieldMetadata

__all__ = ["API_DTYPES", "bool_from_text", "check_tz", "dtype_for", "object_values"]

# Autotask dataType -> the name of its pandas dtype (the table above).
API_DTYPES: dict[str, str] = {
    "integer": "Int64",
    "long": "Int64",
    "short": "Int64",
    "double": "Float64",
    "decimal": "Float64",
    "float": "Float64",
    "boolean": "boolean",
    "datetime": "datetime64[ns, UTC]",
    "date": "datetime64[ns]",
    "string": "string",
}
def check_tz(tz: str | None) -> str | None:
    """``tz`` if it names a time zone (``"UTC"``, ``"Europe/Berlin"``), else a clear error."""
    if tz is None:
        return None
    if not isinstance(tz, str):
        tz = str(tz)
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise AutotaskValidationError(
            f"unknown time zone {tz!r}; give an IANA name such as 'UTC' or 'Europe/Berlin'"
        ) from None
    return tz


# How booleans may be spelt as text, in UDF values (which travel as strings) and in frames.
_TRUE_TEXTS = frozenset({"true", "1", "yes"})
_FALSE_TEXTS = frozenset({"false", "0", "no"})


def bool_from_text(text: str) -> bool:
    """``"true"``, ``"yes"``, ``"1"`` (any case, spaces around) as True, their opposites as False;
    ValueError for any other text."""
    word = text.strip().lower()
    if word in _TRUE_TEXTS:
        return True
    if word in _FALSE_TEXTS:
        return False
    raise ValueError(text)


def dtype_for(
    field: FieldMetadata, *, entity: str | None = None, labels: bool = False, tz: str | None = None
) -> Any:
    """The pandas dtype a column of ``field`` gets (a CategoricalDtype with ``labels=True``)."""
    if labels and field.is_picklist and field.picklist_values:
        return pd.CategoricalDtype(list(picklist_maps(field).labels), ordered=True)
    kind = field_kind(field, entity)
    if field.is_picklist and field.picklist_values and uses_integer_values(field):
        kind = "int"
    return _dtype_of_kind(kind, tz)


def _dtype_of_kind(kind: str, tz: str | None = None) -> Any:
    if kind == "int":
        return pd.Int64Dtype()
    if kind == "float":
        return pd.Float64Dtype()
    if kind == "bool":
        return pd.BooleanDtype()
    if kind == "datetime":
        return pd.DatetimeTZDtype("ns", tz or "UTC")
    if kind == "date":
        return np.dtype("datetime64[ns]")
    if kind == "string":
        return pd.StringDtype()
    return np.dtype(object)


def object_values(values: pd.Series | pd.Index) -> np.ndarray:
    """A column's values as an object ndarray (same length and order), missing values as None."""
    # pandas-stubs do not admit na_value=None, which pandas documents and does.
    held: Any = values
    result: np.ndarray = held.to_numpy(dtype=object, na_value=None)
    return result
