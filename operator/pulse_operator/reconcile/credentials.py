"""The tenant's credentials live only in its Secrets. Reading them back lets
every reconcile reuse them, so re-runs rotate nothing; a missing Secret means
new credentials, which the backend steps then set."""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass

from pulse_common import vector_admin
from pulse_common.errors import BackendUnavailable
from pulse_common.security import generate_password
from pulse_common.tenancy import TenantNames
from pulse_operator.clients import Clients
from pulse_operator.config import OperatorConfig
from pulse_operator.reconcile.workload import (
    SECRET_ADMIN,
    SECRET_CACHE,
    SECRET_DB,
    SECRET_VECTOR,
    TenantSecrets,
)


@dataclass(frozen=True)
class Credentials:
    db_password: str
    db_new: bool
    redis_password: str
    redis_new: bool
    vector_token: str
    vector_new: bool
    # The first admin's initial password to issue when Secret
    # pulse-admin-initial is missing (new tenant, or deleted to rotate it).
    admin_password: str | None


def _read(clients: Clients, ns: str, name: str, key: str) -> str | None:
    obj = clients.confirmed("Secret", name, ns)
    raw = (obj or {}).get("data", {}).get(key)
    return base64.b64decode(raw).decode() if raw else None


def load(clients: Clients, cfg: OperatorConfig, slug: str, *, suspended: bool) -> Credentials:
    """From the watch cache when there is one (no request); a missing Secret
    is confirmed with the server before new credentials are made."""
    n, qdrant = TenantNames(slug), clients.qdrant
    db = _read(clients, n.namespace, SECRET_DB, "PULSE_DATABASE_PASSWORD")
    rd = _read(clients, n.namespace, SECRET_CACHE, "PULSE_REDIS_PASSWORD")
    token = _read(clients, n.namespace, SECRET_VECTOR, "PULSE_QDRANT_TOKEN")
    admin = clients.confirmed("Secret", SECRET_ADMIN, n.namespace)
    key = cfg.qdrant_api_key.get_secret_value()
    # Suspended: a revoked token stays revoked; resumption issues a new one.
    current = token or ""
    try:
        token_ok = token is not None and vector_admin.token_accepted(
            qdrant,
            key,
            token,
            n.collection,
            slug,
            min_remaining=dt.timedelta(days=cfg.vector_token_renew_days),
        )
        if not token_ok and not suspended:
            current = vector_admin.issue_token(
                qdrant, key, n.collection, slug, ttl=dt.timedelta(days=cfg.vector_token_ttl_days)
            )
    except BackendUnavailable:
        # Qdrant is down: keep what the Secret has; the vector step reports
        # the outage, and a later reconcile checks the token again.
        token_ok = True
    return Credentials(
        db_password=db or generate_password(),
        db_new=db is None,
        redis_password=rd or generate_password(),
        redis_new=rd is None,
        vector_token=current,
        vector_new=not token_ok and not suspended,
        admin_password=None if admin is not None else generate_password(18),
    )


def secrets(cfg: OperatorConfig, slug: str, creds: Credentials) -> TenantSecrets:
    n = TenantNames(slug)
    db = cfg.tenant_database_name

    def dsn(host: str) -> str:
        return f"postgresql://{n.login_role}:{creds.db_password}@{host}/{db}"

    return TenantSecrets(
        database={
            "PULSE_DATABASE_URL": dsn(cfg.tenant_database_host),
            "PULSE_DATABASE_REPLICA_URL": dsn(cfg.tenant_database_replica_host),
            "PULSE_DATABASE_USER": n.login_role,
            "PULSE_DATABASE_PASSWORD": creds.db_password,
        },
        cache={
            "PULSE_REDIS_URL": f"redis://{n.redis_user}:{creds.redis_password}@{cfg.tenant_redis_host}/0",
            "PULSE_REDIS_USER": n.redis_user,
            "PULSE_REDIS_PASSWORD": creds.redis_password,
        },
        vector={
            "PULSE_QDRANT_URL": cfg.tenant_qdrant_url,
            "PULSE_QDRANT_COLLECTION": n.collection,
            "PULSE_QDRANT_TOKEN": creds.vector_token,
        },
    )
