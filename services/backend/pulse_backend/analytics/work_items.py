"""Work item flow from the changelogs: throughput, lead and cycle time, WIP
and its ageing. Status categories come from ``statuses.category``: cycle
time starts at an item's first move into an ``in_progress`` status (else the
source's ``work_started_at``; stored by relink, ``dora.starts``); WIP is the
items not resolved before the end of the range whose last move before it
put them in an ``in_progress`` status. The project filter applies to the
item's project, the team filter to its assignee, the repository filter to
the repositories the item's PRs are in (``work_items_prs`` or a PR's own
``work_item_id``), or, for an item with no PR yet, to the repositories its
project covers (``projects_repositories``), and ``assignee`` (the work-items
page's own filter) to one assignee, as Jira spells them: see docs/metrics.md."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, TypeAdapter
from sqlalchemy import Connection

from pulse_common.analytics import queries as q
from pulse_common.analytics.common import page_params, parse_page
from pulse_common.analytics.lead_time import span_sql
from pulse_common.analytics.raw_pages import Page
from pulse_common.analytics.results import Component
from pulse_common.analytics.scope import Scope

# One statement, one row. Cycle time starts at the item's stored start
# (``derived_started_at``: its first move into an in_progress status, stored
# by relink). Spans as lead time computes them (``span_sql`` over date_part's
# epochs), lower medians as ``percentile_disc(0.5)``; weeks are the
# Monday-start weeks of the resolution's local day in the scope's time zone.
# The WIP are the items created and not resolved before the end whose last
# move to a known status before it put them in an in_progress status; each
# item's last move is one backward step in the changelogs' (work_item_id,
# transitioned_at, id) index. A WIP item's age is the exact interval from its
# start to the end of the range, in hours.
# Both the resolved items and the open ones are read from the resolution
# index alone (it includes every column read here but the key: the page
# reads the keys of its own rows): the items' rows are wide, and fetching
# a quarter of a million of them was a third of the statement. "Not
# resolved before the end" is two index ranges (no resolution; resolved
# at or after the end), not an OR that only a bitmap of the rows can answer.
STATEMENT = f"""
WITH done AS MATERIALIZED (
    SELECT date_trunc('week', w.resolved_at AT TIME ZONE :tz)::date AS week,
           date_part('epoch', w.created) AS e_created,
           date_part('epoch', w.derived_started_at) AS e_started,
           date_part('epoch', w.resolved_at) AS e_resolved
    FROM work_items w
    WHERE w.resolved_at >= :start AND w.resolved_at < :end {{item_filter}}
), weeks AS (
    SELECT week, count(*) AS n FROM done GROUP BY week
), open AS (
    SELECT w.id, w.derived_started_at FROM work_items w
    WHERE w.resolved_at IS NULL AND w.created < :end {{item_filter}}
    UNION ALL
    SELECT w.id, w.derived_started_at FROM work_items w
    WHERE w.resolved_at >= :end AND w.created < :end {{item_filter}}
), wip AS MATERIALIZED (
    SELECT o.id, o.derived_started_at AS started_at,
           extract(epoch FROM :end - o.derived_started_at)::float8 / 3600::float8 AS age_hours
    FROM open o
    CROSS JOIN LATERAL (
        SELECT ch.to_status_id FROM changelogs ch
        WHERE ch.work_item_id = o.id AND ch.transitioned_at < :end
          AND ch.to_status_id IS NOT NULL
        ORDER BY ch.transitioned_at DESC, ch.id DESC
        LIMIT 1
    ) last
    WHERE last.to_status_id IN (SELECT id FROM statuses WHERE category = 'in_progress')
)
SELECT count(*) AS resolved,
       percentile_disc(0.5) WITHIN GROUP (ORDER BY lead) AS lead, count(lead) AS n_lead,
       percentile_disc(0.5) WITHIN GROUP (ORDER BY cycle) AS cycle, count(cycle) AS n_cycle,
       (SELECT array_agg(week ORDER BY week) FROM weeks) AS weeks,
       (SELECT array_agg(n ORDER BY week) FROM weeks) AS week_counts,
       (SELECT count(*) FROM wip) AS wip,
       (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY age_hours) FROM wip) AS median_age,
       {
    q.json_array(
        "SELECT o.id, i.key, o.started_at, o.age_hours"
        f" FROM ({q.limited('wip', 'started_at NULLS LAST, id')}) o"
        " JOIN work_items i ON i.id = o.id",
        "p.started_at NULLS LAST, p.id",
    )
} AS oldest
FROM (SELECT {span_sql("e_created", "e_resolved")} AS lead,
             {span_sql("e_started", "e_resolved")} AS cycle
      FROM done) spans
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
    oldest: Page[AgeingItem]


# A work item's repositories. Its PRs say where its work went, so they decide
# when it has any: filtering on the project's repositories alone would count
# every item of a project covering api and web under "web", including the
# ones only ever changed in api. An item with no PR yet (most of the WIP, the
# items closed without code) has only its project to go by. Each probe is one
# index step per item (work_items_prs' unique key, ix_prs_work_item_id).
_LINKED_PRS = """(SELECT l.pr_id FROM work_items_prs l WHERE l.work_item_id = w.id
      UNION ALL SELECT p.id FROM prs p WHERE p.work_item_id = w.id)"""
IN_REPOSITORIES = f"""(EXISTS (SELECT 1 FROM {_LINKED_PRS} lp JOIN prs rp ON rp.id = lp.pr_id
              WHERE rp.repository_id = ANY(:repos))
     OR (NOT EXISTS {_LINKED_PRS}
         AND w.project_id IN (SELECT pr2.project_id FROM projects_repositories pr2
                              WHERE pr2.repository_id = ANY(:repos))))"""


def _item_filter(scope: Scope, assignee: str | None = None) -> q.Filter:
    parts: list[str] = []
    params: dict[str, Any] = {}
    if scope.repository_ids:
        parts.append(IN_REPOSITORIES)
        params["repos"] = list(scope.repository_ids)
    if scope.project_ids:
        parts.append("w.project_id = ANY(:projects)")
        params["projects"] = list(scope.project_ids)
    if scope.authors:
        parts.append("w.assignee = ANY(:authors)")
        params["authors"] = list(scope.authors)
    if assignee is not None:
        parts.append("w.assignee = :assignee")
        params["assignee"] = assignee
    return q.Filter("".join(f" AND {p}" for p in parts), params)


OLDEST: TypeAdapter[tuple[AgeingItem, ...]] = TypeAdapter(tuple[AgeingItem, ...])


def work_item_flow(conn: Connection, scope: Scope, assignee: str | None = None) -> WorkItemFlow:
    f = _item_filter(scope, assignee)
    params = {
        **f.params,
        **page_params(scope),
        "start": scope.start,
        "end": scope.end,
        "tz": scope.timezone,
    }
    row = q.one(conn, q.render(STATEMENT, item_filter=f.sql), params)
    return WorkItemFlow(
        resolved=row.resolved,
        throughput=tuple(zip(row.weeks or (), row.week_counts or (), strict=True)),
        lead_time=Component(median_hours=row.lead, sample_size=row.n_lead),
        cycle_time=Component(median_hours=row.cycle, sample_size=row.n_cycle),
        wip=row.wip,
        median_wip_age_hours=row.median_age,
        oldest=parse_page(OLDEST, row.oldest),
    )
