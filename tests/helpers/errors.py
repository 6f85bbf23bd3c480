"""Every exception an error carries: what a secret-leak check must read besides the error itself."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from autotask_pandas import AutotaskBatchError, AutotaskException


def collect_error(errors: list[BaseException], call: Callable[[], Any]) -> None:
    """Run ``call``, which must raise an error of our tree, and keep that error in ``errors``
    (for a secret-leak check to read afterwards). No error is a failure of the test."""
    try:
        call()
    except AutotaskException as exc:
        errors.append(exc)
    else:  # pragma: no cover - each call given must fail
        raise AssertionError("expected an error")


def exception_chain(exc: BaseException) -> Iterable[BaseException]:
    """``exc``, its causes and contexts, and the item errors of a batch error, each once."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        todo.extend([e.__cause__, e.__context__])
        if isinstance(e, AutotaskBatchError):
            todo.extend(r.error for r in e.results)
