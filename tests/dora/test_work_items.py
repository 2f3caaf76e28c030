"""Work item flow computed in SQL against the per-row Python it replaced.

``reference`` is the former ``work_item_flow`` (every resolved and WIP item
fetched, then weeks, spans, ages and medians in Python), kept here as the
oracle: the SQL answer must be the same model, byte for byte. The oracle
reads each item's start from its changelogs, where the SQL reads the start
``relink`` stored (``store_work_item_starts``, run first here as after a
load). One definition changed since (stop 16): an item resolved before the
end of the range is not WIP, whatever its last move (a reopen in a
workflow that keeps the resolution).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from typing import Any

from sqlalchemy import Connection, text

from pulse_backend.analytics.work_items import (
    AgeingItem,
    WorkItemFlow,
    _item_filter,
    work_item_flow,
)
from pulse_common.analytics import queries as q
from pulse_common.analytics.common import HOUR
from pulse_common.analytics.scope import Scope
from pulse_common.dora.starts import store_work_item_starts
from tests.dora.conftest import Scenario, h
from tests.dora.python_reference import component, span

STARTED = """
SELECT ch.work_item_id, min(ch.transitioned_at) AS started_at
FROM changelogs ch JOIN statuses s ON s.id = ch.to_status_id
WHERE s.category = 'in_progress'
GROUP BY ch.work_item_id
"""

REF_RESOLVED = f"""
WITH started AS ({STARTED})
SELECT w.id, w.key, w.resolved_at,
       extract(epoch FROM w.created)::float8 AS created,
       extract(epoch FROM coalesce(st.started_at, w.work_started_at))::float8 AS started,
       extract(epoch FROM w.resolved_at)::float8 AS resolved
FROM work_items w LEFT JOIN started st ON st.work_item_id = w.id
WHERE w.resolved_at >= :start AND w.resolved_at < :end {{item_filter}}
ORDER BY w.resolved_at, w.id
"""

REF_WIP = f"""
WITH started AS ({STARTED}), last AS (
    SELECT DISTINCT ON (ch.work_item_id) ch.work_item_id, s.category
    FROM changelogs ch JOIN statuses s ON s.id = ch.to_status_id
    WHERE ch.transitioned_at < :end
    ORDER BY ch.work_item_id, ch.transitioned_at DESC, ch.id DESC
)
SELECT w.id, w.key, coalesce(st.started_at, w.work_started_at) AS started_at
FROM last JOIN work_items w ON w.id = last.work_item_id
LEFT JOIN started st ON st.work_item_id = w.id
WHERE last.category = 'in_progress' AND w.created < :end
  AND (w.resolved_at IS NULL OR w.resolved_at >= :end) {{item_filter}}
ORDER BY started_at NULLS LAST, w.id
"""


def reference(conn: Connection, scope: Scope) -> WorkItemFlow:
    """The per-row Python implementation (commit e1e7e66), unchanged."""
    f = _item_filter(scope)
    params = {**f.params, "start": scope.start, "end": scope.end}
    done = q.rows(conn, q.render(REF_RESOLVED, item_filter=f.sql), params)
    weeks: Counter[dt.date] = Counter()
    for r in done:
        day = r.resolved_at.astimezone(scope.zone).date()
        weeks[day - dt.timedelta(days=day.weekday())] += 1
    wip = q.rows(conn, q.render(REF_WIP, item_filter=f.sql), params)
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


def same(conn: Connection, scope: Scope) -> WorkItemFlow:
    store_work_item_starts(conn)
    got, want = work_item_flow(conn, scope), reference(conn, scope)
    assert got.model_dump_json() == want.model_dump_json()
    assert got == want
    return got


class Items:
    def __init__(self, sc: Scenario) -> None:
        self.sc = sc
        self.status = dict(sc.rows("SELECT name, id FROM statuses"))
        self.n = 0

    def item(
        self,
        project: int,
        created: dt.datetime,
        moves: list[tuple[str | None, dt.datetime]],
        resolved: dt.datetime | None,
        who: str | None = "ada",
        work_started: dt.datetime | None = None,
    ) -> int:
        sc = self.sc
        wid = sc.work_item(project, "Story")
        sc.conn.execute(
            text(
                "UPDATE work_items SET created = :c, resolved_at = :r, assignee = :a,"
                " work_started_at = :ws WHERE id = :i"
            ),
            {"c": created, "r": resolved, "a": who, "ws": work_started, "i": wid},
        )
        for name, at in moves:
            self.n += 1
            sc.conn.execute(
                text(
                    "INSERT INTO changelogs (tenant_id, work_item_id, external_id, to_status_id,"
                    " transitioned_at) VALUES (:t, :w, :e, :s, :at)"
                ),
                {
                    "t": sc.tenant_id,
                    "w": wid,
                    "e": f"{wid}-{self.n}",
                    "s": None if name is None else self.status[name],
                    "at": at,
                },
            )
        return wid


US = dt.timedelta(microseconds=1)


def test_work_item_flow_sql_matches_the_python_reference_on_edge_cases(sc: Scenario) -> None:
    it = Items(sc)
    p1, p2 = sc.project("WA"), sc.project("WB")
    # Resolved at Sunday 23:30 in Berlin (21:30 UTC) and Monday 00:30 there.
    sun, mon = (
        dt.datetime(2026, 6, 7, 21, 30, tzinfo=dt.UTC),
        dt.datetime(2026, 6, 7, 22, 30, tzinfo=dt.UTC),
    )
    it.item(p1, h(0), [("In Progress", h(1)), ("Done", sun)], sun)
    it.item(p1, h(0), [("In Progress", h(2)), ("Done", mon)], mon, who="bob")
    it.item(p2, h(3) + 7 * US, [("In Progress", h(5) + 333 * US), ("Done", h(9))], h(9) + 1234 * US)
    it.item(p2, h(3), [("Done", h(4))], h(4), who=None)  # never in progress
    it.item(p1, h(6), [], h(7), work_started=h(6.5))  # the API's start only
    it.item(p1, h(6), [("In Progress", h(8))], h(7))  # started after resolving: no cycle
    it.item(p1, h(10), [], h(5))  # resolved before created: no lead time
    # Reopened without clearing its resolution: resolved in range, not WIP.
    reopened = it.item(
        p2, h(0), [("In Progress", h(1)), ("Done", h(2)), ("In Progress", h(3))], h(2)
    )
    for k in range(4):  # ties, an even count
        it.item(p2, h(20), [("In Progress", h(21 + k // 2))], h(30), who="cy")
    # At the end: in progress since long ago; moved on to review (still WIP);
    # done (not WIP); in "To Do" with the API's start (not WIP); created
    # after the end; resolved after the end.
    it.item(p1, h(-500) + 5 * US, [("In Progress", h(-400) + 77 * US)], None)
    it.item(p2, h(-50), [("In Progress", h(-40)), ("In Review", h(-30))], None, who="bob")
    it.item(p1, h(-5), [("In Progress", h(-4)), ("Done", h(-3))], None)
    it.item(p1, h(-5), [("To Do", h(-4))], None, work_started=h(-4.5))
    it.item(p2, h(1000), [("In Progress", h(1001))], None)
    it.item(p2, h(-5), [("In Progress", h(-4)), ("Done", h(1000))], h(1000))
    for k in range(5):
        it.item(p1, h(-100), [("In Progress", h(-90 + k))], None, who="dee")
    # Its last move's status was deleted since: the last known move counts.
    ghost = it.item(p1, h(-60), [("In Progress", h(-50)), (None, h(-10))], None)
    start, end = h(-24), h(24 * 8) + 17 * US
    kw: dict[str, Any]
    for kw in (
        {},
        {"timezone": "Europe/Berlin"},
        {"timezone": "America/Los_Angeles"},
        {"timezone": "Asia/Kolkata"},
        {"project_ids": (p1,)},
        {"authors": ("bob", "cy")},
        {"project_ids": (p2,), "authors": ("cy",)},
        {"drilldown_limit": 2, "drilldown_offset": 1},
        {"drilldown_limit": 0},
        {"drilldown_offset": 50},
    ):
        same(sc.conn, Scope(start=start, end=end, **kw))
    utc = same(sc.conn, Scope(start=start, end=end))
    berlin = same(sc.conn, Scope(start=start, end=end, timezone="Europe/Berlin"))
    assert dict(berlin.throughput)[dt.date(2026, 6, 8)] == 1
    assert dt.date(2026, 6, 8) not in dict(utc.throughput)
    assert utc.wip >= 8 and utc.oldest[0].age_hours is not None
    assert utc.cycle_time.sample_size < utc.resolved
    wip_ids = {
        i.id for i in same(sc.conn, Scope(start=start, end=end, drilldown_limit=1000)).oldest
    }
    assert ghost in wip_ids and reopened not in wip_ids
    empty = same(sc.conn, Scope(start=h(-24 * 400), end=h(-24 * 300)))
    assert (empty.resolved, empty.wip, empty.throughput, empty.oldest) == (0, 0, (), ())


def test_work_item_flow_sql_matches_the_python_reference_on_random_data(sc: Scenario) -> None:
    rnd = random.Random(3)
    it = Items(sc)
    projects = [sc.project(f"R{i}") for i in range(2)]
    base = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)

    def at() -> dt.datetime:
        return base + dt.timedelta(microseconds=rnd.randrange(50 * 86400 * 10**6))

    names = ["To Do", "In Progress", "In Review", "Done"]
    for _ in range(150):
        created = at()
        moves = sorted(
            ((rnd.choice(names), at()) for _ in range(rnd.randrange(4))), key=lambda m: m[1]
        )
        resolved = at() if rnd.random() < 0.6 else None
        it.item(
            rnd.choice(projects),
            created,
            moves,
            resolved,
            who=rnd.choice(["ada", "bob", None]),
            work_started=at() if rnd.random() < 0.3 else None,
        )
    for kw in (
        {},
        {"timezone": "America/New_York"},
        {"timezone": "Europe/Berlin", "project_ids": (projects[0],)},
        {"authors": ("bob",), "drilldown_limit": 3},
    ):
        got = same(
            sc.conn,
            Scope(start=base + dt.timedelta(days=5), end=base + dt.timedelta(days=35), **kw),
        )
        assert got.resolved > 0 and got.wip > 0
