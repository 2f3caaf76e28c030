"""ETL settings: entirely from the environment the operator writes (the
tenant's ConfigMap and Secrets, mounted with envFrom), plus the folder where
each integration's Secret is mounted as files."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "PULSE_"


class EtlSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

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
    etl_schedule: str | None = None  # cron, in etl_timezone
    etl_timezone: str = "UTC"  # IANA (spec.etl.timeZone)
    etl_credentials_dir: Path = Path("/var/run/pulse/integrations")
    etl_overlap_seconds: int = 600
    etl_http_timeout: float = 30.0
    etl_sweep_hours: float = 24.0  # deleted Jira issues: a full id pass this often
    # The largest source answer read (MiB): a bigger one (an endless stream, a
    # huge error page) fails the run instead of filling the pod's memory.
    etl_max_body_mib: int = Field(default=64, ge=1, le=1024)
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


class SettingsInvalid(SystemExit):
    """The environment names a setting the ETL cannot start with: the process
    exits with one line per setting, named as the environment spells it."""


def load_settings() -> EtlSettings:
    """The settings from the environment, or ``SettingsInvalid`` (not a
    pydantic trace, whose field names are not the variables an admin sets)."""
    try:
        return EtlSettings()
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = ENV_PREFIX + "_".join(str(p) for p in err["loc"]).upper()
            field = EtlSettings.model_fields.get(str(err["loc"][0]))
            secret = field is not None and field.annotation is SecretStr
            got = "" if err["type"] == "missing" or secret else f", got {err['input']!r}"
            lines.append(f"{name}: {err['msg']}{got}")
        raise SettingsInvalid("invalid ETL settings:\n  " + "\n  ".join(lines)) from None
