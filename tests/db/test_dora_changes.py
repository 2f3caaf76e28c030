"""Tenant migration d3f7a9c2e5b1: the queue of what changed since the last
relink (``dora_changes``, filled by statement triggers) and the fingerprint
of what it ran under (``dora_relink_state``). An upgraded tenant's first
relink is a full pass, the next ones read the queue; the downgrade drops
the tables, the triggers and their functions, and writes work as before."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from sqlalchemy import Connection, text

from pulse_common import migrate
from pulse_common.db import connect
from pulse_common.dora.link import relink
from pulse_common.tenancy import TenantNames, quote_ident
from tests.db.conftest import PulseDb, TenantFactory

BEFORE = "b5d2e8a1c6f4"
T0 = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC)

pytestmark = pytest.mark.postgres


def _queue(conn: Connection) -> set[tuple[str, int]]:
    return {(k, int(i)) for k, i in conn.execute(text("SELECT kind, row_id FROM dora_changes"))}


def _objects(conn: Connection, schema: str) -> tuple[int, int, int]:
    """The schema's change tables, dora triggers and their functions."""
    return (
        conn.execute(
            text(
                "SELECT count(*) FROM pg_tables WHERE schemaname = :s "
                "AND tablename IN ('dora_changes', 'dora_relink_state')"
            ),
            {"s": schema},
        ).scalar_one(),
        conn.execute(
            text(
                "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = :s AND t.tgname LIKE 'dora_mark_%'"
            ),
            {"s": schema},
        ).scalar_one(),
        conn.execute(
            text(
                "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname = :s AND p.proname LIKE 'dora_mark_%'"
            ),
            {"s": schema},
        ).scalar_one(),
    )


def test_upgrade_marks_changes_downgrade_drops_them(
    pulse_db: PulseDb, make_tenant: TenantFactory
) -> None:
    _, t = make_tenant("dorachanges")
    schema = TenantNames(t.slug).schema
    with connect(pulse_db.engine) as conn:
        tables, triggers, functions = _objects(conn, schema)
        assert (tables, triggers) == (2, 3 * functions) and functions >= 10
        migrate.downgrade_tenant(conn, t.slug, BEFORE)
        assert _objects(conn, schema) == (0, 0, 0)
        conn.execute(text(f"SET search_path TO {quote_ident(schema)}"))
        repo = conn.execute(
            text(
                "INSERT INTO repositories (tenant_id, full_name, name) "
                "VALUES (1, 'acme/api', 'api') RETURNING id"
            )
        ).scalar_one()
        conn.execute(text("INSERT INTO projects (tenant_id, key, name) VALUES (1, 'P', 'P')"))
        conn.execute(text("RESET search_path"))

        assert migrate.upgrade_tenant(conn, t.slug) == migrate.head("tenant")
        assert _objects(conn, schema) == (tables, triggers, functions)
        conn.execute(text(f"SET search_path TO {quote_ident(schema)}"))
        assert relink(conn, t.tenant_id).full  # no state yet: everything
        assert not relink(conn, t.tenant_id).full
        # A deployment marks its repository, a changelog its work item; a
        # column relink does not read marks nothing.
        conn.execute(
            text(
                "INSERT INTO deployments (tenant_id, external_id, repository_id, environment, "
                "commit_sha, status, deployed_at, finished_at) "
                "VALUES (1, 'd1', :r, 'production', 'abc', 'success', :at, :at)"
            ),
            {"r": repo, "at": T0},
        )
        item = conn.execute(
            text(
                "INSERT INTO work_items (tenant_id, project_id, key, summary, created) "
                "VALUES (1, (SELECT id FROM projects), 'P-1', 'x', :at) RETURNING id"
            ),
            {"at": T0},
        ).scalar_one()
        conn.execute(text("UPDATE repositories SET language = 'Go'"))
        assert _queue(conn) == {("repository", repo), ("work_item", item)}
        assert not relink(conn, t.tenant_id).full
        assert _queue(conn) == set()
        conn.execute(text("RESET search_path"))

        migrate.downgrade_tenant(conn, t.slug, BEFORE)
        assert _objects(conn, schema) == (0, 0, 0)
        conn.execute(text(f"SET search_path TO {quote_ident(schema)}"))
        conn.execute(text("UPDATE deployments SET environment = 'staging'"))
        conn.execute(text("RESET search_path"))
        assert migrate.upgrade_tenant(conn, t.slug) == migrate.head("tenant")


def _at(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def _move(conn: Connection, item: int, name: str, at: dt.datetime) -> None:
    conn.execute(
        text(
            "INSERT INTO changelogs (tenant_id, work_item_id, external_id, to_status_id, "
            "transitioned_at) SELECT 1, :w, :x, id, :at FROM statuses WHERE name = 'In Progress'"
        ),
        {"w": item, "x": name, "at": at},
    )


def test_a_write_marked_while_relink_takes_the_queue_is_not_lost(
    pulse_db: PulseDb, make_tenant: TenantFactory
) -> None:
    """A writer marks an item already in the queue; a relink empties the
    queue before the writer commits. The writer's upsert holds the mark's
    row, so the relink waits for its commit and derives from its rows
    (skipping the marked row instead would leave the item stale: its mark
    consumed, its change unseen)."""
    _, t = make_tenant("doraqueue")
    path = text(f"SET LOCAL search_path TO {quote_ident(TenantNames(t.slug).schema)}")
    with connect(pulse_db.engine) as conn:
        conn.execute(path)
        conn.execute(text("INSERT INTO projects (tenant_id, key, name) VALUES (1, 'P', 'P')"))
        item = conn.execute(
            text(
                "INSERT INTO work_items (tenant_id, project_id, key, summary, created) "
                "VALUES (1, (SELECT id FROM projects), 'P-1', 'x', :at) RETURNING id"
            ),
            {"at": T0},
        ).scalar_one()
        relink(conn, t.tenant_id)
        _move(conn, item, "late", _at(5))  # committed, not yet relinked: marked
    writer = pulse_db.engine.connect()
    try:
        writer.begin()
        writer.execute(path)
        _move(writer, item, "early", _at(2))  # marks the item again, uncommitted

        def run() -> None:
            with connect(pulse_db.engine) as conn:
                conn.execute(path)
                relink(conn, t.tenant_id)

        relinking = threading.Thread(target=run)
        relinking.start()
        deadline = time.monotonic() + 30
        with connect(pulse_db.engine) as probe:
            while (
                time.monotonic() < deadline
                and not probe.execute(
                    text("SELECT count(*) FROM pg_locks WHERE NOT granted")
                ).scalar_one()
            ):
                time.sleep(0.05)
        writer.commit()
        relinking.join()
    finally:
        writer.close()
    with connect(pulse_db.engine) as conn:
        conn.execute(path)
        assert conn.execute(
            text("SELECT derived_started_at FROM work_items WHERE id = :i"), {"i": item}
        ).scalar_one() == _at(2)
        assert _queue(conn) == set()
