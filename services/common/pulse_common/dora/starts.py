"""Where each PR's lead time starts its steps, stored on the PR by
``relink``: ``derived_first_commit_at`` (the earliest commit authored on the
PR, else the API's ``first_commit_at``, else the opening) and
``derived_first_review_at`` (the earliest review by someone other than the
author, else the API's ``first_review_at``). Lead time reads the columns
instead of aggregating every deployed PR's commits and reviews per request.

One statement over the tenant's PRs; it writes only the rows whose values
moved, so a relink over unchanged data writes nothing (and queues nothing
for the embedding triggers)."""

from __future__ import annotations

from sqlalchemy import Connection, text

STORE = text(
    """
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
  AND (pr.derived_first_commit_at IS DISTINCT FROM x.first_commit
       OR pr.derived_first_review_at IS DISTINCT FROM x.first_review)
"""
)


def store_pr_starts(conn: Connection) -> int:
    """Stores every PR's derived starts; returns how many PRs changed."""
    return conn.execute(STORE).rowcount
