"""Entity managers: ``client.entities.<snake_name>`` for every Autotask entity.

``EntityManager`` hands out one ``BaseEntity`` per entity of the catalog (the reference's
``query``/``query_by_id``/``get_next_page``/``batch_*`` plus create/update/replace/delete/count),
and the reference's specialised classes for tickets, companies, time entries and attachments.
Everything goes through ``AutotaskClient``; field names may be the API's or the reference's
snake_case (``fields.py``).
"""

from autotask_pandas.client.fieldnames import api_field_name, to_api_fields
from autotask_pandas.entities.attachments import AttachmentParent, AttachmentsEntity
from autotask_pandas.entities.base import BaseEntity
from autotask_pandas.entities.companies import CompaniesEntity
from autotask_pandas.entities.manager import EntityManager, UnknownEntityError, snake_name
from autotask_pandas.entities.tickets import TicketsEntity
from autotask_pandas.entities.time_entries import TimeEntriesEntity
from autotask_pandas.entities.volume import UploadBudget

__all__ = [
    "AttachmentParent",
    "AttachmentsEntity",
    "BaseEntity",
    "CompaniesEntity",
    "EntityManager",
    "TicketsEntity",
    "TimeEntriesEntity",
    "UnknownEntityError",
    "UploadBudget",
    "api_field_name",
    "snake_name",
    "to_api_fields",
]
