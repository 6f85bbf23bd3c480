"""Every command of ``autotask --help`` run as a subprocess, as a user runs it, against a sandbox
served over loopback HTTP (issue 12, "Done when").

The cases are a table (``CASES``): a command, its arguments, the exit code it must give and what
its output must say, checked against the sandbox's own data through a separate client. The list
of commands comes from the CLI's parser (``command_paths``), and ``test_every_command_has_its_cases``
fails when a command lacks a case for one of: exit 0; exit 2 (a usage error); exit 1 (the API
refused or could not be reached) when it connects; exit 3 when it is a batch; every ``--output``
format it accepts (parsed and compared with the data, not just "exit 0"); ``--dry-run`` when it
writes (the request and body printed, nothing written); a confirmation declined on a terminal
when it deletes. A new command without cases fails that test.

On every run: no output holds the sandbox's secret or the canary secret (``helpers.cli.CANARY``,
which several cases hand to the command as ``AUTOTASK_SECRET``), and no traceback. Data goes to
stdout, messages to stderr: the checks read each stream for what belongs there.

The runs are independent (each case writes to records of its own), so they start once per
module, a few at a time (``helpers.cli.PARALLEL``), and each test checks its own case's run.
"""

from __future__ import annotations

import argparse
import base64
import csv
import io
import json
import re
import stat
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from helpers import closed_port, connect, new_sandbox
from helpers.cli import CANARY, PARALLEL, Call, Ran, autotask_call

from autotask_pandas.catalog import load_catalog
from autotask_pandas.cli.commands import COMMANDS
from autotask_pandas.cli.parser import build_parser
from autotask_pandas.client import AutotaskClient
from autotask_pandas.sandbox import Sandbox

TICKET = 7000  # read only: get, query
UPLOAD_TICKET = 7001  # uploads (real and dry run)
LIST_TICKET = 7002  # one attachment of known content, listed
OTHER_TICKET = 7003  # attachments to download and delete
MISSING = 999_999_999

# -- the commands, from the parser ---------------------------------------------------------------


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser] | None:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return None


def command_paths(
    parser: argparse.ArgumentParser | None = None, prefix: str = ""
) -> dict[str, argparse.ArgumentParser]:
    """Every command, down to its actions (``attachments list``, ``batch delete``), and the parser
    that reads its options: what ``autotask --help`` and each command's ``--help`` list."""
    parser = parser or build_parser()
    found: dict[str, argparse.ArgumentParser] = {}
    for name, sub in (_subcommands(parser) or {}).items():
        path = f"{prefix}{name}"
        if _subcommands(sub) is not None:
            found.update(command_paths(sub, path + " "))
            continue
        actions = next(
            (a for a in sub._actions if a.dest == "action" and not a.option_strings and a.choices),
            None,
        )  # batch: its action is a positional choice, not a subcommand
        if actions is not None:
            found.update({f"{path} {choice}": sub for choice in actions.choices})  # type: ignore[union-attr]
        else:
            found[path] = sub
    return found


def options(parser: argparse.ArgumentParser) -> set[str]:
    return {opt for action in parser._actions for opt in action.option_strings}


def formats(parser: argparse.ArgumentParser) -> tuple[str, ...]:
    """The ``--output`` formats a command accepts (none when its ``--output`` is a file)."""
    for action in parser._actions:
        if "--output" in action.option_strings and action.choices:
            return tuple(action.choices)
    return ()


PATHS = command_paths()


# -- reading what a command printed ----------------------------------------------------------------


def text(value: Any) -> str:
    """A value as the CSV and table cells print it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def short(value: Any) -> str:
    """A value as a table cell prints it: one line, at most 60 characters."""
    one = " ".join(text(value).split())
    return one if len(one) <= 60 else one[:59] + "…"


def table(out: str) -> list[dict[str, str]]:
    """An aligned table's rows (columns where the rule line under the header has dashes)."""
    header, rule, *body = out.splitlines()
    starts = [m.start() for m in re.finditer(r"-+", rule)]

    def cells(line: str) -> list[str]:
        ends = [*starts[1:], None]
        return [line[a:b].strip() for a, b in zip(starts, ends, strict=True)]

    names = cells(header)
    return [dict(zip(names, cells(line), strict=True)) for line in body]


def record_table(out: str) -> dict[str, str]:
    """A field/value view (``get``): a value of several lines goes on under its first."""
    lines = out.splitlines()
    key = lines[0].split()[0]
    column = len(lines[0]) - len(lines[0][len(key) :].lstrip())
    found: dict[str, str] = {}
    last = ""
    for line in lines:
        if line[:column].strip():
            last = line[:column].strip()
            found[last] = line[column:]
        else:  # a value's next line
            found[last] += "\n" + line[column:]
    return found


def rows(fmt: str, out: str) -> list[dict[str, Any]]:
    """The records printed in ``fmt``: typed for JSON and JSON lines, text for CSV and tables."""
    if fmt == "json":
        data = json.loads(out)
        return data if isinstance(data, list) else [data]
    if fmt == "jsonl":
        return [json.loads(line) for line in out.splitlines()]
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(out)))
    return table(out)


def same_rows(fmt: str, out: str, expected: list[dict[str, Any]]) -> None:
    """``out`` holds exactly ``expected`` (its columns, its order) in ``fmt``."""
    got = rows(fmt, out)
    if fmt in ("json", "jsonl"):
        assert got == expected
    elif fmt == "csv":
        assert got == [{k: text(v) for k, v in row.items()} for row in expected]
    else:
        assert got == [{k: short(v) for k, v in row.items()} for row in expected]


# -- the world the cases run in ----------------------------------------------------------------------


class World(Mapping[str, str]):
    """The module's sandbox, a client of it, and the values the cases' ``{placeholders}`` name,
    each made on first use: ``{tag_X}`` a new Tag labelled ``cli-X``, ``{att_X}`` a new attachment
    ``X.txt`` of ticket ``OTHER_TICKET``, ``{file_X}`` a file ``X.txt`` holding ``X``."""

    def __init__(self, sandbox: Sandbox, api: AutotaskClient, tmp: Path) -> None:
        self.sandbox = sandbox
        self.api = api
        self.tmp = tmp
        self.root = f"{sandbox.url}V1.0/"
        resource = api.query("Resources", max_records=1).items[0]["id"]
        self.values: dict[str, str] = {
            "root": self.root,
            "tmp": str(tmp),
            "resource": str(resource),
            "closed": f"http://127.0.0.1:{closed_port()}/ATServicesRest/",
            "config_good": str(self._profiles("good", 0o600)),
            "config_open": str(self._profiles("open", 0o644)),
        }
        self.listed = api.attachments.upload_from_data(
            "Ticket", LIST_TICKET, b"listed once\n", "listed.txt", title="Listed"
        )

    def _profiles(self, name: str, mode: int) -> Path:
        folder = self.tmp / f"config-{name}"
        folder.mkdir()
        path = folder / "profiles.toml"
        sb = self.sandbox
        path.write_text(
            f'[profiles.demo]\nusername = "{sb.username}"\n'
            f'integration_code = "{sb.integration_code}"\nsecret = "{sb.secret}"\n'
            f'api_url = "{sb.url}"\n'
        )
        path.chmod(mode)
        return folder

    def __getitem__(self, key: str) -> str:
        if key not in self.values:
            kind, _, name = key.partition("_")
            if kind == "tag":
                made = self.api.create_entity("Tags", label=f"cli-{name}").item_id
            elif kind == "att":
                made = self.api.attachments.upload_from_data(
                    "Ticket", OTHER_TICKET, f"{name}\n".encode(), f"{name}.txt"
                ).id
            elif kind == "file":
                path = self.tmp / f"{name}.txt"
                path.write_text(f"{name}\n")
                made = str(path)  # type: ignore[assignment]
            else:
                raise KeyError(key)
            self.values[key] = str(made)
        return self.values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)

    def id(self, key: str) -> int:
        return int(self[key])

    def tag_labels(self, label: str) -> list[int]:
        """Ids of the Tags labelled ``label``."""
        found = self.api.query_all("Tags", [{"op": "eq", "field": "label", "value": label}])
        return [r["id"] for r in found]


Check = Callable[[Ran, World], None]


@dataclass(frozen=True)
class Case:
    """One run: ``autotask COMMAND ARGV`` (``{placeholders}`` filled from the ``World``), the
    exit code it must give, and what else must hold (``check``)."""

    command: str
    name: str
    argv: tuple[str, ...]
    code: int
    check: Check | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    credentials: bool = True  # the sandbox's AUTOTASK_* variables in the environment
    stdin: str | None = None
    terminal: str | None = None  # stdin is a terminal on which this is typed

    @property
    def id(self) -> str:
        return f"{self.command}: {self.name}"

    @property
    def fmt(self) -> str | None:
        """The ``--output`` format the case prints in (``table`` when not given)."""
        if not formats(PATHS[self.command]):
            return None
        argv = list(self.argv)
        return argv[argv.index("--output") + 1] if "--output" in argv else "table"

    @property
    def dry_run(self) -> bool:
        return "--dry-run" in self.argv

    def call(self, world: World) -> Call:
        fill = world.__getitem__

        def filled(value: str) -> str:
            return re.sub(r"\{(\w+)\}", lambda m: fill(m.group(1)), value)

        return Call(
            argv=(*self.command.split(), *(filled(a) for a in self.argv)),
            sandbox=world.sandbox if self.credentials else None,
            env={k: filled(v) for k, v in self.env.items()},
            stdin=None if self.stdin is None else filled(self.stdin),
            terminal=self.terminal,
        )


# -- checks shared by several cases ----------------------------------------------------------------


def quiet_usage_error(ran: Ran, world: World) -> None:
    """A usage error: nothing on stdout, the reason on stderr."""
    assert ran.out == "" and ("usage:" in ran.err or "error:" in ran.err), ran.err


def refused(*words: str) -> Check:
    """Exit 1's shape: nothing on stdout, one ``error:`` line with ``words`` on stderr."""

    def check(ran: Ran, world: World) -> None:
        assert ran.out == "", ran.out
        lines = ran.err.splitlines()
        assert lines and lines[-1].startswith("error: ") and len(lines) <= 2, ran.err
        for word in words:
            assert word in ran.err, (word, ran.err)

    return check


UNAUTHORISED = refused("401")  # the canary secret was refused; it is in no output (always checked)


def item_id(fmt: str, ran: Ran, verb: str, entity: str) -> int:
    """The id a create, update or delete printed."""
    if fmt == "table":
        words = ran.out.split()
        assert words[:2] == [verb, entity] and len(words) == 3, ran.out
        return int(words[2])
    (answer,) = rows(fmt, ran.out)
    assert set(answer) == {"itemId"}, answer
    return int(answer["itemId"])


def exists(world: World, entity: str, key: str) -> bool:
    return world.api.get(entity, world.id(key)) is not None


def attachment_ids(world: World, ticket: int) -> list[int]:
    return [a.id for a in world.api.attachments.get_attachments_for_entity("Ticket", ticket)]


def dry_run_requests(fmt: str, ran: Ran) -> list[dict[str, Any]]:
    """The requests a dry run printed, as ``{"method", "url", "body"}``."""
    assert "nothing sent" in ran.err
    if fmt in ("json", "jsonl"):
        return rows(fmt, ran.out)
    if fmt == "csv":
        return [
            {**r, "body": json.loads(r["body"]) if r["body"] else None} for r in rows("csv", ran.out)
        ]
    found: list[dict[str, Any]] = []  # METHOD URL, then the body's JSON over several lines
    for line in ran.out.splitlines():
        method, _, url = line.partition(" ")
        if method in ("POST", "PATCH", "PUT", "DELETE") and url.startswith("http"):
            found.append({"method": method, "url": url, "body": ""})
        else:
            found[-1]["body"] += line + "\n"
    return [{**r, "body": json.loads(r["body"]) if r["body"] else None} for r in found]


# -- reading commands ----------------------------------------------------------------------------------

_FIELDS = ["id", "title", "priority"]
_SOME = [{"op": "lte", "field": "id", "value": 7004}]


def check_query(fmt: str) -> Check:
    def check(ran: Ran, world: World) -> None:
        expected = world.api.query_all("Tickets", _SOME, _FIELDS)
        assert len(expected) == 5
        same_rows(fmt, ran.out, [{k: r[k] for k in _FIELDS} for r in expected])
        assert ran.err == "(5 Tickets)\n"  # the message, on stderr only

    return check


def check_count(fmt: str) -> Check:
    def check(ran: Ran, world: World) -> None:
        expected = world.api.count("Tickets", _SOME)
        if fmt == "table":
            assert ran.out == f"{expected}\n"
        else:
            same_rows(fmt, ran.out, [{"entity": "Tickets", "count": expected}])
        assert ran.err == ""

    return check


def check_get(fmt: str) -> Check:
    def check(ran: Ran, world: World) -> None:
        record = world.api.get("Tickets", TICKET)
        assert record is not None and "\n" in record["description"]  # a value of several lines
        if fmt == "table":
            assert record_table(ran.out) == {k: text(v) for k, v in record.items()}
        else:
            assert rows(fmt, ran.out) == [
                record if fmt != "csv" else {k: text(v) for k, v in record.items()}
            ]
        assert ran.err == ""

    return check


def check_entities(fmt: str) -> Check:
    def check(ran: Ran, world: World) -> None:
        catalog = load_catalog()
        got = rows(fmt, ran.out)
        assert [r["entity"] for r in got] == [info.name for info in catalog]
        tickets = next(r for r in got if r["entity"] == "Tickets")
        assert tickets["operations"] == ",".join(sorted(catalog["Tickets"].ops))
        contacts = next(r for r in got if r["entity"] == "Contacts")
        assert "Companies/{id}/Contacts" in contacts["under"]
        assert text(tickets["udfs"]) == "true"

    return check


def check_fields(fmt: str) -> Check:
    def check(ran: Ran, world: World) -> None:
        api = world.api
        fields = [*api.get_field_metadata("Tickets"), *api.get_udf_metadata("Tickets")]
        if fmt == "table":
            listed = table(ran.out.split("\n\n", 1)[0])
            assert [r["field"] for r in listed] == [
                f.name + (" (udf)" if f.is_udf else "") for f in fields
            ]
            status = next(f for f in fields if f.name == "status")
            block = ran.out.split("\nstatus picklist:\n", 1)[1].split("\n\n", 1)[0]
            assert [line.split(None, 1)[0] for line in block.splitlines()] == [
                str(v.value) for v in status.picklist_values or ()
            ]
            return
        got = rows(fmt, ran.out)
        assert [r["name"] for r in got] == [f.name for f in fields]
        assert all("_" not in key for r in got for key in r)  # the API's camelCase names
        status = next(r for r in got if r["name"] == "status")
        values = status["picklistValues"]
        picklist = json.loads(values) if fmt == "csv" else values
        assert {"New", "Complete"} <= {p["label"] for p in picklist}

    return check


def check_threshold(fmt: str) -> Check:
    def check(ran: Ran, world: World) -> None:
        if fmt == "table":
            assert re.fullmatch(
                r"[\d,]+ of 10,000 requests used in the last 60 minutes \([\d.]+%\)\n", ran.out
            ), ran.out
            return
        (reading,) = rows(fmt, ran.out)
        assert set(reading) == {"used", "limit", "timeframeMinutes", "percentUsed"}
        assert int(reading["limit"]) == 10_000 and int(reading["timeframeMinutes"]) == 60
        assert int(reading["used"]) >= 1
        assert ran.err == ""

    return check


def doctor_checks(fmt: str, ran: Ran) -> dict[str, tuple[bool, str]]:
    """The checks doctor printed: name -> (ok, detail)."""
    if fmt == "table":
        found = {}
        for line in ran.out.splitlines():
            m = re.fullmatch(r"(ok  |FAIL)  (\S+)\s+(.*)", line)
            assert m, line
            found[m.group(2)] = (m.group(1) == "ok  ", m.group(3))
        return found
    got = rows(fmt, ran.out)
    return {c["check"]: (c["ok"] in (True, "true"), c["detail"]) for c in got}


def check_doctor(fmt: str, credentials: str = "from the environment: user ") -> Check:
    def check(ran: Ran, world: World) -> None:
        checks = doctor_checks(fmt, ran)
        assert list(checks) == ["credentials", "zone", "authentication", "threshold", "versions"]
        assert all(ok for ok, _ in checks.values()), checks
        assert credentials.format(**world) in checks["credentials"][1], checks["credentials"]
        assert checks["credentials"][1].endswith("integration code set, secret set")
        assert world.sandbox.url in checks["zone"][1]
        assert "pandas " in checks["versions"][1]

    return check


def check_doctor_refused_profile(ran: Ran, world: World) -> None:
    checks = doctor_checks("table", ran)
    path = Path(world["config_open"]) / "profiles.toml"
    ok, detail = checks["credentials"]
    assert not ok and f"chmod 600 {path}" in detail  # what is wrong, and the fix
    assert "credentials failed" in ran.err


def check_doctor_wrong_secret(ran: Ran, world: World) -> None:
    checks = doctor_checks("json", ran)
    ok, detail = checks["authentication"]
    assert not ok and "AUTOTASK_SECRET" in detail
    assert "authentication failed" in ran.err


_LISTED = ("id", "fullPath", "fileSize", "contentType", "title", "attachDate")


def check_attachment_list(fmt: str) -> Check:
    def check(ran: Ran, world: World) -> None:
        raw = world.api.list_children("TicketAttachments", LIST_TICKET)  # the API's own record
        assert [int(r["id"]) for r in rows(fmt, ran.out)] == [r["id"] for r in raw]
        api = next(r for r in raw if r["id"] == world.listed.id)
        expected = {
            **{k: api[k] for k in _LISTED},
            "fileSize": 12,
            "parentType": "Ticket",
            "parentID": LIST_TICKET,
            "attachedByResourceID": api["attachedByResourceID"],
            "attachmentType": "FILE_ATTACHMENT",
            "publish": 1,
        }
        got = next(r for r in rows(fmt, ran.out) if int(r["id"]) == world.listed.id)
        if fmt == "table":  # a few columns
            assert got == {k: short(expected[k]) for k in _LISTED}
        elif fmt == "csv":
            assert got == {k: text(expected[k]) for k in got}
            assert set(got) == set(expected)
        else:
            assert got == expected  # the API's names, each value once, no null, no data

    return check


def check_export(ran: Ran, world: World) -> None:
    path = Path(world["tmp"]) / "export.csv"
    exported = list(csv.DictReader(path.open(encoding="utf-8")))
    expected = world.api.query_all("Tickets", _SOME)
    assert ran.out == ""  # the data goes to the file, messages to stderr
    assert [int(r["id"]) for r in exported] == [r["id"] for r in expected]
    assert f"exported 5 Tickets to {path} (csv)" in ran.err


# -- writing commands ----------------------------------------------------------------------------------


def check_create(fmt: str) -> Check:
    def check(ran: Ran, world: World) -> None:
        made = item_id(fmt, ran, "created", "Tags")
        assert world.api.get("Tags", made)["label"] == f"cli-create-{fmt}"

    return check


def check_update(fmt: str) -> Check:
    def check(ran: Ran, world: World) -> None:
        assert item_id(fmt, ran, "updated", "Tags") == world.id(f"tag_update{fmt}")
        assert world.api.get("Tags", world.id(f"tag_update{fmt}"))["label"] == f"updated-{fmt}"

    return check


def check_delete(fmt: str) -> Check:
    def check(ran: Ran, world: World) -> None:
        assert item_id(fmt, ran, "deleted", "Tags") == world.id(f"tag_delete{fmt}")
        assert not exists(world, "Tags", f"tag_delete{fmt}")

    return check


def batch_report(fmt: str, ran: Ran) -> list[dict[str, Any]]:
    """A batch's per-item report as ``{"index", "status", "itemId", "error"}`` (typed)."""
    got = rows(fmt, ran.out)
    if fmt in ("json", "jsonl"):
        assert all(set(r) == {"index", "status", "itemId", "error"} for r in got)
        return got
    return [
        {
            "index": int(r["item"]),
            "status": r["status"],
            "itemId": int(r["id"]) if r["id"] else None,
            "error": r["error"] or None,
        }
        for r in got
    ]


def check_batch_create(fmt: str) -> Check:
    def check(ran: Ran, world: World) -> None:
        report = batch_report(fmt, ran)
        assert [(r["index"], r["status"], r["error"]) for r in report] == [
            (0, "ok", None),
            (1, "ok", None),
        ]
        labels = [world.api.get("Tags", r["itemId"])["label"] for r in report]
        assert labels == [f"batch-{fmt}-0", f"batch-{fmt}-1"]
        assert ran.err == ""

    return check


def check_batch_update(fmt: str) -> Check:
    def check(ran: Ran, world: World) -> None:
        report = batch_report(fmt, ran)
        ids = [world.id(f"tag_bu{fmt}0"), world.id(f"tag_bu{fmt}1")]
        assert [(r["status"], r["itemId"]) for r in report] == [("ok", i) for i in ids]
        assert [world.api.get("Tags", i)["label"] for i in ids] == [
            f"renamed-{fmt}-0",
            f"renamed-{fmt}-1",
        ]

    return check


def check_batch_delete(fmt: str) -> Check:
    def check(ran: Ran, world: World) -> None:
        report = batch_report(fmt, ran)
        ids = [world.id(f"tag_bd{fmt}0"), world.id(f"tag_bd{fmt}1")]
        assert [(r["status"], r["itemId"]) for r in report] == [("ok", i) for i in ids]
        assert [world.api.get("Tags", i) for i in ids] == [None, None]

    return check


def check_partly(action: str, statuses: list[str]) -> Check:
    def check(ran: Ran, world: World) -> None:
        report = batch_report("json", ran)
        assert [r["status"] for r in report] == statuses
        bad = statuses.count("failed")
        assert f"{bad} of {len(statuses)} {action}s did not succeed" in ran.err
        assert all(r["error"] for r in report if r["status"] == "failed")

    return check


def check_dry_run(fmt: str, expected: Callable[[World], list[dict[str, Any]]],
                  untouched: Callable[[World], None]) -> Check:  # fmt: skip
    def check(ran: Ran, world: World) -> None:
        assert dry_run_requests(fmt, ran) == expected(world)
        untouched(world)

    return check


def no_tag(label: str) -> Callable[[World], None]:
    def untouched(world: World) -> None:
        assert world.tag_labels(label) == []

    return untouched


def tag_kept(key: str, label: str) -> Callable[[World], None]:
    def untouched(world: World) -> None:
        assert world.api.get("Tags", world.id(key))["label"] == label

    return untouched


def check_declined(key: str, entity: str = "Tags") -> Check:
    def check(ran: Ran, world: World) -> None:
        assert ran.out == ""
        assert "[y/N]" in ran.err and "nothing deleted" in ran.err
        if entity == "attachment":
            assert world.id(key) in attachment_ids(world, OTHER_TICKET)
        else:
            assert exists(world, entity, key)

    return check


def check_upload(ran: Ran, world: World) -> None:
    words = ran.out.split()
    assert words[:2] == ["uploaded", "attachment"] and words[3:] == ["to", "Ticket", "7001"]
    got = world.api.get("TicketAttachments", int(words[2]), parent_id=UPLOAD_TICKET)
    assert got is not None and got["fullPath"] == "upload.txt"
    assert base64.b64decode(got["data"]) == b"upload\n"


def check_confirmed(ran: Ran, world: World) -> None:
    assert "[y/N]" in ran.err
    assert ran.out.strip() == f"deleted Tags {world['tag_confirmed']}"
    assert not exists(world, "Tags", "tag_confirmed")


def kept(what: str) -> Check:
    """A usage error that deleted nothing: ``what`` (a placeholder) is still there."""

    def check(ran: Ran, world: World) -> None:
        quiet_usage_error(ran, world)
        if what.startswith("att_"):
            assert world.id(what) in attachment_ids(world, OTHER_TICKET)
        else:
            assert exists(world, "Tags", what)

    return check


def not_uploaded(name: str) -> Callable[[World], None]:
    def untouched(world: World) -> None:
        listed = world.api.attachments.get_attachments_for_entity("Ticket", UPLOAD_TICKET)
        assert name not in [a.file_name for a in listed]

    return untouched


def attachment_kept(key: str) -> Callable[[World], None]:
    def untouched(world: World) -> None:
        assert world.id(key) in attachment_ids(world, OTHER_TICKET)

    return untouched


def check_download(ran: Ran, world: World) -> None:
    target = Path(world["tmp"]) / "downloaded.txt"
    assert target.read_bytes() == b"download\n"
    assert ran.out.strip() == (
        f"downloaded attachment {world['att_download']}: 9 bytes to {target}"
    )


def check_attachment_deleted(ran: Ran, world: World) -> None:
    assert ran.out.strip() == f"deleted attachment {world['att_delete']}"
    assert world.id("att_delete") not in attachment_ids(world, OTHER_TICKET)


def check_profile_add(ran: Ran, world: World) -> None:
    path = Path(world["tmp"]) / "config-add" / "profiles.toml"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert world.sandbox.secret in path.read_text()  # kept for use, never printed
    assert ran.out == "" and f"added profile 'new' in {path}" in ran.err


def check_profile_list(ran: Ran, world: World) -> None:
    assert [line.split() for line in ran.out.splitlines()] == [["demo", world.sandbox.username]]


def check_profile_refused(ran: Ran, world: World) -> None:
    path = Path(world["config_open"]) / "profiles.toml"
    assert ran.out == "" and f"chmod 600 {path}" in ran.err


# -- the table -------------------------------------------------------------------------------------------

FORMATS = ("table", "json", "jsonl", "csv")
_TAG = '{{"label": "{}"}}'
CANARY_ENV = {"AUTOTASK_SECRET": CANARY}


def _each_format(command: str, argv: Callable[[str], tuple[str, ...]], check: Callable[[str], Check],
                 stdin: Callable[[str], str] | None = None, **extra: Any) -> list[Case]:  # fmt: skip
    """One case for each ``--output`` format (``table`` by default: no option)."""
    return [
        Case(command, fmt, (*argv(fmt), *(("--output", fmt) if fmt != "table" else ())), 0,
             check(fmt), stdin=None if stdin is None else stdin(fmt), **extra)  # fmt: skip
        for fmt in FORMATS
    ]


def _two_new_tags(fmt: str) -> str:
    """``batch create``'s input: two Tags, as JSON lines."""
    return "".join(json.dumps({"label": f"batch-{fmt}-{i}"}) + "\n" for i in (0, 1))


def _two_renamed_tags(fmt: str) -> str:
    """``batch update``'s input: two Tags of the case's own, renamed, as a JSON array."""
    items = [f'{{"id": {{tag_bu{fmt}{i}}}, "label": "renamed-{fmt}-{i}"}}' for i in (0, 1)]
    return f"[{', '.join(items)}]"


CASES: list[Case] = [
    # query
    *_each_format("query", lambda f: ("tickets", "--where", "id <= 7004", "--fields",
                                      ",".join(_FIELDS)), check_query),  # fmt: skip
    Case("query", "wrong secret", ("Tickets", "--max-records", "1"), 1, UNAUTHORISED,
         env=CANARY_ENV),  # fmt: skip
    Case("query", "unknown entity", ("Tikets",), 2, quiet_usage_error),
    # count
    *_each_format("count", lambda f: ("Tickets", "--where", "id <= 7004"), check_count),
    Case("count", "no connection", ("Tickets",), 1, refused("Connection refused"),
         env={"AUTOTASK_API_URL": "{closed}"}),  # fmt: skip
    Case("count", "bad filter", ("Tickets", "--filter", "status is 5"), 2, quiet_usage_error),
    # get
    *_each_format("get", lambda f: ("Tickets", str(TICKET)), check_get),
    Case("get", "not found", ("Tickets", str(MISSING)), 1, refused(f"Tickets {MISSING} was not found")),
    Case("get", "id not a number", ("Tickets", "seven"), 2, quiet_usage_error),
    # create
    *_each_format("create", lambda f: ("Tags", "--data", _TAG.format(f"cli-create-{f}")),
                  check_create),  # fmt: skip
    Case("create", "dry run", ("Tags", "--data", _TAG.format("cli-dry-create"), "--dry-run"), 0,
         check_dry_run("table", lambda w: [{"method": "POST", "url": w["root"] + "Tags",
                                            "body": {"label": "cli-dry-create"}}],
                       no_tag("cli-dry-create"))),  # fmt: skip
    Case("create", "server refuses", ("Tickets", "--data", '{"title": "no company"}'), 1,
         refused("companyID is required for the Ticket entity.")),  # fmt: skip
    Case("create", "data not json", ("Tags", "--data", "{not json"), 2, quiet_usage_error),
    # update
    *_each_format("update", lambda f: ("Tags", f"{{tag_update{f}}}", "--data",
                                       _TAG.format(f"updated-{f}")), check_update),  # fmt: skip
    Case("update", "dry run", ("Tags", "{tag_dryupdate}", "--data", _TAG.format("not-sent"),
                               "--dry-run", "--output", "csv"), 0,
         check_dry_run("csv", lambda w: [{"method": "PATCH", "url": w["root"] + "Tags",
                                          "body": {"id": w.id("tag_dryupdate"),
                                                   "label": "not-sent"}}],
                       tag_kept("tag_dryupdate", "cli-dryupdate"))),  # fmt: skip
    Case("update", "not found", ("Tags", str(MISSING), "--data", _TAG.format("x")), 1,
         refused()),  # fmt: skip
    Case("update", "data not an object", ("Tags", "1", "--data", "[1, 2]"), 2, quiet_usage_error),
    # delete
    *_each_format("delete", lambda f: ("Tags", f"{{tag_delete{f}}}", "--yes"), check_delete),
    Case("delete", "dry run", ("Tags", "{tag_drydelete}", "--dry-run", "--output", "json"), 0,
         check_dry_run("json", lambda w: [{"method": "DELETE", "body": None,
                                           "url": f"{w['root']}Tags/{w['tag_drydelete']}"}],
                       tag_kept("tag_drydelete", "cli-drydelete"))),  # fmt: skip
    Case("delete", "declined on the terminal", ("Tags", "{tag_declined}"), 1,
         check_declined("tag_declined"), terminal="n\n"),  # fmt: skip
    Case("delete", "end of input on the terminal", ("Tags", "{tag_eof}"), 1,
         check_declined("tag_eof"), terminal="\x04"),  # fmt: skip
    Case("delete", "confirmed on the terminal", ("Tags", "{tag_confirmed}"), 0, check_confirmed,
         terminal="y\n"),  # fmt: skip
    Case("delete", "not found", ("Tags", str(MISSING), "--yes"), 1,
         refused(f"Tags {MISSING} was not found; nothing deleted")),  # fmt: skip
    Case("delete", "no --yes off a terminal", ("Tags", "{tag_notty}"), 2, kept("tag_notty")),
    # batch create
    *_each_format("batch create", lambda f: ("Tags", "--file", "-"), check_batch_create,
                  stdin=_two_new_tags),  # fmt: skip
    Case("batch create", "dry run", ("Tags", "--file", "-", "--dry-run", "--output", "jsonl"), 0,
         check_dry_run("jsonl", lambda w: [
             {"method": "POST", "url": w["root"] + "Tags", "body": {"label": f"cli-dry-batch-{i}"}}
             for i in (0, 1)], no_tag("cli-dry-batch-0")),
         stdin='{"label": "cli-dry-batch-0"}\n{"label": "cli-dry-batch-1"}\n'),  # fmt: skip
    Case("batch create", "partly failed", ("Companies", "--file", "-", "--output", "json"), 3,
         check_partly("create", ["ok", "failed"]),
         stdin='[{"companyName": "Batch Good", "companyType": 1, "phone": "555-0100", "ownerResourceID": {resource}},'
               ' {"companyName": "Batch Bad"}]'),  # fmt: skip
    Case("batch create", "all failed", ("Companies", "--file", "-", "--output", "json"), 1,
         check_partly("create", ["failed"]), stdin='[{"companyName": "Bad"}]'),  # fmt: skip
    Case("batch create", "--ids instead of --file", ("Tags", "--ids", "1"), 2, quiet_usage_error),
    # batch update
    *_each_format("batch update", lambda f: ("Tags", "--file", "-"), check_batch_update,
                  stdin=_two_renamed_tags),  # fmt: skip
    Case("batch update", "dry run", ("Tags", "--file", "-", "--dry-run", "--output", "json"), 0,
         check_dry_run("json", lambda w: [{"method": "PATCH", "url": w["root"] + "Tags",
                                           "body": {"id": w.id("tag_drybu"), "label": "nope"}}],
                       tag_kept("tag_drybu", "cli-drybu")),
         stdin='[{"id": {tag_drybu}, "label": "nope"}]'),  # fmt: skip
    Case("batch update", "partly failed", ("Tags", "--file", "-", "--output", "json"), 3,
         check_partly("update", ["ok", "failed"]),
         stdin=f'[{{"id": {{tag_bupartly}}, "label": "partly"}}, {{"id": {MISSING}, "label": "x"}}]'),  # fmt: skip
    Case("batch update", "all failed", ("Tags", "--file", "-", "--output", "json"), 1,
         check_partly("update", ["failed"]), stdin=f'[{{"id": {MISSING}, "label": "x"}}]'),  # fmt: skip
    Case("batch update", "item without id", ("Tags", "--file", "-"), 2, quiet_usage_error,
         stdin='[{"label": "no id"}]'),  # fmt: skip
    # batch delete
    *_each_format("batch delete", lambda f: ("Tags", "--ids", f"{{tag_bd{f}0}},{{tag_bd{f}1}}",
                                             "--yes"), check_batch_delete),  # fmt: skip
    Case("batch delete", "dry run", ("Tags", "--ids", "{tag_drybd}", "--dry-run"), 0,
         check_dry_run("table", lambda w: [{"method": "DELETE", "body": None,
                                            "url": f"{w['root']}Tags/{w['tag_drybd']}"}],
                       tag_kept("tag_drybd", "cli-drybd"))),  # fmt: skip
    Case("batch delete", "declined on the terminal", ("Tags", "--ids", "{tag_bddeclined}"), 1,
         check_declined("tag_bddeclined"), terminal="no\n"),  # fmt: skip
    Case("batch delete", "partly failed",
         ("Tags", "--ids", f"{{tag_bdpartly}},{MISSING}", "--yes", "--output", "json"), 3,
         check_partly("delete", ["ok", "failed"])),  # fmt: skip
    Case("batch delete", "all failed", ("Tags", "--ids", str(MISSING), "--yes", "--output",
                                        "json"), 1, check_partly("delete", ["failed"])),  # fmt: skip
    Case("batch delete", "ids not numbers", ("Tags", "--ids", "1,x", "--yes"), 2,
         quiet_usage_error),  # fmt: skip
    # attachments
    Case("attachments upload", "a file",
         ("--parent-type", "Ticket", "--parent-id", str(UPLOAD_TICKET), "--file", "{file_upload}"),
         0, check_upload),  # fmt: skip
    Case("attachments upload", "dry run",
         ("--parent-type", "Ticket", "--parent-id", str(UPLOAD_TICKET), "--file",
          "{file_dryupload}", "--dry-run"), 0,
         check_dry_run("table", lambda w: [{
             "method": "POST", "url": f"{w['root']}Tickets/{UPLOAD_TICKET}/Attachments",
             "body": {"attachmentType": "FILE_ATTACHMENT", "fullPath": "dryupload.txt",
                      "title": "dryupload.txt", "publish": 1, "data": "ZHJ5dXBsb2FkCg==",
                      "ticketID": UPLOAD_TICKET}}],
             not_uploaded("dryupload.txt"))),  # fmt: skip
    Case("attachments upload", "wrong secret",
         ("--parent-type", "Ticket", "--parent-id", str(UPLOAD_TICKET), "--file",
          "{file_canary}"), 1, UNAUTHORISED, env=CANARY_ENV),  # fmt: skip
    Case("attachments upload", "no --file", ("--parent-type", "Ticket", "--parent-id", "1"), 2,
         quiet_usage_error),  # fmt: skip
    Case("attachments download", "a file",
         ("--attachment-id", "{att_download}", "--output", "{tmp}/downloaded.txt"), 0,
         check_download),  # fmt: skip
    Case("attachments download", "not found",
         ("--attachment-id", str(MISSING), "--output", "{tmp}/missing.txt"), 1,
         refused("not found")),  # fmt: skip
    Case("attachments download", "no --output", ("--attachment-id", "1"), 2, quiet_usage_error),
    *_each_format("attachments list",
                  lambda f: ("--parent-type", "Ticket", "--parent-id", str(LIST_TICKET)),
                  check_attachment_list),  # fmt: skip
    Case("attachments list", "no such parent",
         ("--parent-type", "Ticket", "--parent-id", str(MISSING)), 1,
         refused(f"Ticket {MISSING} does not exist.")),  # fmt: skip
    Case("attachments list", "unknown format",
         ("--parent-type", "Ticket", "--parent-id", "1", "--output", "xml"), 2,
         quiet_usage_error),  # fmt: skip
    Case("attachments delete-attachment", "with --yes",
         ("--attachment-id", "{att_delete}", "--yes"), 0, check_attachment_deleted),
    Case("attachments delete-attachment", "dry run", ("--attachment-id", "{att_drydelete}",
                                                      "--dry-run"), 0,
         check_dry_run("table", lambda w: [{
             "method": "DELETE", "body": None,
             "url": f"{w['root']}Tickets/{OTHER_TICKET}/Attachments/{w['att_drydelete']}"}],
             attachment_kept("att_drydelete"))),  # fmt: skip
    Case("attachments delete-attachment", "declined on the terminal",
         ("--attachment-id", "{att_declined}"), 1, check_declined("att_declined", "attachment"),
         terminal="\n"),  # fmt: skip
    Case("attachments delete-attachment", "not found", ("--attachment-id", str(MISSING), "--yes"),
         1, refused(f"attachment {MISSING} was not found; nothing deleted")),  # fmt: skip
    Case("attachments delete-attachment", "no --yes off a terminal",
         ("--attachment-id", "{att_notty}"), 2, kept("att_notty")),  # fmt: skip
    # the catalog and the API's state
    *_each_format("entities", lambda f: (), check_entities, credentials=False),
    Case("entities", "unknown format", ("--output", "xml"), 2, quiet_usage_error),
    *_each_format("fields", lambda f: ("Tickets",), check_fields),
    Case("fields", "wrong secret", ("Tickets",), 1, UNAUTHORISED, env=CANARY_ENV),
    Case("fields", "unknown entity", ("Tikets",), 2, quiet_usage_error),
    *_each_format("threshold", lambda f: (), check_threshold),
    Case("threshold", "wrong secret", (), 1, UNAUTHORISED, env=CANARY_ENV),
    Case("threshold", "unknown format", ("--output", "xml"), 2, quiet_usage_error),
    *_each_format("doctor", lambda f: (), check_doctor),
    Case("doctor", "--profile", ("--profile", "demo"), 0,
         check_doctor("table", "profile 'demo' (--profile) from {config_good}/profiles.toml: "),
         credentials=False, env={"AUTOTASK_CONFIG_DIR": "{config_good}"}),  # fmt: skip
    Case("doctor", "AUTOTASK_PROFILE", ("--output", "json"), 0,
         check_doctor("json", "profile 'demo' ($AUTOTASK_PROFILE) from {config_good}/profiles.toml"),
         credentials=False, env={"AUTOTASK_CONFIG_DIR": "{config_good}",
                                 "AUTOTASK_PROFILE": "demo"}),  # fmt: skip
    Case("doctor", "profile file others can read", (), 1, check_doctor_refused_profile,
         credentials=False, env={"AUTOTASK_CONFIG_DIR": "{config_open}",
                                 "AUTOTASK_PROFILE": "demo"}),  # fmt: skip
    Case("doctor", "wrong secret", ("--output", "json"), 1, check_doctor_wrong_secret,
         env=CANARY_ENV),  # fmt: skip
    Case("doctor", "unknown option", ("--verbose",), 2, quiet_usage_error),
    Case("export", "csv", ("Tickets", "--where", "id <= 7004", "--out", "{tmp}/export.csv"), 0,
         check_export),  # fmt: skip
    Case("export", "wrong secret", ("Tickets", "--out", "{tmp}/canary.csv"), 1, UNAUTHORISED,
         env=CANARY_ENV),  # fmt: skip
    Case("export", "unknown suffix", ("Tickets", "--out", "{tmp}/t.xlsx"), 2, quiet_usage_error),
    # profiles (more in test_cli_profiles.py)
    Case("profile add", "secret from stdin",
         ("new", "--username", "u@example.com", "--integration-code", "CODE"), 0,
         check_profile_add, credentials=False, stdin="{secret}\n",
         env={"AUTOTASK_CONFIG_DIR": "{tmp}/config-add"}),  # fmt: skip
    Case("profile add", "a name with a space",
         ("new one", "--username", "u", "--integration-code", "c"), 2, quiet_usage_error,
         credentials=False, stdin="s\n", env={"AUTOTASK_CONFIG_DIR": "{tmp}/config-bad"}),  # fmt: skip
    Case("profile list", "names and usernames", (), 0, check_profile_list, credentials=False,
         env={"AUTOTASK_CONFIG_DIR": "{config_good}"}),  # fmt: skip
    Case("profile list", "file others can read", (), 2, check_profile_refused,
         credentials=False, env={"AUTOTASK_CONFIG_DIR": "{config_open}"}),  # fmt: skip
    # long-running commands, run for real in their own modules; their usage errors here
    Case("demo", "scale not a number", ("--scale", "x"), 2, quiet_usage_error, credentials=False),
    Case("sandbox serve", "port not a number", ("--port", "x"), 2, quiet_usage_error,
         credentials=False),  # fmt: skip
]

# Commands whose runs take long (a kernel, a server until Ctrl-C): run in their own modules.
ELSEWHERE = {
    "demo": "test_demo_report.py::test_demo_writes_the_report_where_it_says",
    "sandbox serve": "test_cli_sandbox.py::test_serve_prints_url_and_demo_credentials_and_answers_queries",
}




# -- running them --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    """This module's sandbox: runs go a few at a time, so more concurrent requests are allowed
    than the API's 3 per endpoint (which other modules test); nothing else differs."""
    with new_sandbox(thread_limit=16) as sb:
        yield sb


@pytest.fixture(scope="module")
def world(sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with connect(sandbox, threshold_check_every=0) as api:
        made = World(sandbox, api, tmp_path_factory.mktemp("cli-every-command"))
        made.values["secret"] = sandbox.secret  # only ever piped to `profile add`
        yield made


@pytest.fixture(scope="module")
def ran(world: World, request: pytest.FixtureRequest) -> Iterator[dict[str, Future[Ran]]]:
    """Every selected case's run, started once per module in the table's order, a few at a
    time (``PARALLEL``); each test waits for its own."""
    selected = {
        item.callspec.params["case"].id
        for item in request.session.items
        if getattr(item, "path", None) == request.path
        and hasattr(item, "callspec")
        and "case" in item.callspec.params
    }
    cases = [c for c in CASES if c.id in selected]
    calls = [c.call(world) for c in cases]  # makes the records the cases name, first
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        yield {c.id: pool.submit(autotask_call, call) for c, call in zip(cases, calls)}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_command(case: Case, ran: dict[str, Future[Ran]], world: World) -> None:
    result = ran[case.id].result()
    assert result.code == case.code, result
    if case.code == 0 and not case.dry_run and case.check is None:
        raise AssertionError("a case that succeeds must check what it printed")
    if case.check is not None:
        case.check(result, world)


# -- every command has its cases -----------------------------------------------------------------------


def test_the_parser_lists_every_command_there_is() -> None:
    top = {path.split()[0] for path in PATHS}
    assert top == {*COMMANDS, "demo", "sandbox"}  # COMMANDS: what main() runs, besides these two
    assert {p for p in PATHS if p.startswith("attachments ")} == {
        "attachments upload", "attachments download", "attachments list",
        "attachments delete-attachment",
    }  # fmt: skip


def _missing(path: str, parser: argparse.ArgumentParser) -> list[str]:
    cases = [c for c in CASES if c.command == path]
    codes = {c.code for c in cases}
    have = options(parser)
    missing = []
    if path in ELSEWHERE:
        module, _, name = ELSEWHERE[path].partition("::")
        source = (Path(__file__).parent / module).read_text()
        if f"def {name}(" not in source:
            missing.append(f"its test {ELSEWHERE[path]}")
    elif 0 not in codes:
        missing.append("exit 0")
    if 2 not in codes:
        missing.append("exit 2 (a usage error)")
    if "--sandbox" in have and 1 not in codes:  # it connects: the API can refuse
        missing.append("exit 1 (the API refused or could not be reached)")
    if path.startswith("batch ") and 3 not in codes:
        missing.append("exit 3 (a batch that partly failed)")
    for fmt in formats(parser):
        if not any(c.fmt == fmt and c.code == 0 and not c.dry_run for c in cases):
            missing.append(f"--output {fmt}")
    if "--dry-run" in have and not any(c.dry_run and c.code == 0 for c in cases):
        missing.append("--dry-run")
    if "--yes" in have and path.split()[-1].startswith("delete"):  # batch shares its options
        if not any(c.terminal is not None and c.code == 1 for c in cases):
            missing.append("a confirmation declined on a terminal")
        if not any("--yes" in c.argv and c.code == 0 for c in cases) and not any(
            c.terminal and c.terminal.startswith("y") for c in cases
        ):
            missing.append("a confirmed delete")
    return missing


@pytest.mark.parametrize("path", sorted(PATHS))
def test_every_command_has_its_cases(path: str) -> None:
    assert _missing(path, PATHS[path]) == [], f"autotask {path} has no case for these"


def test_every_case_names_a_command() -> None:
    assert {c.command for c in CASES} <= set(PATHS)
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))
