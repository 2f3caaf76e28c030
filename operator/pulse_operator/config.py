"""Operator settings, from the environment (``PULSE_OPERATOR_*``), set by the
Helm chart. Secrets are ``SecretStr`` so that they never print."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from pulse_operator.admin_dsn import AdminDatabaseSettings
from pulse_operator.network import NetworkSettings


class OperatorConfig(AdminDatabaseSettings, NetworkSettings):
    model_config = SettingsConfigDict(env_prefix="PULSE_OPERATOR_", extra="ignore")

    # How the operator itself reaches the backends (admin rights; PostgreSQL's
    # in AdminDatabaseSettings).
    redis_admin_url: SecretStr
    # A server: the operator speaks REST (pulse_operator.qdrant), no local mode.
    qdrant_url: str = Field(pattern=r"^https?://", description="Qdrant server URL")
    qdrant_api_key: SecretStr = SecretStr("")

    # How tenant workloads reach them (in-cluster names; ports included).
    tenant_database_host: str = Field(description="host:port of the read-write service")
    tenant_database_replica_host: str = Field(description="host:port of the read-only service")
    tenant_redis_host: str = Field(description="host:port of Redis")
    tenant_qdrant_url: str = Field(description="Qdrant URL as tenants see it")

    platform_namespace: str = "pulse-system"
    etl_image: str = "ghcr.io/pulse-dev/pulse-etl:0.1.0"
    etl_port: int = 8000
    backend_service: str = "pulse-backend.pulse-system.svc"
    # NetworkPolicy egress: where the platform's data services run (pod labels
    # in the platform namespace) and their ports.
    database_port: int = 5432
    redis_port: int = 6379
    qdrant_ports: list[int] = [6333, 6334]
    backend_port: int = 3001

    vector_token_ttl_days: int = 30
    vector_token_renew_days: int = 7
    drift_interval_seconds: float = 300.0
    # Reconciles (and deletions) running at once, whatever started them. Each
    # holds a thread of the event loop's default executor (6 on 2 cores);
    # kept below its size so that the short calls (status patches, Events)
    # never queue behind every pending tenant's whole reconcile.
    reconcile_concurrency: int = Field(default=4, ge=1, le=32)
    # Tenants checked at once by a drift pass (each holds a worker thread).
    drift_concurrency: int = Field(default=4, ge=1, le=32)
    # Drift passes re-read integration Secrets (which no watch holds) once
    # they were all found only this often; a spec change re-reads at once.
    integration_recheck_seconds: float = Field(default=1800.0, ge=0)
    metrics_port: int = 0  # 0: no metrics server (tests); the chart sets 9090
    log_json: bool = True
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
