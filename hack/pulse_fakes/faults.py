"""Faults a test injects into a local server, and the log of what it served.

A ``Fault`` matches requests by method and path (a regular expression),
optionally skipping the first ``after`` matches, and fires ``times`` times.
Kinds:

- ``status``: answer ``status`` with the API's error body (401, 403, 404, 429,
  500...) saying ``message`` (default ``injected <status>``), with
  ``Retry-After`` when ``retry_after`` is set, plus ``headers``;
- ``timeout``: hold the request for ``delay`` seconds before answering;
- ``truncate``: declare the full ``Content-Length`` but send half the body and
  close, as a dropped connection does;
- ``malformed``: a well-formed JSON body whose ``field`` has the wrong type;
- ``call``: run ``action`` (e.g. SIGKILL the client) then answer normally;
- ``flood``: a 200 whose chunked body is ``size`` bytes of JSON-looking
  padding (an upstream streaming without end, or a huge error page);
- ``edit``: answer normally, then ``edit(body, headers)`` returns the body
  and headers sent instead (a body of ``bytes`` is sent as is: not JSON,
  truncated JSON; headers: a lying ``Link``, rate-limit headers).
"""

from __future__ import annotations

import dataclasses
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["status", "timeout", "truncate", "malformed", "call", "edit", "flood"]
Edit = Callable[[Any, dict[str, str]], tuple[Any, dict[str, str]]]


@dataclass
class Fault:
    path: str
    kind: Kind = "status"
    status: int = 500
    method: str | None = None
    after: int = 0
    times: int = 1
    retry_after: float | None = None
    delay: float = 30.0
    field: str = ""
    action: Callable[[], None] | None = None
    message: str = ""
    headers: dict[str, str] = dataclasses.field(default_factory=dict)  # ``field`` is a column here
    edit: Edit | None = None
    size: int = 1 << 30  # ``flood``: bytes sent
    seen: int = 0
    fired: int = 0


@dataclass(frozen=True)
class Served:
    at: float  # time.time() when the request arrived
    method: str
    path: str
    query: str
    status: int


@dataclass
class FaultPlan:
    faults: list[Fault] = field(default_factory=list)
    log: list[Served] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()
            self.log.clear()

    def match(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for f in self.faults:
                if f.fired >= f.times or (f.method and f.method != method):
                    continue
                if not re.search(f.path, path):
                    continue
                f.seen += 1
                if f.seen <= f.after:
                    continue
                f.fired += 1
                return f
        return None

    def record(self, method: str, path: str, query: str, status: int) -> None:
        with self._lock:
            self.log.append(Served(time.time(), method, path, query, status))

    def served(self, pattern: str = "") -> list[Served]:
        with self._lock:
            return [s for s in self.log if re.search(pattern, s.path)]
