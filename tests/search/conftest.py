"""Fixtures for the search tests: the backend's platform (real primary +
replica, Redis), tenants provisioned with ``ensure_tenant`` and known login
passwords (the ETL's consumer connects as the tenant's login role), the real
all-MiniLM-L6-v2 model, and the local Qdrant server over HTTP with API-key
and JWT RBAC enforced."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from qdrant_client import QdrantClient

from pulse_common import vectorstore
from pulse_common.ai import Embedder
from pulse_common.provisioning import TenantRequest, drop_tenant, ensure_tenant
from pulse_common.search.queue import DrainResult, Target, drain
from pulse_common.tenancy import TenantNames
from pulse_fakes.qdrant import QdrantServer, serve_qdrant
from tests.backend.conftest import Platform, Session, TenantInfo
from tests.backend.support import tenant_sql, wait_replica

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

DIMENSION = 384


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    from pulse_common.ai.embeddings import local_embedder

    return local_embedder()


@pytest.fixture
def qdrant_server() -> Iterator[QdrantServer]:
    server = serve_qdrant(secrets.token_urlsafe(32))
    yield server
    server.stop()


@dataclass
class SearchTenant:
    info: TenantInfo
    login_dsn: str
    etl_token: str  # what the operator gives the tenant's ETL
    platform: Platform
    qdrant: QdrantServer
    embedder: Embedder
    login_password: str = ""

    @property
    def slug(self) -> str:
        return self.info.slug

    @property
    def names(self) -> TenantNames:
        return TenantNames(self.info.slug)

    def sql(self, sql: str, params: Any = None) -> list[Any]:
        return tenant_sql(self.platform, self.slug, sql, params)

    def etl_client(self) -> QdrantClient:
        return vectorstore.connect(self.qdrant.url, self.etl_token)

    def drain(self, **kw: Any) -> DrainResult:
        client = self.etl_client()
        try:
            return drain(Target(self.login_dsn, client, self.names.collection, self.embedder), **kw)
        finally:
            client.close()
            wait_replica(self.platform)

    def project(self, key: str) -> int:
        [(pid,)] = self.sql(
            "INSERT INTO projects (tenant_id, key, name) VALUES (:t, :k, :k) RETURNING id",
            {"t": self.info.tenant_id, "k": key},
        )
        return int(pid)

    def repository(self, full_name: str) -> int:
        [(rid,)] = self.sql(
            "INSERT INTO repositories (tenant_id, full_name, name) VALUES (:t, :f, :f) RETURNING id",
            {"t": self.info.tenant_id, "f": full_name},
        )
        return int(rid)

    def work_item(self, project_id: int, key: str, summary: str, description: str = "") -> int:
        [(wid,)] = self.sql(
            "INSERT INTO work_items (tenant_id, project_id, key, summary, description, created) "
            "VALUES (:t, :p, :k, :s, :d, now()) RETURNING id",
            {"t": self.info.tenant_id, "p": project_id, "k": key, "s": summary, "d": description},
        )
        return int(wid)

    def pull_request(self, repository_id: int, number: int, title: str, body: str = "") -> int:
        [(pid,)] = self.sql(
            "INSERT INTO prs (tenant_id, repository_id, number, title, body, state, created) "
            "VALUES (:t, :r, :n, :ti, :b, 'open', now()) RETURNING id",
            {"t": self.info.tenant_id, "r": repository_id, "n": number, "ti": title, "b": body},
        )
        return int(pid)

    def incident(self, title: str, project_id: int | None = None) -> int:
        [(iid,)] = self.sql(
            "INSERT INTO incidents (tenant_id, external_id, title, severity, started_at, project_id) "
            "VALUES (:t, :e, :ti, 'sev2', now(), :p) RETURNING id",
            {"t": self.info.tenant_id, "e": uuid.uuid4().hex, "ti": title, "p": project_id},
        )
        return int(iid)


SearchTenantFactory = Callable[..., SearchTenant]


def _login_dsn(platform: Platform, role: str, password: str) -> str:
    tail = platform.primary_dsn.split("@", 1)[1]
    return f"postgresql://{role}:{password}@{tail}"


@contextmanager
def search_tenants(
    platform: Platform, qdrant_server: QdrantServer, embedder: Embedder
) -> Iterator[SearchTenantFactory]:
    """Makes tenants as the operator leaves them: schema and roles, its
    collection (``vector_size`` as in its spec) and a collection-scoped
    token; drops them at the end."""
    made: list[str] = []
    admin = vectorstore.connect(qdrant_server.url, qdrant_server.app.api_key)

    def make(prefix: str = "s", vector_size: int = DIMENSION) -> SearchTenant:
        slug = f"{prefix}-{uuid.uuid4().hex[:8]}"
        made.append(slug)
        password = secrets.token_urlsafe(24)
        out = ensure_tenant(
            platform.engine,
            TenantRequest(
                slug=slug,
                display_name=f"Tenant {slug}",
                admin_email=f"admin@{slug}.example",
                login_password=SecretStr(password),
            ),
        )
        assert out.admin_password is not None
        names = TenantNames(slug)
        vectorstore.ensure_collection(
            admin,
            vectorstore.CollectionSpec(names.collection, vector_size, "Cosine", out.tenant_id),
        )
        token = vectorstore.issue_token(
            admin,
            qdrant_server.app.api_key,
            names.collection,
            slug,
            ttl=dt.timedelta(hours=1),
        )
        info = TenantInfo(
            slug, out.tenant_id, out.admin_email, out.admin_password.get_secret_value()
        )
        return SearchTenant(
            info,
            _login_dsn(platform, names.login_role, password),
            token,
            platform,
            qdrant_server,
            embedder,
            password,
        )

    try:
        yield make
    finally:
        admin.close()
        for slug in made:
            drop_tenant(platform.engine, slug)


@pytest.fixture
def make_search_tenant(
    platform: Platform, qdrant_server: QdrantServer, embedder: Embedder
) -> Iterator[SearchTenantFactory]:
    """A test's own search tenants (see ``search_tenants``)."""
    with search_tenants(platform, qdrant_server, embedder) as make:
        yield make


def search_app(
    make_client: Callable[..., TestClient], qdrant_server: QdrantServer, **overrides: Any
) -> TestClient:
    """The backend with the platform's Qdrant URL and key (it mints
    collection-scoped read tokens from the key). Its indexer is off: these
    tests drain the queue themselves (test_provider_indexing runs it)."""
    return make_client(
        qdrant_url=qdrant_server.url,
        qdrant_api_key=qdrant_server.app.api_key,
        index_interval_seconds=0,
        **overrides,
    )


@pytest.fixture
def search_client(
    make_client: Callable[..., TestClient], qdrant_server: QdrantServer
) -> TestClient:
    return search_app(make_client, qdrant_server)


def search(client: TestClient, session: Session, **params: Any) -> Any:
    return client.get("/api/v1/search", params=params, headers=session.headers)
