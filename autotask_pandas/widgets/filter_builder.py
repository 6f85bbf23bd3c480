"""``FilterBuilder``: a form that writes a query in the filter language and runs it.

    from autotask_pandas.widgets import FilterBuilder
    builder = FilterBuilder()          # client=None: the default client (credentials or sandbox)
    builder                            # the form; Run fills builder.result

The form holds an entity dropdown; rows of field / operator / value (the value widget fits the
field, see ``value_inputs``); "add condition"; whether the rows are joined by ``and`` or ``or``;
the fields to select; a limit; Count and Run buttons. Under them it always shows the equivalent
``%autotask`` line (``QueryStatement.to_text()``), so the query can be pasted into a cell.

Front ends parse and display: the form writes text and nothing else. Count and Run read that very
line back (``parse_statement``) and hand it to a frames ``Query``, which checks it against the
entity's metadata and pages through the client. Editing the form sends no request: field lists
and picklist labels come from the client's metadata cache (one fetch per entity).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import pandas as pd

from autotask_pandas.catalog import load_catalog
from autotask_pandas.exceptions import AutotaskException, AutotaskValidationError
from autotask_pandas.frames.lazy import Query
from autotask_pandas.query.language import to_text
from autotask_pandas.query.statement import QueryStatement, parse_statement
from autotask_pandas.types import FieldMetadata, QueryFilter
from autotask_pandas.widgets.condition_row import ConditionRow, column_of
from autotask_pandas.widgets.display import error_html, note_html, show_frame
from autotask_pandas.widgets.value_inputs import Incomplete

if TYPE_CHECKING:
    from autotask_pandas.client import AutotaskClient

__all__ = ["MAGIC", "FilterBuilder", "queryable_entities"]

MAGIC = "%autotask"


def queryable_entities() -> list[str]:
    """Entity names the API can query, from the catalog (no request)."""
    return sorted(e.name for e in load_catalog() if "query" in e.ops)


class FilterBuilder:
    """A query form for one client; display it in a notebook (it renders as ``widget``).

    Args:
        client: the ``AutotaskClient`` to query; None for the default client
            (``autotask_pandas.client.default.default_client()``).
        entity: the entity chosen at first (any spelling the catalog knows).
        limit: the limit shown at first; 0 means every row.
        progress: show a ``tqdm.auto`` bar while Run pages through the rows.

    Attributes:
        entity, conjunction, select, limit: the form's widgets (``Dropdown``, ``ToggleButtons``,
            ``SelectMultiple``, ``BoundedIntText``); ``rows``: the ``ConditionRow``s in order.
        add_button, count_button, run_button: the buttons.
        line: the equivalent ``%autotask`` line (str), shown in ``line_view``, always in sync.
        status: an ``HTML`` widget with the count, notes on left-out rows, or the error.
        output: the ``Output`` widget Run shows the DataFrame in.
        result: the DataFrame of the last Run (None before).
        count_result: the number of the last Count (None before).

    Raises:
        AutotaskValidationError: an entity the catalog does not know, or one the API cannot
            query.
        AutotaskAPIError / AutotaskConnectionError: the entity's metadata could not be fetched.
    """

    def __init__(
        self,
        client: AutotaskClient | None = None,
        entity: str = "Tickets",
        *,
        limit: int = 100,
        progress: bool = True,
    ) -> None:
        if client is None:
            from autotask_pandas.client.default import default_client

            client = default_client()
        self.client = client
        self.progress = progress
        self.result: pd.DataFrame | None = None
        self.count_result: int | None = None
        self.rows: list[ConditionRow] = []
        self.fields: dict[str, FieldMetadata] = {}
        self.line = ""

        name = client.entity_info(entity).name  # the catalog's spelling; no request
        if name not in queryable_entities():
            raise AutotaskValidationError(
                f"the Autotask API has no query for {name}; FilterBuilder needs an entity it "
                "can query"
            )
        self.entity = widgets.Dropdown(
            options=queryable_entities(), value=name, description="entity"
        )
        self.conjunction = widgets.ToggleButtons(
            options=[("all of (and)", "and"), ("any of (or)", "or")], value="and",
            description="match",
        )
        self.select = widgets.SelectMultiple(
            options=[], rows=8, description="select", layout=widgets.Layout(width="28em")
        )
        self.limit = widgets.BoundedIntText(
            value=limit, min=0, max=10**9, description="limit",
            tooltip="0: every row", layout=widgets.Layout(width="14em"),
        )
        self.add_button = widgets.Button(description="add condition", icon="plus")
        self.count_button = widgets.Button(description="Count", icon="hashtag")
        self.run_button = widgets.Button(
            description="Run", icon="play", button_style="primary"
        )
        self.line_view = widgets.HTML()
        self.status = widgets.HTML()
        self.output = widgets.Output()
        self.progress_area = widgets.Output()
        self._rows_box = widgets.VBox()
        self.widget = widgets.VBox(
            [
                self.entity,
                self.conjunction,
                self._rows_box,
                self.add_button,
                widgets.HBox([self.select, self.limit]),
                widgets.HBox([self.count_button, self.run_button]),
                self.line_view,
                self.status,
                self.progress_area,
                self.output,
            ],
            layout=widgets.Layout(width="100%"),
        )
        # CSS classes name the parts for styling and for browser tests
        self.widget.add_class("autotask-filter-builder")
        for part, name in (
            (self.entity, "entity"), (self.conjunction, "conjunction"), (self.select, "select"),
            (self.limit, "limit"), (self.add_button, "add"), (self.count_button, "count"),
            (self.run_button, "run"), (self.line_view, "line"), (self.status, "status"),
            (self.output, "output"),
        ):
            part.add_class(f"autotask-{name}")

        self._load_fields()
        self.entity.observe(self._entity_changed, names="value")
        self.conjunction.observe(self._changed, names="value")
        self.select.observe(self._changed, names="value")
        self.limit.observe(self._changed, names="value")
        self.add_button.on_click(lambda _b: self._guarded(self.add_condition))
        self.count_button.on_click(lambda _b: self._guarded(self.count))
        self.run_button.on_click(lambda _b: self._guarded(self.run))
        self._update()

    # -- display --------------------------------------------------------------------------------

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        return f"FilterBuilder({self.line!r})"

    # -- the form -------------------------------------------------------------------------------

    def _load_fields(self) -> None:
        """The chosen entity's queryable fields and UDFs (cached by the client)."""
        name = self.entity.value
        fields = self.client.get_field_metadata(name) + self.client.get_udf_metadata(name)
        self.fields = {column_of(f): f for f in fields if f.is_queryable}
        self.select.value = ()
        self.select.options = list(self.fields)

    def _entity_changed(self, _change: Any) -> None:
        for row in self.rows:
            row.close()
        self.rows = []
        self._rows_box.children = ()
        try:
            self._load_fields()
        except AutotaskException as exc:  # the metadata could not be read: say so, add no rows
            self.fields = {}
            self.select.options = []
            self._update()
            self.status.value = error_html(str(exc))
            return
        self._update()

    def add_condition(self, field: str | None = None) -> ConditionRow:
        """A new condition row (on ``field``, a column name such as ``status`` or
        ``udf:Root Cause``; the first field when None), also what "add condition" does."""
        if not self.fields:
            raise AutotaskValidationError(
                f"{self.entity.value} offers no field to filter on (its metadata could not be read)"
            )
        if field is not None and field not in self.fields:
            raise KeyError(f"{self.entity.value} has no queryable field {field!r}")
        row = ConditionRow(
            self.entity.value, self.fields, self._update, self.remove_condition, field
        )
        self.rows.append(row)
        self._rows_box.children = tuple(r.widget for r in self.rows)
        self._update()
        return row

    def remove_condition(self, row: ConditionRow) -> None:
        """Drop ``row`` (what its remove button does)."""
        self.rows.remove(row)
        row.close()
        self._rows_box.children = tuple(r.widget for r in self.rows)
        self._update()

    def _changed(self, _change: Any) -> None:
        self._update()

    # -- the text -------------------------------------------------------------------------------

    @property
    def where(self) -> str | None:
        """The rows in the filter language (None when no row is complete)."""
        return self._compose()[0]

    def _compose(self) -> tuple[str | None, list[str]]:
        """The filter text, and a note for each row left out because its value is missing."""
        conditions: list[QueryFilter] = []
        problems: list[str] = []
        for number, row in enumerate(self.rows, start=1):
            try:
                conditions.append(row.condition())
            except Incomplete as exc:
                problems.append(f"condition {number} ({row.field.value}): {exc}, left out")
        if not conditions:
            return None, problems
        if len(conditions) > 1 and self.conjunction.value == "or":
            return to_text(QueryFilter.or_(*conditions)), problems
        return to_text(conditions), problems

    @property
    def statement(self) -> QueryStatement:
        """The form as a ``QueryStatement`` (entity, where, select, limit)."""
        return self._statement(self.where)

    def _statement(self, where: str | None) -> QueryStatement:
        return QueryStatement(
            self.entity.value, where, tuple(self.select.value), self.limit.value or None
        )

    def _update(self) -> None:
        try:
            where, problems = self._compose()
            self.line = f"{MAGIC} {self._statement(where).to_text()}"
        except AutotaskException as exc:  # a value the language cannot write
            self.line = ""
            self.line_view.value = ""
            self.status.value = error_html(str(exc))
            return
        self.line_view.value = (
            '<code class="autotask-line-text" style="user-select:all;white-space:pre-wrap">'
            f"{html.escape(self.line)}</code>"
        )
        self.status.value = "<br>".join(note_html(p) for p in problems)

    # -- running --------------------------------------------------------------------------------

    def query(self) -> Query:
        """The lazy ``Query`` of the ``%autotask`` line shown (read back from its text)."""
        statement = parse_statement(self.line.removeprefix(MAGIC).strip())
        return Query(
            self.client,
            statement.entity,
            statement.where,
            list(statement.select) or None,
            statement.limit,
        )

    def count(self) -> int:
        """How many rows match on the server (one ``query/count``; the limit is not applied);
        also shown in ``status`` and kept in ``count_result``."""
        value = self.query().count()
        self.count_result = value
        self.status.value = note_html(f"{value:,} {self.entity.value} match")
        return value

    def run(self) -> pd.DataFrame:
        """Fetch the rows (up to the limit) as a typed DataFrame; shown in ``output`` and kept
        in ``result``."""
        query = self.query()
        self.progress_area.outputs = ()
        failure: BaseException | None = None
        with self.progress_area:  # a tqdm.auto widget bar is displayed where the output goes
            # Inside an IPython shell, Output.__exit__ shows and swallows an exception; ours must
            # reach _guarded (and the status line), so it is carried out of the block.
            try:
                frame = query.to_pandas(progress=self.progress)
            except BaseException as exc:  # noqa: BLE001 - re-raised right below
                failure = exc
        if failure is not None:
            raise failure
        self.result = frame
        show_frame(self.output, frame)
        self.status.value = note_html(f"{len(frame):,} rows of {self.entity.value}")
        return frame

    def _guarded(self, action: Callable[[], object]) -> None:
        """Run a button's action; our errors (bad field, label, value; the server's words) are
        shown in ``status`` instead of vanishing into the widget log."""
        try:
            action()
        except AutotaskException as exc:
            self.status.value = error_html(str(exc))
