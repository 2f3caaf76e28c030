"""ETL settings: entirely from the environment the operator writes (the
tenant's ConfigMap and Secrets, mounted with envFrom), plus the folder where
each integration's Secret is mounted as files."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class EtlSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PULSE_", extra="ignore")

    tenant_slug: str
    tenant_id: int = 0
    database_url: SecretStr
    database_schema: str
    redis_url: SecretStr
    redis_key_prefix: str
    qdrant_url: str
    qdrant_token: SecretStr
    qdrant_collection: str
    log_json: bool = True
    port: int = 8000
    etl_integrations: str = "[]"  # spec.integrations as JSON
    etl_schedule: str | None = None  # cron, UTC
    etl_credentials_dir: Path = Path("/var/run/pulse/integrations")
    etl_overlap_seconds: int = 600
    etl_http_timeout: float = 30.0
    # The job API verifies forwarded tokens with the backend's public keys:
    # ``etl_jwks`` (a URL or a JWKS file) or else the backend's JWKS route.
    backend_url: str | None = None
    etl_jwks: str | None = None
    jwt_issuer: str = "pulse"
    jwt_audience: str = "pulse-api"

    @property
    def jwks_source(self) -> str | None:
        if self.etl_jwks:
            return self.etl_jwks
        if self.backend_url:
            return self.backend_url.rstrip("/") + "/api/v1/.well-known/jwks.json"
        return None
