"""autotask-pandas: the Autotask PSA REST API as a Python client and typed pandas DataFrames.

The public names are listed in ``__all__`` (kept sorted, checked by a test). The layout and the
direction of its imports are described in ``docs/architecture.md``.
"""

from autotask_pandas.auth import AuthCredentials
from autotask_pandas.client import AutotaskClient, ClientConfig
from autotask_pandas.client.default import default_client, set_default_client
from autotask_pandas.entities import BaseEntity, EntityManager
from autotask_pandas.exceptions import (
    AutotaskAPIError,
    AutotaskAuthenticationError,
    AutotaskBatchError,
    AutotaskConnectionError,
    AutotaskException,
    AutotaskNotFoundError,
    AutotaskPermissionError,
    AutotaskPullInterruptedError,
    AutotaskRateLimitError,
    AutotaskResponseError,
    AutotaskThreadLimitError,
    AutotaskTimeoutError,
    AutotaskUncertainWriteError,
    AutotaskUntrustedURLError,
    AutotaskValidationError,
    AutotaskZoneError,
)
from autotask_pandas.frames import accessor as _accessor  # noqa: F401 - registers df.autotask
from autotask_pandas.frames.lazy import Query
from autotask_pandas.frames.push.result import PushResult
from autotask_pandas.frames.reader import read_autotask, read_autotask_csv
from autotask_pandas.types import (
    CreateResponse,
    EntityMetadata,
    FieldMetadata,
    FilterOperation,
    PageDetails,
    QueryFilter,
    QueryResponse,
    WriteOperation,
    WriteResult,
    ZoneInfo,
)

# The composition root: the object API (client.entities) sits above the client, which cannot import
# it; see AutotaskClient.entity_manager.
AutotaskClient.entity_manager = EntityManager


def load_ipython_extension(ipython: object) -> None:
    """``%load_ext autotask_pandas``: the ``%autotask`` magics and their completion
    (``autotask_pandas.jupyter``; imported here, so that importing the package does not load
    IPython)."""
    from autotask_pandas.jupyter import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython: object) -> None:
    """``%unload_ext autotask_pandas``."""
    from autotask_pandas.jupyter import unload_ipython_extension as unload

    unload(ipython)


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
    "AutotaskPullInterruptedError",
    "AutotaskRateLimitError",
    "AutotaskResponseError",
    "AutotaskThreadLimitError",
    "AutotaskTimeoutError",
    "AutotaskUncertainWriteError",
    "AutotaskUntrustedURLError",
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
    "load_ipython_extension",
    "read_autotask",
    "read_autotask_csv",
    "set_default_client",
    "unload_ipython_extension",
]
