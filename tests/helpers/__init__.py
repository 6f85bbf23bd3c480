"""What the test directories share, each in one place (import as ``from helpers import ...``).

``tests/`` is on ``sys.path`` because ``tests/conftest.py`` lives there (pytest's default
"prepend" import mode), so every test module and conftest can import this package.

- ``sandboxes``: the three auth headers, a demo tenant copied instead of rebuilt, ``new_sandbox``
  (a ``Sandbox`` with other settings) and ``connect`` (an ``AutotaskClient`` on a sandbox);
- ``clock``: ``FakeClock``, a hand-driven clock whose ``sleep`` only moves it on;
- ``network``: ``closed_port`` (nothing listens there), ``silent_listener`` (connects time out) and
  ``LoopbackServer`` (a tiny HTTP server answering what a test tells it to, for answers the
  sandbox never gives);
- ``errors``: ``exception_chain`` (an error, its causes, contexts and batch item errors) and
  ``collect_error`` (run a call that must fail, keep its error);
- ``interrupts``: ``Watched`` (a transport that notes the first write) and ``interrupt_when``
  (a real SIGINT to the main thread once it has);
- ``cli`` (imported as ``helpers.cli``): the ``autotask`` command run as a subprocess on a served
  sandbox (``autotask``, ``autotask_all``; stdin piped or a terminal) or in process
  (``InProcess``), each run checked for secrets and tracebacks; ``sandbox_env``, ``writes``,
  ``CANARY``. The CLI tests' fixtures (``tests/cli/conftest.py``) are built on it.
"""

from .clock import FakeClock
from .network import Answer, LoopbackServer, closed_port, silent_listener
from .sandboxes import FAST, auth_headers, connect, demo_store, new_sandbox

__all__ = [
    "FAST",
    "Answer",
    "FakeClock",
    "LoopbackServer",
    "auth_headers",
    "closed_port",
    "connect",
    "demo_store",
    "new_sandbox",
    "silent_listener",
]
