"""The embedding queue: triggers queue work items, pull requests and
incidents whose searchable text or filter fields change (or that are
deleted), whoever changes them (the ETL's loads, seeds, an admin's fix);
``embedding_state`` remembers the text hash behind each vector. Existing rows
are queued once, so an upgraded tenant gets its vectors at the next drain.

Revision ID: 7a3c5e9d1f20
Revises: 5e2b8f41c7d3
Create Date: 2026-11-29 03:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7a3c5e9d1f20"
down_revision: str | Sequence[str] | None = "5e2b8f41c7d3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table → (kind, the columns whose change needs a new vector or payload)
SOURCES = {
    "work_items": ("work_item", ("key", "summary", "description", "project_id", "active")),
    "prs": ("pull_request", ("number", "title", "body", "repository_id")),
    "incidents": ("incident", ("title", "project_id", "repository_id")),
}

# ``SET search_path FROM CURRENT``: the function resolves its tables in this
# tenant's schema whatever the caller's search_path. A row queued again gets a
# new id, so a consumer that saw the old one does not drop the new request.
FUNCTION = """
CREATE FUNCTION queue_embedding() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE r record;
BEGIN
    IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
    INSERT INTO embedding_queue (tenant_id, kind, row_id)
    VALUES (r.tenant_id, TG_ARGV[0], r.id)
    ON CONFLICT (kind, row_id) DO UPDATE
    SET id = nextval(pg_get_serial_sequence('embedding_queue', 'id')),
        last_updated_at = now();
    RETURN NULL;
END
$$
"""


def _row_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("row_id", sa.BigInteger(), nullable=False),
    ]


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column(name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False)
        for name in ("created_at", "last_updated_at")
    ]


def upgrade() -> None:
    op.create_table(
        "embedding_queue",
        *_row_columns(),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_embedding_queue")),
        sa.UniqueConstraint("kind", "row_id", name=op.f("uq_embedding_queue_kind_row_id")),
    )
    op.create_table(
        "embedding_state",
        *_row_columns(),
        sa.Column("point_id", sa.String(length=64), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column(
            "embedded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_embedding_state")),
        sa.UniqueConstraint("kind", "row_id", name=op.f("uq_embedding_state_kind_row_id")),
    )
    op.execute(FUNCTION)
    for table, (kind, columns) in SOURCES.items():
        changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
        op.execute(
            f"CREATE TRIGGER queue_embedding_change AFTER INSERT OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION queue_embedding('{kind}')"
        )
        op.execute(
            f"CREATE TRIGGER queue_embedding_update AFTER UPDATE OF {', '.join(columns)} "
            f"ON {table} FOR EACH ROW WHEN ({changed}) "
            f"EXECUTE FUNCTION queue_embedding('{kind}')"
        )
        op.execute(
            f"INSERT INTO embedding_queue (tenant_id, kind, row_id) "
            f"SELECT tenant_id, '{kind}', id FROM {table}"
        )


def downgrade() -> None:
    for table in SOURCES:
        op.execute(f"DROP TRIGGER queue_embedding_update ON {table}")
        op.execute(f"DROP TRIGGER queue_embedding_change ON {table}")
    op.execute("DROP FUNCTION queue_embedding()")
    op.drop_table("embedding_state")
    op.drop_table("embedding_queue")
