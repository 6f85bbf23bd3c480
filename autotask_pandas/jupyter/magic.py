"""``AutotaskMagic``: the ``%autotask`` line magic and ``%%autotask`` cell magic.

The magic reads the line (``arguments.py``), fills in ``{variables}`` (``interpolate.py``), reads
the query (``query/statement.py``) and hands it to the pandas layer: a lazy ``frames.Query`` run
by ``to_pandas``, a push by the frame's accessor. It builds no request of its own: every request
goes through the client, every write through ``df.autotask.push``.

It is a ``Configurable``: ``%config AutotaskMagic.labels = True`` (and ``progress``, ``tz``,
``display_max_rows``, ``display_max_columns``). User mistakes and API errors are IPython
``UsageError``s: one message, no traceback, with the server's words and, for a query that cannot
be read, the query with a caret under the position.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any, TypeVar, cast

import pandas as pd
from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand
from traitlets import Bool, Int, TraitError, Unicode, validate

from autotask_pandas.exceptions import AutotaskException
from autotask_pandas.frames.dtypes import check_tz
from autotask_pandas.frames.lazy import Query, entity_name
from autotask_pandas.jupyter.arguments import MagicLine, parse_line
from autotask_pandas.jupyter.connection import Connection
from autotask_pandas.jupyter.interpolate import InterpolationError, interpolate
from autotask_pandas.jupyter.tables import ApiUsage, entities_frame, fields_frame
from autotask_pandas.query.statement import QueryStatement, parse_statement, resolve_columns

__all__ = ["AutotaskMagic", "user_errors"]

# IPython's decorators are untyped in 8.x and typed in later versions; called through Any, strict
# mypy accepts both without a version-dependent "type: ignore".
_line_cell_magic: Any = line_cell_magic
_no_var_expand: Any = no_var_expand
_Method = TypeVar("_Method", bound=Callable[..., Any])


def _line_and_cell_magic(method: _Method) -> _Method:
    """``@no_var_expand @line_cell_magic``: ``{name}`` is ours, since IPython's own expansion
    would paste values unquoted (``interpolate.py`` quotes them into the filter language)."""
    marked: Any = _no_var_expand(_line_cell_magic(method))
    return cast("_Method", marked)


@contextmanager
def user_errors() -> Iterator[None]:
    """Our errors as ``UsageError`` (IPython shows the message alone, without a traceback).

    ``FilterSyntaxError`` carries the query with a caret under the position; API errors carry
    the server's words (``AutotaskAPIError`` keeps them in its message).
    """
    try:
        yield
    except (AutotaskException, InterpolationError) as exc:
        raise UsageError(str(exc)) from None


@magics_class
class AutotaskMagic(Magics):
    """Autotask queries in notebooks (``%load_ext autotask_pandas``)."""

    labels = Bool(
        True, help="Picklist columns as labels (ordered categoricals) unless --no-labels."
    ).tag(config=True)
    progress = Bool(
        True,
        help="tqdm bars while paging and pushing (a widget in Jupyter, text in a terminal); "
        "the environment variable TQDM_DISABLE turns them off too.",
    ).tag(config=True)
    tz = Unicode(
        None, allow_none=True, help="Show datetimes in this time zone (e.g. 'Europe/Paris')."
    ).tag(config=True)
    display_max_rows = Int(
        20, help="Rows shown of a frame the magic returns (pandas' display.max_rows)."
    ).tag(config=True)
    display_max_columns = Int(
        30, help="Columns shown of a frame the magic returns (pandas' display.max_columns)."
    ).tag(config=True)

    def __init__(self, shell: Any = None, **kwargs: Any) -> None:
        initialise: Any = super().__init__  # typed in some IPython versions, not in others
        initialise(shell=shell, **kwargs)
        self.connection = Connection(say=print)
        self._shown: dict[int, weakref.ref[pd.DataFrame]] = {}
        self._previous: dict[str, Any] = {}

    @property
    def _shell(self) -> Any:
        """The shell the magic was registered in (IPython types ``shell`` as optional)."""
        if self.shell is None:
            raise UsageError("the autotask magic is not registered in a shell")
        return self.shell

    @validate("tz")
    def _check_tz(self, proposal: Any) -> str | None:
        try:
            return check_tz(proposal["value"])
        except AutotaskException as exc:
            raise TraitError(str(exc)) from None

    # -- the magic ------------------------------------------------------------------------------

    @_line_and_cell_magic
    def autotask(self, line: str, cell: str | None = None) -> Any:
        """Query Autotask into a typed DataFrame, and more.

        ::

          %autotask Tickets where status != Complete select id, title, status limit 100
          tickets = %autotask --labels Tickets where priority in (High, Critical)
          %autotask tickets << Tickets where createDate >= {start}
          %autotask -o q --lazy Tickets where status = New        (a lazy Query)
          %%autotask -o open
          Tickets
          where status != Complete and (priority = High or udf:"Root Cause" exists)
          select id, title, udf:"Root Cause"

          %autotask count Tickets where status = New
          %autotask entities                   every entity and what it allows
          %autotask fields Tickets             types, picklists with labels, UDFs, read-only
          %autotask push tickets [--dry-run] [--conflicts fail|skip|overwrite] [--entity E]
          %autotask threshold                  requests used of the hour's budget
          %autotask connect                    AUTOTASK_* variables, keyring or a prompt
          %autotask connect --sandbox [--scale N] [--seed N]

        Options before the query: ``-o NAME`` or ``NAME <<`` (store the result in NAME; it is
        not displayed), ``--labels``/``--no-labels``, ``--lazy``, ``--tz ZONE``,
        ``--progress``/``--no-progress``. ``{name}`` puts a Python variable's value into the
        query, quoted as the filter language needs (a list becomes ``(a, b)`` for ``in``).

        Settings: ``%config AutotaskMagic`` lists them (labels, progress, tz, display_max_rows,
        display_max_columns). The filter language: docs/filter-language.md.
        """
        call = parse_line(line, cell)
        with user_errors():
            result = self._run(call)
        if call.options.out is not None:
            self._shell.user_ns[call.options.out] = result
            return None
        return result

    def _run(self, call: MagicLine) -> Any:
        command = call.command
        if command in ("query", "count"):
            query = self._query(call)
            if command == "count":
                return query.count()
            if call.options.lazy:
                return query
            return self._remember(query.to_pandas(progress=self._progress(call)))
        args = call.args
        if command == "connect":
            if args.sandbox:
                self.connection.connect_sandbox(args.scale, args.seed)
            else:
                self.connection.connect(args.username)
            return None
        if command == "entities":
            return self._remember(entities_frame())
        if command == "fields":
            name = entity_name(interpolate(args.entity, self._shell.user_ns).strip("\"'"))
            return self._remember(fields_frame(self.connection.current(), name))
        if command == "threshold":
            return ApiUsage.of(self.connection.current().get_threshold_info())
        if command == "push":
            return self._push(call)
        raise UsageError(f"unknown command {command!r}")  # pragma: no cover - parse_line's

    def statement(self, text: str) -> QueryStatement:
        """The query of ``text`` after ``{name}`` interpolation (``FilterSyntaxError`` if bad)."""
        return parse_statement(interpolate(text, self._shell.user_ns))

    def _query(self, call: MagicLine) -> Query:
        """The lazy query of the line; its names and labels checked (metadata only, no data)."""
        statement = self.statement(call.text)
        options = call.options
        query = Query(
            self.connection.current(),
            statement.entity,
            statement.where,
            None,
            statement.limit,
            labels=self.labels if options.labels is None else options.labels,
            tz=options.tz or self.tz,
        )
        query.filters  # noqa: B018 - resolves field names and labels now, or says what is wrong
        if statement.select:
            fields, udfs = query.metadata()
            query = query.select(resolve_columns(statement.select, fields, udfs, entity=query.entity))
        return query

    def _progress(self, call: MagicLine) -> bool:
        return self.progress if call.options.progress is None else call.options.progress

    def _push(self, call: MagicLine) -> Any:
        args = call.args
        frame = self._shell.user_ns.get(args.frame)
        if not isinstance(frame, pd.DataFrame):
            found = "nothing" if frame is None else f"a {type(frame).__name__}"
            raise UsageError(f"{args.frame!r} is {found}, not a DataFrame to push")
        client = self.connection.current() if args.entity else None
        return frame.autotask.push(
            dry_run=args.dry_run,
            conflicts=args.conflicts,
            progress=self._progress(call),
            entity=args.entity,
            client=client,
        )

    # -- display limits -------------------------------------------------------------------------

    def _remember(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Mark a frame as the magic's, so it is displayed with the magic's limits."""
        key = id(frame)
        self._shown[key] = weakref.ref(frame, lambda _: self._shown.pop(key, None))
        return frame

    def _limits(self, frame: pd.DataFrame) -> Any:
        ref = self._shown.get(id(frame))
        if ref is None or ref() is not frame:
            return None
        return pd.option_context(
            "display.max_rows", self.display_max_rows,
            "display.min_rows", min(self.display_max_rows, 10),
            "display.max_columns", self.display_max_columns,
        )

    def _html(self, frame: pd.DataFrame) -> Any:
        limits = self._limits(frame)
        previous = self._previous.get("text/html")
        if limits is None and previous is not None:
            return previous(frame)
        with limits or nullcontext():
            return getattr(frame, "_repr_html_")()  # noqa: B009 - pandas-stubs lack it

    def _plain(self, frame: pd.DataFrame, printer: Any, cycle: bool) -> Any:
        limits = self._limits(frame)
        previous = self._previous.get("text/plain")
        if limits is None and previous is not None:
            return previous(frame, printer, cycle)
        with limits or nullcontext():
            printer.text(repr(frame))
        return None

    def install_display(self) -> None:
        """Display the magic's frames with its limits (other frames as before)."""
        formatters = self._shell.display_formatter.formatters
        printers: dict[str, Callable[..., Any]] = {"text/html": self._html, "text/plain": self._plain}
        for mime, printer in printers.items():
            self._previous[mime] = formatters[mime].for_type(pd.DataFrame, printer)

    def uninstall_display(self) -> None:
        formatters = self._shell.display_formatter.formatters
        for mime in ("text/html", "text/plain"):
            previous = self._previous.pop(mime, None)
            if previous is not None:
                formatters[mime].for_type(pd.DataFrame, previous)
            else:
                formatters[mime].type_printers.pop(pd.DataFrame, None)
