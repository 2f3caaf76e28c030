"""Citations: the rows a tool used, with their source URLs.

Only repositories store a URL; the others are derived from it the way the
sources link them (GitHub: ``<repo>/pull/<n>``, ``<repo>/commit/<sha>``;
Jira: ``<base_url>/browse/<key>`` of the row's integration). A row whose
source gave no URL is still cited, with ``url`` None.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, text

from pulse_backend.agent.models import Citation

_PRS = text(
    "SELECT p.id, '#' || p.number || ' ' || p.title AS title, "
    "CASE WHEN r.url IS NULL THEN NULL ELSE rtrim(r.url, '/') || '/pull/' || p.number END AS url "
    "FROM prs p JOIN repositories r ON r.id = p.repository_id WHERE p.id = ANY(:ids)"
)
_DEPLOYMENTS = text(
    "SELECT d.id, "
    "r.full_name || ' → ' || d.environment || ' @ ' || left(d.commit_sha, 7) AS title, "
    "CASE WHEN r.url IS NULL THEN NULL ELSE rtrim(r.url, '/') || '/commit/' || d.commit_sha END "
    "AS url FROM deployments d JOIN repositories r ON r.id = d.repository_id "
    "WHERE d.id = ANY(:ids)"
)
_REPOSITORIES = text("SELECT id, full_name AS title, url FROM repositories WHERE id = ANY(:ids)")
_WORK_ITEMS = text(
    "SELECT w.id, w.key || ' ' || w.summary AS title, "
    "CASE WHEN i.base_url IS NOT NULL AND i.provider = 'jira' "
    "THEN rtrim(i.base_url, '/') || '/browse/' || w.key END "
    "AS url FROM work_items w LEFT JOIN integrations i ON i.id = w.integration_id "
    "WHERE w.id = ANY(:ids)"
)
_INCIDENTS = text(
    "SELECT n.id, n.external_id || ' ' || n.title AS title, "
    "CASE WHEN i.base_url IS NOT NULL AND i.provider = 'jira' "
    "THEN rtrim(i.base_url, '/') || '/browse/' || n.external_id END AS url "
    "FROM incidents n LEFT JOIN integrations i ON i.id = n.integration_id WHERE n.id = ANY(:ids)"
)
_QUERIES = {
    "pr": _PRS,
    "deployment": _DEPLOYMENTS,
    "repository": _REPOSITORIES,
    "work_item": _WORK_ITEMS,
    "incident": _INCIDENTS,
}


def cite(conn: Connection, kind: str, ids: Sequence[int]) -> list[Citation]:
    """Citations of ``ids`` in the order given (unknown ids are skipped)."""
    if not ids:
        return []
    rows = {r.id: r for r in conn.execute(_QUERIES[kind], {"ids": list(ids)})}
    return [
        Citation.model_validate({"type": kind, "id": i, "title": rows[i].title, "url": rows[i].url})
        for i in dict.fromkeys(ids)
        if i in rows
    ]
