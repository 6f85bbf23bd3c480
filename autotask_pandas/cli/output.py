"""Printing rows, records and per-item results as a table, JSON, JSON lines or CSV."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TextIO

__all__ = ["FORMATS", "cell", "print_record", "print_rows", "print_table"]

FORMATS = ("table", "json", "jsonl", "csv")
_MAX_CELL = 60


def cell(value: Any) -> str:
    """A value as text: nothing for null, compact JSON for lists and objects."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, separators=(",", ":"), default=str)
    return str(value)


def _short(text: str) -> str:
    text = " ".join(text.split())  # one row per line, whatever the data holds
    return text if len(text) <= _MAX_CELL else text[: _MAX_CELL - 1] + "…"


def columns_of(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    return list(dict.fromkeys(key for row in rows for key in row))


def print_table(
    rows: Sequence[Sequence[Any]], headers: Sequence[str], out: TextIO, *, full_last: bool = False
) -> None:
    """Aligned columns; cells are shortened to one line of 60 characters, except the last
    column's when ``full_last`` (e.g. an error message, whose point is at its end)."""
    last = len(headers) - 1
    text = [
        [
            (" ".join(cell(v).split()) if full_last and i == last else _short(cell(v)))
            for i, v in enumerate(row)
        ]
        for row in rows
    ]
    widths = [len(h) for h in headers]
    for row in text:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    if full_last and widths:
        widths[last] = len(headers[last])
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip(), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for row in text:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip(), file=out)


def print_rows(
    rows: Sequence[Mapping[str, Any]], fmt: str, out: TextIO, columns: Sequence[str] | None = None
) -> None:
    """Records as a table, a JSON array or CSV (columns: given, else every key seen)."""
    cols = list(columns) if columns is not None else columns_of(rows)
    if fmt in ("json", "jsonl"):
        data = [{c: row.get(c) for c in cols if c in row} for row in rows] if columns else rows
        if fmt == "json":
            print(json.dumps(list(data), indent=2, default=str), file=out)
        else:  # one record a line, for jq and streaming tools
            for row in data:
                print(json.dumps(row, default=str), file=out)
    elif fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(cols)
        for row in rows:
            writer.writerow([cell(row.get(c)) for c in cols])
    else:
        print_table([[row.get(c) for c in cols] for row in rows], cols, out)


def print_record(record: Mapping[str, Any], fmt: str, out: TextIO) -> None:
    """One record: a field/value table (every field, nothing shortened; a value of several lines
    goes on under its first, so no line of it reads as a field), JSON, one JSON line or CSV."""
    if fmt == "json":
        print(json.dumps(record, indent=2, default=str), file=out)
    elif fmt == "jsonl":
        print(json.dumps(record, default=str), file=out)
    elif fmt == "csv":
        print_rows([record], "csv", out)
    else:
        width = max((len(k) for k in record), default=0)
        under = "\n" + " " * (width + 2)
        for key, value in record.items():
            text = under.join(line.rstrip() for line in cell(value).splitlines())
            print(f"{key.ljust(width)}  {text}".rstrip(), file=out)
