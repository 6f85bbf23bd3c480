"""``ConditionRow``: one ``field operator value`` line of the ``FilterBuilder``.

The row knows its entity's fields (metadata the client already cached); picking a field offers
that field's operators and value widget (``value_inputs``). ``condition()`` gives the row as a
``QueryFilter`` for the filter language's printer, or raises ``Incomplete``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as widgets

from autotask_pandas.query.columns import UDF_PREFIX
from autotask_pandas.types import FieldMetadata, QueryFilter
from autotask_pandas.widgets.value_inputs import (
    OPERATORS,
    operators_for,
    value_of,
    value_widget,
    widget_kind,
)

__all__ = ["ConditionRow", "column_of"]


def column_of(field: FieldMetadata) -> str:
    """How the filter language and the frame's columns name a field: ``udf:<name>`` for a UDF."""
    return UDF_PREFIX + field.name if field.is_udf else field.name


class ConditionRow:
    """Widgets ``field``, ``operator``, ``value`` and ``remove``, laid out in ``widget``.

    ``fields`` maps column names (``status``, ``udf:Root Cause``) to their metadata, in the order
    offered. ``on_change`` is called after any of the row's values changed; ``on_remove`` when its
    remove button is clicked.
    """

    def __init__(
        self,
        entity: str,
        fields: Mapping[str, FieldMetadata],
        on_change: Callable[[], None],
        on_remove: Callable[[ConditionRow], None],
        field: str | None = None,
    ) -> None:
        if not fields:
            raise ValueError(f"{entity} has no queryable field to filter on")
        self.entity = entity
        self.fields = dict(fields)
        self._on_change = on_change
        self._switching = False
        first = field if field is not None else next(iter(self.fields))
        self.field = widgets.Dropdown(
            options=list(self.fields), value=first, layout=widgets.Layout(width="16em")
        )
        self.operator = widgets.Dropdown(
            options=list(operators_for(self.meta, entity)), layout=widgets.Layout(width="9em")
        )
        self.value: widgets.Widget = value_widget(self.meta, self.operator.value, entity)
        self._kind = widget_kind(self.meta, self.operator.value, entity)
        self.remove = widgets.Button(
            description="remove", tooltip="remove this condition", icon="times",
            layout=widgets.Layout(width="7em"),
        )
        self.widget = widgets.HBox([self.field, self.operator, self.value, self.remove])
        # CSS classes name the parts for styling and for browser tests
        self.widget.add_class("autotask-condition")
        self.field.add_class("autotask-field")
        self.operator.add_class("autotask-operator")
        self.value.add_class("autotask-value")
        self.remove.add_class("autotask-remove")
        self.field.observe(self._field_changed, names="value")
        self.operator.observe(self._operator_changed, names="value")
        self.value.observe(self._value_changed, names="value")
        self.remove.on_click(lambda _button: on_remove(self))

    @property
    def meta(self) -> FieldMetadata:
        """The chosen field's metadata."""
        return self.fields[self.field.value]

    def condition(self) -> QueryFilter:
        """This row as a filter-language condition; ``Incomplete`` if its value is not given."""
        meta = self.meta
        value = value_of(meta, self.operator.value, self.value, self.entity)
        return QueryFilter(
            field=meta.name, op=OPERATORS[self.operator.value], value=value, udf=meta.is_udf
        )

    # -- keeping the widgets in step with the field ---------------------------------------------

    def _field_changed(self, _change: Any) -> None:
        offered = operators_for(self.meta, self.entity)
        self._switching = True  # the operator's own handler waits for the new field's value
        try:
            self.operator.options = list(offered)
            self.operator.value = offered[0]  # the new field's default operator
        finally:
            self._switching = False
        self._replace_value(force=True)
        self._on_change()

    def _operator_changed(self, _change: Any) -> None:
        if self._switching or self.operator.value is None:
            return
        self._replace_value(force=False)
        self._on_change()

    def _value_changed(self, _change: Any) -> None:
        self._on_change()

    def _replace_value(self, *, force: bool) -> None:
        """A new value widget when the field changed, or the operator needs another kind."""
        kind = widget_kind(self.meta, self.operator.value, self.entity)
        if not force and kind == self._kind:
            return
        self.value.unobserve(self._value_changed, names="value")
        self.value.close()
        self.value = value_widget(self.meta, self.operator.value, self.entity)
        self.value.add_class("autotask-value")
        self._kind = kind
        self.value.observe(self._value_changed, names="value")
        self.widget.children = (self.field, self.operator, self.value, self.remove)

    def close(self) -> None:
        """Close the row's widgets (the front end forgets them)."""
        for w in (self.field, self.operator, self.value, self.remove, self.widget):
            w.close()
