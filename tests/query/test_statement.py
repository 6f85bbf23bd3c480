"""The statement grammar of ``%autotask``: ``Entity [where ...] [select ...] [limit N]``.

Keywords are found with the filter language's tokenizer: never inside quotes or parentheses, never
as the value right after an operator; mistakes carry their position in the whole statement.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autotask_pandas.query import FilterSyntaxError, QueryStatement, parse_statement


def test_the_example_of_the_issue() -> None:
    text = "Tickets where status != Complete select id, title, status limit 100"
    statement = parse_statement(text)
    assert statement == QueryStatement(
        "Tickets", "status != Complete", ("id", "title", "status"), 100
    )
    assert statement.to_text() == text


def test_the_entity_alone_and_keywords_in_any_case_and_order() -> None:
    assert parse_statement("Tickets") == QueryStatement("Tickets")
    assert parse_statement("  Companies  ") == QueryStatement("Companies")
    assert parse_statement("Tickets LIMIT 5 Select id WHERE priority = 1") == QueryStatement(
        "Tickets", "priority = 1", ("id",), 5
    )


def test_keywords_are_not_matched_in_quotes_parentheses_or_as_values() -> None:
    text = (
        'Tickets where (title contains "select x limit 3" or status in (limit, select)) '
        "and description contains where select id"
    )
    statement = parse_statement(text)
    assert statement.where == (
        '(title contains "select x limit 3" or status in (limit, select)) '
        "and description contains where"
    )
    assert statement.select == ("id",)
    assert statement.limit is None
    assert parse_statement("Tickets where title = limit limit 2") == QueryStatement(
        "Tickets", "title = limit", (), 2
    )
    assert parse_statement("Tickets where title eq select").where == "title eq select"


def test_udf_columns_are_held_as_their_column_names() -> None:
    statement = parse_statement('Tickets select id, udf:"Root Cause", udf:Seats')
    assert statement.select == ("id", "udf:Root Cause", "udf:Seats")
    assert statement.to_text() == 'Tickets select id, udf:"Root Cause", udf:Seats'
    # the quoted spelling is accepted by the constructor too, and means the same column
    assert QueryStatement("Tickets", select=('udf:"Root Cause"',)) == QueryStatement(
        "Tickets", select=("udf:Root Cause",)
    )


def test_an_entity_named_like_an_operator_is_still_followed_by_keywords() -> None:
    """Found by hypothesis: after ``EQ`` (the entity), ``limit`` is the keyword, not a value."""
    assert parse_statement("EQ limit 1") == QueryStatement("EQ", limit=1)
    assert parse_statement("Contains where a = 1") == QueryStatement("Contains", "a = 1")


def test_a_multi_line_cell_is_one_statement() -> None:
    text = "Tickets\nwhere status != Complete\n  and priority in (1, 2)\nselect id, title\nlimit 10"
    statement = parse_statement(text)
    assert statement.where == "status != Complete\n  and priority in (1, 2)"
    assert statement.limit == 10
    assert parse_statement(statement.to_text()) == statement


@pytest.mark.parametrize(
    ("text", "position", "words"),
    [
        ("", 0, "expected an entity name"),
        ("where status = 1", 0, "expected an entity name"),
        ("Tickets where", 13, "expected a filter after 'where'"),
        ("Tickets where status ~ 1", 21, "unexpected character"),
        ("Tickets where status = New and", 30, "expected a field name"),
        ("Tickets where (status = 1 select id", 26, "expected ')'"),
        ("Tickets select", 14, "expected a column name"),
        ("Tickets select id title", 18, "expected ','"),
        ("Tickets select id, udf:", 23, "UDF's name"),
        ("Tickets limit", 13, "expected a number"),
        ("Tickets limit 0", 14, "positive whole number"),
        ("Tickets limit 2.5", 14, "positive whole number"),
        ("Tickets limit 5 6", 16, "expected the end"),
        ("Tickets where a = 1 where b = 2", 20, "given twice"),
        ("Tickets status = 1", 8, "expected 'where', 'select', 'limit'"),
        ('Tickets where title = "open', 22, "unterminated"),
    ],
)
def test_mistakes_name_the_position_in_the_whole_statement(
    text: str, position: int, words: str
) -> None:
    with pytest.raises(FilterSyntaxError) as caught:
        parse_statement(text)
    assert caught.value.position == position
    assert words in str(caught.value)
    assert caught.value.text == text
    assert "^" in str(caught.value)


_names = st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,8}", fullmatch=True).filter(
    lambda n: n.lower() not in {"where", "select", "limit", "and", "or", "not", "udf"}
)
_udfs = st.text(st.characters(codec="ascii", exclude_characters="\r\n\x00"), min_size=1,
                max_size=12).filter(str.strip)
_wheres = st.sampled_from([
    None, "status != Complete", 'title contains "select"', "(a = 1 or b in (2, 3)) and c exists",
    "createDate >= 2026-01-01T09:00:00Z", 'udf:"Root Cause" = "limit"',
])


@settings(max_examples=150, deadline=None)
@given(
    entity=_names,
    where=_wheres,
    select=st.lists(st.one_of(_names, _udfs.map(lambda u: "udf:" + u)), max_size=4),
    limit=st.none() | st.integers(1, 10**6),
)
def test_to_text_reads_back(
    entity: str, where: str | None, select: list[str], limit: int | None
) -> None:
    statement = QueryStatement(entity, where, tuple(select), limit)
    assert parse_statement(statement.to_text()) == statement
