"""A real tenant ETL behind the web app's stack: a tenant provisioned with a
known login password, its Redis ACL user, the local Jira and GitHub servers,
and the ETL app (``pulse_etl.app``) served on a loopback port and registered
with the stack's Service proxy, so that the backend reaches it at its Service
name as in a cluster. "Run" on the ETL jobs page therefore starts a real sync
whose progress reaches the browser over the backend's WebSocket."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import redis
from qdrant_client import QdrantClient

from pulse_common import cache
from pulse_common.provisioning import drop_tenant
from pulse_common.tenancy import TenantNames
from pulse_etl.app import create_app as create_etl
from tests.backend.etl_world import etl_settings
from tests.backend_platform import Platform
from tests.etl.conftest import Sources, start_sources, write_credentials
from tests.etl.serve import served
from tests.frontend.conftest import Stack, Tenant


@dataclass
class EtlTenant:
    tenant: Tenant
    sources: Sources
    login_dsn: str  # the tenant's login role, as the ETL connects


@contextmanager
def tenant_with_etl(stack: Stack, folder: Path) -> Iterator[EtlTenant]:
    password = f"pw-{uuid.uuid4().hex}"
    tenant = stack.activate(stack.provision("fe-etl", login_password=password))
    names, tenant_id = TenantNames(tenant.slug), tenant.tenant_id
    admin = redis.Redis.from_url(stack.redis_url)
    sources = start_sources()
    try:
        cache.ensure_user(admin, names, password, tenant_id)
        write_credentials(folder / "credentials")
        # The ETL verifies forwarded tokens with what the backend publishes.
        jwks = httpx.get(f"{stack.api_url}/api/v1/.well-known/jwks.json", timeout=10)
        (folder / "jwks.json").write_text(jwks.text)
        # etl_settings reads the DSN and the Redis address from a Platform.
        where = Platform(stack.engine, stack.engine, stack.backend_dsn, "", stack.redis_url, folder)
        settings = etl_settings(where, tenant.slug, tenant_id, password, sources, folder)
        with served(create_etl(settings, qdrant=QdrantClient(location=":memory:"))) as url:
            stack.etls[tenant.slug] = url
            try:
                yield EtlTenant(tenant, sources, settings.database_url.get_secret_value())
            finally:
                stack.etls.pop(tenant.slug, None)
    finally:
        sources.stop()
        cache.delete_user_and_keys(admin, names, tenant_id)
        admin.close()
        drop_tenant(stack.engine, tenant.slug)
