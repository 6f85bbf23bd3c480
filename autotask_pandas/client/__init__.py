"""The Autotask REST client: ``AutotaskClient`` and its configuration.

Its internals, one concern a module: ``zones`` (finding the API root), ``hosts`` (where the secret
may travel), ``transport`` (one request: limiter, retries, threshold, errors mapped by ``errors``),
``paging`` (query bodies, splitting, pages), ``routing`` (which URL an operation goes to),
``metadata`` (the per-entity cache), ``fieldnames`` (the reference's names to the API's), and the
one write path: ``write_one`` (one write checked and sent), ``write_many`` (many writes and their
per-item results), ``write_methods`` (the client's create/update/delete/batch methods). ``default``
chooses the client used when none is given.
"""

from autotask_pandas.client.client import AutotaskClient
from autotask_pandas.client.config import ClientConfig
from autotask_pandas.client.transport import RequestKind
from autotask_pandas.client.zones import clear_zone_cache

__all__ = ["AutotaskClient", "ClientConfig", "RequestKind", "clear_zone_cache"]
