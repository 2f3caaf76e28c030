"""The Pulse database fixtures shared by the suites (db, dora, etl): a Pulse
database on the real primary (with its streaming replica), the platform set
up, and a tenant factory.

The fixtures are registered once, in tests/conftest.py: a conftest that
imported them again would get its own session instance, which drops and
re-creates the database under the other suites' tenants. Roles are
cluster-wide, so every test uses unique slugs and drops them after.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
import pytest
from sqlalchemy import Engine

from pulse_common.db import make_engine
from pulse_common.provisioning import (
    TenantProvisioned,
    TenantRequest,
    drop_tenant,
    ensure_platform,
    ensure_tenant,
)
from pulse_testworld import World

# The pulse_backend role is cluster-wide: every suite's fixtures share one
# world, so they must all give it this one password (a suite that set its own
# would lock the others' connections out, depending on the order they ran).
BACKEND_PASSWORD = "backend-test-password"


@dataclass(frozen=True)
class PulseDb:
    name: str
    primary_dsn: str
    replica_dsn: str
    engine: Engine
    replica_engine: Engine

    def dsn_as(self, user: str, password: str, *, replica: bool = False) -> str:
        host = self.replica_dsn if replica else self.primary_dsn
        rest = host.split("@", 1)[1]
        return f"postgresql://{user}:{password}@{rest}"


def _db_dsn(dsn: str, db: str) -> str:
    return dsn.rsplit("/", 1)[0] + "/" + db


@pytest.fixture(scope="session")
def pulse_db(world: World) -> Iterator[PulseDb]:
    name = "pulse_test"
    with psycopg.connect(world.postgres.primary_dsn, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    primary = _db_dsn(world.postgres.primary_dsn, name)
    replica = _db_dsn(world.postgres.replica_dsn, name)
    engine, replica_engine = make_engine(primary), make_engine(replica)
    ensure_platform(engine, backend_password=BACKEND_PASSWORD)
    yield PulseDb(name, primary, replica, engine, replica_engine)
    engine.dispose()
    replica_engine.dispose()


def unique_slug(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


TenantFactory = Callable[..., tuple[TenantRequest, TenantProvisioned]]


@contextmanager
def _tenant_factory(pulse_db: PulseDb) -> Iterator[TenantFactory]:
    made: list[str] = []

    def make(
        prefix: str = "t", after_step: Callable[[str], None] | None = None, **fields: object
    ) -> tuple[TenantRequest, TenantProvisioned]:
        slug = fields.pop("slug", None) or unique_slug(prefix)
        req = TenantRequest.model_validate(
            {
                "slug": slug,
                "display_name": f"Tenant {slug}",
                "admin_email": f"admin@{slug}.example",
                "login_password": f"pw-{slug}",
                **fields,
            }
        )
        made.append(str(slug))
        return req, ensure_tenant(pulse_db.engine, req, after_step=after_step)

    yield make
    for slug in made:
        drop_tenant(pulse_db.engine, slug)


@pytest.fixture
def make_tenant(pulse_db: PulseDb) -> Iterator[TenantFactory]:
    """Provisions tenants with unique slugs and a known login password; drops
    them after the test."""
    with _tenant_factory(pulse_db) as make:
        yield make


@pytest.fixture(scope="module")
def make_module_tenant(pulse_db: PulseDb) -> Iterator[TenantFactory]:
    """The same, dropped after the module: for tenants that a module's tests
    only read, or leave as they found them (a provisioning costs seconds)."""
    with _tenant_factory(pulse_db) as make:
        yield make
