"""issue 8, "Completion": ``%autotask`` lines completed through a real InteractiveShell's completer
(IPython's provisional ``completions`` API, which front ends use), from the metadata cache.
"""

from __future__ import annotations

from typing import Any

import pytest
from IPython.core.completer import provisionalcompleter

from autotask_pandas.jupyter import AutotaskMagic
from autotask_pandas.sandbox import Sandbox


def complete(ip: Any, text: str, cursor: int | None = None) -> list[str]:
    """The texts offered with the cursor at ``cursor`` (the end by default), each checked to
    replace exactly the typed fragment before the cursor."""
    cursor = len(text) if cursor is None else cursor
    with provisionalcompleter():
        found = list(ip.Completer.completions(text, cursor))
    for c in found:
        assert c.end == cursor
    return [c.text for c in found]


@pytest.mark.parametrize(
    ("text", "expected", "absent"),
    [
        ("%autotask Tick", ["Tickets", "TicketNotes"], ["Companies", "count"]),
        ("%autotask co", ["count", "connect", "Companies", "Contacts"], ["Tickets"]),
        ("%autotask count Compa", ["Companies"], ["count"]),
        ("%autotask fields Tick", ["Tickets"], []),
        ("%autotask --labels -o x Tick", ["Tickets"], []),
        ("t = %autotask Tick", ["Tickets"], []),
        ("%autotask Tickets ", ["where", "select", "limit"], []),
        ("%autotask Tickets where sta", ["status"], ["title"]),
        ("%autotask Tickets where status = New and pri", ["priority"], []),
        ("%autotask Tickets where status = New or (pri", ["priority"], []),
        ("%autotask Tickets select id, ti", ["title"], ["id"]),
        ('%autotask Tickets select id, udf:', ['udf:"Root Cause"', 'udf:"Customer Impact"'], []),
        ('%autotask Tickets where udf:"Ro', ['udf:"Root Cause"'], []),
        ("%autotask Tickets where status = ", ["New", '"In Progress"', "Complete"], ["status"]),
        ("%autotask Tickets where status != Comp", ["Complete"], ["New"]),
        ('%autotask Tickets where status = "Wait',
         ['"Waiting Customer"', '"Waiting Materials"'], ["New"]),
        ("%autotask Tickets where priority in (Hi", ["High"], ["Low"]),
        ("%autotask Tickets where priority in (High, ", ["Critical", "Medium", "Low"], []),
        ("%autotask Tickets where status = New ", ["and", "or", "select", "limit"], ["where"]),
    ],
)
def test_completions(ip: Any, text: str, expected: list[str], absent: list[str]) -> None:
    offered = complete(ip, text)
    for item in expected:
        assert item in offered, (item, offered)
    for item in absent:
        assert item not in offered, (item, offered)


def test_labels_come_in_the_picklists_order(ip: Any) -> None:
    assert complete(ip, "%autotask Tickets where priority = ") == [
        "Critical", "High", "Medium", "Low"
    ]


def test_the_cell_magic_body_is_completed(ip: Any) -> None:
    text = "%%autotask -o open\nTickets\nwhere status != Complete\n  and prio"
    assert complete(ip, text) == ["priority"]
    assert complete(ip, "%%autotask\nTick")[:1] == ["TicketAdditionalConfigurationItems"]


def test_other_code_is_left_to_ipython(ip: Any) -> None:
    ip.user_ns["autotask_thing"] = 1
    assert "autotask_thing" in complete(ip, "autotask_th")
    assert "%autotask" in complete(ip, "%autota")  # the magic's own name: IPython's


def test_no_request_per_keystroke(ip: Any, magic: AutotaskMagic) -> None:
    sandbox: Sandbox | None = magic.connection.sandbox
    assert sandbox is not None
    complete(ip, "%autotask Companies where comp")  # the entity's metadata, read once
    sent = len(sandbox.requests)
    line = "%autotask Companies where companyType = "
    for cursor in range(len("%autotask Companies where c"), len(line) + 1):
        complete(ip, line[:cursor])
    complete(ip, "%autotask Companies select id, udf:")
    assert sandbox.requests[sent:] == []
