"""The operator's clients, built once at startup (never at import)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import kopf
import redis
from sqlalchemy import Engine

from pulse_common.db import make_engine
from pulse_operator.admin_dsn import admin_dsn
from pulse_operator.config import OperatorConfig
from pulse_operator.qdrant import QdrantRest
from pulse_operator.reconcile import kube
from pulse_operator.watchcache import WatchCache


@dataclass
class Clients:
    kube: kube.KubeClient
    db: Engine
    redis: redis.Redis
    qdrant: QdrantRest
    owns_qdrant: bool = True  # False when lent by the caller (tests)
    # None (tests of one reconcile): every read is a request.
    cache: WatchCache | None = None
    # Objects no watch holds, last found as wanted: key -> time.monotonic()
    # (see reconcile.integrations.check).
    seen_at: dict[tuple[str, ...], float] = field(default_factory=dict)

    def observed(self, kind: str, name: str, namespace: str | None = None) -> dict[str, Any] | None:
        """The object as the server has it: from the watch cache once it is
        listed, else one GET."""
        if self.cache is not None and self.cache.watches(kind) and self.cache.synced(kind):
            return self.cache.get(kind, name, namespace)
        return kube.get(self.kube, kind, name, namespace)

    def confirmed(
        self, kind: str, name: str, namespace: str | None = None
    ) -> dict[str, Any] | None:
        """Like ``observed``, but an absence is checked with the server: a
        missing credentials Secret means new credentials, so a watch that is
        a moment behind must not decide that."""
        found = self.observed(kind, name, namespace)
        if found is None and self.cache is not None:
            found = kube.get(self.kube, kind, name, namespace)
        return found

    def applied(self, obj: dict[str, Any]) -> dict[str, Any]:
        result = kube.apply(self.kube, obj)
        if self.cache is not None:
            self.cache.put(result)
        return result

    def close(self) -> None:
        self.db.dispose()
        self.redis.close()
        if self.owns_qdrant:
            self.qdrant.close()
        self.kube.close()


def connection_info(settings: kopf.OperatorSettings | None = None) -> kopf.ConnectionInfo:
    """In a pod its service account, else $KUBECONFIG (read now, not at
    import), with Kopf's own readers."""
    settings = settings or kopf.OperatorSettings()
    info = kopf.login_with_service_account(settings=settings) or kopf.login_with_kubeconfig(
        settings=settings
    )
    if info is None:
        raise kopf.PermanentError("no Kubernetes credentials (no service account, no KUBECONFIG)")
    return info


def build(
    cfg: OperatorConfig,
    *,
    qdrant: QdrantRest | None = None,
    settings: kopf.OperatorSettings | None = None,
) -> Clients:
    """``qdrant``: a client to use instead of one for ``cfg.qdrant_url`` (tests)."""
    return Clients(
        kube=kube.KubeClient(connection_info(settings)),
        db=make_engine(admin_dsn(cfg), pool_size=4, application_name="pulse-operator"),
        redis=redis.Redis.from_url(
            cfg.redis_admin_url.get_secret_value(), socket_timeout=5, socket_connect_timeout=5
        ),
        qdrant=qdrant or QdrantRest(cfg.qdrant_url, cfg.qdrant_api_key.get_secret_value() or None),
        owns_qdrant=qdrant is None,
    )
