"""``dora_metric_insights.scope`` and ``scope_key``: the filters an insight
was computed for, so that storing replaces that scope's insights and reading
finds them

``POST /analytics/insights`` stored one row per insight on every call and
kept no filters, so a filtered run's insights read as tenant-wide ones and
posting twice stored everything twice. ``scope`` is the canonical filters
(``pulse_common.analytics.scope.Scope.filters``: sorted id lists,
environment, authors, timezone, report_year) and ``scope_key`` their sha256
(``Scope.key``). Rows already there were stored by the release that kept no
filters: they get the unfiltered UTC scope and its key (``UNFILTERED`` and
``UNFILTERED_KEY``), which is what an unfiltered post computed. No row is
deleted, duplicates included: the next post of their scope and period
replaces them. ``ix_dora_metric_insights_scope_key_period_end_period_start``
serves "this scope's insights, newest period first" and the replacement's
lookup of one scope and period. The downgrade drops the index and both
columns and keeps the rows.

Revision ID: 1bf4516e15f1
Revises: 7ecefeac0689
Create Date: 2026-11-30 17:00:00+00:00
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "1bf4516e15f1"
down_revision: str | Sequence[str] | None = "7ecefeac0689"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The migration's own copies (the code may change, this revision may not);
# tests/db/test_insight_scopes.py checks they equal Scope.filters()/key()
# of an unfiltered UTC scope.
UNFILTERED: dict[str, object] = {
    "authors": [],
    "environment": None,
    "project_ids": [],
    "report_year": None,
    "repository_ids": [],
    "timezone": "UTC",
}
UNFILTERED_KEY = "28c867a3d16970a9d4f7cdd589d5c0963fe9086e319f8cb4d6062ed63b3cfc57"
INDEX = "ix_dora_metric_insights_scope_key_period_end_period_start"


def upgrade() -> None:
    # The defaults fill the existing rows, then go: new rows name their scope.
    op.add_column(
        "dora_metric_insights",
        sa.Column(
            "scope",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text(f"'{json.dumps(UNFILTERED, sort_keys=True)}'::jsonb"),
            nullable=False,
        ),
    )
    op.add_column(
        "dora_metric_insights",
        sa.Column("scope_key", sa.String(64), server_default=UNFILTERED_KEY, nullable=False),
    )
    op.alter_column("dora_metric_insights", "scope", server_default=None)
    op.alter_column("dora_metric_insights", "scope_key", server_default=None)
    op.create_index(
        INDEX, "dora_metric_insights", ["scope_key", "period_end", "period_start"], unique=False
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="dora_metric_insights")
    op.drop_column("dora_metric_insights", "scope_key")
    op.drop_column("dora_metric_insights", "scope")
