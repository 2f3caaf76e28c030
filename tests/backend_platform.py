"""The backend's platform for every suite that runs the API in-process
(backend, agent, search): one Pulse database on the real primary with its
streaming replica, the backend's NOINHERIT role, the real Redis and JWT
keys. Registered once in tests/conftest.py, so a session has exactly one
instance: suites that registered their own each dropped and re-created the
same database under the others' open connections."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from starlette.routing import BaseRoute

from pulse_backend import logging as backend_logging
from pulse_backend.app import create_app
from pulse_backend.keys import write_key
from pulse_backend.metrics import Metrics
from pulse_backend.settings import RateLimits, Settings
from pulse_common.db import make_engine
from pulse_common.provisioning import ensure_platform
from pulse_testworld import World
from tests.pulse_db import BACKEND_PASSWORD

DB_NAME = "pulse_backend_test"
ENCRYPTION_KEYS = "k1:" + "A" * 43 + "="


def _dsn(dsn: str, db: str, user: str | None = None, password: str | None = None) -> str:
    base = dsn.rsplit("/", 1)[0] + "/" + db
    if user is None:
        return base
    return f"postgresql://{user}:{password}@{base.split('@', 1)[1]}"


@dataclass(frozen=True)
class Platform:
    engine: Engine  # superuser on the primary: provisioning and test-only inspection
    replica_engine: Engine  # superuser on the replica
    primary_dsn: str  # as the backend role
    replica_dsn: str
    redis_url: str
    keys_dir: Path

    def settings(self, **overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "environment": "production",
            "database_url": self.primary_dsn,
            "database_replica_url": self.replica_dsn,
            "redis_url": self.redis_url,
            "jwt_keys_dir": str(self.keys_dir),
            "jwt_active_kid": "k2",
            "encryption_keys": ENCRYPTION_KEYS,
            "log_format": "json",
            # The test client always comes from the same address; limits are
            # tested with their own small values.
            "rate": RateLimits(login_per_address=100_000, login_per_email=1000, per_user=100_000),
            **overrides,
        }
        return Settings(**values)


@pytest.fixture(scope="session")
def platform(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    with psycopg.connect(world.postgres.primary_dsn, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    engine = make_engine(_dsn(world.postgres.primary_dsn, DB_NAME))
    replica_engine = make_engine(_dsn(world.postgres.replica_dsn, DB_NAME))
    ensure_platform(engine, backend_password=BACKEND_PASSWORD)
    keys = tmp_path_factory.mktemp("jwt-keys")
    write_key(keys, "k1")
    write_key(keys, "k2")
    yield Platform(
        engine=engine,
        replica_engine=replica_engine,
        primary_dsn=_dsn(world.postgres.primary_dsn, DB_NAME, "pulse_backend", BACKEND_PASSWORD),
        replica_dsn=_dsn(world.postgres.replica_dsn, DB_NAME, "pulse_backend", BACKEND_PASSWORD),
        redis_url=world.redis.url,
        keys_dir=keys,
    )
    engine.dispose()
    replica_engine.dispose()


@dataclass
class _Built:
    """An app as ``create_app`` left it, to hand it out again in that state."""

    app: FastAPI
    state: dict[str, Any] = field(init=False)
    routes: list[BaseRoute] = field(init=False)

    def __post_init__(self) -> None:
        self.state = dict(self.app.state._state)
        self.routes = list(self.app.router.routes)

    def untouched(self) -> bool:
        """False when a test added routes or dependency overrides."""
        return self.app.router.routes == self.routes and not self.app.dependency_overrides

    def reset(self) -> None:
        # Starlette keeps ``app.state`` in ``_state``; what a test or a
        # previous lifespan put there (clients, search deps) goes.
        self.app.state._state.clear()
        self.app.state._state.update(self.state)
        # Every part of the app holds this one Metrics object: re-initialised
        # in place, its counters start from zero as a new app's do.
        Metrics.__init__(self.app.state.metrics)
        settings = self.app.state.settings
        backend_logging.configure(settings.effective_log_format, settings.log_level)


# Building an app costs 0.5-1 s of CPU (FastAPI 0.16x analyses every route's
# dependencies per app, at its first request), and most tests take one. Apps
# are pooled per session and per settings overrides (the same overrides make
# the same Settings, so the same app): a test takes a free app built with its
# overrides (two at once in one test, "another backend instance", get two
# apps) and enters a new lifespan on it (new engines, Redis clients,
# indexer); at the end the app goes back with ``app.state`` and its metrics
# as create_app left them, or is dropped if the test changed its routes or
# dependencies. Overrides whose values differ per test (a tmp_path, a port)
# simply never meet a free app.
_FREE: dict[tuple[int, str], list[_Built]] = {}


@contextmanager
def clients(platform: Platform) -> Iterator[Callable[..., TestClient]]:
    """Builds apps with settings overrides (or takes a free default one)
    and enters their lifespans; exits them at the end."""
    opened: list[tuple[TestClient, _Built, list[_Built]]] = []

    def make(client_address: str = "testclient", **overrides: Any) -> TestClient:
        # repr, not hash: overrides may be pydantic models (RateLimits).
        free = _FREE.setdefault((id(platform), repr(sorted(overrides.items()))), [])
        built = free.pop() if free else _Built(create_app(platform.settings(**overrides)))
        built.reset()
        app = built.app
        client = TestClient(
            app,
            base_url="https://testserver",
            raise_server_exceptions=False,
            client=(client_address, 50000),
        )
        client.__enter__()
        opened.append((client, built, free))
        return client

    try:
        yield make
    finally:
        for c, built, free in opened:
            c.__exit__(None, None, None)
            if built.untouched():
                free.append(built)


@pytest.fixture
def make_client(platform: Platform) -> Iterator[Callable[..., TestClient]]:
    """An app (see ``clients``) with settings overrides, its lifespan entered."""
    with clients(platform) as make:
        yield make
