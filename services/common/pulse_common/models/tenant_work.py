"""Work tracking (Jira): projects, workflows, statuses, work-item types, their
mappings to Pulse's canonical flow, work items and their changelogs.

Index notes say which dashboard query each index serves.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from pulse_common.models.base import Deactivatable, HasIntegration, TenantBase, TenantRow
from pulse_common.models.enums import StatusCategory, checked


class Project(TenantRow, Deactivatable, HasIntegration, TenantBase):
    __tablename__ = "projects"
    __table_args__ = (UniqueConstraint("key"),)

    external_id: Mapped[str | None] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(50), nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    project_type: Mapped[str | None] = mapped_column(String(50))


class Workflow(TenantRow, Deactivatable, TenantBase):
    """A canonical flow (e.g. Backlog → Development → Review → Done)."""

    __tablename__ = "workflows"
    __table_args__ = (UniqueConstraint("name"),)

    name: Mapped[str] = mapped_column(String(100), nullable=False)
    description: Mapped[str | None] = mapped_column(String(500))
    is_default: Mapped[bool] = mapped_column(nullable=False, server_default="false")


class Status(TenantRow, Deactivatable, HasIntegration, TenantBase):
    __tablename__ = "statuses"
    __table_args__ = (UniqueConstraint("name"),)

    external_id: Mapped[str | None] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    category: Mapped[StatusCategory] = mapped_column(
        checked(StatusCategory, "status_category"), nullable=False
    )
    description: Mapped[str | None] = mapped_column(String(500))


class Wit(TenantRow, Deactivatable, HasIntegration, TenantBase):
    """A work-item type (Story, Bug, ...)."""

    __tablename__ = "wits"
    __table_args__ = (UniqueConstraint("name"),)

    external_id: Mapped[str | None] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    description: Mapped[str | None] = mapped_column(String(500))
    hierarchy_level: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")


class StatusMapping(TenantRow, Deactivatable, TenantBase):
    """Maps a source status name to a canonical step of a workflow."""

    __tablename__ = "status_mappings"
    __table_args__ = (UniqueConstraint("status_from", "workflow_id"),)

    status_from: Mapped[str] = mapped_column(String(100), nullable=False)
    status_to: Mapped[str] = mapped_column(String(100), nullable=False)
    status_category: Mapped[StatusCategory] = mapped_column(
        checked(StatusCategory, "status_mapping_category"), nullable=False
    )
    workflow_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("workflows.id", ondelete="CASCADE"), nullable=False
    )


class WitMapping(TenantRow, Deactivatable, TenantBase):
    """Maps a source work-item type name to a canonical one."""

    __tablename__ = "wit_mappings"
    __table_args__ = (UniqueConstraint("wit_from"),)

    wit_from: Mapped[str] = mapped_column(String(100), nullable=False)
    wit_to: Mapped[str] = mapped_column(String(100), nullable=False)


# What the work-items flow reads of the items it selects by resolution.
FLOW_COLUMNS = ("created", "derived_started_at", "project_id", "assignee", "id")


class WorkItem(TenantRow, Deactivatable, HasIntegration, TenantBase):
    __tablename__ = "work_items"
    __table_args__ = (
        UniqueConstraint("key"),
        # Flow/throughput charts: items of a project created in a period.
        Index(None, "project_id", "created"),
        # Lead-time and throughput: items resolved in a period; the WIP: the
        # items not resolved by a date. The work-items flow reads these
        # columns from the index alone (``ix_work_items_resolved_at``).
        Index(None, "resolved_at", postgresql_include=list(FLOW_COLUMNS)),
        # Status boards and WIP counts.
        Index(None, "status_id"),
        # The assistant's assignees (``agent.assignees``: a skip scan of the
        # distinct names) and the dashboard's one-person filter.
        Index(None, "assignee"),
        # Search's word lookup: ``pulse_common.search.documents.FTS_TEXT``, as
        # PostgreSQL spells it back (for autogenerate's comparison).
        Index(
            "ix_work_items_words",
            text(
                "to_tsvector('english'::regconfig, (((key::text || ' '::text) "
                "|| summary::text) || ' '::text) || COALESCE(description, ''::text))"
            ),
            postgresql_using="gin",
        ),
    )

    project_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
    )
    external_id: Mapped[str | None] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(60), nullable=False)
    summary: Mapped[str] = mapped_column(String(500), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    wit_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("wits.id", ondelete="SET NULL")
    )
    status_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("statuses.id", ondelete="SET NULL")
    )
    priority: Mapped[str | None] = mapped_column(String(50))
    assignee: Mapped[str | None] = mapped_column(String(255))
    reporter: Mapped[str | None] = mapped_column(String(255))
    parent_key: Mapped[str | None] = mapped_column(String(60))
    story_points: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    created: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    work_started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Where cycle time starts, stored by relink from the item's changelogs
    # and the tenant's status categories (pulse_common.dora.starts).
    derived_started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # The Qdrant point id of this item's embedding (vectors live in Qdrant).
    embedding_id: Mapped[str | None] = mapped_column(String(64))


class Changelog(TenantRow, HasIntegration, TenantBase):
    """One status transition of a work item."""

    __tablename__ = "changelogs"
    __table_args__ = (
        UniqueConstraint("work_item_id", "external_id"),
        # A work item's transitions in order; its status at a time (the WIP)
        # is the last entry before it, read from the index alone.
        Index(None, "work_item_id", "transitioned_at", "id", postgresql_include=["to_status_id"]),
    )

    work_item_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("work_items.id", ondelete="CASCADE"), nullable=False
    )
    external_id: Mapped[str] = mapped_column(String(100), nullable=False)
    from_status_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("statuses.id", ondelete="SET NULL")
    )
    to_status_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("statuses.id", ondelete="SET NULL")
    )
    transitioned_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    author: Mapped[str | None] = mapped_column(String(255))
    time_in_status_seconds: Mapped[int | None] = mapped_column(BigInteger)
