"""Fixtures for the backend tests: a Pulse database on the real primary with
its streaming replica, the backend connecting as its own NOINHERIT role,
the real Redis, tenants provisioned with ``ensure_tenant``, and the app run
in-process (TestClient runs its lifespan)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from pulse_backend.app import create_app
from pulse_backend.keys import write_key
from pulse_backend.settings import RateLimits, Settings
from pulse_common.db import make_engine
from pulse_common.provisioning import (
    TenantRequest,
    drop_tenant,
    ensure_platform,
    ensure_tenant,
)
from pulse_testworld import World
from tests.pulse_db import BACKEND_PASSWORD

if TYPE_CHECKING:
    from tests.backend.etl_world import Etl

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

DB_NAME = "pulse_backend_test"
NEW_PASSWORD = "a-new-long-password-123"
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


@pytest.fixture
def make_client(platform: Platform) -> Iterator[Callable[..., TestClient]]:
    """Builds an app with settings overrides and enters its lifespan."""
    opened: list[TestClient] = []

    def make(client_address: str = "testclient", **overrides: Any) -> TestClient:
        app = create_app(platform.settings(**overrides))
        client = TestClient(
            app,
            base_url="https://testserver",
            raise_server_exceptions=False,
            client=(client_address, 50000),
        )
        client.__enter__()
        opened.append(client)
        return client

    yield make
    for c in opened:
        c.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()


@dataclass
class TenantInfo:
    slug: str
    tenant_id: int
    admin_email: str
    admin_password: str


TenantFactory = Callable[..., TenantInfo]


@pytest.fixture
def make_tenant(platform: Platform) -> Iterator[TenantFactory]:
    made: list[str] = []

    def make(prefix: str = "b") -> TenantInfo:
        slug = f"{prefix}-{uuid.uuid4().hex[:8]}"
        made.append(slug)
        req = TenantRequest(
            slug=slug, display_name=f"Tenant {slug}", admin_email=f"admin@{slug}.example"
        )
        out = ensure_tenant(platform.engine, req)
        assert out.admin_password is not None
        return TenantInfo(
            slug, out.tenant_id, out.admin_email, out.admin_password.get_secret_value()
        )

    yield make
    for slug in made:
        drop_tenant(platform.engine, slug)


def login(client: TestClient, tenant: str, email: str, password: str) -> dict[str, Any]:
    r = client.post(
        "/api/v1/auth/login", json={"tenant": tenant, "email": email, "password": password}
    )
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Session:
    """A logged-in user of a tenant (the first admin, password already changed)."""

    tenant: TenantInfo
    token: str
    user_id: int

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)


def admin_session(client: TestClient, tenant: TenantInfo) -> Session:
    body = login(client, tenant.slug, tenant.admin_email, tenant.admin_password)
    token = body["access_token"]
    r = client.post(
        "/api/v1/auth/password",
        json={"current_password": tenant.admin_password, "new_password": NEW_PASSWORD},
        headers=bearer(token),
    )
    assert r.status_code == 200, r.text
    tenant.admin_password = NEW_PASSWORD
    return Session(tenant, token, body["user"]["id"])


@pytest.fixture
def tenant(make_tenant: TenantFactory) -> TenantInfo:
    return make_tenant()


@pytest.fixture
def admin(client: TestClient, tenant: TenantInfo) -> Session:
    return admin_session(client, tenant)


@pytest.fixture
def etl(
    platform: Platform,
    make_client: Callable[..., TestClient],
    redis_admin: redis.Redis,
    tmp_path: Path,
) -> Iterator[Etl]:
    """A fresh tenant with a live ETL, and a backend client pointed at it."""
    from tests.backend.etl_world import running_etl  # it imports this module

    with running_etl(platform, make_client, redis_admin, tmp_path) as e:
        yield e


def invite_and_login(
    client: TestClient, admin: Session, role: str, email: str | None = None
) -> Session:
    """An admin invites a user with ``role``; the user sets a password with
    the link and logs in."""
    email = email or f"{role}-{uuid.uuid4().hex[:6]}@{admin.tenant.slug}.example"
    r = client.post("/api/v1/users", json={"email": email, "role": role}, headers=admin.headers)
    assert r.status_code == 201, r.text
    token = r.json()["set_password_url"].split("#token=", 1)[1]
    r = client.post("/api/v1/auth/set-password", json={"token": token, "password": NEW_PASSWORD})
    assert r.status_code == 200, r.text
    body = login(client, admin.tenant.slug, email, NEW_PASSWORD)
    return Session(admin.tenant, body["access_token"], body["user"]["id"])
