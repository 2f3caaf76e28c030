"""Backend settings from the environment (prefix ``PULSE_BACKEND_``).

Outside ``dev`` every secret must be given and must not be one of the dev
defaults: a forgotten variable must stop the pod at startup, never run with a
well-known secret. The error names the variable, never its value.
"""

from __future__ import annotations

import base64
import enum
from typing import Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "PULSE_BACKEND_"

# Values that only make sense on a developer's machine.
DEV_DATABASE_URL = "postgresql://pulse_backend:pulse@127.0.0.1:5432/pulse"
DEV_REDIS_URL = "redis://127.0.0.1:6379/0"
DEV_ENCRYPTION_KEYS = (
    "dev:" + base64.urlsafe_b64encode(b"pulse-dev-only-key-32-bytes-long").decode()
)


class Environment(enum.StrEnum):
    dev = "dev"
    production = "production"


class LogFormat(enum.StrEnum):
    json = "json"
    console = "console"


class RateLimits(BaseSettings):
    """Requests allowed per window; the window is in seconds."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX + "RATE_", extra="ignore")

    window_seconds: int = Field(default=60, ge=1)
    per_user: int = Field(default=600, ge=1)
    per_tenant: int = Field(default=6000, ge=1)
    login_window_seconds: int = Field(default=900, ge=1)
    # Failed sign-ins per tenant+email (a success does not count); every
    # attempt counts per client address.
    login_per_email: int = Field(default=10, ge=1)
    login_per_address: int = Field(default=50, ge=1)
    # Failed sign-ins per trusted device (a browser holding a device token,
    # ``pulse_backend.devices``), counted instead of the email's; unset: as
    # many as per email.
    login_per_device: int | None = Field(default=None, ge=1)
    # Wrong current passwords per user in a password change (a change that
    # succeeds, or a new password the rules refuse, does not count): a stolen
    # access token must not become a password oracle. Its own window.
    password_change_failures: int = Field(default=5, ge=1)
    password_change_window_seconds: int = Field(default=900, ge=1)


class Settings(BaseSettings):
    # Validation errors must not echo the input: it holds the secrets.
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, extra="ignore", hide_input_in_errors=True
    )

    environment: Environment = Environment.production
    database_url: SecretStr | None = None
    database_replica_url: SecretStr | None = None
    replica_max_lag_seconds: float = Field(default=5.0, ge=0)
    replica_lag_cache_seconds: float = Field(default=1.0, ge=0)
    redis_url: SecretStr | None = None
    jwt_keys_dir: str | None = None
    jwt_active_kid: str | None = None
    jwt_issuer: str = "pulse"
    jwt_audience: str = "pulse-api"
    encryption_keys: SecretStr | None = None
    qdrant_url: str = ":memory:"
    qdrant_api_key: SecretStr | None = None
    public_url: str = "http://localhost:5173"
    log_format: LogFormat | None = None
    log_level: str = "INFO"
    access_token_ttl_seconds: int = Field(default=900, ge=30)
    refresh_token_ttl_seconds: int = Field(default=1_209_600, ge=60)
    # How long a browser stays a trusted device after its last sign-in.
    device_token_ttl_seconds: int = Field(default=30 * 86400, ge=60)
    invite_ttl_seconds: int = Field(default=7 * 86400, ge=60)
    cookie_secure: bool = True
    tenant_state_cache_seconds: float = Field(default=5.0, ge=0)
    redis_timeout_seconds: float = Field(default=0.5, gt=0)
    db_pool_size: int = Field(default=10, ge=1)
    # Every statement of the backend's connections (0: none). The pools and
    # the replica are shared by all tenants: a statement one tenant's input
    # makes slow (a search's words, a wide analytics range) must give its
    # connection back rather than hold it. The SQL tool sets a lower one.
    db_statement_timeout_ms: int = Field(default=30_000, ge=0)
    # The tenant ETL's internal Service (the operator's ``pulse-etl`` in ``tenant-<slug>``).
    etl_url_template: str = Field(
        default="http://pulse-etl.tenant-{slug}.svc:8000", pattern=r"^https?://"
    )
    etl_timeout_seconds: float = Field(default=10.0, gt=0)
    # The largest request body read (``pulse_backend.body_limit``): above the
    # largest logo (512 KiB) and any JSON body a route accepts.
    max_request_bytes: int = Field(default=2 * 1024 * 1024, ge=1024 * 1024)
    # How often the indexer looks for queued rows of tenants whose collection
    # needs their embedding provider (pulse_backend.search.indexer); 0: never.
    index_interval_seconds: float = Field(default=30.0, ge=0)
    rate: RateLimits = Field(default_factory=RateLimits)
    # Cached analytics GETs answered before FastAPI's routing
    # (pulse_backend.routes.analytics_fast); off: through the routes only.
    analytics_fast_path: bool = True

    @property
    def is_dev(self) -> bool:
        return self.environment is Environment.dev

    @property
    def effective_log_format(self) -> LogFormat:
        if self.log_format is not None:
            return self.log_format
        return LogFormat.console if self.is_dev else LogFormat.json

    def secret(self, name: str) -> str:
        """A secret's value: the configured one, or in dev its dev default."""
        value: SecretStr | None = getattr(self, name)
        if value is not None:
            return value.get_secret_value()
        if name == "database_replica_url":
            return self.secret("database_url")
        return _DEV_DEFAULTS[name]

    @model_validator(mode="after")
    def _refuse_dev_secrets(self) -> Self:
        if self.is_dev:
            return self
        problems = []
        for name, default in _DEV_DEFAULTS.items():
            value: SecretStr | None = getattr(self, name)
            if value is None or not value.get_secret_value().strip():
                problems.append(f"{ENV_PREFIX}{name.upper()} is required outside dev")
            elif value.get_secret_value() == default:
                problems.append(f"{ENV_PREFIX}{name.upper()} is the dev default; set a real one")
        for name in ("jwt_keys_dir", "jwt_active_kid"):
            if not getattr(self, name):
                problems.append(f"{ENV_PREFIX}{name.upper()} is required outside dev")
        if problems:
            raise ValueError("; ".join(problems))
        return self


_DEV_DEFAULTS = {
    "database_url": DEV_DATABASE_URL,
    "redis_url": DEV_REDIS_URL,
    "encryption_keys": DEV_ENCRYPTION_KEYS,
}
