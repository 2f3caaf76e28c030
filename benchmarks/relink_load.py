"""A small load on the generated tenant (``dora.generate``), as a later ETL
sync brings: a fraction of new and changed rows of each kind, for timing the
relink that follows it (``dora.py``).

New work items (copies of existing ones) with their moves, moves added to
existing items (an earlier start), edited PR titles, and new merged PRs with
their commits and reviews, deployed by new production deployments after
the generated year; new incidents after them."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import psycopg

from pulse_common.tenancy import quote_ident

NEW_ITEMS = """
INSERT INTO work_items (tenant_id, project_id, key, summary, wit_id, assignee, created,
                        status_id, work_started_at, resolved_at)
SELECT tenant_id, project_id, key || '-{tag}', summary, wit_id, assignee, created, status_id,
       work_started_at, resolved_at
FROM work_items WHERE id %% %(every)s = %(k)s AND key NOT LIKE '%%-%%-%%'
RETURNING id, created
"""
EARLIER_START = """
INSERT INTO changelogs (tenant_id, work_item_id, external_id, to_status_id, transitioned_at)
SELECT tenant_id, id, 'late-{tag}', %(status)s, created + interval '1 minute'
FROM work_items WHERE id %% %(every)s = %(k)s + 1
"""
EDITED_TITLES = "UPDATE prs SET title = title || ' ({tag})' WHERE id %% %(every)s = %(k)s + 2"


def small_load(
    dsn: str, schema: str, tenant_id: int, end: dt.datetime, fraction: float, tag: str
) -> int:
    """Loads ``fraction`` of each kind of row, one transaction; returns the
    rows written."""
    rng = random.Random(tag)
    every = round(1 / fraction)
    k = rng.randrange(every - 3)
    params = {"every": every, "k": k}
    n = 0
    with psycopg.connect(dsn) as c, c.cursor() as cur:
        cur.execute(f"SET search_path TO {quote_ident(schema)}")
        status = dict(cur.execute("SELECT name, id FROM statuses").fetchall())
        items = cur.execute(NEW_ITEMS.format(tag=tag), params).fetchall()
        cur.executemany(
            "INSERT INTO changelogs (tenant_id, work_item_id, external_id, to_status_id, "
            "transitioned_at) VALUES (%s, %s, %s, %s, %s)",
            [
                (tenant_id, wid, name, status[name], created + dt.timedelta(hours=h))
                for wid, created in items
                for name, h in (("In Progress", 5), ("Done", 50))
            ],
        )
        n += len(items) * 3
        n += cur.execute(
            EARLIER_START.format(tag=tag), {**params, "status": status["In Progress"]}
        ).rowcount
        n += cur.execute(EDITED_TITLES.format(tag=tag), params).rowcount
        n += _merges_and_deployments(cur, tenant_id, end, fraction, tag, rng)
        c.commit()
    return n


def _one(cur: psycopg.Cursor[Any], sql: str, params: tuple[Any, ...] = ()) -> Any:
    row = cur.execute(sql, params).fetchone()
    assert row is not None
    return row[0]


def _merges_and_deployments(
    cur: psycopg.Cursor[Any],
    tenant_id: int,
    end: dt.datetime,
    fraction: float,
    tag: str,
    rng: random.Random,
) -> int:
    """New merged PRs after every deployment, then production deployments
    of them (each repository's spread over its new merges), then incidents."""
    repos = [r for (r,) in cur.execute("SELECT id FROM repositories ORDER BY id")]
    n_prs = round(fraction * _one(cur, "SELECT count(*) FROM prs"))
    n_deps = round(fraction * _one(cur, "SELECT count(*) FROM deployments"))
    n_incidents = round(fraction * _one(cur, "SELECT count(*) FROM incidents"))
    top = _one(cur, "SELECT max(number) FROM prs")
    at = max(end, _one(cur, "SELECT max(finished_at) FROM deployments"))
    merges: dict[int, list[tuple[dt.datetime, str]]] = {r: [] for r in repos}
    for i in range(n_prs):
        repo, number = rng.choice(repos), top + i + 1
        merged = at + dt.timedelta(hours=rng.uniform(0, 24))
        sha = f"{tag}{number:038d}"[-40:]
        pid = _one(
            cur,
            "INSERT INTO prs (tenant_id, repository_id, number, title, author, state, created, "
            "merged_at, merge_commit_sha, target_branch) "
            "VALUES (%s, %s, %s, %s, 'dev1', 'merged', %s, %s, %s, 'main') RETURNING id",
            (tenant_id, repo, number, f"PR {number}", merged - dt.timedelta(hours=8), merged, sha),
        )
        cur.execute(
            "INSERT INTO prs_commits (tenant_id, pr_id, sha, author, authored_at) "
            "VALUES (%s, %s, %s, 'dev1', %s)",
            (tenant_id, pid, f"c{sha[1:]}", merged - dt.timedelta(hours=9)),
        )
        cur.execute(
            "INSERT INTO prs_reviews (tenant_id, pr_id, external_id, reviewer, state, "
            "submitted_at) VALUES (%s, %s, %s, 'dev2', 'approved', %s)",
            (tenant_id, pid, f"{pid}-r", merged - dt.timedelta(hours=2)),
        )
        cur.execute(
            "INSERT INTO commits (tenant_id, repository_id, sha, authored_at, committed_at) "
            "VALUES (%s, %s, %s, %s, %s)",
            (tenant_id, repo, sha, merged, merged),
        )
        merges[repo].append((merged, sha))
    n = 4 * n_prs
    per_repo = max(1, n_deps // len(repos))
    for repo, ms in merges.items():
        ms.sort()
        for q in range(min(per_repo, len(ms))):
            merged, sha = ms[(q + 1) * len(ms) // per_repo - 1]
            done = merged + dt.timedelta(minutes=30)
            cur.execute(
                "INSERT INTO deployments (tenant_id, external_id, repository_id, environment, "
                "commit_sha, status, deployed_at, finished_at) "
                "VALUES (%s, %s, %s, 'production', %s, 'success', %s, %s)",
                (tenant_id, f"{tag}-{repo}-{q}", repo, sha, done, done),
            )
            n += 1
    for i in range(n_incidents):
        detected = at + dt.timedelta(hours=26 + i)
        cur.execute(
            "INSERT INTO incidents (tenant_id, external_id, title, severity, started_at, "
            "detected_at, status) VALUES (%s, %s, 'outage', 'sev2', %s, %s, 'open')",
            (tenant_id, f"I-{tag}-{i}", detected, detected),
        )
    return n + n_incidents
