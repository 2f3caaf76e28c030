"""DORA analytics on a generated tenant: p50/p95 of each service function on
the replica, next to its bare SQL (the same statement with the same
parameters, run directly on the replica through psycopg, no Python after it).
That bare SQL is the floor, measured in the same run.

    PYTHONPATH=hack:services/common:services/backend .venv/bin/python benchmarks/dora.py
    ... benchmarks/dora.py --full      # the issue's size: 1M work items, 100k PRs,
                                       # 20k deployments, 2k incidents
    ... benchmarks/dora.py --scale 0.2 --runs 30

The default is 1/20 of that size. The rows are loaded with COPY, and the
linking (`relink`) is timed too: first, again over unchanged data, after a
1% load (`relink_load`: new and changed rows of each kind) as a later sync
pays it (incremental: only what changed), and after another 1% load
recomputing everything (`full=True`, what every relink cost before it was
incremental). Service and bare SQL run in turn (the load
of a shared machine drifts); "empty tx" is the request transaction alone
(BEGIN, SET LOCAL search_path and the analytics session settings (JIT off:
``pulse_common.analytics.common``), COMMIT), which the service pays and the bare
SQL does not: on small scales it is most of the difference. This starts its own test world, of which only
PostgreSQL is used, and stops it. Nothing here caches results: that is left to
the backend app.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
from relink_load import small_load
from replay import wait_replayed
from sqlalchemy import Connection, text

from pulse_common.analytics import dora, failures
from pulse_common.analytics import queries as q
from pulse_common.analytics.common import CUSTOM_PLANS, NO_JIT, analytics_session
from pulse_common.analytics.frequency import frequency_statement
from pulse_common.analytics.lead_time import lead_time_statement
from pulse_common.analytics.levels import Benchmarks, load_benchmarks
from pulse_common.analytics.scope import Scope
from pulse_common.db import connect, make_engine
from pulse_common.dora.link import relink
from pulse_common.dora.settings import DoraRules
from pulse_common.logging import configure_logging
from pulse_common.provisioning import TenantRequest, ensure_platform, ensure_tenant
from pulse_common.tenancy import quote_ident
from pulse_testworld import start_world

END = dt.datetime(2026, 6, 30, tzinfo=dt.UTC)
DAYS = 365
REPOS = 20
# Unplanned work, for the rework rate: PRs whose title marks them a hotfix
# or a revert (relink's markers read the title), PRs linked to a work item
# (a third of the item types are Bug or Incident), incidents tracked by a
# work item (a PR linked to one fixes an incident).
HOTFIX_EVERY, REVERT_EVERY = 97, 89
PR_LINKED = 0.15
INCIDENT_TRACKED = 0.4
# Of the linked PRs, those linked to an incident's work item.
FIXES_INCIDENT = 0.05


def _t(rng: random.Random, lo: float = 0, hi: float = DAYS) -> dt.datetime:
    return END - dt.timedelta(days=DAYS) + dt.timedelta(days=rng.uniform(lo, hi))


# A work item's moves after its creation in "To Do": most are started within
# days and go through review to Done within weeks; some are dropped (Won't
# Do), reopened, or still open at the end (the WIP). Like a Jira project's
# year, so the work-items endpoint reads changelogs as it would there.
Item = tuple[
    int,
    int,
    str,
    dt.datetime,
    dt.datetime | None,
    dt.datetime | None,
    list[tuple[str, dt.datetime]],
]


def _work_item(rng: random.Random, i: int, projects: list[int], wits: list[int]) -> Item:
    created = _t(rng)
    moves: list[tuple[str, dt.datetime]] = [("To Do", created)]
    started = resolved = None
    at = created + dt.timedelta(days=rng.expovariate(1 / 4))
    if rng.random() < 0.05:
        if at < END:
            moves.append(("Won't Do", at))
            resolved = at
    elif at < END:
        started = at
        moves.append(("In Progress", at))
        for name, mean_days in (("In Review", 3.0), ("Done", 1.5)):
            at += dt.timedelta(days=rng.expovariate(1 / mean_days))
            if at >= END:
                break
            moves.append((name, at))
        else:
            resolved = at
            if rng.random() < 0.03:
                at += dt.timedelta(days=rng.expovariate(1 / 5))
                if at < END:
                    moves.append(("In Progress", at))
                    resolved = None
    return (
        rng.choice(projects),
        rng.choice(wits),
        f"dev{i % 50}",
        created,
        started,
        resolved,
        moves,
    )


def _pr_title(n: int) -> str:
    if n % HOTFIX_EVERY == 0:
        return f"Hotfix: PR {n}"
    if n % REVERT_EVERY == 0:
        return f'Revert "PR {n - 1}"'
    return f"PR {n}"


def _copy(
    cur: psycopg.Cursor[Any], table: str, cols: list[str], rows: Iterator[tuple[Any, ...]]
) -> int:
    n = 0
    with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as cp:
        for row in rows:
            cp.write_row(row)
            n += 1
    return n


def generate(dsn: str, schema: str, tenant_id: int, scale: float) -> dict[str, int]:
    """Work items with their status changes, PRs with commits and reviews,
    default-branch history, deployments in staging and production, and
    incidents."""
    rng = random.Random(42)
    n_items, n_prs = int(1_000_000 * scale), int(100_000 * scale)
    n_deps, n_inc = int(20_000 * scale), int(2_000 * scale)
    counts: dict[str, int] = {}
    with psycopg.connect(dsn, autocommit=False) as c, c.cursor() as cur:
        cur.execute(f"SET search_path TO {quote_ident(schema)}")
        cur.execute(
            "INSERT INTO projects (tenant_id, key, name) SELECT %s, 'P' || g, 'Project ' || g "
            "FROM generate_series(1, 10) g",
            (tenant_id,),
        )
        cur.execute(
            "INSERT INTO repositories (tenant_id, full_name, name) "
            "SELECT %s, 'bench/r' || g, 'r' || g FROM generate_series(1, %s) g",
            (tenant_id, REPOS),
        )
        cur.execute(
            "INSERT INTO projects_repositories (tenant_id, project_id, repository_id) "
            "SELECT %s, p.id, r.id FROM projects p JOIN repositories r ON r.id %% 10 = p.id %% 10",
            (tenant_id,),
        )
        projects = [r[0] for r in cur.execute("SELECT id FROM projects ORDER BY id")]
        repos = [r[0] for r in cur.execute("SELECT id FROM repositories ORDER BY id")]
        wits = [r[0] for r in cur.execute("SELECT id FROM wits ORDER BY id")]
        statuses = dict(cur.execute("SELECT name, id FROM statuses").fetchall())
        items = [_work_item(rng, i, projects, wits) for i in range(n_items)]
        counts["work_items"] = _copy(
            cur,
            "work_items",
            [
                "tenant_id",
                "project_id",
                "key",
                "summary",
                "wit_id",
                "assignee",
                "created",
                "status_id",
                "work_started_at",
                "resolved_at",
            ],
            (
                (tenant_id, p, f"W-{i}", "item", w, a, cr, statuses[moves[-1][0]], st, rs)
                for i, (p, w, a, cr, st, rs, moves) in enumerate(items)
            ),
        )
        item_ids = [r[0] for r in cur.execute("SELECT id FROM work_items ORDER BY id")]
        counts["changelogs"] = _copy(
            cur,
            "changelogs",
            ["tenant_id", "work_item_id", "external_id", "to_status_id", "transitioned_at"],
            (
                (tenant_id, wid, str(k), statuses[name], at)
                for wid, item in zip(item_ids, items, strict=True)
                for k, (name, at) in enumerate(item[6][1:])
            ),
        )
        prs = []
        for i in range(n_prs):
            opened = _t(rng, 0, DAYS - 2)
            review = opened + dt.timedelta(hours=rng.uniform(0.5, 30))
            merged = review + dt.timedelta(hours=rng.uniform(0.5, 30))
            prs.append((rng.choice(repos), i + 1, opened, review, merged, f"m{i:039d}"))
        counts["prs"] = _copy(
            cur,
            "prs",
            [
                "tenant_id",
                "repository_id",
                "number",
                "title",
                "author",
                "state",
                "created",
                "merged_at",
                "merge_commit_sha",
                "target_branch",
            ],
            (
                (tenant_id, r, n, _pr_title(n), f"dev{n % 50}", "merged", o, m, sha, "main")
                for r, n, o, _, m, sha in prs
            ),
        )
        ids = [r[0] for r in cur.execute("SELECT id FROM prs ORDER BY number")]
        # Its own generator: the rows generated before links existed stay the same.
        links = random.Random(43)
        tracked = links.sample(item_ids, int(n_inc * INCIDENT_TRACKED))
        counts["work_items_prs"] = _copy(
            cur,
            "work_items_prs",
            ["tenant_id", "work_item_id", "pr_id", "link_method"],
            (
                (tenant_id, links.choice(pool), pid, "pr_title")
                for pid in ids
                if links.random() < PR_LINKED
                for pool in [tracked if links.random() < FIXES_INCIDENT else item_ids]
            ),
        )
        counts["prs_commits"] = _copy(
            cur,
            "prs_commits",
            ["tenant_id", "pr_id", "sha", "author", "authored_at"],
            (
                (
                    tenant_id,
                    pid,
                    f"c{pid:010d}{k}",
                    f"dev{n % 50}",
                    o - dt.timedelta(hours=rng.uniform(1, 48) / (k + 1)),
                )
                for pid, (_, n, o, _, _, _) in zip(ids, prs, strict=True)
                for k in range(rng.randint(1, 3))
            ),
        )
        counts["prs_reviews"] = _copy(
            cur,
            "prs_reviews",
            ["tenant_id", "pr_id", "external_id", "reviewer", "state", "submitted_at"],
            (
                (tenant_id, pid, f"{pid}-r", f"dev{(n + 1) % 50}", "approved", rv)
                for pid, (_, n, _, rv, _, _) in zip(ids, prs, strict=True)
            ),
        )
        counts["commits"] = _copy(
            cur,
            "commits",
            ["tenant_id", "repository_id", "sha", "authored_at", "committed_at"],
            ((tenant_id, r, sha, m, m) for r, _, _, _, m, sha in prs),
        )
        by_repo: dict[int, list[tuple[dt.datetime, str]]] = {r: [] for r in repos}
        for r, _, _, _, m, sha in prs:
            by_repo[r].append((m, sha))
        deps = []
        per_repo = max(n_deps // REPOS, 1)
        for r in repos:
            merges = sorted(by_repo[r])
            for k in range(per_repo):
                at = END - dt.timedelta(days=DAYS) + dt.timedelta(days=DAYS * (k + 0.5) / per_repo)
                done = [sha for m, sha in merges if m <= at]
                if done:
                    env = "staging" if k % 5 == 0 else "production"
                    status = "failure" if k % 17 == 0 else "success"
                    deps.append((r, env, done[-1], status, at))
        counts["deployments"] = _copy(
            cur,
            "deployments",
            [
                "tenant_id",
                "external_id",
                "repository_id",
                "environment",
                "commit_sha",
                "status",
                "deployed_at",
                "finished_at",
            ],
            (
                (tenant_id, f"d{i}", r, e, sha, s, at, at)
                for i, (r, e, sha, s, at) in enumerate(deps)
            ),
        )
        counts["incidents"] = _copy(
            cur,
            "incidents",
            [
                "tenant_id",
                "external_id",
                "title",
                "severity",
                "project_id",
                "started_at",
                "detected_at",
                "resolved_at",
                "status",
                "work_item_id",
            ],
            (
                (
                    tenant_id,
                    f"I{i}",
                    "outage",
                    "sev2",
                    rng.choice(projects),
                    d,
                    d,
                    r,
                    "resolved" if r else "open",
                    tracked[i] if i < len(tracked) else None,
                )
                for i in range(n_inc)
                for d in [_t(rng)]
                for r in [
                    d + dt.timedelta(hours=rng.uniform(0.2, 60)) if rng.random() < 0.95 else None
                ]
            ),
        )
        c.commit()
    with psycopg.connect(dsn, autocommit=True) as c:
        # Settle the load first: a later autovacuum would cancel long replica reads.
        c.execute(f"SET search_path TO {quote_ident(schema)}")
        c.execute("VACUUM ANALYZE")
    return counts


def _pct(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, round(p * (len(s) - 1)))] * 1000


def _time(fns: list[Callable[[], object]], runs: int) -> list[list[float]]:
    """Each of ``fns`` timed ``runs`` times, interleaved: on a shared machine
    the load drifts, and running them in turn exposes each to the same drift."""
    for fn in fns:
        fn()  # warm the plan cache and the buffers
    out: list[list[float]] = [[] for _ in fns]
    for _ in range(runs):
        for fn, times in zip(fns, out, strict=True):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
    return out


Statement = tuple[str, dict[str, Any]]
Metric = Callable[[Connection, Scope, DoraRules, Benchmarks], object]


def bare_statements(conn: Connection, scope: Scope, rules: DoraRules) -> dict[str, list[Statement]]:
    """Every statement each service function runs, rendered exactly as it
    renders them: the production environments, then the metric's one
    statement (its aggregates and drill-down page)."""
    envs: Statement = (q.ENVIRONMENTS, {})
    return {
        "deployment_frequency": [envs, frequency_statement(conn, scope, rules)],
        "lead_time": [envs, lead_time_statement(conn, scope, rules)],
        "change_failure_rate": [envs, failures.change_failure_rate_statement(conn, scope, rules)],
        "recovery_time": [envs, failures.recovery_time_statement(conn, scope, rules)],
        "mttr": [failures.mttr_statement(scope)],
        "rework_rate": [envs, failures.rework_rate_statement(conn, scope, rules)],
    }


def _psycopg(stmt: Statement) -> Statement:
    """SQLAlchemy's :name placeholders → psycopg's %(name)s."""
    sql, params = stmt
    for k in sorted(params, key=len, reverse=True):
        sql = sql.replace(f":{k}", f"%({k})s")
    return sql, params


def size_parser(doc: str | None) -> argparse.ArgumentParser:
    """The options every benchmark on the generated tenant takes: its size
    (``--scale``, or ``--full`` for the issue's) and ``--runs``."""
    parser = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--full", action="store_true", help="the issue's size (scale 1)")
    parser.add_argument("--runs", type=int, default=15)
    return parser


def main() -> int:
    args = size_parser(__doc__).parse_args()
    scale = 1.0 if args.full else args.scale
    configure_logging(json=False, level="WARNING")
    world = start_world()
    try:
        with psycopg.connect(world.postgres.primary_dsn, autocommit=True) as c:
            c.execute("CREATE DATABASE pulse_bench")
        primary = world.postgres.primary_dsn.rsplit("/", 1)[0] + "/pulse_bench"
        replica = world.postgres.replica_dsn.rsplit("/", 1)[0] + "/pulse_bench"
        engine = make_engine(primary)
        ensure_platform(engine)
        t = ensure_tenant(
            engine,
            TenantRequest(slug="bench-dora", display_name="Bench", admin_email="a@b.example"),
        )
        started = time.perf_counter()
        counts = generate(primary, t.schema_name, t.tenant_id, scale)
        load_s = time.perf_counter() - started
        rules = DoraRules(report_year=2023)
        with connect(engine) as conn:
            conn.execute(text(f"SET LOCAL search_path TO {quote_ident(t.schema_name)}"))
            started = time.perf_counter()
            report = relink(conn, t.tenant_id, rules)
            relink_s = time.perf_counter() - started
        with connect(engine) as conn:
            # What each later load pays: the links and stored starts are
            # current, so this one computes everything and writes nothing.
            conn.execute(text(f"SET LOCAL search_path TO {quote_ident(t.schema_name)}"))
            started = time.perf_counter()
            relink(conn, t.tenant_id, rules)
            again_s = time.perf_counter() - started
            bench: Benchmarks = load_benchmarks(conn)
        print(f"scale {scale}: {counts}")
        print(
            f"COPY load {load_s:.1f} s; relink {relink_s:.1f} s: {report.model_dump()};"
            f" relink again over unchanged data {again_s:.2f} s"
        )
        for tag, full in (("one", False), ("two", True)):
            started = time.perf_counter()
            rows = small_load(primary, t.schema_name, t.tenant_id, END, 0.01, tag)
            small_s = time.perf_counter() - started
            with connect(engine) as conn:
                conn.execute(text(f"SET LOCAL search_path TO {quote_ident(t.schema_name)}"))
                started = time.perf_counter()
                relink(conn, t.tenant_id, rules, full=full)
                relink_1_s = time.perf_counter() - started
            kind = "full relink" if full else "incremental relink"
            print(f"1% load ({rows} rows) {small_s:.1f} s; {kind} {relink_1_s:.2f} s")

        replica_engine = make_engine(replica)
        scope = Scope(start=END - dt.timedelta(days=90), end=END)
        wait_replayed(primary, replica)  # the load, before timing reads on the replica
        fns: dict[str, Metric] = {
            "deployment_frequency": dora.deployment_frequency,
            "lead_time": dora.lead_time,
            "change_failure_rate": dora.change_failure_rate,
            "recovery_time": dora.recovery_time,
            "mttr": dora.mttr,
            "rework_rate": dora.rework_rate,
        }
        print(f"\n90-day scope on the replica, {args.runs} runs each (ms)")
        print(
            f"{'metric':24} {'service p50':>12} {'p95':>8} {'bare SQL p50':>13} {'p95':>8} "
            f"{'ratio':>6} {'empty tx p50':>13}"
        )
        set_path = text(f"SET LOCAL search_path TO {quote_ident(t.schema_name)}")

        held = replica_engine.connect()

        def request(fn: Metric | None) -> None:
            # One transaction per call, as the backend runs one per request
            # (BEGIN, SET LOCAL search_path, the service, COMMIT).
            with held.begin():
                held.execute(set_path)
                analytics_session(held)
                if fn is not None:
                    fn(held, scope, rules, bench)

        with connect(replica_engine) as conn:
            conn.execute(set_path)
            bare = bare_statements(conn, scope, rules)
        with psycopg.connect(replica, autocommit=True) as raw:
            raw.execute(f"SET search_path TO {quote_ident(t.schema_name)}")
            # The bare SQL runs under the API's session settings too.
            raw.execute(NO_JIT.replace("LOCAL ", ""))
            raw.execute(CUSTOM_PLANS.replace("LOCAL ", ""))
            for name, fn in fns.items():
                stmts = [_psycopg(st) for st in bare[name]]

                def bare_run(stmts: list[Statement] = stmts) -> None:
                    for sql, params in stmts:
                        raw.execute(sql, params).fetchall()

                def service_run(fn: Metric = fn) -> None:
                    request(fn)

                # The empty request transaction (BEGIN, SET LOCAL, COMMIT):
                # what the service pays on top of its statements before any
                # Python runs, shown so that the ratio can be read.
                svc, raw_t, empty = _time([service_run, bare_run, lambda: request(None)], args.runs)
                ratio = statistics.median(svc) / statistics.median(raw_t)
                print(
                    f"{name:24} {_pct(svc, 0.5):12.1f} {_pct(svc, 0.95):8.1f} "
                    f"{_pct(raw_t, 0.5):13.1f} {_pct(raw_t, 0.95):8.1f} {ratio:6.2f} "
                    f"{_pct(empty, 0.5):13.2f}"
                )
        held.close()
        replica_engine.dispose()
        engine.dispose()
    finally:
        world.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
