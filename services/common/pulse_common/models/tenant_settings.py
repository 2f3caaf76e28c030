"""Integrations, settings, ETL bookkeeping and branding colours of a tenant."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from pulse_common.models.base import Deactivatable, TenantBase, TenantRow
from pulse_common.models.enums import ColorMode, EtlJobStatus, IntegrationType, checked


class Integration(TenantRow, Deactivatable, TenantBase):
    """A connected source (Jira, GitHub) or provider (LLM gateway, embeddings).

    ``settings`` holds provider options, e.g. AI routing as
    ``{"gateway_route": "default", "model": "..."}``. Credentials are stored
    encrypted, never in ``settings``.
    """

    __tablename__ = "integrations"
    __table_args__ = (UniqueConstraint("name"),)

    name: Mapped[str] = mapped_column(String(63), nullable=False)
    type: Mapped[IntegrationType] = mapped_column(
        checked(IntegrationType, "integration_type"), nullable=False
    )
    provider: Mapped[str] = mapped_column(String(50), nullable=False)
    base_url: Mapped[str | None] = mapped_column(String(500))
    credentials_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    settings: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default="{}")
    last_sync_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class SystemSetting(TenantRow, TenantBase):
    __tablename__ = "system_settings"
    __table_args__ = (UniqueConstraint("key"),)

    key: Mapped[str] = mapped_column(String(100), nullable=False)
    value: Mapped[Any] = mapped_column(JSONB, nullable=False)
    description: Mapped[str | None] = mapped_column(String(300))


class EtlJob(TenantRow, Deactivatable, TenantBase):
    """One extraction job; ``last_success_watermark`` is where the next
    incremental run starts, ``checkpoint`` lets a crashed run resume."""

    __tablename__ = "etl_jobs"
    __table_args__ = (UniqueConstraint("job_name"),)

    job_name: Mapped[str] = mapped_column(String(100), nullable=False)
    integration_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("integrations.id", ondelete="SET NULL")
    )
    status: Mapped[EtlJobStatus] = mapped_column(
        checked(EtlJobStatus, "etl_job_status"), nullable=False, server_default="queued"
    )
    schedule: Mapped[str | None] = mapped_column(String(100))
    last_run_started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_run_finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_success_watermark: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    next_run_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    checkpoint: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default="{}")
    error_message: Mapped[str | None] = mapped_column(Text)
    retry_count: Mapped[int] = mapped_column(nullable=False, server_default="0")


class ClientColorSettings(TenantRow, TenantBase):
    """The tenant's palette for one colour mode, derived from its branding."""

    __tablename__ = "client_color_settings"
    __table_args__ = (UniqueConstraint("mode"),)

    mode: Mapped[ColorMode] = mapped_column(checked(ColorMode, "color_mode"), nullable=False)
    primary_color: Mapped[str] = mapped_column(String(7), nullable=False)
    secondary_color: Mapped[str] = mapped_column(String(7), nullable=False)
    accent_color: Mapped[str] = mapped_column(String(7), nullable=False)
    background_color: Mapped[str] = mapped_column(String(7), nullable=False)
    surface_color: Mapped[str] = mapped_column(String(7), nullable=False)
    text_color: Mapped[str] = mapped_column(String(7), nullable=False)
    logo_url: Mapped[str | None] = mapped_column(String(500))
