"""Fault plans: the spec grammar, matching, and seeded, interleaving-proof determinism."""

from __future__ import annotations

import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autotask_pandas.sandbox.faults import FAULT_KINDS, FaultPlan, FaultRule, as_fault_plan

REQUESTS = [
    ("GET", "/V1.0/Tickets/query"),
    ("POST", "/V1.0/Tickets/query"),
    ("PATCH", "/V1.0/Tickets"),
    ("GET", "/V1.0/Companies/7"),
    ("POST", "/V1.0/Tickets/12/Attachments"),
] * 60


def decisions(plan: FaultPlan, requests: list[tuple[str, str]]) -> list[str | None]:
    return [None if (rule := plan.decide(m, p)) is None else rule.kind for m, p in requests]


# --------------------------------------------------------------------------- determinism


def test_same_seed_same_decisions_different_seed_different() -> None:
    spec = "500:0.2; slow=1:0.3; reset-after:0.1@POST,PATCH"
    first = decisions(FaultPlan.parse(spec, seed=7), REQUESTS)
    assert first == decisions(FaultPlan.parse(spec, seed=7), REQUESTS)
    assert first != decisions(FaultPlan.parse(spec, seed=8), REQUESTS)
    assert {"500", "slow", "reset-after", None} <= set(first)


def test_a_stream_does_not_depend_on_other_paths_interleaving() -> None:
    spec = "500:0.3"
    alone = decisions(FaultPlan.parse(spec, seed=1), [("GET", "/V1.0/Tickets/1")] * 200)
    mixed_plan = FaultPlan.parse(spec, seed=1)
    mixed: list[str | None] = []
    for i in range(200):
        for j in range(i % 4):  # a varying number of other requests in between
            mixed_plan.decide("GET", f"/V1.0/Companies/{j}")
            mixed_plan.decide("POST", "/V1.0/Tickets/1")  # same path, other method: other stream
        mixed.extend(decisions(mixed_plan, [("GET", "/V1.0/Tickets/1")]))
    assert mixed == alone


def test_streams_are_deterministic_across_threads() -> None:
    spec = "503:0.25; 429:0.25"
    paths = [f"/V1.0/Tickets/{i}" for i in range(8)]
    expected = {p: decisions(FaultPlan.parse(spec, seed=3), [("GET", p)] * 300) for p in paths}
    plan = FaultPlan.parse(spec, seed=3)
    start = threading.Barrier(len(paths))
    got: dict[str, list[str | None]] = {}

    def client(path: str) -> None:
        start.wait()
        got[path] = decisions(plan, [("GET", path)] * 300)

    threads = [threading.Thread(target=client, args=(p,)) for p in paths]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == expected


def test_path_case_and_prefix_do_not_split_a_stream() -> None:
    one = FaultPlan.parse("500:0.5", seed=2)
    two = FaultPlan.parse("500:0.5", seed=2)
    variants = ["/V1.0/Tickets/5", "/v1.0/tickets/5", "/ATServicesRest/V1.0/Tickets/5?x=1"]
    a = [one.decide("get", variants[i % 3]) for i in range(90)]
    b = [two.decide("GET", "/V1.0/Tickets/5") for _ in range(90)]
    assert a == b


def test_reset_replays_the_same_decisions() -> None:
    plan = FaultPlan.parse("500:0.4", seed=5)
    first = decisions(plan, REQUESTS)
    plan.reset()
    assert decisions(plan, REQUESTS) == first


def test_adding_a_rule_keeps_earlier_rules_hits() -> None:
    base = decisions(FaultPlan.parse("500:0.3", seed=9), REQUESTS)
    extended = decisions(FaultPlan.parse("500:0.3; 503:0.5", seed=9), REQUESTS)
    assert [d == "500" for d in base] == [d == "500" for d in extended]
    assert "503" in extended


# --------------------------------------------------------------------------- rates


def test_rate_is_honoured_on_one_stream() -> None:
    plan = FaultPlan([FaultRule("500", 0.1)], seed=0)
    hits = sum(plan.decide("GET", "/V1.0/Tickets/query") is not None for _ in range(10_000))
    assert 800 <= hits <= 1200


def test_rate_is_honoured_across_many_streams() -> None:
    plan = FaultPlan([FaultRule("reset-after", 0.1)], seed=11)
    hits = sum(plan.decide("PATCH", f"/V1.0/Tickets/{i}") is not None for i in range(10_000))
    assert 800 <= hits <= 1200


def test_rates_zero_and_one() -> None:
    plan = FaultPlan([FaultRule("500", 0.0, path="/V1.0/A*"), FaultRule("503", 1.0)])
    assert all(plan.decide("GET", "/V1.0/A/1").kind == "503" for _ in range(500))  # type: ignore[union-attr]


@settings(max_examples=50, deadline=None)
@given(rate=st.floats(0.05, 0.95), seed=st.integers(-(2**63), 2**63))
def test_rates_roughly_honoured_for_any_seed(rate: float, seed: int) -> None:
    plan = FaultPlan([FaultRule("429", rate)], seed=seed)
    hits = sum(plan.decide("GET", "/V1.0/Tickets") is not None for _ in range(4000))
    # Binomial sd <= 32 for n=4000; 6 sd keeps this from ever flaking.
    assert abs(hits - rate * 4000) < 200


# --------------------------------------------------------------------------- matching


def test_first_matching_rule_wins() -> None:
    plan = FaultPlan.parse("500:1@POST; 503:1")
    assert plan.decide("POST", "/V1.0/Tickets").kind == "500"  # type: ignore[union-attr]
    assert plan.decide("GET", "/V1.0/Tickets").kind == "503"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("rule", "method", "path", "expected"),
    [
        ("500:1", "DELETE", "/V1.0/Anything/1", True),
        ("500:1@POST,PATCH", "patch", "/V1.0/Tickets", True),
        ("500:1@POST,PATCH", "GET", "/V1.0/Tickets", False),
        ("500:1@/V1.0/Tickets*", "GET", "/v1.0/tickets/query", True),
        ("500:1@/V1.0/Tickets*", "GET", "/V1.0/Tickets/12/Attachments", True),
        ("500:1@/V1.0/Tickets*", "GET", "/V1.0/TicketNotes/1", False),
        (
            "500:1@/V1.0/Tickets/query*",
            "GET",
            "/ATServicesRest/V1.0/Tickets/query?search=%7b%7d",
            True,
        ),
        (
            "500:1@GET /V1.0/Tickets/query*",
            "GET",
            "https://webservices15.autotask.net/ATServicesRest/V1.0/Tickets/query/next?paging=x",
            True,
        ),
        ("500:1@GET /V1.0/Tickets/query*", "POST", "/V1.0/Tickets/query", False),
        ("500:1@/V1.0/Tickets/?", "GET", "/V1.0/Tickets/5", True),
        ("500:1@/V1.0/Tickets/?", "GET", "/V1.0/Tickets/55", False),
    ],
)
def test_matching(rule: str, method: str, path: str, expected: bool) -> None:
    assert FaultRule.parse(rule).matches(method, path) is expected
    assert (FaultPlan.parse(rule).decide(method, path) is not None) is expected


# --------------------------------------------------------------------------- the spec grammar


@pytest.mark.parametrize(
    ("spec", "rule"),
    [
        ("500:0.05", FaultRule("500", 0.05)),
        ("503:1", FaultRule("503", 1.0)),
        ("429:0.1", FaultRule("429", 0.1)),
        (
            "429-retry-after=2:0.1@GET /V1.0/Tickets/query*",
            FaultRule("429-retry-after", 0.1, "GET", "/V1.0/Tickets/query*", 2.0),
        ),
        ("reset-after:0.2@POST,PATCH", FaultRule("reset-after", 0.2, method="POST,PATCH")),
        ("reset-before:0.2@/V1.0/*", FaultRule("reset-before", 0.2, path="/V1.0/*")),
        ("thread-limit:10%", FaultRule("thread-limit", 0.1)),
        (
            "slow=1.5:0.3@/V1.0/Companies*",
            FaultRule("slow", 0.3, path="/V1.0/Companies*", seconds=1.5),
        ),
        (
            "  SLOW = 1.5 : 30% @ get , Post  /V1.0/x* ",
            FaultRule("slow", 0.3, "GET,POST", "/V1.0/x*", 1.5),
        ),
        ("429-retry-after=0:1", FaultRule("429-retry-after", 1.0, seconds=0)),
        ("403:0.5@DELETE", FaultRule("403", 0.5, method="DELETE")),
        (
            "429-retry-date=30:1@GET /V1.0/Tickets/*",
            FaultRule("429-retry-date", 1.0, "GET", "/V1.0/Tickets/*", 30.0),
        ),
        ("500-html:0.1", FaultRule("500-html", 0.1)),
        ("200-empty:1@POST /V1.0/Tickets", FaultRule("200-empty", 1.0, "POST", "/V1.0/Tickets")),
    ],
)
def test_parse_examples(spec: str, rule: FaultRule) -> None:
    assert FaultPlan.parse(spec).rules == (rule,)
    assert FaultRule.parse(spec) == rule


def test_parse_several_rules_and_print_them_back() -> None:
    plan = FaultPlan.parse("slow=1.5:0.3@/V1.0/Companies*; ;503:0.01 ;", seed=4)
    assert plan.rules == (
        FaultRule("slow", 0.3, path="/V1.0/Companies*", seconds=1.5),
        FaultRule("503", 0.01),
    )
    assert str(plan) == "slow=1.5:0.3@/V1.0/Companies*; 503:0.01"
    assert FaultPlan.parse(str(plan), seed=4) == plan
    assert eval(repr(plan), {"FaultPlan": FaultPlan}) == plan
    assert FaultPlan.parse("").rules == ()


def test_rule_fields_are_normalised() -> None:
    assert FaultRule("500", 1, method="post, patch,POST") == FaultRule(
        "500", 1.0, method="POST,PATCH"
    )
    assert (
        str(FaultRule("429-retry-after", 0.5, "GET", "/V1.0/T*", 3))
        == "429-retry-after=3:0.5@GET /V1.0/T*"
    )


@pytest.mark.parametrize(
    ("spec", "hint"),
    [
        ("500", "missing ':RATE'"),
        ("501:0.1", "allowed: 500, 503, 429, 429-retry-after, thread-limit"),
        ("500:abc", "not a number"),
        ("500:nan", "not a finite number"),
        ("500:1.5", "between 0 and 1"),
        ("500:150%", "between 0 and 1"),
        ("slow:0.1", "slow needs seconds"),
        ("429-retry-after:0.1", "needs seconds"),
        ("429-retry-date:0.1", "needs seconds"),
        ("500-html=1:0.1", "only slow, 429-retry-after and 429-retry-date"),
        ("slow=0:0.1", "seconds > 0"),
        ("slow=-1:0.1", ">= 0"),
        ("500=2:0.1", "takes no seconds"),
        ("500:0.1@FETCH", "allowed: GET, POST, PUT, PATCH, DELETE"),
        ("500:0.1@GET V1.0/x", "must start with '/'"),
        ("500:0.1@", "is not METHODS, PATH or METHODS PATH"),
        ("500:0.1@GET /a /b", "is not METHODS, PATH or METHODS PATH"),
    ],
)
def test_bad_specs_name_the_rule_and_what_is_allowed(spec: str, hint: str) -> None:
    with pytest.raises(ValueError) as caught:
        FaultPlan.parse(f"503:0.1; {spec}")
    message = str(caught.value)
    assert repr(spec) in message
    assert hint in message
    assert "KIND[=SECONDS]:RATE[@METHODS PATH]" in message


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kind": "404", "rate": 0.1},
        {"kind": "500", "rate": -0.1},
        {"kind": "500", "rate": 0.1, "path": "V1.0/x"},
        {"kind": "500", "rate": 0.1, "seconds": 2},
        {"kind": "slow", "rate": 0.1},
        {"kind": "500", "rate": 0.1, "method": "GET,FETCH"},
    ],
)
def test_rule_constructor_validates(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        FaultRule(**kwargs)


PATH_GLOBS = st.text(alphabet="abcXYZ019/.-_*?", max_size=20).map(lambda s: "/" + s)


@st.composite
def fault_rules(draw: st.DrawFn) -> FaultRule:
    kind = draw(st.sampled_from(FAULT_KINDS))
    if kind == "slow":
        seconds = draw(st.floats(0, 1e6, exclude_min=True))
    elif kind in ("429-retry-after", "429-retry-date"):
        seconds = draw(st.floats(0, 1e6))
    else:
        seconds = 0.0
    methods = draw(
        st.none()
        | st.lists(
            st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE"]), min_size=1, unique=True
        ).map(",".join)
    )
    path = draw(st.none() | PATH_GLOBS)
    return FaultRule(kind, draw(st.floats(0, 1)), methods, path, seconds)


@given(rules=st.lists(fault_rules(), max_size=5), seed=st.integers())
def test_printed_plans_parse_back(rules: list[FaultRule], seed: int) -> None:
    plan = FaultPlan(rules, seed)
    assert FaultPlan.parse(str(plan), seed) == plan
    for rule in rules:
        assert FaultRule.parse(str(rule)) == rule


@given(
    rules=st.lists(fault_rules(), min_size=1, max_size=4),
    seed=st.integers(),
    requests=st.lists(
        st.tuples(
            st.sampled_from(["GET", "POST", "PATCH"]),
            PATH_GLOBS.filter(lambda p: "*" not in p and "?" not in p),
        ),
        max_size=30,
    ),
)
def test_decisions_are_a_function_of_plan_seed_and_requests(
    rules: list[FaultRule], seed: int, requests: list[tuple[str, str]]
) -> None:
    once = decisions(FaultPlan(rules, seed), requests)
    assert decisions(FaultPlan(rules, seed), requests) == once
    for (method, path), kind in zip(requests, once, strict=True):
        if kind is not None:  # a decided rule always matches its request
            assert any(r.kind == kind and r.matches(method, path) for r in rules)


# --------------------------------------------------------------------------- as_fault_plan


def test_as_fault_plan_accepts_every_form() -> None:
    assert as_fault_plan(None) is None
    plan = FaultPlan.parse("500:0.1", seed=3)
    assert as_fault_plan(plan, seed=99) is plan  # a plan keeps its own seed
    assert as_fault_plan("500:0.1", seed=3) == plan
    assert as_fault_plan([FaultRule("500", 0.1)], seed=3) == plan
    assert as_fault_plan((FaultRule("500", 0.1),), seed=3) == plan
    assert as_fault_plan(FaultRule("500", 0.1), seed=3) == plan
    with pytest.raises(ValueError):
        as_fault_plan("nope")
    with pytest.raises(TypeError):
        as_fault_plan(["500:0.1"])  # type: ignore[list-item]
