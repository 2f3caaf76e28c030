"""What deleting a PulseTenant does to the backends (its Kubernetes objects go
by garbage collection). ``Retain`` revokes credentials and keeps the data;
``Delete`` removes the data too."""

from __future__ import annotations

import contextlib

from pulse_common import cache as cache_acl
from pulse_common import vector_admin
from pulse_common.errors import NotFound
from pulse_common.provisioning import drop_tenant, revoke_tenant, tenant_id_of
from pulse_common.tenancy import TenantNames
from pulse_operator.clients import Clients
from pulse_operator.spec import DeletionPolicy


def finalize(clients: Clients, slug: str, policy: DeletionPolicy, tenant_id: int | None) -> str:
    """Idempotent; returns a summary for the Event. Errors propagate (retried).

    ``tenant_id`` is the PulseTenant's ``status.tenantId``, else the registry's:
    Redis and Qdrant objects are deleted only when marked with it, so that a
    retry after the registry row is gone still proves ownership."""
    n = TenantNames(slug)
    if tenant_id is None:
        tenant_id = tenant_id_of(clients.db, slug)
    if policy is DeletionPolicy.retain:
        with contextlib.suppress(NotFound):  # never provisioned: nothing to revoke
            revoke_tenant(clients.db, slug)
        cache_acl.disable_user(clients.redis, n)
        vector_admin.revoke_tokens(clients.qdrant, slug)
        return (
            f"credentials revoked; schema {n.schema}, keys {n.key_prefix}* and collection "
            f"{n.collection} retained"
        )
    drop_tenant(clients.db, slug)
    keys = cache_acl.delete_user_and_keys(clients.redis, n, tenant_id)
    vector_admin.delete_collection(clients.qdrant, n.collection, tenant_id)
    vector_admin.revoke_tokens(clients.qdrant, slug)
    return (
        f"schema {n.schema}, roles, registry row, {keys} keys and collection {n.collection} deleted"
    )
