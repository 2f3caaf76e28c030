"""The assistant's people queries on a generated tenant: 100k merged PRs
(``--prs``) over a year by 500 people (``--people``), each reviewed once
by another, and 100k work items (``--items``) assigned to them by their
Jira names ("Dev 7 Person"): each statement's plan (does it read a table whole?) and its
EXPLAIN ANALYZE execution time (median of ``--runs``), with the tenant's
people indexes (migration 6e6a7a0671bb) and without them (dropped for the
second pass). The rows are generated in SQL (benchmarks/dora.py's
generator spends its minutes on a million work items, which no people
query reads).

    PYTHONPATH=hack:services/common:services/backend \
        .venv/bin/python benchmarks/people.py [--prs 100000] [--people 500] [--runs 5]

Only PostgreSQL is started (a primary and its replica), and stopped at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import tempfile
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Connection, text

from pulse_backend.agent import assignees, narrowing, rankings
from pulse_common.analytics.engineering import engineering_statement
from pulse_common.analytics.scope import Scope
from pulse_common.db import connect, make_engine
from pulse_common.logging import configure_logging
from pulse_common.provisioning import TenantRequest, ensure_platform, ensure_tenant
from pulse_common.tenancy import quote_ident
from pulse_testworld.postgres import start_postgres
from pulse_testworld.procs import Supervisor

END = dt.datetime(2026, 6, 30, tzinfo=dt.UTC)
START = END - dt.timedelta(days=90)
# The indexes the second pass drops (migration 6e6a7a0671bb).
PEOPLE_INDEXES = ("ix_prs_author_lower", "ix_prs_reviews_reviewer_lower", "ix_work_items_assignee")


def statements() -> dict[str, tuple[str, dict[str, Any]]]:
    """What the assistant sends for a person, as it sends it."""
    everyone = Scope(start=START, end=END)
    return {
        "narrowing: the author's login": (narrowing._AUTHOR, {"name": "DEV7"}),
        "narrowing: the people a question names": narrowing.people_named(["dev7%", "ada"]),
        "narrowing: the assignees a question names": assignees.named_statement(
            ["dev7", "ada"], "what did dev 7 person work on"
        ),
        "work items: an assignee spelled exactly": (assignees.EXACT, {"name": "Dev 7 Person"}),
        "ranking: PRs merged per author": rankings.merged_by_author(everyone),
        "engineering flow of a person": engineering_statement(
            everyone.model_copy(update={"authors": ("dev7",)})
        ),
    }


# 100k PRs over the year before END, authors dev0 … dev<people - 1>, each
# reviewed by the next one.
_PRS = """
INSERT INTO prs (tenant_id, repository_id, number, title, author, state, created, merged_at)
SELECT :t, :r, g, 'PR ' || g, 'dev' || (g % :people), 'merged',
       CAST(:end AS timestamptz) - (g % 365 + 2) * interval '1 day',
       CAST(:end AS timestamptz) - (g % 365 + 1) * interval '1 day'
FROM generate_series(1, :prs) g
"""
_REVIEWS = """
INSERT INTO prs_reviews (tenant_id, pr_id, external_id, reviewer, state, submitted_at)
SELECT :t, p.id, p.id::text, 'dev' || ((p.number + 1) % :people), 'approved',
       p.created + interval '1 hour'
FROM prs p
"""


_ITEMS = """
INSERT INTO work_items (tenant_id, project_id, key, summary, assignee, created, resolved_at)
SELECT :t, :p, 'B-' || g, 'item ' || g, 'Dev ' || (g % :people) || ' Person',
       CAST(:end AS timestamptz) - (g % 365 + 2) * interval '1 day',
       CAST(:end AS timestamptz) - (g % 365 + 1) * interval '1 day'
FROM generate_series(1, :items) g
"""


def generate(conn: Connection, tenant_id: int, prs: int, people: int, items: int) -> None:
    [(repo,)] = conn.execute(
        text(
            "INSERT INTO repositories (tenant_id, full_name, name) "
            "VALUES (:t, 'bench/api', 'api') RETURNING id"
        ),
        {"t": tenant_id},
    )
    [(project,)] = conn.execute(
        text("INSERT INTO projects (tenant_id, key, name) VALUES (:t, 'B', 'Bench') RETURNING id"),
        {"t": tenant_id},
    )
    params = {"t": tenant_id, "r": repo, "p": project, "people": people, "prs": prs, "end": END}
    conn.execute(text(_PRS), params)
    conn.execute(text(_REVIEWS), params)
    conn.execute(text(_ITEMS), {**params, "items": items})


def explain(conn: Connection, sql: str, params: dict[str, Any]) -> tuple[float, bool]:
    """Execution time (ms) and whether a table is read whole."""
    plan = conn.execute(text("EXPLAIN (ANALYZE, FORMAT JSON) " + sql), params).scalar_one()
    doc = plan if isinstance(plan, list) else json.loads(plan)
    return float(doc[0]["Execution Time"]), '"Seq Scan"' in json.dumps(doc)


def measure(conn: Connection, runs: int) -> dict[str, tuple[float, bool]]:
    out = {}
    for label, (sql, params) in statements().items():
        explain(conn, sql, params)  # warm the cache
        timed = [explain(conn, sql, params) for _ in range(runs)]
        out[label] = (statistics.median(t for t, _ in timed), timed[0][1])
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--prs", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    configure_logging(json=False, level="WARNING")
    base = Path(tempfile.mkdtemp(prefix="pulse-people-"))
    base.chmod(0o755)  # the postgres user must reach its data directory
    sup = Supervisor(base)
    try:
        pg = start_postgres(sup, base)
        with psycopg.connect(pg.primary_dsn, autocommit=True) as c:
            c.execute("CREATE DATABASE pulse_bench")
        primary = pg.primary_dsn.rsplit("/", 1)[0] + "/pulse_bench"
        engine = make_engine(primary)
        ensure_platform(engine)
        t = ensure_tenant(
            engine,
            TenantRequest(slug="bench-people", display_name="Bench", admin_email="a@b.example"),
        )
        schema = quote_ident(t.schema_name)
        with connect(engine) as conn:
            conn.execute(text(f"SET LOCAL search_path TO {schema}"))
            generate(conn, t.tenant_id, args.prs, args.people, args.items)
        print(
            f"{args.prs} PRs and as many reviews by {args.people} people, "
            f"{args.items} work items assigned to them"
        )
        with psycopg.connect(primary, autocommit=True) as c:
            c.execute(f"VACUUM ANALYZE {schema}.prs, {schema}.prs_reviews, {schema}.work_items")
        passes = {}
        with connect(engine) as conn:
            conn.execute(text(f"SET LOCAL search_path TO {schema}"))
            passes["with"] = measure(conn, args.runs)
            for name in PEOPLE_INDEXES:
                conn.execute(text(f"DROP INDEX IF EXISTS {name}"))
            passes["without"] = measure(conn, args.runs)
        print(
            f"\nEXPLAIN ANALYZE execution time, median of {args.runs} (ms; * reads a table whole)"
        )
        print(f"{'statement':44} {'without':>10} {'with':>10}")
        for label in passes["with"]:
            row = [
                f"{passes[p][label][0]:9.2f}{'*' if passes[p][label][1] else ' '}" for p in passes
            ]
            print(f"{label:44} {row[1]:>10} {row[0]:>10}")
    finally:
        sup.stop_all()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
