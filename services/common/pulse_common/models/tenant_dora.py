"""Links the DORA metrics need, and the tenant's DORA settings.

- ``projects_repositories``: which repositories a project covers (the scope an
  incident is attributed within, and the project filter).
- ``deployments_commits`` / ``deployments_prs``: the commit range a deployment
  shipped (since the previous successful deployment of the same repository
  and environment) and the PRs whose merge commit lies in it.
- ``incidents_deployments``: the deployment an incident is attributed to, and
  how that link was made.
- ``work_items_prs``: work items a PR implements or fixes (many to many).
- ``dora_settings``: one row per tenant (production pattern, fallback, marker
  rules); absent means the defaults.
- ``dora_changes`` / ``dora_relink_state``: what changed since the last
  relink (filled by triggers) and what that relink ran under, so that the
  next one recomputes only that (``pulse_common.dora.changes``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from pulse_common.models.base import TenantBase, TenantRow
from pulse_common.models.enums import (
    DeploymentFallback,
    IncidentLinkMethod,
    WorkItemLinkMethod,
    checked,
)


def _fk(target: str) -> Mapped[int]:
    return mapped_column(BigInteger, ForeignKey(f"{target}.id", ondelete="CASCADE"), nullable=False)


class ProjectRepository(TenantRow, TenantBase):
    __tablename__ = "projects_repositories"
    __table_args__ = (
        UniqueConstraint("project_id", "repository_id"),
        Index(None, "repository_id"),
    )

    project_id: Mapped[int] = _fk("projects")
    repository_id: Mapped[int] = _fk("repositories")


class DeploymentCommit(TenantRow, TenantBase):
    __tablename__ = "deployments_commits"
    __table_args__ = (
        UniqueConstraint("deployment_id", "commit_id"),
        Index(None, "commit_id"),
    )

    deployment_id: Mapped[int] = _fk("deployments")
    commit_id: Mapped[int] = _fk("commits")


class DeploymentPr(TenantRow, TenantBase):
    __tablename__ = "deployments_prs"
    __table_args__ = (
        UniqueConstraint("deployment_id", "pr_id"),
        # Lead time: the first production deployment of each PR.
        Index(None, "pr_id"),
        # Lead time: the PRs first shipped by the range's deployments, read
        # from the index alone (a tenant's links are several per PR).
        Index(
            "ix_deployments_prs_first",
            "deployment_id",
            postgresql_include=["pr_id"],
            postgresql_where=text("is_first"),
        ),
    )

    deployment_id: Mapped[int] = _fk("deployments")
    pr_id: Mapped[int] = _fk("prs")
    # The PR's first successful production deployment under the tenant's
    # rules (set by relink): lead time reads it instead of ranking the links.
    is_first: Mapped[bool] = mapped_column(nullable=False, server_default=false())


class IncidentDeployment(TenantRow, TenantBase):
    __tablename__ = "incidents_deployments"
    __table_args__ = (
        UniqueConstraint("incident_id", "deployment_id"),
        # Change failure rate: is a deployment linked to any incident?
        Index(None, "deployment_id"),
    )

    incident_id: Mapped[int] = _fk("incidents")
    deployment_id: Mapped[int] = _fk("deployments")
    link_method: Mapped[IncidentLinkMethod] = mapped_column(
        checked(IncidentLinkMethod, "incident_link_method", length=40), nullable=False
    )


class WorkItemPr(TenantRow, TenantBase):
    __tablename__ = "work_items_prs"
    __table_args__ = (
        UniqueConstraint("work_item_id", "pr_id"),
        Index(None, "pr_id"),
    )

    work_item_id: Mapped[int] = _fk("work_items")
    pr_id: Mapped[int] = _fk("prs")
    link_method: Mapped[WorkItemLinkMethod] = mapped_column(
        checked(WorkItemLinkMethod, "work_item_link_method"), nullable=False
    )


class DoraSettings(TenantRow, TenantBase):
    """The tenant's DORA rules. Patterns are Python regular expressions,
    matched case-insensitively (``re.search``)."""

    __tablename__ = "dora_settings"
    __table_args__ = (
        UniqueConstraint("singleton"),
        CheckConstraint("singleton", name="one_row"),
    )

    singleton: Mapped[bool] = mapped_column(nullable=False, server_default=true())
    production_pattern: Mapped[str] = mapped_column(
        String(200), nullable=False, server_default="^(prod|production)$"
    )
    deployment_fallback: Mapped[DeploymentFallback] = mapped_column(
        checked(DeploymentFallback, "deployment_fallback"),
        nullable=False,
        server_default=DeploymentFallback.none.value,
    )
    hotfix_pattern: Mapped[str] = mapped_column(
        String(200), nullable=False, server_default="(^|[^a-z])hot-?fix([^a-z]|$)"
    )
    revert_pattern: Mapped[str] = mapped_column(
        String(200), nullable=False, server_default="^revert([^a-z]|$)"
    )
    # Hours after a deployment within which an incident may be attributed to
    # it; null = no window (DevLake's rule).
    incident_window_hours: Mapped[int | None] = mapped_column(Integer)
    report_year: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default="2024")
    # Jira issue types loaded as incidents; null: each Jira integration's
    # ``incidentTypes`` option (default ["Incident"]).
    incident_types: Mapped[list[str] | None] = mapped_column(ARRAY(String(100)))


class DoraChange(TenantRow, TenantBase):
    """A row whose change the next relink must take into account: ``kind``
    names what to recompute (``pulse_common.dora.changes``) and ``row_id``
    which one (0 when the kind means all of them). Written by statement
    triggers (migration d3f7a9c2e5b1); a row marked again while a relink
    reads the queue is locked by the upsert, so the relink waits for it."""

    __tablename__ = "dora_changes"
    __table_args__ = (UniqueConstraint("kind", "row_id"),)

    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    row_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    # A repository's: its deployments that finished, and those whose head
    # was committed, from then on changed (earliest marked; null: none).
    since_finished: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    since_committed: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class DoraRelinkState(TenantRow, TenantBase):
    """What the last relink ran under (rules, schema revision, derivation
    version, hashed): another fingerprint makes the next one a full pass."""

    __tablename__ = "dora_relink_state"
    __table_args__ = (
        UniqueConstraint("singleton"),
        CheckConstraint("singleton", name="one_row"),
    )

    singleton: Mapped[bool] = mapped_column(nullable=False, server_default=true())
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
