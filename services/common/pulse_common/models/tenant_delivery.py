"""Delivery (DORA inputs): deployments and the incidents they cause."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pulse_common.models.base import HasIntegration, TenantBase, TenantRow
from pulse_common.models.enums import DeploymentStatus, IncidentSeverity, checked


class Deployment(TenantRow, HasIntegration, TenantBase):
    """A deployment of a commit of a repository to an environment."""

    __tablename__ = "deployments"
    __table_args__ = (
        UniqueConstraint("external_id"),
        # Deployment frequency: production deployments in a period.
        Index(None, "environment", "deployed_at"),
        # Per-repository deployment history.
        Index(None, "repository_id", "deployed_at"),
        # Lead time: the deployment that shipped a commit.
        Index(None, "commit_sha"),
    )

    external_id: Mapped[str] = mapped_column(String(100), nullable=False)
    repository_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("repositories.id", ondelete="CASCADE"), nullable=False
    )
    environment: Mapped[str] = mapped_column(String(50), nullable=False)
    commit_sha: Mapped[str] = mapped_column(String(40), nullable=False)
    pr_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("prs.id", ondelete="SET NULL"))
    work_item_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("work_items.id", ondelete="SET NULL")
    )
    status: Mapped[DeploymentStatus] = mapped_column(
        checked(DeploymentStatus, "deployment_status"), nullable=False
    )
    deployed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    duration_seconds: Mapped[int | None] = mapped_column(Integer)


class Incident(TenantRow, HasIntegration, TenantBase):
    """A production incident; ``deployment_id`` is the change that caused it
    (change failure rate), ``started_at``..``resolved_at`` the time to restore."""

    __tablename__ = "incidents"
    __table_args__ = (
        UniqueConstraint("external_id"),
        # Time to restore and incident counts over a period.
        Index(None, "started_at"),
        # Change failure rate: incidents per causing deployment.
        Index(None, "deployment_id"),
    )

    external_id: Mapped[str] = mapped_column(String(100), nullable=False)
    title: Mapped[str] = mapped_column(String(500), nullable=False)
    severity: Mapped[IncidentSeverity] = mapped_column(
        checked(IncidentSeverity, "incident_severity"), nullable=False
    )
    repository_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("repositories.id", ondelete="SET NULL")
    )
    deployment_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("deployments.id", ondelete="SET NULL")
    )
    work_item_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("work_items.id", ondelete="SET NULL")
    )
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
