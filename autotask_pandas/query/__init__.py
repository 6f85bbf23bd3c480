"""Queries: the filter language (``language``) and lazy query objects (``lazy``)."""

from autotask_pandas.query.language import FilterSyntaxError, Label, parse, resolve, to_text

__all__ = ["FilterSyntaxError", "Label", "parse", "resolve", "to_text"]
