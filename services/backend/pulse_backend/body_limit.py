"""A cap on request bodies: a pure-ASGI layer that answers 413 before the
app reads a body larger than ``max_bytes``.

No route takes more than a logo (512 KiB) or a JSON body of a few KiB;
without the cap a 20 MB body was read whole into memory and parsed before
a field's length rule refused it. A declared ``Content-Length`` over the
cap is refused before a byte is read; a body without one (chunked) is
counted as it arrives and refused when it passes the cap.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pulse_backend.errors import problem


class BodyTooLarge(HTTPException):
    """An HTTPException so that FastAPI's body reading passes it on as it
    is (it turns any other error while reading into a 400)."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"request body is larger than {max_bytes} bytes")


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            too_large = BodyTooLarge(self.max_bytes)
            response = problem(413, "payload_too_large", str(too_large.detail))
            await response(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        await self.app(scope, counted, send)
