"""etl_jobs.status holds the job's real state (queued, running, paused,
succeeded, failed, cancelled)

Until now the ETL kept the precise state in ``checkpoint.state`` and the
column its nearest allowed value; the upgrade moves it into the column (rows
without one map idle → queued, success → succeeded). The downgrade maps back
and leaves the precise state in ``checkpoint.state``, where the previous
release reads it.

Revision ID: 5e2b8f41c7d3
Revises: 3d7a1c9e5b20
Create Date: 2026-11-29 01:10:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "5e2b8f41c7d3"
down_revision: str | Sequence[str] | None = "3d7a1c9e5b20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The full name (op.f): the naming convention would prefix a bare one again.
CONSTRAINT = "ck_etl_jobs_etl_job_status"
NEW = ("queued", "running", "paused", "succeeded", "failed", "cancelled")
OLD = ("idle", "running", "success", "failed", "paused")


def _allow(values: Sequence[str]) -> None:
    listed = ", ".join(f"'{v}'" for v in values)
    op.create_check_constraint(op.f(CONSTRAINT), "etl_jobs", f"status IN ({listed})")


def upgrade() -> None:
    op.drop_constraint(op.f(CONSTRAINT), "etl_jobs", type_="check")
    op.execute(
        "UPDATE etl_jobs SET status = CASE "
        f"WHEN checkpoint->>'state' IN ({', '.join(repr(v) for v in NEW)}) "
        "THEN checkpoint->>'state' "
        "WHEN status = 'idle' THEN 'queued' WHEN status = 'success' THEN 'succeeded' "
        "ELSE status END, checkpoint = checkpoint - 'state'"
    )
    op.alter_column("etl_jobs", "status", server_default="queued")
    _allow(NEW)


def downgrade() -> None:
    op.drop_constraint(op.f(CONSTRAINT), "etl_jobs", type_="check")
    op.execute(
        "UPDATE etl_jobs SET checkpoint = COALESCE(checkpoint, '{}'::jsonb) "
        "|| jsonb_build_object('state', status), status = CASE status "
        "WHEN 'queued' THEN 'idle' WHEN 'cancelled' THEN 'idle' WHEN 'succeeded' THEN 'success' "
        "ELSE status END"
    )
    op.alter_column("etl_jobs", "status", server_default="idle")
    _allow(OLD)
