"""Tenant migration caeb27a1bc8e: each PR's rework flags from its work items
(``fixes_bug``, ``fixes_incident``) and the partial index of flagged PRs.
The upgrade fills the flags of the PRs already there, the downgrade drops
columns and index, and ``relink``'s ``store_pr_fixes`` keeps the flags
current, writing only the PRs whose flags moved."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Connection, inspect, text

from pulse_common import migrate
from pulse_common.db import connect
from pulse_common.dora.markers import store_pr_fixes
from pulse_common.tenancy import TenantNames, quote_ident
from tests.db.conftest import PulseDb, TenantFactory

BEFORE = "d3f7a9c2e5b1"
INDEX = "ix_prs_rework"
T0 = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC)

pytestmark = pytest.mark.postgres


def _id(conn: Connection, sql: str, **params: object) -> int:
    return int(conn.execute(text(sql), params).scalar_one())


def _scenario(conn: Connection) -> tuple[dict[str, int], dict[str, int]]:
    """Work items of each kind, and a PR for each way of being (or not
    being) rework; returns (items, prs) by name."""
    project = _id(
        conn, "INSERT INTO projects (tenant_id, key, name) VALUES (1, 'P', 'P') RETURNING id"
    )
    repo = _id(
        conn,
        "INSERT INTO repositories (tenant_id, full_name, name) VALUES (1, 'o/r', 'r') RETURNING id",
    )
    wits = dict(conn.execute(text("SELECT name, id FROM wits")).all())
    items = {
        name: _id(
            conn,
            "INSERT INTO work_items (tenant_id, project_id, key, summary, created, wit_id) "
            "VALUES (1, :p, :k, :k, :c, :w) RETURNING id",
            p=project,
            k=f"P-{name}",
            c=T0,
            w=wits[wit],
        )
        for name, wit in (
            ("bug", "Bug"),
            ("incident", "Incident"),
            ("task", "Task"),
            ("story", "Story"),
        )
    }
    # An incident tracked by the task: a PR linked to the task fixes it.
    conn.execute(
        text(
            "INSERT INTO incidents (tenant_id, external_id, title, severity, started_at, status, "
            "work_item_id) VALUES (1, 'I1', 'down', 'sev1', :t, 'resolved', :w)"
        ),
        {"t": T0, "w": items["task"]},
    )
    prs: dict[str, int] = {}
    for n, (name, own_item) in enumerate(
        (
            ("bug", None),  # linked to the bug (work_items_prs)
            ("incident", items["incident"]),  # its own work_item_id: an Incident item
            ("tracked", None),  # linked to the task an incident is tracked by
            ("story", None),  # linked to a story: planned work
            ("alone", None),  # no work item
        ),
        start=1,
    ):
        prs[name] = _id(
            conn,
            "INSERT INTO prs (tenant_id, repository_id, number, title, state, created, "
            "work_item_id) VALUES (1, :r, :n, :t, 'merged', :c, :w) RETURNING id",
            r=repo,
            n=n,
            t=f"PR {name}",
            c=T0,
            w=own_item,
        )
    for pr, item in (("bug", "bug"), ("tracked", "task"), ("story", "story")):
        _link(conn, items[item], prs[pr])
    return items, prs


def _link(conn: Connection, item: int, pr: int) -> None:
    conn.execute(
        text(
            "INSERT INTO work_items_prs (tenant_id, work_item_id, pr_id, link_method) "
            "VALUES (1, :w, :p, 'pr_title')"
        ),
        {"w": item, "p": pr},
    )


EXPECTED = {
    "bug": (True, False),
    "incident": (True, False),
    "tracked": (False, True),
    "story": (False, False),
    "alone": (False, False),
}


def _flags(conn: Connection, prs: dict[str, int]) -> dict[str, tuple[bool, bool]]:
    rows = conn.execute(text("SELECT id, fixes_bug, fixes_incident FROM prs")).all()
    by_id = {i: (b, f) for i, b, f in rows}
    return {name: by_id[i] for name, i in prs.items()}


def _shape(conn: Connection, schema: str) -> tuple[set[str], bool]:
    insp = inspect(conn)
    columns = {c["name"] for c in insp.get_columns("prs", schema=schema)}
    indexes = {i["name"] for i in insp.get_indexes("prs", schema=schema)}
    return columns & {"fixes_bug", "fixes_incident"}, INDEX in indexes


def test_upgrade_fills_downgrade_drops_relink_keeps_current(
    pulse_db: PulseDb, make_tenant: TenantFactory
) -> None:
    _, t = make_tenant("prfixes")
    schema = TenantNames(t.slug).schema
    with connect(pulse_db.engine) as conn:
        assert _shape(conn, schema) == ({"fixes_bug", "fixes_incident"}, True)
        migrate.downgrade_tenant(conn, t.slug, BEFORE)
        assert _shape(conn, schema) == (set(), False)
        conn.execute(text(f"SET search_path TO {quote_ident(schema)}"))
        items, prs = _scenario(conn)
        conn.execute(text("RESET search_path"))

        assert migrate.upgrade_tenant(conn, t.slug) == migrate.head("tenant")
        assert _shape(conn, schema) == ({"fixes_bug", "fixes_incident"}, True)
        conn.execute(text(f"SET search_path TO {quote_ident(schema)}"))
        assert _flags(conn, prs) == EXPECTED

        # Over unchanged data nothing is written.
        assert store_pr_fixes(conn) == 0
        # A new link reaches only its PR.
        _link(conn, items["bug"], prs["alone"])
        assert store_pr_fixes(conn) == 1
        assert _flags(conn, prs) == {**EXPECTED, "alone": (True, False)}
        # A link removed clears the flag it gave.
        conn.execute(text("DELETE FROM work_items_prs WHERE pr_id = :p"), {"p": prs["bug"]})
        assert store_pr_fixes(conn) == 1
        assert _flags(conn, prs)["bug"] == (False, False)
        # An incident now tracked by the story flags the story's PR.
        conn.execute(text("UPDATE incidents SET work_item_id = :w"), {"w": items["story"]})
        assert store_pr_fixes(conn) == 2
        flags = _flags(conn, prs)
        assert (flags["tracked"], flags["story"]) == ((False, False), (False, True))
        # What ix_prs_rework now holds.
        flagged = conn.execute(
            text(
                "SELECT id FROM prs WHERE is_hotfix OR is_revert OR fixes_bug OR fixes_incident "
                "ORDER BY id"
            )
        ).scalars()
        assert list(flagged) == sorted([prs["incident"], prs["story"], prs["alone"]])
        conn.execute(text("RESET search_path"))
