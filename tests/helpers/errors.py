"""Every exception an error carries: what a secret-leak check must read besides the error itself."""

from __future__ import annotations

from collections.abc import Iterable

from autotask_pandas import AutotaskBatchError


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
