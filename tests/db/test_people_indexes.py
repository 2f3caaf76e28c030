"""Tenant migration 6e6a7a0671bb: ``ix_prs_author_lower`` and
``ix_prs_reviews_reviewer_lower``, the lower-cased logins of the PR authors
and reviewers, and ``ix_work_items_assignee``, the assignees' names (the
assistant's skip scan of them, ``assignees.named_statement``, and the
catalog's bounded one, ``catalog.ASSIGNEES``). The assistant's lookup of
the people a question names (``narrowing.people_named``) read every PR and
review of the tenant; its patterns are ranges of these indexes now
(benchmarks/people.py measures it at 100k PRs). The downgrade drops them."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, text

from pulse_backend import catalog
from pulse_backend.agent import assignees, narrowing
from pulse_common import migrate
from pulse_common.db import connect
from pulse_common.tenancy import TenantNames, quote_ident
from tests.db.conftest import PulseDb, TenantFactory

BEFORE = "2c5e8a4f7b19"
INDEXES = {"ix_prs_author_lower", "ix_prs_reviews_reviewer_lower", "ix_work_items_assignee"}
LOGINS = INDEXES - {"ix_work_items_assignee"}

pytestmark = pytest.mark.postgres


def _indexes(conn: Connection, schema: str) -> set[str]:
    rows = conn.execute(
        text("SELECT indexname FROM pg_indexes WHERE schemaname = :s AND indexname = ANY(:i)"),
        {"s": schema, "i": sorted(INDEXES)},
    )
    return {r.indexname for r in rows}


def _index_conditions(conn: Connection, sql: str, params: dict[str, object]) -> str:
    """The plan's index conditions (a table read whole is not a choice)."""
    conn.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(r[0] for r in conn.execute(text("EXPLAIN " + sql), params))
    conn.execute(text("RESET enable_seqscan"))
    return plan


def test_people_indexes_round_trip_and_serve_the_lookup(
    pulse_db: PulseDb, make_tenant: TenantFactory
) -> None:
    _, t = make_tenant("people")
    schema = TenantNames(t.slug).schema
    with connect(pulse_db.engine) as conn:
        assert _indexes(conn, schema) == INDEXES
        conn.execute(text(f"SET LOCAL search_path TO {quote_ident(schema)}"))
        # A login the question gives whole, or the beginning of one.
        plan = _index_conditions(conn, *narrowing.people_named(["ada", "bo%"]))
        for index in LOGINS:
            assert "Index Cond" in plan and index in plan, plan
        assert "~>=~ 'bo'" in plan and "~<~ 'bp'" in plan, plan
        plan = _index_conditions(conn, narrowing._AUTHOR, {"name": "Ada"})
        assert "ix_prs_author_lower" in plan and "Index Cond" in plan, plan
        # The assignees: a walk of the index, each next name a probe past
        # the previous one (not a DISTINCT of every work item).
        plan = _index_conditions(conn, *assignees.named_statement(["linus"], "what did linus do"))
        assert "Recursive Union" in plan and "HashAggregate" not in plan, plan
        assert "Index Only Scan using ix_work_items_assignee" in plan, plan
        # The catalog's picker: the same walk, stopped after n names, then
        # those few sorted (the ORDER BY is over the walk, not a table).
        plan = _index_conditions(conn, catalog.ASSIGNEES, {"n": 501})
        assert "Recursive Union" in plan and "HashAggregate" not in plan, plan
        assert "Index Only Scan using ix_work_items_assignee" in plan, plan
        assert "Sort Key: names.name" in plan and "(depth < '501'" in plan, plan
        assert "Seq Scan" not in plan, plan

        migrate.downgrade_tenant(conn, t.slug, BEFORE)
        assert _indexes(conn, schema) == set()
        assert migrate.upgrade_tenant(conn, t.slug) == migrate.head("tenant")
        assert _indexes(conn, schema) == INDEXES
