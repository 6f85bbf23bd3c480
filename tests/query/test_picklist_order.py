"""issue 8: ``<``, ``>``, ``<=``, ``>=`` with a picklist label mean the picklist's sort order, on
the server as on a ``labels=True`` frame (whose picklist columns are ordered categoricals).

Before: ``where="priority > High"`` was sent as ``priority gt 1`` (High = 1), which returns the
Critical rows (value 4) that ``df.priority > "High"`` excludes. Now it is sent as an ``in`` of the
values whose label sorts after High. A number keeps comparing values.
"""

from __future__ import annotations

import pandas as pd
import pytest

from autotask_pandas import AutotaskClient, read_autotask
from autotask_pandas.query import parse, resolve
from autotask_pandas.types import FieldMetadata, FilterOperation, QueryFilter


@pytest.fixture(scope="module")
def labelled(client: AutotaskClient) -> pd.DataFrame:
    return read_autotask(
        "Tickets", fields=["id", "priority", "status"], labels=True, client=client, progress=False
    )


@pytest.mark.parametrize("op", [">", ">=", "<", "<="])
@pytest.mark.parametrize(
    ("field", "label"),
    [("priority", "High"), ("priority", "Critical"), ("priority", "Low"),
     ("status", "Waiting Customer"), ("status", "Complete")],
)
def test_the_server_and_the_labelled_frame_agree(
    client: AutotaskClient, labelled: pd.DataFrame, field: str, label: str, op: str
) -> None:
    where = f'{field} {op} "{label}"'
    served = read_autotask("Tickets", where=where, fields=["id"], client=client, progress=False)
    column = labelled[field]
    local = {">": column > label, ">=": column >= label, "<": column < label,
             "<=": column <= label}[op]
    assert served["id"].tolist() == labelled.loc[local, "id"].tolist()


def test_the_example_of_the_issue(client: AutotaskClient, labelled: pd.DataFrame) -> None:
    served = read_autotask(
        "Tickets", where="priority > High", labels=True, client=client, progress=False
    )
    assert "Critical" not in set(served["priority"].astype(str))
    assert len(served) == int((labelled["priority"] > "High").sum()) > 0


def test_a_number_still_compares_values(client: AutotaskClient) -> None:
    values = read_autotask("Tickets", fields=["id", "priority"], client=client, labels=False,
                           progress=False)
    served = read_autotask("Tickets", where="priority > 1", fields=["id"], client=client,
                           progress=False)
    assert served["id"].tolist() == values.loc[values["priority"] > 1, "id"].tolist()


def _pick(value: int, label: str, order: int) -> dict[str, object]:
    return {"value": str(value), "label": label, "isActive": True, "sortOrder": order}


PRIORITY = FieldMetadata(
    name="priority", dataType="integer", isPickList=True,
    picklistValues=[_pick(4, "Critical", 0), _pick(1, "High", 1), _pick(2, "Medium", 2),
                    _pick(3, "Low", 3)],
)
TIER = FieldMetadata(
    name="Tier", type="string", isUdf=True, isPickList=True,
    picklistValues=[_pick(7, "Gold", 0), _pick(5, "Silver", 1), _pick(6, "Bronze", 2)],
)


def test_what_is_sent() -> None:
    assert resolve(parse("priority > High"), [PRIORITY]) == [
        QueryFilter(field="priority", op=FilterOperation.IN, value=(2, 3))
    ]
    assert resolve(parse("priority <= high"), [PRIORITY]) == [  # labels ignore case
        QueryFilter(field="priority", op=FilterOperation.IN, value=(4, 1))
    ]
    assert resolve(parse("priority gte Medium"), [PRIORITY]) == [
        QueryFilter(field="priority", op=FilterOperation.IN, value=(2, 3))
    ]
    assert resolve(parse("priority > 1"), [PRIORITY]) == [  # a value: as written
        QueryFilter(field="priority", op=FilterOperation.GT, value=1)
    ]
    # UDF picklist values travel as strings
    assert resolve(parse('udf:Tier < "Bronze"'), [], [TIER]) == [
        QueryFilter(field="Tier", op=FilterOperation.IN, value=("7", "5"), udf=True)
    ]


def test_nothing_after_the_last_label_matches_no_row(client: AutotaskClient) -> None:
    (sent,) = resolve(parse("priority > Low"), [PRIORITY])
    assert sent.is_group and sent.op.value == "and"
    assert read_autotask("Tickets", where="priority > Low", client=client, progress=False).empty
    assert read_autotask("Tickets", where="priority < Critical", client=client,
                         progress=False).empty
