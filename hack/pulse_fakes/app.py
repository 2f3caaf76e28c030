"""The machinery both local servers share: routing, authentication, faults,
primary rate limits, ETags, latency and the request log. A raw ASGI app, so
that faults can break the HTTP exchange itself (a truncated body)."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import math
import re
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from pulse_fakes.faults import Fault, FaultPlan


@dataclass
class Reply:
    body: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Request, re.Match[str]], Awaitable[Reply]]
ErrorBody = Callable[[int, str], Any]


@dataclass
class RateLimit:
    """A fixed window of ``limit`` requests per ``window`` seconds, per server.

    ``early`` counts requests that arrived while the window was exhausted,
    before its reset: the previous answer said ``remaining: 0``, so a client
    that honours the headers never adds to it."""

    limit: int = 5000
    window: float = 3600.0
    style: Literal["github", "jira"] = "github"
    used: int = 0
    reset_at: float = 0.0
    early: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, now: float) -> tuple[bool, dict[str, str]]:
        with self._lock:
            if now >= self.reset_at:
                # Whole seconds, as the headers carry them.
                self.reset_at, self.used = float(math.ceil(now + self.window)), 0
            ok = self.used < self.limit
            if ok:
                self.used += 1
            else:
                self.early += 1
            return ok, self.headers()

    def headers(self) -> dict[str, str]:
        reset = str(int(self.reset_at))  # GitHub: UTC epoch seconds
        if self.style == "jira":
            # Jira: ISO 8601 to the minute (yyyy-MM-ddTHH:mmZ), rounded up here.
            at = dt.datetime.fromtimestamp(math.ceil(self.reset_at / 60) * 60, dt.UTC)
            reset = at.strftime("%Y-%m-%dT%H:%MZ")
        h = {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(max(0, self.limit - self.used)),
            "x-ratelimit-reset": reset,
        }
        if self.style == "github":
            h |= {"x-ratelimit-used": str(self.used), "x-ratelimit-resource": "core"}
        return h


@dataclass
class FakeApi:
    routes: list[tuple[str, re.Pattern[str], Handler]]
    accepts: Callable[[str | None], bool]
    error_body: ErrorBody
    plan: FaultPlan = field(default_factory=FaultPlan)
    limit: RateLimit | None = None
    etags: bool = False
    latency: float = 0.0
    # Answers a request before routing when it says so (GitHub: a renamed
    # repository's old path redirects).
    moved: Callable[[Request], Reply | None] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        request = Request(scope, receive)
        path, method = request.url.path, request.method
        reply, fault = await self._answer(request)
        if isinstance(reply.body, bytes):
            body = reply.body  # a fault's raw bytes
        else:
            body = b"" if reply.status == 304 else json.dumps(reply.body).encode()
        headers = {"content-type": "application/json", **reply.headers}
        if fault is not None and fault.kind == "flood":
            await _send_flood(send, fault.size)
            self.plan.record(method, path, request.url.query, reply.status)
            return
        if fault is not None and fault.kind == "truncate":
            await _send_truncated(send, reply.status, headers, body)
            self.plan.record(method, path, request.url.query, -1)
            return
        headers["content-length"] = str(len(body))
        await send(
            {
                "type": "http.response.start",
                "status": reply.status,
                "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
            }
        )
        await send({"type": "http.response.body", "body": body})
        self.plan.record(method, path, request.url.query, reply.status)

    async def _answer(self, request: Request) -> tuple[Reply, Fault | None]:
        if self.latency:
            await asyncio.sleep(self.latency)
        path, method = request.url.path, request.method
        if not self.accepts(request.headers.get("authorization")):
            return Reply(self.error_body(401, "Bad credentials"), 401), None
        fault = self.plan.match(method, path)
        if fault is not None:
            early = await self._fault(fault)
            if early is not None:
                return early, fault
        rl: dict[str, str] = {}
        if self.limit is not None:
            ok, rl = self.limit.take(time.time())
            if not ok:
                status = 403 if self.limit.style == "github" else 429
                extra = {} if status == 403 else {"retry-after": _seconds_until(self.limit)}
                msg = "API rate limit exceeded"
                return Reply(self.error_body(status, msg), status, rl | extra), fault
        moved = self.moved(request) if self.moved is not None else None
        reply = moved or await self._route(request, method, path)
        reply.headers = rl | reply.headers
        if self.etags and reply.status == 200:
            tag = 'W/"' + hashlib.sha256(json.dumps(reply.body).encode()).hexdigest()[:32] + '"'
            reply.headers["etag"] = tag
            if request.headers.get("if-none-match") == tag:
                # Conditional hits cost no quota (GitHub's rule).
                if self.limit is not None:
                    self.limit.used -= 1
                    reply.headers |= self.limit.headers()
                return Reply(None, 304, reply.headers), fault
        if fault is not None and fault.kind == "malformed":
            reply.body = _break(reply.body, fault.field)
        if fault is not None and fault.kind == "edit" and fault.edit is not None:
            reply.body, reply.headers = fault.edit(reply.body, dict(reply.headers))
        return reply, fault

    async def _fault(self, fault: Fault) -> Reply | None:
        if fault.kind == "call" and fault.action is not None:
            fault.action()
        elif fault.kind == "timeout":
            await asyncio.sleep(fault.delay)
        elif fault.kind == "status":
            headers = dict(fault.headers)
            if fault.retry_after is not None:
                headers["retry-after"] = f"{fault.retry_after:g}"
            message = fault.message or f"injected {fault.status}"
            return Reply(self.error_body(fault.status, message), fault.status, headers)
        return None

    async def route(self, request: Request, method: str, path: str) -> Reply:
        """The answer of the route for ``path`` (an alias's handler passes it on)."""
        return await self._route(request, method, path)

    async def _route(self, request: Request, method: str, path: str) -> Reply:
        for m, pattern, handler in self.routes:
            match = pattern.fullmatch(path)
            if match and m == method:
                return await handler(request, match)
        return Reply(self.error_body(404, "Not Found"), 404)


def _seconds_until(limit: RateLimit) -> str:
    return str(max(1, math.ceil(limit.reset_at - time.time())))


def _break(body: Any, name: str) -> Any:
    """Gives every ``name`` key in the body a value of the wrong type."""
    if isinstance(body, dict):
        return {k: ({"not": "valid"} if k == name else _break(v, name)) for k, v in body.items()}
    if isinstance(body, list):
        return [_break(v, name) for v in body]
    return body


async def _send_truncated(send: Send, status: int, headers: dict[str, str], body: bytes) -> None:
    headers["content-length"] = str(len(body))
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
        }
    )
    # The server closes the connection short of the declared length.
    await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
    raise ConnectionAbortedError("injected truncation")


async def _send_flood(send: Send, size: int) -> None:
    """``size`` bytes in chunks of 1 MiB, without a Content-Length; a client
    that stops reading ends it (the send fails once it disconnects)."""
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    chunk = b" " * (1 << 20)
    await send({"type": "http.response.body", "body": b"[", "more_body": True})
    for _ in range(size >> 20):
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b"]"})


def route(method: str, pattern: str) -> Callable[[Handler], tuple[str, re.Pattern[str], Handler]]:
    def wrap(fn: Handler) -> tuple[str, re.Pattern[str], Handler]:
        return method, re.compile(pattern), fn

    return wrap


def page_of(items: list[Any], start: int, size: int) -> list[Any]:
    return items[start : start + size]


def int_param(request: Request, name: str, default: int, lo: int, hi: int) -> int:
    try:
        value = int(request.query_params.get(name, default))
    except ValueError:
        return default
    return max(lo, min(hi, value))
