"""Where each PR's lead time and each work item's cycle time start, stored
by ``relink``.

On the PR: ``derived_first_commit_at`` (the earliest commit authored on the
PR, else the API's ``first_commit_at``, else the opening) and
``derived_first_review_at`` (the earliest review by someone other than the
author, else the API's ``first_review_at``). Lead time reads the columns
instead of aggregating every deployed PR's commits and reviews per request.

On the work item: ``derived_started_at``, its first move into a status of
the ``in_progress`` category (the tenant's categories, ``statuses.category``),
else the source's ``work_started_at``. The work-items figures read it
instead of every resolved item's changelogs per request.

One statement over the tenant's PRs, one over its work items; each writes
only the rows whose values moved, so a relink over unchanged data writes
nothing (and queues nothing for the embedding triggers)."""

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


STORE_WORK_ITEMS = text(
    """
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
WHERE w.id = x.id AND w.derived_started_at IS DISTINCT FROM x.started_at
"""
)


def store_work_item_starts(conn: Connection) -> int:
    """Stores every work item's derived start; returns how many changed."""
    return conn.execute(STORE_WORK_ITEMS).rowcount
