"""The demo's code and delivery: a team that improves over the 90 days.

Early on PRs wait long for review and ship in weekly trains (several PRs per
deployment), deployments often fail or cause incidents, and recovery takes
days. By the end the team ships daily, reviews within hours, and recovers
within hours. ``api`` and ``web`` deploy to ``staging`` before
``production``; some incidents are answered by a rollback (the next
deployment re-ships the rolled-back PRs); incidents of the last three days
are still open; bug PRs are sometimes hotfixes. Deterministic for a seed and
date: every random draw comes from the context's generator, in a fixed order.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, insert

from pulse_common.models import tenant_code as code
from pulse_common.models import tenant_delivery as delivery
from pulse_common.models.base import table_of
from pulse_common.models.tenant_dora import WorkItemPr

PEOPLE = ["ada", "grace", "linus", "margaret", "ken", "barbara", "edsger", "frances"]
# Which repositories each project's work lands in (incident scope, filters).
PROJECT_REPOS = {"PULSE": ["api", "etl"], "OPS": ["infra"], "WEB": ["web", "api"]}
STAGED = {"api", "web"}
HOUR = dt.timedelta(hours=1)


@dataclass
class DemoCtx:
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

    def progress(self, t: dt.datetime) -> float:
        """How far the team has improved: 0 at the start, 1 from day 63 of 90
        (so the last weeks show the improved team at its steady state)."""
        return min(max((t - self.start) / (0.7 * (self.end - self.start)), 0.0), 1.0)

    def hours(self, early: float, late: float, t: dt.datetime) -> dt.timedelta:
        p = self.progress(t)
        return HOUR * (early + (late - early) * p) * self.rng.uniform(0.5, 1.5)


def seed_delivery(
    ctx: DemoCtx, items: list[dict[str, Any]], item_ids: list[int], repo_ids: dict[str, int]
) -> None:
    prs, pr_ids = _prs(ctx, items, item_ids, repo_ids)
    _children(ctx, prs, pr_ids, repo_ids)
    repo_names = {v: k for k, v in repo_ids.items()}
    project_of_repo: dict[int, int] = {}
    for it in items:
        for name in PROJECT_REPOS[it["key"].split("-")[0]]:
            project_of_repo.setdefault(repo_ids[name], it["project_id"])
    incidents: list[dict[str, Any]] = []
    for repo_id in sorted(repo_names):
        merged = sorted(
            [dict(p, _id=i) for p, i in zip(prs, pr_ids, strict=True) if p["merged_at"]],
            key=lambda p: p["merged_at"],
        )
        mine = [p for p in merged if p["repository_id"] == repo_id]
        incidents += _deploy_train(
            ctx, repo_id, repo_names[repo_id], mine, project_of_repo[repo_id]
        )
    open_ = [i for i in incidents if i["resolved_at"] is None]
    for inc in sorted(incidents, key=lambda i: i["detected_at"])[-2:] if len(open_) < 2 else []:
        inc.update(resolved_at=None, status="open")
    for n, inc in enumerate(sorted(incidents, key=lambda i: i["detected_at"]), start=1):
        inc["external_id"] = f"INC-{n}"
    ctx.add(table_of(delivery.Incident), incidents)


def _prs(
    ctx: DemoCtx, items: list[dict[str, Any]], item_ids: list[int], repo_ids: dict[str, int]
) -> tuple[list[dict[str, Any]], list[int]]:
    rng = ctx.rng
    numbers = dict.fromkeys(repo_ids.values(), 0)
    prs: list[dict[str, Any]] = []
    for it, item_id in zip(items, item_ids, strict=True):
        times = it["_times"]
        if len(times) < 3 or rng.random() > 0.85:  # PRs for items that reached review
            continue
        repo = repo_ids[rng.choice(PROJECT_REPOS[it["key"].split("-")[0]])]
        numbers[repo] += 1
        opened = times[2]
        first_commit = opened - ctx.hours(60, 4, opened)
        review = opened + ctx.hours(30, 1.5, opened)
        merged = review + ctx.hours(20, 2, opened) if len(times) == 5 else None
        if merged is not None and merged > ctx.end - 2 * HOUR:
            merged = None
        hotfix = it["summary"].startswith("Bug") and rng.random() < 0.3
        title = f"{'Hotfix: ' if hotfix else ''}{it['key']}: {it['summary']}"
        prs.append(
            {
                "repository_id": repo,
                "number": numbers[repo],
                "work_item_id": item_id,
                "title": title,
                "author": it["assignee"],
                "state": "merged" if merged else "open",
                "source_branch": f"{'hotfix' if hotfix else 'feature'}/{it['key'].lower()}",
                "target_branch": "main",
                "created": opened,
                "first_commit_at": first_commit,
                "first_review_at": review if review < ctx.end else None,
                "merged_at": merged,
                "closed_at": merged,
                "merge_commit_sha": ctx.sha() if merged else None,
                "additions": rng.randint(5, 600),
                "deletions": rng.randint(0, 300),
                "changed_files": rng.randint(1, 25),
            }
        )
    return prs, ctx.add(table_of(code.PullRequest), prs)


def _children(
    ctx: DemoCtx, prs: list[dict[str, Any]], pr_ids: list[int], repo_ids: dict[str, int]
) -> None:
    """PR commits, reviews by others, work item links, and the default
    branch's history: merge commits plus a few direct pushes."""
    rng = ctx.rng
    commits, reviews, links, history = [], [], [], []
    for pr, pr_id in zip(prs, pr_ids, strict=True):
        last = pr["merged_at"] or ctx.end
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
            t = min(ctx.when(t, 0.2, 6), last)
        others = [p for p in PEOPLE if p != pr["author"]]
        if pr["first_review_at"] is not None:
            for r in range(rng.randint(1, 3)):
                at = pr["first_review_at"] + r * HOUR
                reviews.append(
                    {
                        "pr_id": pr_id,
                        "external_id": f"{pr_id}-r{r}",
                        "reviewer": rng.choice(others),
                        "submitted_at": min(at, last),
                        "state": "approved" if r == 0 else rng.choice(["commented", "approved"]),
                    }
                )
        links.append(
            {"work_item_id": pr["work_item_id"], "pr_id": pr_id, "link_method": "branch_name"}
        )
        if pr["merged_at"]:
            history.append(
                {
                    "repository_id": pr["repository_id"],
                    "sha": pr["merge_commit_sha"],
                    "author": pr["author"],
                    "message": f"Merge pull request #{pr['number']}",
                    "authored_at": pr["merged_at"],
                    "committed_at": pr["merged_at"],
                }
            )
    for repo in repo_ids.values():  # commits outside any PR
        for _ in range(4):
            at = ctx.when(ctx.start, 24, 85 * 24)
            history.append(
                {
                    "repository_id": repo,
                    "sha": ctx.sha(),
                    "author": rng.choice(PEOPLE),
                    "message": "Bump dependencies",
                    "authored_at": at,
                    "committed_at": at,
                }
            )
    ctx.add(table_of(code.PrCommit), commits)
    ctx.add(table_of(code.PrReview), reviews)
    ctx.add(table_of(WorkItemPr), links)
    ctx.add(table_of(code.Commit), history)


def _deploy_train(
    ctx: DemoCtx, repo_id: int, repo: str, merged: list[dict[str, Any]], project_id: int
) -> list[dict[str, Any]]:
    """Deploys the repository's merged PRs in trains that get more frequent,
    and returns the incidents they caused."""
    rng = ctx.rng
    rows: list[dict[str, Any]] = []
    incidents: list[dict[str, Any]] = []
    t = ctx.when(ctx.start, 12, 48)
    shipped, prev_head = 0, None

    def deploy(head: dict[str, Any], env: str, at: dt.datetime, **kw: Any) -> None:
        rows.append(
            {
                "external_id": f"{repo}-{env}-{len(rows) + 1}",
                "repository_id": repo_id,
                "environment": env,
                "commit_sha": head["merge_commit_sha"],
                "pr_id": head["_id"],
                "work_item_id": head["work_item_id"],
                "status": kw.get("status", "success"),
                "deployed_at": at - 0.25 * HOUR,
                "started_at": at - 0.25 * HOUR,
                "finished_at": at,
                "duration_seconds": 900,
                "is_rollback": kw.get("rollback", False),
                "is_hotfix": head["title"].startswith("Hotfix"),
            }
        )

    while t < ctx.end - 3 * HOUR:
        ready = [p for p in merged[shipped:] if p["merged_at"] <= t - 0.5 * HOUR]
        if ready:
            head, p = ready[-1], ctx.progress(t)
            shipped += len(ready)
            if repo in STAGED:
                deploy(head, "staging", t - rng.uniform(1, 2.5) * HOUR)
            live = t
            if rng.random() < 0.15 - 0.12 * p:  # a failed attempt, retried an hour later
                deploy(head, "production", t, status="failure")
                live = t + HOUR
            deploy(head, "production", live)
            detected = live + rng.uniform(0.5, 8 - 7 * p) * HOUR
            if rng.random() < 0.35 - 0.29 * p and detected < ctx.end:
                resolved: dt.datetime | None
                if prev_head is not None and rng.random() < 0.4:
                    back = detected + rng.uniform(0.3, 1) * HOUR
                    deploy(prev_head, "production", min(back, ctx.end), rollback=True)
                    resolved = back + rng.uniform(0.2, 1) * HOUR
                else:
                    resolved = detected + ctx.hours(48, 2, detected)
                if resolved > ctx.end - 72 * HOUR:
                    resolved = None
                incidents.append(
                    {
                        "title": f"{repo}: errors after deploying {head['merge_commit_sha'][:7]}",
                        "severity": rng.choice(["sev1", "sev2", "sev2", "sev3"]),
                        "repository_id": repo_id,
                        "project_id": project_id,
                        "started_at": detected - rng.uniform(0, 0.5) * HOUR,
                        "detected_at": detected,
                        "resolved_at": resolved,
                        "status": "resolved" if resolved else "open",
                    }
                )
            prev_head = head
        t += dt.timedelta(days=(7 - 6.4 * ctx.progress(t)) * rng.uniform(0.6, 1.4))
    ctx.add(table_of(delivery.Deployment), rows)
    return incidents
