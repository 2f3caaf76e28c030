"""Each PR's rework flags from its work items, stored; an index of the flagged PRs

The rework rate joined every shipped PR (a quarter of a tenant's PRs in a
90-day range) to its work items, their types and the incidents on each
request; relink (run after each load) now stores on the PR whether it
is linked to a Bug or Incident work item (``fixes_bug``) or to one an
incident is tracked by (``fixes_incident``), beside the hotfix and revert
markers it already stored, and the partial index ``ix_prs_rework`` holds the
few PRs flagged. Existing rows are filled here, in plain SQL, so that the
script renders offline (new tenants are built from the rendered head).

Revision ID: caeb27a1bc8e
Revises: d3f7a9c2e5b1
Create Date: 2026-11-30 08:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "caeb27a1bc8e"
down_revision: str | Sequence[str] | None = "d3f7a9c2e5b1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The same definition as pulse_common.dora.markers (a migration keeps its
# own copy: it must not change when the code does).
BACKFILL = """
UPDATE prs pr
SET fixes_bug = f.fixes_bug, fixes_incident = f.fixes_incident
FROM (
    SELECT it.pr_id,
           bool_or(lower(coalesce(m.wit_to, t.name)) IN ('bug', 'incident')) AS fixes_bug,
           bool_or(i.work_item_id IS NOT NULL) AS fixes_incident
    FROM (SELECT pr_id, work_item_id FROM work_items_prs
          UNION
          SELECT id, work_item_id FROM prs WHERE work_item_id IS NOT NULL) it
    JOIN work_items w ON w.id = it.work_item_id
    LEFT JOIN wits t ON t.id = w.wit_id
    LEFT JOIN wit_mappings m ON m.wit_from = t.name AND m.active
    LEFT JOIN (SELECT DISTINCT work_item_id FROM incidents) i ON i.work_item_id = it.work_item_id
    GROUP BY it.pr_id
) f
WHERE pr.id = f.pr_id AND (f.fixes_bug OR f.fixes_incident)
"""
FLAGS = ("is_hotfix", "is_revert", "fixes_bug", "fixes_incident")


def upgrade() -> None:
    for name in FLAGS[2:]:
        op.add_column(
            "prs", sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute(BACKFILL)
    # The planner's statistics of the new columns, now: until an ANALYZE
    # they say no PR is flagged, and the rework statement's plan, driven
    # from ix_prs_rework as if it held one row, took 7 s at 1M.
    op.execute("ANALYZE prs")
    op.create_index(
        "ix_prs_rework",
        "prs",
        ["id"],
        postgresql_include=list(FLAGS),
        postgresql_where=sa.text(" OR ".join(FLAGS)),
    )


def downgrade() -> None:
    op.drop_index("ix_prs_rework", table_name="prs")
    for name in FLAGS[2:]:
        op.drop_column("prs", name)
