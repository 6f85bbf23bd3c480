"""Reading an ``%autotask`` line (and ``%%autotask`` cell) apart from the magic that runs it.

    [name <<] [options] Entity [where <filter>] [select a, b, udf:"X"] [limit N]
    [name <<] [options] count Entity [where <filter>]
    entities | fields Entity | threshold
    push df [--dry-run] [--conflicts fail|skip|overwrite] [--entity Entity]
    connect [--sandbox [--scale N] [--seed N]] [--username NAME]

options (before the query): ``-o NAME``/``--out NAME`` (capture, like ``NAME <<``), ``--labels``/
``--no-labels``, ``--lazy``, ``--tz ZONE``, ``--progress``/``--no-progress``.

The query itself (``query/statement.py``) is kept as text here: ``{name}`` interpolation and its
parsing come after. A cell magic reads its first line and its body as one text, so options and a
capture go on the ``%%autotask`` line and the query may span the cell. Mistakes raise IPython's
``UsageError`` (shown without a traceback).
"""

from __future__ import annotations

import argparse
import re
import shlex
from dataclasses import dataclass, field
from typing import NoReturn

from IPython.core.error import UsageError

__all__ = ["COMMANDS", "MagicLine", "Options", "parse_line"]

COMMANDS = ("connect", "count", "entities", "fields", "push", "threshold")
CONFLICTS = ("fail", "skip", "overwrite")
_CAPTURE = re.compile(r"\s*([A-Za-z_]\w*)\s*<<")
_WORD = re.compile(r"\s*(\S+)")
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*\Z")
USAGE = (
    "usage: %autotask [-o NAME] [--labels] [--lazy] [--tz ZONE] [--no-progress] "
    "Entity [where ...] [select ...] [limit N]\n"
    "       %autotask count|entities|fields Entity|push df|threshold|connect [--sandbox]\n"
    "(%autotask? for the details)"
)


@dataclass
class Options:
    """The options before a query; None means the magic's configured default."""

    out: str | None = None
    labels: bool | None = None
    lazy: bool = False
    tz: str | None = None
    progress: bool | None = None


@dataclass
class MagicLine:
    """One line, read: the command, its options and the rest (a query's text, or arguments)."""

    command: str  # "query" or one of COMMANDS
    options: Options = field(default_factory=Options)
    text: str = ""  # the query (query, count), as written
    args: argparse.Namespace = field(default_factory=argparse.Namespace)


class _Parser(argparse.ArgumentParser):
    """argparse that reports with ``UsageError`` instead of printing and exiting."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"%autotask {self.prog}: {message}")

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        raise UsageError(message or f"%autotask {self.prog}: see %autotask?")


def _subparsers() -> dict[str, _Parser]:
    connect = _Parser(prog="connect", add_help=False)
    connect.add_argument("--sandbox", action="store_true")
    connect.add_argument("--scale", type=float, default=1.0)
    connect.add_argument("--seed", type=int, default=0)
    connect.add_argument("--username", default=None)
    fields = _Parser(prog="fields", add_help=False)
    fields.add_argument("entity")
    push = _Parser(prog="push", add_help=False)
    push.add_argument("frame")
    push.add_argument("--dry-run", action="store_true")
    push.add_argument("--conflicts", choices=CONFLICTS, default="fail")
    push.add_argument("--entity", default=None)
    plain = {name: _Parser(prog=name, add_help=False) for name in ("entities", "threshold")}
    return {"connect": connect, "fields": fields, "push": push, **plain}


def _identifier(name: str, what: str) -> str:
    if not _IDENTIFIER.match(name):
        raise UsageError(f"{what} must be a Python variable name, got {name!r}")
    return name


def _take_options(text: str, options: Options) -> str:
    """Read leading options into ``options``; returns the text after them."""
    while True:
        found = _WORD.match(text)
        if found is None or not found.group(1).startswith("-"):
            return text
        word = found.group(1)
        rest = text[found.end() :]
        name, eq, value = word.partition("=")
        if name in ("-o", "--out", "--tz"):
            if not eq:
                following = _WORD.match(rest)
                if following is None:
                    raise UsageError(f"{name} needs a value")
                value, rest = following.group(1), rest[following.end() :]
            if name == "--tz":
                options.tz = value
            else:
                options.out = _identifier(value, name)
        elif eq:
            raise UsageError(f"{name} takes no value")
        elif name == "--labels":
            options.labels = True
        elif name == "--no-labels":
            options.labels = False
        elif name == "--lazy":
            options.lazy = True
        elif name == "--progress":
            options.progress = True
        elif name == "--no-progress":
            options.progress = False
        else:
            raise UsageError(
                f"unknown option {word!r}; options before the query are -o NAME, --labels, "
                "--no-labels, --lazy, --tz ZONE, --progress, --no-progress"
            )
        text = rest


def parse_line(line: str, cell: str | None = None) -> MagicLine:
    """The command of an ``%autotask`` line, or of a ``%%autotask`` cell (its line and body)."""
    text = line if cell is None else f"{line}\n{cell}"
    options = Options()
    capture = _CAPTURE.match(text)
    if capture:
        options.out = capture.group(1)
        text = text[capture.end() :]
    text = _take_options(text, options)
    found = _WORD.match(text)
    if found is None:
        raise UsageError("%autotask needs a query or a command\n" + USAGE)
    word = found.group(1).lower()
    rest = text[found.end() :]
    if word == "count":
        return MagicLine("count", options, _take_options(rest, options).strip())
    if word in COMMANDS:
        try:
            argv = shlex.split(rest)
        except ValueError as exc:
            raise UsageError(f"%autotask {word}: {exc}") from None
        args = _subparsers()[word].parse_args(argv)
        if word == "push":
            _identifier(args.frame, "push's frame")
        return MagicLine(word, options, "", args)
    return MagicLine("query", options, text.strip())

