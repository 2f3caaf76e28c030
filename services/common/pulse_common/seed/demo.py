"""The ``demo`` profile: 90 days of realistic, deterministic sample data so
that every dashboard has something to show. The same ``seed`` and ``as_of``
always give the same rows; a marker setting makes it run once per tenant.

Work items are here; code and delivery (the DORA story) in ``demo_delivery``.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sqlalchemy import Connection, insert, select

from pulse_common.dora.link import relink
from pulse_common.models import tenant_code as code
from pulse_common.models import tenant_work as work
from pulse_common.models.base import table_of
from pulse_common.models.tenant_dora import ProjectRepository
from pulse_common.models.tenant_settings import SystemSetting
from pulse_common.seed.demo_delivery import PEOPLE, PROJECT_REPOS, DemoCtx, seed_delivery

MARKER = "seed.demo_loaded"
DAYS = 90
PROJECTS = [("PULSE", "Pulse Platform"), ("OPS", "Operations"), ("WEB", "Web App")]
REPOS = [("api", "Python"), ("web", "TypeScript"), ("etl", "Python"), ("infra", "HCL")]
VERBS = ["improve", "fix", "add", "refactor"]
TOPICS = ["login", "sync", "dashboard", "export", "alerts"]
FLOW = ["To Do", "In Progress", "In Review", "Testing", "Done"]
ITEMS_PER_PROJECT = 60


def _ids(conn: Connection, model: Any) -> dict[str, int]:
    return {name: id_ for id_, name in conn.execute(select(model.id, model.name))}


def seed_demo(conn: Connection, tenant_id: int, *, seed: int, as_of: dt.date | None) -> bool:
    """Loads the demo data unless already loaded; returns whether it loaded."""
    if conn.execute(select(SystemSetting.id).where(SystemSetting.key == MARKER)).first():
        return False
    day = as_of or dt.datetime.now(dt.UTC).date()
    end = dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC)
    rng = random.Random(seed)  # noqa: S311 - reproducible sample data, not secrets
    ctx = DemoCtx(conn, tenant_id, rng, seed, end - dt.timedelta(days=DAYS), end)
    statuses, wits = _ids(conn, work.Status), _ids(conn, work.Wit)

    project_ids = ctx.add(
        table_of(work.Project),
        [{"key": k, "name": n, "project_type": "software"} for k, n in PROJECTS],
    )
    repo_ids = ctx.add(
        table_of(code.Repository),
        [
            {
                "full_name": f"demo/{n}",
                "name": n,
                "language": lang,
                "url": f"https://github.example/demo/{n}",
            }
            for n, lang in REPOS
        ],
    )

    items: list[dict[str, Any]] = []
    for (key, _), project_id in zip(PROJECTS, project_ids, strict=True):
        for i in range(1, ITEMS_PER_PROJECT + 1):
            created = ctx.when(ctx.start, 0, (DAYS - 3) * 24)
            wit = ctx.rng.choices(["Story", "Task", "Bug"], weights=[5, 3, 2])[0]
            # How far along the flow the item got: most finish, some are in flight.
            reached = ctx.rng.choices(range(len(FLOW)), weights=[1, 1, 1, 1, 6])[0]
            times = [created]
            for _ in range(reached):
                times.append(ctx.when(times[-1], 2, 72))
            items.append(
                {
                    "project_id": project_id,
                    "key": f"{key}-{i}",
                    "wit_id": wits[wit],
                    "summary": f"{wit} {i}: {ctx.rng.choice(VERBS)} {ctx.rng.choice(TOPICS)}",
                    "status_id": statuses[FLOW[reached]],
                    "created": created,
                    "priority": ctx.rng.choice(["Low", "Medium", "Medium", "High"]),
                    "assignee": ctx.rng.choice(PEOPLE),
                    "reporter": ctx.rng.choice(PEOPLE),
                    "story_points": ctx.rng.choice([1, 2, 3, 5, 8]),
                    "updated": times[-1],
                    "work_started_at": times[1] if reached >= 1 else None,
                    "resolved_at": times[-1] if FLOW[reached] == "Done" else None,
                    "_times": times,
                }
            )
    item_ids = ctx.add(
        table_of(work.WorkItem),
        [{k: v for k, v in it.items() if k != "_times"} for it in items],
    )

    changelogs: list[dict[str, Any]] = []
    for it, item_id in zip(items, item_ids, strict=True):
        times = it["_times"]
        for step in range(1, len(times)):
            changelogs.append(
                {
                    "work_item_id": item_id,
                    "external_id": f"{it['key']}-c{step}",
                    "from_status_id": statuses[FLOW[step - 1]],
                    "to_status_id": statuses[FLOW[step]],
                    "transitioned_at": times[step],
                    "author": it["assignee"],
                    "time_in_status_seconds": int((times[step] - times[step - 1]).total_seconds()),
                }
            )
    ctx.add(table_of(work.Changelog), changelogs)
    _link_projects(ctx, project_ids, repo_ids)
    repos = {name: rid for (name, _), rid in zip(REPOS, repo_ids, strict=True)}
    seed_delivery(ctx, items, item_ids, repos)
    relink(conn, tenant_id)
    conn.execute(
        insert(table_of(SystemSetting)).values(
            tenant_id=tenant_id,
            key=MARKER,
            value={"seed": seed, "as_of": day.isoformat()},
            description="The demo profile's data is loaded",
        )
    )
    return True


def _link_projects(ctx: DemoCtx, project_ids: list[int], repo_ids: list[int]) -> None:
    repo_of = {name: rid for (name, _), rid in zip(REPOS, repo_ids, strict=True)}
    ctx.add(
        table_of(ProjectRepository),
        [
            {"project_id": pid, "repository_id": repo_of[r]}
            for (key, _), pid in zip(PROJECTS, project_ids, strict=True)
            for r in PROJECT_REPOS[key]
        ],
    )
