"""Advisory locks in PostgreSQL's two-key form ``(tenant id, hash of the
name)``: one runner per integration across processes and replicas, and the
tenant's relinks taking turns. The tenant id is the first key, so a hash
collision between two names can only ever make one tenant's own jobs wait
for each other, never one tenant block another. (The two-key space does not
overlap the one-key space other code may use.)"""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection

# An ETL started without PULSE_TENANT_ID keys on its schema instead.
_TENANT = "COALESCE(NULLIF(%s::int4, 0), hashtext(current_schema()))"
RELINK = "dora-relink"


def integration_key(name: str) -> str:
    # Integration names are DNS labels: no colon, so no clash with RELINK.
    return f"integration:{name}"


async def try_lock(conn: AsyncConnection[Any], tenant_id: int, key: str) -> bool:
    cur = await conn.execute(
        f"SELECT pg_try_advisory_lock({_TENANT}, hashtext(%s))", (tenant_id, key)
    )
    row = await cur.fetchone()
    return bool(row and row[0])


async def unlock(conn: AsyncConnection[Any], tenant_id: int, key: str) -> None:
    await conn.execute(f"SELECT pg_advisory_unlock({_TENANT}, hashtext(%s))", (tenant_id, key))


XACT_LOCK_SQL = (
    "SELECT pg_advisory_xact_lock(COALESCE(NULLIF(CAST(:tid AS int4), 0), "
    "hashtext(current_schema())), hashtext(:k))"
)
