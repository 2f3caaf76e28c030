"""Deleted Jira issues: a reconciliation pass of ids.

Jira's search only returns issues that exist, so an incremental sync never
learns of a deletion (there is no tombstone; the audit log needs admin
rights most API users lack). Once per ``interval`` a Jira run lists every
issue id of each project (ids only, 5000 per page: 20 requests for 100k
issues) and deletes the project's work items that are no longer there, with
the incidents derived from them; changelogs go by cascade, deployments and
PR links keep their rows (their foreign keys are ``SET NULL``).

Guards, since a wrong deletion loses data: a pass runs only after the run's
issues are all committed, each project is one transaction (a failure midway
leaves the others as they were), and a project whose listing comes back
empty while rows exist is left alone and logged (a permission change looks
exactly like that)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from psycopg import AsyncConnection

from pulse_etl.jobs.events import Events
from pulse_etl.sources.jira import JiraConnector

_GONE = (
    "SELECT w.id FROM work_items w JOIN projects p ON p.id = w.project_id "
    "WHERE p.key = %s AND p.integration_id = %s AND NOT (w.external_id = ANY(%s))"
)


def due(swept_at: str | None, interval: dt.timedelta, now: dt.datetime) -> bool:
    return swept_at is None or now - dt.datetime.fromisoformat(swept_at) >= interval


async def deleted_issues(
    conn: AsyncConnection[Any], connector: JiraConnector, integration_id: int, events: Events
) -> int:
    """Deletes what Jira no longer has; returns how many work items went."""
    removed = 0
    for project in sorted(connector.integration.projects):
        ids = sorted(await connector.all_ids(project))
        async with conn.transaction():
            cur = await conn.execute(_GONE, (project, integration_id, ids))
            gone = [r[0] for r in await cur.fetchall()]
            if gone and not ids:
                await events.line(
                    "ERROR",
                    "sweep skipped: Jira lists no issue",
                    project=project,
                    stored=len(gone),
                )
                continue
            if not gone:
                continue
            await conn.execute(
                "DELETE FROM incidents WHERE work_item_id = ANY(%s) AND integration_id = %s",
                (gone, integration_id),
            )
            await conn.execute("DELETE FROM work_items WHERE id = ANY(%s)", (gone,))
        removed += len(gone)
        await events.line("JIRA", "deleted issues swept", project=project, removed=len(gone))
    return removed
