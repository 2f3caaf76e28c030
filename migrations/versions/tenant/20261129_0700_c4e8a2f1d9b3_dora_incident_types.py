"""DORA settings: which Jira issue types are incidents

``dora_settings.incident_types``: the Jira issue type names loaded as
incidents (as well as work items), edited with the other DORA rules through
``PUT /api/v1/analytics/settings``. Null keeps the earlier behaviour: each
Jira integration's ``incidentTypes`` option (default ``["Incident"]``).

Revision ID: c4e8a2f1d9b3
Revises: a7c3e91d4b62
Create Date: 2026-11-29 07:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "c4e8a2f1d9b3"
down_revision: str | Sequence[str] | None = "a7c3e91d4b62"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "dora_settings",
        sa.Column("incident_types", postgresql.ARRAY(sa.String(100)), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("dora_settings", "incident_types")
