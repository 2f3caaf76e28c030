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

One statement over the tenant's PRs, one over its work items, or over the
ones given (``ids``: what changed since the last relink, ``dora.changes``);
each writes only the rows whose values moved, so a relink over unchanged
data writes nothing (and queues nothing for the embedding triggers)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Connection, TextClause, text

# The {placeholders} choose the rows recomputed, on each table read (all: "").
_STORE_PRS = """
UPDATE prs pr
SET derived_first_commit_at = x.first_commit, derived_first_review_at = x.first_review
FROM (
    SELECT p.id,
           coalesce(c.first_at, p.first_commit_at, p.created) AS first_commit,
           coalesce(r.first_at, p.first_review_at) AS first_review
    FROM prs p
    LEFT JOIN (SELECT pr_id, min(authored_at) AS first_at FROM prs_commits
               WHERE true {pr} GROUP BY pr_id) c
        ON c.pr_id = p.id
    LEFT JOIN (SELECT rv.pr_id, min(rv.submitted_at) AS first_at
               FROM prs_reviews rv JOIN prs a ON a.id = rv.pr_id
               WHERE rv.reviewer IS DISTINCT FROM a.author {rv} GROUP BY rv.pr_id) r
        ON r.pr_id = p.id
    WHERE true {p}
) x
WHERE pr.id = x.id {out}
  AND (pr.derived_first_commit_at IS DISTINCT FROM x.first_commit
       OR pr.derived_first_review_at IS DISTINCT FROM x.first_review)
"""
STORE = text(_STORE_PRS.format(pr="", rv="", p="", out=""))
STORE_SOME = text(
    _STORE_PRS.format(
        pr="AND pr_id = ANY(:ids)",
        rv="AND rv.pr_id = ANY(:ids) AND a.id = ANY(:ids)",
        p="AND p.id = ANY(:ids)",
        out="AND pr.id = ANY(:ids)",
    )
)


def _run(conn: Connection, every: TextClause, some: TextClause, ids: Collection[int] | None) -> int:
    if ids is None:
        return conn.execute(every).rowcount
    if not ids:
        return 0
    return conn.execute(some, {"ids": sorted(ids)}).rowcount


def store_pr_starts(conn: Connection, ids: Collection[int] | None = None) -> int:
    """Stores the derived starts of every PR (or of ``ids``); returns how
    many PRs changed."""
    return _run(conn, STORE, STORE_SOME, ids)


_STORE_WORK_ITEMS = """
UPDATE work_items w
SET derived_started_at = x.started_at
FROM (
    SELECT i.id, coalesce(st.started_at, i.work_started_at) AS started_at
    FROM work_items i
    LEFT JOIN (SELECT ch.work_item_id, min(ch.transitioned_at) AS started_at
               FROM changelogs ch JOIN statuses s ON s.id = ch.to_status_id
               WHERE s.category = 'in_progress' {ch} GROUP BY ch.work_item_id) st
        ON st.work_item_id = i.id
    WHERE true {i}
) x
WHERE w.id = x.id {w} AND w.derived_started_at IS DISTINCT FROM x.started_at
"""
STORE_WORK_ITEMS = text(_STORE_WORK_ITEMS.format(ch="", i="", w=""))
STORE_SOME_WORK_ITEMS = text(
    _STORE_WORK_ITEMS.format(
        ch="AND ch.work_item_id = ANY(:ids)", i="AND i.id = ANY(:ids)", w="AND w.id = ANY(:ids)"
    )
)


def store_work_item_starts(conn: Connection, ids: Collection[int] | None = None) -> int:
    """Stores the derived start of every work item (or of ``ids``); returns
    how many changed."""
    return _run(conn, STORE_WORK_ITEMS, STORE_SOME_WORK_ITEMS, ids)
