"""The shared control schema ``pulse``: the tenant registry and platform-wide
reference data."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Integer,
    Numeric,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from pulse_common.models.base import ControlBase, Timestamps
from pulse_common.models.enums import checked


class TenantState(enum.StrEnum):
    provisioning = "provisioning"
    active = "active"
    suspended = "suspended"
    revoked = "revoked"  # deleted with Retain: credentials off, data kept


class TenantTier(enum.StrEnum):
    trial = "trial"
    standard = "standard"
    enterprise = "enterprise"


class Tenant(Timestamps, ControlBase):
    __tablename__ = "tenants"
    __table_args__ = (
        UniqueConstraint("slug"),
        CheckConstraint(r"slug ~ '^[a-z]([-a-z0-9]{1,28})[a-z0-9]$'", name="slug_dns_label"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    slug: Mapped[str] = mapped_column(String(30), nullable=False)
    display_name: Mapped[str] = mapped_column(String(100), nullable=False)
    tier: Mapped[TenantTier] = mapped_column(
        checked(TenantTier, "tenant_tier"), nullable=False, server_default=TenantTier.standard.value
    )
    state: Mapped[TenantState] = mapped_column(
        checked(TenantState, "tenant_state"),
        nullable=False,
        server_default=TenantState.provisioning.value,
    )
    schema_revision: Mapped[str | None] = mapped_column(String(64))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class DoraMetric(enum.StrEnum):
    deployment_frequency = "deployment_frequency"
    lead_time_for_changes = "lead_time_for_changes"
    change_failure_rate = "change_failure_rate"
    time_to_restore = "time_to_restore"


class DoraLevel(enum.StrEnum):
    elite = "elite"
    high = "high"
    medium = "medium"
    low = "low"


class DoraMarketBenchmark(Timestamps, ControlBase):
    """One performance band of one DORA metric in one year's State of DevOps report.

    Bounds are in ``unit``; a null bound is open. Deployment frequency is in
    deployments per day (higher is better); the others lower is better.
    """

    __tablename__ = "dora_market_benchmarks"
    __table_args__ = (UniqueConstraint("report_year", "metric", "level"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_year: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    metric: Mapped[DoraMetric] = mapped_column(
        checked(DoraMetric, "dora_metric", length=40), nullable=False
    )
    level: Mapped[DoraLevel] = mapped_column(checked(DoraLevel, "dora_level"), nullable=False)
    lower_bound: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    upper_bound: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    unit: Mapped[str] = mapped_column(String(30), nullable=False)
    description: Mapped[str] = mapped_column(String(200), nullable=False)
