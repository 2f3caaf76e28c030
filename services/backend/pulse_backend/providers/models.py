"""The provider API's nouns. ``ProviderConfig`` is the JSON routing config
kept in ``integrations.settings``; credentials are never part of it."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
)

from pulse_backend.schemas import LAST_SUCCESS_AT
from pulse_common.ai.config import (
    Name,
    ProviderConfig,
    ProviderKind,
    ProviderType,
    Timeouts,
    TokenLimits,
)

__all__ = ["ProviderConfig", "ProviderKind", "ProviderType", "Timeouts", "TokenLimits"]


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
    last_sync_at: dt.datetime | None = Field(description=LAST_SUCCESS_AT)
    settings: dict[str, object]
    jobs: list[SyncStatus]
