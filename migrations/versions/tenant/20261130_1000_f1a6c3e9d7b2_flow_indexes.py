"""Indexes for the range reads of lead time, the engineering and work-items flows

Lead time read every deployment-PR link (several per PR) to find the PRs
the range's deployments shipped first; ``ix_deployments_prs_first`` holds
only the first links, with the PR, so the lookup reads the index alone.
The engineering flow read every PR to find the ones merged in the range
(the existing index leads with the repository) and every review to find
each reviewer's first ones; ``ix_prs_merged_at`` and
``ix_prs_reviews_submitted_at`` find the range's rows. The work-items flow
fetched every item resolved in the range (a quarter of a million rows at a
million items) and every open one; ``ix_work_items_resolved_at`` now
includes the columns it reads, so both come from the index alone.

Revision ID: f1a6c3e9d7b2
Revises: caeb27a1bc8e
Create Date: 2026-11-30 10:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f1a6c3e9d7b2"
down_revision: str | Sequence[str] | None = "caeb27a1bc8e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The migration's own copy of pulse_common.models.tenant_work.FLOW_COLUMNS.
FLOW_COLUMNS = ("created", "derived_started_at", "project_id", "assignee", "id")


def upgrade() -> None:
    op.create_index(
        "ix_deployments_prs_first",
        "deployments_prs",
        ["deployment_id"],
        postgresql_include=["pr_id"],
        postgresql_where=sa.text("is_first"),
    )
    op.create_index("ix_prs_merged_at", "prs", ["merged_at"])
    op.create_index("ix_prs_reviews_submitted_at", "prs_reviews", ["submitted_at"])
    op.drop_index("ix_work_items_resolved_at", table_name="work_items")
    op.create_index(
        "ix_work_items_resolved_at",
        "work_items",
        ["resolved_at"],
        postgresql_include=list(FLOW_COLUMNS),
    )


def downgrade() -> None:
    op.drop_index("ix_work_items_resolved_at", table_name="work_items")
    op.create_index("ix_work_items_resolved_at", "work_items", ["resolved_at"])
    op.drop_index("ix_prs_reviews_submitted_at", table_name="prs_reviews")
    op.drop_index("ix_prs_merged_at", table_name="prs")
    op.drop_index("ix_deployments_prs_first", table_name="deployments_prs")
