"""Service level targets, the business-hours clock they run on, and how fast the desk really is.

The demo's model of an MSP's service levels (FACTS.md says nothing of how the live API computes
due dates; the sandbox stores whatever the demo writes, like any field). Targets are hours from
the moment the SLA clock starts. Critical tickets and monitoring alerts run 24x7; every other
ticket starts its clock at the next business hour (Monday to Friday, 08:00-18:00 UTC), so a
ticket logged on Saturday is due on Monday. Waiting on the customer pauses the clock, so the due
dates move with it (tickets.py). Premium SLA customers are answered in half the time.

The desk meets most targets: response and work times are drawn with means well inside them, so
misses come from the tail, from tickets stuck for weeks, and from the incident week
(``workload.py``), where everything takes several times longer.
"""

from __future__ import annotations

from .common import DAY, HOUR, START, labels

_PRIORITY = labels("Tickets", "priority")
_SLA = labels("Tickets", "serviceLevelAgreementID")

# (first response, resolution) targets in hours, by priority.
TARGET_HOURS: dict[int, tuple[float, float]] = {
    _PRIORITY["Critical"]: (1.0, 8.0),
    _PRIORITY["High"]: (2.0, 24.0),
    _PRIORITY["Medium"]: (4.0, 72.0),
    _PRIORITY["Low"]: (8.0, 168.0),
}
PREMIUM = _SLA["Premium SLA"]
# Mean hours to first response and of work to resolution: a quarter and two fifths of the target.
RESPONSE_MEAN = {p: response / 4 for p, (response, _) in TARGET_HOURS.items()}
WORK_MEAN = {p: resolution / 2.5 for p, (_, resolution) in TARGET_HOURS.items()}

_OPEN, _CLOSE = 8 * HOUR, 18 * HOUR
_START_WEEKDAY = START.weekday()


def targets(priority: int, level: int | None) -> tuple[float, float]:
    """(first response, resolution) targets in hours for a ticket's priority and SLA."""
    response, resolution = TARGET_HOURS[priority]
    return (response / 2, resolution) if level == PREMIUM else (response, resolution)


def clock_start(seconds: float, round_the_clock: bool) -> float:
    """When the SLA clock of a ticket opened at ``seconds`` starts: at once for 24x7 tickets,
    else at that moment if it falls in business hours, or at the next opening."""
    if round_the_clock:
        return seconds
    day = int(seconds // DAY)
    into = seconds - day * DAY
    if (_START_WEEKDAY + day) % 7 < 5:
        if _OPEN <= into < _CLOSE:
            return seconds
        if into < _OPEN:
            return day * DAY + _OPEN
    day += 1
    while (_START_WEEKDAY + day) % 7 >= 5:
        day += 1
    return day * DAY + _OPEN
