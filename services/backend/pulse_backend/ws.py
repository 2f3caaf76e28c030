"""WebSocket /api/v1/ws: a tenant's live events for its browsers.

Authentication is the first message, ``{"type": "auth", "token": "<access
token>"}``, within ``auth_timeout_seconds``; not a query parameter, because
URLs end up in access logs, proxy logs and browser history, and a browser's
WebSocket API cannot send an Authorization header. The server answers
``{"type": "ready", ...}`` and from then on relays the tenant's channel
``t:<slug>:events`` (and, for users holding ``logs:read``, the live log
channel ``t:<slug>:logs``) and nothing else: the channel names come from the
verified token, never from the client. Events whose type names a guarded
family (``ml.*``: anomaly alerts carry the tenant's metrics) reach only
users holding that family's right, checked against the current principal at
each message, so a right withdrawn mid-connection stops them at once.

The session is re-verified every ``session_check_seconds`` (signature,
expiry, tenant state, the session in Redis/PostgreSQL): logout, user
deactivation, tenant suspension or token expiry close the socket with 4401
(4403 for a suspended tenant or a missing right). A client keeps a socket
beyond its access token's lifetime by sending a fresh token as another auth
message (same tenant and user only).

Close codes: 4400 bad message, 4401 unauthenticated / session ended, 4403
forbidden, 4408 no auth message in time, 1013 event bus unavailable.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import redis
import redis.asyncio as aioredis
import structlog
from fastapi import APIRouter, FastAPI, WebSocket, WebSocketDisconnect
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from pulse_backend import events, tenant_logs
from pulse_backend.context import Principal, authorize, current_principal
from pulse_backend.errors import Forbidden, Unauthenticated
from pulse_backend.settings import ENV_PREFIX
from pulse_backend.state import AppClients
from pulse_common.errors import PulseError
from pulse_common.patterns import worded

log = structlog.get_logger("pulse_backend.ws")
PERMISSION = "dashboards:read"
# Event type prefix -> the right a user needs to receive those events.
GUARDED_EVENTS = {"ml.": "ml:read"}


class WsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX + "WS_", extra="ignore")

    auth_timeout_seconds: float = Field(default=5.0, gt=0)
    session_check_seconds: float = Field(default=5.0, gt=0)


class AuthMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str = Field(pattern=worded(r"^auth$", 'use "auth"'))
    token: str = Field(min_length=1, max_length=4096)


class Closed(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    clients: AppClients = app.state.clients
    if getattr(app.state, "ws_settings", None) is None:
        app.state.ws_settings = WsSettings()
    # Pub/sub needs a connection that waits without blocking the event loop.
    app.state.ws_redis = aioredis.Redis.from_url(
        clients.settings.secret("redis_url"),
        decode_responses=True,
        socket_connect_timeout=clients.settings.redis_timeout_seconds,
    )
    try:
        yield
    finally:
        await app.state.ws_redis.aclose()


router = APIRouter(lifespan=lifespan)


async def _principal(clients: AppClients, token: str) -> Principal:
    try:
        principal = await current_principal(
            clients, HTTPAuthorizationCredentials(scheme="Bearer", credentials=token)
        )
        return authorize(principal, PERMISSION)
    except Unauthenticated as exc:
        raise Closed(4401, str(exc) or "unauthenticated") from None
    except Forbidden as exc:
        raise Closed(4403, str(exc) or "forbidden") from None
    except PulseError as exc:
        raise Closed(1013, f"unavailable ({exc.code})") from None


async def _auth_message(ws: WebSocket, wait_seconds: float) -> str:
    try:
        with anyio.fail_after(wait_seconds):
            raw = await ws.receive_text()
    except TimeoutError:
        raise Closed(4408, "no auth message in time") from None
    try:
        return AuthMessage.model_validate_json(raw).token
    except ValidationError:
        raise Closed(4400, 'the first message must be {"type": "auth", "token": "..."}') from None


class Connection:
    def __init__(
        self, ws: WebSocket, clients: AppClients, principal: Principal, token: str
    ) -> None:
        self.ws = ws
        self.clients = clients
        self.principal = principal
        self.token = token

    def channels(self) -> list[str]:
        names = [events.channel(self.principal.slug)]
        if self.principal.can("logs:read"):
            names.append(tenant_logs.stream_key(self.principal.slug))
        return names

    async def relay(self, pubsub: aioredis.client.PubSub) -> None:
        logs = tenant_logs.stream_key(self.principal.slug)
        while True:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            if message is None:
                continue
            data: Any = message["data"]
            if message["channel"] == logs:
                # Subscribed while the user held logs:read; the principal is
                # re-read as the socket lives, and a demoted user gets no more.
                if self.principal.can("logs:read"):
                    await self.ws.send_text(json.dumps({"type": "log", "entry": json.loads(data)}))
            elif self.may_receive(data):
                await self.ws.send_text(data)

    def may_receive(self, data: str) -> bool:
        try:
            event = json.loads(data)
        except ValueError:
            return True  # not an event of a guarded family: nothing to hide
        kind = event.get("type") if isinstance(event, dict) else None
        if not isinstance(kind, str):
            return True
        return all(
            self.principal.can(right)
            for prefix, right in GUARDED_EVENTS.items()
            if kind.startswith(prefix)
        )

    async def watch_session(self, interval: float) -> None:
        while True:
            await anyio.sleep(interval)
            self.principal = await _principal(self.clients, self.token)

    async def receive(self) -> None:
        """Client messages: a fresh token (same user), or a ping."""
        while True:
            raw = await self.ws.receive_text()
            try:
                msg = json.loads(raw)
            except ValueError:
                raise Closed(4400, "messages must be JSON") from None
            if isinstance(msg, dict) and msg.get("type") == "ping":
                await self.ws.send_text(json.dumps({"type": "pong"}))
                continue
            try:
                token = AuthMessage.model_validate(msg).token
            except ValidationError:
                raise Closed(4400, "unknown message") from None
            fresh = await _principal(self.clients, token)
            if (fresh.slug, fresh.user_id) != (self.principal.slug, self.principal.user_id):
                raise Closed(4403, "a token of another user or tenant")
            self.principal, self.token = fresh, token


@router.websocket("/ws")
async def websocket(ws: WebSocket) -> None:
    app = ws.app
    clients: AppClients = app.state.clients
    settings: WsSettings = app.state.ws_settings
    await ws.accept()
    try:
        token = await _auth_message(ws, settings.auth_timeout_seconds)
        conn = Connection(ws, clients, await _principal(clients, token), token)
        await _serve(conn, app.state.ws_redis, settings)
    except Closed as closed:
        log.info("websocket closed", category="WS", code=closed.code, reason=closed.reason)
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await ws.close(closed.code, closed.reason)
    except WebSocketDisconnect:
        log.info("websocket disconnected", category="WS")


async def _serve(conn: Connection, bus: aioredis.Redis, settings: WsSettings) -> None:
    pubsub = bus.pubsub()
    try:
        await pubsub.subscribe(*conn.channels())
    except (redis.RedisError, OSError):
        raise Closed(1013, "event bus unavailable") from None
    await conn.ws.send_text(
        json.dumps(
            {"type": "ready", "tenant": conn.principal.slug, "user_id": conn.principal.user_id}
        )
    )
    log.info("websocket ready", category="WS")
    try:
        # An anyio task group, not bare asyncio tasks: the server (and the
        # test client) cancel the connection through anyio's cancel scopes.
        async with anyio.create_task_group() as group:
            group.start_soon(conn.relay, pubsub)
            group.start_soon(conn.watch_session, settings.session_check_seconds)
            group.start_soon(conn.receive)
    except BaseExceptionGroup as failed:
        raise _reason(failed) from None
    finally:
        with anyio.CancelScope(shield=True), contextlib.suppress(redis.RedisError, OSError):
            await pubsub.aclose()  # type: ignore[no-untyped-call]


def _reason(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The exception that ended the connection (the others are the
    cancellations of the sibling tasks it caused)."""
    for exc in group.exceptions:
        if isinstance(exc, BaseExceptionGroup):
            return _reason(exc)
        if isinstance(exc, redis.RedisError | OSError):
            return Closed(1013, "event bus unavailable")
        if not isinstance(exc, anyio.get_cancelled_exc_class()):
            return exc
    return group
