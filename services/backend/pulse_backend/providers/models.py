"""The provider API's nouns. ``ProviderConfig`` is the JSON routing config
kept in ``integrations.settings``; credentials are never part of it."""

from __future__ import annotations

import datetime as dt
import enum
import re
from typing import Annotated, Literal, Self

from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    model_validator,
)

from pulse_backend.params import Text

Name = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]


class ProviderKind(enum.StrEnum):
    openai_compatible = "openai-compatible"
    azure_openai = "azure-openai"
    local = "local"


class ProviderType(enum.StrEnum):
    ai = "ai"
    embedding = "embedding"


class Timeouts(BaseModel):
    model_config = ConfigDict(extra="forbid")

    connect_seconds: float = Field(default=5.0, gt=0, le=60)
    read_seconds: float = Field(default=60.0, gt=0, le=600)


class TokenLimits(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_input_tokens: int | None = Field(default=None, ge=1, le=2_000_000)
    max_output_tokens: int | None = Field(default=None, ge=1, le=200_000)
    tokens_per_minute: int | None = Field(default=None, ge=1)


class ProviderConfig(BaseModel):
    """How the ETL/agent reaches the provider (stored as integrations.settings)."""

    model_config = ConfigDict(extra="forbid")

    kind: ProviderKind
    base_url: AnyHttpUrl
    model: Text = Field(min_length=1, max_length=200)
    gateway_route: Text = Field(default="default", min_length=1, max_length=100)
    priority: int = Field(default=100, ge=0, le=1000)
    fallback: Name | None = None
    timeouts: Timeouts = Timeouts()
    limits: TokenLimits = TokenLimits()
    api_version: str | None = Field(default=None, max_length=40, pattern=r"^[A-Za-z0-9._-]+$")
    deployment: str | None = Field(default=None, max_length=200, pattern=r"^[A-Za-z0-9._-]+$")
    dimensions: int | None = Field(default=None, ge=8, le=4096)

    @model_validator(mode="after")
    def _azure(self) -> Self:
        if self.kind is ProviderKind.azure_openai and not (self.api_version and self.deployment):
            raise ValueError("azure-openai needs api_version and deployment")
        return self


def _key_ok(value: SecretStr | None) -> SecretStr | None:
    # Sent as an HTTP header: printable ASCII without spaces, or nothing.
    if value is not None and not API_KEY.fullmatch(value.get_secret_value()):
        raise ValueError("must be printable ASCII without spaces")
    return value


API_KEY = re.compile(r"[\x21-\x7e]{1,4096}")
ApiKey = Annotated[SecretStr | None, AfterValidator(_key_ok)]


class ProviderCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    type: ProviderType
    config: ProviderConfig
    api_key: ApiKey = None


class ProviderPatch(BaseModel):
    """``api_key``: a new key; ``clear_api_key``: forget the stored one."""

    model_config = ConfigDict(extra="forbid")

    config: ProviderConfig | None = None
    api_key: ApiKey = None
    clear_api_key: bool = False
    active: bool | None = None


class ProviderOut(BaseModel):
    id: int
    name: str
    type: ProviderType
    active: bool
    config: ProviderConfig
    has_credentials: bool
    credentials_last4: str | None
    created_at: dt.datetime
    last_updated_at: dt.datetime


class ConnectionTest(BaseModel):
    ok: bool
    status_code: int | None
    latency_ms: float
    detail: str
    models: list[str] = []
    dimensions: int | None = None


class RotationResult(BaseModel):
    reencrypted: int
    unreadable: int
    active_key: str


class SyncStatus(BaseModel):
    job_name: str
    status: str
    last_run_started_at: dt.datetime | None
    last_run_finished_at: dt.datetime | None
    last_success_watermark: dt.datetime | None
    error_message: str | None


class DataIntegrationOut(BaseModel):
    id: int
    name: str
    provider: Literal["jira", "github"] | str
    base_url: str | None
    active: bool
    last_sync_at: dt.datetime | None
    settings: dict[str, object]
    jobs: list[SyncStatus]
