"""The filter language: parsing, printing (round trips, with hypothesis), errors with a caret, and
resolution of field names and picklist labels against metadata (the sandbox's, and made-up)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autotask_pandas import AutotaskClient
from autotask_pandas.exceptions import AutotaskValidationError
from autotask_pandas.query import FilterSyntaxError, Label, parse, resolve, to_text
from autotask_pandas.query.language import _RESERVED  # names the printer must quote
from autotask_pandas.types import FieldMetadata, FilterOperation, GroupOperation, QueryFilter


def cond(field: str, op: str, value: object = None, udf: bool = False) -> QueryFilter:
    return QueryFilter(field=field, op=op, value=value, udf=udf)


# -- parsing ------------------------------------------------------------------------------------


def test_the_example_of_the_brief() -> None:
    text = (
        "status != Complete and createDate >= 2026-01-01 and "
        '(priority in (1, 2) or title contains "VPN")'
    )
    assert parse(text) == [
        cond("status", "noteq", Label("Complete")),
        cond("createDate", "gte", dt.date(2026, 1, 1)),
        QueryFilter.or_(cond("priority", "in", (1, 2)), cond("title", "contains", "VPN")),
    ]
    assert isinstance(parse(text)[0].value, Label)


@pytest.mark.parametrize(
    ("text", "op", "value"),
    [
        ("a = 1", "eq", 1),
        ("a == 1", "eq", 1),
        ("a != 1", "noteq", 1),
        ("a <> 1", "noteq", 1),
        ("a > 1", "gt", 1),
        ("a >= 1", "gte", 1),
        ("a < 1", "lt", 1),
        ("a <= 1", "lte", 1),
        ("a contains 'x'", "contains", "x"),
        ("a CONTAINS 'x'", "contains", "x"),
        ("a beginsWith 'x'", "beginsWith", "x"),
        ("a BEGINSWITH 'x'", "beginsWith", "x"),
        ('a endswith "x"', "endsWith", "x"),
        ("a eq 1", "eq", 1),
        ("a noteq 1", "noteq", 1),
        ("a gte -2.5", "gte", -2.5),
        ("a in (1, 'two', Three)", "in", (1, "two", "Three")),
        ("a not in (1,2)", "notIn", (1, 2)),
        ("a NOT IN (1)", "notIn", (1,)),
        ("a exists", "exist", None),
        ("a exist", "exist", None),
        ("a not exists", "notExist", None),
        ("a is null", "notExist", None),
        ("a IS NOT NULL", "exist", None),
        ("a = true", "eq", True),
        ("a = FALSE", "eq", False),
        ("a = 1e3", "eq", 1000.0),
        ("a = 'it\\'s'", "eq", "it's"),
        ('a = "say \\"hi\\""', "eq", 'say "hi"'),
        ("a = 2026-03-04", "eq", dt.date(2026, 3, 4)),
        ("a = 2026-03-04T05:06:07", "eq", dt.datetime(2026, 3, 4, 5, 6, 7)),
        (
            "a = 2026-03-04T05:06:07.123Z",
            "eq",
            dt.datetime(2026, 3, 4, 5, 6, 7, 123000, tzinfo=dt.UTC),
        ),
        (
            "a = 2026-03-04T05:06:07+02:00",
            "eq",
            dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        ),
        ("a = 'Waiting Customer'", "eq", "Waiting Customer"),
        ("a = In-Progress", "eq", "In-Progress"),
    ],
)
def test_operators_and_values(text: str, op: str, value: object) -> None:
    (f,) = parse(text)
    assert f.field == "a"
    assert f.op is FilterOperation(op)
    assert f.value == value
    assert type(f.value) is type(value) or isinstance(f.value, Label)


def test_udf_fields_are_written_like_their_columns() -> None:
    assert parse('udf:"Customer Tier" = Gold') == [cond("Customer Tier", "eq", "Gold", udf=True)]
    assert parse("udf:'Customer Tier' = Gold") == [cond("Customer Tier", "eq", "Gold", udf=True)]
    assert parse("udf:Seats > 10") == [cond("Seats", "gt", 10, udf=True)]
    assert to_text(cond("Customer Tier", "eq", "Gold", udf=True)) == 'udf:"Customer Tier" = "Gold"'
    assert to_text(cond("Seats", "gt", 10, udf=True)) == "udf:Seats > 10"


def test_and_binds_tighter_than_or_and_top_level_and_is_the_filter_list() -> None:
    a, b, c = cond("a", "eq", 1), cond("b", "eq", 2), cond("c", "eq", 3)
    assert parse("a = 1 and b = 2 and c = 3") == [a, b, c]
    assert parse("a = 1 or b = 2 and c = 3") == [QueryFilter.or_(a, QueryFilter.and_(b, c))]
    assert parse("a = 1 and b = 2 or c = 3") == [QueryFilter.or_(QueryFilter.and_(a, b), c)]
    assert parse("(a = 1 or b = 2) and c = 3") == [QueryFilter.or_(a, b), c]
    assert parse("((a = 1))") == [a]
    assert parse("(a = 1 and b = 2)") == [QueryFilter.and_(a, b)]
    assert parse("a = 1 AND b = 2 Or c = 3") == [QueryFilter.or_(QueryFilter.and_(a, b), c)]


@pytest.mark.parametrize(
    ("text", "position", "words"),
    [
        ("status !=", 9, "expected a value after '!='"),
        ("status != Complete and", 22, "expected a field name"),
        ("(a = 1", 6, "expected ')' to close the '(' at position 0"),
        ("a = 1)", 5, "unbalanced ')'"),
        ("a ~ 1", 2, "unexpected character '~'"),
        ("a in 1", 5, "expected '(' and a list of values"),
        ("a in (1 2)", 8, "expected ',' or ')'"),
        ("a = 'x", 4, "unterminated quoted string"),
        ("udf: = 1", 5, "expected the UDF's name"),
        ("a not foo", 6, "expected 'in' or 'exists' after 'not'"),
        ("a is 1", 5, "expected 'null' after 'is'"),
        ("= 1", 0, "expected a field name"),
        ("", 0, "the filter is empty"),
        ("a = null", 4, "use 'is null'"),
        ("a b", 2, "expected an operator after 'a'"),
        ("a = 1 b = 2", 6, "expected 'and', 'or' or the end"),
        ("a = 2026-13-01", 4, "not a valid date"),
        ("a = 1 and or b = 2", 10, "expected a field name"),
    ],
)
def test_syntax_errors_point_at_the_problem(text: str, position: int, words: str) -> None:
    with pytest.raises(FilterSyntaxError) as caught:
        parse(text)
    error = caught.value
    assert isinstance(error, AutotaskValidationError) and isinstance(error, ValueError)
    assert error.position == position
    assert words in str(error)
    lines = str(error).splitlines()
    assert lines[1] == "  " + text
    assert lines[2] == "  " + " " * position + "^"


def test_a_caret_on_a_later_line_of_a_multiline_filter() -> None:
    with pytest.raises(FilterSyntaxError) as caught:
        parse("a = 1\nand b >")
    lines = str(caught.value).splitlines()
    assert lines[1:] == ["  and b >", "         ^"]


def test_printing() -> None:
    filters = parse(
        "status != Complete and createDate >= 2026-01-01 and "
        '(priority in (1, 2) or title contains "VPN")'
    )
    assert to_text(filters) == (
        "status != Complete and createDate >= 2026-01-01 and "
        '(priority in (1, 2) or title contains "VPN")'
    )
    assert to_text(cond("a", "notExist")) == "a not exists"
    assert to_text(cond("a", "notIn", ["x", Label("Y")])) == 'a not in ("x", Y)'
    assert to_text(cond("a", "eq", Label("and"))) == 'a = "and"'  # a keyword cannot be bare
    assert to_text(cond("a", "eq", dt.datetime(2026, 1, 2, 3, 4, 5))) == "a = 2026-01-02T03:04:05"
    with pytest.raises(AutotaskValidationError):
        to_text(cond("a", "eq", float("nan")))
    with pytest.raises(AutotaskValidationError):
        to_text([])


# -- round trips ------------------------------------------------------------------------------

names = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,12}", fullmatch=True).filter(
    lambda s: s.lower() not in _RESERVED
)
udf_names = st.text(min_size=1, max_size=20).filter(lambda s: s.strip() != "")
offsets = st.integers(-14 * 60, 14 * 60).map(lambda m: dt.timezone(dt.timedelta(minutes=m)))
datetimes = st.one_of(
    st.datetimes(min_value=dt.datetime(1000, 1, 1), max_value=dt.datetime(9998, 12, 31)),
    st.builds(
        lambda d, tz: d.replace(tzinfo=tz),
        st.datetimes(min_value=dt.datetime(1000, 1, 1), max_value=dt.datetime(9998, 12, 31)),
        offsets,
    ),
)
scalars = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.text(max_size=30),
    names.map(Label),
    st.dates(min_value=dt.date(1000, 1, 1)),
    datetimes,
)
comparisons = ["eq", "noteq", "gt", "gte", "lt", "lte", "contains", "beginsWith", "endsWith"]


@st.composite
def conditions(draw: st.DrawFn) -> QueryFilter:
    udf = draw(st.booleans())
    field = draw(udf_names if udf else names)
    op = draw(st.sampled_from([*comparisons, "in", "notIn", "exist", "notExist"]))
    if op in ("exist", "notExist"):
        return cond(field, op, udf=udf)
    if op in ("in", "notIn"):
        return cond(field, op, tuple(draw(st.lists(scalars, min_size=1, max_size=4))), udf=udf)
    return cond(field, op, draw(scalars), udf=udf)


trees = st.recursive(
    conditions(),
    lambda children: st.builds(
        lambda op, items: QueryFilter(op=op, items=tuple(items)),
        st.sampled_from([GroupOperation.AND, GroupOperation.OR]),
        st.lists(children, min_size=2, max_size=4),
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(trees, min_size=1, max_size=4))
def test_print_then_parse_gives_the_same_filters(filters: list[QueryFilter]) -> None:
    text = to_text(filters)
    again = parse(text)
    assert again == filters
    assert to_text(again) == text
    # The API JSON is the same too (Labels are strings there; datetimes ISO).
    assert [f.to_api() for f in again] == [f.to_api() for f in filters]


tokens = st.sampled_from(
    [
        "a",
        "b",
        "=",
        "!=",
        ">=",
        "<",
        "and",
        "or",
        "not",
        "in",
        "(",
        ")",
        ",",
        "1",
        "'x'",
        "exists",
        "is",
        "null",
        "udf:",
        "2026-01-01",
        "contains",
        "Complete",
        "-2.5",
        '"',
        "true",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(tokens, max_size=12).map(" ".join))
def test_any_text_parses_or_fails_with_a_syntax_error(text: str) -> None:
    try:
        filters = parse(text)
    except FilterSyntaxError as error:
        assert 0 <= error.position <= len(text)
        return
    assert parse(to_text(filters)) == filters


# -- resolving --------------------------------------------------------------------------------


def _pick(value: int, label: str, **extra: object) -> dict[str, object]:
    return {"value": str(value), "label": label, "isActive": True, **extra}


FIELDS = [
    FieldMetadata(name="id", dataType="long"),
    FieldMetadata(
        name="status",
        dataType="integer",
        isPickList=True,
        picklistValues=[_pick(1, "New"), _pick(5, "Complete"), _pick(8, "Waiting Customer")],
    ),
    FieldMetadata(
        name="issueType",
        dataType="integer",
        isPickList=True,
        picklistValues=[_pick(1, "Hardware"), _pick(2, "Software")],
    ),
    FieldMetadata(
        name="subIssueType",
        dataType="integer",
        isPickList=True,
        picklistParentValueField="issueType",
        picklistValues=[
            _pick(10, "Other", parentValue="1"),
            _pick(20, "Other", parentValue="2"),
            _pick(11, "Printer", parentValue="1"),
        ],
    ),
    FieldMetadata(name="title", dataType="string"),
    FieldMetadata(name="estimatedHours", dataType="double"),
    FieldMetadata(name="createDate", dataType="datetime"),
    FieldMetadata(name="isActive", dataType="boolean"),
    FieldMetadata(name="companyID", dataType="integer"),
    FieldMetadata(name="secret", dataType="string", isQueryable=False),
]
UDFS = [
    FieldMetadata(
        name="Customer Tier",
        type="string",
        isUdf=True,
        isPickList=True,
        picklistValues=[_pick(1, "Gold"), _pick(2, "Silver")],
    ),
    FieldMetadata(name="Seats", type="integer", isUdf=True),
]


def test_resolve_turns_labels_into_values_and_fixes_spelling() -> None:
    resolved = resolve(
        parse(
            'STATUS != complete and status in (New, "Waiting Customer", 5) and '
            'udf:"customer tier" = Gold and companyid = "12" and estimatedHours > 1 and '
            "isactive = true and createdate >= 2026-01-01"
        ),
        FIELDS,
        UDFS,
        entity="Tickets",
    )
    assert resolved == [
        cond("status", "noteq", 5),
        cond("status", "in", (1, 8, 5)),
        cond("Customer Tier", "eq", "1", udf=True),  # UDF values travel as strings
        cond("companyID", "eq", 12),
        cond("estimatedHours", "gt", 1),
        cond("isActive", "eq", True),
        cond("createDate", "gte", dt.date(2026, 1, 1)),
    ]
    assert all(type(f.value) is not Label for f in resolved)


def test_a_label_shared_by_several_values_widens_equality_to_a_list() -> None:
    assert resolve(parse("subIssueType = Other"), FIELDS) == [cond("subIssueType", "in", (10, 20))]
    assert resolve(parse("subIssueType != Other"), FIELDS) == [
        cond("subIssueType", "notIn", (10, 20))
    ]
    with pytest.raises(AutotaskValidationError, match="means several values"):
        resolve(parse("subIssueType > Other"), FIELDS)


def test_an_unknown_label_names_the_field_and_the_valid_labels() -> None:
    with pytest.raises(AutotaskValidationError) as caught:
        resolve(parse("status = Done"), FIELDS, entity="Tickets")
    message = str(caught.value)
    assert "'Done'" in message and "Tickets.status" in message
    assert "'New', 'Complete', 'Waiting Customer'" in message


def test_an_unknown_field_names_the_entity_and_close_matches() -> None:
    with pytest.raises(AutotaskValidationError) as caught:
        resolve(parse("staus = 1"), FIELDS, entity="Tickets")
    assert str(caught.value) == "Tickets has no field 'staus'; did you mean 'status'?"
    with pytest.raises(
        AutotaskValidationError, match=r"has no user-defined field 'udf:Seat'.*'udf:Seats'"
    ):
        resolve(parse("udf:Seat = 1"), FIELDS, UDFS, entity="Tickets")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("companyID = abc", "is not a valid value for Tickets.companyID (an integer"),
        ("companyID = true", "Tickets.companyID"),
        ("estimatedHours = 'x'", "Tickets.estimatedHours"),
        ("createDate > 5", "Tickets.createDate (a date or datetime"),
        ("isActive = 'maybe'", "Tickets.isActive (true or false"),
        ("udf:Seats = many", "Tickets.udf:Seats"),
        ("secret = 'x'", "Tickets.secret cannot be queried"),
    ],
)
def test_values_of_the_wrong_type_are_refused(text: str, words: str) -> None:
    with pytest.raises(AutotaskValidationError) as caught:
        resolve(parse(text), FIELDS, UDFS, entity="Tickets")
    assert words in str(caught.value)


def test_resolve_against_the_sandbox_counts_what_the_values_count(client: AutotaskClient) -> None:
    fields = client.get_field_metadata("Tickets")
    udfs = client.get_udf_metadata("Tickets")
    resolved = resolve(
        parse('status != Complete and priority in (High, Critical) and udf:"Customer Impact" >= 3'),
        fields,
        udfs,
        entity="Tickets",
    )
    status = next(f for f in fields if f.name == "status")
    complete = int(next(p.value for p in status.picklist_values or () if p.label == "Complete"))
    priority = next(f for f in fields if f.name == "priority")
    value_of = {p.label: int(p.value) for p in priority.picklist_values or ()}
    values = (value_of["High"], value_of["Critical"])  # in the order of the text
    by_hand = [
        cond("status", "noteq", complete),
        cond("priority", "in", values),
        cond("Customer Impact", "gte", 3, udf=True),
    ]
    assert resolved == by_hand
    # What the resolved values select on the server: the rows of the UDF condition alone,
    # filtered here by the values the labels stand for, are the rows the query counts; and the
    # labelled conditions keep some of those rows and drop others.
    udf_rows = client.query_all("Tickets", [by_hand[2]], ["status", "priority"])
    kept = [r for r in udf_rows if r["status"] != complete and r["priority"] in values]
    assert client.count("Tickets", resolved) == len(kept)
    assert 0 < len(kept) < len(udf_rows)


@pytest.mark.parametrize(
    "word", ["Zürich", "Ærøskøbing", "İstanbul", "Straße", "Ελλάδα", "Москва", "東京", "São_Paulo"]
)
def test_letters_of_every_kind_in_bare_words(word: str) -> None:
    (f,) = parse(f"name = {word}")
    assert f.value == word and isinstance(f.value, Label)
    (g,) = parse(f"{word} = 1")  # a field name too
    assert g.field == word
