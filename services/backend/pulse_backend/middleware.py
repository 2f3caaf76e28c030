"""One pure-ASGI middleware for every request: a request id (taken from a
well-formed ``X-Request-ID`` or generated) bound to the log context and
echoed back, an access log line (category HTTP), and the request metrics by
route template."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from typing import Any

import structlog
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pulse_backend.metrics import Metrics

log = structlog.get_logger("pulse_backend.http")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
UNMATCHED = "<unmatched>"
# Probes and scrapes would drown the access log.
_QUIET = {"/healthz", "/readyz", "/metrics"}


def operation_id(route: APIRoute) -> str:
    """``<route module>_<function>``: stable, readable operation ids for the
    generated frontend client, and the same for a route however it is nested."""
    return f"{route.endpoint.__module__.rsplit('.', 1)[-1]}_{route.name}"


class RequestContext:
    """``templates`` maps a route's operation id to its full path template:
    with nested routers the matched route only knows its path relative to
    its own router, the OpenAPI document knows the full one."""

    def __init__(
        self, app: ASGIApp, metrics: Metrics, templates: Callable[[], dict[str, str]]
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.templates = templates

    def _route_template(self, scope: Scope) -> str:
        route: Any = scope.get("route")
        if isinstance(route, APIRoute):
            found = self.templates().get(operation_id(route))
            if found:
                return found
        path = getattr(route, "path", None)
        return path if isinstance(path, str) else UNMATCHED

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        status = 500
        start = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - start
            route, method = self._route_template(scope), scope["method"]
            self.metrics.requests.labels(route, method, str(status)).inc()
            self.metrics.latency.labels(route, method).observe(elapsed)
            if scope["path"] not in _QUIET:
                log.info(
                    "request",
                    category="HTTP",
                    method=method,
                    route=route,
                    status=status,
                    duration_ms=round(elapsed * 1000, 2),
                )
            structlog.contextvars.clear_contextvars()
