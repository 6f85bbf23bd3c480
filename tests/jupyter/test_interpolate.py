"""``{python_variable}`` in ``%autotask`` lines: values become literals of the filter language,
never raw text (hypothesis: any string stays exactly one value), and the line's other parts.
"""

from __future__ import annotations

import datetime as dt
import decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from IPython.core.error import UsageError

from autotask_pandas.jupyter.arguments import parse_line
from autotask_pandas.jupyter.interpolate import InterpolationError, interpolate
from autotask_pandas.query import parse
from autotask_pandas.types import FilterOperation, QueryFilter


@pytest.mark.parametrize(
    ("text", "namespace", "expected"),
    [
        ("status = {s}", {"s": "Waiting Customer"}, 'status = "Waiting Customer"'),
        ("id in {ids}", {"ids": [1, 2, np.int64(3)]}, "id in (1, 2, 3)"),
        ("id in {ids}", {"ids": pd.Series([4, 5])}, "id in (4, 5)"),
        ("id in {ids}", {"ids": np.array([6])}, "id in (6)"),
        ("d >= {d}", {"d": dt.date(2026, 1, 1)}, "d >= 2026-01-01"),
        ("d < {t}", {"t": pd.Timestamp("2026-01-01 09:30", tz="UTC")},
         "d < 2026-01-01T09:30:00+00:00"),
        ("x = {b} and y = {f} and z = {m}", {"b": False, "f": 2.5, "m": decimal.Decimal("1.10")},
         "x = false and y = 2.5 and z = 1.10"),
        ('title contains "{w} disk"', {"w": 'a "b'}, 'title contains "a \\"b disk"'),
        ("title contains '{w}'", {"w": "it's"}, "title contains 'it\\'s'"),
        ("a = {o.real}", {"o": 7}, "a = 7"),
        ("a = {{literal}}", {}, "a = {literal}"),
        ("a = {1 + 1}", {}, "a = {1 + 1}"),  # not a name: left alone, nothing evaluated
    ],
)
def test_values_become_literals(text: str, namespace: dict[str, object], expected: str) -> None:
    assert interpolate(text, namespace) == expected


@pytest.mark.parametrize(
    ("value", "words"),
    [(None, "is None"), ([], "empty list"), (float("nan"), "cannot hold"), (object(), "object"),
     (pd.NaT, "NaT")],
)
def test_values_a_filter_cannot_hold(value: object, words: str) -> None:
    with pytest.raises(InterpolationError, match=words):
        interpolate("a = {v}", {"v": value})


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00")))
def test_any_string_is_exactly_one_value(value: str) -> None:
    for text in ("title = {v}", 'title contains "{v}"', "title contains '{v}'"):
        parsed = parse(interpolate(text, {"v": value}))
        op = FilterOperation.EQ if "=" in text else FilterOperation.CONTAINS
        assert parsed == [QueryFilter(field="title", op=op, value=value)]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.integers(), st.text(max_size=20)), min_size=1, max_size=8))
def test_any_list_is_one_in_list(values: list[object]) -> None:
    parsed = parse(interpolate("id in {v}", {"v": values}))
    assert parsed == [QueryFilter(field="id", op=FilterOperation.IN, value=tuple(values))]


def test_the_line_options_and_commands() -> None:
    line = parse_line("t << --labels --tz=Europe/Paris --no-progress Tickets where a = {x}")
    assert (line.command, line.options.out, line.options.labels, line.options.tz) == (
        "query", "t", True, "Europe/Paris"
    )
    assert line.options.progress is False and line.text == "Tickets where a = {x}"
    cell = parse_line("-o open --lazy", "Tickets\nwhere a = 1\n")
    assert cell.options.out == "open" and cell.options.lazy and cell.text == "Tickets\nwhere a = 1"
    push = parse_line("push df --dry-run --conflicts=overwrite")
    assert (push.args.frame, push.args.dry_run, push.args.conflicts) == ("df", True, "overwrite")
    connect = parse_line("connect --sandbox --scale 0.5 --seed 3")
    assert (connect.args.sandbox, connect.args.scale, connect.args.seed) == (True, 0.5, 3)
    assert parse_line("count --labels Tickets").text == "Tickets"
    for bad, words in [("", "needs a query"), ("--nope Tickets", "unknown option"),
                       ("push 1x", "Python variable name"), ("connect --scale x", "invalid float"),
                       ("-o", "needs a value"), ("push df --conflicts=maybe", "invalid choice")]:
        with pytest.raises(UsageError, match=words):
            parse_line(bad)
