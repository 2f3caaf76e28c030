"""Source control (GitHub): repositories, pull requests and their commits,
reviews and comments."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from pulse_common.models.base import Deactivatable, HasIntegration, TenantBase, TenantRow
from pulse_common.models.enums import PrState, ReviewState, checked


class Repository(TenantRow, Deactivatable, HasIntegration, TenantBase):
    __tablename__ = "repositories"
    __table_args__ = (UniqueConstraint("full_name"),)

    external_id: Mapped[str | None] = mapped_column(String(100))
    full_name: Mapped[str] = mapped_column(String(255), nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    default_branch: Mapped[str] = mapped_column(String(255), nullable=False, server_default="main")
    language: Mapped[str | None] = mapped_column(String(50))
    is_private: Mapped[bool] = mapped_column(nullable=False, server_default="true")
    url: Mapped[str | None] = mapped_column(String(500))


class PullRequest(TenantRow, HasIntegration, TenantBase):
    __tablename__ = "prs"
    __table_args__ = (
        UniqueConstraint("repository_id", "number"),
        # Lead time and PR throughput per repository over a period.
        Index(None, "repository_id", "merged_at"),
        # The engineering flow: the PRs merged in a range, any repository.
        Index(None, "merged_at"),
        # Open-PR lists and age-of-open-PR tiles.
        Index(None, "state", "created"),
        # Linking deployments/incidents to the work item a PR implements.
        Index(None, "work_item_id"),
        # The assistant's lookup of a person by login, any case, or its
        # beginning (``agent.narrowing``): from the index alone.
        Index(
            "ix_prs_author_lower",
            text("lower((author)::text) text_pattern_ops"),
            postgresql_include=["author"],
        ),
        # Deployment commit ranges → the PRs whose merge commit they contain.
        Index(None, "merge_commit_sha"),
        # Rework rate: the few PRs that are unplanned work, with why.
        Index(
            "ix_prs_rework",
            "id",
            postgresql_include=["is_hotfix", "is_revert", "fixes_bug", "fixes_incident"],
            postgresql_where=text("is_hotfix OR is_revert OR fixes_bug OR fixes_incident"),
        ),
        # Search's word lookup: ``pulse_common.search.documents.FTS_TEXT``, as
        # PostgreSQL spells it back (for autogenerate's comparison).
        Index(
            "ix_prs_words",
            text(
                "to_tsvector('english'::regconfig, "
                "(title::text || ' '::text) || COALESCE(body, ''::text))"
            ),
            postgresql_using="gin",
        ),
    )

    repository_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("repositories.id", ondelete="CASCADE"), nullable=False
    )
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    external_id: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(500), nullable=False)
    body: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(255))
    state: Mapped[PrState] = mapped_column(checked(PrState, "pr_state"), nullable=False)
    source_branch: Mapped[str | None] = mapped_column(String(255))
    target_branch: Mapped[str | None] = mapped_column(String(255))
    merge_commit_sha: Mapped[str | None] = mapped_column(String(40))
    work_item_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("work_items.id", ondelete="SET NULL")
    )
    created: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    first_commit_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    first_review_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Where lead time's coding and pickup start, stored by relink from the
    # PR's commits and reviews (pulse_common.dora.starts).
    derived_first_commit_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    derived_first_review_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    merged_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    additions: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    deletions: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    changed_files: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    embedding_id: Mapped[str | None] = mapped_column(String(64))
    # Markers set by the tenant's rules (dora.markers): unplanned work.
    is_hotfix: Mapped[bool] = mapped_column(nullable=False, server_default=false())
    is_revert: Mapped[bool] = mapped_column(nullable=False, server_default=false())
    # Linked to a Bug or Incident work item, or to a work item an incident
    # is tracked by: stored by relink from the links (dora.markers).
    fixes_bug: Mapped[bool] = mapped_column(nullable=False, server_default=false())
    fixes_incident: Mapped[bool] = mapped_column(nullable=False, server_default=false())


class Commit(TenantRow, HasIntegration, TenantBase):
    """A commit of a repository's history, in a PR or not (direct pushes,
    merge commits). Deployment commit ranges are built from these."""

    __tablename__ = "commits"
    __table_args__ = (
        UniqueConstraint("repository_id", "sha"),
        # Commit ranges: a repository's default-branch history in time order.
        Index(None, "repository_id", "committed_at"),
        Index(None, "sha"),
    )

    repository_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("repositories.id", ondelete="CASCADE"), nullable=False
    )
    sha: Mapped[str] = mapped_column(String(40), nullable=False)
    author: Mapped[str | None] = mapped_column(String(255))
    message: Mapped[str | None] = mapped_column(Text)
    authored_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    committed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    on_default_branch: Mapped[bool] = mapped_column(nullable=False, server_default="true")


class _PrChild(TenantRow):
    pr_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("prs.id", ondelete="CASCADE"), nullable=False
    )


class PrCommit(_PrChild, TenantBase):
    __tablename__ = "prs_commits"
    __table_args__ = (
        UniqueConstraint("pr_id", "sha"),
        # Deployment → commit → PR lookups (lead time for changes).
        Index(None, "sha"),
    )

    sha: Mapped[str] = mapped_column(String(40), nullable=False)
    author: Mapped[str | None] = mapped_column(String(255))
    message: Mapped[str | None] = mapped_column(Text)
    authored_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    committed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class PrReview(_PrChild, TenantBase):
    __tablename__ = "prs_reviews"
    __table_args__ = (
        UniqueConstraint("pr_id", "external_id"),
        # Review turnaround per PR.
        Index(None, "pr_id", "submitted_at"),
        # Review load: the reviews submitted in a range.
        Index(None, "submitted_at"),
        # The assistant's lookup of a person by login (``ix_prs_author_lower``).
        Index(
            "ix_prs_reviews_reviewer_lower",
            text("lower((reviewer)::text) text_pattern_ops"),
            postgresql_include=["reviewer"],
        ),
    )

    external_id: Mapped[str] = mapped_column(String(100), nullable=False)
    reviewer: Mapped[str | None] = mapped_column(String(255))
    state: Mapped[ReviewState] = mapped_column(checked(ReviewState, "review_state"), nullable=False)
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class PrComment(_PrChild, TenantBase):
    __tablename__ = "prs_comments"
    __table_args__ = (UniqueConstraint("pr_id", "external_id"),)

    external_id: Mapped[str] = mapped_column(String(100), nullable=False)
    author: Mapped[str | None] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text, nullable=False)
    commented_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
