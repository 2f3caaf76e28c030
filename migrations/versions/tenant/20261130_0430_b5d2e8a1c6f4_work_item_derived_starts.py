"""Each work item's derived start, stored; changelogs indexed for a status at a time

``work_items.derived_started_at`` is where cycle time starts: the item's
first move into a status of the ``in_progress`` category (the tenant's
categories), else the source's ``work_started_at``. The work-items figures
read it with one aggregate over every changelog of the tenant per request
(seconds at a million items); ``relink`` (run after each load) now stores it,
as it does the PRs' derived starts. Existing rows are filled here, in plain
SQL, so that the script renders offline (new tenants are built from the
rendered head).

The changelogs' (work_item_id, transitioned_at) index becomes (work_item_id,
transitioned_at, id) including to_status_id: an item's status at a time is
its last transition before it, ties broken by id, read from the index alone
(the WIP at the end of a range).

Revision ID: b5d2e8a1c6f4
Revises: 60faef39097c
Create Date: 2026-11-30 04:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b5d2e8a1c6f4"
down_revision: str | Sequence[str] | None = "60faef39097c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The same definition as pulse_common.dora.starts (a migration keeps its own
# copy: it must not change when the code does).
BACKFILL = """
UPDATE work_items w
SET derived_started_at = x.started_at
FROM (
    SELECT i.id, coalesce(st.started_at, i.work_started_at) AS started_at
    FROM work_items i
    LEFT JOIN (SELECT ch.work_item_id, min(ch.transitioned_at) AS started_at
               FROM changelogs ch JOIN statuses s ON s.id = ch.to_status_id
               WHERE s.category = 'in_progress' GROUP BY ch.work_item_id) st
        ON st.work_item_id = i.id
) x
WHERE w.id = x.id AND x.started_at IS NOT NULL
"""
OLD_INDEX = "ix_changelogs_work_item_id_transitioned_at"
NEW_INDEX = "ix_changelogs_work_item_id_transitioned_at_id"


def upgrade() -> None:
    op.add_column("work_items", sa.Column("derived_started_at", sa.DateTime(timezone=True)))
    op.execute(BACKFILL)
    op.drop_index(OLD_INDEX, table_name="changelogs")
    op.create_index(
        NEW_INDEX,
        "changelogs",
        ["work_item_id", "transitioned_at", "id"],
        postgresql_include=["to_status_id"],
    )


def downgrade() -> None:
    op.drop_index(NEW_INDEX, table_name="changelogs")
    op.create_index(OLD_INDEX, "changelogs", ["work_item_id", "transitioned_at"])
    op.drop_column("work_items", "derived_started_at")
