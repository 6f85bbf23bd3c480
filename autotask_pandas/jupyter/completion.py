"""Tab completion of ``%autotask`` lines (IPython's matcher API v2, ``context_matcher``).

    %autotask Tic<TAB>                         Tickets, TicketNotes, ... (and the commands)
    %autotask Tickets where sta<TAB>           status, ...   (after where / select / and / or / ,)
    %autotask Tickets select id, udf:<TAB>     udf:"Root Cause", ...
    %autotask Tickets where status = <TAB>     New, "In Progress", Complete, ...
    %autotask Tickets where priority in (Hi<TAB>

Entity names come from the catalog (no request); fields, UDFs and picklist labels from the
client's metadata cache: the first completion for an entity reads its metadata once (as the
first query would), later keystrokes send nothing. ``candidates`` is the whole logic, a pure
function of the text before the cursor; ``autotask_matcher`` adapts it to IPython.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from IPython.core.completer import CompletionContext, SimpleCompletion, context_matcher

from autotask_pandas.catalog import load_catalog
from autotask_pandas.query.language import _RESERVED, _WORD_OPS, FilterSyntaxError, _tokens
from autotask_pandas.query.statement import _is_keyword
from autotask_pandas.types import FieldMetadata

__all__ = ["MATCHER_ID", "Completions", "candidates", "make_matcher"]

MATCHER_ID = "autotask_pandas"  # IPython's identifier of the matcher (Completer.disable_matchers)

# untyped in IPython 8, typed later: through Any, strict mypy accepts both
_context_matcher: Any = context_matcher

Metadata = Callable[[str], tuple[Sequence[FieldMetadata], Sequence[FieldMetadata]]]

_MAGIC_LINE = re.compile(r"(?:^|[=\s(])%autotask(?=\s)")
_COMMANDS = ("count", "entities", "fields", "push", "threshold", "connect")
_OPTIONS_WITH_VALUE = ("-o", "--out", "--tz")
_BARE = re.compile(r"[^\W\d][\w.\-/]*\Z")
_COMPARISONS = {"=", "==", "!=", "<>", ">", ">=", "<", "<=", *_WORD_OPS}


@dataclass(frozen=True)
class Completions:
    """What to offer: ``fragment`` (the text before the cursor to replace) and (text, kind)s."""

    fragment: str
    items: tuple[tuple[str, str], ...]


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _label_text(label: str) -> str:
    return label if _BARE.match(label) and label.lower() not in _RESERVED else _quoted(label)


def _matching(fragment: str, texts: Sequence[str], kind: str) -> list[tuple[str, str]]:
    """``texts`` that start with ``fragment`` ignoring case (and quotes: ``Wait`` finds
    ``"Waiting Customer"``; ``udf:Ro`` finds ``udf:"Root Cause"``)."""
    wanted = fragment.casefold()
    bare_wanted = wanted.replace('"', "").replace("'", "")
    out = []
    for text in texts:
        folded = text.casefold()
        if folded.startswith(wanted) or folded.replace('"', "").startswith(bare_wanted):
            out.append((text, kind))
    return out


def _split_fragment(body: str) -> tuple[str, str]:
    """(the text before the word being typed, that word); an open quote starts the word."""
    quote_at = None
    i = 0
    while i < len(body):
        char = body[i]
        if quote_at is not None:
            if char == "\\":
                i += 2
                continue
            if char == body[quote_at]:
                quote_at = None
        elif char in "\"'":
            quote_at = i
        i += 1
    if quote_at is not None:
        start = quote_at
        if body[:start].endswith("udf:"):
            start -= 4
        return body[:start], body[start:]
    found = re.search(r"(?:udf:)?[\w.\-/]*\Z", body)
    start = found.start() if found else len(body)
    return body[:start], body[start:]


def _strip_options(body: str) -> str | None:
    """The line after ``name <<`` and leading options; None while an option is being typed."""
    body = re.sub(r"^\s*[A-Za-z_]\w*\s*<<", "", body)
    while True:
        found = re.match(r"\s*(\S+)(\s|$)", body)
        if found is None or not found.group(1).startswith("-"):
            return body.lstrip()
        if not found.group(2):
            return None  # still typing the option
        body = body[found.end() :]
        if found.group(1) in _OPTIONS_WITH_VALUE:
            value = re.match(r"\s*\S+(\s|$)", body)
            if value is None or not value.group(1):
                return None
            body = body[value.end() :]


def candidates(before: str, metadata: Metadata) -> Completions | None:
    """What to offer with the cursor after ``before`` (the magic's text up to the cursor, from
    just after ``%autotask``); None when there is nothing of ours to complete."""
    body = _strip_options(before)
    if body is None:
        return None
    head, fragment = _split_fragment(body)
    words = head.split()
    entities = [info.name for info in load_catalog()]
    if not words:
        return Completions(
            fragment,
            tuple(_matching(fragment, _COMMANDS, "command") + _matching(fragment, entities, "entity")),
        )
    first = words[0].lower()
    if first in ("count", "fields"):
        rest = body[body.lower().index(first) + len(first) :]
        if first == "count":
            return candidates(rest, metadata)
        if rest[: len(rest) - len(fragment)].strip():
            return None
        return Completions(fragment, tuple(_matching(fragment, entities, "entity")))
    if first in _COMMANDS:
        return None
    entity = load_catalog().get(words[0])
    if entity is None:
        return None
    return _in_statement(head[head.index(words[0]) + len(words[0]) :], fragment, entity.name,
                         metadata)


def _in_statement(head: str, fragment: str, entity: str, metadata: Metadata) -> Completions | None:
    try:
        tokens = _tokens(head)[:-1]  # without the end token
    except FilterSyntaxError:
        return None
    keywords = [i for i in range(len(tokens)) if _is_keyword(tokens, i, _depth(tokens, i))]
    clause = tokens[keywords[-1]].text.lower() if keywords else None
    last = tokens[-1] if tokens else None

    def fields() -> list[tuple[str, str]]:
        entity_fields, udfs = metadata(entity)
        names = [f.name for f in entity_fields if f.is_queryable or clause == "select"]
        udf_names = ["udf:" + _quoted(u.name) for u in udfs]
        return _matching(fragment, names, "field") + _matching(fragment, udf_names, "udf")

    def keywords_after() -> list[tuple[str, str]]:
        used = {tokens[i].text.lower() for i in keywords}
        offered = [w for w in ("where", "select", "limit") if w not in used]
        if clause == "where":
            offered = ["and", "or", *offered]
        return _matching(fragment, offered, "keyword")

    if clause is None:
        return Completions(fragment, tuple(keywords_after()))
    if clause == "limit":
        return None
    if last is None:
        return None
    if clause == "select":
        if last.kind == "comma" or last.text.lower() == "select":
            return Completions(fragment, tuple(fields()))
        return Completions(fragment, tuple(keywords_after()))
    # where: after where / and / or / '(' a field; after an operator or in a list a value
    word = last.text.lower() if last.kind == "word" else ""
    if word in ("where", "and", "or", "not") or (last.kind == "lparen" and not _in_list(tokens)):
        return Completions(fragment, tuple(fields()))
    field = _compared_field(tokens)
    if field is not None:
        return Completions(fragment, tuple(_values(field, entity, fragment, metadata)))
    if last.kind in ("quoted", "number", "datetime", "word", "rparen"):
        return Completions(fragment, tuple(keywords_after()))
    return None


def _depth(tokens: Sequence[Any], index: int) -> int:
    depth = 0
    for token in tokens[:index]:
        depth += {"lparen": 1, "rparen": -1}.get(token.kind, 0)
    return max(depth, 0)


def _in_list(tokens: Sequence[Any]) -> bool:
    """The last '(' opens an ``in`` list."""
    before = tokens[-2] if len(tokens) > 1 else None
    return before is not None and before.kind == "word" and before.text.lower() == "in"


def _field_before(tokens: Sequence[Any], index: int) -> tuple[str, bool] | None:
    """The field written just before ``tokens[index]`` (``status``, ``udf:"Root Cause"``)."""
    if index < 0:
        return None
    token = tokens[index]
    if token.kind == "quoted" and index > 0 and tokens[index - 1].kind == "udf":
        return token.value, True
    if token.kind == "word":
        udf = index > 0 and tokens[index - 1].kind == "udf"
        return token.text, udf
    return None


def _compared_field(tokens: Sequence[Any]) -> tuple[str, bool] | None:
    """The field whose value comes next: after ``field op`` or inside ``field [not] in (...,``."""
    last = tokens[-1]
    if last.kind == "op" or (last.kind == "word" and last.text.lower() in _COMPARISONS):
        return _field_before(tokens, len(tokens) - 2)
    if last.kind in ("lparen", "comma"):
        index = len(tokens) - 1
        while index >= 0 and tokens[index].kind != "lparen":
            index -= 1
        if index >= 1 and tokens[index - 1].kind == "word" and tokens[index - 1].text.lower() == "in":
            at = index - 2
            if at >= 0 and tokens[at].kind == "word" and tokens[at].text.lower() == "not":
                at -= 1
            return _field_before(tokens, at)
    return None


def _values(
    field: tuple[str, bool], entity: str, fragment: str, metadata: Metadata
) -> list[tuple[str, str]]:
    from autotask_pandas.query.picklists import picklist_maps

    name, udf = field
    entity_fields, udfs = metadata(entity)
    pool = udfs if udf else entity_fields
    meta = next((f for f in pool if f.name.lower() == name.lower()), None)
    if meta is None:
        return []
    if meta.is_picklist and meta.picklist_values:
        labels = [_label_text(label) for label in picklist_maps(meta).labels]
        return _matching(fragment, labels, "label")
    if (meta.data_type or "").lower() == "boolean":
        return _matching(fragment, ["true", "false"], "value")
    return []


def _magic_text(context: CompletionContext) -> str | None:
    """The text after ``%autotask``/``%%autotask`` up to the cursor, or None if not ours."""
    lines = context.full_text.split("\n")
    current = lines[context.cursor_line][: context.cursor_position]
    if lines[0].startswith("%%autotask"):
        text = "\n".join([*lines[: context.cursor_line], current])
        if not re.match(r"%%autotask\s", text):
            return None  # the magic's name is being typed
        return text[len("%%autotask") :]
    found = None
    for found in _MAGIC_LINE.finditer(current):
        pass
    return None if found is None else current[found.end() :]


def make_matcher(metadata: Callable[[], Metadata]) -> Any:
    """The IPython matcher; ``metadata()`` gives the lookup of the current client's metadata."""

    def autotask_matcher(context: CompletionContext) -> dict[str, Any]:
        try:
            text = _magic_text(context)
            found = candidates(text, metadata()) if text is not None else None
        except Exception:  # noqa: BLE001 - a completer must never break typing
            found = None
        if found is None:
            return {"completions": [], "suppress": False}
        return {
            "completions": [SimpleCompletion(t, type=kind) for t, kind in found.items],
            "matched_fragment": found.fragment,
            "suppress": True,
            "ordered": True,  # ours: commands first, labels in the picklist's order
        }

    return _context_matcher(identifier=MATCHER_ID)(autotask_matcher)
