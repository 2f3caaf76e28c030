"""Bulk upsert: ``COPY`` rows into a session-temporary staging table, then one
``INSERT … SELECT … ON CONFLICT DO UPDATE`` that resolves natural keys
(project key, repository name, PR number) to ids with joins: two round trips
per table. The stage empties at commit (``ON COMMIT DELETE ROWS``); within a
transaction each COPY numbers its rows after the previous ones (``_n``), so a
second upsert of a table reads only its own rows. (Emptying the stage with
``DELETE … RETURNING`` instead cost about a tenth of the merge.)

Runs inside the caller's transaction, so a batch and its checkpoint commit
together or not at all. Needs ``TEMPORARY`` on the database for the login role.
Unchanged rows are not rewritten (``IS DISTINCT FROM``), so re-runs are cheap
and leave ``last_updated_at`` alone."""

from __future__ import annotations

import functools
import re
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection, sql
from psycopg.pq import TransactionStatus

from pulse_etl.load import renames

# The staging type of every timestamp column.
TS = "timestamptz"
# What a PostgreSQL text cannot hold: NUL, and lone UTF-16 surrogates (JSON
# may escape them, "\ud800"; UTF-8 cannot encode them). One such character
# in a description made every run fail on its page, for good.
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


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
    # The source's id of a row whose natural key (``conflict``, one column)
    # can change (a GitHub repository renamed): the row found by it takes the
    # new key before the merge, which would otherwise insert a second row
    # (``renames.py``).
    rekey: str | None = None

    @property
    def stage_name(self) -> str:
        return f"stage_{self.table}"


# Staging tables known to exist in a session: created by ``stage`` outside any
# transaction, so no rolled-back batch can take them along.
_STAGED: weakref.WeakKeyDictionary[AsyncConnection[Any], set[str]] = weakref.WeakKeyDictionary()
# Rows ever copied on a connection: the next COPY's first ``_n``.
_COPIED: weakref.WeakKeyDictionary[AsyncConnection[Any], int] = weakref.WeakKeyDictionary()


@functools.cache
def _create(target: Target) -> str:
    cols = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(t)) for c, t in target.staging
    )
    return (
        sql.SQL("CREATE TEMP TABLE IF NOT EXISTS {} (_n bigint NOT NULL, {}) ON COMMIT DELETE ROWS")
        .format(sql.Identifier(target.stage_name), cols)
        .as_string(None)
    )


async def stage(conn: AsyncConnection[Any], targets: Iterable[Target]) -> None:
    """Creates the staging tables once for the session, in one round trip.
    Only on an idle autocommit connection: inside a transaction a rollback
    would drop them behind the cache's back (``upsert`` then creates its own)."""
    if not conn.autocommit or conn.info.transaction_status != TransactionStatus.IDLE:
        return
    known = _STAGED.setdefault(conn, set())
    missing = [t for t in targets if t.stage_name not in known]
    if missing:
        await conn.execute("; ".join(_create(t) for t in missing))
        known.update(t.stage_name for t in missing)


async def prepare(conn: AsyncConnection[Any], target: Target) -> None:
    if target.stage_name not in _STAGED.get(conn, ()):
        await conn.execute(_create(target))


async def copy_rows(
    conn: AsyncConnection[Any], target: Target, rows: Sequence[Sequence[Any]]
) -> int:
    """``COPY`` into the target's staging table; ``_n`` keeps the input order.
    Returns the first ``_n`` of these rows."""
    await prepare(conn, target)
    first = _COPIED.get(conn, 0)
    _COPIED[conn] = first + len(rows)
    async with conn.cursor() as cur, cur.copy(_copy_sql(target)) as copy:
        for n, row in enumerate(rows, first):
            await copy.write_row((n, *(_storable(v) for v in row)))
    return first


def _storable(value: Any) -> Any:
    """Text as PostgreSQL can store it: each unstorable character becomes
    U+FFFD (the replacement character), the rest is kept."""
    if isinstance(value, str) and _UNSTORABLE.search(value):
        return _UNSTORABLE.sub("\ufffd", value)
    return value


@functools.cache
def _copy_sql(target: Target) -> str:
    names = sql.SQL(", ").join(sql.Identifier(c) for c, _ in target.staging)
    return (
        sql.SQL("COPY {} (_n, {}) FROM STDIN")
        .format(sql.Identifier(target.stage_name), names)
        .as_string(None)
    )


async def upsert(
    conn: AsyncConnection[Any],
    target: Target,
    rows: Sequence[Sequence[Any]],
    *,
    tenant_id: int,
    integration_id: int | None,
    notices: list[str] | None = None,
) -> int:
    """Loads ``rows`` (tuples in ``target.staging`` order); returns how many
    rows were inserted or changed. What the admin should know of it (a row
    moved aside for a renamed one, ``renames.py``) goes to ``notices``."""
    if not rows:
        return 0
    first = await copy_rows(conn, target, rows)
    params = {"tenant": tenant_id, "integration": integration_id, "first": first}
    async with conn.cursor() as cur:
        if target.rekey is not None:
            found = await renames.apply(cur, target, params)
            if notices is not None:
                notices += found
        await cur.execute(_merge_sql(target), params)
        return int(cur.rowcount)


@functools.cache
def _merge_sql(target: Target) -> str:
    """Built once per target: the same text each batch also lets psycopg
    prepare the statement after a few runs (no planning per batch)."""
    table = sql.Identifier(target.table)
    cols = ["tenant_id", *(["integration_id"] if target.from_integration else []), *target.columns]
    changing = [c for c in cols if c not in target.conflict and c not in target.keep]
    key = sql.SQL(", ").join(sql.SQL("s.") + sql.Identifier(k) for k in target.key)
    ident = [sql.Identifier(c) for c in changing]
    query = sql.SQL(
        "INSERT INTO {table} ({cols}) "
        "SELECT DISTINCT ON ({key}) %(tenant)s, {integration}{select} "
        "FROM {stage} s {joins} WHERE s._n >= %(first)s ORDER BY {key}, s._n DESC "
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
    return query.as_string(None)
