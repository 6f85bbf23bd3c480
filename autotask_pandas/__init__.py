"""autotask-pandas: the Autotask PSA REST API as a Python client and typed pandas DataFrames.

The public names are listed in ``__all__`` (kept sorted); everything in a module whose name starts
with an underscore is private.
"""

from autotask_pandas._batch import WriteOperation, WriteResult
from autotask_pandas._default import default_client, set_default_client
from autotask_pandas.auth import AuthCredentials
from autotask_pandas.client import AutotaskClient, ClientConfig
from autotask_pandas.entities import BaseEntity, EntityManager
from autotask_pandas.exceptions import (
    AutotaskAPIError,
    AutotaskAuthenticationError,
    AutotaskBatchError,
    AutotaskConnectionError,
    AutotaskException,
    AutotaskNotFoundError,
    AutotaskPermissionError,
    AutotaskRateLimitError,
    AutotaskThreadLimitError,
    AutotaskTimeoutError,
    AutotaskUncertainWriteError,
    AutotaskValidationError,
    AutotaskZoneError,
)
from autotask_pandas.frames import accessor as _accessor  # noqa: F401 - registers df.autotask
from autotask_pandas.frames.reader import read_autotask
from autotask_pandas.frames.result import PushResult
from autotask_pandas.query.lazy import Query
from autotask_pandas.types import (
    CreateResponse,
    EntityMetadata,
    FieldMetadata,
    FilterOperation,
    PageDetails,
    QueryFilter,
    QueryResponse,
    ZoneInfo,
)

__all__ = [
    "AuthCredentials",
    "AutotaskAPIError",
    "AutotaskAuthenticationError",
    "AutotaskBatchError",
    "AutotaskClient",
    "AutotaskConnectionError",
    "AutotaskException",
    "AutotaskNotFoundError",
    "AutotaskPermissionError",
    "AutotaskRateLimitError",
    "AutotaskThreadLimitError",
    "AutotaskTimeoutError",
    "AutotaskUncertainWriteError",
    "AutotaskValidationError",
    "AutotaskZoneError",
    "BaseEntity",
    "ClientConfig",
    "CreateResponse",
    "EntityManager",
    "EntityMetadata",
    "FieldMetadata",
    "FilterOperation",
    "PageDetails",
    "PushResult",
    "Query",
    "QueryFilter",
    "QueryResponse",
    "WriteOperation",
    "WriteResult",
    "ZoneInfo",
    "default_client",
    "read_autotask",
    "set_default_client",
]
