"""The house rules, checked: one-way imports, the sandbox apart, an explicit public face.

Imports are read from the source (``ast``), every kind counted: module level, inside functions,
and under ``if TYPE_CHECKING:`` too, because an arrow that only the type checker follows still
ties two modules together. docs/architecture.md explains the layers.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import autotask_pandas

PACKAGE = "autotask_pandas"
ROOT = Path(autotask_pandas.__file__).parent

# Which part may import which. A part is a top-level module or folder of the package; ``(root)``
# is the package's __init__ (the public face and composition root). Arrows point down only.
ALLOWED: dict[str, set[str]] = {
    "types": set(),
    "exceptions": {"types"},
    "catalog": set(),
    "auth": {"exceptions"},
    "sandbox": {"catalog"},
    "client": {"auth", "catalog", "exceptions", "types", "sandbox"},
    "query": {"exceptions", "types"},
    "frames": {"catalog", "client", "exceptions", "query", "types"},
    "entities": {"catalog", "client", "exceptions", "frames", "types"},
    "cli": {
        "auth", "catalog", "client", "entities", "exceptions", "frames", "query", "sandbox",
        "types",
    },
    "jupyter": {
        "auth", "catalog", "client", "entities", "exceptions", "frames", "query", "sandbox",
        "types",
    },
    # ipywidgets forms: they parse and display; requests go through frames, client and entities.
    "widgets": {"catalog", "client", "entities", "exceptions", "frames", "query", "types"},
    "(root)": {"auth", "client", "entities", "exceptions", "frames", "jupyter", "types"},
}


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(module: str, path: Path) -> Iterator[tuple[str, int, bool]]:
    """(imported module of ours, line, under TYPE_CHECKING) for every import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only.update(id(child) for stmt in node.body for child in ast.walk(stmt))
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                # ``from pkg import mod`` imports the module; ``from mod import name`` the module
                names.append(f"{target}.{alias.name}" if f"{target}.{alias.name}" in MODULES
                             else target)
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            if name in MODULES and name != module:
                yield name, node.lineno, id(node) in typing_only


GRAPH: dict[str, set[str]] = {
    module: {target for target, _, _ in _imports(module, path)} for module, path in MODULES.items()
}


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "(root)"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


@pytest.mark.parametrize("module", sorted(m for m in MODULES if not m.endswith(".__main__")))
def test_every_module_imports(module: str) -> None:
    """Every module imports on its own (``__main__`` modules run a program instead)."""
    importlib.import_module(module)


def test_the_checker_sees_a_cycle() -> None:
    """The cycle finder itself: a loop of three and a self-contained pair are found."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"e"}, "e": {"d"}, "f": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"], ["d", "e"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_between_modules() -> None:
    assert _cycles(GRAPH) == []


def test_no_import_cycle_between_parts() -> None:
    parts: dict[str, set[str]] = {}
    for module, targets in GRAPH.items():
        parts.setdefault(_part(module), set()).update(
            _part(t) for t in targets if _part(t) != _part(module)
        )
    assert _cycles(parts) == []


def test_arrows_point_down() -> None:
    assert set(ALLOWED) == {_part(m) for m in MODULES}, "a new part: give it a row in ALLOWED"
    wrong = [
        f"{module} -> {target} (line {line})"
        for module, path in MODULES.items()
        for target, line, _ in _imports(module, path)
        if _part(target) != _part(module) and _part(target) not in ALLOWED[_part(module)]
    ]
    assert wrong == []


def test_sandbox_imports_only_the_catalog() -> None:
    """DESIGN: the emulator never shares query, filter or dtype code with the client."""
    outside = sorted(
        f"{module} -> {target}"
        for module in MODULES
        if _part(module) == "sandbox"
        for target in GRAPH[module]
        if _part(target) not in ("sandbox", "catalog")
    )
    assert outside == []


@pytest.mark.parametrize("leaf", ["autotask_pandas.exceptions", "autotask_pandas.types"])
def test_leaves_import_nothing_of_ours_at_run_time(leaf: str) -> None:
    at_run_time = [t for t, _, typing_only in _imports(leaf, MODULES[leaf]) if not typing_only]
    assert at_run_time == []


def test_no_dynamic_import_of_our_modules() -> None:
    """``importlib.import_module("autotask_pandas...")`` would hide an arrow from the checks."""
    hidden = []
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and ast.unparse(node.func).endswith(("import_module", "__import__"))
                and node.args
                and PACKAGE in ast.unparse(node.args[0])
            ):
                hidden.append(f"{module}:{node.lineno}")
    assert hidden == []


def test_public_names_are_explicit_sorted_and_real() -> None:
    names = autotask_pandas.__all__
    assert names == sorted(names)
    assert len(set(names)) == len(names)
    for name in names:
        assert hasattr(autotask_pandas, name), name
    public = {n for n in vars(autotask_pandas) if not n.startswith("_")}
    submodules = {m.name for m in pkgutil.iter_modules(autotask_pandas.__path__)}
    assert public - set(names) - submodules == set()


def test_reference_import_paths_still_work() -> None:
    from autotask_pandas import AutotaskClient
    from autotask_pandas.auth import AuthCredentials
    from autotask_pandas.client import AutotaskClient as SameClient
    from autotask_pandas.exceptions import AutotaskException
    from autotask_pandas.sandbox import Sandbox
    from autotask_pandas.types import QueryFilter

    assert AutotaskClient is SameClient
    assert {AuthCredentials.__module__, AutotaskException.__module__, Sandbox.__module__,
            QueryFilter.__module__} == {
        "autotask_pandas.auth", "autotask_pandas.exceptions", "autotask_pandas.sandbox.server",
        "autotask_pandas.types",
    }
