"""Each PR's first commit and first review by someone else, stored

``prs.derived_first_commit_at`` and ``prs.derived_first_review_at`` are what
lead time for changes starts its coding and pickup steps from: the earliest
commit authored on the PR (else the API's ``first_commit_at``, else the
opening), and the earliest review by someone other than the author (else
the API's ``first_review_at``). Lead time read them with two correlated
subqueries per PR, most of its time on a large tenant; ``relink`` (run
after each load, with the deployment links lead time also reads) now
stores them. Existing rows are filled here, in plain SQL, so that the
script renders offline (new tenants are built from the rendered head).

Revision ID: 60faef39097c
Revises: 9b1f3d5a7c40
Create Date: 2026-11-29 14:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "60faef39097c"
down_revision: str | Sequence[str] | None = "9b1f3d5a7c40"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("derived_first_commit_at", "derived_first_review_at")

# The same definition as pulse_common.dora.starts (a migration keeps its own
# copy: it must not change when the code does).
BACKFILL = """
UPDATE prs pr
SET derived_first_commit_at = x.first_commit, derived_first_review_at = x.first_review
FROM (
    SELECT p.id,
           coalesce(c.first_at, p.first_commit_at, p.created) AS first_commit,
           coalesce(r.first_at, p.first_review_at) AS first_review
    FROM prs p
    LEFT JOIN (SELECT pr_id, min(authored_at) AS first_at FROM prs_commits GROUP BY pr_id) c
        ON c.pr_id = p.id
    LEFT JOIN (SELECT rv.pr_id, min(rv.submitted_at) AS first_at
               FROM prs_reviews rv JOIN prs a ON a.id = rv.pr_id
               WHERE rv.reviewer IS DISTINCT FROM a.author GROUP BY rv.pr_id) r
        ON r.pr_id = p.id
) x
WHERE pr.id = x.id
"""


def upgrade() -> None:
    for column in COLUMNS:
        op.add_column("prs", sa.Column(column, sa.DateTime(timezone=True), nullable=True))
    op.execute(BACKFILL)


def downgrade() -> None:
    for column in reversed(COLUMNS):
        op.drop_column("prs", column)
