"""The clients an app instance uses, created once in the lifespan and reached
by routes through the ``Clients`` dependency (never module globals)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

import redis
import redis.asyncio as aioredis
from fastapi import Depends, Request
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy import Engine, create_engine

from pulse_backend.crypto import EncryptionKeys
from pulse_backend.flights import Flights
from pulse_backend.keys import KeyRing
from pulse_backend.metrics import Metrics
from pulse_backend.replica import ReplicaRouter
from pulse_backend.settings import Settings
from pulse_common.db import Engines, sqlalchemy_url


def _engine(dsn: str, settings: Settings, name: str, *, pre_ping: bool) -> Engine:
    return create_engine(
        sqlalchemy_url(dsn),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,
        # The replica's reads open with one round trip that finds a closed
        # connection itself and retries once (``tx.opened_read_transaction``):
        # no ping (a round trip per checkout) on the replica.
        pool_pre_ping=pre_ping,
        # Statement parameters (password hashes, tokens) never reach an error or a log.
        hide_parameters=True,
        connect_args={
            "application_name": name,
            "connect_timeout": 5,
            "options": f"-c statement_timeout={settings.db_statement_timeout_ms}",
        },
    )


def _redis_options(settings: Settings) -> dict[str, Any]:
    # Short timeouts and one retry: an outage must answer in well under a
    # second so that the fallbacks (PostgreSQL, fail open/closed) kick in.
    return {
        "decode_responses": True,
        "socket_timeout": settings.redis_timeout_seconds,
        "socket_connect_timeout": settings.redis_timeout_seconds,
    }


def make_redis(settings: Settings) -> redis.Redis:
    return redis.Redis.from_url(
        settings.secret("redis_url"), retry=Retry(NoBackoff(), 1), **_redis_options(settings)
    )


def make_async_redis(settings: Settings) -> aioredis.Redis:
    """The same server and timeouts for the request's hot path (the auth
    preflight, the response cache's GET), so that a cached answer needs no
    thread-pool hop. Connects on first use, in the event loop that uses it."""
    return aioredis.Redis.from_url(
        settings.secret("redis_url"), retry=AsyncRetry(NoBackoff(), 1), **_redis_options(settings)
    )


@dataclass
class AppClients:
    settings: Settings
    engines: Engines
    redis: redis.Redis
    aredis: aioredis.Redis
    keys: KeyRing
    encryption: EncryptionKeys
    metrics: Metrics
    replica: ReplicaRouter
    # The analytics misses being computed (one per response-cache key).
    flights: Flights = field(default_factory=Flights)

    @classmethod
    def create(cls, settings: Settings, metrics: Metrics) -> AppClients:
        # Keys first: a bad key file stops startup before anything connects.
        keys = KeyRing.from_settings(settings)
        encryption = EncryptionKeys.parse(settings.secret("encryption_keys"))
        primary = _engine(settings.secret("database_url"), settings, "pulse-backend", pre_ping=True)
        replica_dsn = settings.database_replica_url
        replica = (
            _engine(
                replica_dsn.get_secret_value(), settings, "pulse-backend-replica", pre_ping=False
            )
            if replica_dsn is not None
            else primary
        )
        engines = Engines(primary, replica)
        cache = make_redis(settings)
        return cls(
            settings=settings,
            engines=engines,
            redis=cache,
            aredis=make_async_redis(settings),
            keys=keys,
            encryption=encryption,
            metrics=metrics,
            replica=ReplicaRouter(engines, cache, metrics, settings),
        )

    def close(self) -> None:
        self.engines.dispose()
        self.redis.close()

    async def aclose(self) -> None:
        self.close()
        await self.aredis.aclose()


async def _clients(request: Request) -> AppClients:
    # Async on purpose: FastAPI runs a plain ``def`` dependency in the
    # thread pool, a hop that cost more than this function's work.
    clients: AppClients = request.app.state.clients
    return clients


Clients = Annotated[AppClients, Depends(_clients)]
