"""When tickets arrive and for whom: the shape of the service desk's demand over 18 months.

The analyst report (``autotask demo``) charts this demand, so it must tell a story a service
manager recognises rather than flat noise:

- growth: the customer base grows, and the weekly volume with it (about +60% from the first
  quarter to the last);
- a weekly rhythm: Monday is the busiest day, Friday quieter, weekends a fifth of a weekday;
  Christmas week is quiet;
- one incident week: a security vendor's faulty agent update blue-screens workstations across
  customers, roughly tripling the week's volume, with slower responses and missed targets;
- one customer surge: the heaviest customer absorbs another practice and its load jumps
  from ``SURGE_DAY`` on, far beyond what its contract was priced for.

Nothing here draws from the random source (the tables are fixed), so the same seed still gives
the same tenant. tests/sandbox/test_demo_story.py holds the data to this story.
"""

from __future__ import annotations

from datetime import timedelta
from itertools import accumulate

from .common import DAY, DAYS, START, Pick
from .state import Company

# Relative volume by weekday, Monday first.
_WEEKDAY = (1.2, 1.05, 1.0, 1.0, 0.85, 0.22, 0.18)
_CHRISTMAS = 0.45  # Dec 24 - Jan 1: offices closed, only monitoring and a few users
# The incident week: volume multipliers Monday to Friday while the faulty update is rolled back.
_INCIDENT_BOOST = (4.5, 3.6, 2.4, 1.7, 1.3)
INCIDENT_DAY = next(d for d in range(DAYS - 150, DAYS - 143)
                    if (START + timedelta(days=d)).weekday() == 0)  # a Monday, ~5 months ago
INCIDENT_START = INCIDENT_DAY * DAY
INCIDENT_END = (INCIDENT_DAY + len(_INCIDENT_BOOST)) * DAY
SURGE_DAY = DAYS - 120  # the heaviest customer's merger, ~4 months ago
SURGE_FACTOR = 2.5


def day_weights() -> list[tuple[int, float]]:
    """(day index, relative ticket volume) for every day of the demo period."""
    weights = []
    for d in range(DAYS):
        day = START + timedelta(days=d)
        w = _WEEKDAY[day.weekday()] * (0.7 + 0.6 * d / DAYS)
        if (day.month, day.day) >= (12, 24) or (day.month, day.day) <= (1, 1):
            w *= _CHRISTMAS
        if INCIDENT_DAY <= d < INCIDENT_DAY + len(_INCIDENT_BOOST):
            w *= _INCIDENT_BOOST[d - INCIDENT_DAY]
        weights.append((d, w))
    return weights


def incident_share(seconds: float) -> float:
    """The share of the tickets opened at ``seconds`` that the incident caused (0 outside it)."""
    if not INCIDENT_START <= seconds < INCIDENT_END:
        return 0.0
    boost = _INCIDENT_BOOST[int(seconds // DAY) - INCIDENT_DAY]
    return (boost - 1.0) / boost


def heaviest_customer(companies: list[Company]) -> Company:
    """The customer with the most load (never the MSP itself, id 0)."""
    return max((c for c in companies if c.id != 0 and c.kind == "Customer"),
               key=lambda c: (c.weight, -c.id))


def company_picks(companies: list[Company]) -> tuple[Pick[Company], Pick[Company]]:
    """Who raises a ticket: before the surge, and from ``SURGE_DAY`` on, when the heaviest
    customer weighs ``SURGE_FACTOR`` times as much, and at least four times the next one (sizes
    are random: two customers may start out alike, the surge must still stand out)."""
    heavy = heaviest_customer(companies)
    runner_up = max((c.weight for c in companies if c is not heavy and c.id != 0), default=0.0)
    surged = max(heavy.weight * SURGE_FACTOR, runner_up * 4.0)
    before = Pick((c, c.weight) for c in companies if c.weight > 0)
    after = Pick((c, surged if c is heavy else c.weight) for c in companies if c.weight > 0)
    return before, after


def expected_tickets(n_tickets: int, companies: list[Company], company: Company,
                     first_day: float, last_day: float) -> float:
    """How many tickets ``company`` is expected to raise from day ``first_day`` to ``last_day``
    (day indexes, may reach outside the demo's history): growth and seasonality included, the
    surge not. What a contract's hours are priced on. Days outside the history weigh as the
    average day of its first or last quarter."""
    total = sum(c.weight for c in companies if c.weight > 0) or 1.0
    a, b = int(first_day), int(last_day)
    inside = _CUMULATIVE[min(max(b, 0), DAYS)] - _CUMULATIVE[min(max(a, 0), DAYS)]
    before = max(0, min(b, 0) - a) * _CUMULATIVE[91] / 91
    after = max(0, b - max(a, DAYS)) * (_CUMULATIVE[DAYS] - _CUMULATIVE[DAYS - 91]) / 91
    return n_tickets * company.weight / total * (before + inside + after) / _CUMULATIVE[DAYS]


# Day weights summed up to each day: _CUMULATIVE[b] - _CUMULATIVE[a] weighs days a..b-1.
_CUMULATIVE = list(accumulate((w for _, w in day_weights()), initial=0.0))
