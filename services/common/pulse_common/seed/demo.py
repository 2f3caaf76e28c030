"""The ``demo`` profile: 90 days of realistic, deterministic sample data so
that every dashboard has something to show. The same ``seed`` and ``as_of``
always give the same rows; a marker setting makes it run once per tenant."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, insert, select

from pulse_common.models import tenant_code as code
from pulse_common.models import tenant_delivery as delivery
from pulse_common.models import tenant_work as work
from pulse_common.models.base import table_of
from pulse_common.models.tenant_settings import SystemSetting

MARKER = "seed.demo_loaded"
DAYS = 90
PROJECTS = [("PULSE", "Pulse Platform"), ("OPS", "Operations"), ("WEB", "Web App")]
REPOS = [("api", "Python"), ("web", "TypeScript"), ("etl", "Python"), ("infra", "HCL")]
PEOPLE = ["ada", "grace", "linus", "margaret", "ken", "barbara", "edsger", "frances"]
VERBS = ["improve", "fix", "add", "refactor"]
TOPICS = ["login", "sync", "dashboard", "export", "alerts"]
FLOW = ["To Do", "In Progress", "In Review", "Testing", "Done"]
ITEMS_PER_PROJECT = 60
HOUR = dt.timedelta(hours=1)


@dataclass
class _Ctx:
    conn: Connection
    tenant_id: int
    rng: random.Random
    seed: int
    start: dt.datetime
    end: dt.datetime
    counter: int = 0
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def sha(self) -> str:
        self.counter += 1
        return hashlib.sha1(f"{self.seed}:{self.counter}".encode()).hexdigest()  # noqa: S324

    def when(self, lo: dt.datetime, hours_min: float, hours_max: float) -> dt.datetime:
        t = lo + dt.timedelta(hours=self.rng.uniform(hours_min, hours_max))
        return min(t, self.end)

    def add(self, table: Table, rows: list[dict[str, Any]]) -> list[int]:
        if not rows:
            return []
        for r in rows:
            r["tenant_id"] = self.tenant_id
        stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return [r[0] for r in self.conn.execute(stmt, rows)]


def _ids(conn: Connection, model: Any) -> dict[str, int]:
    return {name: id_ for id_, name in conn.execute(select(model.id, model.name))}


def seed_demo(conn: Connection, tenant_id: int, *, seed: int, as_of: dt.date | None) -> bool:
    """Loads the demo data unless already loaded; returns whether it loaded."""
    if conn.execute(select(SystemSetting.id).where(SystemSetting.key == MARKER)).first():
        return False
    day = as_of or dt.datetime.now(dt.UTC).date()
    end = dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC)
    rng = random.Random(seed)  # noqa: S311 - reproducible sample data, not secrets
    ctx = _Ctx(conn, tenant_id, rng, seed, end - dt.timedelta(days=DAYS), end)
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
    _seed_code_and_delivery(ctx, items, item_ids, repo_ids)
    conn.execute(
        insert(table_of(SystemSetting)).values(
            tenant_id=tenant_id,
            key=MARKER,
            value={"seed": seed, "as_of": day.isoformat()},
            description="The demo profile's data is loaded",
        )
    )
    return True


def _seed_code_and_delivery(
    ctx: _Ctx, items: list[dict[str, Any]], item_ids: list[int], repo_ids: list[int]
) -> None:
    rng = ctx.rng
    numbers = dict.fromkeys(repo_ids, 0)
    prs: list[dict[str, Any]] = []
    for it, item_id in zip(items, item_ids, strict=True):
        times = it["_times"]
        if len(times) < 3 or rng.random() > 0.85:  # PRs for items that reached review
            continue
        repo = rng.choice(repo_ids)
        numbers[repo] += 1
        created = times[2]
        first_commit = created - dt.timedelta(hours=rng.uniform(1, 48))
        merged = times[-1] if len(times) == len(FLOW) else None
        prs.append(
            {
                "repository_id": repo,
                "number": numbers[repo],
                "work_item_id": item_id,
                "title": f"{it['key']}: {it['summary']}",
                "author": it["assignee"],
                "state": "merged" if merged else "open",
                "source_branch": it["key"].lower(),
                "target_branch": "main",
                "created": created,
                "first_commit_at": first_commit,
                "first_review_at": ctx.when(created, 0.5, 20),
                "merged_at": merged,
                "closed_at": merged,
                "merge_commit_sha": ctx.sha() if merged else None,
                "additions": rng.randint(5, 600),
                "deletions": rng.randint(0, 300),
                "changed_files": rng.randint(1, 25),
            }
        )
    pr_ids = ctx.add(table_of(code.PullRequest), prs)

    commits: list[dict[str, Any]] = []
    reviews: list[dict[str, Any]] = []
    deployments: list[dict[str, Any]] = []
    for pr, pr_id in zip(prs, pr_ids, strict=True):
        t = pr["first_commit_at"]
        for _ in range(rng.randint(1, 5)):
            commits.append(
                {
                    "pr_id": pr_id,
                    "sha": ctx.sha(),
                    "author": pr["author"],
                    "message": f"{pr['title'][:60]} (wip)",
                    "authored_at": t,
                    "committed_at": t,
                }
            )
            t = ctx.when(t, 0.2, 6)
        for r in range(rng.randint(1, 3)):
            reviews.append(
                {
                    "pr_id": pr_id,
                    "external_id": f"{pr_id}-r{r}",
                    "reviewer": rng.choice(PEOPLE),
                    "submitted_at": pr["first_review_at"],
                    "state": "approved"
                    if r == 0
                    else rng.choice(["approved", "commented", "changes_requested"]),
                }
            )
        if pr["merged_at"] is not None:
            deployments.append(
                {
                    "external_id": f"deploy-{pr['merge_commit_sha'][:12]}",
                    "repository_id": pr["repository_id"],
                    "environment": "production",
                    "commit_sha": pr["merge_commit_sha"],
                    "pr_id": pr_id,
                    "work_item_id": pr["work_item_id"],
                    "status": "failure" if rng.random() < 0.12 else "success",
                    "deployed_at": ctx.when(pr["merged_at"], 0.5, 30),
                    "duration_seconds": rng.randint(60, 900),
                }
            )
    ctx.add(table_of(code.PrCommit), commits)
    ctx.add(table_of(code.PrReview), reviews)
    deployment_ids = ctx.add(table_of(delivery.Deployment), deployments)

    incidents: list[dict[str, Any]] = []
    for d, d_id in zip(deployments, deployment_ids, strict=True):
        if d["status"] != "failure":
            continue
        started = ctx.when(d["deployed_at"], 0.1, 4)
        incidents.append(
            {
                "external_id": f"INC-{len(incidents) + 1}",
                "deployment_id": d_id,
                "title": f"Errors after deploying {d['commit_sha'][:7]}",
                "severity": rng.choice(["sev1", "sev2", "sev2", "sev3"]),
                "repository_id": d["repository_id"],
                "work_item_id": d["work_item_id"],
                "started_at": started,
                "resolved_at": ctx.when(started, 0.25, 30) if started < ctx.end else None,
            }
        )
    ctx.add(table_of(delivery.Incident), incidents)
