"""Work item flow from the changelogs: throughput, lead and cycle time, WIP
and its ageing. Status categories come from ``statuses.category``: cycle
time starts at an item's first move into an ``in_progress`` status; WIP is
the items whose last move before the end of the range put them in an
``in_progress`` status. The project filter applies to the item's project,
the team filter to its assignee (repositories do not apply)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection

from pulse_common.analytics import queries as q
from pulse_common.analytics.common import HOUR
from pulse_common.analytics.lead_time import component, span
from pulse_common.analytics.results import Component
from pulse_common.analytics.scope import Scope

STARTED = """
SELECT ch.work_item_id, min(ch.transitioned_at) AS started_at
FROM changelogs ch JOIN statuses s ON s.id = ch.to_status_id
WHERE s.category = 'in_progress'
GROUP BY ch.work_item_id
"""

RESOLVED = f"""
WITH started AS ({STARTED})
SELECT w.id, w.key, w.resolved_at,
       extract(epoch FROM w.created)::float8 AS created,
       extract(epoch FROM coalesce(st.started_at, w.work_started_at))::float8 AS started,
       extract(epoch FROM w.resolved_at)::float8 AS resolved
FROM work_items w LEFT JOIN started st ON st.work_item_id = w.id
WHERE w.resolved_at >= :start AND w.resolved_at < :end {{item_filter}}
ORDER BY w.resolved_at, w.id
"""

WIP = f"""
WITH started AS ({STARTED}), last AS (
    SELECT DISTINCT ON (ch.work_item_id) ch.work_item_id, s.category
    FROM changelogs ch JOIN statuses s ON s.id = ch.to_status_id
    WHERE ch.transitioned_at < :end
    ORDER BY ch.work_item_id, ch.transitioned_at DESC, ch.id DESC
)
SELECT w.id, w.key, coalesce(st.started_at, w.work_started_at) AS started_at
FROM last JOIN work_items w ON w.id = last.work_item_id
LEFT JOIN started st ON st.work_item_id = w.id
WHERE last.category = 'in_progress' AND w.created < :end {{item_filter}}
ORDER BY started_at NULLS LAST, w.id
"""


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class AgeingItem(_Out):
    id: int
    key: str
    started_at: dt.datetime | None
    age_hours: float | None


class WorkItemFlow(_Out):
    resolved: int
    throughput: tuple[tuple[dt.date, int], ...]  # (week, resolved items)
    lead_time: Component  # created → resolved
    cycle_time: Component  # first in-progress → resolved
    wip: int
    median_wip_age_hours: float | None
    oldest: tuple[AgeingItem, ...]


def _item_filter(scope: Scope) -> q.Filter:
    parts: list[str] = []
    params: dict[str, Any] = {}
    if scope.project_ids:
        parts.append("w.project_id = ANY(:projects)")
        params["projects"] = list(scope.project_ids)
    if scope.authors:
        parts.append("w.assignee = ANY(:authors)")
        params["authors"] = list(scope.authors)
    return q.Filter("".join(f" AND {p}" for p in parts), params)


def work_item_flow(conn: Connection, scope: Scope) -> WorkItemFlow:
    f = _item_filter(scope)
    params = {**f.params, "start": scope.start, "end": scope.end}
    done = q.rows(conn, q.render(RESOLVED, item_filter=f.sql), params)
    weeks: Counter[dt.date] = Counter()
    for r in done:
        day = r.resolved_at.astimezone(scope.zone).date()
        weeks[day - dt.timedelta(days=day.weekday())] += 1
    wip = q.rows(conn, q.render(WIP, item_filter=f.sql), params)
    ages = [
        None if r.started_at is None else (scope.end - r.started_at).total_seconds() / HOUR
        for r in wip
    ]
    return WorkItemFlow(
        resolved=len(done),
        throughput=tuple(sorted(weeks.items())),
        lead_time=component([span(r.created, r.resolved) for r in done]),
        cycle_time=component([span(r.started, r.resolved) for r in done]),
        wip=len(wip),
        median_wip_age_hours=component(ages).median_hours,
        oldest=tuple(
            AgeingItem(id=r.id, key=r.key, started_at=r.started_at, age_hours=a)
            for r, a in scope.page(list(zip(wip, ages, strict=True)))
        ),
    )
