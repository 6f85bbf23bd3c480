"""A whole query as one line of text: what ``%autotask`` reads and what the widgets print.

    Tickets where status != Complete select id, title, udf:"Root Cause" limit 100

Grammar (keywords ignore case; each clause at most once, in any order; ``to_text`` prints them in
the order below)::

    statement := entity ["where" filter] ["select" column ("," column)*] ["limit" N]
    column    := name | "udf:" (name | quoted)

``filter`` is the filter language of ``query/language.py``, kept as written. The keywords are read
with that language's tokenizer, so ``where``/``select``/``limit`` are never matched inside quoted
text, inside parentheses, or as the value right after an operator (``title contains limit`` is a
condition). Errors are ``FilterSyntaxError`` with the position in the whole statement.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from autotask_pandas.exceptions import AutotaskValidationError
from autotask_pandas.query.columns import UDF_PREFIX
from autotask_pandas.query.language import (
    _WORD_OPS,
    FilterSyntaxError,
    _Token,
    _tokens,
    _unknown,
    parse,
)
from autotask_pandas.types import FieldMetadata

__all__ = ["QueryStatement", "parse_columns", "parse_statement", "resolve_columns"]

_KEYWORDS = ("where", "select", "limit")
_NAME = re.compile(r"[^\W\d][\w.\-/]*\Z")
_QUOTED_UDF = re.compile(r'udf:"((?:[^"\\]|\\.)*)"\Z', re.DOTALL)


@dataclass(frozen=True)
class QueryStatement:
    """One query: the entity, a filter text, the columns and a row limit.

    ``where`` is filter-language text as written (``status != Complete``); ``select`` holds column
    names, a UDF as its column ``udf:Root Cause`` (``udf:"Root Cause"`` is accepted and stored
    unquoted); ``limit`` is a positive row count or None for all rows.
    """

    entity: str
    where: str | None = None
    select: tuple[str, ...] = ()
    limit: int | None = None

    def __post_init__(self) -> None:
        columns = tuple(_unquote_column(c) for c in self.select)
        object.__setattr__(self, "select", columns)
        if self.where is not None and not self.where.strip():
            object.__setattr__(self, "where", None)

    def to_text(self) -> str:
        """``Tickets where status != Complete select id, title limit 100``."""
        parts = [self.entity]
        if self.where:
            parts += ["where", self.where.strip()]
        if self.select:
            parts += ["select", ", ".join(_column_text(c) for c in self.select)]
        if self.limit is not None:
            parts += ["limit", str(self.limit)]
        return " ".join(parts)


def _unquote_column(column: str) -> str:
    quoted = _QUOTED_UDF.match(column)
    if quoted:
        return UDF_PREFIX + re.sub(r"\\(.)", r"\1", quoted.group(1), flags=re.DOTALL)
    return column


def _column_text(column: str) -> str:
    if column.startswith(UDF_PREFIX):
        name = column[len(UDF_PREFIX) :]
        if _NAME.match(name) and name.lower() not in _KEYWORDS:
            return column
        return UDF_PREFIX + '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return column


def _is_keyword(tokens: list[_Token], index: int, depth: int, first: int = 0) -> bool:
    """Whether ``tokens[index]`` is a clause keyword; ``tokens[:first]`` (the entity) are never
    operators, whatever they are called."""
    token = tokens[index]
    if depth or token.kind != "word" or token.text.lower() not in _KEYWORDS:
        return False
    before = tokens[index - 1] if index > first else None
    # right after an operator the word is a value (a label that happens to read 'limit')
    return not (
        before is not None
        and (before.kind == "op" or (before.kind == "word" and before.text.lower() in _WORD_OPS))
    )


def parse_statement(text: str) -> QueryStatement:
    """The statement in ``text``; ``FilterSyntaxError`` (with the position) when it cannot be read.

    The filter after ``where`` is parsed too (so its mistakes are found here), but kept as text.
    """
    if not isinstance(text, str):
        raise TypeError(f"the query text must be a str, got {type(text).__name__}")
    tokens = _tokens(text)
    first = tokens[0]
    if first.kind != "word" or first.text.lower() in _KEYWORDS:
        found = "the end of the text" if first.kind == "end" else repr(first.text)
        raise FilterSyntaxError(f"expected an entity name (such as Tickets), found {found}",
                                text, first.position)
    if tokens[1].kind not in ("end", "word"):
        raise FilterSyntaxError(
            f"expected 'where', 'select', 'limit' or the end after the entity {first.text!r}, "
            f"found {tokens[1].text!r}", text, tokens[1].position)

    # split the rest into clauses at top-level keywords
    clauses: dict[str, tuple[_Token, list[_Token]]] = {}
    current: list[_Token] | None = None
    depth = 0
    for index in range(1, len(tokens) - 1):
        token = tokens[index]
        if _is_keyword(tokens, index, depth, first=1):
            word = token.text.lower()
            if word in clauses:
                raise FilterSyntaxError(f"'{word}' is given twice", text, token.position)
            current = []
            clauses[word] = (token, current)
            continue
        if current is None:
            raise FilterSyntaxError(
                f"expected 'where', 'select', 'limit' or the end after the entity {first.text!r}, "
                f"found {token.text!r}", text, token.position)
        depth += {"lparen": 1, "rparen": -1}.get(token.kind, 0)
        depth = max(depth, 0)
        current.append(token)

    where = None
    if "where" in clauses:
        keyword, body = clauses["where"]
        where = _where_text(text, keyword, body)
    select: tuple[str, ...] = ()
    if "select" in clauses:
        select = _columns(text, *clauses["select"])
    limit = None
    if "limit" in clauses:
        limit = _limit(text, *clauses["limit"])
    return QueryStatement(first.text, where, select, limit)


def parse_columns(text: str) -> tuple[str, ...]:
    """The column list of ``select`` on its own (``id, title, udf:"Root Cause"``; the CLI's
    ``--fields``); ``FilterSyntaxError`` with the position when it cannot be read."""
    tokens = _tokens(text)[:-1]
    keyword = _Token("word", "", 0)
    return _columns(text, keyword, tokens)


def _end(token: _Token) -> int:
    return token.position + len(token.text)


def _where_text(text: str, keyword: _Token, body: list[_Token]) -> str:
    if not body:
        raise FilterSyntaxError("expected a filter after 'where'", text, _end(keyword) + 1)
    start, stop = body[0].position, _end(body[-1])
    where = text[start:stop]
    try:
        parse(where)
    except FilterSyntaxError as exc:  # the same mistake, placed in the whole statement
        raise FilterSyntaxError(exc.problem, text, start + exc.position) from None
    return where


def _columns(text: str, keyword: _Token, body: list[_Token]) -> tuple[str, ...]:
    columns: list[str] = []
    index = 0
    while True:
        token = body[index] if index < len(body) else None
        if token is None:
            where = _end(body[-1]) + 1 if body else _end(keyword) + 1
            after = " after ','" if body else (f" after '{keyword.text}'" if keyword.text else "")
            raise FilterSyntaxError("expected a column name" + after, text, where)
        if token.kind == "udf":
            name = body[index + 1] if index + 1 < len(body) else None
            if name is None or name.kind not in ("word", "quoted"):
                raise FilterSyntaxError(
                    "expected the UDF's name after 'udf:' (quote it if it has spaces)",
                    text, name.position if name else _end(token))
            value = name.value if name.kind == "quoted" else name.text
            if not value.strip():
                raise FilterSyntaxError("a UDF name cannot be empty", text, name.position)
            columns.append(UDF_PREFIX + value)
            index += 2
        elif token.kind == "word":
            columns.append(token.text)
            index += 1
        else:
            raise FilterSyntaxError(f"expected a column name, found {token.text!r}", text,
                                    token.position)
        if index == len(body):
            return tuple(columns)
        if body[index].kind != "comma":
            raise FilterSyntaxError(
                f"expected ',' between column names, found {body[index].text!r}", text,
                body[index].position)
        index += 1


def _limit(text: str, keyword: _Token, body: list[_Token]) -> int:
    if not body:
        raise FilterSyntaxError("expected a number after 'limit'", text, _end(keyword) + 1)
    token = body[0]
    if token.kind != "number" or not isinstance(token.value, int) or token.value < 1:
        raise FilterSyntaxError(f"the limit must be a positive whole number, found {token.text!r}",
                                text, token.position)
    if len(body) > 1:
        raise FilterSyntaxError(f"expected the end after 'limit {token.text}', found "
                                f"{body[1].text!r}", text, body[1].position)
    return token.value


def resolve_columns(
    columns: Sequence[str],
    fields: Sequence[FieldMetadata],
    udf_fields: Sequence[FieldMetadata] = (),
    *,
    entity: str = "the entity",
) -> tuple[str, ...]:
    """``columns`` in the metadata's spelling (``udf:<name>`` for UDFs), checked before any
    request: an unknown name is an ``AutotaskValidationError`` with "did you mean"."""
    by_name = {f.name.lower(): f.name for f in fields}
    by_name.setdefault("id", "id")
    udfs = {u.name.lower(): u.name for u in udf_fields}
    known = [*(f.name for f in fields), *(UDF_PREFIX + u.name for u in udf_fields)]
    out = []
    for column in columns:
        column = _unquote_column(column)
        if column.lower().startswith(UDF_PREFIX):
            name = udfs.get(column[len(UDF_PREFIX) :].lower())
            if name is None:
                raise AutotaskValidationError(_unknown(entity, column, known, "user-defined field"))
            out.append(UDF_PREFIX + name)
        else:
            found = by_name.get(column.lower())
            if found is None:
                raise AutotaskValidationError(_unknown(entity, column, known, "field"))
            out.append(found)
    return tuple(out)
