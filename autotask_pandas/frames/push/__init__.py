"""Pushing an edited frame back as the minimal set of writes.

Modules import one way: ``diff`` (what changed) -> ``validate`` (each value against metadata) ->
``compare`` (values in the API's form) -> ``plan`` (``PushPlan``: what each row would do) ->
``bodies`` (the request bodies) -> ``operations`` (the writes) -> ``conflicts`` (edits made on the
server since the pull) -> ``send`` (the one write path) -> ``result`` (``PushResult``); ``push``
runs them in that order.
"""
