"""The provider API's nouns. ``ProviderConfig`` is the JSON routing config
kept in ``integrations.settings``; credentials are never part of it."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated, Literal, Self

from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    model_validator,
)

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
    model: str = Field(min_length=1, max_length=200)
    gateway_route: str = Field(default="default", min_length=1, max_length=100)
    priority: int = Field(default=100, ge=0, le=1000)
    fallback: Name | None = None
    timeouts: Timeouts = Timeouts()
    limits: TokenLimits = TokenLimits()
    api_version: str | None = Field(default=None, max_length=40)
    deployment: str | None = Field(default=None, max_length=200)
    dimensions: int | None = Field(default=None, ge=8, le=4096)

    @model_validator(mode="after")
    def _azure(self) -> Self:
        if self.kind is ProviderKind.azure_openai and not (self.api_version and self.deployment):
            raise ValueError("azure-openai needs api_version and deployment")
        return self


class ProviderCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    type: ProviderType
    config: ProviderConfig
    api_key: SecretStr | None = Field(default=None, max_length=4096)


class ProviderPatch(BaseModel):
    """``api_key``: a new key; ``clear_api_key``: forget the stored one."""

    model_config = ConfigDict(extra="forbid")

    config: ProviderConfig | None = None
    api_key: SecretStr | None = Field(default=None, max_length=4096)
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
