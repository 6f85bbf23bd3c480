"""The pandas layer: Autotask values as typed DataFrames and edited frames pushed back.

``dtypes`` (the dtype table), ``builder``/``from_api``/``to_api`` (conversions both ways),
``picklists``/``labels`` (picklist labels), ``lazy`` (the lazy ``Query``), ``reader``
(``read_autotask``), ``snapshot`` (what each frame was pulled as), ``accessor`` (``df.autotask``)
and ``push/`` (diff -> validate -> plan -> bodies -> send -> result).
"""
