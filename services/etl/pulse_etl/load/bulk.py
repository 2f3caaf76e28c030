"""Bulk upsert: ``COPY`` rows into a session-temporary staging table, then one
``INSERT … SELECT … ON CONFLICT DO UPDATE`` that resolves natural keys
(project key, repository name, PR number) to ids with joins.

Runs inside the caller's transaction, so a batch and its checkpoint commit
together or not at all. Needs ``TEMPORARY`` on the database for the login role.
Unchanged rows are not rewritten (``IS DISTINCT FROM``), so re-runs are cheap
and leave ``last_updated_at`` alone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection, sql


@dataclass(frozen=True)
class Target:
    table: str
    staging: tuple[tuple[str, str], ...]  # (column, PostgreSQL type) as the connector sends them
    key: tuple[str, ...]  # staging columns that identify a row (last one wins)
    columns: tuple[str, ...]  # target columns written, besides tenant_id/integration_id
    select: str  # expressions over staging ``s`` (and ``joins``), one per column
    conflict: tuple[str, ...]
    joins: str = ""
    keep: tuple[str, ...] = ()  # columns set on insert only (e.g. links derived later)
    from_integration: bool = True  # the table has integration_id (PR children do not)

    @property
    def stage_name(self) -> str:
        return f"stage_{self.table}"


async def prepare(conn: AsyncConnection[Any], target: Target) -> None:
    # Not cached per connection: a rolled-back transaction takes the table with it.
    cols = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(t)) for c, t in target.staging
    )
    await conn.execute(
        sql.SQL(
            "CREATE TEMP TABLE IF NOT EXISTS {} (_n integer NOT NULL, {}) ON COMMIT DELETE ROWS"
        ).format(sql.Identifier(target.stage_name), cols)
    )


async def upsert(
    conn: AsyncConnection[Any],
    target: Target,
    rows: Sequence[Sequence[Any]],
    *,
    tenant_id: int,
    integration_id: int | None,
) -> int:
    """Loads ``rows`` (tuples in ``target.staging`` order); returns how many
    rows were inserted or changed."""
    if not rows:
        return 0
    await prepare(conn, target)
    stage = sql.Identifier(target.stage_name)
    names = [sql.Identifier(c) for c, _ in target.staging]
    copy_sql = sql.SQL("COPY {} (_n, {}) FROM STDIN").format(stage, sql.SQL(", ").join(names))
    async with conn.cursor() as cur:
        async with cur.copy(copy_sql) as copy:
            for n, row in enumerate(rows):
                await copy.write_row((n, *row))
        cur_count = await _merge(cur, target, tenant_id, integration_id)
        # Commit empties it too; this serves a second upsert in the same transaction.
        await cur.execute(sql.SQL("DELETE FROM {}").format(stage))
    return cur_count


async def _merge(cur: Any, target: Target, tenant_id: int, integration_id: int | None) -> int:
    table = sql.Identifier(target.table)
    cols = ["tenant_id", *(["integration_id"] if target.from_integration else []), *target.columns]
    changing = [c for c in cols if c not in target.conflict and c not in target.keep]
    key = sql.SQL(", ").join(sql.SQL("s.") + sql.Identifier(k) for k in target.key)
    ident = [sql.Identifier(c) for c in changing]
    query = sql.SQL(
        "INSERT INTO {table} ({cols}) "
        "SELECT DISTINCT ON ({key}) %(tenant)s, {integration}{select} "
        "FROM {stage} s {joins} ORDER BY {key}, s._n DESC "
        "ON CONFLICT ({conflict}) DO UPDATE SET {sets}, last_updated_at = now() "
        "WHERE ({old}) IS DISTINCT FROM ({new})"
    ).format(
        table=table,
        cols=sql.SQL(", ").join(sql.Identifier(c) for c in cols),
        key=key,
        integration=sql.SQL("%(integration)s, " if target.from_integration else ""),
        select=sql.SQL(target.select),
        stage=sql.Identifier(target.stage_name),
        joins=sql.SQL(target.joins),
        conflict=sql.SQL(", ").join(sql.Identifier(c) for c in target.conflict),
        sets=sql.SQL(", ").join(sql.SQL("{0} = EXCLUDED.{0}").format(c) for c in ident),
        old=sql.SQL(", ").join(sql.SQL("{}.{}").format(table, c) for c in ident),
        new=sql.SQL(", ").join(sql.SQL("EXCLUDED.{}").format(c) for c in ident),
    )
    await cur.execute(query, {"tenant": tenant_id, "integration": integration_id})
    return int(cur.rowcount)
