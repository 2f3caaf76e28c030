"""ETL settings: entirely from the environment the operator writes (the
tenant's ConfigMap and Secrets, mounted with envFrom)."""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class EtlSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PULSE_", extra="ignore")

    tenant_slug: str
    database_url: SecretStr
    database_schema: str
    redis_url: SecretStr
    redis_key_prefix: str
    qdrant_url: str
    qdrant_token: SecretStr
    qdrant_collection: str
    log_json: bool = True
    port: int = 8000
