"""ipywidgets front ends: ``FilterBuilder`` (a query form) and ``AttachmentPreview``.

    from autotask_pandas.widgets import AttachmentPreview, FilterBuilder

    builder = FilterBuilder()                    # shows the %autotask line it stands for
    AttachmentPreview("Ticket", 29683490)        # list, preview, save and upload attachments

Both take ``client=None`` for the default client (the environment's credentials, else the
embedded sandbox). They parse and display only: queries go through the filter language and a
frames ``Query``, attachments through the client's attachments entity. See ``docs/widgets.md``.
"""

from autotask_pandas.widgets.attachment_preview import AttachmentPreview
from autotask_pandas.widgets.filter_builder import FilterBuilder

__all__ = ["AttachmentPreview", "FilterBuilder"]
