"""``ix_prs_author_lower``, ``ix_prs_reviews_reviewer_lower`` and
``ix_work_items_assignee``: the assistant's lookups of a person by login,
and of an assignee by name

Every question naming a person ("what did ada merge?", "by Frank") looked
the login up among the PR authors and reviewers, any case (``lower(author)
= …``, ``lower(author) LIKE 'ada%'``): nothing indexed either column, so
each lookup read every PR and every review of the tenant. At 100k PRs and
100k reviews by 500 people (benchmarks/people.py, EXPLAIN ANALYZE) a login
took 117 ms, now 0.4 ms; the names a question says 234 ms, now 24 ms (one
LIKE per name, ORed: LIKE ANY of an array uses no index). The
indexes hold the lower-cased login with its pattern operator class (a
prefix LIKE is a range of it whatever the database's collation) and the
login as stored, which is what the lookup returns: it is answered from the
index alone. A work item's assignee is the Jira display name: the
assistant reads the distinct names with a skip scan of
``ix_work_items_assignee`` (one probe per person, not every item), and the
work-items dashboard's person filter is a range of it.

Revision ID: 6e6a7a0671bb
Revises: 2c5e8a4f7b19
Create Date: 2026-12-01 05:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "6e6a7a0671bb"
down_revision: str | Sequence[str] | None = "2c5e8a4f7b19"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Table, column: the people's logins.
PEOPLE = (("prs", "author"), ("prs_reviews", "reviewer"))


def upgrade() -> None:
    for table, column in PEOPLE:
        op.create_index(
            f"ix_{table}_{column}_lower",
            table,
            [sa.text(f"lower({column}) text_pattern_ops")],
            postgresql_include=[column],
        )
    op.create_index("ix_work_items_assignee", "work_items", ["assignee"])


def downgrade() -> None:
    op.drop_index("ix_work_items_assignee", table_name="work_items")
    for table, column in PEOPLE:
        op.drop_index(f"ix_{table}_{column}_lower", table_name=table)
