"""The routing config of one AI or embedding provider, stored as JSON in
``integrations.settings`` (no schema change per provider). It lives here,
not in the backend, because the ETL builds its clients from the same rows.
Credentials are never part of it: they are encrypted in
``integrations.credentials``."""

from __future__ import annotations

import enum
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from pulse_common.models.enums import IntegrationType
from pulse_common.patterns import worded


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]
_IDENTIFIER = worded(r"^[A-Za-z0-9._-]+$", "use letters, digits, dots, underscores and dashes")
Name = Annotated[
    str,
    Field(
        pattern=worded(
            r"^[a-z0-9][a-z0-9-]{0,62}$",
            "use 1-63 lowercase letters, digits and dashes, starting with a letter or digit",
        )
    ),
]


class ProviderKind(enum.StrEnum):
    openai_compatible = "openai-compatible"
    azure_openai = "azure-openai"
    local = "local"


class ProviderType(enum.StrEnum):
    """The provider rows' subset of ``integrations.type``: the values are
    the table's own (``models.enums``), so the two cannot drift; a separate
    enum so that a provider can never be given the type ``data``."""

    ai = IntegrationType.ai.value
    embedding = IntegrationType.embedding.value


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
    """How the ETL/agent reaches the provider.

    ``gateway_route``: true for a paid gateway (preferred by interactive
    requests, for quality), false for a local/self-hosted model (preferred by
    ETL work, for cost). ``fallback`` names the provider to try next when this
    one errs, times out or is rate limited."""

    model_config = ConfigDict(extra="forbid")

    kind: ProviderKind
    base_url: AnyHttpUrl | None = None
    model: Text = Field(min_length=1, max_length=200)
    gateway_route: bool = True
    priority: int = Field(default=100, ge=0, le=1000)
    fallback: Name | None = None
    timeouts: Timeouts = Timeouts()
    limits: TokenLimits = TokenLimits()
    api_version: str | None = Field(default=None, max_length=40, pattern=_IDENTIFIER)
    deployment: str | None = Field(default=None, max_length=200, pattern=_IDENTIFIER)
    dimensions: int | None = Field(default=None, ge=8, le=4096)
    # Each model scores similarity on its own scale (the built-in MiniLM's
    # cut-off is 0.3, pulse_common.ai.embeddings.LOCAL_MIN_SCORE); none
    # here means every hit is shown, as no figure fits every model.
    min_score: float | None = Field(
        default=None,
        ge=-1,
        le=1,
        description="embedding providers: search hits scoring below this are not shown",
    )

    @model_validator(mode="before")
    @classmethod
    def _legacy_route(cls, data: Any) -> Any:
        # Rows written before gateway_route became a boolean hold a route
        # name ("default"); what it meant is "through the gateway" unless the
        # provider is local, so that is what it reads as.
        if isinstance(data, dict) and isinstance(data.get("gateway_route"), str):
            data = dict(data)
            data["gateway_route"] = data.get("kind") != ProviderKind.local.value
        return data

    @field_validator("base_url")
    @classmethod
    def _http_only(cls, value: AnyHttpUrl | None) -> AnyHttpUrl | None:
        if value is not None and (value.query or value.fragment):
            raise ValueError("must not carry a query or fragment")
        return value

    @model_validator(mode="after")
    def _kind_rules(self) -> Self:
        if self.kind is ProviderKind.azure_openai and not (self.api_version and self.deployment):
            raise ValueError("azure-openai needs api_version and deployment")
        if self.kind is not ProviderKind.local and self.base_url is None:
            raise ValueError(f"{self.kind.value} needs base_url")
        return self
