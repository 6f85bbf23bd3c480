"""The filter language: text such as

    status != Complete and createDate >= 2026-01-01 and (priority in (1, 2) or title contains "VPN")

parsed into ``QueryFilter`` trees (``parse``) and printed back (``to_text``); ``resolve`` then
checks the field names against an entity's metadata and turns picklist labels into values.

Grammar (keywords and word operators ignore case)::

    filter     := or_expr
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := term ("and" term)*
    term       := "(" or_expr ")" | condition
    condition  := field op value
                | field ["not"] "in" "(" value ("," value)* ")"     (also "notIn")
                | field ["not"] "exists"            (also "exist", "notExist")
                | field "is" ["not"] "null"
    op         := = | == | != | <> | > | >= | < | <= | contains | beginsWith | endsWith
                  (the API's own words eq noteq ne gt gte lt lte are accepted too)
    field      := name | "udf:" (name | quoted)      udf:Seats, udf:"Customer Tier"
    value      := number | true | false | quoted | date | datetime | word

- ``quoted`` is ``"..."`` or ``'...'``; a backslash escapes the quote or a backslash.
- A literal reaches the server as the field's type needs it (``resolve``): compared with a text
  field, it is the text as written (``postalCode = 00123`` sends ``"00123"``, ``1.50`` sends
  ``"1.50"``, ``true`` sends ``"true"``); with a number field, the number, without losing a digit
  (as text when a double cannot hold it, which the API reads as the number); ids as integers.
  A number token therefore keeps its writing when its value drops some of it (``_WrittenInt``,
  ``_WrittenFloat``: equal to the number, printed back as written).
- ``date`` is ``2026-01-01``; ``datetime`` is ISO 8601 (``2026-01-01T09:30:00``, with ``Z`` or an
  offset; without one it is UTC, as the API reads it).
- ``word`` is a bare word such as ``Complete``: a picklist label (``Label``). A label with spaces is
  quoted: ``status = "Waiting Customer"``. On a picklist field quoted strings are labels too.
- UDFs are written ``udf:<name>``, the spelling of their DataFrame columns (``query/columns.py``).
- ``and`` binds tighter than ``or``. Conditions joined by ``and`` at the top level become the
  API's top-level filter list; anything else becomes ``and``/``or`` groups with ``items``.

Errors (``FilterSyntaxError``, an ``AutotaskValidationError``) carry the position and show a caret
under it in the text. Whatever the text, ``parse`` returns filters or raises ``FilterSyntaxError``:
parentheses nest at most ``MAX_NESTING`` deep (deeper is refused at the ``(`` that goes too deep,
never a ``RecursionError``). ``resolve`` refuses a number its field's type cannot hold: an
``integer`` beyond 32 bits, a ``long``/id beyond 64, a ``double`` beyond a double's range
(``1e999``), and infinities and NaN written as text (``"INF"``, ``'nan'``).
"""

from __future__ import annotations

import datetime as _dt
import decimal
import difflib
import enum
import math
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from autotask_pandas.exceptions import AutotaskValidationError
from autotask_pandas.query.columns import UDF_PREFIX
from autotask_pandas.types import (
    FieldMetadata,
    FilterOperation,
    GroupOperation,
    QueryFilter,
    decimal_json,
)

__all__ = [
    "MAX_NESTING",
    "FilterSyntaxError",
    "Label",
    "parse",
    "resolve",
    "to_text",
]


class Label(str):
    """A bare word of the filter text (``Complete``): a picklist label, printed without quotes."""

    __slots__ = ()  # its repr is a plain string's, so error messages read 'Complete'


class _WrittenInt(int):
    """A whole number written with characters its value drops (``00123``, ``+5``).

    It is the number wherever a number is meant (an id, a picklist value), and ``text`` keeps the
    writing for a text field: ``postalCode = 00123`` asks for the text ``"00123"``, not ``"123"``.
    """

    text: str

    def __new__(cls, text: str) -> _WrittenInt:
        number = super().__new__(cls, text)
        number.text = text
        return number

    def __getnewargs__(self) -> tuple[str]:  # type: ignore[override]  # copies keep the writing
        return (self.text,)


class _WrittenFloat(float):
    """A decimal number whose writing its float drops: ``1.50`` (the last zero, which a text field
    compares), or more digits than a double holds (``12345678901234567.89``, which a number field
    must receive whole). ``text`` keeps the writing."""

    text: str

    def __new__(cls, text: str) -> _WrittenFloat:
        number = super().__new__(cls, text)
        number.text = text
        return number

    def __getnewargs__(self) -> tuple[str]:  # type: ignore[override]  # copies keep the writing
        return (self.text,)


class FilterSyntaxError(AutotaskValidationError):
    """The filter text cannot be read; ``position`` is the offending character's index."""

    def __init__(self, problem: str, text: str, position: int) -> None:
        position = max(0, min(position, len(text)))
        line_start = text.rfind("\n", 0, position) + 1
        line_end = text.find("\n", position)
        line = text[line_start : line_end if line_end >= 0 else len(text)]
        caret = " " * (position - line_start) + "^"
        super().__init__(f"{problem} (at position {position})\n  {line}\n  {caret}")
        self.problem = problem
        self.text = text
        self.position = position


# -- tokens ---------------------------------------------------------------------------------

_DATETIME = (
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|z|[+-]\d{2}:?\d{2})?)?"
)
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<comma>,)
  | (?P<op>==|!=|<>|>=|<=|=|>|<)
  | (?P<quoted>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<udf>udf:)
  | (?P<datetime>"""
    + _DATETIME
    + r""")(?![\w:.-])
  | (?P<number>[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?)(?![\w.-])
  | (?P<word>[^\W\d][\w.\-/]*)
    """,
    re.VERBOSE | re.IGNORECASE | re.DOTALL,
)
_UNTERMINATED = re.compile(r"""["']""")


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # lparen rparen comma op quoted udf datetime number word end
    text: str
    position: int
    value: Any = None


_WORD_OPS = {
    "contains": FilterOperation.CONTAINS,
    "beginswith": FilterOperation.BEGINS_WITH,
    "endswith": FilterOperation.ENDS_WITH,
    "eq": FilterOperation.EQ,
    "noteq": FilterOperation.NOTEQ,
    "ne": FilterOperation.NOTEQ,
    "gt": FilterOperation.GT,
    "gte": FilterOperation.GTE,
    "lt": FilterOperation.LT,
    "lte": FilterOperation.LTE,
}
_SYMBOL_OPS = {
    "=": FilterOperation.EQ,
    "==": FilterOperation.EQ,
    "!=": FilterOperation.NOTEQ,
    "<>": FilterOperation.NOTEQ,
    ">": FilterOperation.GT,
    ">=": FilterOperation.GTE,
    "<": FilterOperation.LT,
    "<=": FilterOperation.LTE,
}
# Words that cannot be printed bare (they would read as syntax, not as a label).
_RESERVED = {
    "and",
    "or",
    "not",
    "in",
    "is",
    "null",
    "true",
    "false",
    "exists",
    "exist",
    "notexist",
    "notexists",
    "notin",
    "udf",
    *_WORD_OPS,
}


def _unescape(quoted: str) -> str:
    return re.sub(r"\\(.)", r"\1", quoted[1:-1], flags=re.DOTALL)


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    position = 0
    while position < len(text):
        found = _TOKEN.match(text, position)
        if found is None:
            if _UNTERMINATED.match(text, position):
                raise FilterSyntaxError("unterminated quoted string", text, position)
            raise FilterSyntaxError(f"unexpected character {text[position]!r}", text, position)
        kind = found.lastgroup or ""
        chunk = found.group()
        if kind != "space":
            out.append(_Token(kind, chunk, position, _token_value(kind, chunk, text, position)))
        position = found.end()
    out.append(_Token("end", "", len(text)))
    return out


def _token_value(kind: str, chunk: str, text: str, position: int) -> Any:
    if kind == "quoted":
        return _unescape(chunk)
    if kind == "number":
        return _number_literal(chunk)
    if kind == "datetime":
        try:
            if len(chunk) == 10:
                return _dt.date.fromisoformat(chunk)
            return _parse_datetime(chunk)
        except ValueError:
            raise FilterSyntaxError(f"{chunk!r} is not a valid date", text, position) from None
    return None


def _number_literal(chunk: str) -> int | float:
    """A number token: a plain ``int``/``float`` when printing the value gives the text back (or
    an exponent form such as ``1e3`` that a double holds exactly), else the value with its
    writing kept (``_WrittenInt``/``_WrittenFloat``)."""
    if re.fullmatch(r"[-+]?\d+", chunk):
        whole = int(chunk)
        return whole if str(whole) == chunk else _WrittenInt(chunk)
    number = float(chunk)
    exact = decimal.Decimal(repr(number)) == decimal.Decimal(chunk)
    if exact and (repr(number) == chunk or "e" in chunk.lower()):
        return number
    return _WrittenFloat(chunk)


def _parse_datetime(chunk: str) -> _dt.datetime:
    value = chunk.replace(" ", "T", 1)
    if value[-1] in "zZ":
        value = value[:-1] + "+00:00"
    head, dot, tail = value.partition(".")
    if dot:  # Python reads up to 6 fraction digits; the API keeps milliseconds (.NET: 7)
        digits = re.match(r"\d+", tail).group()  # type: ignore[union-attr]
        value = f"{head}.{digits[:6].ljust(6, '0')}{tail[len(digits) :]}"
    return _dt.datetime.fromisoformat(value)


# -- parsing ----------------------------------------------------------------------------------


# Deep enough for any filter a person or a program writes; shallow enough that neither our
# recursive descent nor the API's JSON reader (nor pydantic) runs out of stack.
MAX_NESTING = 32


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.index = 0
        self.depth = 0

    # helpers
    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def is_word(self, *words: str, offset: int = 0) -> bool:
        token = self.tokens[min(self.index + offset, len(self.tokens) - 1)]
        return token.kind == "word" and token.text.lower() in words

    def fail(self, problem: str, token: _Token | None = None) -> FilterSyntaxError:
        token = token or self.token
        return FilterSyntaxError(problem, self.text, token.position)

    def describe(self, token: _Token) -> str:
        return "the end of the text" if token.kind == "end" else repr(token.text)

    # grammar
    def parse(self) -> list[QueryFilter]:
        if self.token.kind == "end":
            raise self.fail("the filter is empty")
        conjuncts = [self.term()]
        while self.is_word("and"):
            self.advance()
            conjuncts.append(self.term())
        if self.is_word("or"):
            first = conjuncts[0] if len(conjuncts) == 1 else QueryFilter.and_(*conjuncts)
            items = [first]
            while self.is_word("or"):
                self.advance()
                items.append(self.and_expr())
            conjuncts = [QueryFilter.or_(*items)]
        if self.token.kind != "end":
            if self.token.kind == "rparen":
                raise self.fail("unbalanced ')'")
            raise self.fail(f"expected 'and', 'or' or the end, found {self.describe(self.token)}")
        return conjuncts

    def or_expr(self) -> QueryFilter:
        items = [self.and_expr()]
        while self.is_word("or"):
            self.advance()
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else QueryFilter.or_(*items)

    def and_expr(self) -> QueryFilter:
        items = [self.term()]
        while self.is_word("and"):
            self.advance()
            items.append(self.term())
        return items[0] if len(items) == 1 else QueryFilter.and_(*items)

    def term(self) -> QueryFilter:
        token = self.token
        if token.kind == "lparen":
            if self.depth >= MAX_NESTING:
                raise self.fail(f"parentheses nest deeper than {MAX_NESTING}")
            self.advance()
            self.depth += 1
            inner = self.or_expr()
            self.depth -= 1
            if self.token.kind != "rparen":
                raise self.fail(
                    f"expected ')' to close the '(' at position {token.position}, "
                    f"found {self.describe(self.token)}"
                )
            self.advance()
            return inner
        return self.condition()

    def field(self) -> tuple[str, bool]:
        token = self.token
        if token.kind == "udf":
            self.advance()
            name_token = self.token
            if name_token.kind == "quoted":
                self.advance()
                name = name_token.value
            elif name_token.kind == "word":
                self.advance()
                name = name_token.text
            else:
                raise self.fail("expected the UDF's name after 'udf:' (quote it if it has spaces)")
            if not name.strip():
                raise self.fail("a UDF name cannot be empty", name_token)
            return name, True
        if token.kind == "word" and token.text.lower() not in ("and", "or", "not"):
            self.advance()
            return token.text, False
        if token.kind == "end":
            raise self.fail("expected a field name, found the end of the text")
        raise self.fail(f"expected a field name, found {self.describe(token)}")

    def condition(self) -> QueryFilter:
        start = self.token
        field, udf = self.field()
        token = self.token

        def make(op: FilterOperation, value: Any = None) -> QueryFilter:
            try:
                return QueryFilter(field=field, op=op, value=value, udf=udf)
            except ValueError as exc:  # pydantic's, with our model's words
                raise self.fail(_first_error(exc), start) from None

        if token.kind == "op":
            self.advance()
            return make(_SYMBOL_OPS[token.text], self.value(token))
        if token.kind == "word":
            word = token.text.lower()
            if word in _WORD_OPS:
                self.advance()
                return make(_WORD_OPS[word], self.value(token))
            if word in ("exists", "exist"):
                self.advance()
                return make(FilterOperation.EXIST)
            if word in ("notexist", "notexists"):  # the API's spelling (the CLI's --filter)
                self.advance()
                return make(FilterOperation.NOT_EXIST)
            if word == "notin":  # the API's spelling
                self.advance()
                return make(FilterOperation.NOT_IN, self.value_list())
            if word == "in":
                self.advance()
                return make(FilterOperation.IN, self.value_list())
            if word == "not":
                self.advance()
                if self.is_word("in"):
                    self.advance()
                    return make(FilterOperation.NOT_IN, self.value_list())
                if self.is_word("exists", "exist"):
                    self.advance()
                    return make(FilterOperation.NOT_EXIST)
                raise self.fail("expected 'in' or 'exists' after 'not'")
            if word == "is":
                self.advance()
                negated = False
                if self.is_word("not"):
                    self.advance()
                    negated = True
                if not self.is_word("null"):
                    raise self.fail("expected 'null' after 'is'" + (" not" if negated else ""))
                self.advance()
                return make(FilterOperation.EXIST if negated else FilterOperation.NOT_EXIST)
        if token.kind == "end":
            raise self.fail(f"expected an operator after {field!r}, found the end of the text")
        raise self.fail(
            f"expected an operator after {field!r} (=, !=, >, >=, <, <=, contains, beginsWith, "
            f"endsWith, in, not in, exists, not exists), found {self.describe(token)}"
        )

    def value(self, after: _Token) -> Any:
        token = self.token
        if token.kind in ("quoted", "number", "datetime"):
            self.advance()
            return token.value
        if token.kind == "word":
            word = token.text.lower()
            if word in ("true", "false"):
                self.advance()
                return word == "true"
            if word == "null":
                raise self.fail(
                    "null is not a value the API compares with; use 'is null' / 'not exists'"
                )
            if word in ("and", "or"):
                raise self.fail(f"expected a value after {after.text!r}, found {token.text!r}")
            self.advance()
            return Label(token.text)
        if token.kind == "end":
            raise self.fail(f"expected a value after {after.text!r}, found the end of the text")
        raise self.fail(f"expected a value after {after.text!r}, found {self.describe(token)}")

    def value_list(self) -> tuple[Any, ...]:
        opening = self.token
        if opening.kind != "lparen":
            raise self.fail(f"expected '(' and a list of values, found {self.describe(opening)}")
        self.advance()
        values = [self.value(opening)]
        while self.token.kind == "comma":
            comma = self.advance()
            values.append(self.value(comma))
        if self.token.kind != "rparen":
            raise self.fail(
                f"expected ',' or ')' in the list opened at position {opening.position}, "
                f"found {self.describe(self.token)}"
            )
        self.advance()
        return tuple(values)


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        try:
            message = errors()[0]["msg"]
            return str(message).removeprefix("Value error, ")
        except (IndexError, KeyError, TypeError):
            pass
    return str(exc)


def parse(text: str) -> list[QueryFilter]:
    """The filters of ``text`` (the API's top-level list: conditions ANDed)."""
    if not isinstance(text, str):
        raise TypeError(f"the filter text must be a str, got {type(text).__name__}")
    return _Parser(text).parse()


# -- printing ---------------------------------------------------------------------------------

_BARE = re.compile(r"[^\W\d][\w.\-/]*\Z")
_FIELD = re.compile(r"[^\W\d][\w.\-/]*\Z")
_OP_TEXT = {
    FilterOperation.EQ: "=",
    FilterOperation.NOTEQ: "!=",
    FilterOperation.GT: ">",
    FilterOperation.GTE: ">=",
    FilterOperation.LT: "<",
    FilterOperation.LTE: "<=",
    FilterOperation.CONTAINS: "contains",
    FilterOperation.BEGINS_WITH: "beginsWith",
    FilterOperation.ENDS_WITH: "endsWith",
}


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _value_text(value: Any) -> str:
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (_WrittenInt, _WrittenFloat)):
        return value.text
    if isinstance(value, Label) and _BARE.match(value) and value.lower() not in _RESERVED:
        return str(value)
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise AutotaskValidationError(f"{value!r} cannot be written in a filter")
        return repr(value)
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            raise AutotaskValidationError(f"{value!r} cannot be written in a filter")
        text = str(value)
        return (
            text if re.fullmatch(r"[-+]?\d+(\.\d+)?([eE][-+]?\d+)?", text) else repr(float(value))
        )
    if isinstance(value, _dt.datetime):
        return value.isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    raise AutotaskValidationError(f"{value!r} cannot be written in a filter")


def _field_text(f: QueryFilter) -> str:
    name = f.field or ""
    if f.udf:
        return UDF_PREFIX + (
            name if _BARE.match(name) and name.lower() not in _RESERVED else _quote(name)
        )
    if not _FIELD.match(name) or name.lower() in ("and", "or", "not"):
        raise AutotaskValidationError(f"the field name {name!r} cannot be written in a filter")
    return name


def _node_text(f: QueryFilter, nested: bool) -> str:
    if f.is_group:
        items = f.items or ()
        if len(items) == 1:
            return _node_text(items[0], nested)
        joiner = f" {f.op.value} "
        text = joiner.join(_node_text(i, True) for i in items)
        return f"({text})" if nested else text
    op = f.op
    field = _field_text(f)
    if op is FilterOperation.EXIST:
        return f"{field} exists"
    if op is FilterOperation.NOT_EXIST:
        return f"{field} not exists"
    if op in (FilterOperation.IN, FilterOperation.NOT_IN):
        word = "in" if op is FilterOperation.IN else "not in"
        return f"{field} {word} (" + ", ".join(_value_text(v) for v in f.value) + ")"
    return f"{field} {_OP_TEXT[op]} {_value_text(f.value)}"  # type: ignore[index]


def to_text(filters: QueryFilter | Iterable[QueryFilter]) -> str:
    """The filter text of ``filters`` (one filter, or the API's top-level list, ANDed).

    ``parse(to_text(x)) == x`` for filters whose groups have two or more items (a one-item group
    is printed as its item, which means the same).
    """
    if isinstance(filters, QueryFilter):
        filters = [filters]
    items = list(filters)
    if not items:
        raise AutotaskValidationError("no filters to print")
    if len(items) == 1:
        only = items[0]
        if only.is_group and only.op is GroupOperation.AND and len(only.items or ()) > 1:
            return _node_text(only, True)  # parenthesised, so it reads back as one group
        return _node_text(only, False)
    return " and ".join(_node_text(i, True) for i in items)


# -- resolving against metadata ---------------------------------------------------------------


def resolve(
    filters: QueryFilter | Iterable[QueryFilter],
    fields: Sequence[FieldMetadata],
    udf_fields: Sequence[FieldMetadata] = (),
    *,
    entity: str = "the entity",
) -> list[QueryFilter]:
    """Check field names and types against metadata; picklist labels become values.

    Field names get the metadata's spelling; a UDF condition names the UDF and carries
    ``udf: true``; a label shared by several values widens ``=`` to ``in`` (``!=`` to ``notIn``).
    Unknown fields, labels and values of the wrong type raise ``AutotaskValidationError`` naming
    the entity, the field and what would be valid.
    """
    from autotask_pandas.query.kinds import field_kind
    from autotask_pandas.query.picklists import picklist_maps

    if isinstance(filters, QueryFilter):
        filters = [filters]
    by_name = {f.name.lower(): f for f in fields}
    udfs = {f.name.lower(): f for f in udf_fields}

    def lookup(f: QueryFilter) -> FieldMetadata:
        name = f.field or ""
        if f.udf:
            meta = udfs.get(name.lower())
            if meta is None:
                raise AutotaskValidationError(
                    _unknown(
                        entity,
                        UDF_PREFIX + name,
                        [UDF_PREFIX + u.name for u in udf_fields],
                        "user-defined field",
                    )
                )
            return meta
        meta = by_name.get(name.lower())
        if meta is None:
            if name.lower().startswith(UDF_PREFIX) and name[len(UDF_PREFIX) :].lower() in udfs:
                return udfs[name[len(UDF_PREFIX) :].lower()]
            if name.lower() == "id":
                return FieldMetadata(name="id", data_type="long")
            known = [x.name for x in fields] + [UDF_PREFIX + u.name for u in udf_fields]
            raise AutotaskValidationError(_unknown(entity, name, known, "field"))
        return meta

    def convert(meta: FieldMetadata, value: Any, op: FilterOperation) -> list[Any]:
        """The API value(s) for one value of the text (several for a shared label)."""
        where = f"{entity}.{_display(meta)}"
        if meta.is_picklist and meta.picklist_values:
            maps = picklist_maps(meta)
            candidates = maps.values_for(value) if not isinstance(value, bool) else ()
            if not candidates:
                labels = ", ".join(repr(x) for x in maps.labels[:30])
                more = ", …" if len(maps.labels) > 30 else ""
                raise AutotaskValidationError(
                    f"{value!r} is no label or value of the picklist {where}; "
                    f"valid labels: {labels}{more}"
                )
            if len(candidates) > 1 and op not in _WIDENABLE:
                raise AutotaskValidationError(
                    f"the label {value!r} of {where} means several values "
                    f"({', '.join(map(repr, candidates))}); give one value with {op.value!r}"
                )
            if meta.is_udf:  # UDF values travel as strings
                return [str(c) for c in candidates]
            return list(candidates)
        kind = field_kind(meta, entity if entity != "the entity" else None)
        try:
            return [_in_range(_typed(value, kind, op), meta)]
        except (TypeError, ValueError) as exc:
            shown = value.text if isinstance(value, _WrittenInt | _WrittenFloat) else repr(value)
            raise AutotaskValidationError(
                f"{shown} is not a valid value for {where} ({_KIND_WORDS.get(kind, kind)}"
                f"{': ' + str(exc) if str(exc) and ' ' in str(exc) else ''})"
            ) from None

    def walk(f: QueryFilter) -> QueryFilter:
        if f.is_group:
            return QueryFilter(op=f.op, items=tuple(walk(i) for i in f.items or ()))
        meta = lookup(f)
        if not meta.is_queryable:
            raise AutotaskValidationError(f"{entity}.{_display(meta)} cannot be queried")
        op = cast("FilterOperation", f.op)  # not a group (returned above)
        udf = bool(meta.is_udf)
        if op in (FilterOperation.EXIST, FilterOperation.NOT_EXIST):
            return QueryFilter(field=meta.name, op=op, udf=udf)
        if op in (FilterOperation.IN, FilterOperation.NOT_IN):
            values: list[Any] = []
            for v in f.value:
                values.extend(convert(meta, v, op))
            return QueryFilter(field=meta.name, op=op, value=tuple(dict.fromkeys(values)), udf=udf)
        if op in _ORDERING and meta.is_picklist and meta.picklist_values:
            ordered = _by_sort_order(meta, f.value, op)
            if ordered is not None:
                return ordered
        values = convert(meta, f.value, op)
        if len(values) > 1:
            widened = FilterOperation.IN if op is FilterOperation.EQ else FilterOperation.NOT_IN
            return QueryFilter(field=meta.name, op=widened, value=tuple(values), udf=udf)
        return QueryFilter(field=meta.name, op=op, value=values[0], udf=udf)

    return [walk(f) for f in filters]


_WIDENABLE = {FilterOperation.EQ, FilterOperation.NOTEQ, FilterOperation.IN, FilterOperation.NOT_IN}
_ORDERING = {FilterOperation.GT, FilterOperation.GTE, FilterOperation.LT, FilterOperation.LTE}


def _by_sort_order(meta: FieldMetadata, value: Any, op: FilterOperation) -> QueryFilter | None:
    """``priority > High`` by the picklist's order, as an ``in`` of the values it selects.

    A label compared with ``<``, ``>``, ``<=``, ``>=`` means its place in the picklist's
    ``sortOrder`` (the order of the ordered categorical that ``labels=True`` frames hold, see
    ``picklists.py``), not the numeric order of the values behind it: the server would compare
    the values (``priority gt 1``), and ``High`` = 1 sits after ``Critical`` = 4. So the
    comparison is sent as ``in (values whose label sorts after High)``, which the server and
    ``df.priority > "High"`` agree on. A number keeps comparing values (None is returned and the
    caller sends it as written), and so does a label shared by several values (the caller then
    refuses it). No value selected: a condition no row meets.
    """
    from autotask_pandas.query.picklists import picklist_maps

    if not isinstance(value, str):
        return None
    maps = picklist_maps(meta)
    label = value if value in maps.label_to_values else None
    if label is None:
        folded = value.strip().casefold()
        label = next((x for x in maps.labels if x.strip().casefold() == folded), None)
    if label is None:
        return None  # not a label: a value written as text, compared as the server compares it
    if len(maps.label_to_values[label]) > 1:
        return None  # a label of several values has no one place: refused as for '=' lists
    rank = {name: position for position, name in enumerate(maps.labels)}
    pivot = rank[label]

    def keep(place: int) -> bool:
        if op is FilterOperation.GT:
            return place > pivot
        if op is FilterOperation.GTE:
            return place >= pivot
        if op is FilterOperation.LT:
            return place < pivot
        return place <= pivot

    chosen = [v for v in maps.values if keep(rank[maps.value_to_label[v]])]
    udf = bool(meta.is_udf)
    if meta.is_udf:  # UDF values travel as strings
        chosen = [str(v) for v in chosen]
    if not chosen:
        return QueryFilter.and_(
            QueryFilter(field=meta.name, op=FilterOperation.EXIST, udf=udf),
            QueryFilter(field=meta.name, op=FilterOperation.NOT_EXIST, udf=udf),
        )
    return QueryFilter(field=meta.name, op=FilterOperation.IN, value=tuple(chosen), udf=udf)
_KIND_WORDS = {
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "datetime": "a date or datetime",
    "date": "a date",
    "string": "text",
}


def _display(meta: FieldMetadata) -> str:
    return UDF_PREFIX + meta.name if meta.is_udf else meta.name


def _typed(value: Any, kind: str, op: FilterOperation) -> Any:
    """One value of the filter as the field's type needs it on the wire (``kind`` as
    ``field_kind`` names it). Raises ``TypeError``/``ValueError`` for a value the type refuses."""
    if isinstance(value, enum.Enum):
        value = value.value
    if kind == "int":
        if isinstance(value, bool):
            raise TypeError("true/false is not a number")
        if isinstance(value, int):
            return int(value)  # a plain int, whatever its writing
        if isinstance(value, _WrittenFloat):  # 12345678901234567.0: the digits, not the double's
            value = decimal.Decimal(value.text)
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, decimal.Decimal) and value.is_finite() and value == int(value):
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d+\s*", value):
            return int(value)
        raise ValueError()
    if kind == "float":
        if isinstance(value, bool):
            raise TypeError("true/false is not a number")
        return _api_number(value)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise ValueError()
    if kind in ("datetime", "date"):
        if isinstance(value, _dt.datetime):
            # a subclass (pandas' Timestamp) would print nanoseconds, which .NET cannot read
            return _dt.datetime(
                value.year,
                value.month,
                value.day,
                value.hour,
                value.minute,
                value.second,
                value.microsecond,
                tzinfo=value.tzinfo,
            )
        if isinstance(value, _dt.date):
            return _dt.date(value.year, value.month, value.day)
        if isinstance(value, str):
            text = value.strip()
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                return _dt.date.fromisoformat(text)
            if re.fullmatch(_DATETIME, text):
                return _parse_datetime(text)
        raise ValueError()
    if kind == "string":
        return _as_written(value)
    return value


# The integer types' ranges (.NET Int32 and Int64, what the API binds them to); an id is a long.
_INT_BITS = {"integer": 32, "int": 32, "short": 16, "long": 64}
# System.Decimal's largest magnitude; a double's is float's own.
_DECIMAL_MAX = decimal.Decimal("79228162514264337593543950335")


def _in_range(value: Any, meta: FieldMetadata) -> Any:
    """``value`` when the field's type holds it; ``ValueError`` (with words) when it does not."""
    data_type = (meta.data_type or "").lower()
    if meta.name.lower() == "id" and not meta.is_udf:
        data_type = "long"
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return value
    if data_type in _INT_BITS and isinstance(value, int):
        bits = _INT_BITS[data_type]
        if not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
            raise ValueError(f"out of the range of a {bits}-bit {data_type}")
    elif data_type in ("double", "float", "decimal"):
        try:
            number = decimal.Decimal(str(value))
        except decimal.InvalidOperation:
            return value
        limit = _DECIMAL_MAX if data_type == "decimal" else decimal.Decimal(sys.float_info.max)
        if not number.is_finite() or abs(number) > limit:
            raise ValueError(f"out of the range of a {data_type}")
    return value


def _api_number(value: Any) -> int | float | str:
    """A number for a double/decimal field, every written digit kept: an ``int`` when whole, a
    ``float`` when a double holds the written value exactly (``1.50`` is 1.5), else the digits as
    text, which the API reads as a number (a filter value may be a string, FACTS §4; numbers sent
    as strings are accepted, FACTS §11)."""
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float) and not isinstance(value, _WrittenFloat):
        if not math.isfinite(value):
            raise ValueError("not a finite number")
        return float(value)
    if isinstance(value, (_WrittenFloat, str)):
        try:
            value = decimal.Decimal(value.text if isinstance(value, _WrittenFloat) else value)
        except decimal.InvalidOperation:
            raise ValueError() from None
    if not isinstance(value, decimal.Decimal):
        raise ValueError()
    if not value.is_finite():
        raise ValueError("not a finite number")
    return decimal_json(value)  # the one rule for a Decimal as JSON, shared with writes


def _as_written(value: Any) -> str:
    """A value compared with a text field: the text as the filter wrote it (``00123``, ``1.50``,
    ``true``; a datetime as ISO 8601 with ``Z`` for UTC and no more fraction than it has)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (_WrittenInt, _WrittenFloat)):
        return value.text
    if isinstance(value, _dt.datetime):
        micro = value.microsecond
        spec = "seconds" if not micro else "milliseconds" if micro % 1000 == 0 else "microseconds"
        text = value.isoformat(timespec=spec)
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value)


def _unknown(entity: str, name: str, known: Sequence[str], what: str) -> str:
    lowered = {k.lower(): k for k in known}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(repr(lowered[c]) for c in close)}?" if close else ""
    return f"{entity} has no {what} {name!r}{hint}"
