"""What a condition offers for one field: its operators and the widget its value is typed into.

The field's metadata (from the client's cache) decides both:

============  =========================================  ===================================
field         operators                                  value widget
============  =========================================  ===================================
picklist      ``= != in, not in, exists, not exists``    ``Dropdown`` of its labels
                                                         (``SelectMultiple`` for ``in``)
boolean       ``= != exists, not exists``                ``Checkbox``
integer       ``= != > >= < <= exists, not exists``      ``IntText``
number        ``= != > >= < <= exists, not exists``      ``FloatText``
date(time)    ``>= > < <= = exists, not exists``         ``DatePicker``
text          ``contains = != beginsWith endsWith ...``  ``Text``
============  =========================================  ===================================

Picklists offer no ``<``/``>``: what they mean on a picklist is the filter language's business
(``docs/frames.md``), and a form should not make the reader guess. The values a widget holds are
turned into filter-language values here (``Label`` for a picklist label, ``date`` for a date), so
the language's own printer (``query.language.to_text``) writes the text.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets

from autotask_pandas.query.kinds import field_kind
from autotask_pandas.query.language import Label
from autotask_pandas.query.picklists import picklist_maps
from autotask_pandas.types import FieldMetadata, FilterOperation

__all__ = ["OPERATORS", "Incomplete", "operators_for", "value_of", "value_widget", "widget_kind"]

# The operators as the filter language writes them, and what they mean.
OPERATORS: dict[str, FilterOperation] = {
    "=": FilterOperation.EQ,
    "!=": FilterOperation.NOTEQ,
    ">": FilterOperation.GT,
    ">=": FilterOperation.GTE,
    "<": FilterOperation.LT,
    "<=": FilterOperation.LTE,
    "contains": FilterOperation.CONTAINS,
    "beginsWith": FilterOperation.BEGINS_WITH,
    "endsWith": FilterOperation.ENDS_WITH,
    "in": FilterOperation.IN,
    "not in": FilterOperation.NOT_IN,
    "exists": FilterOperation.EXIST,
    "not exists": FilterOperation.NOT_EXIST,
}
_PRESENCE = ("exists", "not exists")
_ORDERED = ("=", "!=", ">", ">=", "<", "<=")


class Incomplete(ValueError):
    """A condition whose value is not given yet (an empty text box, no date picked)."""


def operators_for(field: FieldMetadata, entity: str | None = None) -> tuple[str, ...]:
    """The operators offered for ``field``, the default first (see the module's table)."""
    if field.is_picklist and field.picklist_values:
        return ("=", "!=", "in", "not in", *_PRESENCE)
    kind = field_kind(field, entity)
    if kind == "bool":
        return ("=", "!=", *_PRESENCE)
    if kind in ("int", "float"):
        return (*_ORDERED, *_PRESENCE)
    if kind in ("date", "datetime"):
        return (">=", ">", "<", "<=", "=", *_PRESENCE)
    return ("contains", "=", "!=", "beginsWith", "endsWith", *_PRESENCE)


def widget_kind(field: FieldMetadata, operator: str, entity: str | None = None) -> str:
    """Which widget holds the value: ``none | labels | label | bool | int | float | date | text``.

    Two operators of the same kind share a widget, so switching ``=`` to ``!=`` keeps the value.
    """
    if operator in _PRESENCE:
        return "none"
    if field.is_picklist and field.picklist_values:
        return "labels" if operator in ("in", "not in") else "label"
    kind = field_kind(field, entity)
    if kind in ("bool", "int", "float"):
        return kind
    if kind in ("date", "datetime"):
        return "date"
    return "text"


def value_widget(field: FieldMetadata, operator: str, entity: str | None = None) -> widgets.Widget:
    """A fresh widget for the value of ``field <operator> ...`` (an empty ``HBox`` for none)."""
    kind = widget_kind(field, operator, entity)
    layout = widgets.Layout(width="16em")
    if kind == "none":
        return widgets.HBox(layout=layout)
    if kind in ("label", "labels"):
        labels = list(picklist_maps(field).labels)
        if kind == "labels":
            return widgets.SelectMultiple(
                options=labels, rows=min(6, max(2, len(labels))), layout=layout
            )
        return widgets.Dropdown(options=labels, value=labels[0] if labels else None, layout=layout)
    if kind == "bool":
        return widgets.Checkbox(value=True, indent=False, layout=widgets.Layout(width="16em"))
    if kind == "int":
        return widgets.IntText(value=0, layout=layout)
    if kind == "float":
        return widgets.FloatText(value=0.0, layout=layout)
    if kind == "date":
        return widgets.DatePicker(value=None, layout=layout)
    return widgets.Text(value="", placeholder="text", layout=layout)


def value_of(field: FieldMetadata, operator: str, widget: widgets.Widget,
             entity: str | None = None) -> Any:
    """The filter-language value the widget holds: a ``Label``, a tuple of them for ``in``, a
    ``bool``, ``int``, ``float``, ``date`` or ``str``; None for ``exists``/``not exists``.

    Raises ``Incomplete`` when nothing is given yet.
    """
    kind = widget_kind(field, operator, entity)
    if kind == "none":
        return None
    value = widget.value
    if kind == "labels":
        chosen: Sequence[str] = value or ()
        if not chosen:
            raise Incomplete("no label chosen")
        return tuple(Label(v) for v in chosen)
    if kind == "label":
        if value is None:
            raise Incomplete("no label chosen")
        return Label(value)
    if kind == "bool":
        return bool(value)
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    if kind == "date":
        if not isinstance(value, _dt.date):
            raise Incomplete("no date picked")
        return value
    text = str(value or "")
    if not text:
        raise Incomplete("no text typed")
    return text
