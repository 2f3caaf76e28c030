"""Tenant migration 9b1f3d5a7c40: the embedding queue's triggers fire per
statement. With them (head) and with the row triggers it replaces (after a
downgrade), the same statements queue the same rows: inserted and deleted
rows, and updated rows only when a searchable or filter column changed,
including the ETL's multi-row ``INSERT … ON CONFLICT DO UPDATE``."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, text

from pulse_common import migrate
from pulse_common.db import connect
from pulse_common.tenancy import TenantNames, quote_ident
from tests.db.conftest import PulseDb, TenantFactory

BEFORE = "c4e8a2f1d9b3"
TABLES = ("work_items", "prs", "incidents")

pytestmark = pytest.mark.postgres


def _triggers(conn: Connection, schema: str) -> dict[str, set[tuple[str, bool]]]:
    """Per table, its queue triggers as (name, fires per row)."""
    rows = conn.execute(
        text(
            "SELECT c.relname, t.tgname, (t.tgtype & 1) = 1 FROM pg_trigger t "
            "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = :s AND t.tgname LIKE 'queue_embedding%' AND NOT t.tgisinternal"
        ),
        {"s": schema},
    )
    out: dict[str, set[tuple[str, bool]]] = {}
    for table, name, per_row in rows:
        out.setdefault(table, set()).add((name, per_row))
    return out


def _exercise(conn: Connection, schema: str, tag: str) -> dict[str, set[tuple[str, str]]]:
    """Runs one scenario from an empty queue; returns what each step queued
    as (kind, natural key)."""
    s = quote_ident(schema)

    def step(sql: str) -> set[tuple[str, str]]:
        conn.execute(text(f"DELETE FROM {s}.embedding_queue"))
        conn.execute(text(sql))
        rows = conn.execute(
            text(
                f"SELECT q.kind, COALESCE(w.key, p.title, i.external_id, '#' || q.row_id) "
                f"FROM {s}.embedding_queue q "
                f"LEFT JOIN {s}.work_items w ON q.kind = 'work_item' AND w.id = q.row_id "
                f"LEFT JOIN {s}.prs p ON q.kind = 'pull_request' AND p.id = q.row_id "
                f"LEFT JOIN {s}.incidents i ON q.kind = 'incident' AND i.id = q.row_id"
            )
        )
        return {(k, n) for k, n in rows}

    project = conn.execute(
        text(f"INSERT INTO {s}.projects (tenant_id, key, name) VALUES (1, :k, :k) RETURNING id"),
        {"k": f"P{tag}"},
    ).scalar_one()
    repo = conn.execute(
        text(
            f"INSERT INTO {s}.repositories (tenant_id, full_name, name) "
            "VALUES (1, :f, :f) RETURNING id"
        ),
        {"f": f"acme/{tag}"},
    ).scalar_one()
    items = ", ".join(f"(1, {project}, '{tag}-{n}', 'item {n}', now())" for n in range(1, 4))
    upsert = (
        f"INSERT INTO {s}.work_items (tenant_id, project_id, key, summary, created) "
        "VALUES {rows} ON CONFLICT (key) DO UPDATE SET summary = EXCLUDED.summary, "
        "priority = EXCLUDED.priority"
    )
    new_row = f"(1, {project}, '{tag}-4', 'item 4', now())"
    return {
        "insert": step(upsert.format(rows=items)),
        # The ETL's load: one statement inserting a row, changing one, and
        # rewriting another with the same text (not queued).
        "upsert": step(
            upsert.format(
                rows=f"{new_row}, (1, {project}, '{tag}-1', 'item one', now()), "
                f"(1, {project}, '{tag}-2', 'item 2', now())"
            )
        ),
        "other column": step(f"UPDATE {s}.work_items SET priority = 'High'"),
        "deactivate": step(f"UPDATE {s}.work_items SET active = false WHERE key = '{tag}-3'"),
        "pr": step(
            f"INSERT INTO {s}.prs (tenant_id, repository_id, number, title, state, created) "
            f"VALUES (1, {repo}, 1, 'pr {tag}', 'open', now()), "
            f"(1, {repo}, 2, 'pr2 {tag}', 'open', now())"
        ),
        "pr edit": step(f"UPDATE {s}.prs SET body = 'why', state = 'closed' WHERE number = 1"),
        "incident": step(
            f"INSERT INTO {s}.incidents (tenant_id, external_id, title, severity, started_at) "
            f"VALUES (1, 'inc-{tag}', 'down', 'sev2', now())"
        ),
        "incident status": step(f"UPDATE {s}.incidents SET status = 'resolved'"),
        "delete": step(f"DELETE FROM {s}.work_items WHERE key IN ('{tag}-1', '{tag}-2')"),
    }


def _expected(tag: str) -> dict[str, set[tuple[str, str]]]:
    gone = "#"  # a deleted row is queued by id; its key is gone with it
    return {
        "insert": {("work_item", f"{tag}-{n}") for n in range(1, 4)},
        "upsert": {("work_item", f"{tag}-4"), ("work_item", f"{tag}-1")},
        "other column": set(),
        "deactivate": {("work_item", f"{tag}-3")},
        "pr": {("pull_request", f"pr {tag}"), ("pull_request", f"pr2 {tag}")},
        "pr edit": {("pull_request", f"pr {tag}")},
        "incident": {("incident", f"inc-{tag}")},
        "incident status": set(),
        "delete": {("work_item", gone)},
    }


def _normalised(found: dict[str, set[tuple[str, str]]]) -> dict[str, set[tuple[str, str]]]:
    return {k: {(kind, "#" if n.startswith("#") else n) for kind, n in v} for k, v in found.items()}


def test_statement_triggers_queue_what_row_triggers_queued(
    pulse_db: PulseDb, make_tenant: TenantFactory
) -> None:
    _, t = make_tenant("embq")
    schema = TenantNames(t.slug).schema
    statement = {(f"queue_embedding_{e}", False) for e in ("insert", "update", "delete")}
    row = {("queue_embedding_change", True), ("queue_embedding_update", True)}
    with connect(pulse_db.engine) as conn:
        assert _triggers(conn, schema) == dict.fromkeys(TABLES, statement)
        at_head = _exercise(conn, schema, "A")
        # Two rows deleted in one statement: two queue entries.
        deleted = conn.execute(
            text(f"SELECT count(*) FROM {quote_ident(schema)}.embedding_queue")
        ).scalar_one()
        assert deleted == 2
        assert _normalised(at_head) == _expected("A")

        migrate.downgrade_tenant(conn, t.slug, BEFORE)
        assert _triggers(conn, schema) == dict.fromkeys(TABLES, row)
        assert _normalised(_exercise(conn, schema, "B")) == _expected("B")

        assert migrate.upgrade_tenant(conn, t.slug) == migrate.head("tenant")
        assert _triggers(conn, schema) == dict.fromkeys(TABLES, statement)
        assert _normalised(_exercise(conn, schema, "C")) == _expected("C")
