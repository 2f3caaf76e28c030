"""``analyze_prs()``: the tenant's login role refreshes the PRs' statistics

Relink (run by the ETL as the tenant's login role) sets the PRs' rework
flags; when it flags many at once, the planner's statistics must follow or
the rework statement is planned as if almost no PR were flagged (7 s
instead of 40 ms at 100k PRs). Only a table's owner may ANALYZE it, so the
owner role provides this function: it analyzes ``prs`` and nothing else,
takes no argument, and runs with this schema's search path (fixed when it
is created), whoever calls it. Only roles with USAGE on the schema (the
tenant's login role) can reach it.

Revision ID: b8e2d4f6a1c3
Revises: f1a6c3e9d7b2
Create Date: 2026-11-30 10:30:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "b8e2d4f6a1c3"
down_revision: str | Sequence[str] | None = "f1a6c3e9d7b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "CREATE FUNCTION analyze_prs() RETURNS void LANGUAGE sql "
        "SECURITY DEFINER SET search_path FROM CURRENT AS 'ANALYZE prs'"
    )


def downgrade() -> None:
    op.execute("DROP FUNCTION analyze_prs()")
