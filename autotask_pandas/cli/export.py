"""``autotask export``: every matching record of an entity into one file, page by page.

Goes through the frames ``Query`` (typed columns, UDFs as ``udf:<name>``, picklist values or with
``--labels`` their labels): Parquet with ``Query.to_parquet`` (a row group a page), CSV and JSONL
with ``Query.pages``: pulled over id ranges with up to the thread limit in flight, in ascending
id, so memory holds a few pages whatever the size. The progress bar (rows of the server's count)
goes to stderr; ``TQDM_DISABLE=1`` hides it.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from autotask_pandas.cli.filters import resolve_filters
from autotask_pandas.frames.lazy import Query
from autotask_pandas.frames.progress import make_bar

__all__ = ["EXPORT_FORMATS", "cmd_export", "export_format"]

EXPORT_FORMATS = ("parquet", "csv", "jsonl")
_SUFFIXES = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".jsonl": "jsonl"}


def export_format(fmt: str | None, out: str) -> str:
    """``--format``, or the one ``--out``'s suffix names; raises ValueError naming both."""
    if fmt is not None:
        return fmt
    found = _SUFFIXES.get(Path(out).suffix.lower())
    if found is None:
        raise ValueError(
            f"--out {out}: cannot tell the format from the suffix; add --format parquet|csv|jsonl"
        )
    return found


def cmd_export(args: argparse.Namespace, client: Any, out: TextIO, err: TextIO) -> int:
    """Write the file, then one line on ``err``: rows written, entity, path."""
    filters = resolve_filters(client, args.entity, args.filters)  # checked before any page
    query = Query(client, args.entity, where=filters or None, labels=args.labels)
    if args.fields:
        query = query.select(args.fields)
    path = Path(args.out)
    if args.export_format == "parquet":
        query.to_parquet(path, progress=True)
        import pyarrow.parquet as pq

        rows = int(pq.ParquetFile(path).metadata.num_rows)
    else:
        rows = _write_text(query, path, args.export_format)
    print(f"exported {rows:,} {args.entity} to {path} ({args.export_format})", file=err)
    return 0


def _write_text(query: Query, path: Path, fmt: str) -> int:
    bar = make_bar(True, total=len(query), desc=query.entity)
    rows = 0
    try:
        with path.open("w", encoding="utf-8", newline="") as handle:
            for chunk in query.pages(pushable=False):
                if fmt == "csv":
                    chunk.to_csv(handle, index=False, header=rows == 0)
                elif len(chunk):
                    text = chunk.to_json(orient="records", lines=True, date_format="iso")
                    handle.write(text if text.endswith("\n") else text + "\n")
                rows += len(chunk)
                if bar is not None:
                    bar.update(len(chunk))
            if rows == 0 and fmt == "csv":  # no rows: still the header, so a reader sees columns
                handle.write(",".join(map(str, query.head(0).columns)) + "\n")
    finally:
        if bar is not None:
            bar.close()
    return rows
