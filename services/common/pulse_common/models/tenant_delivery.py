"""Delivery (DORA inputs): deployments and the incidents they cause.

Links between them (which commits and PRs a deployment shipped, which
deployment an incident is attributed to) are in ``tenant_dora``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from pulse_common.models.base import HasIntegration, TenantBase, TenantRow
from pulse_common.models.enums import (
    DeploymentSource,
    DeploymentStatus,
    IncidentSeverity,
    IncidentStatus,
    checked,
)


class Deployment(TenantRow, HasIntegration, TenantBase):
    """A deployment of a commit of a repository to an environment.

    ``finished_at`` dates a deployment for DORA (as DevLake does);
    ``deployed_at`` is when it was requested. ``source`` says whether the row
    is a real deployment or the tenant's fallback (a release, a merge to the
    default branch), so responses can mark figures built from a fallback.
    """

    __tablename__ = "deployments"
    __table_args__ = (
        UniqueConstraint("external_id"),
        # Deployment frequency: production deployments in a period.
        Index(None, "environment", "deployed_at"),
        # Per-repository deployment history.
        Index(None, "repository_id", "deployed_at"),
        # Lead time: the deployment that shipped a commit.
        Index(None, "commit_sha"),
        # DORA: deployments finished in a period, and the chain of successful
        # deployments per repository and environment (commit ranges).
        Index(None, "finished_at"),
        Index(None, "repository_id", "environment", "finished_at"),
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
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    source: Mapped[DeploymentSource] = mapped_column(
        checked(DeploymentSource, "deployment_source"),
        nullable=False,
        server_default=DeploymentSource.deployment.value,
    )
    # Markers set by the tenant's rules (dora.markers): unplanned work.
    is_hotfix: Mapped[bool] = mapped_column(nullable=False, server_default=false())
    is_rollback: Mapped[bool] = mapped_column(nullable=False, server_default=false())


class Incident(TenantRow, HasIntegration, TenantBase):
    """A production incident.

    ``deployment_id`` is a cause the source declared (e.g. a root-cause
    deployment); the metrics use ``incidents_deployments``, which the linking
    rules fill (and which includes the declared cause). ``detected_at`` (when
    the incident was raised, DevLake's ``created_date``) picks the deployment;
    ``started_at`` is when the impact began. ``project_id`` scopes the link.
    """

    __tablename__ = "incidents"
    __table_args__ = (
        UniqueConstraint("external_id"),
        # Time to restore and incident counts over a period.
        Index(None, "started_at"),
        # Change failure rate: incidents per causing deployment.
        Index(None, "deployment_id"),
        # Incident linking within a project's scope.
        Index(None, "project_id", "detected_at"),
        # Search's word lookup (``pulse_common.search.documents.FTS_TEXT``).
        Index("ix_incidents_words", text("to_tsvector('english', title)"), postgresql_using="gin"),
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
    status: Mapped[IncidentStatus] = mapped_column(
        checked(IncidentStatus, "incident_status"),
        nullable=False,
        server_default=IncidentStatus.open.value,
    )
    detected_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    project_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("projects.id", ondelete="SET NULL")
    )
