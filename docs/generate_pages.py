"""The documentation pages made from the code at build time (written under ``docs/generated/``,
which git ignores): the CLI reference from the ``autotask`` parser itself, and the notebooks of
``notebooks/`` copied in so the site renders their committed outputs."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from autotask_pandas.cli.parser import build_parser


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:  # argparse offers no public walk of its subcommands
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _section(lines: list[str], title: str, parser: argparse.ArgumentParser, depth: int) -> None:
    lines += [f"{'#' * depth} `{title}`", "", "```text", parser.format_help().rstrip(), "```", ""]
    for name, child in _subparsers(parser).items():
        _section(lines, f"{title} {name}", child, min(depth + 1, 4))


def cli_reference() -> str:
    """Markdown: ``autotask --help`` and the help of every subcommand, in the parser's order."""
    parser = build_parser()
    lines = [
        "# CLI reference",
        "",
        "Generated from the `autotask` command's own parser when the site is built, so it cannot",
        "drift from the program. With no credentials in the environment every command runs on the",
        "embedded sandbox.",
        "",
    ]
    for name, child in _subparsers(parser).items():
        _section(lines, f"autotask {name}", child, 2)
    return "\n".join(lines) + "\n"


def write_all(target: Path, notebooks: Path) -> None:
    """Write the generated pages under ``target`` (replacing what was there)."""
    if target.exists():
        shutil.rmtree(target)
    (target / "notebooks").mkdir(parents=True)
    (target / "cli.md").write_text(cli_reference(), encoding="utf-8")
    for notebook in sorted(notebooks.glob("*.ipynb")):
        shutil.copy2(notebook, target / "notebooks" / notebook.name)
