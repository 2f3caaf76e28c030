"""ML monitoring keys and each PR's first deployment

- ``ml_anomaly_alert.dedup_key`` and ``ai_predictions.subject_key``, unique
  per model: monitoring raises an alert for a (series, week) once and makes
  one prediction per subject (an open PR, a future week), whatever the
  number of runs, and concurrent runs cannot race past each other. Rows made
  by hand leave them null (PostgreSQL treats nulls as distinct).
- ``deployments_prs.is_first``: the link to the PR's first successful
  production deployment, stored by ``relink`` so that lead time reads it
  instead of ranking every link of every PR again. Existing links are
  marked here in SQL (earliest successful deployment in an environment
  matching the tenant's production pattern, real deployments first), so
  lead time is not empty between the upgrade and the next sync; the next
  relink (the ETL runs it after each sync) applies the full rules.
- The ``system_settings`` keys ``dora.production_environments`` and
  ``dora.benchmark_year`` go: nothing reads them, ``dora_settings`` (edited
  through ``PUT /api/v1/analytics/settings``) holds the rules. The downgrade
  does not bring them back (they were never read).

Revision ID: a7c3e91d4b62
Revises: 7a3c5e9d1f20
Create Date: 2026-11-29 03:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a7c3e91d4b62"
down_revision: str | Sequence[str] | None = "7a3c5e9d1f20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEYS = (("ml_anomaly_alert", "dedup_key"), ("ai_predictions", "subject_key"))
UNUSED_SETTINGS = ("dora.production_environments", "dora.benchmark_year")


BACKFILL_FIRST = """
UPDATE deployments_prs dp SET is_first = true
FROM (
    SELECT DISTINCT ON (l.pr_id) l.deployment_id, l.pr_id
    FROM deployments_prs l JOIN deployments d ON d.id = l.deployment_id
    WHERE d.status = 'success' AND d.finished_at IS NOT NULL
      AND d.environment ~* coalesce(
          (SELECT production_pattern FROM dora_settings LIMIT 1), '^(prod|production)$')
      AND (d.source = 'deployment' OR NOT EXISTS (
          SELECT 1 FROM deployments r
          WHERE r.repository_id = d.repository_id AND r.source = 'deployment'))
    ORDER BY l.pr_id, d.finished_at, d.id
) f
WHERE dp.deployment_id = f.deployment_id AND dp.pr_id = f.pr_id
"""


def upgrade() -> None:
    for table, column in KEYS:
        op.add_column(table, sa.Column(column, sa.String(200), nullable=True))
        op.create_unique_constraint(
            op.f(f"uq_{table}_model_name_{column}"), table, ["model_name", column]
        )
    op.add_column(
        "deployments_prs",
        sa.Column("is_first", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.execute(BACKFILL_FIRST)
    settings = sa.table("system_settings", sa.column("key", sa.String()))
    op.execute(settings.delete().where(settings.c.key.in_(UNUSED_SETTINGS)))


def downgrade() -> None:
    op.drop_column("deployments_prs", "is_first")
    for table, column in KEYS:
        op.drop_constraint(op.f(f"uq_{table}_model_name_{column}"), table, type_="unique")
        op.drop_column(table, column)
