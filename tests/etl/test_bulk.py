"""The bulk upsert on its own: within one transaction a second upsert of a
table reads only its own staged rows (the stage empties only at commit), the
last row of a key wins, and a rolled-back batch leaves nothing staged."""

from __future__ import annotations

from typing import Any

import pytest
from psycopg import AsyncConnection

from pulse_etl.load import bulk
from pulse_etl.load.targets import ORDER, PROJECTS, WORK_ITEMS
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
