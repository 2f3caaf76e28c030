"""The embedding queue's triggers fire once per statement, not once per row.

The row triggers of 7a3c5e9d1f20 ran a PL/pgSQL call and a one-row
``INSERT … ON CONFLICT`` for each row an ETL batch inserted: about 40 % of
the database's CPU in a bulk load of work items. Now one trigger per table
reads the statement's transition tables and queues every changed row with
one ``INSERT … SELECT``. What gets queued is unchanged: inserted and deleted
rows, and updated rows whose searchable text or filter fields differ (an
``UPDATE`` trigger with transition tables cannot list columns, so the
function compares the before and after images itself).

Revision ID: 9b1f3d5a7c40
Revises: c4e8a2f1d9b3
Create Date: 2026-11-29 10:00:00+00:00
"""

from collections.abc import Sequence
from types import ModuleType

from alembic import context, op

revision: str = "9b1f3d5a7c40"
down_revision: str | Sequence[str] | None = "c4e8a2f1d9b3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _row_triggers() -> ModuleType:
    """The revision that made the row triggers: its ``SOURCES`` (table → kind,
    the columns whose change needs a new vector) and its ``FUNCTION``."""
    return context.script.get_revision("7a3c5e9d1f20").module


# A row queued again gets a new id, so a consumer that saw the old one does
# not drop the new request. ``SET search_path FROM CURRENT``: the function
# resolves its tables in this tenant's schema whatever the caller's path.
QUEUE = """
    INSERT INTO embedding_queue (tenant_id, kind, row_id)
    SELECT r.tenant_id, '{kind}', r.id FROM {source}
    ON CONFLICT (kind, row_id) DO UPDATE
    SET id = nextval(pg_get_serial_sequence('embedding_queue', 'id')),
        last_updated_at = now();"""

FUNCTION = """
CREATE FUNCTION queue_embedding_{table}() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN {inserted}
    ELSIF TG_OP = 'DELETE' THEN {deleted}
    ELSE {updated}
    END IF;
    RETURN NULL;
END
$$
"""


def _function(table: str, kind: str, columns: Sequence[str]) -> str:
    old = ", ".join(f"o.{c}" for c in columns)
    new = ", ".join(f"r.{c}" for c in columns)
    changed = f"queue_new r JOIN queue_old o ON o.id = r.id WHERE ({old}) IS DISTINCT FROM ({new})"
    return FUNCTION.format(
        table=table,
        inserted=QUEUE.format(kind=kind, source="queue_new r"),
        deleted=QUEUE.format(kind=kind, source="queue_old r"),
        updated=QUEUE.format(kind=kind, source=changed),
    )


def upgrade() -> None:
    for table, (kind, columns) in _row_triggers().SOURCES.items():
        op.execute(f"DROP TRIGGER queue_embedding_update ON {table}")
        op.execute(f"DROP TRIGGER queue_embedding_change ON {table}")
        op.execute(_function(table, kind, columns))
        # One trigger per event: each keeps only the images it reads.
        for event, tables in (
            ("INSERT", "NEW TABLE AS queue_new"),
            ("UPDATE", "OLD TABLE AS queue_old NEW TABLE AS queue_new"),
            ("DELETE", "OLD TABLE AS queue_old"),
        ):
            op.execute(
                f"CREATE TRIGGER queue_embedding_{event.lower()} AFTER {event} ON {table} "
                f"REFERENCING {tables} FOR EACH STATEMENT "
                f"EXECUTE FUNCTION queue_embedding_{table}()"
            )
    op.execute("DROP FUNCTION queue_embedding()")


def downgrade() -> None:
    # The row triggers exactly as the earlier revision defined them.
    before = _row_triggers()
    op.execute(before.FUNCTION)
    for table, (kind, columns) in before.SOURCES.items():
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER queue_embedding_{event} ON {table}")
        op.execute(f"DROP FUNCTION queue_embedding_{table}()")
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
