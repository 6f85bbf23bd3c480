"""Seeded, deterministic fault injection for the sandbox.

A :class:`FaultPlan` is a list of :class:`FaultRule` s and a seed. For each request the HTTP layer
asks ``plan.decide(method, path)`` and, when a rule comes back, acts it out instead of (or around)
the normal answer. What each kind means for the HTTP layer:

=================== ===========================================================================
kind                what the client sees
=================== ===========================================================================
``500``             HTTP 500 ``{"errors": [message]}`` before the request is processed
``503``             HTTP 503 (service unavailable) before the request is processed
``429``             HTTP 429 without ``Retry-After``
``429-retry-after`` HTTP 429 with ``Retry-After: ceil(seconds)``
``thread-limit``    the thread-limit error of ``limits.ThreadLimitExceeded``
``reset-before``    the connection is dropped before the request is processed (nothing written)
``reset-after``     the request is processed (a write is committed), then the connection is
                    dropped: the client never sees the answer
``slow``            the normal answer, ``seconds`` later
``403``             HTTP 403 (forbidden) ``{"errors": [message]}`` before the request is processed
``429-retry-date``  HTTP 429 with ``Retry-After`` given as an HTTP date ``seconds`` from now
                    (RFC 9110 allows either form; a client must read both)
``500-html``        HTTP 500 whose body is an HTML error page, not JSON (what IIS itself sends
                    when the application behind it fails), before the request is processed
``200-empty``       the request is processed (a write is committed) and answered 200 with an
                    empty JSON object ``{}``: e.g. a create answered without its ``itemId``
=================== ===========================================================================

Spec grammar (the ``--faults SPEC`` flag of the CLI, :meth:`FaultPlan.parse`)::

    SPEC    := RULE ( ";" RULE )*            blank rules and surrounding spaces are ignored
    RULE    := KIND [ "=" SECONDS ] ":" RATE [ "@" TARGET ]
    KIND    := 500 | 503 | 429 | 429-retry-after | thread-limit | reset-before | reset-after | slow
             | 403 | 429-retry-date | 500-html | 200-empty
    SECONDS := a number >= 0; required by slow, 429-retry-after and 429-retry-date, refused by
               the other kinds
    RATE    := a probability in [0, 1] (0.05) or a percentage (5%)
    TARGET  := METHODS | PATH | METHODS " " PATH
    METHODS := METHOD ( "," METHOD )*         GET POST PUT PATCH DELETE, any case
    PATH    := a glob starting with "/", matched case-insensitively against the path after
               /ATServicesRest, query string excluded ("*" also matches "/")

Rules are separated by ``;`` because ``,`` separates methods. Examples::

    500:0.05                                  5 % of all requests fail with a 500
    429-retry-after=2:10%@GET /V1.0/Tickets/query*
    reset-after:0.2@POST,PATCH                a fifth of creates and updates land unseen
    slow=1.5:0.3@/V1.0/Companies*; 503:0.01   two rules

``str(plan)`` prints the canonical spec, which parses back to the same rules.

Determinism: a rule's draw for a request is a hash of (seed, rule position, METHOD, lower-cased
path, n) where n counts earlier requests with that method and path. So the decisions for one
(method, path) stream depend only on the plan, the seed and that stream's own history, never on
how other paths' requests interleave with it (threads included). Every matching rule draws on
every request, and the first rule, in plan order, whose draw falls below its rate wins. Counters
are kept only for streams some rule matches; ``reset()`` restarts every stream.
"""

from __future__ import annotations

import fnmatch
import hashlib
import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

__all__ = ["FAULT_KINDS", "FaultPlan", "FaultRule", "as_fault_plan"]

#: Every fault kind, in the order the docs list them.
FAULT_KINDS: tuple[str, ...] = (
    "500",
    "503",
    "429",
    "429-retry-after",
    "thread-limit",
    "reset-before",
    "reset-after",
    "slow",
    "403",
    "429-retry-date",
    "500-html",
    "200-empty",
)
# Kinds whose ``seconds`` means something (the delay, the Retry-After value).
_TIMED_KINDS = frozenset({"slow", "429-retry-after", "429-retry-date"})
_TIMED_NAMES = "slow, 429-retry-after and 429-retry-date"
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_GRAMMAR = 'KIND[=SECONDS]:RATE[@METHODS PATH], e.g. "429-retry-after=2:0.1@GET /V1.0/Tickets*"'


def _number(x: float) -> str:
    """Shortest text that parses back to ``x`` exactly (2 rather than 2.0)."""
    return str(int(x)) if x == int(x) else repr(x)


def _normalise_methods(method: str) -> str:
    names: list[str] = []
    for part in method.split(","):
        name = part.strip().upper()
        if name not in _METHODS:
            allowed = ", ".join(_METHODS)
            raise ValueError(
                f"unknown HTTP method {part.strip()!r} in {method!r}; allowed: {allowed}"
            )
        if name not in names:
            names.append(name)
    return ",".join(names)


@lru_cache(maxsize=256)
def _glob(pattern: str) -> re.Pattern[str]:
    return re.compile(fnmatch.translate(pattern), re.IGNORECASE)


def _api_path(path: str) -> str:
    """The path after /ATServicesRest, without a query string, whatever form the caller passed."""
    if "://" in path:
        path = urlsplit(path).path
    path = path.split("?", 1)[0]
    prefix = "/atservicesrest"
    if path.lower().startswith(prefix) and path[len(prefix) : len(prefix) + 1] in ("", "/"):
        path = path[len(prefix) :]
    return path or "/"


@dataclass(frozen=True)
class FaultRule:
    """Inject ``kind`` into a fraction ``rate`` of the requests that match ``method`` and ``path``.

    ``method``: None for any, else one method or several joined by commas ("POST,PATCH").
    ``path``: None for any, else a case-insensitive glob on the path after /ATServicesRest.
    ``seconds``: the added latency of ``slow``, the Retry-After of ``429-retry-after`` and
    ``429-retry-date``.
    """

    kind: str
    rate: float
    method: str | None = None
    path: str | None = None
    seconds: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; allowed: {', '.join(FAULT_KINDS)}")
        rate = float(self.rate)
        if not 0.0 <= rate <= 1.0:  # also refuses NaN
            raise ValueError(f"fault rate must be between 0 and 1, got {self.rate!r}")
        seconds = float(self.seconds)
        if not (math.isfinite(seconds) and seconds >= 0):
            raise ValueError(f"fault seconds must be a finite number >= 0, got {self.seconds!r}")
        if self.kind == "slow" and seconds == 0:
            raise ValueError("a slow fault needs seconds > 0 (slow=SECONDS:RATE)")
        if self.kind not in _TIMED_KINDS and seconds != 0:
            raise ValueError(f"fault kind {self.kind!r} takes no seconds; only {_TIMED_NAMES} do")
        if self.path is not None and not self.path.startswith("/"):
            raise ValueError(f"fault path must start with '/', got {self.path!r}")
        # Frozen dataclass: normalise through object.__setattr__ so equal rules compare equal.
        object.__setattr__(self, "rate", rate)
        object.__setattr__(self, "seconds", seconds)
        if self.method is not None:
            object.__setattr__(self, "method", _normalise_methods(self.method))

    def matches(self, method: str, path: str) -> bool:
        """Whether this rule applies to a request (``path`` with or without /ATServicesRest)."""
        if self.method is not None and method.upper() not in self.method.split(","):
            return False
        return self.path is None or _glob(self.path).match(_api_path(path)) is not None

    def __str__(self) -> str:
        text = self.kind
        if self.kind in _TIMED_KINDS:
            text += f"={_number(self.seconds)}"
        text += f":{_number(self.rate)}"
        target = " ".join(part for part in (self.method, self.path) if part is not None)
        return f"{text}@{target}" if target else text

    @classmethod
    def parse(cls, text: str) -> FaultRule:
        """One rule of the spec grammar (see the module docstring)."""
        rule = text.strip()
        try:
            return cls._parse(rule)
        except ValueError as exc:
            raise ValueError(f"bad fault rule {rule!r}: {exc}. Expected {_GRAMMAR}") from None

    @classmethod
    def _parse(cls, rule: str) -> FaultRule:
        head, at, target = rule.partition("@")
        kind_part, colon, rate_text = head.partition(":")
        if not colon:
            raise ValueError("missing ':RATE'")
        kind, eq, seconds_text = (s.strip() for s in kind_part.partition("="))
        kind = kind.lower()
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown kind {kind!r}; allowed: {', '.join(FAULT_KINDS)}")
        if kind in _TIMED_KINDS and not eq:
            raise ValueError(f"{kind} needs seconds: {kind}=SECONDS:RATE")
        if eq and kind not in _TIMED_KINDS:
            raise ValueError(f"{kind} takes no seconds; only {_TIMED_NAMES} do")
        seconds = _parse_number(seconds_text, "seconds") if eq else 0.0
        rate = _parse_rate(rate_text.strip())
        method = path = None
        if at:
            words = re.sub(r"\s*,\s*", ",", target).split()  # "GET, POST" reads as "GET,POST"
            if not words or len(words) > 2:
                raise ValueError(f"target {target.strip()!r} is not METHODS, PATH or METHODS PATH")
            if not words[-1].startswith("/"):
                if len(words) == 2:
                    raise ValueError(f"path {words[-1]!r} must start with '/'")
                method = words[0]
            else:
                path = words[-1]
                method = words[0] if len(words) == 2 else None
        return cls(kind, rate, method, path, seconds)


def _parse_number(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{what} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{what} {text!r} is not a finite number")
    return value


def _parse_rate(text: str) -> float:
    if text.endswith("%"):
        return _parse_number(text[:-1].strip(), "rate") / 100
    return _parse_number(text, "rate")


class FaultPlan:
    """Rules plus a seed; ``decide`` is deterministic per (method, path) stream and thread-safe."""

    def __init__(self, rules: Sequence[FaultRule] = (), seed: int = 0) -> None:
        self.rules: tuple[FaultRule, ...] = tuple(rules)
        for rule in self.rules:
            if not isinstance(rule, FaultRule):
                raise TypeError(f"expected FaultRule, got {type(rule).__name__}")
        self.seed = int(seed)
        self._lock = threading.Lock()
        self._counters: dict[tuple[str, str], int] = {}

    @classmethod
    def parse(cls, spec: str, seed: int = 0) -> FaultPlan:
        """A plan from the ``--faults`` spec grammar; ``ValueError`` names the bad rule."""
        return cls([FaultRule.parse(part) for part in spec.split(";") if part.strip()], seed)

    def decide(self, method: str, path: str) -> FaultRule | None:
        """The fault to inject into this request, or None."""
        method = method.upper()
        api_path = _api_path(path)
        matching = [
            (i, rule) for i, rule in enumerate(self.rules) if rule.matches(method, api_path)
        ]
        if not matching:
            return None
        stream = (method, api_path.lower())
        with self._lock:
            n = self._counters.get(stream, 0)
            self._counters[stream] = n + 1
        # Each matching rule draws, hit or not, so a rule's draws never depend on other rules' luck.
        draws = [(rule, self._draw(i, stream, n)) for i, rule in matching]
        return next((rule for rule, draw in draws if draw < rule.rate), None)

    def _draw(self, index: int, stream: tuple[str, str], n: int) -> float:
        """A uniform number in [0, 1) fixed by (seed, rule, stream, n); no shared RNG state."""
        key = f"{self.seed}\x1f{index}\x1f{stream[0]}\x1f{stream[1]}\x1f{n}".encode()
        digest = hashlib.blake2b(key, digest_size=8).digest()
        return int.from_bytes(digest, "big") / 2.0**64

    def reset(self) -> None:
        """Restart every stream: the next requests see the same decisions as a fresh plan."""
        with self._lock:
            self._counters.clear()

    def __str__(self) -> str:
        return "; ".join(str(rule) for rule in self.rules)

    def __repr__(self) -> str:
        return f"FaultPlan.parse({str(self)!r}, seed={self.seed})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FaultPlan):
            return NotImplemented
        return self.rules == other.rules and self.seed == other.seed


def as_fault_plan(
    faults: str | FaultPlan | FaultRule | Sequence[FaultRule] | None, seed: int = 0
) -> FaultPlan | None:
    """Whatever the sandbox's ``faults=`` option was given, as a plan (None stays None).

    A ``FaultPlan`` is returned as is, keeping its own seed; a spec string is parsed; a rule or a
    sequence of rules is wrapped with ``seed``.
    """
    if faults is None or isinstance(faults, FaultPlan):
        return faults
    if isinstance(faults, str):
        return FaultPlan.parse(faults, seed)
    if isinstance(faults, FaultRule):
        return FaultPlan([faults], seed)
    return FaultPlan(list(faults), seed)
