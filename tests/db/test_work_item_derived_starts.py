"""Tenant migration b5d2e8a1c6f4: each work item's derived start (where its
cycle time starts) and the changelogs' index for an item's status at a
time. The upgrade fills the starts of the items already there, the
downgrade drops the column and restores the old index, and ``relink``'s
``store_work_item_starts`` keeps the starts current, writing only the items
that moved."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Connection, inspect, text

from pulse_common import migrate
from pulse_common.db import connect
from pulse_common.dora.starts import store_work_item_starts
from pulse_common.tenancy import TenantNames, quote_ident
from tests.db.conftest import PulseDb, TenantFactory

BEFORE = "60faef39097c"
OLD_INDEX = "ix_changelogs_work_item_id_transitioned_at"
NEW_INDEX = "ix_changelogs_work_item_id_transitioned_at_id"
T0 = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC)

pytestmark = pytest.mark.postgres


def h(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def _id(conn: Connection, sql: str, **params: object) -> int:
    return int(conn.execute(text(sql), params).scalar_one())


def _scenario(conn: Connection) -> dict[str, int]:
    """Four items, each taking a different branch of the definition."""
    project = _id(
        conn, "INSERT INTO projects (tenant_id, key, name) VALUES (1, 'P', 'P') RETURNING id"
    )
    status = dict(conn.execute(text("SELECT name, id FROM statuses")).all())
    ids: dict[str, int] = {}
    for name, api_start, moves in (
        # The first move into an in_progress status (Review is one too).
        ("moves", h(9), [("To Do", h(1)), ("In Review", h(3)), ("In Progress", h(2))]),
        ("api", h(5), [("To Do", h(1)), ("Done", h(6))]),  # never in progress: the API's
        ("none", None, [("Done", h(4))]),  # neither
        ("later", None, [("Testing", h(7))]),
    ):
        ids[name] = _id(
            conn,
            "INSERT INTO work_items (tenant_id, project_id, key, summary, created, "
            "work_started_at) VALUES (1, :p, :k, :k, :c, :ws) RETURNING id",
            p=project,
            k=f"P-{name}",
            c=T0,
            ws=api_start,
        )
        for n, (to, at) in enumerate(moves):
            _id(
                conn,
                "INSERT INTO changelogs (tenant_id, work_item_id, external_id, to_status_id, "
                "transitioned_at) VALUES (1, :w, :x, :s, :at) RETURNING id",
                w=ids[name],
                x=str(n),
                s=status[to],
                at=at,
            )
    return ids


EXPECTED = {"moves": h(2), "api": h(5), "none": None, "later": h(7)}


def _starts(conn: Connection, ids: dict[str, int]) -> dict[str, object]:
    rows = conn.execute(text("SELECT id, derived_started_at FROM work_items")).all()
    by_id = dict(rows)
    return {name: by_id[i] for name, i in ids.items()}


def _shape(conn: Connection, schema: str) -> tuple[bool, set[str]]:
    insp = inspect(conn)
    has_column = "derived_started_at" in {
        c["name"] for c in insp.get_columns("work_items", schema=schema)
    }
    indexes = {i["name"] or "" for i in insp.get_indexes("changelogs", schema=schema)}
    return has_column, indexes & {OLD_INDEX, NEW_INDEX}


def test_upgrade_fills_downgrade_drops_relink_keeps_current(
    pulse_db: PulseDb, make_tenant: TenantFactory
) -> None:
    _, t = make_tenant("wistarts")
    schema = TenantNames(t.slug).schema
    with connect(pulse_db.engine) as conn:
        assert _shape(conn, schema) == (True, {NEW_INDEX})
        migrate.downgrade_tenant(conn, t.slug, BEFORE)
        assert _shape(conn, schema) == (False, {OLD_INDEX})
        conn.execute(text(f"SET search_path TO {quote_ident(schema)}"))
        ids = _scenario(conn)
        conn.execute(text("RESET search_path"))

        assert migrate.upgrade_tenant(conn, t.slug) == migrate.head("tenant")
        assert _shape(conn, schema) == (True, {NEW_INDEX})
        conn.execute(text(f"SET search_path TO {quote_ident(schema)}"))
        assert _starts(conn, ids) == EXPECTED

        # Over unchanged data nothing is written.
        assert store_work_item_starts(conn) == 0
        # An earlier move into progress reaches only that item.
        conn.execute(
            text(
                "INSERT INTO changelogs (tenant_id, work_item_id, external_id, to_status_id, "
                "transitioned_at) SELECT 1, :w, 'early', id, :at FROM statuses "
                "WHERE name = 'In Progress'"
            ),
            {"w": ids["later"], "at": h(0.5)},
        )
        assert store_work_item_starts(conn) == 1
        assert _starts(conn, ids) == {**EXPECTED, "later": h(0.5)}
        # A status recategorised by the tenant's mapping moves the starts
        # that read it: Done is now "in progress" for this tenant.
        conn.execute(text("UPDATE statuses SET category = 'in_progress' WHERE name = 'Done'"))
        # (a move into progress wins over the API's start).
        assert store_work_item_starts(conn) == 2
        assert _starts(conn, ids) == {**EXPECTED, "later": h(0.5), "none": h(4), "api": h(6)}
        conn.execute(text("RESET search_path"))
