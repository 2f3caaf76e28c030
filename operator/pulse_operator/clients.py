"""Builds the operator's clients once, at startup (never at import)."""

from __future__ import annotations

import os

import redis
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from qdrant_client import QdrantClient

from pulse_common import vectorstore
from pulse_common.db import make_engine
from pulse_operator.admin_dsn import admin_dsn
from pulse_operator.config import OperatorConfig
from pulse_operator.reconcile.tenant import Clients


def kube_client() -> k8s.ApiClient:
    try:
        k8s_config.load_incluster_config()
        return k8s.ApiClient()
    except k8s_config.ConfigException:
        # The library reads $KUBECONFIG once, at import; read it now instead.
        client: k8s.ApiClient = k8s_config.new_client_from_config(
            config_file=os.environ.get("KUBECONFIG")
        )
        return client


def build(cfg: OperatorConfig, *, qdrant: QdrantClient | None = None) -> Clients:
    """``qdrant`` lets an embedding process share its local-mode client (tests)."""
    return Clients(
        kube=kube_client(),
        db=make_engine(
            admin_dsn(cfg),
            pool_size=4,
            application_name="pulse-operator",
        ),
        redis=redis.Redis.from_url(
            cfg.redis_admin_url.get_secret_value(), socket_timeout=5, socket_connect_timeout=5
        ),
        qdrant=qdrant
        or vectorstore.connect(cfg.qdrant_url, cfg.qdrant_api_key.get_secret_value() or None),
        owns_qdrant=qdrant is None,
    )
