"""GIN indexes of the searchable text, for search's word lookup

Search finds rows holding the query's words among all of a tenant's work
items, pull requests and incidents (the full-text fallback, and in semantic
mode the rows MiniLM scores under its cut-off, e.g. an issue key), not only
among the nearest neighbours. Without these indexes each lookup computed
``to_tsvector`` over every row of the three tables. Each index is on the
exact expression the lookup matches (``pulse_common.search.documents.
FTS_TEXT``, without the table alias), or the planner cannot use it. Exact
keys need nothing new: ``uq_work_items_key`` and
``uq_prs_repository_id_number`` are their btrees.

Revision ID: e4c7a1f9b3d2
Revises: b8e2d4f6a1c3
Create Date: 2026-11-30 12:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e4c7a1f9b3d2"
down_revision: str | Sequence[str] | None = "b8e2d4f6a1c3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The migration's own copy of the expressions (FTS_TEXT without aliases).
WORDS = {
    "work_items": "key || ' ' || summary || ' ' || COALESCE(description, '')",
    "prs": "title || ' ' || COALESCE(body, '')",
    "incidents": "title",
}


def upgrade() -> None:
    for table, expression in WORDS.items():
        op.create_index(
            f"ix_{table}_words",
            table,
            [sa.text(f"to_tsvector('english', {expression})")],
            postgresql_using="gin",
        )


def downgrade() -> None:
    for table in reversed(WORDS):
        op.drop_index(f"ix_{table}_words", table_name=table)
