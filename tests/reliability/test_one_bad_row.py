"""One bad row never aborts a push (issue 11, section 4).

* A cell holding a lone surrogate (``"bad \\udcff byte"``, text decoded with
  ``errors="surrogateescape"``) makes only its row ``invalid``, naming row and field; the other
  rows are pushed. The client's one write path refuses such a string before any request, naming
  entity and field.
* Dependent picklists (a Ticket's subIssueType, whose values each name their issueType as
  ``parentValue``) are checked as pairs whichever side changes: by ``validate()`` and by the
  sandbox. The issue's example: issueType changed to 4 "Network" alone, leaving subIssueType 103
  "Peripheral", whose parent is 2.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest
from helpers import connect, new_sandbox

from autotask_pandas import AutotaskClient, read_autotask
from autotask_pandas.exceptions import AutotaskAPIError, AutotaskValidationError
from autotask_pandas.sandbox import Sandbox

BAD = "bad \udcff byte"


@pytest.fixture()
def sb() -> Iterator[Sandbox]:
    with new_sandbox(0.05, 0) as made:
        yield made


def _titles(sb: Sandbox, ids: list[int]) -> dict[int, str]:
    with connect(sb) as client:
        return {i: (client.get("Tickets", i) or {})["title"] for i in ids}


@pytest.mark.parametrize("pulled", [True, False])
def test_a_lone_surrogate_makes_only_its_row_invalid(sb: Sandbox, pulled: bool) -> None:
    with connect(sb) as client:
        df = read_autotask(
            "Tickets", "id < 7004", client=client, fields=["id", "title"], progress=False
        )
        if not pulled:  # a frame from a file: no snapshot, every writable column is sent
            df = pd.DataFrame({"id": df["id"].to_numpy(), "title": df["title"].to_numpy()})
        df["title"] = df["title"].astype(object)
        ids = [int(i) for i in df["id"]]
        before = _titles(sb, ids)
        df.loc[df.index[1], "title"] = BAD
        df.loc[df.index[2], "title"] = "a good new title"
        frozen = df.copy()
        problems = df.autotask.validate(client=client, **({} if pulled else {"entity": "Tickets"}))
        result = df.autotask.push(
            client=client, progress=False, **({} if pulled else {"entity": "Tickets"})
        )
    pd.testing.assert_frame_equal(df, frozen)  # the user's frame is never changed
    bad = problems[problems["severity"] == "error"]
    assert bad["row"].tolist() == [df.index[1]] and bad["field"].tolist() == ["title"]
    assert "lone surrogate" in bad["problem"].iloc[0]
    status = dict(zip(result["id"].tolist(), result["status"].tolist(), strict=True))
    assert status[ids[1]] == "invalid"
    assert status[ids[2]] == "ok"
    after = _titles(sb, ids)
    assert after[ids[1]] == before[ids[1]]
    assert after[ids[2]] == "a good new title"


def test_the_write_path_refuses_a_lone_surrogate_naming_entity_and_field(sb: Sandbox) -> None:
    with connect(sb) as client:
        client.get_field_metadata("Tickets")
        mark = len(sb.requests)
        with pytest.raises(AutotaskValidationError) as caught:
            client.update("Tickets", 7000, title=BAD)
        with pytest.raises(AutotaskValidationError, match="Tickets.title"):
            client.create_entity("Tickets", title=BAD, companyID=0, status=1, priority=1)
        assert len(sb.requests) == mark  # no request was sent
    message = str(caught.value)
    assert "Tickets.title" in message and "lone surrogate" in message
    assert not isinstance(caught.value, UnicodeError)


# -- dependent picklists: pairs, whichever side changes ---------------------------------------


def _ticket_with_peripheral(client: AutotaskClient) -> pd.DataFrame:
    return read_autotask(
        "Tickets",
        "subIssueType = 103",
        client=client,
        fields=["id", "issueType", "subIssueType"],
        labels=False,
        limit=2,
        progress=False,
    )


def test_the_sandbox_refuses_a_new_issue_type_that_leaves_a_foreign_sub_issue_type(
    sb: Sandbox,
) -> None:
    with connect(sb) as client:
        ticket = int(_ticket_with_peripheral(client)["id"].iloc[0])
        with pytest.raises(AutotaskAPIError, match="subIssueType 103 does not belong to issueType 4"):
            client.update("Tickets", ticket, issueType=4)
        record = client.get("Tickets", ticket)
        assert record is not None and (record["issueType"], record["subIssueType"]) == (2, 103)
        client.update("Tickets", ticket, issueType=4, subIssueType=120)  # the pair: accepted
        client.update("Tickets", ticket, issueType=2, subIssueType=None)
        client.update("Tickets", ticket, issueType=3)  # no dependent value left: accepted


@pytest.mark.parametrize("labels", [False, True])
def test_validate_checks_the_pair_when_only_the_issue_type_changes(
    sb: Sandbox, labels: bool
) -> None:
    with connect(sb) as client:
        df = read_autotask(
            "Tickets",
            "subIssueType = 103",
            client=client,
            fields=["id", "issueType", "subIssueType"],
            labels=labels,
            limit=2,
            progress=False,
        )
        first, second = df.index[0], df.index[1]
        df.loc[first, "issueType"] = "Network" if labels else 4
        # the other row changes both sides, consistently: it goes
        df.loc[second, "issueType"] = "Network" if labels else 4
        df.loc[second, "subIssueType"] = "Internet Outage" if labels else 120
        problems = df.autotask.validate(client=client)
        result = df.autotask.push(client=client, progress=False)
        kept = client.get("Tickets", int(df.loc[first, "id"]))
        moved = client.get("Tickets", int(df.loc[second, "id"]))
    errors = problems[problems["severity"] == "error"]
    assert errors["row"].tolist() == [first]
    assert errors["field"].tolist() == ["issueType"]
    assert "subIssueType 103" in errors["problem"].iloc[0]
    assert result["status"].tolist() == ["invalid", "ok"]
    assert kept is not None and (kept["issueType"], kept["subIssueType"]) == (2, 103)
    assert moved is not None and (moved["issueType"], moved["subIssueType"]) == (4, 120)


def test_validate_still_checks_the_pair_when_only_the_sub_issue_type_changes(
    sb: Sandbox,
) -> None:
    with connect(sb) as client:
        df = _ticket_with_peripheral(client)
        df.loc[df.index[0], "subIssueType"] = 120  # Internet Outage: its parent is 4, not 2
        problems = df.autotask.validate(client=client)
    errors = problems[problems["severity"] == "error"]
    assert errors["field"].tolist() == ["subIssueType"]
