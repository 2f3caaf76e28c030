"""A real tenant ETL served over HTTP on a loopback port (syncing from the
local Jira and GitHub servers into a fresh tenant's schema as its login
role) and a backend client pointed at it: for the ETL route tests and for
the OpenAPI fuzz, whose /etl/jobs operations must reach a live ETL."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis
from fastapi.testclient import TestClient
from qdrant_client import QdrantClient

from pulse_common import cache
from pulse_common.provisioning import TenantRequest, drop_tenant, ensure_tenant
from pulse_common.tenancy import TenantNames
from pulse_etl.app import create_app as create_etl
from pulse_etl.settings import EtlSettings
from tests.backend.conftest import Platform, Session, TenantInfo, admin_session
from tests.etl.conftest import PAGE, SPEC, Sources, start_sources, write_credentials
from tests.etl.serve import served


@dataclass
class Etl:
    client: TestClient  # the backend, pointed at the ETL
    admin: Session
    sources: Sources
    dsn: str


def etl_settings(
    platform: Platform, slug: str, tenant_id: int, password: str, sources: Sources, root: Path
) -> EtlSettings:
    names = TenantNames(slug)
    rest = platform.primary_dsn.split("@", 1)[1]
    host = redis.Redis.from_url(platform.redis_url).connection_pool.connection_kwargs
    integrations = [
        {
            "name": "jira-main",
            "type": "jira",
            "baseUrl": sources.jira.url,
            "projects": [p["key"] for p in sources.jira_org.projects],
            "credentialsSecretRef": {"name": "acme-jira", "key": "token"},
            "pageSize": PAGE,
        },
        {
            "name": "github-main",
            "type": "github",
            "baseUrl": sources.github.url,
            "organization": SPEC.org,
            "credentialsSecretRef": {"name": "acme-github", "key": "token"},
            "pageSize": PAGE,
        },
    ]
    return EtlSettings.model_validate(
        {
            "tenant_slug": slug,
            "tenant_id": tenant_id,
            "database_url": f"postgresql://{names.login_role}:{password}@{rest}",
            "database_schema": names.schema,
            "redis_url": f"redis://{names.redis_user}:{password}@{host['host']}:{host['port']}/0",
            "redis_key_prefix": names.key_prefix,
            "qdrant_url": ":memory:",
            "qdrant_token": "unused",
            "qdrant_collection": names.collection,
            "etl_integrations": json.dumps(integrations),
            "etl_credentials_dir": str(root / "credentials"),
            "etl_jwks": str(root / "jwks.json"),
            "etl_http_timeout": 5,
        }
    )


@contextmanager
def running_etl(
    platform: Platform,
    make_client: Callable[..., TestClient],
    redis_admin: redis.Redis,
    tmp_path: Path,
) -> Iterator[Etl]:
    slug = f"be-{uuid.uuid4().hex[:8]}"
    password = f"pw-{slug}"
    req = TenantRequest(
        slug=slug,
        display_name=f"Tenant {slug}",
        admin_email=f"admin@{slug}.example",
        login_password=password,  # type: ignore[arg-type]
    )
    out = ensure_tenant(platform.engine, req)
    assert out.admin_password is not None
    names = TenantNames(slug)
    cache.ensure_user(redis_admin, names, password, out.tenant_id)
    sources = start_sources()
    write_credentials(tmp_path / "credentials")
    # The ETL trusts what the backend publishes at its JWKS route.
    jwks = make_client().get("/api/v1/.well-known/jwks.json")
    (tmp_path / "jwks.json").write_text(jwks.text)
    settings = etl_settings(platform, slug, out.tenant_id, password, sources, tmp_path)
    try:
        with served(create_etl(settings, qdrant=QdrantClient(location=":memory:"))) as url:
            client = make_client(etl_url_template=url)
            info = TenantInfo(
                slug, out.tenant_id, req.admin_email, out.admin_password.get_secret_value()
            )
            yield Etl(
                client,
                admin_session(client, info),
                sources,
                settings.database_url.get_secret_value(),
            )
    finally:
        sources.stop()
        cache.delete_user_and_keys(redis_admin, names, out.tenant_id)
        drop_tenant(platform.engine, slug)
