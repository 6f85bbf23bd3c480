"""``PushResult``: what a push did to each row, aligned to the pushed frame's rows.

One row per frame row, with the frame's index: ``df[result.status == "failed"]`` picks the rows
that did not land. Columns:

=========  =====================================================================================
id         the record's id (for a create: the new id once it landed)
action     ``update``, ``create``, ``delete`` or ``none`` (nothing to send for this row)
status     ``ok``        landed
           ``unchanged`` nothing to send for this row (action ``none``): ``(result.status ==
                         "ok").sum()`` counts only the rows that landed
           ``pending``   dry run: would be sent as shown in ``body``
           ``invalid``   refused before any request (see ``message`` and ``result.problems``)
           ``conflict``  an edited field moved on the server since the pull; not sent
           ``skipped``   not sent by choice: ``create=False``, or the push stopped on conflicts
           ``failed``    the server refused it (``message`` holds its words) or it could not be sent
           ``uncertain`` a create was sent and no answer came back: it may exist now
fields     the fields sent (or that would be), in frame column names
message    the server's error text, or why the row was not sent
request    the request line, e.g. ``PATCH Tickets`` or ``POST Companies/12/Contacts``
body       the JSON body sent (or that would be)
=========  =====================================================================================

Deletes are records the frame no longer holds, so they cannot be aligned to its rows: they are in
``result.deletes`` (same columns, one row per deleted id). ``result.problems`` holds every
validation problem (``df.autotask.validate()``'s frame) and ``result.conflicts`` one row per
conflicting cell (id, field, pulled, server, yours).

Only the result itself is a ``PushResult``: frames derived from it (filters, copies) are plain
DataFrames.
"""

from __future__ import annotations

import html
import json
from typing import Any, ClassVar

import pandas as pd

__all__ = ["ACTIONS", "RESULT_COLUMNS", "STATUSES", "PushResult", "empty_result"]

ACTIONS = ("update", "create", "delete", "none")
STATUSES = ("ok", "unchanged", "pending", "invalid", "conflict", "skipped", "failed", "uncertain")
RESULT_COLUMNS = ("id", "action", "status", "fields", "message", "request", "body")
_NOT_OK = ("invalid", "conflict", "skipped", "failed", "uncertain")
_SHOWN_FAILURES = 20


def empty_result(index: pd.Index | None = None) -> pd.DataFrame:
    """A result frame with no rows (or with ``index`` and nothing sent)."""
    n = 0 if index is None else len(index)
    return pd.DataFrame(
        {
            "id": pd.array([None] * n, dtype="Int64"),
            "action": pd.array(["none"] * n, dtype="string"),
            "status": pd.array(["unchanged"] * n, dtype="string"),
            "fields": pd.Series([()] * n, dtype=object),
            "message": pd.array([None] * n, dtype="string"),
            "request": pd.array([None] * n, dtype="string"),
            "body": pd.Series([None] * n, dtype=object),
        },
        index=index if index is not None else pd.RangeIndex(0),
    )


class PushResult(pd.DataFrame):
    """The per-row outcome of ``df.autotask.push()`` (see the module docstring)."""

    _metadata: ClassVar[list[str]] = [
        "entity",
        "dry_run",
        "deletes",
        "problems",
        "conflicts",
        "notes",
    ]
    entity: str | None = None
    dry_run: bool = False
    deletes: pd.DataFrame | None = None
    problems: pd.DataFrame | None = None
    conflicts: pd.DataFrame | None = None
    notes: list[str] | None = None

    @property
    def _constructor(self) -> type[pd.DataFrame]:
        # Frames derived from a result are plain frames: their rows are no longer "the push".
        return pd.DataFrame

    @classmethod
    def build(
        cls,
        frame: pd.DataFrame,
        *,
        entity: str,
        dry_run: bool,
        deletes: pd.DataFrame,
        problems: pd.DataFrame,
        conflicts: pd.DataFrame,
        notes: list[str] | None = None,
    ) -> PushResult:
        result = cls(frame)
        result.entity = entity
        result.dry_run = dry_run
        result.deletes = deletes
        result.problems = problems
        result.conflicts = conflicts
        result.notes = list(notes or [])
        return result

    # -- summaries --------------------------------------------------------------------------

    def _all(self) -> pd.DataFrame:
        frames = [pd.DataFrame(self)]
        if self.deletes is not None and len(self.deletes):
            frames.append(self.deletes)
        return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]

    def counts(self) -> pd.DataFrame:
        """Rows per action and status (deletes included)."""
        every = self._all()
        if every.empty:
            return pd.DataFrame(columns=list(STATUSES), dtype="int64")
        table = pd.crosstab(every["action"].astype(str), every["status"].astype(str))
        table = table.reindex(
            index=[a for a in ACTIONS if a in table.index],
            columns=[s for s in STATUSES if s in table.columns],
        )
        table.index.name = "action"
        table.columns.name = "status"
        return table

    @property
    def ok(self) -> bool:
        """True when every row landed or was unchanged (a dry run is never ok)."""
        every = self._all()
        return not self.dry_run and not every["status"].isin(_NOT_OK).any()

    def failures(self) -> pd.DataFrame:
        """The rows (and deletes) that did not land, with their messages."""
        every = [pd.DataFrame(self)]
        if self.deletes is not None and len(self.deletes):
            every.append(self.deletes)
        return pd.concat(
            [f[f["status"].isin(_NOT_OK)] for f in every if len(f)] or [empty_result()]
        )

    def summary(self) -> str:
        """One line: what was (or would be) sent and how it went."""
        every = self._all()
        sent = every[every["action"] != "none"]
        parts = []
        for action in ("update", "create", "delete"):
            rows = sent[sent["action"] == action]
            if len(rows):
                by_status = rows["status"].value_counts()
                detail = ", ".join(
                    f"{int(by_status[s]):,} {s}" for s in STATUSES if s in by_status.index
                )
                parts.append(f"{len(rows):,} {action}{'s' if len(rows) != 1 else ''} ({detail})")
        unchanged = int((every["action"] == "none").sum())
        head = f"{'Dry run' if self.dry_run else 'Push'} to {self.entity or '?'}: "
        if not parts:
            line = head + f"nothing to send ({unchanged:,} rows unchanged)"
        else:
            line = head + "; ".join(parts) + f"; {unchanged:,} rows unchanged"
        unsent = self._unsent_columns()
        if unsent:  # an edit in such a column is not sent: never let that pass unsaid
            names = ", ".join(map(repr, unsent[:5])) + (" …" if len(unsent) > 5 else "")
            line += f"; columns not pushed: {names} (see result.problems)"
        return line

    def _unsent_columns(self) -> list[str]:
        problems = self.problems
        if problems is None or problems.empty or "severity" not in problems.columns:
            return []
        warnings = problems[(problems["severity"] == "warning") & problems["field"].notna()]
        return list(dict.fromkeys(str(f) for f in warnings["field"]))

    def requests_text(self, limit: int | None = _SHOWN_FAILURES) -> str:
        """Each request a dry run would send (or a push sent), one a line: the request line and
        the exact JSON body, in row order, deletes last; at most ``limit`` lines (None: all)."""
        rows = self[self["request"].notna()]
        lines = [
            f"{request} {json.dumps(body, ensure_ascii=False, default=str)}"
            if body is not None
            else str(request)
            for request, body in zip(rows["request"], rows["body"], strict=True)
        ]
        if self.deletes is not None and len(self.deletes):
            lines.extend(str(r) for r in self.deletes["request"].dropna())
        if limit is not None and len(lines) > limit:
            more = len(lines) - limit
            lines = [*lines[:limit], f"… and {more:,} more: print(result.requests_text(None))"]
        return "\n".join(lines)

    def __repr__(self) -> str:
        text = self.summary()
        if self.dry_run and len(self) + len(self.deletes if self.deletes is not None else ()):
            sent = self.requests_text()
            if sent:
                text += "\nWould send:\n" + sent
        return text + "\n" + super().__repr__()

    def _repr_html_(self) -> str:
        parts = [f"<p><b>{html.escape(self.summary())}</b></p>"]
        counts = self.counts()
        if len(counts):
            parts.append(counts.to_html())
        for note in self.notes or ():
            parts.append(f"<p>{html.escape(note)}</p>")
        failures = self.failures()
        if len(failures):
            shown = failures.head(_SHOWN_FAILURES)[["id", "action", "status", "message"]]
            more = len(failures) - len(shown)
            parts.append(f"<p>Not landed ({len(failures):,}):</p>")
            parts.append(shown.to_html(na_rep=""))
            if more > 0:
                parts.append(f"<p>… and {more:,} more: <code>result.failures()</code></p>")
        if self.dry_run:
            sent = self.requests_text()
            if sent:
                parts.append("<p>Would send (request line and exact body):</p>")
                parts.append(f"<pre>{html.escape(sent)}</pre>")
        return "<div>" + "\n".join(parts) + "</div>"


def _text(value: Any) -> str:
    return "" if value is None else str(value)
