"""The bulk upsert on its own: within one transaction a second upsert of a
table reads only its own staged rows (the stage empties only at commit), the
last row of a key wins, and a rolled-back batch leaves nothing staged; a run
stages only its source's tables, and a table outside them still loads."""

from __future__ import annotations

from typing import Any

import pytest
from psycopg import AsyncConnection

from pulse_etl.integrations import Kind
from pulse_etl.load import bulk
from pulse_etl.load.github_tables import REPOSITORIES
from pulse_etl.load.jira_tables import PROJECTS, WORK_ITEMS
from pulse_etl.load.targets import BY_SOURCE, ORDER
from tests.etl.conftest import EtlTenant

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


class _Abort(Exception):
    pass


async def _staged_then_rolled_back(conn: AsyncConnection[Any]) -> None:
    async with conn.transaction():
        await bulk.copy_rows(conn, WORK_ITEMS, [_items("PAY-3", "three")])
        raise _Abort


def _items(key: str, summary: str) -> tuple[object, ...]:
    """A work item's staging row (``WORK_ITEMS.staging`` order)."""
    fields = ("Story", "To Do", None, None, None, None, "2026-01-05T09:00:00Z")
    return (key, "PAY", key, summary, None, *fields, None, None, None)


async def test_second_upsert_in_a_transaction_reads_only_its_rows(etl_tenant: EtlTenant) -> None:
    tid = etl_tenant.tenant_id
    conn = await AsyncConnection.connect(etl_tenant.dsn, autocommit=True)
    try:
        await bulk.stage(conn, ORDER)
        async with conn.transaction():
            await bulk.upsert(
                conn,
                PROJECTS,
                [("PAY", "1", "Payments", "software")],
                tenant_id=tid,
                integration_id=None,
            )
            first = await bulk.upsert(
                conn,
                WORK_ITEMS,
                [_items("PAY-1", "one"), _items("PAY-2", "two"), _items("PAY-1", "one, later")],
                tenant_id=tid,
                integration_id=None,
            )
            await conn.execute("UPDATE work_items SET summary = 'by hand' WHERE key = 'PAY-1'")
            # The first call's rows are still in the stage: re-reading them
            # would write PAY-1's staged summary back over the change by hand.
            second = await bulk.upsert(
                conn,
                WORK_ITEMS,
                [_items("PAY-2", "two, edited")],
                tenant_id=tid,
                integration_id=None,
            )
        assert (first, second) == (2, 1)
        with pytest.raises(_Abort):
            await _staged_then_rolled_back(conn)
        cur = await conn.execute("SELECT count(*) FROM stage_work_items")
        assert await cur.fetchone() == (0,)
    finally:
        await conn.close()
    assert etl_tenant.query("SELECT key, summary FROM work_items ORDER BY key") == [
        ("PAY-1", "by hand"),
        ("PAY-2", "two, edited"),
    ]


def test_each_target_belongs_to_exactly_one_source() -> None:
    staged = [t for targets in BY_SOURCE.values() for t in targets]
    assert sorted(t.table for t in staged) == sorted(t.table for t in ORDER)


async def test_a_run_stages_only_its_source_and_other_tables_still_load(
    etl_tenant: EtlTenant,
) -> None:
    conn = await AsyncConnection.connect(etl_tenant.dsn, autocommit=True)
    try:
        await bulk.stage(conn, BY_SOURCE[Kind.jira])
        mine = "SELECT relname FROM pg_class WHERE relnamespace = pg_my_temp_schema() AND relkind = 'r'"
        cur = await conn.execute(mine)
        assert sorted(r[0] for r in await cur.fetchall()) == sorted(
            t.stage_name for t in BY_SOURCE[Kind.jira]
        )
        async with conn.transaction():
            repo = ("acme/api", "7", "api", "main", "Go", True, None)
            assert (
                await bulk.upsert(
                    conn, REPOSITORIES, [repo], tenant_id=etl_tenant.tenant_id, integration_id=None
                )
                == 1
            )
    finally:
        await conn.close()
    assert etl_tenant.query("SELECT full_name, language FROM repositories") == [("acme/api", "Go")]


async def test_two_repositories_that_swap_names_keep_their_rows(etl_tenant: EtlTenant) -> None:
    """Each row is found by its GitHub id: the one holding the other's new
    name is moved aside and then renamed in the same batch, so nothing is
    left aside and nobody is told."""
    tid = etl_tenant.tenant_id

    def repo(full: str, gid: str) -> tuple[object, ...]:
        return (full, gid, full.split("/")[1], "main", "Go", True, None)

    conn = await AsyncConnection.connect(etl_tenant.dsn, autocommit=True)
    try:
        await bulk.stage(conn, BY_SOURCE[Kind.github])
        notices: list[str] = []
        async with conn.transaction():
            rows = [repo("acme/a", "1"), repo("acme/b", "2")]
            await bulk.upsert(conn, REPOSITORIES, rows, tenant_id=tid, integration_id=None)
        before = etl_tenant.query("SELECT external_id, id FROM repositories ORDER BY 1")
        async with conn.transaction():
            rows = [repo("acme/b", "1"), repo("acme/a", "2")]
            await bulk.upsert(
                conn, REPOSITORIES, rows, tenant_id=tid, integration_id=None, notices=notices
            )
    finally:
        await conn.close()
    after = etl_tenant.query("SELECT external_id, id, full_name, name FROM repositories ORDER BY 1")
    assert after == [(e, i, f"acme/{n}", n) for (e, i), n in zip(before, "ba", strict=True)]
    assert notices == []
